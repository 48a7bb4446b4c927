"""The rule tables. One line per rule; partials use ``x``, ``y`` for the arguments and ``out``
for the result. ``np.`` and ``math.`` are spelled with the user's own aliases when emitted,
and ``np.f`` becomes ``math.f`` when every operand is a Python scalar (faster, same value).
"""
from __future__ import annotations

import builtins
import dataclasses
import functools
import math
import operator

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
    gast.MatMult: Rule(params=("x", "y"), adjoints={"x": "matmul_adjoint_x(g, x, y)",
                                                     "y": "matmul_adjoint_y(g, x, y)"},
                       tangents={"x": "x_dot @ y", "y": "x @ y_dot"},
                       vector_tangents={"x": "matmul_each_left(x_dot, x, y)",
                                        "y": "matmul_each_right(x, y_dot, y)"},
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
    "power": ("y * x ** (y - 1)", "out * np.log(x)"),
    "arctan2": ("y / (x ** 2 + y ** 2)", "-x / (x ** 2 + y ** 2)"),  # arctan2(x1=x, x2=y)
    "hypot": ("x / out", "y / out"),
    "logaddexp": ("np.exp(x - out)", "np.exp(y - out)"),
    "logaddexp2": ("np.exp2(x - out)", "np.exp2(y - out)"),
    "float_power": ("y * x ** (y - 1)", "out * np.log(x)"),
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


def _numpy_rows() -> dict:
    rows = {getattr(np, n): ew(d) for n, d in _UNARY.items() if hasattr(np, n)}
    rows[np.absolute] = rows[np.abs]
    # of real values (sourcead refuses complex ones): the value itself, or zeros
    rows.update({np.real: ew("1"), np.conjugate: ew("1"), np.real_if_close: ew("1"),
                 np.imag: CONSTANT})
    rows.update({getattr(np, n): ew(*d) for n, d in _BINARY.items() if hasattr(np, n)})
    rows.update({getattr(np, n): ZERO for n in _INTEGER_VALUED if hasattr(np, n)})
    rows[np.sinc] = ew("sinc_derivative(x)")
    rows[np.broadcast] = ZERO  # a shape, read by shape-only arguments
    rows.update(_array_rows())
    rows.update(_product_rows())
    rows.update(_shape_rows())
    rows.update(_linalg_rows())
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
    """A reduction over ``axis``: its vector tangent is the tangent reduced over the same axes
    of each direction (``each_axis``)."""
    return Rule(params=("x", "axis", "keepdims"), defaults=_REDUCE, shape="reduction",
                adjoints={"x": adjoint}, tangents={"x": tangent},
                vector_tangents={"x": "axis=each_axis(axis, x)".join(tangent.rsplit("axis=axis", 1))})


_centered = "x - np.mean(x, axis=axis, keepdims=True)"
# how many elements each variance divides by: N - ddof
_DDOF_COUNT = "(np.size(x) / np.size(out) - ddof)"


def _ddof_row(adjoint: str, tangent: str) -> Rule:
    """``np.var`` / ``np.std`` with ``ddof`` written in the call (N - ddof divides)."""
    row = _reduction("var", adjoint, tangent)
    return dataclasses.replace(row, params=row.params + ("ddof",),
                               defaults={**row.defaults, "ddof": 0})


def _with_ddof(row: Rule):
    """The row for a call that gives ``ddof`` (as a constant) other than 0."""
    return lambda constants: row if constants.get("ddof", 0) != 0 else None


def _reshaping(tangent: str, params: tuple[str, ...], defaults=None, vector=None) -> Rule:
    """Rows that only rearrange elements: the adjoint puts them back in ``x``'s shape."""
    return Rule(params=params, defaults=defaults or {}, shape="reduce",
                adjoints={"x": "np.reshape(g, np.shape(x))"}, tangents={"x": tangent},
                vector_tangents={"x": vector} if vector else {})


_SLOPE = "norm_slope(x, out, ord, axis, keepdims)"


def _refused_norm(constants: dict) -> str | None:
    ord_ = constants.get("ord")
    if ord_ in ("nuc", -1, -2) or (isinstance(ord_, (int, float)) and ord_ not in (0, 1, 2)):
        return (f"with ord={ord_!r} (sourcead differentiates ord None, 2, 1, inf, -inf, 0 "
                "of vectors and None, 'fro' of matrices)")
    return None


# np.array of values written in the call, or of a list variable (of a number or an array,
# np.array is a copy: ``conversions`` writes it np.copy)
_AS_ARRAY = Rule(params=("xs",), sequences=("xs",), shape="reduce",
                 adjoints={"xs": "g[k]"}, tangents={"xs": "np.array(xs_dot)"},
                 vector_tangents={"xs": "stack_each(xs_dot, xs, 0)"},
                 list_adjoints={"xs": "unstack(g, xs)"})


def _array_rows() -> dict:
    """Reductions with axis/keepdims, shapes, and piecewise elementwise functions."""
    unreduce = "unreduce(g, x, axis, keepdims)"
    mask = "extreme_mask(x, out, axis, keepdims)"
    extreme = _reduction("max", f"{unreduce} * {mask}",
                         f"np.sum(x_dot * {mask}, axis=axis, keepdims=keepdims)")
    return {
        np.mean: _reduction("mean", "unreduce(g * (np.size(out) / np.size(x)), x, axis, keepdims)",
                            "np.mean(x_dot, axis=axis, keepdims=keepdims)"),
        np.max: extreme, np.min: extreme, np.amax: extreme, np.amin: extreme,
        np.reshape: _reshaping("np.reshape(x_dot, shape)", ("x", "shape"), vector=(
            "on_directions(np.reshape, x_dot, each_shape(x_dot, shape))")),
        np.ravel: _reshaping("np.ravel(x_dot)", ("x",), vector=(
            "on_directions(np.reshape, x_dot, each_shape(x_dot, -1))")),
        np.transpose: Rule(params=("x", "axes"), defaults={"axes": None}, shape="reduce",
                           adjoints={"x": "untranspose(g, axes)"},
                           tangents={"x": "np.transpose(x_dot, axes)"},
                           vector_tangents={"x": "on_directions(np.transpose, x_dot, "
                                                 "each_permutation(axes, x))"}),
        np.cross: _bilinear("np.cross", "cross_adjoint_x", "cross_adjoint_y", vector={
            "x": "cross_each_left(x_dot, x, y)", "y": "cross_each_right(x, y_dot, y)"}),
        np.outer: Rule(params=("x", "y"), shape="reduce",
                       adjoints={"x": "np.reshape(np.dot(g, np.ravel(y)), np.shape(x))",
                                 "y": "np.reshape(np.dot(np.ravel(x), g), np.shape(y))"},
                       tangents={"x": "np.outer(x_dot, y)", "y": "np.outer(x, y_dot)"}),
        np.var: dataclasses.replace(_reduction(
            "var", f"{unreduce} * 2 * ({_centered}) * (np.size(out) / np.size(x))",
            f"2 * np.mean(({_centered}) * x_dot, axis=axis, keepdims=keepdims)"),
            specialize=_with_ddof(_ddof_row(
                f"{unreduce} * 2 * ({_centered}) / {_DDOF_COUNT}",
                f"2 * np.sum(({_centered}) * x_dot, axis=axis, keepdims=keepdims) / "
                f"{_DDOF_COUNT}"))),
        # (where the elements are equal the std is 0 and so is its derivative: deviations
        # are exactly 0 there, and reciprocal_or_zero(0.0) is 0, at every order)
        np.std: dataclasses.replace(_reduction(
            "std", "unreduce(g * reciprocal_or_zero(out), x, axis, keepdims) * "
                   "deviations(x, axis) * (np.size(out) / np.size(x))",
            "np.mean(deviations(x, axis) * x_dot, axis=axis, keepdims=keepdims) "
            "* reciprocal_or_zero(out)"),
            specialize=_with_ddof(_ddof_row(
                "unreduce(g * reciprocal_or_zero(out), x, axis, keepdims) * "
                f"deviations(x, axis) / {_DDOF_COUNT}",
                "np.sum(deviations(x, axis) * x_dot, axis=axis, keepdims=keepdims) "
                f"* reciprocal_or_zero(out) / {_DDOF_COUNT}"))),
        # prod: exact where elements are 0 (to second order; a third is refused). cumprod
        # divides by x: at an element equal to 0 its derivative is NaN (with NumPy's
        # warning), never a wrong finite number
        np.prod: _reduction("prod", "unreduce(g, x, axis, keepdims) * prod_others(x, axis)",
                            "np.sum(x_dot * prod_others(x, axis), axis=axis, keepdims=keepdims)"),
        np.cumprod: Rule(params=("x", "axis"), defaults={"axis": None}, shape="reduce",
                         adjoints={"x": "uncumsum(g * out, x, axis) / x"},
                         tangents={"x": "out * np.cumsum(x_dot / x, axis)"},
                         vector_tangents={"x": "out * cumsum_each(x_dot / x, axis)"}),
        np.linalg.norm: Rule(params=("x", "ord", "axis", "keepdims"), shape="reduction",
                             defaults={"ord": None, **_REDUCE}, specialize=_refused_norm,
                             adjoints={"x": f"unreduce(g, x, axis, keepdims) * {_SLOPE}"},
                             tangents={"x": f"np.sum(x_dot * {_SLOPE}, axis=axis, "
                                            "keepdims=keepdims)"},
                             vector_tangents={"x": f"np.sum(x_dot * {_SLOPE}, axis=each_axis("
                                                   "axis, x), keepdims=keepdims)"}),
        np.sort: Rule(params=("a", "axis"), defaults={"axis": -1}, shape="reduce",
                      adjoints={"a": "unsorted(g, a, axis)"},
                      tangents={"a": "sorted_like(a_dot, a, axis)"},
                      vector_tangents={"a": "sorted_like_each(a_dot, a, axis)"}),
        np.diff: Rule(params=("x", "n", "axis"), defaults={"n": 1, "axis": -1}, shape="reduce",
                      adjoints={"x": "undiff(g, n, axis)"},
                      tangents={"x": "np.diff(x_dot, n, axis)"},
                      vector_tangents={"x": "on_directions(np.diff, x_dot, n, each_axis(axis, x))"}),
        np.cumsum: Rule(params=("x", "axis"), defaults={"axis": None}, shape="reduce",
                        adjoints={"x": "uncumsum(g, x, axis)"},
                        tangents={"x": "np.cumsum(x_dot, axis)"},
                        vector_tangents={"x": "cumsum_each(x_dot, axis)"}),
        np.squeeze: _reshaping("np.squeeze(x_dot, axis)", ("x", "axis"), {"axis": None}, vector=(
            "on_directions(np.squeeze, x_dot, each_squeezed(axis, x))")),
        np.expand_dims: _reshaping("np.expand_dims(x_dot, axis)", ("x", "axis"), vector=(
            "on_directions(np.expand_dims, x_dot, each_axis(axis, out))")),
        np.broadcast_to: Rule(params=("x", "shape"), shape="reduce",
                              adjoints={"x": "unbroadcast(g, x)"},
                              tangents={"x": "np.broadcast_to(x_dot, shape)"}),
        np.flip: Rule(params=("x", "axis"), defaults={"axis": None}, shape="reduce",
                      adjoints={"x": "np.flip(g, axis)"}, tangents={"x": "np.flip(x_dot, axis)"},
                      vector_tangents={"x": "on_directions(np.flip, x_dot, each_axis(axis, x))"}),
        np.flipud: Rule(params=("x",), shape="reduce", adjoints={"x": "np.flipud(g)"},
                        tangents={"x": "np.flipud(x_dot)"},
                        vector_tangents={"x": "on_directions(np.flip, x_dot, 1)"}),
        np.fliplr: Rule(params=("x",), shape="reduce", adjoints={"x": "np.fliplr(g)"},
                        tangents={"x": "np.fliplr(x_dot)"},
                        vector_tangents={"x": "on_directions(np.flip, x_dot, 2)"}),
        np.rot90: Rule(params=("x", "k", "axes"), defaults={"k": 1, "axes": (0, 1)},
                       shape="reduce", adjoints={"x": "np.rot90(g, -k, axes)"},
                       tangents={"x": "np.rot90(x_dot, k, axes)"},
                       vector_tangents={"x": "rot90_each(x_dot, k, axes, x)"}),
        # the diagonal of a matrix, or the matrix of a diagonal (each the other's adjoint)
        np.diag: Rule(params=("x", "k"), defaults={"k": 0}, shape="reduce",
                      adjoints={"x": "undiag(g, x, k)"}, tangents={"x": "np.diag(x_dot, k)"},
                      vector_tangents={"x": "diag_each(x_dot, x, k)"}),
        np.diagonal: Rule(params=("x", "offset", "axis1", "axis2"),
                          defaults={"offset": 0, "axis1": 0, "axis2": 1}, shape="reduce",
                          adjoints={"x": "undiagonal(g, x, offset, axis1, axis2)"},
                          tangents={"x": "np.diagonal(x_dot, offset, axis1, axis2)"},
                          vector_tangents={"x": "diagonal_each(x_dot, x, offset, axis1, axis2)"}),
        np.diagflat: Rule(params=("x", "k"), defaults={"k": 0}, shape="reduce",
                          adjoints={"x": "np.reshape(np.diag(g, k), np.shape(x))"},
                          tangents={"x": "np.diagflat(x_dot, k)"},
                          vector_tangents={"x": "diag_each(on_directions(np.reshape, x_dot, "
                                                "each_shape(x_dot, -1)), np.ravel(x), k)"}),
        # an array filled with a value: the value's adjoint is the sum of the array's
        np.full: Rule(params=("shape", "x"), shape="reduce", adjoints={"x": "unbroadcast(g, x)"},
                      tangents={"x": "np.full(shape, x_dot)"},
                      vector_tangents={"x": "full_each(x_dot, shape, x)"}),
        np.full_like: Rule(params=("a", "x"), shape="reduce",
                           adjoints={"x": "unbroadcast(g, x)"},
                           tangents={"x": "np.full(np.shape(a), x_dot)"},
                           vector_tangents={"x": "full_each(x_dot, np.shape(a), x)"}),
        np.swapaxes: Rule(params=("x", "a", "b"), shape="reduce",
                          adjoints={"x": "np.swapaxes(g, a, b)"},
                          tangents={"x": "np.swapaxes(x_dot, a, b)"},
                          vector_tangents={"x": "on_directions(np.swapaxes, x_dot, "
                                                "each_axis(a, x), each_axis(b, x))"}),
        np.moveaxis: Rule(params=("x", "source", "destination"), shape="reduce",
                          adjoints={"x": "np.moveaxis(g, destination, source)"},
                          tangents={"x": "np.moveaxis(x_dot, source, destination)"},
                          vector_tangents={"x": "on_directions(np.moveaxis, x_dot, "
                                                "each_axis(source, x), each_axis(destination, x))"}),
        np.roll: Rule(params=("x", "shift", "axis"), defaults={"axis": None}, shape="reduce",
                      adjoints={"x": "np.roll(g, -shift, axis)"},
                      tangents={"x": "np.roll(x_dot, shift, axis)"},
                      vector_tangents={"x": "roll_each(x_dot, shift, axis)"}),
        # arrays built from lists of values: each element gets its part of the adjoint
        np.array: _AS_ARRAY, np.asarray: _AS_ARRAY,
        np.stack: Rule(params=("xs", "axis"), defaults={"axis": 0}, sequences=("xs",),
                       shape="reduce", adjoints={"xs": "np.take(g, k, axis=axis)"},
                       list_adjoints={"xs": "unstack(g, xs, axis)"},
                       tangents={"xs": "np.stack(xs_dot, axis=axis)"},
                       vector_tangents={"xs": "stack_each(xs_dot, xs, axis)"}),
        np.concatenate: Rule(params=("xs", "axis"), defaults={"axis": 0}, sequences=("xs",),
                             shape="reduce", adjoints={"xs": "concatenated_part(g, xs, k, axis)"},
                             tangents={"xs": "np.concatenate(xs_dot, axis=axis)"},
                             vector_tangents={"xs": "concatenate_each(xs_dot, xs, axis)"}),
        np.take: Rule(params=("x", "indices", "axis"), defaults={"axis": None}, shape="reduce",
                      adjoints={"x": "untake(g, x, indices, axis)"},
                      tangents={"x": "np.take(x_dot, indices, axis=axis)"},
                      vector_tangents={"x": "take_each(x_dot, indices, axis)"}),
        np.maximum: ew("x >= y", "x < y"),       # a tie sends the derivative to x
        np.minimum: ew("x <= y", "x > y"),
        np.fmax: ew("x >= y", "x < y"),
        np.fmin: ew("x <= y", "x > y"),
        np.where: Rule(params=("c", "x", "y"), partials=(None, "c", "np.logical_not(c)")),
        np.clip: Rule(params=("x", "lo", "hi"),
                      partials=("(x >= lo) & (x <= hi)", "x < lo", "x > hi")),
        np.copy: ew("1"),
    }


def _bilinear(function: str, left: str, right: str, extra: str = "", vector=None) -> Rule:
    """``function(x, y, extra...)``, linear in each argument; ``left``/``right`` name the
    helpers giving the adjoints of x and y (each has rows of its own, see _runtime_rows)."""
    args = f", {extra}" if extra else ""
    params = ("x", "y") + tuple(p.strip() for p in extra.split(",") if p.strip())
    return Rule(params=params, shape="reduce",
                tangents={"x": f"{function}(x_dot, y{args})", "y": f"{function}(x, y_dot{args})"},
                adjoints={"x": f"{left}(g, x, y{args})", "y": f"{right}(g, x, y{args})"},
                vector_tangents=vector or {})


def _adjoint_of_bilinear(function: str, left: str, right: str, side: str, extra: str = ""):
    """Rows of the helpers ``left(v, x, y)`` / ``right(v, x, y)`` that give a bilinear
    function's adjoints: linear in ``v`` and in the other argument, so that gradients can be
    differentiated again in both modes. ``<w, left(v, x, y)> = <v, function(w, y)>``."""
    args = f", {extra}" if extra else ""
    params = ("v", "x", "y") + tuple(p.strip() for p in extra.split(",") if p.strip())
    helper = left if side == "x" else right
    if side == "x":
        return Rule(params=params, tangents={"v": f"{left}(v_dot, x, y{args})",
                                             "y": f"{left}(v, x, y_dot{args})"},
                    adjoints={"v": f"{function}(g, y{args})", "y": f"{right}(v, g, y{args})"})
    return Rule(params=params, tangents={"v": f"{right}(v_dot, x, y{args})",
                                         "x": f"{right}(v, x_dot, y{args})"},
                adjoints={"v": f"{function}(x, g{args})", "x": f"{left}(v, x, g{args})"})


_EINSUM_SLOTS = ("a", "b", "c")
_EINSUM_TANGENTS = {s: "np.einsum(subscripts, " + ", ".join(
    f"{t}_dot" if t == s else t for t in _EINSUM_SLOTS) + ")" for s in _EINSUM_SLOTS}


def _einsum_specialized(constants: dict) -> "str | Rule | None":
    subscripts = constants.get("subscripts")
    if not isinstance(subscripts, str):
        return "with subscripts that are not a string written in the call"
    if "->" not in subscripts or "." in subscripts:
        return ("in implicit mode or with '...' (write the output subscripts, e.g. "
                "np.einsum('ij,jk->ik', a, b))")
    return _einsum_as_einsums(subscripts.replace(" ", ""))


@functools.lru_cache(maxsize=None)
def _einsum_as_einsums(subscripts: str) -> Rule | None:
    """When no operand repeats a letter or sums one alone, operand k's adjoint is the einsum
    of the output's adjoint with the other operands, written to k's subscripts
    ('ij,jk->ik': a_bar = np.einsum('ik,jk->ij', g, b)): einsums all the way down, so every
    order works. Vector mode adds a letter for the directions. Otherwise None (the general
    row, through einsum_adjoint)."""
    inputs, output = subscripts.split("->")
    inputs = inputs.split(",")
    if len(inputs) > len(_EINSUM_SLOTS):
        return None
    for k, own in enumerate(inputs):
        others = set(output).union(*[set(s) for j, s in enumerate(inputs) if j != k])
        if len(set(own)) != len(own) or not set(own) <= others:
            return None
    free = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                if c not in subscripts)
    slots = _EINSUM_SLOTS[:len(inputs)]
    adjoints, vector = {}, {}
    for k, (slot, own) in enumerate(zip(slots, inputs)):
        spec = ",".join([output] + [s for j, s in enumerate(inputs) if j != k]) + "->" + own
        rest = ", ".join(s for j, s in enumerate(slots) if j != k)
        adjoints[slot] = f"np.einsum({spec!r}, g, {rest})" if rest else f"np.einsum({spec!r}, g)"
        each = ",".join(free + s if j == k else s for j, s in enumerate(inputs)) + "->" + free + output
        vector[slot] = "np.einsum(" + repr(each) + ", " + ", ".join(
            f"{s}_dot" if j == k else s for j, s in enumerate(slots)) + ")"
    return Rule(params=("subscripts",) + _EINSUM_SLOTS, shape="reduce",
                defaults={"b": None, "c": None}, tangents=_EINSUM_TANGENTS,
                adjoints=adjoints, vector_tangents=vector)


