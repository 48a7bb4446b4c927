"""Differentiating a NumPy, math or builtin function itself (``grad(np.arctan2)``), as the
test suites of other AD tools do: the same derivative as of ``lambda *a: np.arctan2(*a)``,
exact, in every mode."""
import math

import numpy as np
import pytest

import sourcead
from sourcead.library import as_function
from sourcead.numeric import numeric_jacobian

X = np.array([0.5, -1.2, 2.0])
Y = np.array([1.5, 0.3, -0.7])


def test_a_binary_ufunc_in_both_arguments():
    jx, jy = sourcead.jacobian(np.arctan2, wrt=(0, 1))(X, Y)
    np.testing.assert_allclose(jx, np.diag(Y / (X ** 2 + Y ** 2)), rtol=1e-14)
    np.testing.assert_allclose(jy, np.diag(-X / (X ** 2 + Y ** 2)), rtol=1e-14)
    for mode in ("reverse", "forward"):
        gx, gy = sourcead.grad(np.arctan2, wrt=(0, 1), mode=mode)(0.5, 1.5)
        assert (gx, gy) == pytest.approx((1.5 / 2.5, -0.5 / 2.5), rel=1e-15)


def test_reductions_norms_and_math():
    np.testing.assert_allclose(sourcead.grad(np.sum)(X), np.ones(3))
    np.testing.assert_allclose(sourcead.grad(np.linalg.norm)(X), X / np.linalg.norm(X),
                               rtol=1e-14)
    assert sourcead.grad(math.sin)(0.3) == pytest.approx(math.cos(0.3), rel=1e-15)
    assert sourcead.grad(math.sin, mode="forward")(0.3) == pytest.approx(math.cos(0.3))
    n = np.linalg.norm(X)
    exact = np.eye(3) / n - np.outer(X, X) / n ** 3
    np.testing.assert_allclose(sourcead.hessian(np.linalg.norm)(X), exact, rtol=1e-12)
    numeric = numeric_jacobian(lambda v: sourcead.grad(np.linalg.norm)(v), X.copy())
    np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-7)


def test_jvp_vjp_and_jacobian_of_unary_ufuncs():
    value, tangent = sourcead.jvp(np.exp)(X, np.ones(3))
    np.testing.assert_allclose(tangent, np.exp(X), rtol=1e-15)
    value, cotangent = sourcead.vjp(np.tanh)(X, Y)
    np.testing.assert_allclose(cotangent, Y * (1 - np.tanh(X) ** 2), rtol=1e-14)
    np.testing.assert_allclose(sourcead.jacobian(np.sin)(X), np.diag(np.cos(X)), rtol=1e-15)


def test_the_source_reads_as_the_call_and_the_function_is_made_once():
    assert as_function(np.arctan2) is as_function(np.arctan2)
    assert as_function(np.linalg.norm).__name__ == "norm"
    text = sourcead.source(sourcead.grad(np.arctan2, wrt=(0, 1)), 0.5, 1.5)
    assert "np.arctan2(*args, **kwargs)" in text


def test_functions_of_the_user_are_left_alone():
    def f(x):
        return x * 2.0
    assert as_function(f) is f
    vectorized = np.vectorize(f)
    assert as_function(vectorized) is vectorized   # no rule: left to the usual refusal
    with pytest.raises(sourcead.SourceADError):
        sourcead.grad(vectorized)(X)
