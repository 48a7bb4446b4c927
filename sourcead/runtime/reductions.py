"""Reductions and sorts: the adjoints that spread a reduced value back over its input.
"""
from __future__ import annotations

import numpy as np

from .directions import _joined_parts


# ---- reductions and shapes ---------------------------------------------------------------------

def unreduce(v, x, axis=None, keepdims=False):
    """Spread a reduction's adjoint ``v`` back over the shape of ``x`` (the reduced axes
    were summed, so each element receives the whole adjoint)."""
    if np.ndim(x) == 0:  # the sum of a number is the number: keep a float a float
        return v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v
    if axis is None:
        return np.full(np.shape(x), v, dtype=np.result_type(x, 0.0))
    if not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        v = np.expand_dims(v, tuple(a % np.ndim(x) for a in axes))
    return np.array(np.broadcast_to(v, np.shape(x)), dtype=np.result_type(x, 0.0))  # writable copy


def deviations(x, axis=None):
    """``x`` minus its mean over ``axis``, exactly 0 where those elements are equal (the mean
    of equal numbers may round: they are first shifted by one of them, their maximum)."""
    if np.ndim(x) == 0:
        return x * 0.0
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.mean(shifted, axis=axis, keepdims=True)


def reciprocal_or_zero(v):
    """``1 / v``, and 0 where ``v`` is 0: the slope of a std that is 0, a function constant
    over its elements (one element, or equal ones), is 0."""
    if np.ndim(v) == 0 and not isinstance(v, np.ndarray):
        return 0.0 if v == 0 else 1.0 / v
    return np.divide(1.0, v, out=np.zeros(np.shape(v)), where=np.asarray(v) != 0)


def extreme_mask(x, out, axis=None, keepdims=False):
    """Where ``x`` attains its max/min: 1 / (number of ties) there, 0 elsewhere. Ties share
    the derivative equally (the mean of the one-sided derivatives)."""
    hits = (x == unreduce(out, x, axis, keepdims)).astype(float)
    return hits / unreduce(np.sum(hits, axis=axis, keepdims=keepdims), x, axis, keepdims)


def uncumsum(v, x, axis=None):
    """The adjoint of ``np.cumsum(x, axis)``: a cumulative sum from the other end."""
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.ravel(v)))), np.shape(x))
    return np.flip(np.cumsum(np.flip(v, axis), axis), axis)


def _sort_order(x, axis):
    return np.argsort(np.ravel(x) if axis is None else x, axis=-1 if axis is None else axis,
                      kind="stable")


def sorted_like(v, x, axis=-1):
    """``v`` put in the order that sorts ``x`` (the tangent of ``np.sort(x, axis)``: a sort
    is a permutation, so its derivative moves each tangent with its element)."""
    if np.ndim(v) == 0:  # a constant's tangent is a plain zero
        return v
    order = _sort_order(x, axis)
    if axis is None:
        return np.ravel(v)[order]
    return np.take_along_axis(np.broadcast_to(v, np.shape(x)), order, axis)


def unsorted(g, x, axis=-1):
    """The adjoint of ``np.sort(x, axis)``: each element's adjoint goes back to where the
    element came from."""
    if np.ndim(g) == 0 and np.ndim(x) > 0:
        return g
    order = _sort_order(x, axis)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, 0.0))
    if axis is None:
        out.reshape(-1)[order] = g
        return out
    np.put_along_axis(out, order, g, axis)
    return out


def sorted_like_each(v_dot, x, axis=-1):
    """``sorted_like`` of each direction's tangent (axis 0 holds directions)."""
    if np.ndim(v_dot) == 0:
        return v_dot
    return np.stack([sorted_like(d, x, axis) for d in v_dot])


def unsorted_each(v_dot, x, axis=-1):
    """``unsorted`` of each direction's tangent (axis 0 holds directions)."""
    if np.ndim(v_dot) == 0:
        return v_dot
    return np.stack([unsorted(d, x, axis) for d in v_dot])


def undiff(v, n=1, axis=-1):
    """The adjoint of ``np.diff(x, n, axis)``: each difference ``x[i + 1] - x[i]`` sends its
    adjoint to ``x[i + 1]`` and its negative to ``x[i]``, ``n`` times over."""
    for _ in range(n):
        before = [(0, 0)] * np.ndim(v)
        after = [(0, 0)] * np.ndim(v)
        before[axis], after[axis] = (1, 0), (0, 1)
        v = np.pad(v, before) - np.pad(v, after)
    return v


def concatenated_part(v, xs, k, axis=0):
    """The adjoint of the k-th array of ``np.concatenate(xs, axis)``: its slice of ``v``,
    in its own shape. ``axis`` may also name a join that first gives each part its axes
    (``_joined_parts``), or be None (the arrays were flattened)."""
    shape = np.shape(xs[k])
    if np.ndim(v) == 0:  # an adjoint that nothing reached: a plain zero
        return np.zeros(shape, dtype=np.result_type(np.asarray(xs[k]), 0.0))
    xs, axis = _joined_parts(xs, axis)
    sizes = [np.size(x) if axis is None else np.shape(np.atleast_1d(x))[axis] for x in xs]
    start = sum(sizes[:k])
    part = np.take(v, np.arange(start, start + sizes[k]), axis=axis)
    return np.reshape(part, shape)


