"""sourcead: derivatives of plain Python/NumPy functions as readable Python source."""
from .api import grad, source, vjp
from .errors import (NoDerivativeError, SourceADError, SourceNotFoundError,
                     UnsupportedSyntaxError, UsageError)
from .numeric import numeric_grad
from .runtime import stop_gradient

__all__ = ["grad", "vjp", "source", "stop_gradient", "numeric_grad", "SourceADError",
           "UnsupportedSyntaxError", "NoDerivativeError", "SourceNotFoundError", "UsageError"]
