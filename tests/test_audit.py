"""A new user's audit of issues 4 and 5: small realistic programs (tests/audit_functions.py),
each checked in every mode against exact values and finite differences, or refused with the
user's file, line and text. Every case here was a bug: a wrong derivative, a crash inside
sourcead or its generated code, or an unclear error."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead
from sourcead import SourceADError

import audit_functions as af

V3 = np.array([0.3, -0.7, 1.1])


def _modes(fn, args, exact, wrt=0):
    """The gradient in reverse and forward mode, through vjp, jvp and the Jacobian in both
    modes, against ``exact`` and finite differences; the caller's arrays never change."""
    before = [np.copy(a) for a in args]
    numeric = sourcead.numeric_grad(fn, *[np.copy(a) for a in args], wrt=wrt)
    np.testing.assert_allclose(numeric, exact, rtol=1e-6, atol=1e-7)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(sourcead.grad(fn, wrt=wrt, mode=mode)(*args), exact,
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(sourcead.jacobian(fn, wrt=wrt, mode=mode)(*args), exact,
                                   rtol=1e-12, atol=1e-12)
    value, g = sourcead.vjp(fn, wrt=wrt)(*args, 2.0)
    np.testing.assert_allclose(g, 2.0 * np.asarray(exact), rtol=1e-12)
    t = np.ones_like(args[wrt]) * 0.5 if np.ndim(args[wrt]) else 0.5
    value, tangent = sourcead.jvp(fn, wrt=wrt)(*args, t)
    assert value == pytest.approx(fn(*[np.copy(a) for a in args]))
    assert tangent == pytest.approx(float(np.sum(np.asarray(exact) * t)), rel=1e-12)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def _refused(fn, args, text, mode="reverse"):
    with pytest.raises(SourceADError) as info:
        sourcead.grad(fn, mode=mode)(*args)
    message = str(info.value)
    assert "audit_functions.py" in message and text in message, message
    return message


# --- augmented assignment on an array is in place ---------------------------------------------

@pytest.mark.parametrize("fn", [af.augmented_alias, af.augmented_in_list])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_augmented_assignment_into_a_shared_array_is_refused(fn, mode):
    """`y *= 2` changes the array in place: another name for it changes too. sourcead treated
    it as `y = y * 2`, a new array, and returned half the gradient."""
    message = _refused(fn, (V3,), "y ", mode)
    assert "in place" in message and ".copy()" in message


def test_augmented_assignment_on_an_unshared_array():
    _modes(af.augmented_unshared, (V3,), 6 * V3)
    H = sourcead.hessian(af.augmented_unshared)(V3)
    np.testing.assert_allclose(H, 6 * np.eye(3), atol=1e-12)


def test_augmented_assignment_on_a_shared_float_is_a_new_float():
    """Floats are immutable: `y *= 2.0` rebinds `y` and `z` keeps the old value."""
    x = 0.7
    for mode in ("reverse", "forward"):
        assert sourcead.grad(af.augmented_scalar_alias, mode=mode)(x) == pytest.approx(4 * x)
    assert sourcead.hessian(af.augmented_scalar_alias)(x) == pytest.approx(4.0)
    assert sourcead.grad(sourcead.grad(af.augmented_scalar_alias))(x) == pytest.approx(4.0)


# --- an inactive array inside a list of active ones -----------------------------------------

RNG = np.random.default_rng(3)
WH, WX, XS = 0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2)), RNG.standard_normal((4, 2))


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_rnn_with_a_list_of_hidden_states(wrt):
    """The tangent of the inactive first state was a plain 0.0, and `Wh @ 0.0` crashed in
    forward mode."""
    args = (WH, WX, XS)
    exact = af.rnn_hidden_states_exact(*args)[wrt]
    _modes(af.rnn_hidden_states, args, exact, wrt=wrt)


