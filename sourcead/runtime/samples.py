"""Functions that sample, interpolate or filter (linspace, quantiles, np.gradient, convolve,
interp): each is linear in the values it reads once the order of the elements (or the
positions of the samples) is fixed, so its tangent is the function of the tangent and its
adjoint the transposed map.
"""
from __future__ import annotations

import numpy as np

from .basics import refused, unbroadcast
from .directions import unbroadcast_each
from .reductions import _lines


# ---- np.linspace(start, stop): start (1 - t) + stop t --------------------------------------------

def linspace_part(v, other, num=50, endpoint=True, axis=0, end=False):
    """What one end ``v`` of ``np.linspace(start, stop, ...)`` contributes (the other end 0):
    ``v (1 - t)`` for the start, ``v t`` for the stop (``end``), in the output's shape."""
    zero = np.zeros(np.shape(other))
    first, last = (zero, v) if end else (v, zero)
    return np.linspace(first, last, num, endpoint=endpoint, axis=axis)


def linspace_part_each(v_dot, v, other, num=50, endpoint=True, axis=0, end=False):
    """``linspace_part`` of each direction of a vector-mode tangent of ``v``."""
    if np.ndim(v_dot) == 0:
        return v_dot
    n = max(np.ndim(v), np.ndim(other))
    lifted = np.reshape(v_dot, np.shape(v_dot)[:1] + (1,) * (n - np.ndim(v)) + np.shape(v))
    zero = np.zeros(np.shape(other))
    first, last = (zero, lifted) if end else (lifted, zero)
    return np.linspace(first, last, num, endpoint=endpoint, axis=axis % (n + 1) + 1)


def linspace_adjoint(g, v, other, num=50, endpoint=True, axis=0, end=False):
    """The adjoint of ``linspace_part`` for ``v``: ``g`` weighted by ``v``'s share of each
    sample, summed along the samples (axis 0 of ``g`` may hold directions)."""
    weights = linspace_part(np.ones(np.broadcast_shapes(np.shape(v), np.shape(other))), other,
                            num, endpoint, axis, end)
    if np.ndim(g) < np.ndim(weights):  # a plain zero
        g = np.broadcast_to(g, np.shape(weights))
    lead = np.ndim(g) - np.ndim(weights)
    total = np.sum(g * weights, axis=axis % np.ndim(weights) + lead)
    return unbroadcast_each(total, v) if lead else unbroadcast(total, v)


# ---- quantiles: linear interpolation between the two order statistics around q ----------------

def _quantile_matrix(n, q):
    """Row k: the weights of the sorted elements in quantile ``q[k]`` (method 'linear')."""
    q = np.ravel(np.asarray(q, dtype=float))
    place = q * (n - 1)
    low = np.clip(np.floor(place).astype(int), 0, n - 1)
    high = np.minimum(low + 1, n - 1)
    share = place - low
    weights = np.zeros((np.size(q), n))
    np.add.at(weights, (np.arange(np.size(q)), low), 1.0 - share)
    np.add.at(weights, (np.arange(np.size(q)), high), share)
    return weights


def _quantile_shape(x, q, axis, keepdims):
    """The shape of ``np.quantile(x, q, axis, keepdims=keepdims)``: q's axes, then x's."""
    axes = range(np.ndim(x)) if axis is None else [
        a % np.ndim(x) for a in ((axis,) if np.ndim(axis) == 0 else axis)]
    kept = tuple(1 if a in axes else s for a, s in enumerate(np.shape(x))
                 if keepdims or a not in axes)
    return np.shape(q) + kept


def quantile_tangent(v, x, q, axis=None, keepdims=False):
    """The tangent of ``np.quantile(x, q, axis)`` along ``v``: the same interpolation of
    ``v``'s elements, taken in the order that sorts ``x`` (axis 0 of ``v`` may hold
    directions)."""
    if np.ndim(v) > np.ndim(x):
        return np.stack([quantile_tangent(d, x, q, axis, keepdims) for d in v])
    lines, _ = _lines(x, axis)
    order = np.argsort(lines, axis=-1, kind="stable")
    values = np.take_along_axis(_lines(np.broadcast_to(v, np.shape(x)), axis)[0], order, -1)
    out = np.moveaxis(values @ _quantile_matrix(np.shape(lines)[-1], q).T, -1, 0)
    return np.reshape(out, _quantile_shape(x, q, axis, keepdims))[()]


