"""The few helpers generated code may call. Each is small, pure, and emitted into the
generated source when used, so a saved derivative runs with NumPy alone.

``stop_gradient`` is also public API: every mode treats its result as a constant.
"""
from __future__ import annotations

import numpy as np


def stop_gradient(x):
    """Return ``x`` unchanged; sourcead treats the result as a constant."""
    return x


def on_gradient(x, hook):
    """Return ``x``; in the adjoint sweep, ``x``'s adjoint is ``hook(adjoint)``: print it,
    clip it, scale it (``lambda g: 0 * g`` stops it). Public API; visible in generated code."""
    return x


def refused(reason, hint):
    """The error a helper raises when a derivative turns out, as it runs, not to exist (an
    ``ord`` known only then, a repeated index): a ``sourcead.NoDerivativeError`` at the line of
    the user's code it is the derivative of (the ``# adjoint of line N`` above the generated
    line, in the module of the generated code's globals), else at the generated line."""
    import linecache
    import re
    import sys
    from sourcead.errors import NoDerivativeAtRunTime as NoDerivativeError
    frame = sys._getframe(1)
    while frame is not None and not frame.f_code.co_filename.startswith("<sourcead: "):
        frame = frame.f_back
    if frame is None:
        return NoDerivativeError(reason, hint=hint)
    generated, line = frame.f_code.co_filename, frame.f_lineno
    for k in range(line - 1, 0, -1):
        text = linecache.getline(generated, k).strip()
        found = re.match(r"# adjoint of line (\d+): ", text)
        if found and frame.f_globals.get("__file__"):
            return NoDerivativeError(reason, filename=frame.f_globals["__file__"],
                                     lineno=int(found.group(1)), hint=hint)
        if text.startswith("def "):
            break
    return NoDerivativeError(reason, filename=generated, lineno=line, hint=hint)


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of NumPy broadcasting."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    full = np.broadcast_shapes(g.shape, shape)
    if g.shape != full:  # g stands for its broadcast (a zero, a number per row): spread it
        g = g + np.zeros(full)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g if shape else float(g) if np.ndim(g) == 0 and isinstance(x, float) else g


def cast_like(v, like):
    """``v`` in the dtype of ``like`` (an array or a dtype): the tangent or adjoint of
    ``x.astype(dtype)``. A cast to an integer or boolean type has a zero derivative."""
    dtype = np.result_type(like)
    if not np.issubdtype(dtype, np.floating):
        return np.zeros(np.shape(v))
    return np.asarray(v).astype(dtype)


def zeros_like(x):
    """A zero gradient of the type and shape of ``x`` (a float for a Python number; the
    same structure for a list, tuple or dict)."""
    if isinstance(x, dict):  # a plain zero per element: it adds to anything
        return {k: 0.0 for k in x}
    if isinstance(x, (list, tuple)):  # a named tuple (np.linalg's results) as a plain one
        return [0.0 for _ in x] if isinstance(x, list) else tuple(0.0 for _ in x)
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=np.result_type(x, 0.0))
    return 0.0


