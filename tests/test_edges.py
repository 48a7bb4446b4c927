"""NumPy's semantics at the edges, for array code (issue 11, item 7): std and var over one
element (and std of copies of one value, which is constant in it) have derivative 0, not
NaN, in every mode and to second order; where NumPy's formula for a derivative gives inf or
NaN (arcsin at 1, sqrt and log at 0, a power of 0 with respect to its exponent) the
derivative gives the same, without raising."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import sourcead
import rule_check
import edge_functions as edges


def _zero_part(x):
    return 2 * x


@pytest.mark.parametrize("f, x", edges.CONSTANT,
                         ids=[f"{c[0].__name__}-{np.ravel(c[1])[0]}" for c in edges.CONSTANT])
def test_std_and_var_constant_over_their_elements(f, x):
    for mode in ("reverse", "forward"):
        got = sourcead.grad(f, mode=mode)(x)
        assert np.shape(got) == np.shape(x)
        np.testing.assert_allclose(got, 2 * x, rtol=1e-12, atol=1e-12, err_msg=mode)
    np.testing.assert_allclose(sourcead.numeric_grad(f, x), 2 * x, rtol=1e-6, atol=1e-7)
    rng = np.random.default_rng(0)
    tangents, derivative = rule_check.check_forward(f, [x], (0,), rng)
    rule_check.check_reverse(f, [x], (0,), tangents, derivative, rng)
    hessian = sourcead.hessian(f)(x)
    expected = 2 * np.eye(np.size(x)).reshape(np.shape(x) + np.shape(x))
    np.testing.assert_allclose(hessian, expected, atol=1e-12)
    v = np.ones_like(x) if np.ndim(x) else 1.0
    _, hv = sourcead.vjp(sourcead.grad(f))(x, v)
    np.testing.assert_allclose(hv, 2 * v, atol=1e-12)


@pytest.mark.parametrize("values", [[2.0, 2.0, 2.0], [0.1, 0.1, 0.1], [1 / 3] * 5])
@pytest.mark.parametrize("f", [edges.std, edges.var])
def test_std_and_var_of_equal_elements_have_derivative_zero(f, values):
    """Not differentiable there (a cone): of its one-sided slopes, 0 is the symmetric one."""
    x = np.array(values)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(sourcead.grad(f, mode=mode)(x), np.zeros(len(x)),
                                   atol=1e-15, err_msg=mode)
    _, tangent = sourcead.jvp(f)(x, np.array([1.0, -2.0, 0.5] + [0.0] * (len(x) - 3)))
    assert abs(tangent) < 1e-15


@pytest.mark.parametrize("f, x, formula", edges.EDGES, ids=[c[0].__name__ for c in edges.EDGES])
def test_infinite_or_nan_derivatives_as_numpy_gives_them(f, x, formula):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        expected = formula(x)
        np.testing.assert_array_equal(sourcead.grad(f)(x), expected)
        np.testing.assert_array_equal(sourcead.vjp(f)(x, 1.0)[1], expected)
        # the other modes run (a direction's zero times an infinite slope is NaN there, as
        # it is in NumPy)
        sourcead.grad(f, mode="forward")(x)
        sourcead.jvp(f)(x, np.ones_like(x))
        sourcead.hessian(f)(x)
        sourcead.vjp(sourcead.grad(f))(x, np.ones_like(x))
