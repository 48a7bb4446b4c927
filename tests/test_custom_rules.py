"""Custom derivative rules (public API): registered in the one-row form of the built-in
tables, inlined into generated code, used by every mode and to second order; a wrong rule is
caught by ``check_rule``."""
import math

import numpy as np
import pytest

import sourcead

import custom_functions as cf

sourcead.defrule(cf.softplus, partials=["1 / (1 + np.exp(-x))"])
sourcead.defrule(cf.softplus_with_wrong_rule, partials=["1 / (1 + np.exp(x))"])
sourcead.defrule(cf.scaled_sum, params=("x", "s"),
                 tangents={"x": "np.sum(x_dot) * s", "s": "np.sum(x) * s_dot"},
                 adjoints={"x": "g * s * np.ones_like(x)", "s": "g * np.sum(x)"})
sourcead.defrule(cf.opaque_cube, params=("v",), partials=["3 * v ** 2"])

X = np.array([0.3, -1.2, 2.0])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_partials_rule_in_both_modes_and_inlined():
    expected = np.log1p(np.exp(X)) + X * sigmoid(X)
    np.testing.assert_allclose(sourcead.grad(cf.uses_softplus)(X), expected, rtol=1e-13)
    np.testing.assert_allclose(sourcead.grad(cf.uses_softplus, mode="forward")(X), expected,
                               rtol=1e-13)
    assert "np.exp(-x)" in sourcead.source(sourcead.grad(cf.uses_softplus), X)


def test_partials_rule_to_second_order():
    # d2/dx2 [x softplus(x)] = 2 sigmoid(x) + x sigmoid(x) (1 - sigmoid(x))
    s = sigmoid(X)
    np.testing.assert_allclose(np.diag(sourcead.hessian(cf.uses_softplus)(X)),
                               2 * s + X * s * (1 - s), rtol=1e-12)


def test_tangent_and_adjoint_rule():
    s = 1.7
    gx, gs = sourcead.grad(cf.uses_scaled_sum, wrt=(0, 1))(X, s)
    np.testing.assert_allclose(gx, 2 * X * s, rtol=1e-14)
    assert gs == pytest.approx(np.sum(X * X) + 1, rel=1e-14)
    fx, fs = sourcead.grad(cf.uses_scaled_sum, wrt=(0, 1), mode="forward")(X, s)
    np.testing.assert_allclose(fx, gx, rtol=1e-14)
    assert fs == pytest.approx(gs, rel=1e-14)


def test_rule_through_a_loop_and_reverse_over_reverse():
    # y = v**3 * v**2 = v**5
    assert sourcead.grad(cf.uses_cube)(1.3) == pytest.approx(5 * 1.3 ** 4, rel=1e-13)
    assert sourcead.grad(sourcead.grad(cf.uses_cube))(1.3) == pytest.approx(20 * 1.3 ** 3, rel=1e-12)


def test_checker_accepts_right_rules_and_catches_wrong_ones():
    sourcead.check_rule(cf.softplus, X)
    sourcead.check_rule(cf.scaled_sum, X, 1.7)
    sourcead.check_rule(cf.opaque_cube, 1.3)
    with pytest.raises(AssertionError, match="forward rule of softplus_with_wrong_rule"):
        sourcead.check_rule(cf.softplus_with_wrong_rule, X)


def test_rule_must_cover_both_directions():
    with pytest.raises(sourcead.UsageError, match="same arguments"):
        sourcead.defrule(math.gamma, tangents={"x": "x_dot"}, adjoints={})
    with pytest.raises(sourcead.UsageError):
        sourcead.defrule(math.gamma)
