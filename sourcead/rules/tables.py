"""The rule tables. One line per rule; partials use ``x``, ``y`` for the arguments and ``out``
for the result. ``np.`` and ``math.`` are spelled with the user's own aliases when emitted,
and ``np.f`` becomes ``math.f`` when every operand is a Python scalar (faster, same value).
"""
from __future__ import annotations

import builtins
import math

import gast
import numpy as np

from .. import runtime
from .core import CONSTANT, ZERO, Rule, elementwise as ew

# ---- Python operators ---------------------------------------------------------------------
OPERATORS = {
    gast.Add: ew("1", "1"),
    gast.Sub: ew("1", "-1"),
    gast.Mult: ew("y", "x"),
    gast.Div: ew("1 / y", "-out / y"),
    gast.Pow: ew("y * x ** (y - 1)", "out * np.log(x)"),
    gast.Mod: ew("1", "-np.floor(x / y)"),
    gast.FloorDiv: ZERO,
    gast.USub: ew("-1"),
    gast.UAdd: ew("1"),
    gast.Not: ZERO,
    gast.MatMult: Rule(params=("x", "y"), adjoints={"x": "dot_adjoint_x(g, x, y)",
                                                     "y": "dot_adjoint_y(g, x, y)"},
                       tangents={"x": "x_dot @ y", "y": "x @ y_dot"},
                       vector_tangents={"x": "dot_each_left(x_dot, y)", "y": "dot_each_right(x, y_dot, y)"},
                       shape="reduce"),
}

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
}
_MATH_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
               "arccosh": "acosh", "arctanh": "atanh", "abs": "fabs"}
_BINARY = {
    "add": ("1", "1"),
    "subtract": ("1", "-1"),
    "multiply": ("y", "x"),
    "divide": ("1 / y", "-out / y"),
    "true_divide": ("1 / y", "-out / y"),
    "power": ("y * x ** (y - 1)", "out * np.log(x)"),
    "arctan2": ("y / (x ** 2 + y ** 2)", "-x / (x ** 2 + y ** 2)"),  # arctan2(x1=x, x2=y)
    "hypot": ("x / out", "y / out"),
}

_INTEGER_VALUED = ("floor", "ceil", "trunc", "rint", "sign", "round", "isnan", "isinf",
                   "isfinite", "floor_divide")


def _numpy_rows() -> dict:
    rows = {getattr(np, n): ew(d) for n, d in _UNARY.items() if hasattr(np, n)}
    rows[np.absolute] = rows[np.abs]
    rows.update({getattr(np, n): ew(*d) for n, d in _BINARY.items() if hasattr(np, n)})
    rows.update({getattr(np, n): ZERO for n in _INTEGER_VALUED if hasattr(np, n)})
    rows.update({np.size: ZERO, np.shape: ZERO, np.ndim: ZERO, np.argmax: ZERO, np.argmin: ZERO,
                 np.argsort: ZERO})
    rows.update(_array_rows())
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


_REDUCE = {"axis": None, "keepdims": False}


def _reduction(name: str, adjoint: str, tangent: str) -> Rule:
    return Rule(params=("x", "axis", "keepdims"), defaults=_REDUCE, shape="reduction",
                adjoints={"x": adjoint}, tangents={"x": tangent})


_centered = "x - np.mean(x, axis=axis, keepdims=True)"


def _reshaping(tangent: str, params: tuple[str, ...], defaults=None) -> Rule:
    """Rows that only rearrange elements: the adjoint puts them back in ``x``'s shape."""
    return Rule(params=params, defaults=defaults or {}, shape="reduce",
                adjoints={"x": "np.reshape(g, np.shape(x))"}, tangents={"x": tangent})


