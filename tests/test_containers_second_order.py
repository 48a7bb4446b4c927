"""Second derivatives through lists and dicts, in every way to take them.

Reverse-over-reverse once gave silently wrong numbers here (28 became 2.0): the first-order
adjoint of a list is itself a list, updated by ``with_component`` and consumed by ``pop``,
and differentiating that code again zeroed the list's adjoint where ``xs_bar =
with_component(xs_bar, ...)`` had just passed it on. Each function is checked against its
exact first and second derivative in every mode: reverse-over-reverse, forward-over-reverse
(``hessian`` and ``grad(grad(f), mode="forward")``), forward-over-forward (``jvp`` of
``jvp``), and against finite differences of the gradient."""
import math

import numpy as np
import pytest

import sourcead

import containers_second_order_functions as so

X, Y = 0.7, 1.3
sin, cos, exp = math.sin, math.cos, math.exp


def _sin_square_sum(x):
    """d/dx and d2/dx2 of sum_i i sin^2(i x), i < 4 (sin^2 a = (1 - cos 2a) / 2)."""
    return (sum(i * i * sin(2 * i * x) for i in range(4)),
            sum(2 * i ** 3 * cos(2 * i * x) for i in range(4)))


def _x_sin(a, x):
    """d/dx and d2/dx2 of x sin(a x)."""
    return (sin(a * x) + a * x * cos(a * x), 2 * a * cos(a * x) - a * a * x * sin(a * x))


# (function, exact first derivative, exact second derivative) at X
CASES = [
    (so.comprehension_read_by_generator_sum, 28 * X, 28.0),
    (so.appended_read_by_loop, 10 * X, 10.0),
    (so.literal_read_by_index, 4 * X, 4.0),
    (so.literal_summed, 3 * X * X + 4 * X ** 3 + 2 * X * sin(X) + X * X * cos(X),
     6 * X + 12 * X * X + 2 * sin(X) + 4 * X * cos(X) - X * X * sin(X)),
    (so.appended_read_by_index, 4 * X ** 3 + 2 * X, 12 * X * X + 2),
    (so.appended_read_by_index_in_loop, *_sin_square_sum(X)),
    (so.appended_summed, 2 * X + 3 * X * X + 4 * X ** 3, 2 + 6 * X + 12 * X * X),
    (so.comprehension_read_by_two_indices, 6 * exp(2 * X), 12 * exp(2 * X)),
    (so.conditional_appends, 12 * X * X + _x_sin(2, X)[0] + _x_sin(4, X)[0],
     24 * X + _x_sin(2, X)[1] + _x_sin(4, X)[1]),
    (so.appended_in_while, 4 * X ** 3 - 1 - 2 * X - 3 * X * X, 12 * X * X - 2 - 6 * X),
    (so.read_in_reverse, 12 * X ** 3 + 6 * X * X + 2 * X, 36 * X * X + 12 * X + 2),
    (so.indices_in_a_recurrence, 4 * X ** 3 + 3 * X * X + 1, 12 * X * X + 6 * X),
    (so.list_read_twice, 78 * X, 78.0),
    (so.popped_by_the_user, 6 * X + 2, 6.0),
    (so.nested_literal, 9 * X * X, 18 * X),
    (so.through_functions, 42 * X * X, 84 * X),
    (so.returned_list_indexed, 4 * X ** 3 + 3 * X * X + 2 * X + 1, 12 * X * X + 6 * X + 2),
    (so.list_handed_to_function, 3 * X * X - sin(X), 6 * X - cos(X)),
    (so.dict_literal, 9 * X * X, 18 * X),
    (so.dict_comprehension_and_loop, 3 * X * X + 6 * X ** 5, 6 * X + 30 * X ** 4),
    (so.dict_handed_to_function, 2 * X * sin(X) + X * X * cos(X) + cos(X),
     sin(X) + 4 * X * cos(X) - X * X * sin(X)),
    (so.comprehension_over_pairs, cos(X) + 2 * X * sin(X) + X * X * cos(X),
     sin(X) + 4 * X * cos(X) - X * X * sin(X)),
    (so.list_rebuilt_in_loop, 3 + 4 * X + 3 * X * X, 4 + 6 * X),
    (so.comprehension_inside_a_comprehension, 170 * X, 170.0),
    (so.generator_over_pairs, 2 * cos(2 * X), -4 * sin(2 * X)),
    (so.matrix_from_rows, 1 - 6 * X * X, -12 * X),
    (so.rotation_applied, cos(X) - sin(X), -sin(X) - cos(X)),
    (so.weighted_by_a_constant_dict, 0.4 * X ** 3 + sin(2 * X) * 0.5,
     1.2 * X * X + cos(2 * X)),
]
IDS = [c[0].__name__ for c in CASES]
EXACT, RTOL = dict(rtol=1e-11, atol=1e-12), dict(rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("f, first, second", CASES, ids=IDS)
def test_first_derivative_in_every_mode(f, first, second):
    np.testing.assert_allclose(sourcead.grad(f)(X), first, **EXACT)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), first, **EXACT)
    value, tangent = sourcead.jvp(f)(X, 0.5)
    np.testing.assert_allclose((value, tangent), (f(X), 0.5 * first), **EXACT)
    value, cotangent = sourcead.vjp(f)(X, 2.0)
    np.testing.assert_allclose((value, cotangent), (f(X), 2.0 * first), **EXACT)
    np.testing.assert_allclose(sourcead.jacobian(f)(X), first, **EXACT)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), first, **RTOL)


