"""The few helpers generated code may call. Each is small, pure, and emitted into the
generated source when used, so a saved derivative runs with NumPy alone.

``stop_gradient`` is also public API: every mode treats its result as a constant.

One module per family (basics, vector-mode directions, reductions, containers, writes,
products, shapes, linear algebra); ``HELPERS`` names every helper generated code may call,
in the order ``emit`` pastes them.
"""
from __future__ import annotations

from .basics import (power_slope, power_slope_in_exponent, log_base,  # noqa: F401
    stop_gradient, on_gradient, refused, unbroadcast, cast_like, zeros_like, zero_tangent,
    pop_tangent, scatter, scatter_into, _basic, _plain_zero, reached, dot_adjoint_x,
    dot_adjoint_y, _dot_axes,
)
from .directions import (  # noqa: F401
    lift, times_each, spread, sum_each, _with_directions, stack_each, _joined_parts,
    concatenate_each, sum_elements_each, unbroadcast_each, dot_each_left, dot_each_right,
    _directions_moved, scatter_each, each_axis, on_directions, flat_each, cumsum_each,
    take_each, roll_each, each_shape, each_permutation, each_squeezed,
)
from .reductions import (unconcatenated, rejoined,  # noqa: F401
    unreduce, deviations, reciprocal_or_zero, extreme_mask, uncumsum, _sort_order, sorted_like,
    unsorted, sorted_like_each, unsorted_each, undiff, concatenated_part,
    concatenated_part_each, untake, untranspose, _lines, prod_others, prod_others_jvp,
    concatenated_into,
)
from .containers import (  # noqa: F401
    component, with_component, add_tree, _only, _as_elements, with_key, without_key, keys_of,
    unsum, _first_extreme, _zero_of, unextreme, extreme_tangent, extreme_tangent_each,
    unextreme_each, unstack,
)
from .sequences import (  # noqa: F401
    with_element, without_element, element_tangent, _insert_position, with_inserted,
    without_inserted, inserted_tangent, inserted_component, container_copy, sequence_as,
    _sorted_order, sorted_elements, unsorted_elements, dict_like,
)
from .guards import raises, except_taken  # noqa: F401
from .writes import (  # noqa: F401
    with_item, with_item_each, owned, FRESH, item, item_each,
)
from .products import (  # noqa: F401
    matmul_or_zero, matmul_adjoint_x, matmul_adjoint_y, matmul_each_left, matmul_each_right,
    _contracted, tensordot_adjoint_x, tensordot_adjoint_y, tensordot_each_left,
    tensordot_each_right, inner_axes, _einsum_parts, einsum_adjoint, per_direction,
)
from .shapes import (_cross_axes, _after_directions, cross_axes_adjoint_x,
    cross_axes_adjoint_y, cross_axes_each_left, cross_axes_each_right,  # noqa: F401
    untrace, _cross_sizes, cross_adjoint_x, cross_adjoint_y, _cross_each, cross_each_left,
    cross_each_right, undiag, undiagonal, undiagonal_each, diagonal_each, diag_each,
    undiag_each, full_each, rot90_each, kron_adjoint_x, kron_adjoint_y, untile, repeat_indices,
    unsplit, split_parts, split_each, eye_like,
)
from .moves import (  # noqa: F401
    positions, no_positions, moved, moved_each, unmoved, unmoved_each, COPYING_PADS, pad_sources,
)
from .samples import (  # noqa: F401
    linspace_part, linspace_part_each, linspace_adjoint, _quantile_matrix, _quantile_shape,
    quantile_tangent, quantile_adjoint, _gradient_matrix, _gradient_axis, gradient_of,
    ungradient, unconvolve, _convolved_length, each_direction, _interp_weights, interp_slopes,
    weighted, unweighted, interp_part, uninterp,
)
from .linalg import (  # noqa: F401
    lower_symmetric, fold_lower, lower_half, shaped_like, untall, sinc_derivative, _unit,
    norm_slope, norm_curvature, _matrix_axes, _is_matrix_norm, _tall_svd_tangent,
    _singular_slope, _sum_slope, norm_slope_jvp, singular_gaps, triangular_inverse,
)
from .special import (  # noqa: F401
    polygamma, factor_part, oriented, transposed_if, triangle, triangle_part,
)


HELPERS = {"untake": untake, "concatenated_part": concatenated_part, "spread": spread, "uncumsum": uncumsum, "unreduce": unreduce, "extreme_mask": extreme_mask, "untranspose": untranspose,
           "_basic": _basic, "_plain_zero": _plain_zero, "component": component, "with_component": with_component, "add_tree": add_tree, "with_key": with_key, "without_key": without_key, "keys_of": keys_of, "unsum": unsum, "unstack": unstack, "lift": lift, "sum_each": sum_each, "unbroadcast_each": unbroadcast_each,
           "dot_each_left": dot_each_left, "dot_each_right": dot_each_right, "scatter_each": scatter_each, "dot_adjoint_x": dot_adjoint_x, "dot_adjoint_y": dot_adjoint_y, "unbroadcast": unbroadcast, "zeros_like": zeros_like, "zero_tangent": zero_tangent, "scatter": scatter,
           "stop_gradient": stop_gradient}
