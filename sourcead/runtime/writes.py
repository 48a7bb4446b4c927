"""Writes into arrays (``a[i] = v``): the value view of an in-place write, and reads of
adjoints that may still be plain zeros.
"""
from __future__ import annotations

import numpy as np

from .basics import _basic, _plain_zero, refused
from .directions import _directions_moved


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