def _einsum_adjoint(k: int) -> str:
    """Operand k's adjoint; operand k itself is passed by its shape (only that is read)."""
    slots = [f"np.shape({s})" if j == k else s for j, s in enumerate(_EINSUM_SLOTS)]
    return f"einsum_adjoint(g, subscripts, {k}, {', '.join(slots)})"


def _product_rows() -> dict:
    matmul_vector = {"x": "matmul_each_left(x_dot, x, y)", "y": "matmul_each_right(x, y_dot, y)"}
    return {
        np.matmul: _bilinear("np.matmul", "matmul_adjoint_x", "matmul_adjoint_y",
                             vector=matmul_vector),
        np.tensordot: Rule(**{**_bilinear("np.tensordot", "tensordot_adjoint_x",
                                          "tensordot_adjoint_y", "axes").__dict__,
                              "defaults": {"axes": 2},
                              "vector_tangents": {
                                  "x": "tensordot_each_left(x_dot, x, y, axes)",
                                  "y": "tensordot_each_right(x, y_dot, y, axes)"}}),
        np.inner: Rule(params=("x", "y"), shape="reduce",
                       tangents={"x": "np.inner(x_dot, y)", "y": "np.inner(x, y_dot)"},
                       adjoints={"x": "tensordot_adjoint_x(g, x, y, inner_axes(x, y))",
                                 "y": "tensordot_adjoint_y(g, x, y, inner_axes(x, y))"},
                       vector_tangents={
                           "x": "tensordot_each_left(x_dot, x, y, inner_axes(x, y))",
                           "y": "tensordot_each_right(x, y_dot, y, inner_axes(x, y))"}),
        np.kron: _bilinear("np.kron", "kron_adjoint_x", "kron_adjoint_y"),
        np.einsum: Rule(params=("subscripts",) + _EINSUM_SLOTS, shape="reduce",
                        defaults={"b": None, "c": None}, specialize=_einsum_specialized,
                        tangents=_EINSUM_TANGENTS,
                        adjoints={s: _einsum_adjoint(k) for k, s in enumerate(_EINSUM_SLOTS)}),
        np.trace: Rule(params=("x", "offset", "axis1", "axis2"), shape="reduce",
                       defaults={"offset": 0, "axis1": 0, "axis2": 1},
                       tangents={"x": "np.trace(x_dot, offset, axis1, axis2)"},
                       adjoints={"x": "untrace(g, x, offset, axis1, axis2)"},
                       vector_tangents={"x": "np.trace(x_dot, offset, each_axis(axis1, x), "
                                             "each_axis(axis2, x))"}),
    }


