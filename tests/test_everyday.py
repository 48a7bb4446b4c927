"""Programs people write (tests/everyday_functions.py), in every mode: the reverse and forward
gradients against central differences and each other, the Hessian (vector mode, forward over
reverse) against differences of the gradient and against reverse over reverse. Where a closed
form is short, against it too."""
import inspect
import math

import numpy as np
import pytest

import sourcead

import everyday_functions as ef

X = np.array([0.4, -0.3, 0.7])
HELPERS = {"helper_pair", "rec", "defaults", "black_scholes_call", "_hypot2"}
NAMES = sorted(n for n, f in vars(ef).items() if inspect.isfunction(f)
               and f.__module__ == ef.__name__ and n not in HELPERS and not n.startswith("_"))


@pytest.mark.parametrize("name", NAMES)
def test_every_mode_agrees_with_differences(name):
    f = getattr(ef, name)
    gradient = sourcead.grad(f)
    got = gradient(X)
    np.testing.assert_allclose(got, sourcead.numeric_grad(f, X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), got, rtol=1e-12, atol=1e-13)
    hessian = sourcead.hessian(f)(X)
    numeric = np.array([sourcead.numeric_grad(lambda v, j=j: gradient(v)[j], X) for j in range(3)])
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6)


# (rotation_chain crashed here: an adjoint of the gradient that nothing reached is a plain
# zero, and np.matmul took it as an operand)
PLAIN_ZERO_OPERAND: set[str] = set()


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, raises=ValueError))
    if n in PLAIN_ZERO_OPERAND else n for n in NAMES])
def test_reverse_over_reverse_is_the_hessian(name):
    f = getattr(ef, name)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X),
                               sourcead.hessian(f)(X), rtol=1e-10, atol=1e-12)


def test_closed_forms():
    x0, x1, x2 = X
    # sorted values: each element gets the weight of its rank (x1 < x0 < x2)
    np.testing.assert_array_equal(sourcead.grad(ef.sorted_values)(X), [2.0, 1.0, 3.0])
    # Newton's square root of x0, times x1: d/dx0 = x1 / (2 sqrt x0), d/dx1 = sqrt x0
    np.testing.assert_allclose(sourcead.grad(ef.newton_sqrt)(X),
                               [x1 / (2 * math.sqrt(x0)), math.sqrt(x0), 0.0], rtol=1e-12)
    # x.T A x + x . A^-1 x: gradient (A + A.T) x + (A^-1 + A^-T) x
    A = ef.A
    inv = np.linalg.inv(A)
    np.testing.assert_allclose(sourcead.grad(ef.quad_form)(X), (A + A.T) @ X + (inv + inv.T) @ X,
                               rtol=1e-12)
    np.testing.assert_allclose(sourcead.hessian(ef.quad_form)(X), A + A.T + inv + inv.T,
                               rtol=1e-12)
    # locals named like globals: A = x c^T (c = 1, 2, 3), sum(A.T * x) = (sum c) |x|^2 and
    # sum(A.T @ A) = (sum c)^2 |x|^2, so f = 42 |x|^2
    np.testing.assert_allclose(sourcead.grad(ef.local_shadows_global)(X), 84 * X, rtol=1e-12)
    # a masked write then an element write: 3 x0^2 (x0 > 0) + 2 x1 (x1 < 0) + 3 x2^2 (x2 > 0)
    np.testing.assert_allclose(sourcead.grad(ef.masked_write)(X), [6 * x0, 2.0, 6 * x2],
                               rtol=1e-13)
    # three rotations of [1, 0]: the angle is the sum, so f = 2 cos(s) + sin(s)
    s = x0 + x1 + x2
    np.testing.assert_allclose(sourcead.grad(ef.rotation_chain)(X),
                               np.full(3, -2 * math.sin(s) + math.cos(s)), rtol=1e-12)


