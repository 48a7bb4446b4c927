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


def _matrix_axes(x, axis):
    """The (row, column) axes of the matrices a matrix norm reads, counted from the end (so
    that they name the same axes of a vector-mode tangent, whose directions come first)."""
    rows, columns = (0, 1) if axis is None else axis
    return rows % np.ndim(x) - np.ndim(x), columns % np.ndim(x) - np.ndim(x)


def _is_matrix_norm(x, axis):
    return (axis is None and np.ndim(x) == 2) or (np.ndim(axis) == 1 and len(axis) == 2)


def _tall_svd_tangent(a, u, s, vt, a_dot):
    """The tangents of ``u, s, vt = np.linalg.svd(a, full_matrices=False)`` for a tall ``a``
    (rows >= columns) with distinct nonzero singular values, along ``a_dot`` (which may have
    leading axes of directions): from the eigenvectors of a.T @ a, and u = a @ v / s."""
    v = np.swapaxes(vt, -1, -2)
    p = np.matmul(np.matmul(np.swapaxes(u, -1, -2), a_dot), v)
    s_dot = np.diagonal(p, 0, -2, -1)
    squares, eye = s ** 2, np.eye(np.shape(s)[-1])
    with np.errstate(divide="ignore"):  # (repeated singular values: no derivative, inf)
        gaps = 1.0 / (squares[..., None, :] - squares[..., :, None] + eye) - eye
    mixed = np.swapaxes(p, -1, -2) * s[..., None, :] + s[..., :, None] * p
    v_dot = np.matmul(v, gaps * mixed)
    u_dot = (np.matmul(a_dot, v) + np.matmul(a, v_dot) - u * s_dot[..., None, :]) / s[..., None, :]
    return u_dot, s_dot, np.swapaxes(v_dot, -1, -2)


def _singular_slope(x, ord, axis, x_dot=None):
    """The slope of a matrix's 2-norm (``u1 v1^T``), -2-norm (``un vn^T``) or nuclear norm
    (``U V^T``), or with ``x_dot`` its tangent at fixed norm (the Hessian applied to x_dot)."""
    rows, columns = _matrix_axes(x, axis)
    a = np.moveaxis(x, (rows, columns), (-2, -1))
    wide = np.shape(a)[-2] < np.shape(a)[-1]
    a = np.swapaxes(a, -1, -2) if wide else a
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    pick = {2: slice(0, 1), -2: slice(-1, None), "nuc": slice(None)}[ord]
    if x_dot is None:
        out = np.matmul(u[..., pick], vt[..., pick, :])
    else:
        a_dot = np.moveaxis(x_dot, (rows, columns), (-2, -1))
        a_dot = np.swapaxes(a_dot, -1, -2) if wide else a_dot
        u_dot, _, vt_dot = _tall_svd_tangent(a, u, s, vt, a_dot)
        out = (np.matmul(u_dot[..., pick], vt[..., pick, :])
               + np.matmul(u[..., pick], vt_dot[..., pick, :]))
    out = np.swapaxes(out, -1, -2) if wide else out
    return np.moveaxis(out, (-2, -1), (rows, columns))


def _sum_slope(x, ord, axis):
    """The slope of a matrix's 1, -1 (column sums), inf or -inf (row sums) norm: the signs of
    the line whose sum of sizes is the largest (smallest); tied lines share it."""
    rows, columns = _matrix_axes(x, axis)
    summed, across = (rows, columns) if ord in (1, -1) else (columns, rows)
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    extreme = (np.max if ord > 0 else np.min)(sums, axis=across, keepdims=True)
    hits = (sums == extreme).astype(float)
    return np.sign(x) * hits / np.sum(hits, axis=across, keepdims=True)


def norm_slope(x, norm, ord=None, axis=None, keepdims=False):
    """d norm / d x for every norm NumPy computes: of vectors the 2-norm, 1, inf, -inf (ties
    share the derivative equally), 0 (a count) and any other power p; of matrices 'fro',
    1, -1, inf, -inf (the largest or smallest line sum), 2, -2 (the largest or smallest
    singular value) and 'nuc' (their sum)."""
    matrix = _is_matrix_norm(x, axis)
    if ord in (None, "fro") or (ord == 2 and not matrix):
        return _unit(x, unreduce(norm, x, axis, keepdims))
    if matrix:
        if ord in (2, -2, "nuc"):
            return _singular_slope(x, ord, axis)
        return _sum_slope(x, ord, axis)
    if ord == 0:
        return np.zeros(np.shape(x))
    if ord in (1, np.inf, -np.inf):
        if ord == 1:
            return np.sign(x)
        size = np.abs(x)
        return np.sign(x) * extreme_mask(size, np.max(size, axis=axis, keepdims=keepdims)
                                         if ord == np.inf else
                                         np.min(size, axis=axis, keepdims=keepdims), axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):  # (a zero entry with p < 1: NaN)
        return np.sign(x) * (np.abs(x) / unreduce(norm, x, axis, keepdims)) ** (ord - 1)


