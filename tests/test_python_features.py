"""Lambdas, min/max builtins, transparent `with np.errstate`, default arguments: exact values,
in every mode."""
import math

import numpy as np
import pytest

import sourcead

import python_features as pf


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_lambda_assigned_at_module_level(mode):
    expected = 2 * 1.3 * math.cos(1.3 ** 2)
    assert sourcead.grad(pf.square_then_sin, mode=mode)(1.3) == pytest.approx(expected, rel=1e-14)


def test_with_errstate_is_transparent():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(sourcead.grad(pf.with_errstate)(x), np.log(x) + 1, rtol=1e-14)


@pytest.mark.parametrize("a, b, expected", [(1.5, 1.0, (4.0, 0.0)), (0.5, 1.0, (1.0, 1.0)),
                                            (0.5, 0.2, (1.0, 2.0))])
def test_min_max_builtins(a, b, expected):
    # max(a*a, b) + min(a, 2b)
    assert sourcead.grad(pf.builtin_minmax, wrt=(0, 1))(a, b) == pytest.approx(expected)
    assert sourcead.grad(pf.builtin_minmax, wrt=(0, 1), mode="forward")(a, b) == pytest.approx(expected)


def test_default_arguments_of_the_differentiated_function():
    def f(x, scale=3.0, power=2):
        return scale * x ** power
    assert sourcead.grad(f)(2.0) == pytest.approx(12.0)
    assert sourcead.grad(f)(2.0, 1.0, 3) == pytest.approx(12.0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_enumerate_zip_reversed_loops(mode):
    ws = np.array([0.5, -1.0, 2.0])
    x = 0.7
    got = sourcead.grad(pf.loop_helpers, wrt=(0, 1), mode=mode)(x, ws)
    expected = sourcead.numeric_grad(pf.loop_helpers, x, ws, wrt=(0, 1))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-7)
    assert sourcead.hessian(pf.loop_helpers)(x, ws) == pytest.approx(
        float(sourcead.numeric_grad(sourcead.grad(pf.loop_helpers), x, ws)), rel=1e-6)


def test_enumerate_exact_polynomial_derivative():
    c = np.array([1.0, -2.0, 0.5, 3.0])
    x = 0.8
    # p'(x) = -2 + 2 * 0.5 x + 3 * 3 x^2 ; dp/dc_k = x^k
    gx, gc = sourcead.grad(pf.polynomial, wrt=(0, 1))(x, c)
    assert gx == pytest.approx(-2 + x + 9 * x * x, rel=1e-14)
    np.testing.assert_allclose(gc, x ** np.arange(4), rtol=1e-14)


def test_gradient_hook_clips_and_is_visible():
    x = np.array([0.5, -2.0])
    # y = x*x has adjoint 3 everywhere; clipped to 1, then times dy/dx = 2x
    np.testing.assert_allclose(sourcead.grad(pf.clipped_gradient)(x), 2 * x, rtol=1e-14)
    assert "clip_unit(" in sourcead.source(sourcead.grad(pf.clipped_gradient), x)
    # forward mode ignores the hook: the true derivative 6x
    np.testing.assert_allclose(sourcead.grad(pf.clipped_gradient, mode="forward")(x), 6 * x)


def test_register_source_for_a_function_made_by_exec():
    text = "def made(x):\n    return x * x * x\n"
    namespace = {}
    exec(text, namespace)
    made = sourcead.register_source(namespace["made"], text)
    assert sourcead.grad(made)(2.0) == pytest.approx(12.0)


# ---- loops over several targets: for a, b in pairs; for k, (a, b) in enumerate(zip(...)) --------

@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_loops_over_several_targets(mode):
    grad = lambda f, wrt=0: sourcead.grad(f, wrt=wrt, mode=mode)   # noqa: E731
    g = grad(pf.pairs_loop)([(1.0, 2.0), (3.0, 4.0)])
    assert g == [(4.0, 4.0), (16.0, 24.0)]                           # (b*b, 2ab) per pair
    x, y = 1.5, 2.0                                                  # x*y + 2*y*x*x
    assert grad(pf.enumerated_pairs, (0, 1))(x, y) == pytest.approx((y + 4 * x * y, x + 2 * x * x),
                                                                    rel=1e-15)
    w, v = np.array([0.3, -0.2, 0.7]), np.array([1.0, 2.0, 0.5])
    k = np.arange(1.0, 4.0)
    gw, gv = grad(pf.enumerated_zip, (0, 1))(w, v)
    np.testing.assert_allclose(gw, k * np.sin(v[::-1]), rtol=1e-15)
    np.testing.assert_allclose(gv, (k * w * np.cos(v[::-1]))[::-1], rtol=1e-15)
    np.testing.assert_allclose((gw, gv), sourcead.numeric_grad(pf.enumerated_zip, w, v, wrt=(0, 1)),
                               rtol=1e-8)
    xs, cs = np.array([1.0, 2.0, 3.0]), [0.5, -1.0]
    np.testing.assert_allclose(grad(pf.nested_zip_target)(xs, cs),
                               [2.0 * 0.5, 1.0 * 0.5 + 3.0 * -1.0, 2.0 * -1.0], rtol=1e-15)


def test_loops_over_several_targets_second_order():
    h = sourcead.hessian(pf.enumerated_pairs, wrt=(0, 1))(1.5, 2.0)
    assert np.allclose(np.array(h, dtype=float), [[4 * 2.0, 1 + 4 * 1.5], [1 + 4 * 1.5, 0.0]])