def test_closed_forms_of_statistics_programs():
    # Poisson regression: gradient X^T (exp(eta) - y), Hessian X^T diag(exp(eta)) X
    mu = np.exp(ef._DESIGN @ X)
    np.testing.assert_allclose(sourcead.grad(ef.poisson_regression)(X),
                               ef._DESIGN.T @ (mu - ef._COUNTS), rtol=1e-12)
    np.testing.assert_allclose(sourcead.hessian(ef.poisson_regression)(X),
                               ef._DESIGN.T @ (mu[:, None] * ef._DESIGN), rtol=1e-12)
    # Huber: gradient -A^T psi(r) + 0.2 x, psi the clipped residual; Hessian over the inliers
    r = ef._RESIDUAL_Y - ef._RESIDUAL_A @ X
    inliers = np.abs(r) <= 1.0
    assert inliers.any() and not inliers.all()
    np.testing.assert_allclose(sourcead.grad(ef.huber_regression)(X),
                               -ef._RESIDUAL_A.T @ np.clip(r, -1.0, 1.0) + 0.2 * X, rtol=1e-12)
    A_in = ef._RESIDUAL_A[inliers]
    np.testing.assert_allclose(sourcead.hessian(ef.huber_regression)(X),
                               A_in.T @ A_in + 0.2 * np.eye(3), rtol=1e-12, atol=1e-15)
    # logistic regression: (1/N) sum (sigmoid(f.x) - y) f + 2 l2 x; Hessian with s (1 - s)
    s = 1 / (1 + np.exp(-(ef._FEATURES @ X)))
    y = np.array(ef._OUTCOMES, dtype=float)
    np.testing.assert_allclose(sourcead.grad(ef.logistic_regression)(X),
                               ef._FEATURES.T @ (s - y) / 4 + 0.1 * X, rtol=1e-12)
    np.testing.assert_allclose(sourcead.hessian(ef.logistic_regression)(X),
                               ef._FEATURES.T @ ((s * (1 - s))[:, None] * ef._FEATURES) / 4
                               + 0.1 * np.eye(3), rtol=1e-12)
    # Gaussian mixture: d/dm_k = sum_n resp_nk (x_n - m_k) / var_k
    variances = np.array([0.5, 1.0, 0.3])
    log_p = (np.log([0.3, 0.5, 0.2])[:, None] - 0.5 * (ef._SAMPLES - X[:, None]) ** 2
             / variances[:, None] - 0.5 * np.log(2 * np.pi * variances)[:, None])
    resp = np.exp(log_p - np.log(np.sum(np.exp(log_p), axis=0)))
    np.testing.assert_allclose(sourcead.grad(ef.gmm_log_likelihood)(X),
                               np.sum(resp * (ef._SAMPLES - X[:, None]), axis=1) / variances,
                               rtol=1e-12)
    # smooth L1 of a linear map: J^T psi, psi = r / beta inside |r| < beta, sign(r) outside
    J = np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 0, 1.0], [0, 1.0, 2.0]])
    r = J @ X - np.array([0.3, -0.1, 1.2, 1.5])
    psi = np.where(np.abs(r) < 0.5, r / 0.5, np.sign(r))
    np.testing.assert_allclose(sourcead.grad(ef.box_regression)(X), J.T @ psi, rtol=1e-12)