def _joined(function: str, how: str) -> Rule:
    """hstack / vstack of a list written in the call: each array gets its slice back."""
    return Rule(params=("xs",), sequences=("xs",), shape="reduce",
                adjoints={"xs": f"concatenated_part(g, xs, k, {how!r})"},
                tangents={"xs": f"{function}(xs_dot)"},
                vector_tangents={"xs": f"concatenate_each(xs_dot, xs, {how!r})"})


def _split(function) -> Rule:
    """The parts are a tuple: their adjoint is a tuple of adjoints (or a plain zero)."""
    return Rule(params=("x", "indices_or_sections", "axis"), defaults={"axis": 0},
                shape="tuple", adjoints={"x": "unsplit(g, x, indices_or_sections, axis)"},
                tangents={"x": "split_parts(x_dot, indices_or_sections, axis)"},
                vector_tangents={"x": "split_each(x_dot, indices_or_sections, axis)"})


def _shape_rows() -> dict:
    return {
        np.hstack: _joined("np.hstack", "hstack"),
        np.vstack: _joined("np.vstack", "vstack"),
        np.split: _split(np.split), np.array_split: _split(np.array_split),
        np.tile: Rule(params=("x", "reps"), shape="reduce", adjoints={"x": "untile(g, x, reps)"},
                      tangents={"x": "np.tile(x_dot, reps)"}),
        np.repeat: Rule(params=("x", "repeats", "axis"), defaults={"axis": None}, shape="reduce",
                        adjoints={"x": "untake(g, x, repeat_indices(x, repeats, axis), axis)"},
                        tangents={"x": "np.repeat(x_dot, repeats, axis)"},
                        vector_tangents={"x": "take_each(x_dot, repeat_indices(x, repeats, axis), "
                                              "axis)"}),
        # (of a vector: the matrix whose rows are copies of it, then the triangle)
        np.tril: Rule(params=("x", "k"), defaults={"k": 0}, shape="reduce",
                      adjoints={"x": "unbroadcast(np.tril(g, k), x)"},
                      tangents={"x": "np.tril(x_dot, k)"},
                      vector_tangents={"x": "np.tril(lift(x_dot, out), k)"}),
        np.triu: Rule(params=("x", "k"), defaults={"k": 0}, shape="reduce",
                      adjoints={"x": "unbroadcast(np.triu(g, k), x)"},
                      tangents={"x": "np.triu(x_dot, k)"},
                      vector_tangents={"x": "np.triu(lift(x_dot, out), k)"}),
        np.copy: ew("1"),
        # a conversion that keeps the value: to float64 (an array stays one; np.real and
        # np.imag of real values are with the elementwise rows)
        np.float64: ew("1"),
        # x.item(): the number in a one-element array, which is its sum (with an index, refused)
        np.ndarray.item: Rule(params=("x",), shape="reduction", adjoints={"x": "unreduce(g, x)"},
                              tangents={"x": "np.sum(x_dot)"},
                              vector_tangents={"x": "sum_each(x_dot)"}),
        **{f: _reshaping(f"np.{f.__name__}(x_dot)", ("x",), vector=(
            "on_directions(np.reshape, x_dot, each_shape(x_dot, np.shape(out)))"))
           for f in (np.atleast_1d, np.atleast_2d, np.atleast_3d)},
    }


