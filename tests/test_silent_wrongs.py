"""Silent wrong derivatives found by soaks (issue 11: a wrong derivative is the worst bug),
each checked as a class, in every mode: reverse and forward ``grad``, ``jvp``, ``vjp`` (the
dot-product test), vector mode (``jacobian``, the inner pass of ``hessian``), the Hessian
(forward over reverse) and reverse over reverse, against exact values and finite
differences, and with respect to every subset of the arguments (a callee's argument may be
differentiated in one call and not in another)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import sourcead
import rule_check
import callee_result_functions as callee
import rebound_parameter_functions as rebound
import number_made_array_functions as numbers


def subsets(n: int):
    return [c for k in range(1, n + 1) for c in itertools.combinations(range(n), k)]


def every_mode(f, args, exact, wrt: tuple[int, ...]):
    """``f(*args)`` is a number; ``exact(*args)`` its gradient with respect to every argument."""
    rng = np.random.default_rng(7)
    args = list(args)
    want = [exact(*args)[p] for p in wrt]
    assert np.allclose(f(*args), f(*args))   # the user's function runs
    for mode in ("reverse", "forward"):
        got = sourcead.grad(f, wrt=wrt, mode=mode)(*args)
        for g, w, p in zip(got, want, wrt):
            assert np.shape(g) == np.shape(args[p]), f"{mode}: shape of argument {p}"
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=f"{mode} {p}")
    for n, w in zip(sourcead.numeric_grad(f, *args, wrt=wrt), want):
        np.testing.assert_allclose(n, w, rtol=1e-5, atol=1e-6, err_msg="exact value")
    tangents, derivative = rule_check.check_forward(f, args, wrt, rng)
    np.testing.assert_allclose(derivative, sum(np.sum(w * t) for w, t in zip(want, tangents)),
                               rtol=1e-10, atol=1e-12, err_msg="jvp, exactly")
    rule_check.check_reverse(f, args, wrt, tangents, derivative, rng)
    try:
        rule_check.check_vector(f, args, wrt)
    except sourcead.SourceADError as e:   # (then hessian takes one pass per direction)
        assert "vector mode of" in str(e), e
    rule_check.check_second_order(f, args, wrt, rng)


@pytest.mark.parametrize("f, args, exact, wrt", [
    pytest.param(f, args, exact, wrt, id=f"{f.__name__}-{k}-wrt{''.join(map(str, wrt))}")
    for k, (f, args, exact) in enumerate(callee.CASES) for wrt in subsets(len(args))])
def test_a_callee_result_that_does_not_depend_on_a_varied_argument(f, args, exact, wrt):
    """Its zero tangent is shaped like the value (a plain 0.0 made ``np.dot(a_dot, a)`` an
    array: the tangent of a number came back as an array)."""
    every_mode(f, args, exact, wrt)


@pytest.mark.parametrize("f, args, exact, wrt", [
    pytest.param(f, args, exact, wrt, id=f"{f.__name__}-{k}-wrt{''.join(map(str, wrt))}")
    for k, (f, args, exact) in enumerate(callee.TUPLE_CASES) for wrt in subsets(len(args))])
def test_a_tuple_a_callee_returns_read_by_index(f, args, exact, wrt):
    """Its elements' kinds are known in the caller (an element that is a tuple was taken for an
    array: a crash in reverse mode, a wrong Hessian)."""
    every_mode(f, args, exact, wrt)


@pytest.mark.parametrize("f, args, exact, wrt", [
    pytest.param(f, args, exact, wrt, id=f"{f.__name__}-{k}-wrt{''.join(map(str, wrt))}")
    for k, (f, args, exact) in enumerate(rebound.CASES) for wrt in subsets(len(args))])
def test_a_parameter_rebound_in_a_branch_or_a_loop(f, args, exact, wrt):
    """A value normalize named that copies a parameter (``a_new = b`` for ``b, a = a + b, b``)
    is not a second name for it: the parameter is bound on entry, then once more."""
    every_mode(f, args, exact, wrt)


@pytest.mark.parametrize("f, args, exact, wrt", [
    pytest.param(f, args, exact, wrt, id=f"{f.__name__}-{k}-wrt{''.join(map(str, wrt))}")
    for k, (f, args, exact) in enumerate(numbers.CASES) for wrt in subsets(len(args))])
def test_a_numpy_call_that_makes_an_array_of_numbers(f, args, exact, wrt):
    """``np.outer(y, y)`` of a float is an array: taken for a number, the gradient of a float
    came back as an array."""
    every_mode(f, args, exact, wrt)


def test_the_reported_case_exactly():
    x = np.array([0.3, -0.5, 0.8])
    value, tangent = sourcead.jvp(callee.ignores_an_argument, wrt=1)(x, 0.7, 1.0)
    assert np.shape(tangent) == () and tangent == 1.0
    assert sourcead.grad(callee.ignores_an_argument, wrt=1, mode="forward")(x, 0.7) == 1.0


def test_the_tangent_of_an_output_that_does_not_depend_on_the_argument_has_its_shape():
    _, tangent = sourcead.jvp(callee.sines, wrt=1)(callee.X, 0.7, 1.0)
    np.testing.assert_array_equal(tangent, np.zeros(3))
