"""Rows of Python's operators, ``math``, the builtins and ``operator``, and the elementwise
functions NumPy shares with ``math``. One line per rule; partials use ``x``, ``y`` for the
arguments and ``out`` for the result.
"""
from __future__ import annotations

import builtins
import math
import operator

import gast

from .. import runtime
from .core import CONSTANT, ZERO, Rule, elementwise as ew


# ---- Python operators ---------------------------------------------------------------------
OPERATORS = {
    gast.Add: ew("1", "1"),
    gast.Sub: ew("1", "-1"),
    gast.Mult: ew("y", "x"),
    gast.Div: ew("1 / y", "-out / y"),
    gast.Pow: None,  # POWER, below
    gast.Mod: ew("1", "-np.floor(x / y)"),
    gast.FloorDiv: ZERO,
    gast.USub: ew("-1"),
    gast.UAdd: ew("1"),
    gast.Not: ZERO,
    gast.MatMult: Rule(params=("x", "y"), adjoints={"x": "matmul_adjoint_x(g, x, y)",
                                                     "y": "matmul_adjoint_y(g, x, y)"},
                       tangents={"x": "x_dot @ y", "y": "x @ y_dot"},
                       vector_tangents={"x": "matmul_each_left(x_dot, x, y)",
                                        "y": "matmul_each_right(x, y_dot, y)"},
                       shape="reduce"),
}


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _power_for_constants(constants: dict) -> Rule | None:
    """``x ** y`` with the exponent or the base written as a number: the partials one writes by
    hand (``2 * x ** 1`` for ``x ** 2``, folded to ``2 * x``; none through a 0 exponent or a 0
    base); else the helpers, which are exact where the formulas give 0 * inf."""
    y, x = constants.get("y"), constants.get("x")
    if not (_number(y) or _number(x)):
        return None
    slope_x, slope_y = POWER.partials
    if _number(y):
        slope_x = "y * x ** (y - 1)" if y != 0 else None
    if _number(x) and x >= 0:
        slope_y = "out * np.log(x)" if x > 0 else None
    return Rule(params=("x", "y"), partials=(slope_x, slope_y))


# x ** y, np.power, np.float_power, math.pow, pow: one row
POWER = Rule(params=("x", "y"), partials=("power_slope(x, y)", "out * log_base(x)"),
             specialize=_power_for_constants)
OPERATORS[gast.Pow] = POWER


# ---- elementwise functions, shared by math and numpy ------------------------------------
_UNARY = {
    "sin": "np.cos(x)",
    "cos": "-np.sin(x)",
    "tan": "1 + out ** 2",
    "exp": "out",
    "exp2": "out * np.log(2.0)",
    "expm1": "out + 1",
    "log": "1 / x",
    "log2": "1 / (x * np.log(2.0))",
    "log10": "1 / (x * np.log(10.0))",
    "log1p": "1 / (1 + x)",
    "sqrt": "0.5 / out",
    "cbrt": "1 / (3 * out ** 2)",
    "sinh": "np.cosh(x)",
    "cosh": "np.sinh(x)",
    "tanh": "1 - out ** 2",
    "arcsin": "1 / np.sqrt(1 - x ** 2)",
    "arccos": "-1 / np.sqrt(1 - x ** 2)",
    "arctan": "1 / (1 + x ** 2)",
    "arcsinh": "1 / np.sqrt(x ** 2 + 1)",
    "arccosh": "1 / np.sqrt(x ** 2 - 1)",
    "arctanh": "1 / (1 - x ** 2)",
    "abs": "np.sign(x)",
    "square": "2 * x",
    "reciprocal": "-out ** 2",
    "negative": "-1",
    "positive": "1",
    "fabs": "np.sign(x)",
    "deg2rad": "np.pi / 180",
    "radians": "np.pi / 180",
    "rad2deg": "180 / np.pi",
    "degrees": "180 / np.pi",
}
_MATH_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
               "arccosh": "acosh", "arctanh": "atanh", "abs": "fabs"}