HELPERS.update({"matmul_or_zero": matmul_or_zero, "sorted_like": sorted_like, "unsorted": unsorted,
                "sorted_like_each": sorted_like_each, "unsorted_each": unsorted_each,
                "_sort_order": _sort_order, "undiff": undiff, "stack_each": stack_each, "concatenate_each": concatenate_each,
                "concatenated_part_each": concatenated_part_each,
                "sum_elements_each": sum_elements_each, "_with_directions": _with_directions,
                "_joined_parts": _joined_parts})
HELPERS.update({"times_each": times_each, "owned": owned, "with_item": with_item, "with_item_each": with_item_each, "item": item,
                "item_each": item_each})
HELPERS.update({f.__name__: f for f in (
    flat_each, cumsum_each, take_each, roll_each, _lines, prod_others, prod_others_jvp, each_axis, on_directions, each_shape, each_permutation, each_squeezed, concatenated_into, matmul_adjoint_x, matmul_adjoint_y, matmul_each_left,
    matmul_each_right, _contracted, tensordot_adjoint_x, tensordot_adjoint_y,
    tensordot_each_left, tensordot_each_right, inner_axes, _einsum_parts, einsum_adjoint,
    untrace, cast_like, kron_adjoint_x, kron_adjoint_y, untile, repeat_indices, unsplit, split_each,
    eye_like, _dot_axes, norm_slope, norm_curvature, lower_symmetric, fold_lower, lower_half,
    sinc_derivative, split_parts, untall, shaped_like)})
HELPERS.update({f.__name__: f for f in (raises, except_taken)})
HELPERS.update({f.__name__: f for f in (
    with_element, without_element, element_tangent, _insert_position, with_inserted,
    without_inserted, inserted_tangent, inserted_component, container_copy, sequence_as,
    _sorted_order, sorted_elements, unsorted_elements, dict_like)})
HELPERS.update({f.__name__: f for f in (_first_extreme, _zero_of, unextreme, extreme_tangent,
                                         extreme_tangent_each, unextreme_each)})
HELPERS.update({"scatter_into": scatter_into, "reached": reached, "refused": refused,
                "_directions_moved": _directions_moved, "_cross_sizes": _cross_sizes,
                "cross_adjoint_x": cross_adjoint_x, "cross_adjoint_y": cross_adjoint_y,
                "cross_each_left": cross_each_left, "cross_each_right": cross_each_right,
                "_cross_each": _cross_each, "undiag": undiag, "undiagonal": undiagonal,
                "rot90_each": rot90_each, "undiagonal_each": undiagonal_each,
                "diag_each": diag_each, "undiag_each": undiag_each,
                "diagonal_each": diagonal_each, "full_each": full_each,
                "pop_tangent": pop_tangent, "power_slope": power_slope, "log_base": log_base,
                "power_slope_in_exponent": power_slope_in_exponent,
                "unconcatenated": unconcatenated, "rejoined": rejoined,
                "cross_axes_adjoint_x": cross_axes_adjoint_x,
                "cross_axes_adjoint_y": cross_axes_adjoint_y,
                "cross_axes_each_left": cross_axes_each_left,
                "cross_axes_each_right": cross_axes_each_right,
                "_cross_axes": _cross_axes, "_after_directions": _after_directions,
                "deviations": deviations, "reciprocal_or_zero": reciprocal_or_zero})  # the adjoints of parts of one array
# rearrangements (np.pad, np.append, np.insert): their sources, gathered and added back
HELPERS.update({f.__name__: f for f in (positions, no_positions, moved, moved_each, unmoved,
                                         unmoved_each, pad_sources)})
# sampling and filtering (linspace, quantiles, np.gradient, convolve, interp): linear maps
HELPERS.update({f.__name__: f for f in (
    linspace_part, linspace_part_each, linspace_adjoint, _quantile_matrix, _quantile_shape,
    quantile_tangent, quantile_adjoint, _gradient_matrix, _gradient_axis, gradient_of,
    ungradient, unconvolve, _convolved_length, each_direction, _interp_weights, interp_slopes,
    weighted, unweighted, interp_part, uninterp)})
# the helpers of the SciPy rows (rules/scipy_rows.py)
HELPERS.update({f.__name__: f for f in (polygamma, factor_part, oriented, transposed_if,
                                         triangle, triangle_part)})
HELPERS.update({f.__name__: f for f in (
    per_direction, _matrix_axes, _is_matrix_norm, _tall_svd_tangent, _singular_slope, _sum_slope,
    norm_slope_jvp, singular_gaps, triangular_inverse)})  # linalg: products and factorizations
