"""Tests of the finite-difference checker against functions whose derivatives are known exactly.

The checker is the oracle for the rest of the suite, so it must itself be shown to fail when
it is wrong: every check compares with a hand-written derivative at a tight tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sourcead.numeric import default_step, numeric_grad, numeric_jacobian

RTOL = 1e-8


def poly(x: float, y: float) -> float:
    return x * x * y + y + 2.0


def trig(x: float) -> float:
    return math.sin(x ** 2)


def weighted_norm(v: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * v ** 2))


def mutating(v: np.ndarray) -> float:
    """A badly behaved f: it writes into its argument.  The checker must shield the caller."""
    v *= 2.0
    return float(np.sum(v))


@pytest.mark.parametrize("x, y", [(3.0, 4.0), (-1.5, 0.25), (1e3, 2.0), (0.0, 7.0)])
def test_polynomial_both_args(x: float, y: float) -> None:
    gx, gy = numeric_grad(poly, x, y, wrt=(0, 1))
    assert gx == pytest.approx(2 * x * y, rel=RTOL, abs=1e-7)
    assert gy == pytest.approx(x * x + 1, rel=RTOL, abs=1e-7)


def test_float_argument_gives_float() -> None:
    g = numeric_grad(trig, 3.0)
    assert type(g) is float
    assert g == pytest.approx(2 * 3.0 * math.cos(9.0), rel=RTOL)


def test_int_argument_is_differenced_as_float() -> None:
    assert numeric_grad(trig, 3) == pytest.approx(2 * 3.0 * math.cos(9.0), rel=RTOL)


def test_wrt_by_name_and_mixed() -> None:
    assert numeric_grad(poly, 3.0, 4.0, wrt="y") == pytest.approx(10.0, rel=RTOL)
    gx, gy = numeric_grad(poly, 3.0, 4.0, wrt=("x", 1))
    assert (gx, gy) == (pytest.approx(24.0, rel=RTOL), pytest.approx(10.0, rel=RTOL))


def test_array_argument_shape_and_value() -> None:
    v = np.arange(6.0).reshape(2, 3) - 2.5
    w = np.linspace(0.5, 3.0, 6).reshape(2, 3)
    gv, gw = numeric_grad(weighted_norm, v, w, wrt=(0, 1))
    assert isinstance(gv, np.ndarray) and gv.shape == v.shape
    np.testing.assert_allclose(gv, 2 * w * v, rtol=RTOL, atol=1e-8)
    np.testing.assert_allclose(gw, v ** 2, rtol=RTOL, atol=1e-8)


def test_arguments_not_mutated() -> None:
    v = np.array([1.0, -2.0, 3.0])
    before = v.copy()
    g = numeric_grad(mutating, v)
    np.testing.assert_array_equal(v, before)
    np.testing.assert_allclose(g, np.full(3, 2.0), rtol=RTOL)


def test_other_array_args_not_mutated() -> None:
    def f(x: float, v: np.ndarray) -> float:
        v += x
        return float(np.sum(v) * x)

    v = np.array([1.0, 2.0])
    before = v.copy()
    g = numeric_grad(f, 2.0, v)
    np.testing.assert_array_equal(v, before)
    # f = x * (sum(v) + 2x)  ->  df/dx = sum(v) + 4x
    assert g == pytest.approx(3.0 + 8.0, rel=RTOL)


def test_size_one_array_output_counts_as_scalar() -> None:
    g = numeric_grad(lambda x: np.array([x ** 3]), 2.0)
    assert g == pytest.approx(12.0, rel=RTOL)


def test_non_scalar_output_is_rejected() -> None:
    with pytest.raises(ValueError):
        numeric_grad(lambda v: v * 2.0, np.ones(3))


def test_bad_wrt_is_rejected() -> None:
    with pytest.raises(ValueError):
        numeric_grad(poly, 1.0, 2.0, wrt="z")
    with pytest.raises(ValueError):
        numeric_grad(poly, 1.0, 2.0, wrt=2)


def test_large_argument_uses_relative_step() -> None:
    """With an absolute step of 1e-6, x = 1e12 would not move at all."""
    assert default_step(1e12) > 1e12 * 1e-7
    assert numeric_grad(lambda x: x * x, 1e12) == pytest.approx(2e12, rel=1e-6)


def test_explicit_eps_is_used() -> None:
    """A huge step is visibly wrong for a cubic: (x+h)^3 - (x-h)^3 = 6 x^2 h + 2 h^3."""
    g = numeric_grad(lambda x: x ** 3, 1.0, eps=1.0)
    assert g == pytest.approx(3.0 + 1.0, rel=1e-12)


def test_jacobian_shapes_and_values() -> None:
    a = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    x = np.array([0.3, -0.7, 1.1])
    jx = numeric_jacobian(lambda m, v: np.sin(m @ v), a, x, wrt=1)
    assert jx.shape == (2, 3)
    np.testing.assert_allclose(jx, np.cos(a @ x)[:, None] * a, rtol=RTOL, atol=1e-9)
    ja = numeric_jacobian(lambda m, v: m @ v, a, x, wrt=0)
    assert ja.shape == (2, 2, 3)
    expected = np.einsum("ij,k->ijk", np.eye(2), x)
    np.testing.assert_allclose(ja, expected, rtol=RTOL, atol=1e-9)


def test_jacobian_scalar_in_and_out() -> None:
    j = numeric_jacobian(lambda x: x ** 2, 3.0)
    assert np.shape(j) == ()
    assert float(j) == pytest.approx(6.0, rel=RTOL)
    jv = numeric_jacobian(lambda t: np.array([t, t * t, math.exp(t)]), 0.5)
    assert jv.shape == (3,)
    np.testing.assert_allclose(jv, [1.0, 1.0, math.exp(0.5)], rtol=RTOL)


def test_gradient_with_respect_to_lists_tuples_and_dicts() -> None:
    """Nested like the argument, as sourcead.grad returns it; the caller's nest is untouched."""
    params = {"a": 2.0, "w": np.array([[1.0, 2.0]]), "t": (3.0, [4.0, -1.0])}

    def loss(p: dict) -> float:
        return p["a"] * np.sum(p["w"] ** 2) + p["t"][0] * p["t"][1][0] * p["t"][1][1]

    g = numeric_grad(loss, params)
    assert set(g) == {"a", "w", "t"} and isinstance(g["t"], tuple) and isinstance(g["t"][1], list)
    assert g["a"] == pytest.approx(5.0, rel=RTOL)
    np.testing.assert_allclose(g["w"], [[4.0, 8.0]], rtol=RTOL)
    assert g["t"][0] == pytest.approx(-4.0, rel=RTOL)
    np.testing.assert_allclose(g["t"][1], [-3.0, 12.0], rtol=RTOL)
    assert params["a"] == 2.0 and params["t"] == (3.0, [4.0, -1.0])
    gx, gy = numeric_grad(lambda xs, ys: sum(a * b for a, b in zip(xs, ys)), [1.0, 2.0],
                          (3.0, 4.0), wrt=(0, 1))
    np.testing.assert_allclose(gx, [3.0, 4.0], rtol=RTOL)
    assert isinstance(gy, tuple) and gy == pytest.approx((1.0, 2.0), rel=RTOL)