def unconcatenated(v, xs, axis=0):
    """The adjoint of a join of the list ``xs`` held in a variable (``np.vstack(rows)``): one
    part of ``v`` per element, in the element's shape (of an array joined as the sequence of
    its rows, an array again)."""
    parts = [concatenated_part(v, xs, k, axis) for k in range(len(xs))]
    return np.array(parts, dtype=np.result_type(xs, 0.0)) if isinstance(xs, np.ndarray) else parts


def rejoined(vs, xs, axis=0):
    """The adjoint of ``unconcatenated``: the parts joined again (a part that is a plain zero
    spread over its element's shape)."""
    parts = [np.broadcast_to(v, np.shape(x)) for v, x in zip(vs, xs)]
    parts, axis = _joined_parts(parts, axis)
    return np.concatenate(parts, axis=axis)


def concatenated_part_each(v_dot, xs, k, axis=0):
    """``concatenated_part`` of each direction's tangent (axis 0 holds directions)."""
    if np.ndim(v_dot) == 0:  # a constant's tangent is a plain zero
        return v_dot
    return np.stack([concatenated_part(d, xs, k, axis) for d in v_dot])


def untake(v, x, indices, axis=None):
    """The adjoint of ``np.take(x, indices, axis)``: ``v`` put back where it was taken."""
    if axis is None:
        out = np.zeros(np.size(x))
        np.add.at(out, indices, v)
        return out.reshape(np.shape(x))
    out = np.zeros(np.shape(x))
    np.add.at(out, (slice(None),) * (axis % np.ndim(x)) + (indices,), v)
    return out


def untranspose(v, axes=None):
    """The adjoint of ``np.transpose(x, axes)``: the inverse permutation."""
    return np.transpose(v, None if axes is None else np.argsort(axes))


def _lines(x, axis):
    """``x`` with the axes ``axis`` names (None: all) moved last and merged into one, and
    the function that puts an array of that layout back."""
    x = np.asarray(x)
    axes = list(range(np.ndim(x))) if axis is None else [
        a % np.ndim(x) for a in ((axis,) if np.ndim(axis) == 0 else axis)]
    order = [a for a in range(np.ndim(x)) if a not in axes] + axes
    moved = np.transpose(x, order)
    kept = np.shape(moved)[:np.ndim(x) - len(axes)]

    def back(lines):
        return np.transpose(np.reshape(lines, np.shape(moved)), np.argsort(order))
    return np.reshape(moved, kept + (-1,)), back


def prod_others(x, axis=None):
    """For each element, the product of the others that ``np.prod(x, axis)`` multiplies it
    with: d prod / d x, exact where elements are 0 (products from both ends, no division)."""
    if np.ndim(x) == 0:
        return np.ones_like(x, dtype=np.result_type(x, 0.0))
    lines, back = _lines(x, axis)
    ones = np.ones(np.shape(lines)[:-1] + (1,), dtype=np.result_type(x, 0.0))
    before = np.concatenate([ones, np.cumprod(lines, -1)[..., :-1]], -1)
    after = np.flip(np.concatenate([ones, np.cumprod(np.flip(lines, -1), -1)[..., :-1]], -1), -1)
    return back(before * after)


def prod_others_jvp(x, v, axis=None):
    """The tangent of ``prod_others(x, axis)`` along ``v``: sum over j != i of v_j times the
    product of the elements other than i and j (symmetric in i, j, so it is its own adjoint).
    Without zeros by division; with zeros from the pairwise products (n^2 per line)."""
    if np.ndim(x) == 0:
        return np.zeros_like(v, dtype=np.result_type(x, v, 0.0))
    v = np.broadcast_to(v, np.shape(x))
    if np.all(x != 0):
        others = prod_others(x, axis)
        ratio = v / x
        return others * (unreduce(np.sum(ratio, axis=axis, keepdims=True), x, axis, True) - ratio)
    lines, back = _lines(x, axis)
    n = np.shape(lines)[-1]
    eye = np.eye(n, dtype=bool)
    pairs = np.where(eye, 1.0, np.expand_dims(lines, -2))   # row i: x with x_i set to 1
    between = np.where(eye, 0.0, prod_others(pairs, -1))   # [i, j]: product without i and j
    return back(np.sum(between * np.expand_dims(_lines(v, axis)[0], -2), axis=-1))


def concatenated_into(v, xs, k, axis=0):
    """The adjoint of ``concatenated_part``: ``v`` in its place, zeros for the other parts."""
    parts = [np.zeros(np.shape(x)) for x in xs]
    parts[k] = parts[k] + v  # (v may be a plain zero)
    parts, axis = _joined_parts(parts, axis)
    return np.concatenate(parts, axis=axis)
