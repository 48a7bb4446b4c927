"""Vector mode: tangents carry a leading axis of directions, and these helpers apply each
rule to every direction at once.
"""
from __future__ import annotations

import numpy as np

from .basics import _basic, _dot_axes


# ---- vector mode: tangents carry a leading axis of directions -------------------------------

def lift(v_dot, out):
    """Spread each direction's tangent over ``out``'s shape: (k,) + shape(out)."""
    if np.ndim(v_dot) == 0:  # a plain zero (a constant's tangent): one direction, which
        return np.zeros((1,) + np.shape(out))  # broadcasts over all k once multiplied
    extra = np.ndim(out) - (np.ndim(v_dot) - 1)
    if extra > 0:
        v_dot = np.reshape(v_dot, np.shape(v_dot)[:1] + (1,) * extra + np.shape(v_dot)[1:])
    return np.broadcast_to(v_dot, np.broadcast_shapes(np.shape(v_dot),
                                                      np.shape(v_dot)[:1] + np.shape(out)))


def times_each(v_dot, partial, out):
    """Each direction's tangent, spread over ``out``, times an elementwise partial; a plain
    zero (no axis of directions) stays a plain zero."""
    if np.ndim(v_dot) == 0:
        return v_dot
    return lift(v_dot, out) * partial


def spread(v_dot, out):
    """A tangent covering ``out``'s whole shape (a scalar's tangent, once broadcast)."""
    return np.broadcast_to(v_dot, np.broadcast_shapes(np.shape(v_dot), np.shape(out)))


def sum_each(v_dot, axis=None, keepdims=False):
    """``np.sum(., axis, keepdims)`` of each direction's tangent (axis 0 holds directions)."""
    if np.ndim(v_dot) == 0:  # a constant's tangent is a plain zero
        return v_dot
    if axis is None:
        axis = tuple(range(1, np.ndim(v_dot)))
    else:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        axis = tuple(a + 1 if a >= 0 else a for a in axes)
    return np.sum(v_dot, axis=axis, keepdims=keepdims)


def _with_directions(dots, likes):
    """Element tangents of a sequence in vector mode, each with the directions on axis 0
    (a plain zero, an inactive element's, becomes zeros of that shape); None if all are."""
    if isinstance(likes, np.ndarray):  # an array joined as the sequence of its rows: its
        dots = (list(np.moveaxis(dots, 1, 0)) if np.ndim(dots) == np.ndim(likes) + 1  # tangent
                else [dots] * len(likes))     # has the directions first, then the rows
    # an element that is itself a list has a list of tangents: its own stack first
    dots = [stack_each(d, x, 0) if isinstance(d, (tuple, list)) else d for d, x in zip(dots, likes)]
    count = next((np.shape(d)[0] for d, x in zip(dots, likes) if np.ndim(d) == np.ndim(x) + 1),
                 None)
    if count is None:
        return None
    return [d if np.ndim(d) == np.ndim(x) + 1 else np.zeros((count,) + np.shape(x)) + d
            for d, x in zip(dots, likes)]


def stack_each(dots, likes, axis=0):
    """Vector mode of ``np.stack(likes, axis)`` (and of ``np.array`` of a list): the elements'
    tangents stacked past the axis of directions."""
    full = _with_directions(dots, likes)
    if full is None:
        return 0.0
    return np.stack(full, axis=axis % (np.ndim(likes[0]) + 1) + 1)


def _joined_parts(xs, axis):
    """The arrays ``np.concatenate`` joins, and along which axis, for a join that first gives
    each part its axes: "hstack" and ``np.r_[...]`` ("r_") at least one, "vstack" at least
    two, ``np.c_[...]`` ("c_") and ``np.column_stack`` numbers and vectors as columns, "dstack"
    at least three. Other ``axis``: as given."""
    if axis == "hstack":
        xs = [np.atleast_1d(x) for x in xs]
        return xs, 0 if np.ndim(xs[0]) <= 1 else 1
    if axis == "vstack":
        return [np.atleast_2d(x) for x in xs], 0
    if axis == "r_":
        return [np.atleast_1d(x) for x in xs], 0
    if axis == "c_":
        return [np.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in xs], -1
    if axis == "column_stack":
        return [np.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in xs], 1
    if axis == "dstack":
        return [np.atleast_3d(x) for x in xs], 2
    return xs, axis


