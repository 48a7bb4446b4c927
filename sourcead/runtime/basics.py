"""The helpers every derivative leans on: constants, refusals, unbroadcasting, zeros and
scatters, and the adjoints of ``np.dot``.
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


# ---- powers: exact where the textbook partials give 0 * inf -------------------------------------

def power_slope(x, y, k=1):
    """The k-th derivative of ``x ** y`` in x: ``y (y - 1) ... (y - k + 1) x ** (y - k)``, and 0
    where that product is 0 (x ** 0 is 1 for every x, 0 included, where the formula gives
    0 * inf; likewise x ** 1 has curvature 0 at 0)."""
    factor = _falling(y, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(np.equal(factor, 0), 0.0, np.multiply(factor, np.power(x, np.subtract(y, float(k)))))
    return _number_like(slope, x, y)


def power_slope_in_exponent(x, y, k=1):
    """The derivative in y of ``power_slope(x, y, k)``: of the product of (y - i) times
    x ** (y - k), and of x ** (y - k) (whose slope in y is itself times log x, 0 at x = 0)."""
    factors = [np.subtract(y, float(i)) for i in range(k)]
    rate = sum(np.prod([f for i, f in enumerate(factors) if i != j], axis=0) for j in range(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        moved = np.where(np.equal(rate, 0), 0.0, np.multiply(rate, np.power(x, np.subtract(y, float(k)))))
    return _number_like(moved + power_slope(x, y, k) * log_base(x), x, y)


def _falling(y, k):
    """y (y - 1) ... (y - k + 1)."""
    return np.prod([np.subtract(y, float(i)) for i in range(k)], axis=0)


def log_base(x):
    """``np.log(x)``, and 0 where x is 0: d(x ** y)/dy is ``out * log(x)``, and 0 ** y is 0 for
    every y > 0, so its slope in y is 0 (the formula gives 0 * -inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(np.equal(x, 0), 1.0, x))
    return _number_like(logs, x)


def _number_like(value, *inputs):
    """A 0-d result as a Python float where every input is a Python number (a derivative of
    floats is a float, as the function's value is), else as a NumPy number or array."""
    if np.ndim(value):
        return value
    if all(isinstance(v, (int, float)) for v in inputs):
        return float(value)
    return value[()]
