"""Writes into arrays: ``a[i] = v``, ``a[i] += v``, ``a[mask] = v``, in loops and branches.

Every case is checked against its exact gradient and finite differences, in reverse and
forward mode, through ``jvp``, and to second order (the Hessian against differences of the
gradient; reverse-over-reverse for a scalar input). The caller's arrays never change."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead
from sourcead import UnsupportedSyntaxError

import writes_functions as wf

RNG = np.random.default_rng(7)
X7 = np.array([0.3, -1.2, 0.8, 1.5, -0.4, 0.9, 2.0])
W3 = np.array([0.5, -1.0, 2.0])

# (function, arguments, wrt, exact gradient or None)
CASES = [
    (wf.convolve, (X7, W3), (0, 1), wf.convolve_exact),
    (wf.slice_write, (0.7, -1.3), (0, 1), wf.slice_write_exact),
    (wf.relu_by_mask, (X7,), 0, wf.relu_by_mask_exact),
    (wf.power_in_place, (1.3, 5), 0, wf.power_in_place_exact),
    (wf.square_first, (np.array([1.5, 2.0, -3.0]),), 0, wf.square_first_exact),
    (wf.recurrent, (0.3 * RNG.standard_normal((3, 3)), RNG.standard_normal((4, 3))), 0, None),
    (wf.prefix_sums, (X7,), 0, wf.prefix_sums_exact),
    (wf.write_in_branch, (np.array([0.5, -2.0, 1.5]),), 0, wf.write_in_branch_exact),
]
IDS = [c[0].__name__ for c in CASES]


def _copies(args):
    return tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)


def _as_tuple(g, wrt):
    return g if isinstance(wrt, tuple) else (g,)


def _numeric(fn, args, wrt):
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    return tuple(sourcead.numeric_grad(fn, *_copies(args), wrt=p) for p in positions)


@pytest.mark.parametrize("fn, args, wrt, exact", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_is_exact_and_matches_differences(fn, args, wrt, exact, mode):
    before = _copies(args)
    got = _as_tuple(sourcead.grad(fn, wrt=wrt, mode=mode)(*args), wrt)
    for a, b in zip(args, before):  # the derivative never changes the caller's arrays
        np.testing.assert_array_equal(a, b)
    for g, n in zip(got, _numeric(fn, args, wrt)):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)
    if exact is not None:
        for g, e in zip(got, _as_tuple(exact(*_copies(args)), wrt)):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    for g, a in zip(got, (args[p] for p in (wrt if isinstance(wrt, tuple) else (wrt,)))):
        assert np.shape(g) == np.shape(a)


@pytest.mark.parametrize("fn, args, wrt, exact", CASES, ids=IDS)
def test_jvp_is_the_gradient_along_a_direction(fn, args, wrt, exact):
    p = wrt[0] if isinstance(wrt, tuple) else wrt
    direction = np.ones_like(args[p]) * 0.5 if isinstance(args[p], np.ndarray) else 0.5
    value, tangent = sourcead.jvp(fn, wrt=p)(*_copies(args), direction)
    assert value == pytest.approx(fn(*_copies(args)))
    gradient = _as_tuple(sourcead.grad(fn, wrt=p)(*_copies(args)), p)[0]
    assert tangent == pytest.approx(np.sum(gradient * direction), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("fn, args, wrt, exact", CASES, ids=IDS)
def test_hessian_matches_differences_of_the_gradient(fn, args, wrt, exact):
    p = wrt[0] if isinstance(wrt, tuple) else wrt
    before = _copies(args)
    hessian = sourcead.hessian(fn, wrt=p)(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    gradient = sourcead.grad(fn, wrt=p)
    x = args[p]
    if np.ndim(x) == 0:
        expected = sourcead.numeric_grad(lambda v: gradient(*args[:p], v, *args[p + 1:]), x)
    else:
        rows = [sourcead.numeric_grad(lambda v, k=k: np.ravel(gradient(*args[:p], v, *args[p + 1:]))[k], x)
                for k in range(np.size(x))]
        expected = np.reshape(rows, np.shape(x) + np.shape(x))
    np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-6)


def test_reverse_over_reverse_of_a_loop_of_writes():
    # d2/dx2 (x^5 + x) = 20 x^3
    second = sourcead.grad(sourcead.grad(wf.power_in_place))(1.3, 5)
    assert second == pytest.approx(20 * 1.3 ** 3, rel=1e-12)
    third = sourcead.grad(sourcead.grad(sourcead.grad(wf.power_in_place)))(1.3, 5)
    assert third == pytest.approx(60 * 1.3 ** 2, rel=1e-12)


def test_generated_code_writes_in_place_and_restores_from_the_tape():
    text = sourcead.source(sourcead.grad(wf.convolve, wrt=(0, 1)), X7, W3)
    assert "out[i] = out_new" in text           # the user's write, in place
    assert "tape.append(out[i])" in text  # the element it overwrites is recorded (a copy)
    assert "out[i] = tape.pop()" in text         # and restored in the adjoint sweep
    # the adjoint loop updates the adjoints of the arrays it indexes in place, on arrays of
    # its own (owned), instead of building a new array per element read or written
    assert "out_bar = owned(out_bar, out)" in text and "x_bar = owned(x_bar, x)" in text
    # `out[i] += v` passes out_bar[i] through: no zeroing and adding back
    assert "out_bar[i] = 0.0" not in text and "out_new_bar = out_bar[i]" in text
    assert "x_bar[i_plus_j] = x_bar[i_plus_j] + x_i_plus_j_bar" in text
    assert "scatter" not in text and "with_item" not in text


def test_a_write_outside_loops_replaces_the_adjoint_by_value():
    text = sourcead.source(sourcead.grad(wf.slice_write, wrt=(0, 1)), 0.7, -1.3)
    assert "a_bar = with_item(a_bar, slice(1, 4, None), 0.0, a)" in text


def test_a_called_function_may_not_write_into_its_argument():
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(wf.calls_a_writer)(0.5)
    message = str(info.value)
    assert "writes_functions.py" in message and "out[0] = x" in message


def test_a_write_with_a_repeated_index_is_refused_not_got_wrong():
    with pytest.raises(ValueError, match="repeated index"):
        sourcead.grad(wf.repeated_index)(0.5)


def test_second_order_of_an_array_rebuilt_every_step():
    # the generated gradient pops each step's array off the tape and writes into it: the
    # tape handed it over, so differentiating the gradient again is allowed
    u0 = np.array([0.0, 0.3, -0.5, 0.8, 0.1, 0.0])
    k = 0.2
    gradient = sourcead.grad(wf.heat, wrt=0)
    hessian = sourcead.hessian(wf.heat, wrt=0)(u0, k)
    rows = [sourcead.numeric_grad(lambda u, j=j: gradient(u, k)[j], u0) for j in range(len(u0))]
    np.testing.assert_allclose(hessian, np.array(rows), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-12)  # the map is linear: H = 2 A^T A
    second = sourcead.grad(sourcead.grad(wf.heat, wrt=1), wrt=1)(u0, k)
    assert second == pytest.approx(sourcead.hessian(wf.heat, wrt=1)(u0, k), rel=1e-10)
    first = sourcead.grad(wf.heat, wrt=1)
    assert second == pytest.approx(sourcead.numeric_grad(lambda c: first(u0, c), k), rel=1e-6)


def test_no_mode_changes_an_argument_the_function_writes_into():
    x = np.array([1.5, 2.0, -3.0])
    before = x.copy()
    exact_jacobian = np.diag([2 * x[0], 1.0, 1.0])
    np.testing.assert_allclose(sourcead.jacobian(wf.square_first_vector, mode="reverse")(x),
                               exact_jacobian, rtol=1e-14)
    np.testing.assert_allclose(sourcead.jacobian(wf.square_first_vector)(x), exact_jacobian,
                               rtol=1e-14)
    hessian = sourcead.hessian(wf.square_first)(x)
    np.testing.assert_allclose(hessian, np.diag([2.0, 0.0, 0.0]), atol=1e-14)
    sourcead.vjp(wf.square_first_vector)(x, np.ones(3))
    sourcead.jvp(wf.square_first)(x, np.ones(3))
    np.testing.assert_array_equal(x, before)


A23 = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.5]])


@pytest.mark.parametrize("fn, line", [(wf.row_used_after_its_write, "return np.sum(row)"),
                                      (wf.rows_swapped_through_a_view, "A[1] = t"),
                                      (wf.row_in_a_loop_used_after_its_write,
                                       "total = total + np.sum(row)")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_view_used_after_a_write_into_its_array_is_refused(fn, line, mode):
    # NumPy changes the view with the write; taking it as the value read would give a wrong
    # derivative (row_used_after_its_write: 1 where the truth is 2), so it is refused
    with pytest.raises(UnsupportedSyntaxError) as info:
        sourcead.grad(fn, mode=mode)(A23)
    message = str(info.value)
    assert "writes_functions.py" in message and line in message
    assert "a view of `A`" in message and ".copy()" in message


def test_the_refused_row_is_what_numpy_computes():
    # the reason for the refusal, checked on NumPy itself: the view follows the write
    assert wf.row_used_after_its_write(A23) == pytest.approx(2.0 * np.sum(A23[0]))
    assert wf.rows_swapped_through_a_view(A23) == pytest.approx(
        np.sum(A23[1] * (np.arange(3.0) + np.arange(3.0, 6.0))))


@pytest.mark.parametrize("fn, args, exact", [
    (wf.rows_swapped_through_a_copy, (A23,), wf.rows_swapped_exact),
    (wf.elements_swapped, (np.array([0.5, -1.0, 2.0]),), wf.elements_swapped_exact),
    (wf.other_row_written, (A23,), wf.other_row_written_exact),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_copies_elements_and_other_rows_are_not_stale_views(fn, args, exact, mode):
    got = sourcead.grad(fn, mode=mode)(*_copies(args))
    np.testing.assert_allclose(got, exact(*_copies(args)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, sourcead.numeric_grad(fn, *_copies(args)), rtol=1e-6, atol=1e-7)