def _array_rows() -> dict:
    """Reductions with axis/keepdims, shapes, and piecewise elementwise functions."""
    unreduce = "unreduce(g, x, axis, keepdims)"
    mask = "extreme_mask(x, out, axis, keepdims)"
    extreme = _reduction("max", f"{unreduce} * {mask}",
                         f"np.sum(x_dot * {mask}, axis=axis, keepdims=keepdims)")
    return {
        np.mean: _reduction("mean", f"{unreduce} * (np.size(out) / np.size(x))",
                            "np.mean(x_dot, axis=axis, keepdims=keepdims)"),
        np.max: extreme, np.min: extreme, np.amax: extreme, np.amin: extreme,
        np.reshape: Rule(params=("x", "shape"), adjoints={"x": "np.reshape(g, np.shape(x))"},
                         tangents={"x": "np.reshape(x_dot, shape)"}, shape="reduce"),
        np.ravel: Rule(params=("x",), adjoints={"x": "np.reshape(g, np.shape(x))"},
                       tangents={"x": "np.ravel(x_dot)"}, shape="reduce"),
        np.transpose: Rule(params=("x", "axes"), defaults={"axes": None}, shape="reduce",
                           adjoints={"x": "untranspose(g, axes)"},
                           tangents={"x": "np.transpose(x_dot, axes)"}),
        np.outer: Rule(params=("x", "y"), shape="reduce",
                       adjoints={"x": "np.reshape(np.dot(g, np.ravel(y)), np.shape(x))",
                                 "y": "np.reshape(np.dot(np.ravel(x), g), np.shape(y))"},
                       tangents={"x": "np.outer(x_dot, y)", "y": "np.outer(x, y_dot)"}),
        np.var: _reduction("var", f"{unreduce} * 2 * ({_centered}) * (np.size(out) / np.size(x))",
                           f"2 * np.mean(({_centered}) * x_dot, axis=axis, keepdims=keepdims)"),
        np.std: _reduction("std", f"unreduce(g / out, x, axis, keepdims) * ({_centered})"
                                  " * (np.size(out) / np.size(x))",
                           f"np.mean(({_centered}) * x_dot, axis=axis, keepdims=keepdims) / out"),
        np.linalg.norm: Rule(params=("x",), shape="reduction", adjoints={"x": "g * x / out"},
                             tangents={"x": "np.sum(x * x_dot) / out"}),  # the 2-norm only
        np.cumsum: Rule(params=("x", "axis"), defaults={"axis": None}, shape="reduce",
                        adjoints={"x": "uncumsum(g, x, axis)"},
                        tangents={"x": "np.cumsum(x_dot, axis)"}),
        np.squeeze: _reshaping("np.squeeze(x_dot, axis)", ("x", "axis"), {"axis": None}),
        np.expand_dims: _reshaping("np.expand_dims(x_dot, axis)", ("x", "axis")),
        np.broadcast_to: Rule(params=("x", "shape"), shape="reduce",
                              adjoints={"x": "unbroadcast(g, x)"},
                              tangents={"x": "np.broadcast_to(x_dot, shape)"}),
        np.flip: Rule(params=("x", "axis"), defaults={"axis": None}, shape="reduce",
                      adjoints={"x": "np.flip(g, axis)"}, tangents={"x": "np.flip(x_dot, axis)"}),
        np.swapaxes: Rule(params=("x", "a", "b"), shape="reduce",
                          adjoints={"x": "np.swapaxes(g, a, b)"},
                          tangents={"x": "np.swapaxes(x_dot, a, b)"}),
        np.moveaxis: Rule(params=("x", "source", "destination"), shape="reduce",
                          adjoints={"x": "np.moveaxis(g, destination, source)"},
                          tangents={"x": "np.moveaxis(x_dot, source, destination)"}),
        np.roll: Rule(params=("x", "shift", "axis"), defaults={"axis": None}, shape="reduce",
                      adjoints={"x": "np.roll(g, -shift, axis)"},
                      tangents={"x": "np.roll(x_dot, shift, axis)"}),
        # arrays built from lists of values: each element gets its part of the adjoint
        np.array: Rule(params=("xs",), sequences=("xs",), shape="reduce",
                       adjoints={"xs": "g[k]"}, tangents={"xs": "np.array(xs_dot)"},
                       list_adjoints={"xs": "unstack(g, xs)"}),
        np.stack: Rule(params=("xs", "axis"), defaults={"axis": 0}, sequences=("xs",),
                       shape="reduce", adjoints={"xs": "np.take(g, k, axis=axis)"},
                       list_adjoints={"xs": "unstack(g, xs, axis)"},
                       tangents={"xs": "np.stack(xs_dot, axis=axis)"}),
        np.concatenate: Rule(params=("xs", "axis"), defaults={"axis": 0}, sequences=("xs",),
                             shape="reduce", adjoints={"xs": "concatenated_part(g, xs, k, axis)"},
                             tangents={"xs": "np.concatenate(xs_dot, axis=axis)"}),
        np.take: Rule(params=("x", "indices", "axis"), defaults={"axis": None}, shape="reduce",
                      adjoints={"x": "untake(g, x, indices, axis)"},
                      tangents={"x": "np.take(x_dot, indices, axis=axis)"}),
        np.maximum: ew("x >= y", "x < y"),       # a tie sends the derivative to x
        np.minimum: ew("x <= y", "x > y"),
        np.fmax: ew("x >= y", "x < y"),
        np.fmin: ew("x <= y", "x > y"),
        np.where: Rule(params=("c", "x", "y"), partials=(None, "c", "np.logical_not(c)")),
        np.clip: Rule(params=("x", "lo", "hi"),
                      partials=("(x >= lo) & (x <= hi)", "x < lo", "x > hi")),
        np.copy: ew("1"),
    }


