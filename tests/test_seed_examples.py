"""The worked examples of /work/shared/seed-examples.md, with exactly the numbers given there.

Every mode the examples name is checked: reverse and forward gradients, ``vjp``, ``jvp`` and
the exact Hessian.

Example 3's table value (-5.46761419) is what a *forward* difference with step 1e-4 gives;
the exact derivative 2x cos(x^2) at x = 3 is -5.466781571308061, and that is what we check.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sourcead



# ---------------------------------------------------------------- 1 and 2: x*x*y + y + 2

def seed1(x, y):
    return x * x * y + y + 2


def test_seed1_gradient_and_value() -> None:
    (dx, dy), value = sourcead.grad(seed1, wrt=(0, 1), preserve_result=True)(3.0, 4.0)
    assert value == 42.0
    assert (dx, dy) == (24.0, 10.0)


def test_seed1_wrt_by_name() -> None:
    assert sourcead.grad(seed1, wrt=("x", "y"))(3.0, 4.0) == (24.0, 10.0)


def test_seed2_hessian_is_exact() -> None:
    def f_of_vector(v):
        return v[0] * v[0] * v[1] + v[1] + 2

    h = sourcead.hessian(f_of_vector)(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(h, [[8.0, 6.0], [6.0, 0.0]])


def test_seed2_hessian_diagonal_per_argument() -> None:
    """hessian of a scalar input is a float: d2f/dx2 = 2y = 8, d2f/dy2 = 0."""
    assert sourcead.hessian(seed1, wrt=0)(3.0, 4.0) == 8.0
    assert sourcead.hessian(seed1, wrt=1)(3.0, 4.0) == 0.0


# ---------------------------------------------------------------- 3: sin(x**2)

def seed3(x):
    return math.sin(x ** 2)


SEED3_EXACT = 2 * 3.0 * math.cos(9.0)  # -5.466781571308061


def test_seed3_reverse() -> None:
    assert sourcead.grad(seed3)(3.0) == pytest.approx(SEED3_EXACT, rel=1e-15)
    assert SEED3_EXACT == pytest.approx(-5.4667815713, abs=1e-10)


def test_seed3_forward_agrees_with_reverse() -> None:
    forward = sourcead.grad(seed3, mode="forward")(3.0)
    assert forward == pytest.approx(sourcead.grad(seed3)(3.0), rel=1e-15)


# ---------------------------------------------------------------- 4 and 5: dot and sum

def seed4(x):
    return 2 * np.dot(x, x)


def seed5_dot(x):
    return np.dot(x, x)


def seed5_sum(x):
    return np.sum(x)


def test_seed4_two_dot() -> None:
    grad, value = sourcead.grad(seed4, preserve_result=True)(np.arange(4.0))
    assert value == 28.0
    np.testing.assert_array_equal(grad, [0.0, 4.0, 8.0, 12.0])


def test_seed5_dot_and_sum() -> None:
    x = np.arange(4.0)
    np.testing.assert_array_equal(sourcead.grad(seed5_dot)(x), 2 * x)
    ones = sourcead.grad(seed5_sum)(x)
    assert isinstance(ones, np.ndarray) and ones.shape == (4,)
    np.testing.assert_array_equal(ones, np.ones(4))


# ---------------------------------------------------------------- 6: stop_gradient ("detach")

def seed6_detached(x):
    y = x * x
    u = sourcead.stop_gradient(y)
    z = u * x
    return np.sum(z)


def seed6_attached(x):
    y = x * x
    return np.sum(y)


def test_seed6_stop_gradient() -> None:
    x = np.arange(4.0)
    np.testing.assert_array_equal(sourcead.grad(seed6_detached)(x), x * x)
    np.testing.assert_array_equal(sourcead.grad(seed6_attached)(x), 2 * x)


def test_seed6_stop_gradient_is_identity_when_called() -> None:
    x = np.arange(4.0)
    np.testing.assert_array_equal(sourcead.stop_gradient(x), x)
    assert seed6_detached(x) == np.sum(x ** 3)


# ---------------------------------------------------------------- 7: data-dependent control flow

def seed7_scalar(a):
    b = a * 2
    while abs(b) < 1000:
        b = b * 2
    if b > 0:
        c = b
    else:
        c = 100 * b
    return c


def seed7_vector_sum(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


def seed7_vector_sum_sqrt_norm(a):
    b = a * 2
    while np.sqrt(np.sum(b * b)) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


def seed7_vector(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


RNG_SCALARS = [float(v) for v in np.random.default_rng(7).normal(size=6)]


@pytest.mark.parametrize("a", RNG_SCALARS, ids=[f"a={v:+.3f}" for v in RNG_SCALARS])
def test_seed7_scalar_piecewise_linear(a: float) -> None:
    """f(a) = k a on each piece, so df/da = f(a)/a (both branches occur among the points)."""
    assert sourcead.grad(seed7_scalar)(a) == pytest.approx(seed7_scalar(a) / a, rel=1e-14)


@pytest.mark.parametrize("f", [seed7_vector_sum, seed7_vector_sum_sqrt_norm])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_seed7_vector_sum(f, seed: int) -> None:
    """sum(f(a)) = k sum(a) with one k for the whole path, so the gradient is k everywhere."""
    a = np.random.default_rng(seed).normal(size=3)
    k = f(a) / np.sum(a)
    np.testing.assert_allclose(sourcead.grad(f)(a), np.full(3, k), rtol=1e-14)


def test_seed7_vector_elementwise_vjp() -> None:
    a = np.random.default_rng(4).normal(size=3)
    value, grad = sourcead.vjp(seed7_vector)(a, np.ones(3))
    np.testing.assert_allclose(grad, np.full(3, np.sum(value) / np.sum(a)), rtol=1e-14)
    np.testing.assert_allclose(grad, value / a, rtol=1e-14)  # f(a)/a, elementwise


# ---------------------------------------------------------------- 8 and 9: sum over paths

def seed8(a, b):
    return (a + b) * (b + 1)


def seed9(x1, x2):
    return (x1 + x2) * x2


def test_seed8_sum_over_paths() -> None:
    (da, db), e = sourcead.grad(seed8, wrt=(0, 1), preserve_result=True)(2.0, 1.0)
    assert e == 6.0
    assert (da, db) == (2.0, 5.0)


@pytest.mark.parametrize("x1, x2", [(2.0, 1.0), (-0.3, 1.7), (5.5, -2.25)])
def test_seed9_shared_input(x1: float, x2: float) -> None:
    dx1, dx2 = sourcead.grad(seed9, wrt=(0, 1))(x1, x2)
    assert dx1 == x2
    assert dx2 == pytest.approx(x1 + 2 * x2, rel=1e-15)


# ---------------------------------------------------------------- 10: forward mode

def seed10(x, y):
    return math.sin(x) + x * y


def test_seed10_forward_mode() -> None:
    x, y = 0.7, -1.3
    assert sourcead.grad(seed10, mode="forward")(x, y) == pytest.approx(math.cos(x) + y,
                                                                        rel=1e-15)


def test_seed10_jvp() -> None:
    value, tangent = sourcead.jvp(seed10, wrt=0)(0.7, -1.3, 1.0)
    assert value == seed10(0.7, -1.3)
    assert tangent == pytest.approx(math.cos(0.7) - 1.3, rel=1e-15)


def test_seed10_reverse_mode() -> None:
    assert sourcead.grad(seed10)(0.7, -1.3) == pytest.approx(math.cos(0.7) - 1.3, rel=1e-15)


# ---------------------------------------------------------------- 11: unused inputs

def seed11_float(x, unused):
    return x * x


def seed11_array(x, unused):
    return np.sum(x * x)


def test_seed11_unused_float_is_explicit_zero() -> None:
    dx, dunused = sourcead.grad(seed11_float, wrt=(0, 1))(3.0, 4.0)
    assert dx == 6.0
    assert dunused is not None and isinstance(dunused, float) and dunused == 0.0


def test_seed11_unused_array_is_zeros_of_its_shape() -> None:
    dx, dunused = sourcead.grad(seed11_array, wrt=(0, 1))(np.arange(3.0), np.ones((2, 2)))
    np.testing.assert_array_equal(dx, 2 * np.arange(3.0))
    assert isinstance(dunused, np.ndarray) and dunused.shape == (2, 2)
    np.testing.assert_array_equal(dunused, np.zeros((2, 2)))


def test_seed11_only_unused_requested() -> None:
    assert sourcead.grad(seed11_float, wrt=1)(3.0, 4.0) == 0.0