def quantile_adjoint(g, x, q, axis=None, keepdims=False):
    """The adjoint of ``np.quantile(x, q, axis)``: each quantile's adjoint shared between the
    two elements it interpolates (axis 0 of ``g`` may hold directions)."""
    shape = _quantile_shape(x, q, axis, keepdims)
    if np.ndim(g) > len(shape):
        return np.stack([quantile_adjoint(d, x, q, axis, keepdims) for d in g])
    lines, back = _lines(x, axis)
    order = np.argsort(lines, axis=-1, kind="stable")
    per_q = np.moveaxis(np.reshape(np.broadcast_to(g, shape), (np.size(q),) + np.shape(lines)[:-1]),
                        0, -1)
    out = np.zeros(np.shape(lines))
    np.put_along_axis(out, order, per_q @ _quantile_matrix(np.shape(lines)[-1], q), -1)
    return back(out)


# ---- np.gradient: a banded matrix along one axis ----------------------------------------------

def _gradient_matrix(n, spacing, edge_order):
    """Column j: np.gradient of the j-th unit vector (the derivative's matrix along an axis)."""
    return np.gradient(np.eye(n), spacing, axis=0, edge_order=edge_order)


def _gradient_axis(x, more_spacing, axis):
    """The one axis np.gradient differentiates along here (several: refused)."""
    if np.ndim(x) == 0:
        raise refused("np.gradient of a number", "give np.gradient an array of samples")
    if more_spacing is not None or (axis is None and np.ndim(x) > 1) or np.ndim(axis) > 0:
        raise refused("np.gradient along several axes at once (a tuple of results)",
                      "call np.gradient once per axis: np.gradient(f, dx, axis=0), "
                      "np.gradient(f, dy, axis=1)")
    return 0 if axis is None else axis % np.ndim(x)


def gradient_of(v, x, spacing=1.0, more_spacing=None, axis=None, edge_order=1):
    """``np.gradient(v, spacing, axis=axis, edge_order=edge_order)`` along the one axis of
    ``x`` it differentiates (axis 0 of ``v`` may hold directions: then one axis later)."""
    if np.ndim(v) == 0:   # a plain zero
        return v
    along = _gradient_axis(x, more_spacing, axis) + np.ndim(v) - np.ndim(x)
    return np.gradient(v, spacing, axis=along, edge_order=edge_order)


def ungradient(g, x, spacing=1.0, more_spacing=None, axis=None, edge_order=1):
    """The adjoint of ``np.gradient(x, ...)`` along one axis: the transposed matrix applied
    along it (axis 0 of ``g`` may hold directions)."""
    along = _gradient_axis(x, more_spacing, axis)
    g = np.broadcast_to(g, np.shape(x)) if np.ndim(g) < np.ndim(x) else g
    along += np.ndim(g) - np.ndim(x)
    matrix = _gradient_matrix(np.shape(x)[along - np.ndim(g) + np.ndim(x)], spacing, edge_order)
    return np.moveaxis(np.tensordot(matrix.T, g, axes=([1], [along])), 0, along)


# ---- np.convolve / np.correlate of vectors --------------------------------------------------

def unconvolve(g, a, v, mode="full"):
    """The adjoint of ``np.convolve(a, v, mode)`` for ``a``: ``g`` put in its place in the
    full convolution, correlated with ``v``."""
    if np.ndim(v) == 0:  # a plain zero
        return np.zeros(len(a))
    full, length = len(a) + len(v) - 1, _convolved_length(a, v, mode)
    g = np.broadcast_to(g, (length,))
    start = (full - length) // 2
    padded = np.zeros(full, dtype=np.result_type(g, 0.0))
    padded[start:start + len(g)] = g
    return np.correlate(padded, v, "valid")