def norm_slope_jvp(x, v, norm, ord=None, axis=None, keepdims=False):
    """The derivative of ``norm_slope(x, norm, ...)`` along ``v`` with the norm held fixed
    (``norm_curvature`` gives the part through the norm): a symmetric map of v (the norm's
    Hessian, up to that part), so it is its own adjoint. ``v`` may have a leading axis of
    directions (vector mode)."""
    if np.ndim(v) == 0:  # a constant's tangent is a plain zero
        return v
    matrix = _is_matrix_norm(x, axis)
    if ord in (None, "fro") or (ord == 2 and not matrix):
        return v / unreduce(norm, x, axis, keepdims)
    if matrix and ord in (2, -2, "nuc"):
        return _singular_slope(x, ord, axis, v)
    if matrix or ord in (0, 1, np.inf, -np.inf):  # a slope constant where it is defined
        return np.zeros(np.broadcast_shapes(np.shape(v), np.shape(x)))
    with np.errstate(divide="ignore", invalid="ignore"):
        size = unreduce(norm, x, axis, keepdims)
        return v * (ord - 1) * (np.abs(x) / size) ** (ord - 2) / size


def norm_curvature(ord=None, x=None, axis=None, of_jvp=False):
    """How the slope of the norm changes with the norm itself, as a multiple of -slope / norm:
    p - 1 for a vector's p-norm (1 for the 2-norm and 'fro'), 0 where the slope does not
    depend on the norm (line sums, singular vectors, counts).

    ``of_jvp``: the derivative of ``norm_slope_jvp`` through x itself (a third derivative of
    the norm): 0.0 where it is exact (the 2-norm, 'fro', piecewise-constant slopes); for
    vectors' other powers and matrices' singular values sourcead has none: refused."""
    matrix = _is_matrix_norm(x, axis)
    if of_jvp:
        if ord in (None, "fro", 0, 1, np.inf, -np.inf) or (ord == 2 and not matrix) or (
                matrix and ord == -1):
            return 0.0
        raise refused(f"no third derivative of np.linalg.norm with ord={ord!r}",
                      "sourcead differentiates these norms twice; for a third derivative "
                      "write the norm with NumPy operations (for a vector's p-norm, "
                      "np.sum(np.abs(x) ** p) ** (1 / p))")
    if ord in (None, "fro") or (ord == 2 and not matrix):
        return 1.0
    if matrix or ord in (0, 1, np.inf, -np.inf):
        return 0.0
    return float(ord - 1)


# ---- singular vectors and qr -----------------------------------------------------------------

def singular_gaps(s, x, full_matrices=True):
    """1 / (s_j^2 - s_i^2) off the diagonal (0 on it), for the singular values ``s`` of
    ``x``: what the derivatives of singular vectors divide by. Refused where the vectors
    sourcead differentiates are not unique: repeated or zero singular values, a wide ``x``
    (the reduced svd of x.T is), or full_matrices=True of a non-square ``x``."""
    rows, columns = np.shape(x)[-2], np.shape(x)[-1]
    if rows < columns:
        raise refused("no derivative of the singular vectors of a matrix with more columns "
                      "than rows", "differentiate the svd of its transpose: v, s, ut = "
                      "np.linalg.svd(x.T, full_matrices=False) gives u = ut.T, vt = v.T")
    if full_matrices and rows != columns:
        raise refused("no derivative of np.linalg.svd(x, full_matrices=True) of a non-square "
                      "matrix (the columns of u beyond x's are not unique)",
                      "pass full_matrices=False")
    squares, eye = np.asarray(s) ** 2, np.eye(np.shape(s)[-1])
    differences = squares[..., None, :] - squares[..., :, None] + eye
    tolerance = 1e-13 * np.max(squares) * np.shape(s)[-1]
    if np.any(np.abs(differences) <= tolerance) or np.any(squares <= tolerance):
        raise refused("no derivative of singular vectors where singular values repeat or "
                      "are zero (the vectors are not unique there)",
                      "differentiate the singular values alone, np.linalg.svd(x, "
                      "compute_uv=False), or a function of x that does not depend on the "
                      "choice of vectors (for example x @ x.T)")
    return 1.0 / differences - eye


def triangular_inverse(r):
    """``np.linalg.inv(r)`` of qr's square triangular factor, refused where it is singular
    (x has dependent columns: its q is not unique) or not square (more columns than rows)."""
    if np.shape(r)[-2] != np.shape(r)[-1]:
        raise refused("no derivative of np.linalg.qr of a matrix with more columns than rows "
                      "(or with mode='complete' of a non-square matrix: the extra columns of "
                      "q are not unique)",
                      "take the qr of the first columns (q, r1 = np.linalg.qr(x[:, :m])) and "
                      "r = np.hstack([r1, q.T @ x[:, m:]]), with the default mode='reduced'")
    diagonal = np.abs(np.diagonal(r, 0, -2, -1))
    if np.any(diagonal <= 1e-13 * np.max(diagonal) * np.shape(r)[-1]):
        raise refused("no derivative of np.linalg.qr of a matrix whose columns are dependent "
                      "(its q is not unique)", "differentiate the qr of independent columns")
    return np.linalg.inv(r)