def zero_tangent(x):
    """A forward-mode tangent of zeros for ``x``: zeros of each array's shape, inside lists,
    tuples and dicts too. Outside vector mode a tangent is read as its value's
    (``np.dot(a_dot, a)``, ``np.reshape(a_dot, s)``), where a plain 0.0 would be wrong."""
    if isinstance(x, dict):
        return {k: zero_tangent(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):  # a named tuple (np.linalg's results) as a plain one
        parts = [zero_tangent(v) for v in x]
        return parts if isinstance(x, list) else tuple(parts)
    return zeros_like(x)


def pop_tangent(t):
    """``t.pop()`` of a list's tangent, which may be a plain zero standing for a list of
    zeros (an adjoint list that nothing reached): then the element's tangent is zero too."""
    return t.pop() if isinstance(t, list) else t


def scatter(g, x, index):
    """The adjoint of ``x[index]``: ``g`` placed at ``index`` in zeros shaped like ``x``.
    (``x`` a plain zero: the adjoint of ``item``, which passes a zero through unindexed.)"""
    if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case, checked cheaply
        out = np.zeros(x.shape, dtype=x.dtype)
    elif np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return g
    else:
        out = np.zeros(np.shape(x), dtype=np.result_type(x, 0.0))
    if _basic(index):
        out[index] = g  # a basic index names each element at most once
    else:
        np.add.at(out, index, g)  # repeated fancy indices accumulate
    return out


def scatter_into(acc, g, index):
    """``acc`` with ``g`` added at ``index``, in place: generated code calls it only on a
    buffer that the statement before made (by ``scatter`` or ``scatter_into``) and that
    nothing else references, so adjoints of several parts of one array share one buffer."""
    if _basic(index):
        acc[index] += g
    else:
        np.add.at(acc, index, g)
    return acc


def _basic(index) -> bool:
    if type(index) in (int, slice):  # the common case, without building a tuple
        return True
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


def _plain_zero(v) -> bool:
    """A number equal to 0: stands for a zero of any shape (``x * 0`` is 0 whatever the shape)."""
    return isinstance(v, (int, float)) and v == 0


def reached(g) -> bool:
    """Whether an adjoint carries something: not a plain zero (a number equal to 0), which is
    what the adjoint of a value whose uses did not run still is. Adjoints are linear in the
    incoming adjoint, so a block whose incoming adjoint is a plain zero adds nothing and is
    skipped (it may also need the value's shape, which a plain zero lacks)."""
    return not (isinstance(g, (int, float, np.number)) and g == 0)


def dot_adjoint_x(g, x, y):
    """The adjoint of ``np.dot(x, y)`` for ``x`` (beyond 2 dims NumPy contracts x's last
    axis with y's second to last)."""
    if _plain_zero(y):  # a constant's tangent (the Hessian of a product): no contribution
        return np.zeros(np.shape(x))
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * y, x)
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        y = y if np.ndim(y) == 1 else np.moveaxis(y, -2, -1)
        return np.tensordot(g, y, (list(range(np.ndim(x) - 1, np.ndim(g))),
                                   list(range(np.ndim(y) - 1))))
    if np.ndim(y) == 1:
        return g * y if np.ndim(x) == 1 else np.outer(g, y)
    if np.ndim(x) == 1:
        return np.dot(y, g)
    return g @ y.T  # matmul multiplies a transposed matrix without copying it (np.dot may)


def dot_adjoint_y(g, x, y):
    """The adjoint of ``np.dot(x, y)`` (or ``x @ y``) for ``y``."""
    if _plain_zero(x):  # a constant's tangent (the Hessian of a product): no contribution
        return np.zeros(np.shape(y))
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return unbroadcast(g * x, y)
    if np.ndim(x) > 2 or np.ndim(y) > 2:
        free = list(range(np.ndim(x) - 1))
        out = np.tensordot(x, g, (free, free))
        return out if np.ndim(y) == 1 else np.moveaxis(out, 0, -2)
    if np.ndim(x) == 1:
        return g * x if np.ndim(y) == 1 else np.outer(x, g)
    if np.ndim(y) == 1:
        return np.dot(g, x)
    return x.T @ g  # matmul multiplies a transposed matrix without copying it (np.dot may)


def _dot_axes(x, y):
    """``np.dot(x, y)`` is ``np.tensordot(x, y, _dot_axes(x, y))`` for arrays."""
    return [np.ndim(x) - 1], [max(np.ndim(y) - 2, 0)]


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
    two, ``np.c_[...]`` ("c_") numbers and vectors as columns. Other ``axis``: as given."""
    if axis == "hstack":
        xs = [np.atleast_1d(x) for x in xs]
        return xs, 0 if np.ndim(xs[0]) <= 1 else 1
    if axis == "vstack":
        return [np.atleast_2d(x) for x in xs], 0
    if axis == "r_":
        return [np.atleast_1d(x) for x in xs], 0
    if axis == "c_":
        return [np.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in xs], -1
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


# ---- containers: the adjoint (or tangent) of a tuple, list or dict has the same structure;
# a plain zero stands for "zero everywhere" (a list's adjoint is always a real list) -------

def component(t_bar, i):
    """Element ``i`` of a container's adjoint; a plain zero, or a key it lacks, is zero."""
    if isinstance(t_bar, dict):
        return t_bar.get(i, 0.0)
    return t_bar[i] if isinstance(t_bar, (tuple, list)) else 0.0 * t_bar


