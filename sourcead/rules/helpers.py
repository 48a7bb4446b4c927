"""Rows of the helpers generated code calls: each has a rule, so generated code can be
differentiated again (DESIGN invariant 3).
"""
from __future__ import annotations

import builtins
import dataclasses

import numpy as np

from .. import runtime
from .core import CONSTANT, ZERO, Rule, elementwise as ew
from .arrays import _CROSS_AXES, _CROSS_DEFAULTS, _REDUCE
from .products import _EINSUM_SLOTS, _adjoint_of_bilinear


_CURVED = "norm_curvature(ord, x, axis)"


_NORM = "unreduce(norm, x, axis, keepdims)"


_THIRD = "norm_curvature(ord, x, axis, True)"  # 0.0, or refused (a third derivative)


# ---- the helpers generated code calls: each has a rule, so generated code can be
# differentiated again (DESIGN invariant 3) --------------------------------------------------
def _runtime_rows() -> dict:
    return {
        runtime.zeros_like: CONSTANT, runtime.zero_tangent: CONSTANT,
        runtime.reached: ZERO,  # a test whether an adjoint is a plain zero: a flag
        runtime.reciprocal_or_zero: ew("-out ** 2"),
        # the k-th derivative of x ** y in x: the next one in x, and its own helper in y
        runtime.power_slope: Rule(params=("x", "y", "k"), defaults={"k": 1}, partials=(
            "power_slope(x, y, k + 1)", "power_slope_in_exponent(x, y, k)", None)),
        runtime.power_slope_in_exponent: Rule(params=("x", "y", "k"), defaults={"k": 1},
                                              underived=("x", "y")),  # a third order
        runtime.log_base: ew("reciprocal_or_zero(x)"),
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
        runtime.cross_axes_adjoint_x: _cross_axes_row("x"),
        runtime.cross_axes_adjoint_y: _cross_axes_row("y"),
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
        # the slope's derivative: through x (the norm held fixed, a symmetric map: its own
        # adjoint) and through the norm (a multiple of -out / norm)
        runtime.norm_slope: Rule(params=("x", "norm", "ord", "axis", "keepdims"),
                                 defaults={"ord": None, **_REDUCE},
                                 tangents={"x": "norm_slope_jvp(x, x_dot, norm, ord, axis, "
                                                "keepdims)",
                                           "norm": f"-out * ({_CURVED} * unreduce(norm_dot, x, "
                                                   f"axis, keepdims) / {_NORM})"},
                                 adjoints={"x": "norm_slope_jvp(x, g, norm, ord, axis, keepdims)",
                                           "norm": f"-np.sum(g * out / {_NORM}, axis=axis, "
                                                   f"keepdims=keepdims) * {_CURVED}"}),
        runtime.norm_slope_jvp: Rule(params=("x", "v", "norm", "ord", "axis", "keepdims"),
                                     defaults={"ord": None, **_REDUCE},
                                     tangents={"v": "norm_slope_jvp(x, v_dot, norm, ord, axis, "
                                                    "keepdims)",
                                               "norm": f"-out * ({_CURVED} * unreduce(norm_dot, "
                                                       f"x, axis, keepdims) / {_NORM})",
                                               "x": f"x_dot * {_THIRD}"},
                                     adjoints={"v": "norm_slope_jvp(x, g, norm, ord, axis, "
                                                    "keepdims)",
                                               "norm": f"-np.sum(g * out / {_NORM}, axis=axis, "
                                                       f"keepdims=keepdims) * {_CURVED}",
                                               "x": f"g * {_THIRD}"}),
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
        # the derivative of singular_gaps' 1 / (s_j^2 - s_i^2); x is read for its shape
        runtime.singular_gaps: Rule(
            params=("s", "x", "full_matrices"), defaults={"full_matrices": True},
            shape="reduce",
            tangents={"s": "-out ** 2 * (np.expand_dims(2 * s * s_dot, -2) - "
                           "np.expand_dims(2 * s * s_dot, -1))"},
            vector_tangents={"s": "-out ** 2 * (np.expand_dims(2 * s * s_dot, -2) - "
                                  "np.expand_dims(2 * s * s_dot, -1))"},
            adjoints={"s": "2 * s * (np.sum(out ** 2 * g, axis=-1) - np.sum(out ** 2 * g, "
                           "axis=-2))"}),
        runtime.triangular_inverse: Rule(
            params=("r",), shape="reduce",
            tangents={"r": "-np.matmul(out, np.matmul(r_dot, out))"},
            vector_tangents={"r": "-np.matmul(out, np.matmul(r_dot, out))"},
            adjoints={"r": "-np.matmul(np.swapaxes(out, -1, -2), np.matmul(g, "
                           "np.swapaxes(out, -1, -2)))"}),
        runtime.per_direction: Rule(params=("f", "k", "v", "a", "b", "c"),
                                    tangents={"v": "per_direction(f, k, v_dot, a, b, c)"}),
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
        # a write into a list or dict no other name sees: a new value (runtime/sequences.py)
        runtime.with_element: Rule(params=("t", "i", "v"), shape="container",
                                   # (a tangent keeps the key: reads of it find a zero)
                                   tangents={"t": "with_element(t_dot, i, 0.0)",
                                             "v": "element_tangent(v_dot, i, t)"},
                                   vector_tangents={"t": "with_element(t_dot, i, 0.0)",
                                                    "v": "element_tangent(v_dot, i, t)"},
                                   adjoints={"t": "without_element(g, i)", "v": "component(g, i)"}),
        runtime.without_element: Rule(params=("t", "i"), shape="container",
                                      tangents={"t": "without_element(t_dot, i)"},
                                      vector_tangents={"t": "without_element(t_dot, i)"},
                                      adjoints={"t": "without_element(g, i)"}),
        runtime.element_tangent: Rule(params=("v", "i", "t"), shape="container",
                                      tangents={"v": "element_tangent(v_dot, i, t)"},
                                      vector_tangents={"v": "element_tangent(v_dot, i, t)"},
                                      adjoints={"v": "component(g, i)"}),
        runtime.with_inserted: Rule(params=("t", "i", "v"), shape="container",
                                    tangents={"t": "with_inserted(t_dot, i, 0.0)",
                                              "v": "inserted_tangent(v_dot, i, t)"},
                                    vector_tangents={"t": "with_inserted(t_dot, i, 0.0)",
                                                     "v": "inserted_tangent(v_dot, i, t)"},
                                    adjoints={"t": "without_inserted(g, i, t)",
                                              "v": "inserted_component(g, i, t)"}),
        runtime.without_inserted: Rule(params=("g", "i", "t"), shape="container",
                                       tangents={"g": "without_inserted(g_dot, i, t)"},
                                       vector_tangents={"g": "without_inserted(g_dot, i, t)"},
                                       adjoints={"g": "with_inserted(g, i, 0.0)"}),
        runtime.inserted_tangent: Rule(params=("v", "i", "t"), shape="container",
                                       tangents={"v": "inserted_tangent(v_dot, i, t)"},
                                       vector_tangents={"v": "inserted_tangent(v_dot, i, t)"},
                                       adjoints={"v": "inserted_component(g, i, t)"}),
        runtime.inserted_component: Rule(params=("g", "i", "t"),
                                         tangents={"g": "inserted_component(g_dot, i, t)"},
                                         vector_tangents={"g": "inserted_component(g_dot, i, t)"},
                                         adjoints={"g": "inserted_tangent(g, i, t)"}),
        runtime.container_copy: Rule(params=("t",), shape="container", tangents={"t": "t_dot"},
                                     vector_tangents={"t": "t_dot"}, adjoints={"t": "g"}),
        runtime.sequence_as: Rule(params=("v", "t", "kind"), shape="container",
                                  tangents={"v": "sequence_as(v_dot, t, kind)"},
                                  vector_tangents={"v": "sequence_as(v_dot, t, kind)"},
                                  adjoints={"v": "sequence_as(g, v, 'like')"}),
        runtime.sorted_elements: Rule(params=("v", "xs", "reverse"), defaults={"reverse": False},
                                      shape="container",
                                      tangents={"v": "sorted_elements(v_dot, xs, reverse)"},
                                      vector_tangents={"v": "sorted_elements(v_dot, xs, reverse)"},
                                      adjoints={"v": "unsorted_elements(g, xs, reverse)"}),
        runtime.unsorted_elements: Rule(params=("g", "xs", "reverse"), defaults={"reverse": False},
                                        shape="container",
                                        tangents={"g": "unsorted_elements(g_dot, xs, reverse)"},
                                        vector_tangents={
                                            "g": "unsorted_elements(g_dot, xs, reverse)"},
                                        adjoints={"g": "sorted_elements(g, xs, reverse)"}),
        runtime.raises: ZERO, runtime.except_taken: ZERO,   # a try's guard (normalize/tries.py)
        runtime.dict_like: Rule(params=("v", "t"), shape="container",
                                tangents={"v": "dict_like(v_dot, t)"},
                                vector_tangents={"v": "dict_like(v_dot, t)"},
                                adjoints={"v": "dict_like(g, t)"}),
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
        runtime.unconcatenated: Rule(params=("v", "xs", "axis"), defaults={"axis": 0},
                                     shape="container",
                                     tangents={"v": "unconcatenated(v_dot, xs, axis)"},
                                     adjoints={"v": "rejoined(g, xs, axis)"}),
        runtime.rejoined: Rule(params=("vs", "xs", "axis"), defaults={"axis": 0}, shape="reduce",
                               tangents={"vs": "rejoined(vs_dot, xs, axis)"},
                               adjoints={"vs": "unconcatenated(g, xs, axis)"}),
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
                                  vector_tangents={"v": "on_directions(untranspose, v_dot, "
                                                        "each_permutation(axes, v))"},
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


def _cross_axes_row(side: str) -> Rule:
    row = _adjoint_of_bilinear("np.cross", "cross_axes_adjoint_x", "cross_axes_adjoint_y", side,
                               _CROSS_AXES)
    return dataclasses.replace(row, defaults=_CROSS_DEFAULTS)


def _sequence_rows() -> dict:
    """``list(t)``, ``tuple(xs)``, ``dict(d)`` and ``sorted(xs)`` of values: the same elements, maybe in
    another order (runtime/sequences.py)."""
    return {
        builtins.list: Rule(params=("t",), shape="container",
                            tangents={"t": "sequence_as(t_dot, t, 'list')"},
                            vector_tangents={"t": "sequence_as(t_dot, t, 'list')"},
                            adjoints={"t": "sequence_as(g, t, 'like')"}),
        builtins.tuple: Rule(params=("t",), shape="container",
                             tangents={"t": "sequence_as(t_dot, t, 'tuple')"},
                             vector_tangents={"t": "sequence_as(t_dot, t, 'tuple')"},
                             adjoints={"t": "sequence_as(g, t, 'like')"}),
        builtins.dict: Rule(params=("t",), shape="container",
                            tangents={"t": "dict_like(t_dot, t)"},
                            vector_tangents={"t": "dict_like(t_dot, t)"},
                            adjoints={"t": "dict_like(g, t)"}),
        builtins.sorted: Rule(params=("xs", "reverse"), defaults={"reverse": False},
                              shape="container",
                              tangents={"xs": "sorted_elements(xs_dot, xs, reverse)"},
                              vector_tangents={"xs": "sorted_elements(xs_dot, xs, reverse)"},
                              adjoints={"xs": "unsorted_elements(g, xs, reverse)"}),
    }
