"""SciPy rows (an optional extra): every row in every mode, exact values, realistic programs.

Each row of ``ROWS`` is an expression over named inputs, written the way SciPy users write
it (``expit``, ``sp.softmax``, ``norm.logpdf``, ``sla.cho_solve``), checked like the NumPy
breadth rows: forward against central differences, reverse by the dot-product test, vector
mode against forward, second order (Hessian against differences of the gradient, reverse
over reverse against the Hessian). Then exact values against closed forms, three realistic
programs (logistic regression, a Gaussian likelihood, a Gaussian-process marginal
likelihood), the refusals, and that ``import sourcead`` neither needs nor imports SciPy.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import rule_check
import sourcead

scipy = pytest.importorskip("scipy")
import scipy.linalg as sla  # noqa: E402
import scipy.special as sp  # noqa: E402
from scipy.stats import norm  # noqa: E402

_rng = np.random.default_rng(7)


def _spd(n):
    a = _rng.uniform(-1, 1, (n, n))
    return a @ a.T + n * np.eye(n)


INPUTS = {
    "v": np.array([0.7, -1.3, 0.4, 1.1]),
    "w": np.array([0.5, 0.9, -1.7, 0.3]),
    "p": np.array([0.2, 0.65, 0.9, 0.4]),
    "q": np.array([0.35, 0.8, 0.15, 0.55]),
    "z": np.array([0.0, 0.6, 0.0, 1.2]),
    "s": np.array([0.8, 1.3, 0.6, 2.1]),
    "M": _rng.uniform(-1, 1, (3, 4)),
    "S": _spd(3),
    "r": np.array([0.4, -1.1, 0.9]),
    "B": _rng.uniform(-1, 1, (3, 2)),
}

HEADER = ("import numpy as np\nimport scipy.special as sp\nimport scipy.linalg as sla\n"
          "from scipy.special import (expit, logit, erf, gammaln, digamma, xlogy, logsumexp,\n"
          "                           softmax, log_softmax)\n"
          "from scipy.linalg import cholesky, cho_factor, cho_solve, solve_triangular\n"
          "from scipy.stats import norm\n"
          "LOWER, UNIT = True, True   # flags held in variables\n")

ROWS = [
    ("expit", "expit(v)"),
    ("sp.expit", "sp.expit(v * w)"),
    ("logit", "logit(p)"),
    ("erf", "erf(v)"),
    ("erfc", "sp.erfc(v)"),
    ("gammaln", "gammaln(s)"),
    ("digamma", "digamma(s)"),
    ("polygamma", "sp.polygamma(1, s)"),
    ("xlogy", "xlogy(p, q)"),
    ("xlogy zeros", "xlogy(z, q)"),
    ("ndtr", "sp.ndtr(v)"),
    ("log_ndtr", "sp.log_ndtr(v * 3.0)"),
    ("log_expit", "sp.log_expit(v)"),
    ("gamma", "sp.gamma(s)"),
    ("betaln", "sp.betaln(s, p + 0.5)"),
    ("xlog1py", "sp.xlog1py(p, q)"),
    ("xlog1py zeros", "sp.xlog1py(z, q)"),
    ("logsumexp", "logsumexp(v)"),
    ("logsumexp axis", "logsumexp(M, axis=1)"),
    ("logsumexp keepdims", "logsumexp(M, axis=0, keepdims=True)"),
    ("logsumexp b", "logsumexp(v, b=p)"),
    ("logsumexp b None", "logsumexp(M, 1, None)"),
    ("softmax", "softmax(v)"),
    ("softmax axis", "sp.softmax(M, axis=1)"),
    ("log_softmax", "log_softmax(v)"),
    ("log_softmax axis", "log_softmax(M, axis=0)"),
    ("norm.logpdf", "norm.logpdf(v)"),
    ("norm.logpdf loc scale", "norm.logpdf(v, w, s)"),
    ("norm.pdf", "norm.pdf(v, loc=w, scale=s)"),
    ("norm.cdf", "norm.cdf(v, loc=w, scale=s)"),
    ("norm.cdf plain", "norm.cdf(v)"),
    ("norm.logcdf", "norm.logcdf(v, w, scale=s)"),
    ("cholesky", "cholesky(S)"),
    ("cholesky lower", "sla.cholesky(S, lower=True)"),
    ("cho_factor", "cho_factor(S)[0]"),
    ("cho_factor lower", "cho_factor(S, lower=True)[0]"),
    ("cho_solve", "cho_solve(cho_factor(S), r)"),
    ("cho_solve lower", "sla.cho_solve(sla.cho_factor(S, lower=True), B)"),
    ("cho_solve pair", "cho_solve((cholesky(S, lower=True), True), r)"),
    ("solve_triangular", "solve_triangular(S, r)"),
    ("solve_triangular lower", "solve_triangular(S, B, lower=True)"),
    ("solve_triangular trans", "solve_triangular(S, r, trans=1, lower=True)"),
    ("solve_triangular T", "sla.solve_triangular(S, B, trans='T')"),
    ("solve_triangular unit", "solve_triangular(S, r, unit_diagonal=True)"),
    ("solve_triangular flags", "solve_triangular(S, B, 2, LOWER, UNIT)"),
    ("cholesky flag", "cholesky(S, lower=LOWER)"),
    ("cho_factor flag", "cho_solve(cho_factor(S, LOWER), r)"),
]

# rows whose derivative has no vector form (like np.linalg.solve's): one direction at a time
ONE_DIRECTION_AT_A_TIME = {"cho_solve", "cho_solve lower", "cho_solve pair", "solve_triangular",
                           "solve_triangular lower", "solve_triangular trans",
                           "solve_triangular T", "solve_triangular unit",
                           "solve_triangular flags", "cho_factor flag"}
IDS = [r[0] for r in ROWS]


def _names(expression: str) -> list[str]:
    import re
    used = set(re.findall(r"\b[A-Za-z]\b", expression))
    return [n for n in INPUTS if n in used]


def _load(tmp_path, text: str, stem: str):
    path = tmp_path / f"{stem}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"{stem}_{abs(hash(text))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _module(tmp_path, expression: str):
    params = ", ".join(_names(expression))
    return _load(tmp_path, HEADER + f"\n\ndef f({params}):\n    return {expression}\n\n\n"
                 f"def scalar({params}):\n    return np.sum(np.cos({expression}))\n",
                 "scipy_row")


def _args(expression):
    return tuple(INPUTS[n].copy() for n in _names(expression))


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_forward_and_reverse(tmp_path, label, expression):
    module, args = _module(tmp_path, expression), _args(expression)
    rng = np.random.default_rng(1)
    wrt = rule_check.active_positions(args)
    tangents, derivative = rule_check.check_forward(module.f, args, wrt, rng, rtol=1e-5,
                                                    atol=1e-6)
    rule_check.check_reverse(module.f, args, wrt, tangents, derivative, rng)


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_vector_mode(tmp_path, label, expression):
    module, args = _module(tmp_path, expression), _args(expression)
    wrt = rule_check.active_positions(args)
    if label in ONE_DIRECTION_AT_A_TIME:
        with pytest.raises(sourcead.SourceADError):
            rule_check.check_vector(module.f, args, wrt)
        forward = sourcead.jacobian(module.f, wrt=wrt)(*args)
        reverse = sourcead.jacobian(module.f, wrt=wrt, mode="reverse")(*args)
        for j, r in zip(forward, reverse):
            np.testing.assert_allclose(j, r, rtol=1e-10, atol=1e-12)
        return
    rule_check.check_vector(module.f, args, wrt)


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_second_order(tmp_path, label, expression):
    module, args = _module(tmp_path, expression), _args(expression)
    rng = np.random.default_rng(2)
    rule_check.check_second_order(module.scalar, args, rule_check.active_positions(args), rng)


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_gradient_against_differences(tmp_path, label, expression):
    module, args = _module(tmp_path, expression), _args(expression)
    wrt = rule_check.active_positions(args)
    grads = sourcead.grad(module.scalar, wrt=wrt)(*args)
    numeric = sourcead.numeric_grad(module.scalar, *args, wrt=wrt)
    for g, n in zip(grads, numeric):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-7)


# ---- exact values: closed forms ------------------------------------------------------------------

EXACT = HEADER + '''

def expit_sum(x):
    return np.sum(expit(x))


def logit_sum(p):
    return np.sum(logit(p))


def erfs(x):
    return np.sum(erf(x) + sp.erfc(2.0 * x))


def gammas(x):
    return np.sum(gammaln(x) + digamma(x))


def more(x, y):
    return np.sum(sp.ndtr(x) + sp.log_ndtr(x) + sp.log_expit(x) + sp.gamma(y) + sp.betaln(y, 2.0 * y))


def cross_entropy(y, p):
    return np.sum(xlogy(y, p))


def lse(a, b):
    return logsumexp(a, b=b)


def lse_rows(m):
    return np.sum(logsumexp(m, axis=1) * np.array([1.0, 2.0, 3.0]))


def soft(x, c):
    return np.sum(softmax(x) * c) + np.sum(log_softmax(x) * c)


def normal(x, mu, sigma):
    return np.sum(norm.logpdf(x, mu, sigma)) + np.sum(norm.cdf(x, loc=mu, scale=sigma))


def log_cdf(x):
    return np.sum(norm.logcdf(x))


def upper_gram(a, c):
    u = cholesky(a)
    return np.sum(c * (u.T @ u))


def lower_gram(a, c):
    factor = sla.cholesky(a, lower=True)
    return np.sum(c * (factor @ factor.T))


def solved(a, b, c):
    return np.sum(cho_solve(cho_factor(a), b) * c)


def triangular(a, b, c):
    return np.sum(solve_triangular(a, b, lower=True) * c)


def unit_triangular(a, b, c):
    return np.sum(solve_triangular(a, b, unit_diagonal=True) * c)
'''


@pytest.fixture(scope="module")
def exact(tmp_path_factory):
    return _load(tmp_path_factory.mktemp("exact"), EXACT, "scipy_exact")


def _upper_fold(c):
    """The gradient of sum(c * A) for A read from the upper triangle of a (A = triu + its
    transpose's strict part)."""
    return np.triu(c) + np.triu(c.T, 1)


def test_exact_special(exact):
    v, p, q = INPUTS["v"], INPUTS["p"], INPUTS["q"]
    np.testing.assert_allclose(sourcead.grad(exact.expit_sum)(v),
                               np.exp(-v) / (1 + np.exp(-v)) ** 2, rtol=1e-13)
    np.testing.assert_allclose(sourcead.grad(exact.expit_sum, mode="forward")(v),
                               np.exp(-v) / (1 + np.exp(-v)) ** 2, rtol=1e-13)
    np.testing.assert_allclose(sourcead.hessian(exact.expit_sum)(v), np.diag(
        np.exp(-v) * (np.exp(-v) - 1) / (1 + np.exp(-v)) ** 3), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sourcead.grad(exact.logit_sum)(p), 1 / p + 1 / (1 - p),
                               rtol=1e-13)
    np.testing.assert_allclose(sourcead.grad(exact.erfs)(v), 2 / np.sqrt(np.pi) * (
        np.exp(-v ** 2) - 2 * np.exp(-4 * v ** 2)), rtol=1e-13)
    s = INPUTS["s"]
    np.testing.assert_allclose(sourcead.grad(exact.gammas)(s),
                               sp.digamma(s) + sp.polygamma(1, s), rtol=1e-13)
    np.testing.assert_allclose(sourcead.hessian(exact.gammas)(s),
                               np.diag(sp.polygamma(1, s) + sp.polygamma(2, s)), rtol=1e-12)
    gy, gp = sourcead.grad(exact.cross_entropy, wrt=(0, 1))(q, p)
    np.testing.assert_allclose(gy, np.log(p), rtol=1e-13)
    np.testing.assert_allclose(gp, q / p, rtol=1e-13)
    # xlogy is 0 where its first argument is: so is its slope in the second, even at 0
    y, at = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.5, 0.25])
    np.testing.assert_allclose(sourcead.grad(exact.cross_entropy, wrt=1)(y, at), [0.0, 2.0, 0.0])