def with_component(t_bar, i, g, t):
    """A copy of ``t_bar`` (shaped like the container ``t``, or a zero) with ``g`` added at ``i``.
    (``t`` a plain zero: an adjoint nothing reached, whose components are constant zeros.)"""
    if not isinstance(t, (tuple, list, dict)) and _plain_zero(t):
        return t_bar
    if not isinstance(t_bar, (tuple, list, dict)):
        t_bar = zeros_like(t)
    if isinstance(t_bar, dict):
        return {**t_bar, i: add_tree(t_bar.get(i, 0.0), g)}
    parts = list(t_bar)
    parts[i] = add_tree(parts[i], g)
    return parts if isinstance(t, list) else tuple(parts)


def add_tree(a, b):
    """``a + b`` for adjoints that may be containers: element by element (``+`` would
    concatenate lists and tuples); a plain zero adds nothing."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not isinstance(b, dict):
            return _only(a, b)
        if not isinstance(a, dict):
            return _only(b, a)
        return {k: add_tree(a.get(k, 0.0), b.get(k, 0.0)) for k in {**a, **b}}
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        kind = type(a) if isinstance(a, (tuple, list)) else type(b)
        if not isinstance(b, (tuple, list)):
            b = _as_elements(b, a)
            if b is None:
                return a
        if not isinstance(a, (tuple, list)):
            a = _as_elements(a, b)
            if a is None:
                return b
        if len(a) != len(b):  # zip would drop the rest: a wrong derivative, never silent
            raise refused(f"adding adjoints of {len(a)} and {len(b)} elements",
                          "give lists and tuples the same length on every path")
        return kind(add_tree(x, y) for x, y in zip(a, b))
    return a + b


def _only(container, other):
    """``container`` plus ``other``, which must add nothing (a plain zero)."""
    if _plain_zero(other):
        return container
    raise refused(f"adding an adjoint of type {type(other).__name__} to that of a "
                  f"{type(container).__name__}",
                  "give lists and tuples the same length on every path")


def _as_elements(v, like):
    """An adjoint that came as an array where the value is a list or tuple (``np.array([row,
    row])`` hands each row's part back as ``g[k]``): one element per row. None for a plain
    zero. Anything else would be dropped: refused, never silent."""
    if _plain_zero(v):
        return None
    if isinstance(v, np.ndarray) and v.ndim >= 1 and len(v) == len(like):
        return list(v)
    raise refused(f"adding an adjoint of shape {np.shape(v)} to that of a "
                  f"{type(like).__name__} of {len(like)} elements",
                  "give lists and tuples the same length on every path")


def with_key(d, k, v):
    """A copy of dict ``d`` with ``d[k] = v`` (how a dict comprehension builds its result)."""
    new = dict(d)
    new[k] = v
    return new


def without_key(d_bar, k):
    """The adjoint of the dict ``with_key`` started from: ``d_bar`` without key ``k``."""
    if not isinstance(d_bar, dict):
        return d_bar
    return {key: v for key, v in d_bar.items() if key != k}


def keys_of(d):
    """The keys of a dict, as a list (for ``for k, v in d.items()`` loops)."""
    return list(d)


def unsum(g, xs):
    """The adjoint of ``sum(xs)``: every element receives ``g`` (summed to its own shape)."""
    if isinstance(xs, np.ndarray):  # the sum of an array's rows
        return np.zeros(xs.shape) + g
    parts = [unbroadcast(g, x) for x in xs]
    return parts if isinstance(xs, list) else tuple(parts)


def _first_extreme(xs, top):
    """Where ``max(xs)`` / ``min(xs)`` found ``top``: the first element equal to it (the one
    Python returns; ``is`` for a NaN it returned)."""
    for k, v in enumerate(xs):
        if v is top or np.all(v == top):
            return k
    return 0


def _zero_of(x):
    return np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0


def unextreme(g, xs, top):
    """The adjoint of ``max(xs)`` or ``min(xs)`` (``top`` its value): ``g`` for the element
    it returned, zeros for the others (a tie sends it to the first, as with ``max(a, b)``)."""
    k = _first_extreme(xs, top)
    if isinstance(xs, np.ndarray):  # the rows of an array
        out = np.zeros(xs.shape, dtype=np.result_type(xs, 0.0))
        out[k] = g
        return out
    parts = [unbroadcast(g, x) if i == k else _zero_of(x) for i, x in enumerate(xs)]
    return parts if isinstance(xs, list) else tuple(parts)


def extreme_tangent(xs_dot, xs, top):
    """The tangent of ``max(xs)`` / ``min(xs)``: that of the element it returned."""
    if not isinstance(xs_dot, (list, tuple, np.ndarray)) or np.ndim(xs_dot) == 0:
        return xs_dot   # a plain zero
    return xs_dot[_first_extreme(xs, top)]


def extreme_tangent_each(xs_dot, xs, top):
    """Vector mode of ``extreme_tangent``: an array's rows are axis 1, past the directions."""
    if isinstance(xs, np.ndarray) and isinstance(xs_dot, np.ndarray) and xs_dot.ndim > 0:
        return xs_dot[:, _first_extreme(xs, top)]
    return extreme_tangent(xs_dot, xs, top)


def unextreme_each(g_dot, xs, top):
    """Vector mode of ``unextreme``: the directions' tangents at the element, zeros (plain)
    elsewhere."""
    if np.ndim(g_dot) == 0 and not isinstance(g_dot, np.ndarray):
        return g_dot if not isinstance(xs, (list, tuple)) else type(xs)(
            g_dot if i == _first_extreme(xs, top) else 0.0 for i in range(len(xs)))
    k = _first_extreme(xs, top)
    if isinstance(xs, np.ndarray):
        out = np.zeros((np.shape(g_dot)[0],) + xs.shape, dtype=np.result_type(g_dot, 0.0))
        out[:, k] = g_dot
        return out
    parts = [g_dot if i == k else 0.0 for i in range(len(xs))]
    return parts if isinstance(xs, list) else tuple(parts)


def unstack(g, xs, axis=0):
    """The adjoint of ``np.stack(xs, axis)`` (and ``np.array(xs)``): one slice per element."""
    return [np.take(g, k, axis=axis) for k in range(len(xs))]


# ---- writes into arrays (``a[i] = v``): the value view of an in-place write -----------------

def with_item(x, index, v, like=None):
    """A copy of ``x`` with ``v`` written at ``index``. The value meaning of ``x[index] = v``,
    used for tangents and adjoints; ``x`` may be a plain zero, shaped then like ``like``
    (an adjoint that is itself a plain zero has no shape to give: a zero written into a
    zero leaves a plain zero)."""
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray) and np.ndim(like) == 0 \
            and _plain_zero(v):
        return x
    if np.ndim(x) == 0 and like is not None and np.ndim(like) > 0:
        x = np.zeros(np.shape(like), dtype=np.result_type(like, 0.0))
    out = np.array(x, dtype=np.result_type(x, v, 0.0))
    out[index] = v
    return out


