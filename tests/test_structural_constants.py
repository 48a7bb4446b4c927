"""Arguments that say how an operation is done (``ddof``, einsum subscripts, an integer
exponent) given as free names rather than written in the call: the derivative is built for
their value and built again when it changes; a float is data and is read when the derivative
runs. Exact values and finite differences, in both modes and to second order."""
import numpy as np
import pytest

import sourcead
import structural_constants_module as m

X = np.array([1.0, 2.0, 4.0, 7.0])


@pytest.fixture(autouse=True)
def restore():
    saved = (m.DDOF, m.SPEC, m.N, m.P)
    yield
    m.DDOF, m.SPEC, m.N, m.P = saved


def _check(f, x, exact):
    for mode in ("reverse", "forward"):
        got = sourcead.grad(f, mode=mode)(x)
        np.testing.assert_allclose(got, exact, rtol=1e-12, err_msg=mode)
        np.testing.assert_allclose(got, sourcead.numeric_grad(f, x), rtol=1e-6, atol=1e-8)
    h = sourcead.hessian(f)(x)
    numeric = sourcead.numeric.numeric_jacobian(lambda v: sourcead.grad(f)(v), x.copy())
    np.testing.assert_allclose(h, numeric, rtol=1e-5, atol=1e-6)


def _variance_slope(x, ddof):
    return 2.0 * 2.0 * (x - x.mean()) / (x.size - ddof)


def test_ddof_from_a_global_and_after_it_changes():
    grad = sourcead.grad(m.variance)
    np.testing.assert_allclose(grad(X), _variance_slope(X, 1), rtol=1e-12)
    _check(m.variance, X, _variance_slope(X, 1))
    m.DDOF = 0
    np.testing.assert_allclose(grad(X), _variance_slope(X, 0), rtol=1e-12)
    _check(m.variance, X, _variance_slope(X, 0))
    m.DDOF = 2
    np.testing.assert_allclose(grad(X), _variance_slope(X, 2), rtol=1e-12)


def test_ddof_from_a_closure():
    for ddof in (0, 1, 3):
        spread = m.make_std(ddof)
        std = np.std(X, ddof=ddof)
        exact = (X - X.mean()) / ((X.size - ddof) * std) + 1.0
        _check(spread, X, exact)


def test_einsum_subscripts_from_a_global():
    grad = sourcead.grad(m.einsum_by_name)
    np.testing.assert_allclose(grad(X), 3.0 * X ** 2, rtol=1e-12)
    m.SPEC = "i,j->ij"    # now the sum of the outer product: sum(x) * sum(x ** 2)
    exact = np.sum(X ** 2) + 2.0 * X * np.sum(X)
    np.testing.assert_allclose(grad(X), exact, rtol=1e-12)
    _check(m.einsum_by_name, X, exact)


def test_an_integer_exponent_from_a_global():
    grad = sourcead.grad(m.integer_power)
    np.testing.assert_allclose(grad(X), np.ones(4), rtol=1e-12)    # x ** 0 * x
    m.N = 3
    np.testing.assert_allclose(grad(X), 4.0 * X ** 3, rtol=1e-12)
    _check(m.integer_power, X, 4.0 * X ** 3)


def test_a_float_global_is_data_not_structure():
    """A float is read when the derivative runs: no derivative is built for its value."""
    grad = sourcead.grad(m.float_power)
    np.testing.assert_allclose(grad(X), 2.5 * X ** 1.5, rtol=1e-12)
    assert "2.5" not in sourcead.source(grad, X)
    m.P = 0.5
    np.testing.assert_allclose(grad(X), 0.5 * X ** -0.5, rtol=1e-12)
    _check(m.float_power, X, 0.5 * X ** -0.5)
