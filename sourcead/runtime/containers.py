"""Tuples, lists and dicts: their adjoints and tangents have the containers' structure.
"""
from __future__ import annotations

import numpy as np

from .basics import _plain_zero, refused, unbroadcast, zeros_like


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
