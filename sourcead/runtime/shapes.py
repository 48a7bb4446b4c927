"""Shape functions (trace, cross, diag, kron, tile, split, ...): their adjoints and
vector-mode forms.
"""
from __future__ import annotations

import numpy as np

from .basics import refused, unbroadcast


# ---- shapes, continued ------------------------------------------------------------------------

def untrace(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of ``np.trace(x, offset, axis1, axis2)``: ``g`` on that diagonal."""
    out = np.zeros(np.shape(x))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n, m = np.shape(view)[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset))
    view[..., rows, rows + offset] = np.expand_dims(g, -1)
    return out


def _cross_sizes(x, y):
    size = (np.shape(x)[-1], np.shape(y)[-1])
    if size not in ((3, 3), (2, 2)):
        raise refused(f"np.cross of vectors of {size[0]} and {size[1]} elements",
                      "give both vectors 3 elements (or both 2)")
    return size[0]


def cross_adjoint_x(g, x, y):
    """The adjoint of ``np.cross(x, y)`` for ``x``: ``g . (x × y) = x . (y × g)`` (of
    2-vectors, whose cross product is the number ``x0 y1 - x1 y0``: ``g (y1, -y0)``)."""
    if _cross_sizes(x, y) == 3:
        return unbroadcast(np.cross(y, g), x)
    g = np.expand_dims(g, -1)
    return unbroadcast(np.concatenate([g * y[..., 1:2], -g * y[..., 0:1]], axis=-1), x)


def cross_adjoint_y(g, x, y):
    """The adjoint of ``np.cross(x, y)`` for ``y``: ``g . (x × y) = y . (g × x)``."""
    if _cross_sizes(x, y) == 3:
        return unbroadcast(np.cross(g, x), y)
    g = np.expand_dims(g, -1)
    return unbroadcast(np.concatenate([-g * x[..., 1:2], g * x[..., 0:1]], axis=-1), y)


def _cross_each(v_dot, v, other):
    """A vector-mode tangent of one argument of ``np.cross``, its directions' axis placed
    before the batch axes that the other argument brings."""
    pad = max(np.ndim(v), np.ndim(other)) - np.ndim(v)
    return np.reshape(v_dot, np.shape(v_dot)[:1] + (1,) * pad + np.shape(v))


def cross_each_left(x_dot, x, y):
    """``np.cross(x_dot, y)`` for each direction of a tangent of ``x``."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    return np.cross(_cross_each(x_dot, x, y), y)


def cross_each_right(x, y_dot, y):
    """``np.cross(x, y_dot)`` for each direction of a tangent of ``y``."""
    if np.ndim(y_dot) == 0:
        return y_dot
    return np.cross(x, _cross_each(y_dot, y, x))


def _cross_axes(x, y, axisa, axisb, axisc, axis):
    """``np.cross``'s operands with their vector axes last, their places, and the result's
    vector axis (None for 2-vectors, whose cross product is a number)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    xm, ym = np.moveaxis(x, axisa, -1), np.moveaxis(y, axisb, -1)
    return xm, ym, axisa, axisb, (axisc if _cross_sizes(xm, ym) == 3 else None)


def _after_directions(axis):
    """An axis of a value, counted in its vector-mode tangent (directions on axis 0)."""
    return axis + 1 if axis >= 0 else axis


def cross_axes_adjoint_x(g, x, y, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of ``np.cross(x, y, axisa, axisb, axisc, axis)`` for ``x``: that of the
    cross product of the last axes, with the axes moved there and back."""
    xm, ym, axisa, _, axisc = _cross_axes(x, y, axisa, axisb, axisc, axis)
    g = g if axisc is None or np.ndim(g) == 0 else np.moveaxis(g, axisc, -1)
    return np.moveaxis(cross_adjoint_x(g, xm, ym), -1, axisa)


def cross_axes_adjoint_y(g, x, y, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of ``np.cross(x, y, axisa, axisb, axisc, axis)`` for ``y``."""
    xm, ym, _, axisb, axisc = _cross_axes(x, y, axisa, axisb, axisc, axis)
    g = g if axisc is None or np.ndim(g) == 0 else np.moveaxis(g, axisc, -1)
    return np.moveaxis(cross_adjoint_y(g, xm, ym), -1, axisb)


def cross_axes_each_left(x_dot, x, y, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``np.cross(x_dot, y, axisa, axisb, axisc, axis)`` for each direction of ``x_dot``."""
    if np.ndim(x_dot) == 0:
        return x_dot
    xm, ym, axisa, _, axisc = _cross_axes(x, y, axisa, axisb, axisc, axis)
    out = cross_each_left(np.moveaxis(x_dot, _after_directions(axisa), -1), xm, ym)
    return out if axisc is None else np.moveaxis(out, -1, _after_directions(axisc))


def cross_axes_each_right(x, y_dot, y, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``np.cross(x, y_dot, axisa, axisb, axisc, axis)`` for each direction of ``y_dot``."""
    if np.ndim(y_dot) == 0:
        return y_dot
    xm, ym, _, axisb, axisc = _cross_axes(x, y, axisa, axisb, axisc, axis)
    out = cross_each_right(xm, np.moveaxis(y_dot, _after_directions(axisb), -1), ym)
    return out if axisc is None else np.moveaxis(out, -1, _after_directions(axisc))


def undiag(g, x, k=0):
    """The adjoint of ``np.diag(x, k)``: of a vector (a matrix made), its diagonal; of a
    matrix (its diagonal read), ``g`` on that diagonal of zeros shaped like ``x``."""
    if np.ndim(x) == 1:
        return np.diag(g, k)
    return undiagonal(g, x, k, 0, 1)


def undiagonal(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of ``np.diagonal(x, offset, axis1, axis2)``: ``g`` (whose last axis runs
    along the diagonal) written on that diagonal of zeros shaped like ``x``."""
    out = np.zeros(np.shape(x), dtype=np.result_type(g, x, 0.0))
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))   # a view: writes reach out
    n = np.shape(g)[-1]
    rows, cols = np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)
    moved[..., rows, cols] = g
    return out