def with_item_each(t, index, v, like):
    """``with_item`` for every direction of a tangent (axis 0 holds the directions)."""
    if np.ndim(t) == 0 and np.ndim(v) == 0:  # a constant's tangent is a plain zero
        return t
    # directions: either may have one only, which broadcasts (a lifted plain zero)
    count = max(np.shape(t)[0] if np.ndim(t) else 1, np.shape(v)[0] if np.ndim(v) else 1)
    out = np.array(np.broadcast_to(t, (count,) + np.shape(like)),
                   dtype=np.result_type(t, v, like, 0.0))
    if _directions_moved(index):   # (rare) one direction at a time
        for d in range(count):
            out[d][index] = v[d] if np.ndim(v) else v
        return out
    index = (slice(None),) + (index if isinstance(index, tuple) else (index,))
    if np.ndim(v):  # each direction's value, broadcast over the written part
        extra = out[index].ndim - np.ndim(v)
        v = np.reshape(v, np.shape(v)[:1] + (1,) * extra + np.shape(v)[1:])
    out[index] = v
    return out


def owned(g, like):
    """A new array holding ``g`` spread over ``like``'s shape. An adjoint loop accumulates into
    it in place (``x_bar[i] = x_bar[i] + v_bar``): nothing else can hold this array."""
    return np.array(np.broadcast_to(g, np.shape(like)), dtype=np.result_type(like, g, 0.0))


# helpers whose result is always a new array (a variable holding one may be written into)
FRESH = ("zeros_like", "zero_tangent", "owned", "with_item", "scatter")


def item(g, index):
    """``g[index]``, where ``g`` may be a plain zero (an adjoint nothing has reached yet).
    For the adjoint of a write ``a[index] = v``: with a repeated index only the last value
    written stays, so the others have no derivative; that is refused rather than got wrong."""
    if not _basic(index):
        positions = np.arange(np.size(g)).reshape(np.shape(g))[index] if np.ndim(g) else None
        if positions is not None and np.unique(positions).size < np.size(positions):
            raise refused("a write `a[index] = v` with a repeated index has no derivative "
                          "for the values it overwrites at once",
                          "write the elements one by one, or add with np.add.at")
    return g[index] if np.ndim(g) else g