# methods of ndarrays, as the NumPy functions they are (``x.sum(axis=1)`` is ``np.sum(x, axis=1)``)
METHODS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "reshape": np.reshape,
           "var": np.var, "std": np.std, "cumsum": np.cumsum, "squeeze": np.squeeze,
           "swapaxes": np.swapaxes,
           "ravel": np.ravel, "flatten": np.ravel, "transpose": np.transpose, "dot": np.dot,
           "clip": np.clip, "copy": np.copy}
ATTRIBUTES = {"T": np.transpose}


def _math_rows() -> dict:
    rows = {}
    for n, d in _UNARY.items():
        fn = getattr(math, _MATH_NAMES.get(n, n), None)
        if fn is not None:
            rows[fn] = ew(d)
    rows[math.pow] = ew(*_BINARY["power"])
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
        builtins.pow: ew(*_BINARY["power"]),
        builtins.max: ew("x >= y", "x < y"),   # two values; a tie sends the derivative to x
        builtins.min: ew("x <= y", "x > y"),
        builtins.int: ZERO, builtins.round: ZERO, builtins.len: ZERO, builtins.bool: ZERO,
        builtins.range: ZERO, builtins.print: ZERO, builtins.isinstance: ZERO,
        builtins.reversed: ZERO, builtins.slice: ZERO,
        # the sum of a list or tuple of values (or of an array's rows)
        builtins.sum: Rule(params=("xs",), shape="reduce", adjoints={"xs": "unsum(g, xs)"},
                           tangents={"xs": "sum(xs_dot)"}),
        runtime.stop_gradient: CONSTANT,
        runtime.on_gradient: Rule(params=("x", "hook"), tangents={"x": "x_dot"},
                                  vector_tangents={"x": "x_dot"}, adjoints={"x": "hook(g)"},
                                  shape="broadcast"),
    }


