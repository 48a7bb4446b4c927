"""Linear algebra and norms: symmetric halves, tall matrices, and the slopes of norms.
"""
from __future__ import annotations

import numpy as np

from .basics import refused
from .reductions import extreme_mask, unreduce


# ---- linear algebra: the lower triangle (what cholesky and eigh read) -----------------------------

def lower_symmetric(x):
    """The symmetric matrix whose lower triangle is ``x``'s (what cholesky and eigh see)."""
    return np.tril(x) + np.swapaxes(np.tril(x, -1), -1, -2)


def fold_lower(g):
    """The adjoint of ``lower_symmetric``: the upper triangle's share folded onto the lower."""
    return np.tril(g) + np.tril(np.swapaxes(g, -1, -2), -1)


def lower_half(x):
    """The strict lower triangle of ``x`` and half its diagonal."""
    return 0.5 * (np.tril(x) + np.tril(x, -1))


def shaped_like(v, like):
    """``v`` in the shape of ``like`` (lstsq's residuals: one per column, or none at all when
    the system is square, where they and their derivative are zero)."""
    if np.size(v) != np.size(like):
        return np.zeros(np.shape(like))
    return np.reshape(v, np.shape(like))


def untall(v, x):
    """``v``, or its (matrix) transpose when ``x`` has more columns than rows: a matrix and its
    transpose have the same singular values, and the tall one's come from its Gram matrix."""
    return v if np.shape(x)[-2] >= np.shape(x)[-1] else np.swapaxes(v, -1, -2)


def sinc_derivative(x, n=1):
    """The n-th derivative of ``np.sinc`` (exact at 0 too): for |x| < 1 by Gauss-Legendre
    quadrature of sinc(x) = integral of cos(pi x t) over [0, 1], else by the recurrence
    x s(n) + n s(n-1) = -pi^2 (x s(n-2) + (n-2) s(n-3)) from x s(x) = sin(pi x) / pi."""
    x = np.asarray(x, dtype=float)
    nodes, weights = np.polynomial.legendre.leggauss(40)
    t, w = (nodes + 1) / 2, weights / 2
    near = np.sum(w * (np.pi * t) ** n * np.cos(np.pi * np.multiply.outer(x, t) + n * np.pi / 2),
                  axis=-1)
    safe = np.where(np.abs(x) < 1, 1.0, x)
    values = [np.sinc(safe), (np.cos(np.pi * safe) - np.sinc(safe)) / safe]
    for m in range(2, n + 1):
        before = values[m - 3] if m >= 3 else 0.0
        values.append((-np.pi ** 2 * (safe * values[m - 2] + (m - 2) * before)
                       - m * values[m - 1]) / safe)
    out = np.where(np.abs(x) < 1, near, values[n])
    return out if out.ndim else float(out)


# ---- norms ---------------------------------------------------------------------------------------

def _unit(x, norm):
    """``x / norm``, and 0 where the norm is 0: at the zero vector the 2-norm has no gradient,
    and 0 is the subgradient of least size (as ``np.sign`` gives for ``abs`` and the 1-norm,
    and as central differences find), not the NaN that 0 / 0 would give."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norm == 0, 0.0, x / norm)


def norm_slope(x, norm, ord=None, axis=None, keepdims=False):
    """d norm / d x for the norms sourcead differentiates: the 2-norm (and Frobenius),
    1, inf and -inf (ties share the derivative equally), 0 (a count). Others are refused."""
    matrix = (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2)
    if ord in (None, "fro") or (ord == 2 and not matrix):
        return _unit(x, unreduce(norm, x, axis, keepdims))
    if ord == 0 and not matrix:
        return np.zeros(np.shape(x))
    if ord in (1, np.inf, -np.inf) and not matrix:
        if ord == 1:
            return np.sign(x)
        size = np.abs(x)
        return np.sign(x) * extreme_mask(size, np.max(size, axis=axis, keepdims=keepdims)
                                         if ord == np.inf else
                                         np.min(size, axis=axis, keepdims=keepdims), axis, keepdims)
    raise refused(f"no derivative of np.linalg.norm with ord={ord!r} for "
                  f"{'matrices' if matrix else 'vectors'}",
                  "sourcead differentiates the 2-norm, 'fro', 1, inf, -inf and 0 of vectors "
                  "and 'fro' (ord=None) of matrices; for a matrix's 2-norm use "
                  "np.linalg.svd(x, compute_uv=False)[0]")


def norm_curvature(ord=None, x=None, axis=None):
    """1.0 where ``norm_slope`` has a nonzero derivative (the 2-norm), else 0.0."""
    matrix = (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2)
    return 1.0 if ord in (None, "fro") or (ord == 2 and not matrix) else 0.0