def _refused_svd(constants: dict) -> str | None:
    if constants.get("compute_uv") is not False or constants.get("hermitian"):
        return ("with compute_uv=True (only the singular values, compute_uv=False, are "
                "differentiated; for singular vectors use np.linalg.eigh of x.T @ x)")
    return None


def _T(x: str) -> str:
    return f"np.swapaxes({x}, -1, -2)"


def _singular_vectors(x: str) -> str:
    tall = f"untall({x}, {x})"
    return f"np.flip(np.linalg.eigh(np.matmul({_T(tall)}, {tall}))[1], -1)"


def _singular_tangent(x: str, x_dot: str, s: str) -> str:
    """The tangent of the singular values ``s`` of ``x``."""
    tall, vectors = f"untall({x}, {x})", _singular_vectors(x)
    return (f"np.sum({vectors} * np.matmul(np.matmul({_T(tall)}, untall({x_dot}, {x})), "
            f"{vectors}), axis=-2) / {s}")


def _singular_adjoint(x: str, g: str, s: str) -> str:
    """The adjoint of ``x`` from the adjoint ``g`` of its singular values ``s``."""
    tall, vectors = f"untall({x}, {x})", _singular_vectors(x)
    return (f"untall(np.matmul({tall}, np.matmul({vectors} * np.expand_dims({g} / {s}, -2), "
            f"{_T(vectors)})), {x})")