def item_each(g, index):
    """``item`` of each direction of a tangent."""
    if np.ndim(g) == 0:
        return g
    out = g[(slice(None),) + (index if isinstance(index, tuple) else (index,))]
    moved = _directions_moved(index)
    return np.moveaxis(out, moved, 0) if moved else out


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


# ---- products ------------------------------------------------------------------------------------

def matmul_or_zero(a, b):
    """``a @ b``, or a plain zero where one of them is one (an adjoint of an adjoint that
    nothing reached: matmul itself takes no 0-d operand)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return 0.0
    return np.matmul(a, b)


def matmul_adjoint_x(g, x, y):
    """The adjoint of ``x @ y`` for ``x``: vectors are promoted as matmul promotes them, and
    a stack of matrices broadcast against ``x`` is summed back to ``x``'s shape."""
    if np.ndim(y) == 0 or (np.ndim(g) == 0 and np.ndim(x) + np.ndim(y) > 2):
        return 0.0  # a plain zero: matmul takes no 0-d operand, and gives one only for two vectors
    if np.ndim(x) == 2 and np.ndim(y) == 2:  # the common case, nothing to promote or sum
        return g @ y.T
    if np.ndim(x) == 1 and np.ndim(y) == 1:
        return g * y
    if np.ndim(x) == 1:
        g = np.expand_dims(g, -2)
    if np.ndim(y) == 1:
        g, y = np.expand_dims(g, -1), np.expand_dims(y, 0)
    else:
        y = np.swapaxes(y, -1, -2)
    g = np.matmul(g, y)
    return unbroadcast(g[..., 0, :] if np.ndim(x) == 1 else g, x)


def matmul_adjoint_y(g, x, y):
    """The adjoint of ``x @ y`` for ``y`` (see ``matmul_adjoint_x``)."""
    if np.ndim(x) == 0 or (np.ndim(g) == 0 and np.ndim(x) + np.ndim(y) > 2):
        return 0.0  # a plain zero (see matmul_adjoint_x)
    if np.ndim(x) == 2 and np.ndim(y) <= 2 and np.ndim(y) >= 1:  # nothing to promote or sum
        return g @ x if np.ndim(y) == 1 else x.T @ g
    if np.ndim(x) == 1 and np.ndim(y) == 1:
        return g * x
    if np.ndim(y) == 1:
        g = np.expand_dims(g, -1)
    if np.ndim(x) == 1:
        g, x = np.expand_dims(g, -2), np.expand_dims(x, -1)
    else:
        x = np.swapaxes(x, -1, -2)
    g = np.matmul(x, g)
    return unbroadcast(g[..., 0] if np.ndim(y) == 1 else g, y)


def matmul_each_left(x_dot, x, y):
    """``x_dot @ y`` for each direction's tangent of ``x`` (axis 0 holds directions)."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    x_dot = x_dot if np.ndim(x) > 1 else np.expand_dims(x_dot, -2)
    pad = max(np.ndim(y), 2) - max(np.ndim(x), 2)
    x_dot = np.reshape(x_dot, np.shape(x_dot)[:1] + (1,) * max(pad, 0) + np.shape(x_dot)[1:])
    out = np.matmul(x_dot, y if np.ndim(y) > 1 else np.expand_dims(y, -1))
    out = out[..., 0] if np.ndim(y) == 1 else out
    if np.ndim(x) == 1:
        out = out[..., 0] if np.ndim(y) == 1 else out[..., 0, :]
    return out


def matmul_each_right(x, y_dot, y):
    """``x @ y_dot`` for each direction's tangent of ``y`` (axis 0 holds directions)."""
    if np.ndim(y_dot) == 0:  # a constant's tangent is a plain zero
        return y_dot
    y_dot = y_dot if np.ndim(y) > 1 else np.expand_dims(y_dot, -1)
    pad = max(np.ndim(x), 2) - max(np.ndim(y), 2)
    y_dot = np.reshape(y_dot, np.shape(y_dot)[:1] + (1,) * max(pad, 0) + np.shape(y_dot)[1:])
    out = np.matmul(x if np.ndim(x) > 1 else np.expand_dims(x, 0), y_dot)
    out = out[..., 0] if np.ndim(y) == 1 else out
    if np.ndim(x) == 1:
        out = out[..., 0] if np.ndim(y) == 1 else out[..., 0, :]
    return out