def concatenate_each(dots, likes, axis=0):
    """Vector mode of ``np.concatenate(likes, axis)``: joined past the axis of directions.
    ``axis`` may also name a join that first gives each part its axes (``_joined_parts``)."""
    full = _with_directions(dots, likes)
    if full is None:
        return 0.0
    if isinstance(axis, str):
        likes, axis = _joined_parts(likes, axis)
        full = [f.reshape((len(f),) + np.shape(x)) for f, x in zip(full, likes)]
    if axis is None:
        return np.concatenate([f.reshape(len(f), -1) for f in full], axis=1)
    return np.concatenate(full, axis=axis % np.ndim(likes[0]) + 1)


def sum_elements_each(dots, xs):
    """Vector mode of ``sum(xs)``: of a list, its elements' tangents added; of an array,
    its rows' (axis 1 of the tangent, past the directions)."""
    if isinstance(xs, np.ndarray):
        return dots if np.ndim(dots) == 0 else np.sum(dots, axis=1)
    return sum(dots)


def unbroadcast_each(v_dot, x):
    """``unbroadcast`` of each direction's tangent to the shape of ``x``."""
    if np.ndim(v_dot) == 0:  # a constant's tangent is a plain zero
        return v_dot
    shape = np.shape(x)
    v_dot = np.asarray(v_dot)
    full = np.broadcast_shapes(v_dot.shape[1:], shape)
    if v_dot.shape[1:] != full:  # each tangent stands for its broadcast: spread it
        v_dot = np.reshape(v_dot, v_dot.shape[:1] + (1,) * (len(full) + 1 - v_dot.ndim)
                           + v_dot.shape[1:]) + np.zeros((v_dot.shape[0],) + full)
    while v_dot.ndim > len(shape) + 1:
        v_dot = v_dot.sum(axis=1)
    for axis, size in enumerate(shape, start=1):
        if size == 1 and v_dot.shape[axis] != 1:
            v_dot = v_dot.sum(axis=axis, keepdims=True)
    return v_dot


def dot_each_left(x_dot, y):
    """``np.dot(x_dot, y)`` for each direction's tangent of ``x``."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    if np.ndim(x_dot) == 1 or np.ndim(y) == 0:  # x is a number: dot is a product
        return np.reshape(x_dot, np.shape(x_dot) + (1,) * (np.ndim(y) + 1 - np.ndim(x_dot))) * y
    return np.dot(x_dot, y)


def dot_each_right(x, y_dot, y):
    """``np.dot(x, y_dot)`` for each direction's tangent of ``y``."""
    if np.ndim(y_dot) == 0:  # a constant's tangent is a plain zero
        return y_dot
    if np.ndim(y) == 0:   # y is a number: each direction's tangent times all of x
        return np.reshape(y_dot, np.shape(y_dot) + (1,) * np.ndim(x)) * x
    if np.ndim(x) == 0:
        return x * y_dot
    left, right = _dot_axes(x, y)
    return np.moveaxis(np.tensordot(x, y_dot, (left, [right[0] + 1])), np.ndim(x) - 1, 0)


def _directions_moved(index) -> int:
    """Where NumPy puts the axis of directions in ``t[(slice(None),) + index]``: 0, unless
    ``index`` has advanced parts (arrays, or ints beside arrays) that are not next to each
    other; NumPy then puts their broadcast axes first, before the directions'."""
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [np.nonzero(p)[0] if np.asarray(p).dtype == bool else np.asarray(p)
              for p in parts if isinstance(p, (list, np.ndarray)) and np.ndim(p) > 0]
    if not arrays:
        return 0
    advanced = [k for k, p in enumerate(parts) if (isinstance(p, (list, np.ndarray))
                                                   and np.ndim(p) > 0)
                or isinstance(p, (int, np.integer)) and not isinstance(p, bool)]
    if advanced[-1] - advanced[0] + 1 == len(advanced):
        return 0
    return np.broadcast(*arrays).ndim


