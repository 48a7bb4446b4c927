"""Lambdas, min/max builtins, transparent `with np.errstate`, default arguments: exact values,
in every mode."""
import math

import numpy as np
import pytest

import sourcead
from sourcead.numeric import numeric_jacobian

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


# ---- raise and assert: kept as written; the derivative raises where the function does ----------

def test_raise_and_assert_are_control_flow():
    x = np.array([1.5, 2.0])
    y, r = np.sum(x ** 2), np.sqrt(x[0] ** 2 + 1.0)
    exact = 2 * x * r + y * np.array([x[0] / r, 0.0])
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(sourcead.grad(pf.raises_on_a_branch, mode=mode)(x), exact,
                                   rtol=1e-14, err_msg=mode)
    np.testing.assert_allclose(sourcead.jvp(pf.raises_on_a_branch)(x, np.ones(2))[1], np.sum(exact),
                               rtol=1e-14)
    np.testing.assert_allclose(sourcead.hessian(pf.raises_on_a_branch)(x),
                               numeric_jacobian(sourcead.grad(pf.raises_on_a_branch), x),
                               rtol=1e-6)
    assert sourcead.grad(pf.returns_or_raises)(1.5) == 3.0
    assert sourcead.grad(pf.returns_or_raises, mode="forward")(1.5) == 3.0
    assert sourcead.hessian(pf.returns_or_raises)(1.5) == 2.0


@pytest.mark.parametrize("mode", ["reverse", "forward", "hessian"])
@pytest.mark.parametrize("f, x, error, message", [
    (pf.raises_on_a_branch, np.array([10.0, 2.0]), ValueError, "too big: 104.0"),
    (pf.raises_on_a_branch, np.array([-6.0, 1.0]), AssertionError, "x too small"),
    (pf.raises_on_a_branch, np.array([1.0, 2.0, 3.0]), AssertionError, r"shape \(3,\)"),
    (pf.returns_or_raises, -1.0, ValueError, "negative"),
    (pf.returns_or_raises, 25.0, RuntimeError, "out of range"),
])
def test_the_derivative_raises_what_the_function_raises(f, x, error, message, mode):
    with pytest.raises(error, match=message):
        f(x)
    d = sourcead.hessian(f) if mode == "hessian" else sourcead.grad(f, mode=mode)
    with pytest.raises(error, match=message):
        d(x)


def test_raise_and_assert_read_as_written():
    text = sourcead.source(sourcead.grad(pf.raises_on_a_branch), np.array([1.0, 2.0]))
    assert "raise ValueError(f'too big: {y}')" in text
    assert "assert x.shape == (2,), f'shape {x.shape}'" in text or \
        "f'shape {x.shape}'" in text
    assert "raise ValueError(f'negative: {v}')" in text


# ---- max / min of a list; dict(...), tuple([...]), list((...)) ---------------------------------

import no_numpy_module as plain  # noqa: E402


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("x, y", [(2.5, 1.5), (-0.3, 0.8)])
def test_max_and_min_of_a_list(mode, x, y):
    # losses (x - i)^2 y for i = 0, 1, 2: the largest and the smallest get the derivative
    losses = [(x - i) ** 2 * y for i in range(3)]
    big, small = int(np.argmax(losses)), int(np.argmin(losses))
    dx = 2 * y * ((x - big) + (x - small) + sum(x - i for i in range(3)))
    dy = (losses[big] + losses[small] + sum(losses)) / y
    got = sourcead.grad(plain.largest_loss, wrt=(0, 1), mode=mode)(x, y)
    assert got == pytest.approx((dx, dy), rel=1e-14)
    assert got == pytest.approx(sourcead.numeric_grad(plain.largest_loss, x, y, wrt=(0, 1)),
                                rel=1e-7)
    got = sourcead.grad(plain.smallest_pair, wrt=(0, 1), mode=mode)(1.5, 2.0)  # 1.5*2; 1.5**2 vs 4
    assert got == pytest.approx((2.0, 1.5 + 2.0), rel=1e-14)


def test_max_of_a_list_second_order():
    h = sourcead.hessian(plain.largest_loss, wrt=(0, 1))(2.5, 1.5)
    # d2/dx2 = 2y * 5 terms; d2/dxdy = 2 * (x-2 + x-0 + 3x-3) = 2 * (5x - 5)
    np.testing.assert_allclose(np.array(h, dtype=float), [[2 * 1.5 * 5, 2 * (5 * 2.5 - 5)],
                                                          [2 * (5 * 2.5 - 5), 0.0]], rtol=1e-14)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_dict_tuple_and_list_calls(mode):
    x, y = 1.5, 2.0    # x*y + y*y*x + 2
    got = sourcead.grad(pf.config_containers, wrt=(0, 1), mode=mode)(x, y)
    assert got == pytest.approx((y + y * y, x + 2 * x * y), rel=1e-15)


def test_reads_and_writes_with_index_arrays_apart_in_every_order():
    """``y[1, :, [0, 2]]``: NumPy puts the axes of index arrays that a slice separates first;
    vector mode (one more axis, of directions) must too."""
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    f = pf.writes_through_indices_apart
    g = sourcead.grad(f)(x)
    np.testing.assert_allclose(g, sourcead.numeric_grad(f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(x), g, rtol=1e-13)
    expected = numeric_jacobian(sourcead.grad(f), x)
    np.testing.assert_allclose(sourcead.hessian(f)(x), expected, atol=1e-6)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(x), expected,
                               atol=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_operator_module_functions_and_real_parts(mode):
    x, y = 1.3, 0.6     # x*y + x/y + x**3 + (y - x) + (x mod 0.7)
    got = sourcead.grad(pf.with_operator_functions, wrt=(0, 1), mode=mode)(x, y)
    assert got == pytest.approx((y + 1 / y + 3 * x * x - 1 + 1, x - x / y ** 2 + 1), rel=1e-14)
    v = np.array([0.3, -0.8, 1.2])
    np.testing.assert_allclose(sourcead.grad(pf.real_parts, mode=mode)(v), 2 * v + 3 * v * v,
                               rtol=1e-14)
    assert sourcead.hessian(pf.with_operator_functions)(x, y) == pytest.approx(6 * x, rel=1e-14)