def _lstsq() -> Rule:
    """``x, residuals, rank, s = np.linalg.lstsq(a, b)`` for ``a`` of full column rank:
    x = (a^T a)^-1 a^T b. The residuals are stationary in x (a^T r = 0), so their derivative
    holds x fixed. The tangents are tuples of tangents built with ``with_component`` (whose
    object arrays add component by component)."""
    x, r, gram = "out[0]", "(b - np.matmul(a, out[0]))", f"np.matmul({_T('a')}, a)"

    def parts(dx: str, dres: str, ds: str) -> str:
        inner = f"with_component(with_component(0.0, 0, {dx}, out), 1, shaped_like({dres}, out[1]), out)"
        return f"with_component({inner}, 3, {ds}, out)" if ds else inner

    dx_a = (f"np.linalg.solve({gram}, np.matmul({_T('a_dot')}, {r}) - np.matmul({_T('a')}, "
            f"np.matmul(a_dot, {x})))")
    dres_a = f"-2 * np.sum({r} * np.matmul(a_dot, {x}), axis=0)"
    z = f"np.linalg.solve({gram}, component(g, 0) + np.zeros_like({x}))"
    b_bar = f"(np.matmul(a, {z}) + 2 * {r} * shaped_like(component(g, 1), np.sum({r}, axis=0)))"
    return Rule(params=("a", "b", "rcond"), defaults={"rcond": None}, shape="tuple",
                tangents={"a": parts(dx_a, dres_a, _singular_tangent("a", "a_dot", "out[3]")),
                          "b": parts(f"np.linalg.solve({gram}, np.matmul({_T('a')}, b_dot))",
                                     f"2 * np.sum({r} * b_dot, axis=0)", "")},
                adjoints={"a": f"matmul_adjoint_x({r}, a, {z}) - matmul_adjoint_x({b_bar}, a, "
                               f"{x}) + {_singular_adjoint('a', 'component(g, 3)', 'out[3]')}",
                          "b": b_bar})