def _convolved_length(a, v, mode):
    n, m = len(a), len(v)
    return {"full": n + m - 1, "same": max(n, m), "valid": max(n, m) - min(n, m) + 1}[mode]


def each_direction(f, v_dot, before=(), after=()):
    """``f(*before, d, *after)`` for each direction ``d`` of a vector-mode tangent (for
    functions of vectors only, such as np.convolve)."""
    if np.ndim(v_dot) == 0:
        return v_dot
    return np.stack([f(*before, d, *after) for d in v_dot])


# ---- np.interp(x, xp, fp): linear in fp, piecewise linear in x ----------------------------------

def _interp_weights(x, xp, left=None, right=None):
    """Row k: the weights of ``fp`` in ``np.interp(x.flat[k], xp, fp, left, right)``."""
    points, xp = np.ravel(x), np.asarray(xp, dtype=float)
    n, rows = len(xp), np.arange(np.size(x))
    weights = np.zeros((np.size(x), n))
    if n == 1:
        weights[:, 0] = 1.0
    else:
        low = np.clip(np.searchsorted(xp, points, "right") - 1, 0, n - 2)
        share = (points - xp[low]) / (xp[low + 1] - xp[low])
        inside = (points >= xp[0]) & (points <= xp[-1])
        weights[rows, low] = np.where(inside, 1.0 - share, 0.0)
        weights[rows, low + 1] += np.where(inside, share, 0.0)
    if left is not None:
        weights[points < xp[0]] = 0.0
    if right is not None:
        weights[points > xp[-1]] = 0.0
    if n > 1 and left is None:
        weights[points < xp[0], 0] = 1.0
    if n > 1 and right is None:
        weights[points > xp[-1], n - 1] = 1.0
    return weights


def interp_slopes(x, xp):
    """Row k: the weights of ``fp`` in the slope of ``np.interp`` at ``x.flat[k]`` (0 outside
    ``xp``'s range, where the value is a constant)."""
    points, xp = np.ravel(x), np.asarray(xp, dtype=float)
    n = len(xp)
    slopes = np.zeros((np.size(x), n))
    if n > 1:
        low = np.clip(np.searchsorted(xp, points, "right") - 1, 0, n - 2)
        inside = (points >= xp[0]) & (points <= xp[-1])
        step = np.where(inside, 1.0 / (xp[low + 1] - xp[low]), 0.0)
        rows = np.arange(np.size(x))
        slopes[rows, low] = -step
        slopes[rows, low + 1] += step
    return slopes


def weighted(v, weights, x):
    """``weights @ v`` shaped like ``x`` (``v``'s last axis holds the samples; axes before it
    may hold directions)."""
    if np.ndim(v) == 0:  # a plain zero
        return v
    return np.reshape(np.asarray(v) @ weights.T, np.shape(v)[:-1] + np.shape(x))[()]


def unweighted(g, weights, x):
    """The adjoint of ``weighted(., weights, x)``: ``g`` (shaped like ``x``, after any axes
    of directions) times ``weights``."""
    if np.ndim(g) < np.ndim(x):
        g = np.broadcast_to(g, np.shape(x))
    lead = np.shape(g)[:np.ndim(g) - np.ndim(x)]
    return np.reshape(g, lead + (-1,)) @ weights


def interp_part(v, x, xp, left=None, right=None):
    """``np.interp(x, xp, v)`` where the values outside ``xp``'s range are ``v``'s ends, and
    0 where the call gives them as ``left`` / ``right`` (the tangent along ``fp``)."""
    return weighted(v, _interp_weights(x, xp, left, right), x)


def uninterp(v, x, xp, left=None, right=None):
    """The adjoint of ``np.interp(x, xp, fp, left, right)`` for ``fp``: each output's
    adjoint shared between the two samples it interpolates."""
    return unweighted(v, _interp_weights(x, xp, left, right), x)
