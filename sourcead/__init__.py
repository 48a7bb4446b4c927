"""sourcead: derivatives of plain Python/NumPy functions as readable Python source."""
from .api import grad, hessian, jacobian, jvp, source, vjp
from .custom import check_rule, defrule
from .errors import (NoDerivativeError, SourceADError, SourceNotFoundError,
                     UnsupportedSyntaxError, UsageError)
from .numeric import numeric_grad
from .parse import register_source
from .runtime import on_gradient, stop_gradient

__all__ = ["grad", "jvp", "vjp", "jacobian", "hessian", "defrule", "check_rule",
           "on_gradient", "register_source", "source", "stop_gradient", "numeric_grad", "SourceADError",
           "UnsupportedSyntaxError", "NoDerivativeError", "SourceNotFoundError", "UsageError"]