def _linalg_rows() -> dict:
    """Templates built only from operations with rules, so every order works. Matrices are
    the last two axes (stacks of matrices work) except for eigh (one matrix)."""
    inv_t = _T("out")
    solve_lower = (f"np.linalg.solve(out, {_T('np.linalg.solve(out, ' + _T('lower_symmetric(x_dot)') + ')')})")
    lt = _T("out")
    chol_adjoint = (f"fold_lower(np.linalg.solve({lt}, {_T(f'np.linalg.solve({lt}, ' + _T(f'lower_half(np.matmul({lt}, g))') + ')')}))")
    logdet_dot = "np.trace(np.linalg.solve(x, x_dot), axis1=-2, axis2=-1)"
    w, v = "out[0]", "out[1]"
    gaps = (f"(1.0 / (np.expand_dims({w}, -2) - np.expand_dims({w}, -1) + eye_like({w}))"
            f" - eye_like({w}))")
    e = "lower_symmetric(x_dot)"
    eigh_dot = (f"(np.sum({v} * np.matmul({e}, {v}), axis=-2), "
                f"np.matmul({v}, {gaps} * np.matmul({_T(v)}, np.matmul({e}, {v}))))")
    eigh_bar = (f"fold_lower(np.matmul({v}, np.matmul(np.expand_dims(component(g, 0), -1) * "
                f"eye_like({w}) + {gaps} * np.matmul({_T(v)}, component(g, 1) + np.zeros_like({v})), "
                f"{_T(v)})))")
    vectors = "np.linalg.eigh(x)[1]"  # eigvalsh: the eigenvalues alone, as eigh's first part
    eigvals_dot = f"np.sum({vectors} * np.matmul({e}, {vectors}), axis=-2)"
    eigvals_bar = f"fold_lower(np.matmul({vectors} * np.expand_dims(g, -2), {_T(vectors)}))"
    p, a = "out", "x"
    pinv_dot = (f"-np.matmul({p}, np.matmul(x_dot, {p})) + np.matmul(np.matmul({p}, {_T(p)}), "
                f"{_T('x_dot')} - np.matmul({_T('x_dot')}, np.matmul({a}, {p}))) + np.matmul("
                f"{_T('x_dot')} - np.matmul({p}, np.matmul({a}, {_T('x_dot')})), "
                f"np.matmul({_T(p)}, {p}))")
    pinv_bar = (f"-np.matmul({_T(p)}, np.matmul(g, {_T(p)})) + np.matmul({_T('g')} - np.matmul("
                f"{a}, np.matmul({p}, {_T('g')})), np.matmul({p}, {_T(p)})) + np.matmul("
                f"np.matmul({_T(p)}, {p}), {_T('g')} - np.matmul({_T('g')}, np.matmul({p}, {a})))")
    # singular values of x: the square roots of the eigenvalues of tall.T @ tall (tall is x
    # or its transpose), largest first; needs distinct, nonzero singular values
    # (the templates act on the last two axes, so a leading axis of directions passes through)
    _singular = {"shape": "reduce", "tangents": {"x": _singular_tangent("x", "x_dot", "out")},
                 "vector_tangents": {"x": _singular_tangent("x", "x_dot", "out")},
                 "adjoints": {"x": _singular_adjoint("x", "g", "out")}}
    return {
        np.linalg.inv: Rule(params=("x",), shape="reduce",
                            tangents={"x": "-np.matmul(out, np.matmul(x_dot, out))"},
                            vector_tangents={"x": "-np.matmul(out, np.matmul(x_dot, out))"},
                            adjoints={"x": f"-np.matmul({inv_t}, np.matmul(g, {inv_t}))"}),
        np.linalg.solve: Rule(params=("a", "b"), shape="reduce",
                              tangents={"a": "-np.linalg.solve(a, np.matmul(a_dot, out))",
                                        "b": "np.linalg.solve(a, b_dot)"},
                              adjoints={"a": f"-matmul_adjoint_x(np.linalg.solve({_T('a')}, g), "
                                             "a, out)",
                                        "b": f"np.linalg.solve({_T('a')}, g)"}),
        np.linalg.det: Rule(params=("x",), shape="reduce",
                            tangents={"x": f"out * {logdet_dot}"},
                            vector_tangents={"x": f"out * {logdet_dot}"},
                            adjoints={"x": "np.expand_dims(g * out, (-2, -1)) * "
                                           f"{_T('np.linalg.inv(x)')}"}),
        np.linalg.slogdet: Rule(params=("x",), shape="tuple",
                                tangents={"x": f"(0.0, {logdet_dot})"},
                                vector_tangents={"x": f"(0.0, {logdet_dot})"},
                                adjoints={"x": "np.expand_dims(component(g, 1), (-2, -1)) * "
                                               f"{_T('np.linalg.inv(x)')}"}),
        np.linalg.cholesky: Rule(params=("x",), shape="reduce",
                                 tangents={"x": f"np.matmul(out, lower_half({solve_lower}))"},
                                 vector_tangents={"x": f"np.matmul(out, lower_half({solve_lower}))"},
                                 adjoints={"x": chol_adjoint}),
        np.linalg.eigh: Rule(params=("x",), shape="tuple", tangents={"x": eigh_dot},
                             vector_tangents={"x": eigh_dot}, adjoints={"x": eigh_bar}),
        np.linalg.svd: Rule(params=("x", "full_matrices", "compute_uv", "hermitian"),
                            defaults={"full_matrices": True, "compute_uv": True,
                                      "hermitian": False}, specialize=_refused_svd, **_singular),
        **({np.linalg.svdvals: Rule(params=("x",), **_singular)}  # NumPy >= 2.0 has svdvals
           if hasattr(np.linalg, "svdvals") else {}),
        np.linalg.lstsq: _lstsq(),
        np.linalg.eigvalsh: Rule(params=("x",), shape="reduce", tangents={"x": eigvals_dot},
                                 vector_tangents={"x": eigvals_dot}, adjoints={"x": eigvals_bar}),
        np.linalg.matrix_rank: ZERO,
        np.linalg.pinv: Rule(params=("x",), shape="reduce", tangents={"x": pinv_dot},
                             vector_tangents={"x": pinv_dot}, adjoints={"x": pinv_bar}),
    }


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


def _indexed(function: str, how: str) -> Rule:
    """``np.r_[a, b]`` / ``np.c_[a, b]`` of values written in the brackets (numbers, arrays,
    lists): each gets its part of the joined array back (``runtime._joined_parts``)."""
    return Rule(params=("xs",), sequences=("xs",), shape="reduce", indexed=True,
                adjoints={"xs": f"concatenated_part(g, xs, k, {how!r})"},
                tangents={"xs": f"{function}[xs_dot]"},
                vector_tangents={"xs": f"concatenate_each(xs_dot, xs, {how!r})"})


# objects indexed like functions are called: ``np.r_[a, b]`` joins a and b
INDEXERS = {np.r_: _indexed("np.r_", "r_"), np.c_: _indexed("np.c_", "c_")}


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


_CURVED = "norm_curvature(ord, x, axis)"
_NORM = "unreduce(norm, x, axis, keepdims)"


