"""Functions that only move or copy elements (``np.pad``, ``np.append``, ``np.insert``): one
mechanism for all of them.

Such a function applied to ``positions(x)`` (the numbers 1..n in ``x``'s shape) tells where
each output element came from (0: from no element of ``x``: a fill value, or another
argument). That array of ``sources`` is the whole derivative: the tangent gathers ``x_dot``
from it (``moved``), the adjoint adds each output's adjoint back to its source (``unmoved``),
so a copy (``np.pad`` mode "edge") collects the adjoints of all its copies.
"""
from __future__ import annotations

import numpy as np

from .basics import refused


def positions(x):
    """1, 2, ..., n in the shape of ``x``: where each element of a rearrangement of ``x`` came
    from (0 is kept for elements that come from elsewhere)."""
    return np.arange(1, np.size(x) + 1).reshape(np.shape(x))


def no_positions(x):
    """Zeros in the shape of ``x``: the sources of an argument whose tangent is not this one's."""
    return np.zeros(np.shape(x), dtype=int)


def moved(v, sources):
    """The tangent of a rearrangement: element k of ``v`` where ``sources`` says k + 1, and 0
    where it says 0."""
    if np.ndim(v) == 0 and np.max(sources, initial=0) > 1:  # a plain zero stays one
        return v
    flat = np.concatenate([np.zeros(1, dtype=np.result_type(v, 0.0)), np.ravel(v)])
    return flat[sources]


def moved_each(v_dot, sources):
    """``moved`` of each direction of a vector-mode tangent (axis 0 holds directions)."""
    if np.ndim(v_dot) == 0:
        return v_dot
    flat = np.reshape(v_dot, np.shape(v_dot)[:1] + (-1,))
    flat = np.concatenate([np.zeros((len(flat), 1), dtype=flat.dtype), flat], axis=1)
    return np.reshape(flat[:, np.ravel(sources)], np.shape(v_dot)[:1] + np.shape(sources))


def unmoved(g, x, sources):
    """The adjoint of a rearrangement of ``x``: the adjoint of each output element added to
    the element of ``x`` it came from (several, for copies)."""
    weights = np.ravel(np.broadcast_to(g, np.shape(sources)))
    total = np.bincount(np.ravel(sources), weights=weights, minlength=np.size(x) + 1)
    return np.reshape(total[1:np.size(x) + 1], np.shape(x))[()]


def unmoved_each(g_dot, x, sources):
    """``unmoved`` of each direction of a vector-mode tangent (axis 0 holds directions)."""
    if np.ndim(g_dot) == 0:
        return g_dot
    return np.stack([unmoved(d, x, sources) for d in g_dot])


# the pad modes that only copy elements (the others compute new values from them)
COPYING_PADS = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_sources(x, pad_width, mode="constant"):
    """Where each element of ``np.pad(x, pad_width, mode)`` came from (0: the fill value)."""
    if mode not in ("constant", "edge", "reflect", "symmetric", "wrap"):
        raise refused(f"np.pad with mode={mode!r}, which computes the padding from the values",
                      "pad by copying (mode 'constant', 'edge', 'reflect', 'symmetric' or "
                      "'wrap'), or compute the padding and join it with np.concatenate")
    return np.pad(positions(x), pad_width, mode)