def _contracted(x, y, axes):
    """``np.tensordot``'s ``axes`` as two lists of non-negative axes of ``x`` and ``y``."""
    if np.ndim(axes) == 0:
        return list(range(np.ndim(x) - axes, np.ndim(x))), list(range(axes))
    left, right = axes
    left = [left] if np.ndim(left) == 0 else list(left)
    right = [right] if np.ndim(right) == 0 else list(right)
    return [a % np.ndim(x) for a in left], [a % np.ndim(y) for a in right]


def tensordot_adjoint_x(g, x, y, axes=2):
    """The adjoint of ``np.tensordot(x, y, axes)`` for ``x``: ``g`` contracted with ``y``
    over y's free axes, then x's axes put back in order."""
    left, right = _contracted(x, y, axes)
    free_y = [a for a in range(np.ndim(y)) if a not in right]
    free_x = np.ndim(x) - len(left)
    out = np.tensordot(g, y, (list(range(free_x, np.ndim(g))), free_y))
    # out holds x's free axes, then y's contracted axes in increasing order
    order = [left[right.index(a)] for a in sorted(right)]
    placed = [a for a in range(np.ndim(x)) if a not in left] + order
    return np.transpose(out, np.argsort(placed))


def tensordot_adjoint_y(g, x, y, axes=2):
    """The adjoint of ``np.tensordot(x, y, axes)`` for ``y``."""
    left, right = _contracted(x, y, axes)
    free_x = [a for a in range(np.ndim(x)) if a not in left]
    out = np.tensordot(x, g, (free_x, list(range(len(free_x)))))
    # out holds x's contracted axes in increasing order, then y's free axes
    order = [right[left.index(a)] for a in sorted(left)]
    placed = order + [a for a in range(np.ndim(y)) if a not in right]
    return np.transpose(out, np.argsort(placed))


def tensordot_each_left(x_dot, x, y, axes=2):
    """``np.tensordot(x_dot, y, axes)`` for each direction's tangent of ``x``."""
    if np.ndim(x_dot) == 0:  # a constant's tangent is a plain zero
        return x_dot
    left, right = _contracted(x, y, axes)
    return np.tensordot(x_dot, y, ([a + 1 for a in left], right))


def tensordot_each_right(x, y_dot, y, axes=2):
    """``np.tensordot(x, y_dot, axes)`` for each direction's tangent of ``y``."""
    if np.ndim(y_dot) == 0:  # a constant's tangent is a plain zero
        return y_dot
    left, right = _contracted(x, y, axes)
    out = np.tensordot(x, y_dot, (left, [a + 1 for a in right]))
    return np.moveaxis(out, np.ndim(x) - len(left), 0)


def inner_axes(x, y):
    """``np.inner(x, y)`` is ``np.tensordot(x, y, inner_axes(x, y))``."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return 0
    return ([np.ndim(x) - 1], [np.ndim(y) - 1])


def _einsum_parts(subscripts):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); only explicit subscripts without '...'."""
    text = subscripts.replace(" ", "")
    if "->" not in text or "." in text:
        raise refused(f"np.einsum({subscripts!r}, ...) in implicit mode or with '...'",
                      "write explicit output subscripts ('ij,jk->ik') without '...'")
    inputs, output = text.split("->")
    return inputs.split(","), output