@pytest.mark.parametrize("f, first, second", CASES, ids=IDS)
def test_reverse_over_reverse(f, first, second):
    np.testing.assert_allclose(sourcead.grad(sourcead.grad(f))(X), second, **EXACT)


@pytest.mark.parametrize("f, first, second", CASES, ids=IDS)
def test_forward_over_reverse(f, first, second):
    np.testing.assert_allclose(sourcead.hessian(f)(X), second, **EXACT)
    np.testing.assert_allclose(sourcead.grad(sourcead.grad(f), mode="forward")(X), second, **EXACT)


@pytest.mark.parametrize("f, first, second", CASES, ids=IDS)
def test_forward_over_forward(f, first, second):
    (_, _), (_, second_tangent) = sourcead.jvp(sourcead.jvp(f))(X, 1.0, 1.0)
    np.testing.assert_allclose(second_tangent, second, **EXACT)


@pytest.mark.parametrize("f, first, second", CASES, ids=IDS)
def test_against_differences_of_the_gradient(f, first, second):
    np.testing.assert_allclose(sourcead.numeric_grad(sourcead.grad(f), X), second, **RTOL)


@pytest.mark.parametrize("wrt, expected", [
    (0, 12 * X * X * Y + 6 * X * Y * Y),       # d2/dx2 (x^4 y + x^3 y^2)
    (1, 2 * X ** 3),                             # d2/dy2
])
def test_reverse_over_reverse_with_two_arguments(wrt, expected):
    f = so.two_arguments
    np.testing.assert_allclose(sourcead.grad(sourcead.grad(f, wrt=wrt), wrt=wrt)(X, Y), expected,
                               **EXACT)
    np.testing.assert_allclose(sourcead.hessian(f, wrt=wrt)(X, Y), expected, **EXACT)


def test_mixed_second_derivative_through_lists():
    # d/dy d/dx (x^4 y + x^3 y^2) = 4 x^3 + 6 x^2 y
    mixed = sourcead.grad(sourcead.grad(so.two_arguments, wrt=0), wrt=1)(X, Y)
    np.testing.assert_allclose(mixed, 4 * X ** 3 + 6 * X * X * Y, **EXACT)


@pytest.mark.parametrize("f, third", [(so.read_in_reverse, 72 * X + 12),
                                      (so.appended_read_by_loop, 0.0),
                                      (so.list_read_twice, 0.0)])
def test_third_derivative(f, third):
    np.testing.assert_allclose(sourcead.grad(sourcead.grad(sourcead.grad(f)))(X), third, **EXACT)


def test_list_adjoint_passes_through_its_own_update():
    """``xs_bar = with_component(xs_bar, i, v_bar, xs)``: its adjoint hands ``xs_bar_bar``
    on to the old ``xs_bar`` (no zeros in between)."""
    text = sourcead.source(sourcead.grad(sourcead.grad(so.appended_read_by_loop)), X)
    assert "v_bar_bar = component(xs_bar_bar, i)" in text
    assert "xs_bar_bar = zeros_like(xs_bar)\n" not in text.split("v_bar_bar = component")[1]


def test_adding_adjoints_never_drops_one():
    from sourcead.runtime import add_tree
    assert add_tree([1.0, 2.0], np.array([3.0, 4.0])) == [4.0, 6.0]   # a row's adjoint
    assert add_tree(np.array([3.0, 4.0]), (1.0, 2.0)) == (4.0, 6.0)
    assert add_tree([1.0, 2.0], 0.0) == [1.0, 2.0]                    # a plain zero
    assert add_tree({"a": 1.0}, 0.0) == {"a": 1.0}
    for a, b in [([1.0, 2.0], 5.0), ({"a": 1.0}, 2.0), ([1.0, 2.0], np.ones(3))]:
        with pytest.raises(ValueError, match="sourcead: adding"):
            add_tree(a, b)
