"""Rows of NumPy's reductions, reshapes, joins and splits, and piecewise functions: the
functions whose derivative moves values between positions rather than combining them.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .core import Rule, elementwise as ew
from .linalg import _SLOPE, _refused_norm
from .products import _bilinear


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
    """The row for a call that gives ``ddof`` as a constant (0 included)."""
    return lambda constants: row if "ddof" in constants else None


_CROSS_AXES = "axisa, axisb, axisc, axis"
_CROSS_DEFAULTS = {"axisa": -1, "axisb": -1, "axisc": -1, "axis": None}


def _cross_with_axes(constants: dict) -> Rule | None:
    """``np.cross`` given the axes its vectors lie along: the helpers that move them last."""
    if not any(k in constants for k in _CROSS_DEFAULTS):
        return None
    row = _bilinear("np.cross", "cross_axes_adjoint_x", "cross_axes_adjoint_y", _CROSS_AXES,
                    vector={"x": f"cross_axes_each_left(x_dot, x, y, {_CROSS_AXES})",
                            "y": f"cross_axes_each_right(x, y_dot, y, {_CROSS_AXES})"})
    return dataclasses.replace(row, defaults=_CROSS_DEFAULTS)


def _reshaping(tangent: str, params: tuple[str, ...], defaults=None, vector=None) -> Rule:
    """Rows that only rearrange elements: the adjoint puts them back in ``x``'s shape."""
    return Rule(params=params, defaults=defaults or {}, shape="reduce",
                adjoints={"x": "np.reshape(g, np.shape(x))"}, tangents={"x": tangent},
                vector_tangents={"x": vector} if vector else {})


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
        np.cross: dataclasses.replace(_bilinear(
            "np.cross", "cross_adjoint_x", "cross_adjoint_y", vector={
                "x": "cross_each_left(x_dot, x, y)", "y": "cross_each_right(x, y_dot, y)"}),
            specialize=_cross_with_axes),
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
                             list_adjoints={"xs": "unconcatenated(g, xs, axis)"},
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


def _joined(function: str, how: str) -> Rule:
    """hstack / vstack of a list written in the call: each array gets its slice back."""
    return Rule(params=("xs",), sequences=("xs",), shape="reduce",
                adjoints={"xs": f"concatenated_part(g, xs, k, {how!r})"},
                list_adjoints={"xs": f"unconcatenated(g, xs, {how!r})"},
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


def _indexed(function: str, how: str) -> Rule:
    """``np.r_[a, b]`` / ``np.c_[a, b]`` of values written in the brackets (numbers, arrays,
    lists): each gets its part of the joined array back (``runtime._joined_parts``)."""
    return Rule(params=("xs",), sequences=("xs",), shape="reduce", indexed=True,
                adjoints={"xs": f"concatenated_part(g, xs, k, {how!r})"},
                list_adjoints={"xs": f"unconcatenated(g, xs, {how!r})"},
                tangents={"xs": f"{function}[xs_dot]"},
                vector_tangents={"xs": f"concatenate_each(xs_dot, xs, {how!r})"})