def einsum_adjoint(g, subscripts, k, a, b=None, c=None):
    """The adjoint of ``np.einsum(subscripts, a, b, c)`` for operand ``k``: the einsum of
    ``g`` with the other operands, written to operand k's subscripts. Operand k itself is
    only read for its shape (a letter it sums alone is spread back over its length; a letter
    repeated in it, a diagonal, gets the adjoint on that diagonal)."""
    operands = [o for o in (a, b, c) if o is not None]
    inputs, output = _einsum_parts(subscripts)
    own = inputs[k]
    others = [(s, o) for j, (s, o) in enumerate(zip(inputs, operands)) if j != k]
    present = set(output).union(*[set(s) for s, _ in others])
    letters = "".join(sorted(set(own) & present, key=own.index))
    spec = ",".join([output] + [s for s, _ in others]) + "->" + letters
    part = np.einsum(spec, g, *[o for _, o in others])
    shape = tuple(operands[k]) if isinstance(operands[k], tuple) else np.shape(operands[k])
    sizes = dict(zip(own, shape))
    full = "".join(dict.fromkeys(own))  # own letters, each once
    part = np.einsum(letters + "->" + letters, part)
    for letter in full:  # letters summed in operand k alone: the adjoint is spread over them
        if letter not in letters:
            part = np.broadcast_to(np.expand_dims(part, -1), np.shape(part) + (sizes[letter],))
            letters = letters + letter
    part = np.einsum(letters + "->" + full, part)
    if len(full) == len(own):
        return np.array(part, dtype=float)
    out = np.zeros(shape)  # repeated letters: the adjoint sits on the diagonal
    np.einsum(own + "->" + full, out)[...] = part
    return out


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


HELPERS = {"untake": untake, "concatenated_part": concatenated_part, "spread": spread, "uncumsum": uncumsum, "unreduce": unreduce, "extreme_mask": extreme_mask, "untranspose": untranspose,
           "_basic": _basic, "_plain_zero": _plain_zero, "component": component, "with_component": with_component, "add_tree": add_tree, "with_key": with_key, "without_key": without_key, "keys_of": keys_of, "unsum": unsum, "unstack": unstack, "lift": lift, "sum_each": sum_each, "unbroadcast_each": unbroadcast_each,
           "dot_each_left": dot_each_left, "dot_each_right": dot_each_right, "scatter_each": scatter_each, "dot_adjoint_x": dot_adjoint_x, "dot_adjoint_y": dot_adjoint_y, "unbroadcast": unbroadcast, "zeros_like": zeros_like, "zero_tangent": zero_tangent, "scatter": scatter,
           "stop_gradient": stop_gradient}
HELPERS.update({"matmul_or_zero": matmul_or_zero, "sorted_like": sorted_like, "unsorted": unsorted,
                "sorted_like_each": sorted_like_each, "unsorted_each": unsorted_each,
                "_sort_order": _sort_order, "undiff": undiff, "stack_each": stack_each, "concatenate_each": concatenate_each,
                "concatenated_part_each": concatenated_part_each,
                "sum_elements_each": sum_elements_each, "_with_directions": _with_directions,
                "_joined_parts": _joined_parts})
HELPERS.update({"times_each": times_each, "owned": owned, "with_item": with_item, "with_item_each": with_item_each, "item": item,
                "item_each": item_each})
HELPERS.update({f.__name__: f for f in (
    flat_each, cumsum_each, take_each, roll_each, _lines, prod_others, prod_others_jvp, each_axis, on_directions, each_shape, each_permutation, each_squeezed, concatenated_into, matmul_adjoint_x, matmul_adjoint_y, matmul_each_left,
    matmul_each_right, _contracted, tensordot_adjoint_x, tensordot_adjoint_y,
    tensordot_each_left, tensordot_each_right, inner_axes, _einsum_parts, einsum_adjoint,
    untrace, cast_like, kron_adjoint_x, kron_adjoint_y, untile, repeat_indices, unsplit, split_each,
    eye_like, _dot_axes, norm_slope, norm_curvature, lower_symmetric, fold_lower, lower_half,
    sinc_derivative, split_parts, untall, shaped_like)})
HELPERS.update({f.__name__: f for f in (_first_extreme, _zero_of, unextreme, extreme_tangent,
                                         extreme_tangent_each, unextreme_each)})
HELPERS.update({"scatter_into": scatter_into, "reached": reached, "refused": refused,
                "_directions_moved": _directions_moved, "_cross_sizes": _cross_sizes,
                "cross_adjoint_x": cross_adjoint_x, "cross_adjoint_y": cross_adjoint_y,
                "cross_each_left": cross_each_left, "cross_each_right": cross_each_right,
                "_cross_each": _cross_each, "undiag": undiag, "undiagonal": undiagonal,
                "rot90_each": rot90_each, "undiagonal_each": undiagonal_each,
                "diag_each": diag_each, "undiag_each": undiag_each,
                "diagonal_each": diagonal_each, "full_each": full_each,
                "pop_tangent": pop_tangent,
                "deviations": deviations, "reciprocal_or_zero": reciprocal_or_zero})  # the adjoints of parts of one array
