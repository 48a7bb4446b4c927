"""sourcead: derivatives of plain Python/NumPy functions as readable Python source."""
from .api import grad, hessian, jacobian, jvp, source, vjp
from .custom import check_rule, defrule
from .errors import (NoDerivativeError, SourceADError, SourceNotFoundError,
                     UnsupportedSyntaxError, UsageError)
from .numeric import numeric_grad
from .runtime import stop_gradient

__all__ = ["grad", "jvp", "vjp", "jacobian", "hessian", "defrule", "check_rule", "source", "stop_gradient", "numeric_grad", "SourceADError",
           "UnsupportedSyntaxError", "NoDerivativeError", "SourceNotFoundError", "UsageError"]