# ---- the helpers generated code calls: each has a rule, so generated code can be
# differentiated again (DESIGN invariant 3) --------------------------------------------------
def _runtime_rows() -> dict:
    return {
        runtime.zeros_like: CONSTANT,
        runtime.unbroadcast: Rule(params=("v", "x"), tangents={"v": "unbroadcast(v_dot, x)"},
                                  vector_tangents={"v": "unbroadcast_each(v_dot, x)"},
                                  adjoints={"v": "g * np.ones_like(v)"}),
        runtime.scatter: Rule(params=("v", "x", "index"),
                              tangents={"v": "scatter(v_dot, x, index)"},
                              vector_tangents={"v": "scatter_each(v_dot, x, index)"},
                              adjoints={"v": "g[index]"}),
        runtime.dot_adjoint_x: Rule(params=("v", "x", "y"),
                                    tangents={"v": "dot_adjoint_x(v_dot, x, y)",
                                              "y": "dot_adjoint_x(v, x, y_dot)"}),
        runtime.dot_adjoint_y: Rule(params=("v", "x", "y"),
                                    tangents={"v": "dot_adjoint_y(v_dot, x, y)",
                                              "x": "dot_adjoint_y(v, x_dot, y)"}),
        np.ones_like: CONSTANT, np.zeros_like: CONSTANT,
        runtime.component: Rule(params=("v", "i"), tangents={"v": "component(v_dot, i)"},
                                vector_tangents={"v": "component(v_dot, i)"},
                                adjoints={"v": "with_component(0.0, i, g, v)"}),
        runtime.with_component: Rule(params=("v", "i", "w", "t"), shape="container",
                                     # zeros shaped like the adjoint v, which may be
                                     # shorter than t (popped as the reverse sweep goes)
                                     tangents={"v": "with_component(v_dot, i, 0.0, t)",
                                               "w": "with_component(zeros_like(v), i, w_dot, t)"},
                                     vector_tangents={
                                         "v": "with_component(v_dot, i, 0.0, t)",
                                         "w": "with_component(zeros_like(v), i, w_dot, t)"},
                                     adjoints={"v": "g", "w": "component(g, i)"}),
        # containers: adjoints and tangents of the same structure, summed by add_tree
        runtime.add_tree: Rule(params=("a", "b"), shape="container",
                               tangents={"a": "a_dot", "b": "b_dot"},
                               vector_tangents={"a": "a_dot", "b": "b_dot"},
                               adjoints={"a": "g", "b": "g"}),
        runtime.with_key: Rule(params=("d", "k", "v"), shape="container",
                                tangents={"d": "without_key(d_dot, k)", "v": "{k: v_dot}"},
                                vector_tangents={"d": "without_key(d_dot, k)", "v": "{k: v_dot}"},
                                adjoints={"d": "without_key(g, k)", "v": "component(g, k)"}),
        runtime.without_key: Rule(params=("d", "k"), shape="container",
                                   tangents={"d": "without_key(d_dot, k)"},
                                   vector_tangents={"d": "without_key(d_dot, k)"},
                                   adjoints={"d": "without_key(g, k)"}),
        runtime.keys_of: ZERO,
        runtime.unsum: Rule(params=("v", "xs"), shape="container",
                            tangents={"v": "unsum(v_dot, xs)"}, adjoints={"v": "sum(g)"}),
        runtime.unstack: Rule(params=("v", "xs", "axis"), defaults={"axis": 0},
                              shape="container", tangents={"v": "unstack(v_dot, xs, axis)"},
                              adjoints={"v": "np.stack(g, axis=axis)"}),
        # vector mode's helpers are linear in their tangent argument
        runtime.unreduce: Rule(params=("v", "x", "axis", "keepdims"), defaults=_REDUCE,
                               tangents={"v": "unreduce(v_dot, x, axis, keepdims)"},
                               adjoints={"v": "np.sum(g, axis=axis, keepdims=keepdims)"}),
        runtime.extreme_mask: Rule(params=("x", "out", "axis", "keepdims"), defaults=_REDUCE),
        runtime.uncumsum: Rule(params=("v", "x", "axis"), defaults={"axis": None},
                               tangents={"v": "uncumsum(v_dot, x, axis)"},
                               adjoints={"v": "np.cumsum(g, axis)"}),
        runtime.concatenated_part: Rule(params=("v", "xs", "k", "axis"), defaults={"axis": 0},
                                        tangents={"v": "concatenated_part(v_dot, xs, k, axis)"}),
        runtime.untake: Rule(params=("v", "x", "indices", "axis"), defaults={"axis": None},
                             tangents={"v": "untake(v_dot, x, indices, axis)"},
                             adjoints={"v": "np.take(g, indices, axis=axis)"}),
        runtime.untranspose: Rule(params=("v", "axes"), defaults={"axes": None},
                                  tangents={"v": "untranspose(v_dot, axes)"},
                                  adjoints={"v": "np.transpose(g, axes)"}),
        runtime.lift: Rule(params=("v", "out"), tangents={"v": "lift(v_dot, out)"}),
        runtime.spread: Rule(params=("v", "out"), tangents={"v": "spread(v_dot, out)"},
                             adjoints={"v": "unbroadcast(g, v)"}),
        runtime.sum_each: Rule(params=("v", "axis", "keepdims"), defaults=_REDUCE,
                               tangents={"v": "sum_each(v_dot, axis, keepdims)"}),
        runtime.dot_each_left: Rule(params=("v", "y"), tangents={"v": "dot_each_left(v_dot, y)"}),
        runtime.unbroadcast_each: Rule(params=("v", "x"),
                                       tangents={"v": "unbroadcast_each(v_dot, x)"}),
        # a write ``a[i] = v`` is ``a = with_item(a, i, v)`` to the analyses (see normalize)
        runtime.with_item: Rule(params=("x", "index", "v", "like"), defaults={"like": None},
                                shape="first",
                                tangents={"x": "with_item(x_dot, index, 0.0, x)",
                                          "v": "with_item(0.0, index, v_dot, x)"},
                                vector_tangents={"x": "with_item_each(x_dot, index, 0.0, x)",
                                                 "v": "with_item_each(0.0, index, v_dot, x)"},
                                adjoints={"x": "with_item(g, index, 0.0, x)",
                                          "v": "unbroadcast(item(g, index), v)"}),
        runtime.with_item_each: Rule(params=("t", "index", "v", "like"), shape="first",
                                     tangents={"t": "with_item_each(t_dot, index, 0.0, like)",
                                               "v": "with_item_each(0.0, index, v_dot, like)"}),
        runtime.times_each: Rule(params=("v", "partial", "out"),
                                 tangents={"v": "times_each(v_dot, partial, out)",
                                           "partial": "times_each(v, partial_dot, out)"}),
        runtime.owned: Rule(params=("v", "like"), shape="reduce",
                            tangents={"v": "owned(v_dot, like)"},
                            vector_tangents={"v": "lift(v_dot, like)"},
                            adjoints={"v": "unbroadcast(g, v)"}),
        runtime.item: Rule(params=("v", "index"), shape="reduce",
                           tangents={"v": "item(v_dot, index)"},
                           vector_tangents={"v": "item_each(v_dot, index)"},
                           adjoints={"v": "scatter(g, v, index)"}),
        runtime.item_each: Rule(params=("v", "index"), shape="reduce",
                                tangents={"v": "item_each(v_dot, index)"}),
        runtime.scatter_each: Rule(params=("v", "x", "index"),
                                   tangents={"v": "scatter_each(v_dot, x, index)"}),
    }


CALLS = {**_numpy_rows(), **_math_rows(), **_builtin_rows(), **_runtime_rows()}
