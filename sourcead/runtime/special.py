"""Helpers of the SciPy rows (``rules/scipy_rows.py``): the slopes SciPy's special functions
need, and the triangles of SciPy's Cholesky factors and triangular solves.

SciPy is optional: only ``polygamma`` calls it, and it imports SciPy itself when called (it
is pasted into generated code, which must run with NumPy alone when it does not call it).
The others are NumPy code taking SciPy's flags (``lower``, ``trans``) as values, so a flag
held in a variable, or carried in ``cho_factor``'s ``(c, lower)`` pair, works as well as one
written in the call.
"""
from __future__ import annotations

import numpy as np


def polygamma(n, x):
    """The n-th derivative of digamma (n = 0: digamma itself), by SciPy: the slope of
    ``gammaln`` (n = 0) and of ``digamma`` (n = 1), and of those slopes in turn."""
    from scipy import special
    return special.polygamma(n, x)


def factor_part(v, lower):
    """The triangle of ``v`` a SciPy factor lives in: the lower one (with the diagonal) when
    ``lower``, else the upper one. A projection, so it is its own adjoint."""
    if np.ndim(v) < 2:   # a plain zero (an adjoint nothing reached)
        return v
    return np.tril(v) if lower else np.triu(v)


def oriented(v, lower):
    """``v`` when ``lower``, else its (matrix) transpose: an upper factor U seen as the lower
    factor U^T (and back: it is its own inverse and its own adjoint)."""
    if np.ndim(v) < 2:
        return v
    return v if lower else np.swapaxes(v, -1, -2)


def transposed_if(v, trans):
    """``v``, or its (matrix) transpose for ``solve_triangular``'s ``trans`` 1, 2, 'T' or 'C'
    (real matrices: 'C' is 'T'). Its own adjoint."""
    if np.ndim(v) < 2 or trans in (0, "N", "n"):
        return v
    return np.swapaxes(v, -1, -2)


def triangle(a, lower=False, unit_diagonal=False):
    """The triangular matrix ``solve_triangular`` reads from ``a``: its upper (or lower)
    triangle, with ones on the diagonal when ``unit_diagonal``."""
    part = triangle_part(a, lower, unit_diagonal)
    return part + np.eye(np.shape(a)[-1]) if unit_diagonal else part


def triangle_part(v, lower=False, unit_diagonal=False):
    """The entries of ``v`` that ``triangle`` reads (its derivative): the triangle, without
    the diagonal when ``unit_diagonal``. A projection, so it is its own adjoint."""
    if np.ndim(v) < 2:
        return v
    offset = (-1 if lower else 1) if unit_diagonal else 0
    return np.tril(v, offset) if lower else np.triu(v, offset)
