"""Derivatives of derivatives: generated code is valid input to sourcead (DESIGN invariant 3).

For every corpus function with one scalar argument differentiated: reverse-over-reverse
(``grad(grad(f))``) and forward-over-forward (``jvp(jvp(f))``) equal the forward-over-reverse
Hessian; third derivatives ``grad(grad(grad(f)))`` match differences of the second."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import sourcead

try:
    from tests import corpus
except ImportError:  # pragma: no cover
    import corpus  # type: ignore[no-redef]

def _scalar_single(c):
    return isinstance(c.wrt, int) and np.ndim(c.args[c.wrt]) == 0 and c.numeric


SCALAR = [pytest.param(c, id=c.id, marks=c.marks) for c in corpus.CASES if _scalar_single(c)]


@pytest.mark.parametrize("c", SCALAR)
def test_reverse_over_reverse_equals_hessian(c):
    args = copy.deepcopy(c.args)
    expected = sourcead.hessian(c.fn, wrt=c.wrt)(*args)
    got = sourcead.grad(sourcead.grad(c.fn, wrt=c.wrt), wrt=c.wrt)(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("c", SCALAR)
def test_forward_over_forward_equals_hessian(c):
    args = copy.deepcopy(c.args)
    expected = sourcead.hessian(c.fn, wrt=c.wrt)(*args)
    inner = sourcead.jvp(c.fn, wrt=c.wrt)
    (_, _), (_, second) = sourcead.jvp(inner, wrt=c.wrt)(*args, 1.0, 1.0)
    np.testing.assert_allclose(second, expected, rtol=1e-9, atol=1e-12)


def cubic_loop(x):
    y = x
    for i in range(3):
        if y > 0.0:
            y = y * x + math.sin(y)
        else:
            y = y - x * x
    return y


def exp_branch(x):
    if x > 1.0:
        return math.exp(x) * x
    s = 0.0
    k = 0
    while k < 4:
        s = s + math.cos(s + x)
        k += 1
    return s


@pytest.mark.parametrize("f, x", [(cubic_loop, 0.7), (cubic_loop, -0.4), (exp_branch, 1.5),
                                  (exp_branch, 0.3)])
def test_third_derivative(f, x):
    third = sourcead.grad(sourcead.grad(sourcead.grad(f)))(x)
    second = sourcead.grad(sourcead.grad(f))
    eps = 1e-5
    np.testing.assert_allclose(third, (second(x + eps) - second(x - eps)) / (2 * eps),
                               rtol=1e-5, atol=1e-6)


def test_third_derivative_through_calls_and_recursion():
    # rpow(x, 4) = x**4: the third derivative is 24 x
    third = sourcead.grad(sourcead.grad(sourcead.grad(corpus.recursive_power)))
    assert third(1.3, 4) == pytest.approx(24 * 1.3, rel=1e-12)


def test_third_derivative_exact_value():
    def g(x):
        return math.sin(x) * x
    # d3/dx3 (x sin x) = -x cos x - 3 sin x
    assert sourcead.grad(sourcead.grad(sourcead.grad(g)))(1.3) == pytest.approx(
        -1.3 * math.cos(1.3) - 3 * math.sin(1.3), rel=1e-13)


def _scaled_then_maybe_looped(x0, x1):
    t0 = x0 * x1
    n = 0
    while n < 3 and np.sum(t0) > 100.0:   # runs or not, depending on the data
        n += 1
        x0 = np.cos(t0)
    return np.sum(np.tanh(x0))


def test_hessian_when_an_array_adjoint_stays_zero():
    # found by a soak: with the loop not run, t0's adjoint stays a plain zero, and its
    # vector-mode tangent times an array partial took that array's shape as directions
    x0 = np.array([-1.05, -0.09, -0.58])
    assert sourcead.hessian(_scaled_then_maybe_looped, wrt=1)(x0, -0.63) == 0.0
    # the loop runs: exact value d2/dx1^2 sum(tanh(cos(x0 x1))) for one iteration
    x0 = np.array([50.0, 60.0, 70.0])
    x1 = 1.01
    c, s = np.cos(x0 * x1), np.sin(x0 * x1)
    th = np.tanh(c)
    d1 = (1 - th ** 2) * (-s * x0)
    exact = np.sum(-2 * th * (1 - th ** 2) * (s * x0) ** 2 + (1 - th ** 2) * (-c * x0 ** 2))
    got = sourcead.hessian(_scaled_then_maybe_looped, wrt=1)(x0, x1)
    assert got == pytest.approx(exact, rel=1e-10)
    assert sourcead.grad(_scaled_then_maybe_looped, wrt=1)(x0, x1) == pytest.approx(np.sum(d1), rel=1e-12)
