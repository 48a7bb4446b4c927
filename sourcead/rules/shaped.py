"""Helpers that generated code no longer needs once shape signatures are known.

Runtime helpers such as ``matmul_adjoint_x(g, x, y)`` exist to find out, at run time, how many
axes their arguments have. When the signatures (``sourcead/shapes.py``) of the arguments say
it already, the call is written as the plain expression a person would write (``g @ y.T``),
which is also what is differentiated again for higher orders.

In: a helper's name and the signatures of its arguments. Out: a template over the helper's
parameter names, or None (keep the helper call).
"""
from __future__ import annotations

from typing import Callable

# per (ndim of x, ndim of y): the adjoint of ``x @ y`` for x and for y, where matmul neither
# promotes a vector nor broadcasts a stack of matrices
_MATMUL = {
    (2, 2): ("g @ y.T", "x.T @ g"),
    (2, 1): ("np.outer(g, y)", "g @ x"),
    (1, 2): ("y @ g", "np.outer(x, g)"),
    (1, 1): ("g * y", "g * x"),
}


def _bilinear(which: int) -> Callable[[list], str | None]:
    def template(dims: list) -> str | None:
        _, x, y = dims
        if x is None or y is None:
            return None
        found = _MATMUL.get((len(x), len(y)))
        return None if found is None else found[which]
    return template


def _dot(which: int) -> Callable[[list], str | None]:
    """``np.dot`` is matmul up to two axes (with a number it is a product, left alone)."""
    return _bilinear(which)


# helper name -> (its parameters, template from the signatures of its arguments)
SHAPED: dict[str, tuple[tuple[str, ...], Callable[[list], str | None]]] = {
    "matmul_adjoint_x": (("g", "x", "y"), _bilinear(0)),
    "matmul_adjoint_y": (("g", "x", "y"), _bilinear(1)),
    "dot_adjoint_x": (("g", "x", "y"), _dot(0)),
    "dot_adjoint_y": (("g", "x", "y"), _dot(1)),
}