def test_exact_more_special(exact):
    x, y = INPUTS["v"], INPUTS["s"]
    pdf = np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi)
    gx, gy = sourcead.grad(exact.more, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, pdf + pdf / sp.ndtr(x) + 1 - sp.expit(x), rtol=1e-13)
    psi = sp.digamma
    np.testing.assert_allclose(gy, sp.gamma(y) * psi(y) + psi(y) + 2 * psi(2 * y)
                               - 3 * psi(3 * y), rtol=1e-12)


def test_exact_logsumexp_and_softmax(exact):
    v, p = INPUTS["v"], INPUTS["p"]
    weights = p * np.exp(v) / np.sum(p * np.exp(v))
    ga, gb = sourcead.grad(exact.lse, wrt=(0, 1))(v, p)
    np.testing.assert_allclose(ga, weights, rtol=1e-13)
    np.testing.assert_allclose(gb, np.exp(v) / np.sum(p * np.exp(v)), rtol=1e-13)
    np.testing.assert_allclose(sourcead.hessian(exact.lse)(v, p),
                               np.diag(weights) - np.outer(weights, weights), atol=1e-14)
    m = INPUTS["M"]
    rows = np.exp(m) / np.sum(np.exp(m), axis=1, keepdims=True)
    np.testing.assert_allclose(sourcead.grad(exact.lse_rows)(m),
                               rows * np.array([[1.0], [2.0], [3.0]]), rtol=1e-13)
    c = np.array([1.0, -2.0, 0.5, 3.0])
    sm = np.exp(v) / np.sum(np.exp(v))
    expected = sm * (c - np.sum(sm * c)) + c - sm * np.sum(c)
    np.testing.assert_allclose(sourcead.grad(exact.soft)(v, c), expected, rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(sourcead.jacobian(exact.soft)(v, c), expected, rtol=1e-12,
                               atol=1e-15)


def test_exact_normal(exact):
    x, mu, sigma = INPUTS["v"], INPUTS["w"], INPUTS["s"]
    z = (x - mu) / sigma
    pdf = np.exp(-z ** 2 / 2) / np.sqrt(2 * np.pi) / sigma
    gx, gmu, gsigma = sourcead.grad(exact.normal, wrt=(0, 1, 2))(x, mu, sigma)
    np.testing.assert_allclose(gx, -z / sigma + pdf, rtol=1e-13)
    np.testing.assert_allclose(gmu, z / sigma - pdf, rtol=1e-13)
    np.testing.assert_allclose(gsigma, (z ** 2 - 1) / sigma - z * pdf, rtol=1e-13)
    far = np.array([-30.0, -5.0, 0.0, 4.0])   # logcdf's slope pdf / cdf, far in the tail too
    mills = np.exp(-far ** 2 / 2) / np.sqrt(2 * np.pi) / norm.cdf(far)
    np.testing.assert_allclose(sourcead.grad(exact.log_cdf)(far), mills, rtol=1e-12)
    np.testing.assert_allclose(sourcead.grad(exact.log_cdf)(far)[0], 30.033, rtol=1e-4)


def test_exact_cholesky(exact):
    a, c = INPUTS["S"], _rng.uniform(-1, 1, (3, 3))
    np.testing.assert_allclose(sourcead.grad(exact.upper_gram)(a, c), _upper_fold(c),
                               rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(sourcead.grad(exact.upper_gram, mode="forward")(a, c),
                               _upper_fold(c), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(sourcead.grad(exact.lower_gram)(a, c), _upper_fold(c.T).T,
                               rtol=1e-11, atol=1e-12)


def test_exact_solves(exact):
    a, b, c = INPUTS["S"], INPUTS["r"], np.array([1.0, -0.5, 2.0])
    x = np.linalg.solve(a, b)
    z = np.linalg.solve(a, c)
    ga, gb = sourcead.grad(exact.solved, wrt=(0, 1))(a, b, c)
    np.testing.assert_allclose(gb, z, rtol=1e-12)
    np.testing.assert_allclose(ga, _upper_fold(-np.outer(z, x)), rtol=1e-11, atol=1e-13)
    low = np.tril(a)
    x = np.linalg.solve(low, b)
    z = np.linalg.solve(low.T, c)
    ga, gb = sourcead.grad(exact.triangular, wrt=(0, 1))(a, b, c)
    np.testing.assert_allclose(gb, z, rtol=1e-12)
    np.testing.assert_allclose(ga, np.tril(-np.outer(z, x)), rtol=1e-11, atol=1e-13)
    unit = np.triu(a, 1) + np.eye(3)
    x, z = np.linalg.solve(unit, b), np.linalg.solve(unit.T, c)
    ga, gb = sourcead.grad(exact.unit_triangular, wrt=(0, 1))(a, b, c)
    np.testing.assert_allclose(gb, z, rtol=1e-12)
    np.testing.assert_allclose(ga, np.triu(-np.outer(z, x), 1), rtol=1e-11, atol=1e-13)


# ---- realistic programs ----------------------------------------------------------------------------

PROGRAMS = '''import numpy as np
from scipy.special import expit, xlogy, gammaln
from scipy.stats import norm
from scipy.linalg import cho_factor, cho_solve


def logistic_loss(w, b, X, y, l2=0.1):
    """Mean cross-entropy of a logistic regression, with an L2 penalty."""
    p = expit(X @ w + b)
    loss = -np.mean(xlogy(y, p) + xlogy(1.0 - y, 1.0 - p))
    return loss + 0.5 * l2 * np.sum(w ** 2)


def gaussian_nll(mu, log_sigma, data):
    """The negative log-likelihood of data under N(mu, exp(log_sigma)^2)."""
    sigma = np.exp(log_sigma)
    return -np.sum(norm.logpdf(data, loc=mu, scale=sigma))


def gp_nll(params, X, y):
    """A Gaussian process's negative log marginal likelihood, RBF kernel:
    0.5 y^T K^-1 y + sum(log diag L) + n/2 log(2 pi), by a Cholesky factor."""
    log_ell, log_amp, log_noise = params[0], params[1], params[2]
    d = X[:, None, :] - X[None, :, :]
    sq = np.sum(d ** 2, axis=-1)
    K = np.exp(2 * log_amp) * np.exp(-0.5 * sq / np.exp(2 * log_ell))
    K = K + np.exp(2 * log_noise) * np.eye(len(y))
    factor = cho_factor(K, lower=True)
    alpha = cho_solve(factor, y)
    n = len(y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(factor[0]))) + 0.5 * n * np.log(2 * np.pi)


def poisson_nll(log_rate, counts):
    """Poisson regression's negative log-likelihood, with log(k!) by gammaln."""
    rate = np.exp(log_rate)
    return np.sum(rate - counts * log_rate + gammaln(counts + 1.0))
'''


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    return _load(tmp_path_factory.mktemp("programs"), PROGRAMS, "scipy_programs")


def _every_mode(f, args, wrt):
    """grad, forward, jacobian (vector mode) and numeric differences agree; returns grad."""
    grads = sourcead.grad(f, wrt=wrt)(*args)
    numeric = sourcead.numeric_grad(f, *args, wrt=wrt)
    forward = sourcead.grad(f, wrt=wrt, mode="forward")(*args)
    for g, n, fw in zip(grads, numeric, forward):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(fw, g, rtol=1e-10, atol=1e-12)
    return grads


def test_logistic_regression(programs):
    rng = np.random.default_rng(0)
    X, w, b = rng.standard_normal((20, 3)), rng.standard_normal(3), 0.3
    y = (rng.uniform(size=20) < 0.5).astype(float)
    gw, gb = _every_mode(programs.logistic_loss, (w, b, X, y), (0, 1))
    p = sp.expit(X @ w + b)
    np.testing.assert_allclose(gw, X.T @ (p - y) / 20 + 0.1 * w, rtol=1e-12)
    np.testing.assert_allclose(gb, np.mean(p - y), rtol=1e-12)
    h = sourcead.hessian(programs.logistic_loss)(w, b, X, y)
    np.testing.assert_allclose(h, X.T @ (X * (p * (1 - p))[:, None]) / 20 + 0.1 * np.eye(3),
                               rtol=1e-11)


def test_gaussian_likelihood(programs):
    data = np.array([0.3, -1.2, 2.5, 0.9, 1.4])
    mu, log_sigma = 0.4, -0.2
    gmu, gls = _every_mode(programs.gaussian_nll, (mu, log_sigma, data), (0, 1))
    sigma = np.exp(log_sigma)
    np.testing.assert_allclose(gmu, -np.sum(data - mu) / sigma ** 2, rtol=1e-12)
    np.testing.assert_allclose(gls, len(data) - np.sum((data - mu) ** 2) / sigma ** 2,
                               rtol=1e-12)
    h = sourcead.hessian(programs.gaussian_nll, wrt=(0, 1))(mu, log_sigma, data)
    np.testing.assert_allclose(h[0][0], len(data) / sigma ** 2, rtol=1e-12)
    np.testing.assert_allclose(h[1][1], 2 * np.sum((data - mu) ** 2) / sigma ** 2, rtol=1e-12)


def test_gaussian_process(programs):
    rng = np.random.default_rng(4)
    X, y = rng.uniform(-2, 2, (6, 2)), rng.standard_normal(6)
    params = np.array([0.1, -0.3, -1.0])
    (g,) = _every_mode(programs.gp_nll, (params, X, y), (0,))
    # the closed form: dL/dt = 0.5 tr((K^-1 - alpha alpha^T) dK/dt)
    sq = np.sum((X[:, None] - X[None]) ** 2, axis=-1)
    ell, amp, noise = np.exp(params)
    base = amp ** 2 * np.exp(-0.5 * sq / ell ** 2)
    K = base + noise ** 2 * np.eye(6)
    Kinv = np.linalg.inv(K)
    alpha = Kinv @ y
    inner = Kinv - np.outer(alpha, alpha)
    dK = [base * sq / ell ** 2, 2 * base, 2 * noise ** 2 * np.eye(6)]
    np.testing.assert_allclose(g, [0.5 * np.sum(inner * d) for d in dK], rtol=1e-10)
    h = sourcead.hessian(programs.gp_nll)(params, X, y)
    numeric = np.array([sourcead.numeric_grad(
        lambda t: sourcead.grad(programs.gp_nll)(t, X, y)[k], params) for k in range(3)])
    np.testing.assert_allclose(h, numeric, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-12)


def test_poisson_regression(programs):
    counts, log_rate = np.array([0.0, 3.0, 1.0, 7.0]), np.array([0.1, 1.2, -0.4, 2.0])
    (g,) = _every_mode(programs.poisson_nll, (log_rate, counts), (0,))
    np.testing.assert_allclose(g, np.exp(log_rate) - counts, rtol=1e-13)
    # with respect to the counts: d gammaln(k + 1) = digamma(k + 1)
    np.testing.assert_allclose(sourcead.grad(programs.poisson_nll, wrt=1)(log_rate, counts),
                               -log_rate + sp.digamma(counts + 1.0), rtol=1e-13)


# ---- what is refused, and why ------------------------------------------------------------------

REFUSED = HEADER + '''

def overwritten(a):
    return np.sum(cholesky(a, overwrite_a=True))


def signed(x):
    return logsumexp(x, return_sign=True)[0]
'''


@pytest.mark.parametrize("name, words", [
    ("overwritten", "overwrite_a=True"), ("signed", "return_sign=True")])
def test_refusals_name_the_line_and_a_rewrite(tmp_path, name, words):
    module = _load(tmp_path, REFUSED, "scipy_refused")
    f = getattr(module, name)
    args = (INPUTS["S"], INPUTS["r"])[:f.__code__.co_argcount] if name != "signed" else (
        INPUTS["v"],)
    with pytest.raises(sourcead.SourceADError) as caught:
        sourcead.grad(f)(*args)
    text = str(caught.value)
    assert words in text and "scipy_refused.py" in text, text
    line = REFUSED.splitlines().index(f"def {name}(" + ", ".join(
        f.__code__.co_varnames[:f.__code__.co_argcount]) + "):") + 2
    assert f"line {line}" in text, text


# ---- SciPy is optional ---------------------------------------------------------------------------

def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, cwd=str(__import__("pathlib").Path(sourcead.__file__).parents[1]))


def test_importing_sourcead_does_not_import_scipy():
    done = _run("""
        import sys
        import sourcead
        import numpy as np
        sourcead.grad(np.tanh) if False else None
        assert not [m for m in sys.modules if m.split(".")[0] == "scipy"], "scipy imported"
        """)
    assert done.returncode == 0, done.stderr


def test_sourcead_works_without_scipy(tmp_path):
    path = tmp_path / "plain.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.tanh(x) ** 2)\n")
    done = _run(f"""
        import sys
        sys.modules["scipy"] = None   # SciPy absent: importing it raises ImportError
        sys.path.insert(0, {str(tmp_path)!r})
        import numpy as np
        import sourcead
        import plain
        x = np.array([0.3, -0.7])
        g = sourcead.grad(plain.f)(x)
        assert np.allclose(g, 2 * np.tanh(x) / np.cosh(x) ** 2), g
        h = sourcead.hessian(plain.f)(x)
        assert h.shape == (2, 2)
        """)
    assert done.returncode == 0, done.stderr


def test_only_the_imported_family_loads(tmp_path):
    """A program using scipy.special does not make sourcead import scipy.stats."""
    path = tmp_path / "special_only.py"
    path.write_text("import numpy as np\nfrom scipy.special import expit\n\n\n"
                    "def f(x):\n    return np.sum(expit(x))\n")
    done = _run(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import numpy as np
        import sourcead
        import special_only
        print(sourcead.grad(special_only.f)(np.array([0.0, 1.0])))
        assert "scipy.stats" not in sys.modules
        """)
    assert done.returncode == 0, done.stderr


def test_generated_code_reads_like_the_users(exact):
    text = sourcead.source(sourcead.grad(exact.expit_sum))
    assert "expit(x)" in text and "(1 - expit_x)" in text, text
    text = sourcead.source(sourcead.grad(exact.erfs))
    assert "sp.erfc(" in text, text