def test_closed_forms_of_finance_programs():
    # Black-Scholes: the price's derivatives are the greeks (delta, vega, rho); those of delta
    # (gamma, vanna, its rate derivative) and of vega (vanna, vomma, ...) in closed form too
    spot, vol, rate, strike, t = 100 * (1 + 0.1 * X[0]), 0.2 + 0.05 * X[1], 0.03 + 0.01 * X[2], \
        105.0, 0.75
    cdf = lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))  # noqa: E731
    pdf = lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    root_t = math.sqrt(t)
    d1 = (math.log(spot / strike) + (rate + vol ** 2 / 2) * t) / (vol * root_t)
    d2 = d1 - vol * root_t
    vega = spot * pdf(d1) * root_t
    by_spot = cdf(d1) + 10 * pdf(d1) / (spot * vol * root_t) \
        + 0.1 * pdf(d1) * root_t * (1 - d1 / (vol * root_t))
    by_vol = vega + 10 * pdf(d1) * (-d2 / vol) + 0.1 * vega * d1 * d2 / vol
    by_rate = strike * t * math.exp(-rate * t) * cdf(d2) + 10 * pdf(d1) * root_t / vol \
        - 0.1 * vega * d1 * root_t / vol
    np.testing.assert_allclose(sourcead.grad(ef.option_book)(X),
                               [10 * by_spot, 0.05 * by_vol, 0.01 * by_rate], rtol=1e-12)
    # mean-variance utility of softmax weights: J^T (mu - 2 lambda Sigma w), J = diag(w) - w w^T
    w = np.exp(X) / np.sum(np.exp(X))
    J = np.diag(w) - np.outer(w, w)
    np.testing.assert_allclose(sourcead.grad(ef.portfolio_utility)(X),
                               J @ (ef._MU - 6.0 * ef._SIGMA @ w), rtol=1e-12)
    # a bond: the derivative with respect to x2 is the Macaulay duration
    coupon, y = 100 * (0.05 + 0.01 * X[0]), 0.04 + 0.02 * X[1]
    cash = np.full(6, coupon) + np.array([0, 0, 0, 0, 0, 100.0])
    pv = cash / (1 + y) ** np.arange(1, 7)
    np.testing.assert_allclose(sourcead.grad(ef.bond_price_and_duration)(X)[2],
                               np.arange(1, 7) @ pv / np.sum(pv), rtol=1e-12)


def test_closed_forms_of_ode_programs():
    # explicit heat equation: u_final = P u0 with P = (I + dt k L)^steps, u0 = x1 b + x2 c
    n = 12
    grid = np.linspace(0.0, 1.0, n)
    b, c = np.exp(-((grid - 0.5) / 0.2) ** 2), grid * (1 - grid)
    dx = grid[1] - grid[0]
    L = np.zeros((n, n))
    for i in range(1, n - 1):
        L[i, i - 1:i + 2] = np.array([1.0, -2.0, 1.0]) / dx ** 2
    P = np.linalg.matrix_power(np.eye(n) + 0.4 * dx * dx / 0.3 * (0.2 + 0.05 * X[0]) * L, 30)
    middle = slice(n // 3, 2 * n // 3)
    u = P @ (X[1] * b + X[2] * c)
    np.testing.assert_allclose(sourcead.grad(ef.heat_equation)(X)[1:],
                               [2 * u[middle] @ (P @ b)[middle], 2 * u[middle] @ (P @ c)[middle]],
                               rtol=1e-12)


def test_closed_forms_of_robotics_programs():
    # two-link arm: gradient 2 J^T (tip - target) + 0.02 x2, J the kinematic Jacobian
    (l1, l2), (a, b) = ef._LINKS, X[:2]
    tip = np.array([l1 * math.cos(a) + l2 * math.cos(a + b),
                    l1 * math.sin(a) + l2 * math.sin(a + b)])
    J = np.array([[-l1 * math.sin(a) - l2 * math.sin(a + b), -l2 * math.sin(a + b)],
                  [l1 * math.cos(a) + l2 * math.cos(a + b), l2 * math.cos(a + b)]])
    expected = np.append(2 * J.T @ (tip - ef._TARGET), 0.02 * X[2])
    np.testing.assert_allclose(sourcead.grad(ef.arm_reach)(X), expected, rtol=1e-12)
    # quaternion rotation by the rotation vector x is Rodrigues' rotation: the same value,
    # and along x itself the derivative is that of the angle
    theta = np.linalg.norm(X)
    k = X / theta
    v, c = np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 0.5])
    rodrigues = (v * math.cos(theta) + np.cross(k, v) * math.sin(theta)
                 + k * (k @ v) * (1 - math.cos(theta)))
    np.testing.assert_allclose(ef.quaternion_rotate(X), rodrigues @ c, rtol=1e-12)
    d_theta = (-v * math.sin(theta) + np.cross(k, v) * math.cos(theta)
               + k * (k @ v) * math.sin(theta)) @ c
    np.testing.assert_allclose(sourcead.grad(ef.quaternion_rotate)(X) @ k, d_theta, rtol=1e-12)