def undiagonal_each(v_dot, x, offset=0, axis1=0, axis2=1):
    """``undiagonal`` of each direction of a vector-mode tangent."""
    if np.ndim(v_dot) == 0:
        return v_dot
    n = np.ndim(x)
    return undiagonal(v_dot, np.zeros(np.shape(v_dot)[:1] + np.shape(x)), offset,
                      axis1 % n + 1, axis2 % n + 1)


def diagonal_each(x_dot, x, offset=0, axis1=0, axis2=1):
    """``np.diagonal`` of each direction of a vector-mode tangent of ``x``."""
    if np.ndim(x_dot) == 0:
        return x_dot
    n = np.ndim(x)
    return np.diagonal(x_dot, offset, axis1 % n + 1, axis2 % n + 1)


def diag_each(x_dot, x, k=0):
    """``np.diag(., k)`` of each direction of a vector-mode tangent of ``x``."""
    if np.ndim(x_dot) == 0:
        return x_dot
    if np.ndim(x) == 2:
        return np.diagonal(x_dot, k, 1, 2)
    size = np.shape(x)[0] + abs(k)
    return undiagonal(x_dot, np.zeros((np.shape(x_dot)[0], size, size)), k, 1, 2)


def undiag_each(v_dot, x, k=0):
    """``undiag`` of each direction of a vector-mode tangent."""
    if np.ndim(v_dot) == 0:
        return v_dot
    if np.ndim(x) == 1:
        return np.diagonal(v_dot, k, 1, 2)
    return undiagonal_each(v_dot, x, k, 0, 1)


def full_each(x_dot, shape, x):
    """``np.full(shape, .)`` of each direction of a vector-mode tangent of the value ``x``."""
    if np.ndim(x_dot) == 0:
        return x_dot
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    lifted = np.reshape(x_dot, np.shape(x_dot)[:1] + (1,) * (len(shape) - np.ndim(x))
                        + np.shape(x))
    return lifted + np.zeros(np.shape(x_dot)[:1] + shape)


def rot90_each(v, k, axes, x):
    """``np.rot90(., k, axes)`` of each direction of a vector-mode tangent."""
    if np.ndim(v) == 0:
        return v
    return np.rot90(v, k, tuple(a % np.ndim(x) + 1 for a in axes))


def kron_adjoint_x(g, x, y):
    """The adjoint of ``np.kron(x, y)`` for ``x``: each block of ``g`` contracted with ``y``."""
    n = max(np.ndim(x), np.ndim(y))
    xs = (1,) * (n - np.ndim(x)) + np.shape(x)
    ys = (1,) * (n - np.ndim(y)) + np.shape(y)
    blocks = np.reshape(g, [s for pair in zip(xs, ys) for s in pair])
    y_axes = tuple(range(1, 2 * n, 2))
    return np.reshape(np.sum(blocks * np.reshape(y, [s for t in ys for s in (1, t)]),
                             axis=y_axes), np.shape(x))


def kron_adjoint_y(g, x, y):
    """The adjoint of ``np.kron(x, y)`` for ``y``: the blocks of ``g`` weighted by ``x``."""
    n = max(np.ndim(x), np.ndim(y))
    xs = (1,) * (n - np.ndim(x)) + np.shape(x)
    ys = (1,) * (n - np.ndim(y)) + np.shape(y)
    blocks = np.reshape(g, [s for pair in zip(xs, ys) for s in pair])
    x_axes = tuple(range(0, 2 * n, 2))
    return np.reshape(np.sum(blocks * np.reshape(x, [s for t in xs for s in (t, 1)]),
                             axis=x_axes), np.shape(y))


def untile(g, x, reps):
    """The adjoint of ``np.tile(x, reps)``: the copies of each element summed."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    n = max(len(reps), np.ndim(x))
    reps = (1,) * (n - len(reps)) + reps
    shape = (1,) * (n - np.ndim(x)) + np.shape(x)
    blocks = np.reshape(g, [s for pair in zip(reps, shape) for s in pair])
    return np.reshape(np.sum(blocks, axis=tuple(range(0, 2 * n, 2))), np.shape(x))


def repeat_indices(x, repeats, axis=None):
    """``np.repeat(x, repeats, axis)`` is ``np.take(x, repeat_indices(...), axis)``."""
    length = np.size(x) if axis is None else np.shape(x)[axis]
    return np.repeat(np.arange(length), repeats)


def unsplit(g, x, indices_or_sections, axis=0):
    """The adjoint of ``np.split(x, ...)`` (or ``np.array_split``): the parts' adjoints put
    side by side; a part nobody used has a plain zero adjoint."""
    parts = np.array_split(np.zeros(np.shape(x)), indices_or_sections, axis)
    if isinstance(g, (tuple, list)):
        parts = [p + q for p, q in zip(parts, g)]
    return np.concatenate(parts, axis=axis)


def split_parts(x, indices_or_sections, axis=0):
    """``np.split`` (or ``np.array_split``) as a tuple: the tangent of the parts."""
    return tuple(np.array_split(x, indices_or_sections, axis))


def split_each(x_dot, indices_or_sections, axis=0):
    """``np.split`` of each direction's tangent."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    return np.array_split(x_dot, indices_or_sections, axis % (np.ndim(x_dot) - 1) + 1)


def eye_like(w):
    """An identity matrix as large as the last axis of ``w``."""
    return np.eye(np.shape(w)[-1])
