"""The rule tables, assembled: every NumPy, math, builtin, operator and helper row by the
function object it differentiates (``CALLS``), methods and attributes of arrays as the
functions they are, and indexers. The rows themselves live in one module per family
(elementwise, arrays, products, linalg, helpers); ``np.`` and ``math.`` in them are spelled
with the user's own aliases when emitted.
"""
from __future__ import annotations

import numpy as np

from .. import runtime
from .core import CONSTANT, ZERO, Rule, elementwise as ew
from .arrays import _REDUCE, _array_rows, _indexed, _shape_rows
from .elementwise import (OPERATORS, POWER, _BINARY, _INTEGER_VALUED, _UNARY, _builtin_rows,  # noqa: F401
                          _math_rows, _operator_rows)
from .helpers import _runtime_rows, _sequence_rows
from .linalg import _linalg_rows
from .moves import _move_rows, _moved_helper_rows
from .samples import _sample_rows, _sampled_helper_rows
from .products import _product_rows
from .special import _special_helper_rows


def _numpy_rows() -> dict:
    rows = {getattr(np, n): ew(d) for n, d in _UNARY.items() if hasattr(np, n)}
    rows[np.absolute] = rows[np.abs]
    # of real values (sourcead refuses complex ones): the value itself, or zeros
    rows.update({np.real: ew("1"), np.conjugate: ew("1"), np.real_if_close: ew("1"),
                 np.imag: CONSTANT})
    rows.update({getattr(np, n): ew(*d) for n, d in _BINARY.items() if hasattr(np, n)})
    rows.update({getattr(np, n): ZERO for n in _INTEGER_VALUED if hasattr(np, n)})
    rows[np.sinc] = ew("sinc_derivative(x)")
    rows[np.power] = rows[np.float_power] = POWER
    rows[np.broadcast] = ZERO  # a shape, read by shape-only arguments
    rows.update(_array_rows())
    rows.update(_product_rows())
    rows.update(_shape_rows())
    rows.update(_linalg_rows())
    rows.update(_move_rows())
    rows.update(_sample_rows())
    rows[np.sum] = Rule(params=("x", "axis", "keepdims"), defaults=_REDUCE, shape="reduction",
                        adjoints={"x": "unreduce(g, x, axis, keepdims)"},
                        tangents={"x": "np.sum(x_dot, axis=axis, keepdims=keepdims)"},
                        vector_tangents={"x": "sum_each(x_dot, axis, keepdims)"})
    rows[np.dot] = Rule(params=("x", "y"), adjoints={"x": "dot_adjoint_x(g, x, y)",
                                                     "y": "dot_adjoint_y(g, x, y)"},
                        tangents={"x": "np.dot(x_dot, y)", "y": "np.dot(x, y_dot)"},
                        vector_tangents={"x": "dot_each_left(x_dot, y)",
                                         "y": "dot_each_right(x, y_dot, y)"}, shape="reduce")
    return rows


# methods of ndarrays, as the NumPy functions they are (``x.sum(axis=1)`` is ``np.sum(x, axis=1)``)
METHODS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "reshape": np.reshape,
           "var": np.var, "std": np.std, "cumsum": np.cumsum, "squeeze": np.squeeze,
           "swapaxes": np.swapaxes,
           "ravel": np.ravel, "flatten": np.ravel, "transpose": np.transpose, "dot": np.dot,
           "clip": np.clip, "prod": np.prod, "cumprod": np.cumprod, "trace": np.trace,
           "copy": np.copy, "repeat": np.repeat, "round": np.round, "argmax": np.argmax,
           "argmin": np.argmin, "argsort": np.argsort, "any": np.any, "all": np.all,
           "nonzero": np.nonzero, "take": np.take, "astype": runtime.cast_like,
           "item": np.ndarray.item}
ATTRIBUTES = {"T": np.transpose, "real": np.real, "imag": np.imag}


# objects indexed like functions are called: ``np.r_[a, b]`` joins a and b
INDEXERS = {np.r_: _indexed("np.r_", "r_"), np.c_: _indexed("np.c_", "c_")}


CALLS = {**_numpy_rows(), **_math_rows(), **_builtin_rows(), **_runtime_rows(),
         **_operator_rows(), **_moved_helper_rows(), **_sampled_helper_rows(),
         **_special_helper_rows(), **_sequence_rows()}


# ``max(xs)`` and ``min(xs)`` called with one sequence (``max(a, b)`` is the elementwise row):
# the derivative is that of the element returned
EXTREME_OF_SEQUENCE = Rule(params=("xs",), shape="reduce",
                           adjoints={"xs": "unextreme(g, xs, out)"},
                           tangents={"xs": "extreme_tangent(xs_dot, xs, out)"},
                           vector_tangents={"xs": "extreme_tangent_each(xs_dot, xs, out)"})
