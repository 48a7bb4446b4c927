"""Lists, tuples and dicts read as values: writes into them, conversions between them, and
``sorted`` of a list of values.

``xs[i] = v`` and ``d[k] = v`` change a container in place. Where no other name can see the
change (``analyze.aliases`` makes sure), that is the same as rebinding the name to a copy with
the element replaced: ``xs = with_element(xs, i, v)``. A plain zero stands for a tangent or
adjoint that is zero everywhere.
"""
from __future__ import annotations

import numpy as np

from .basics import _plain_zero, refused


def with_element(t, i, v):
    """A copy of the list, tuple or dict ``t`` with ``t[i] = v`` (a plain zero ``t``, a zero
    tangent or adjoint, stays one when ``v`` is a zero too)."""
    if isinstance(t, dict):
        new = dict(t)
        new[i] = v
        return new
    if isinstance(t, (list, tuple)):
        parts = list(t)
        parts[i] = v
        return parts if isinstance(t, list) else tuple(parts)
    if _plain_zero(t) and _plain_zero(v):
        return t
    raise refused(f"a write into a {type(t).__name__}", "write into a list or a dict")


def without_element(t_bar, i):
    """``t_bar`` with element ``i`` zero (a dict's without key ``i``): the adjoint (or tangent)
    of what a write replaced."""
    if isinstance(t_bar, dict):
        return {k: v for k, v in t_bar.items() if k != i}
    if isinstance(t_bar, (list, tuple)):
        parts = list(t_bar)
        parts[i] = 0.0
        return parts if isinstance(t_bar, list) else tuple(parts)
    return t_bar


def element_tangent(v_dot, i, t):
    """The tangent of ``with_element(t, i, v)`` through ``v``: zeros shaped like the container
    ``t`` (a dict: only key ``i``), with ``v_dot`` at ``i``."""
    if isinstance(t, dict):
        return {i: v_dot}
    parts = [0.0] * len(t)
    parts[i] = v_dot
    return parts if isinstance(t, list) else tuple(parts)


def _insert_position(n, i):
    """Where ``xs.insert(i, v)`` puts ``v`` in a list of ``n`` elements (as Python does)."""
    i = i + n if i < 0 else i
    return min(max(i, 0), n)


def with_inserted(xs, i, v):
    """A copy of the list ``xs`` with ``v`` inserted at ``i`` (``xs.insert(i, v)``); a plain
    zero ``xs`` (a zero tangent) stays one when ``v`` is a zero too."""
    if isinstance(xs, (list, tuple)):
        parts = list(xs)
        parts.insert(_insert_position(len(parts), i), v)
        return parts
    if _plain_zero(xs) and _plain_zero(v):
        return xs
    raise refused(f"an insert into a {type(xs).__name__}", "insert into a list")


def without_inserted(g, i, xs):
    """The adjoint of ``with_inserted(xs, i, v)`` for ``xs``: ``g`` without the inserted
    element."""
    if not isinstance(g, (list, tuple)):
        return g
    parts = list(g)
    del parts[_insert_position(len(xs), i)]
    return parts


def inserted_tangent(v_dot, i, xs):
    """The tangent of ``with_inserted(xs, i, v)`` through ``v``: zeros, ``v_dot`` where it went."""
    parts = [0.0] * (len(xs) + 1)
    parts[_insert_position(len(xs), i)] = v_dot
    return parts


def inserted_component(g, i, xs):
    """The adjoint of ``with_inserted(xs, i, v)`` for ``v``: ``g``'s element where it went."""
    if not isinstance(g, (list, tuple)):
        return 0.0 * g
    return g[_insert_position(len(xs), i)]


def container_copy(t):
    """``t.copy()`` of a list or dict (a tuple is its own copy); the derivative is that of
    the value itself."""
    return t.copy() if isinstance(t, (list, dict)) else t


def sequence_as(v, t, kind):
    """``v`` (the tangent or adjoint of the sequence ``t``, or of its conversion) as a
    ``kind``: "list", "tuple", or "like" (``t``'s own type). ``list(d)`` of a dict is its
    keys (no derivative); a plain zero stays one."""
    if isinstance(t, dict):
        return 0.0
    if isinstance(t, np.ndarray):
        raise refused("`list(...)` or `tuple(...)` of an array",
                      "index the array's rows (`x[i]`), or keep it an array")
    if not isinstance(v, (list, tuple)):
        return v
    target = list if kind == "list" else tuple if kind == "tuple" else type(t)
    return target(v) if target in (list, tuple) else v


def _sorted_order(xs, reverse):
    """The positions of ``xs``'s elements in ``sorted(xs, reverse=reverse)`` (stable)."""
    return sorted(range(len(xs)), key=lambda k: xs[k], reverse=reverse)


def sorted_elements(v, xs, reverse=False):
    """``v`` (shaped like the list ``xs``) in the order ``sorted(xs, reverse=reverse)`` puts
    ``xs``: the tangent of ``sorted(xs)``; a plain zero stays one."""
    if not isinstance(v, (list, tuple)):
        return v
    return [v[k] for k in _sorted_order(xs, reverse)]


def unsorted_elements(g, xs, reverse=False):
    """The adjoint of ``sorted(xs, reverse=reverse)``: each element of ``g`` goes back to the
    position its value came from (a list or tuple like ``xs``)."""
    if not isinstance(g, (list, tuple)):
        return g
    parts = [0.0] * len(xs)
    for j, k in enumerate(_sorted_order(xs, reverse)):
        parts[k] = g[j]
    return parts if isinstance(xs, list) else tuple(parts)


def dict_like(v, t):
    """The tangent or adjoint of ``dict(t)`` for a dict ``t`` (a copy: the same values)."""
    if isinstance(t, dict):
        return v
    raise refused("`dict(...)` of pairs", "build the dict with a literal or a comprehension "
                  "(`{k: v for k, v in zip(keys, values)}`)")