def test_rnn_with_a_list_of_hidden_states_hessian():
    H = sourcead.hessian(af.rnn_hidden_states, wrt=1)(WH, WX, XS)
    df = sourcead.grad(af.rnn_hidden_states, wrt=1)
    columns = []
    for idx in np.ndindex(WX.shape):
        e = np.zeros_like(WX)
        e[idx] = 1e-6
        columns.append((df(WH, WX + e, XS) - df(WH, WX - e, XS)) / 2e-6)
    np.testing.assert_allclose(H, np.stack(columns, axis=-1).reshape(WX.shape * 2),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, np.swapaxes(np.swapaxes(H, 0, 2), 1, 3), atol=1e-10)


def test_tuple_holding_an_inactive_array():
    w = np.array([0.5, -1.5])
    _modes(af.pair_of_states, (w,), 8 * w)


def test_list_read_from_its_end_to_second_order():
    """The tangent of an adjoint list's element update was built at the primal list's length,
    but the adjoint list shrinks as the reverse sweep pops it: add_tree's zip dropped the last
    element and the Hessian was silently wrong."""
    x = np.array([0.3, -0.5, 0.8])
    _modes(af.states_read_from_the_end, (x,), 18 * np.sin(x) * np.cos(x) + 1)
    H = sourcead.hessian(af.states_read_from_the_end)(x)
    np.testing.assert_allclose(H, np.diag(18 * np.cos(2 * x)), rtol=1e-12, atol=1e-12)


def test_reversed_inside_zip_and_enumerate():
    """`zip(reversed(xs), ys)` crashed in generated code (`len` of a reverse iterator)."""
    xs, ys = np.array([0.7, 0.4, 1.0]), np.array([1.0, 2.0, 3.0])
    exact_xs = ys[::-1] ** 2
    exact_ys = 2 * xs[::-1] * ys + 2 * np.array([2, 1, 0]) * ys
    _modes(af.reversed_inside_zip, (xs, ys), exact_xs, wrt=0)
    _modes(af.reversed_inside_zip, (xs, ys), exact_ys, wrt=1)
    H = sourcead.hessian(af.reversed_inside_zip, wrt=1)(xs, ys)
    np.testing.assert_allclose(H, np.diag(2 * xs[::-1] + 2 * np.array([2, 1, 0])), atol=1e-12)
    g = sourcead.grad(af.reversed_inside_zip, wrt=(0, 1))([0.7, 0.4, 1.0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(g[0], exact_xs)
    np.testing.assert_allclose(g[1], exact_ys)


def test_augmented_assignment_after_tuple_assignments():
    """Tuple targets in the sharing scan crashed it (`Tuple` has no `id`)."""
    _refused(af.augmented_after_tuple_assignment, (V3,), "y += 1.0")


def test_jacobian_with_respect_to_a_number_read_by_index():
    """`x = x0.copy()` starts with a plain zero tangent; in vector mode `x_dot[:, i]` crashed
    once `x` depended on `k`."""
    x0, k = np.array([0.1, 0.5, -0.2, 0.3, 0.0]), 1.5
    g = sourcead.numeric_grad(af.spring_chain, x0, k, wrt=1)
    for mode in ("forward", "reverse"):
        assert sourcead.jacobian(af.spring_chain, wrt=1, mode=mode)(x0, k) == pytest.approx(g, rel=1e-7)
        assert sourcead.grad(af.spring_chain, wrt=1, mode=mode)(x0, k) == pytest.approx(g, rel=1e-7)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_min_and_max_of_more_than_two_values(mode):
    # was refused with a garbled message; min(a, b, c) is min(min(a, b), c)
    df = sourcead.grad(af.min_max_of_three, wrt=(0, 1), mode=mode)
    assert df(0.3, 0.1) == (1.0, 1.0)    # min picks y, max picks x
    assert df(0.7, 0.9) == (0.0, 2.0)    # min picks 0.5, max picks 2 y