_BINARY = {
    "add": ("1", "1"),
    "subtract": ("1", "-1"),
    "multiply": ("y", "x"),
    "divide": ("1 / y", "-out / y"),
    "true_divide": ("1 / y", "-out / y"),
    "arctan2": ("y / (x ** 2 + y ** 2)", "-x / (x ** 2 + y ** 2)"),  # arctan2(x1=x, x2=y)
    "hypot": ("x / out", "y / out"),
    "logaddexp": ("np.exp(x - out)", "np.exp(y - out)"),
    "logaddexp2": ("np.exp2(x - out)", "np.exp2(y - out)"),
    "mod": ("1", "-np.floor(x / y)"),
    "remainder": ("1", "-np.floor(x / y)"),
    "fmod": ("1", "-np.trunc(x / y)"),
}


_INTEGER_VALUED = ("floor", "ceil", "trunc", "rint", "sign", "round", "around", "fix", "isnan",
                   "isinf", "isfinite", "floor_divide", "greater", "greater_equal", "less",
                   "less_equal", "equal", "not_equal", "logical_and", "logical_or", "logical_not",
                   "logical_xor", "isclose", "allclose", "array_equal", "signbit", "heaviside",
                   "any", "all", "count_nonzero", "nonzero", "flatnonzero", "argwhere",
                   "searchsorted", "shape", "ndim", "size", "argmax", "argmin", "argsort")


def _math_rows() -> dict:
    rows = {}
    for n, d in _UNARY.items():
        fn = getattr(math, _MATH_NAMES.get(n, n), None)
        if fn is not None:
            rows[fn] = ew(d)
    rows[math.pow] = POWER
    rows[math.atan2] = ew(*_BINARY["arctan2"])
    rows[math.hypot] = ew(*_BINARY["hypot"])
    rows[math.erf] = ew("2 / np.sqrt(np.pi) * np.exp(-x ** 2)")
    rows.update({getattr(math, n): ZERO for n in ("floor", "ceil", "trunc", "isnan", "isinf",
                                                   "isfinite")})
    return rows


def _builtin_rows() -> dict:
    return {
        builtins.abs: ew("np.sign(x)"),
        builtins.float: ew("1"),
        builtins.pow: POWER,
        builtins.max: ew("x >= y", "x < y"),   # two values; a tie sends the derivative to x
        builtins.min: ew("x <= y", "x > y"),
        builtins.int: ZERO, builtins.round: ZERO, builtins.len: ZERO, builtins.bool: ZERO,
        builtins.range: ZERO, builtins.print: ZERO, builtins.isinstance: ZERO,
        builtins.slice: ZERO,
        # max(xs) / min(xs) of one list, tuple or array: see EXTREME_OF_SEQUENCE
        # the sum of a list or tuple of values (or of an array's rows)
        builtins.sum: Rule(params=("xs",), shape="reduce", adjoints={"xs": "unsum(g, xs)"},
                           tangents={"xs": "sum(xs_dot)"},
                           vector_tangents={"xs": "sum_elements_each(xs_dot, xs)"}),
        runtime.stop_gradient: CONSTANT,
        runtime.on_gradient: Rule(params=("x", "hook"), tangents={"x": "x_dot"},
                                  vector_tangents={"x": "x_dot"}, adjoints={"x": "hook(g)"},
                                  shape="broadcast"),
    }


def _operator_rows() -> dict:
    """``operator.add(a, b)`` and the rest are the operators they name (``functools.reduce(
    operator.mul, ...)``, tables of operations): the same rows."""
    binary = {operator.add: gast.Add, operator.sub: gast.Sub, operator.mul: gast.Mult,
              operator.truediv: gast.Div, operator.pow: gast.Pow, operator.mod: gast.Mod,
              operator.floordiv: gast.FloorDiv, operator.matmul: gast.MatMult,
              operator.neg: gast.USub, operator.pos: gast.UAdd, operator.not_: gast.Not}
    rows = {f: OPERATORS[op] for f, op in binary.items()}
    rows[operator.abs] = ew("np.sign(x)")
    return rows