# ---- the helpers generated code calls: each has a rule, so generated code can be
# differentiated again (DESIGN invariant 3) --------------------------------------------------
def _runtime_rows() -> dict:
    return {
        runtime.zeros_like: CONSTANT, runtime.zero_tangent: CONSTANT,
        runtime.reached: ZERO,  # a test whether an adjoint is a plain zero: a flag
        runtime.reciprocal_or_zero: ew("-out ** 2"),
        runtime.deviations: Rule(params=("x", "axis"), defaults={"axis": None},
                                 tangents={"x": "deviations(x_dot, axis)"},
                                 vector_tangents={"x": "deviations(x_dot, each_axis(axis, x))"},
                                 adjoints={"x": "deviations(g, axis)"}),  # a projection
        runtime.unbroadcast: Rule(params=("v", "x"), tangents={"v": "unbroadcast(v_dot, x)"},
                                  vector_tangents={"v": "unbroadcast_each(v_dot, x)"},
                                  # spread back, or summed back where v was spread
                                  adjoints={"v": "unbroadcast(g, v)"}),
        runtime.scatter: Rule(params=("v", "x", "index"),
                              tangents={"v": "scatter(v_dot, x, index)"},
                              vector_tangents={"v": "scatter_each(v_dot, x, index)"},
                              adjoints={"v": "g[index]"}),
        runtime.scatter_into: Rule(params=("acc", "v", "index"),
                                   tangents={"acc": "acc_dot", "v": "scatter(v_dot, acc, index)"},
                                   vector_tangents={"acc": "acc_dot",
                                                    "v": "scatter_each(v_dot, acc, index)"},
                                   adjoints={"acc": "g", "v": "g[index]"}),
        runtime.undiag: Rule(params=("v", "x", "k"), defaults={"k": 0}, shape="reduce",
                             tangents={"v": "undiag(v_dot, x, k)"},
                             vector_tangents={"v": "undiag_each(v_dot, x, k)"},
                             adjoints={"v": "np.diag(g, k)"}),
        runtime.undiagonal: Rule(params=("v", "x", "offset", "axis1", "axis2"), shape="reduce",
                                 defaults={"offset": 0, "axis1": 0, "axis2": 1},
                                 tangents={"v": "undiagonal(v_dot, x, offset, axis1, axis2)"},
                                 vector_tangents={"v": "undiagonal_each(v_dot, x, offset, axis1, "
                                                       "axis2)"},
                                 adjoints={"v": "np.diagonal(g, offset, axis1, axis2)"}),
        runtime.cross_adjoint_x: _adjoint_of_bilinear("np.cross", "cross_adjoint_x",
                                                      "cross_adjoint_y", "x"),
        runtime.cross_adjoint_y: _adjoint_of_bilinear("np.cross", "cross_adjoint_x",
                                                      "cross_adjoint_y", "y"),
        runtime.dot_adjoint_x: _adjoint_of_bilinear("np.dot", "dot_adjoint_x", "dot_adjoint_y", "x"),
        runtime.dot_adjoint_y: _adjoint_of_bilinear("np.dot", "dot_adjoint_x", "dot_adjoint_y", "y"),
        # (matmul_or_zero: at second order an adjoint that nothing reached is a plain zero)
        runtime.matmul_adjoint_x: _adjoint_of_bilinear("matmul_or_zero", "matmul_adjoint_x",
                                                       "matmul_adjoint_y", "x"),
        runtime.matmul_or_zero: Rule(params=("a", "b"),
                                     tangents={"a": "matmul_or_zero(a_dot, b)",
                                               "b": "matmul_or_zero(a, b_dot)"},
                                     adjoints={"a": "matmul_adjoint_x(g, a, b)",
                                               "b": "matmul_adjoint_y(g, a, b)"}),
        runtime.matmul_adjoint_y: _adjoint_of_bilinear("matmul_or_zero", "matmul_adjoint_x",
                                                       "matmul_adjoint_y", "y"),
        runtime.tensordot_adjoint_x: Rule(**{**_adjoint_of_bilinear(
            "np.tensordot", "tensordot_adjoint_x", "tensordot_adjoint_y", "x", "axes").__dict__,
            "defaults": {"axes": 2}}),
        runtime.tensordot_adjoint_y: Rule(**{**_adjoint_of_bilinear(
            "np.tensordot", "tensordot_adjoint_x", "tensordot_adjoint_y", "y", "axes").__dict__,
            "defaults": {"axes": 2}}),
        runtime.kron_adjoint_x: _adjoint_of_bilinear("np.kron", "kron_adjoint_x", "kron_adjoint_y", "x"),
        runtime.kron_adjoint_y: _adjoint_of_bilinear("np.kron", "kron_adjoint_x", "kron_adjoint_y", "y"),
        runtime.einsum_adjoint: Rule(params=("v", "subscripts", "k") + _EINSUM_SLOTS,
                                     defaults={"b": None, "c": None},
                                     tangents={"v": "einsum_adjoint(v_dot, subscripts, k, a, b, c)",
                                               **{s: "einsum_adjoint(v, subscripts, k, " + ", ".join(
                                                   f"{t}_dot" if t == s else t
                                                   for t in _EINSUM_SLOTS) + ")"
                                                  for s in _EINSUM_SLOTS}}),
        runtime.untrace: Rule(params=("v", "x", "offset", "axis1", "axis2"),
                              defaults={"offset": 0, "axis1": 0, "axis2": 1},
                              tangents={"v": "untrace(v_dot, x, offset, axis1, axis2)"},
                              adjoints={"v": "np.trace(g, offset, axis1, axis2)"}),
        runtime.untile: Rule(params=("v", "x", "reps"), tangents={"v": "untile(v_dot, x, reps)"},
                             adjoints={"v": "np.tile(g, reps)"}),
        runtime.unsplit: Rule(params=("v", "x", "indices_or_sections", "axis"), defaults={"axis": 0},
                              tangents={"v": "unsplit(v_dot, x, indices_or_sections, axis)"},
                              adjoints={"v": "split_parts(g, indices_or_sections, axis)"}),
        runtime.split_parts: Rule(params=("x", "indices_or_sections", "axis"), defaults={"axis": 0},
                                  shape="tuple",
                                  tangents={"x": "split_parts(x_dot, indices_or_sections, axis)"},
                                  adjoints={"x": "unsplit(g, x, indices_or_sections, axis)"}),
        runtime.concatenated_into: Rule(params=("v", "xs", "k", "axis"), defaults={"axis": 0},
                                        tangents={"v": "concatenated_into(v_dot, xs, k, axis)"},
                                        adjoints={"v": "concatenated_part(g, xs, k, axis)"}),
        runtime.lower_symmetric: Rule(params=("x",), tangents={"x": "lower_symmetric(x_dot)"},
                                      vector_tangents={"x": "lower_symmetric(x_dot)"},
                                      adjoints={"x": "fold_lower(g)"}),
        runtime.fold_lower: Rule(params=("v",), tangents={"v": "fold_lower(v_dot)"},
                                 vector_tangents={"v": "fold_lower(v_dot)"},
                                 adjoints={"v": "lower_symmetric(g)"}),
        runtime.lower_half: Rule(params=("x",), tangents={"x": "lower_half(x_dot)"},
                                 vector_tangents={"x": "lower_half(x_dot)"},
                                 adjoints={"x": "lower_half(g)"}),
        runtime.sinc_derivative: Rule(params=("x", "n"), defaults={"n": 1},
                                      partials=("sinc_derivative(x, n + 1)", None)),
        runtime.norm_slope: Rule(params=("x", "norm", "ord", "axis", "keepdims"),
                                 defaults={"ord": None, **_REDUCE},
                                 tangents={"x": f"x_dot * {_CURVED} / {_NORM}",
                                           "norm": f"-out * ({_CURVED} * unreduce(norm_dot, x, "
                                                   f"axis, keepdims) / {_NORM})"},
                                 adjoints={"x": f"g * {_CURVED} / {_NORM}",
                                           "norm": f"-np.sum(g * out / {_NORM}, axis=axis, "
                                                   f"keepdims=keepdims) * {_CURVED}"}),
        # x.astype(dtype) stands for cast_like(x, dtype): the derivative takes the new dtype
        runtime.cast_like: Rule(params=("v", "dtype"), tangents={"v": "cast_like(v_dot, dtype)"},
                                vector_tangents={"v": "cast_like(v_dot, dtype)"},
                                adjoints={"v": "cast_like(cast_like(g, dtype), "
                                               "np.result_type(v, 0.0))"}),
        np.result_type: ZERO,
        runtime.shaped_like: Rule(params=("v", "like"), tangents={"v": "shaped_like(v_dot, like)"},
                                  adjoints={"v": "shaped_like(g, v)"}),
        runtime.untall: Rule(params=("v", "x"), tangents={"v": "untall(v_dot, x)"},
                             vector_tangents={"v": "untall(v_dot, x)"},
                             adjoints={"v": "untall(g, x)"}),
        runtime.on_directions: Rule(params=("f", "v", "a", "b"), defaults={"a": None, "b": None},
                                    tangents={"v": "on_directions(f, v_dot, a, b)"},
                                    vector_tangents={"v": "on_directions(f, v_dot, a, b)"}),
        runtime.cumsum_each: Rule(params=("v", "axis"), defaults={"axis": None},
                                  tangents={"v": "cumsum_each(v_dot, axis)"}),
        runtime.take_each: Rule(params=("v", "indices", "axis"), defaults={"axis": None},
                                tangents={"v": "take_each(v_dot, indices, axis)"}),
        runtime.roll_each: Rule(params=("v", "shift", "axis"), defaults={"axis": None},
                                tangents={"v": "roll_each(v_dot, shift, axis)"}),
        runtime.each_shape: ZERO, runtime.each_permutation: ZERO, runtime.each_squeezed: ZERO,
        runtime.prod_others: Rule(params=("x", "axis"), defaults={"axis": None},
                                  tangents={"x": "prod_others_jvp(x, x_dot, axis)"},
                                  adjoints={"x": "prod_others_jvp(x, g, axis)"}),
        runtime.prod_others_jvp: Rule(params=("x", "v", "axis"), defaults={"axis": None},
                                      tangents={"v": "prod_others_jvp(x, v_dot, axis)"},
                                      adjoints={"v": "prod_others_jvp(x, g, axis)"},
                                      underived=("x",)),
        runtime.norm_curvature: ZERO, runtime.each_axis: ZERO, runtime.inner_axes: ZERO,
        runtime.repeat_indices: ZERO, runtime.eye_like: CONSTANT,
        runtime.matmul_each_left: Rule(params=("v", "x", "y"),
                                       tangents={"v": "matmul_each_left(v_dot, x, y)"}),
        runtime.matmul_each_right: Rule(params=("x", "v", "y"),
                                        tangents={"v": "matmul_each_right(x, v_dot, y)"}),
        runtime.tensordot_each_left: Rule(params=("v", "x", "y", "axes"), defaults={"axes": 2},
                                          tangents={"v": "tensordot_each_left(v_dot, x, y, axes)"}),
        runtime.tensordot_each_right: Rule(params=("x", "v", "y", "axes"), defaults={"axes": 2},
                                           tangents={"v": "tensordot_each_right(x, v_dot, y, axes)"}),
        runtime.split_each: Rule(params=("v", "indices_or_sections", "axis"), defaults={"axis": 0},
                                 tangents={"v": "split_each(v_dot, indices_or_sections, axis)"}),
        np.ones_like: CONSTANT, np.zeros_like: CONSTANT, np.empty_like: CONSTANT,
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
        runtime.keys_of: ZERO,  # (of a dict: see analyze/flows.py for other objects)
        runtime.unextreme: Rule(params=("v", "xs", "top"), shape="container",
                                tangents={"v": "unextreme(v_dot, xs, top)"},
                                vector_tangents={"v": "unextreme_each(v_dot, xs, top)"},
                                adjoints={"v": "extreme_tangent(g, xs, top)"}),
        runtime.extreme_tangent: Rule(params=("v", "xs", "top"), shape="reduce",
                                      tangents={"v": "extreme_tangent(v_dot, xs, top)"},
                                      vector_tangents={"v": "extreme_tangent_each(v_dot, xs, top)"},
                                      adjoints={"v": "unextreme(g, xs, top)"}),
        runtime.extreme_tangent_each: Rule(params=("v", "xs", "top"), shape="reduce",
                                           tangents={"v": "extreme_tangent_each(v_dot, xs, top)"}),
        runtime.unextreme_each: Rule(params=("v", "xs", "top"), shape="container",
                                     tangents={"v": "unextreme_each(v_dot, xs, top)"}),
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
        runtime.sorted_like: Rule(params=("v", "x", "axis"), defaults={"axis": -1},
                                  tangents={"v": "sorted_like(v_dot, x, axis)"},
                                  vector_tangents={"v": "sorted_like_each(v_dot, x, axis)"},
                                  adjoints={"v": "unsorted(g, x, axis)"}),
        runtime.unsorted: Rule(params=("g", "x", "axis"), defaults={"axis": -1},
                               tangents={"g": "unsorted(g_dot, x, axis)"},
                               vector_tangents={"g": "unsorted_each(g_dot, x, axis)"},
                               adjoints={"g": "sorted_like(g, x, axis)"}),
        runtime.sorted_like_each: Rule(params=("v", "x", "axis"), defaults={"axis": -1},
                                       tangents={"v": "sorted_like_each(v_dot, x, axis)"}),
        runtime.unsorted_each: Rule(params=("v", "x", "axis"), defaults={"axis": -1},
                                    tangents={"v": "unsorted_each(v_dot, x, axis)"}),
        runtime.undiff: Rule(params=("v", "n", "axis"), defaults={"n": 1, "axis": -1},
                             tangents={"v": "undiff(v_dot, n, axis)"},
                             vector_tangents={"v": "on_directions(undiff, v_dot, n, "
                                                   "each_axis(axis, v))"},
                             adjoints={"v": "np.diff(g, n, axis)"}),
        runtime.uncumsum: Rule(params=("v", "x", "axis"), defaults={"axis": None},
                               tangents={"v": "uncumsum(v_dot, x, axis)"},
                               adjoints={"v": "np.cumsum(g, axis)"}),
        runtime.concatenated_part: Rule(params=("v", "xs", "k", "axis"), defaults={"axis": 0},
                                        tangents={"v": "concatenated_part(v_dot, xs, k, axis)"},
                                        vector_tangents={
                                            "v": "concatenated_part_each(v_dot, xs, k, axis)"},
                                        adjoints={"v": "concatenated_into(g, xs, k, axis)"}),
        runtime.concatenated_part_each: Rule(
            params=("v", "xs", "k", "axis"), defaults={"axis": 0},
            tangents={"v": "concatenated_part_each(v_dot, xs, k, axis)"}),
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
                                # shaped like the result: x may be a plain zero (an adjoint)
                                tangents={"x": "with_item(x_dot, index, 0.0, out)",
                                          "v": "with_item(0.0, index, v_dot, out)"},
                                vector_tangents={"x": "with_item_each(x_dot, index, 0.0, out)",
                                                 "v": "with_item_each(0.0, index, v_dot, out)"},
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


CALLS = {**_numpy_rows(), **_math_rows(), **_builtin_rows(), **_runtime_rows(),
         **_operator_rows()}


# ``max(xs)`` and ``min(xs)`` called with one sequence (``max(a, b)`` is the elementwise row):
# the derivative is that of the element returned
EXTREME_OF_SEQUENCE = Rule(params=("xs",), shape="reduce",
                           adjoints={"xs": "unextreme(g, xs, out)"},
                           tangents={"xs": "extreme_tangent(xs_dot, xs, out)"},
                           vector_tangents={"xs": "extreme_tangent_each(xs_dot, xs, out)"})