def scatter_each(v_dot, x, index):
    """``scatter`` of each direction's tangent."""
    if np.ndim(v_dot) == 0:  # a constant's tangent is a plain zero
        return v_dot
    out = np.zeros((np.shape(v_dot)[0],) + np.shape(x))
    if _directions_moved(index):   # (rare) one direction at a time
        for d in range(len(out)):
            np.add.at(out[d], index, v_dot[d])
        return out
    index = (slice(None),) + (index if isinstance(index, tuple) else (index,))
    if _basic(index):
        out[index] += v_dot
    else:
        np.add.at(out, index, v_dot)
    return out


def each_axis(axis, x):
    """The axes of a vector-mode tangent of ``x`` (axis 0 holds directions) that ``axis``
    names in ``x`` itself; None names them all."""
    if axis is None:
        return tuple(range(1, np.ndim(x) + 1))
    if np.ndim(axis) == 0:
        return axis % np.ndim(x) + 1
    return tuple(a % np.ndim(x) + 1 for a in axis)


def on_directions(f, v, a=None, b=None):
    """``f(v, a, b)`` on a vector-mode tangent whose axes ``a``, ``b`` already count the
    directions' axis; a constant's tangent is a plain zero and stays one."""
    if np.ndim(v) == 0:
        return v
    return f(v, *[arg for arg in (a, b) if arg is not None])


def flat_each(v, axis):
    """A vector-mode tangent and the axis of it that ``axis`` names in the value: where
    ``axis`` is None (NumPy works on the flattened value), each direction flattened, axis 1."""
    if axis is None:
        return np.reshape(v, np.shape(v)[:1] + (-1,)), 1
    return v, (axis % (np.ndim(v) - 1) + 1 if np.ndim(axis) == 0
               else tuple(a % (np.ndim(v) - 1) + 1 for a in axis))


def cumsum_each(v, axis=None):
    """``np.cumsum(., axis)`` of each direction of a vector-mode tangent."""
    if np.ndim(v) == 0:  # a constant's tangent is a plain zero
        return v
    v, axis = flat_each(v, axis)
    return np.cumsum(v, axis)


def take_each(v, indices, axis=None):
    """``np.take(., indices, axis)`` of each direction of a vector-mode tangent."""
    if np.ndim(v) == 0:  # a constant's tangent is a plain zero
        return v
    v, axis = flat_each(v, axis)
    return np.take(v, indices, axis=axis)


def roll_each(v, shift, axis=None):
    """``np.roll(., shift, axis)`` of each direction of a vector-mode tangent."""
    if np.ndim(v) == 0:  # a constant's tangent is a plain zero
        return v
    flat, moved = flat_each(v, axis)
    return np.reshape(np.roll(flat, shift, moved), np.shape(v))


def each_shape(v, shape):
    """``shape`` for each direction of the vector-mode tangent ``v``."""
    if np.ndim(v) == 0:
        return shape
    return np.shape(v)[:1] + ((shape,) if np.ndim(shape) == 0 else tuple(shape))


def each_permutation(axes, x):
    """``np.transpose``'s ``axes`` for a vector-mode tangent of ``x`` (directions first)."""
    if axes is None:
        return (0,) + tuple(range(np.ndim(x), 0, -1))
    return (0,) + tuple(a % np.ndim(x) + 1 for a in axes)


def each_squeezed(axis, x):
    """The axes ``np.squeeze(x, axis)`` removes, in a vector-mode tangent of ``x``."""
    if axis is None:
        return tuple(k + 1 for k, size in enumerate(np.shape(x)) if size == 1)
    return each_axis(axis, x)
