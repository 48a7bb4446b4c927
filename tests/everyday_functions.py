"""Programs people write (a pendulum, Newton's method, softmax, rotation chains, matrices built
from rows, sorting, differences, Cholesky and eigenvalues, kron/tile/repeat/split, masked
writes, a while loop on arrays, a local functools.partial ...), each a function of a vector
of 3, checked in every mode by tests/test_everyday.py. Written by hand to find what random
programs do not: one of them (a matrix written as rows of values) had a silently wrong
gradient.

The second part (issue 12) has whole programs from machine learning (attention, a GRU, soft
k-means, a VAE's ELBO, unrolled Adam, layer norm), ODE and PDE solvers (RK4, leapfrog N-body,
midpoint Lotka-Volterra, explicit heat equation, a Kalman filter), finance (Black-Scholes with
greeks, a mean-variance portfolio, a bond's price and duration), robotics (a two-link arm,
quaternion rotation) and statistics (Gaussian mixture, Poisson, logistic and Huber regression),
written the way people write them: helpers with defaults, module-level data, loops with
enumerate and zip, tuple unpacking, nested functions. Functions whose names start with ``_``
and ``black_scholes_call`` are helpers, not tested alone."""
import functools
import math
import operator

import numpy as np


def pendulum(x):
    th, om = x[0], x[1]
    dt = 0.05
    for _ in range(20):
        om = om - dt * 9.81 * math.sin(th)
        th = th + dt * om
    return th * th + 0.1 * om


def softmax_ce(x):
    z = x - np.max(x)
    p = np.exp(z) / np.sum(np.exp(z))
    return -np.log(p[1])


def horner(x):
    c = [1.0, -2.0, 0.5, 3.0]
    acc = 0.0
    for a in c:
        acc = acc * x[0] + a
    return acc * x[1]


def build_matrix(x):
    n = len(x)
    A = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            A[i, j] = x[i] * x[j] + (1.0 if i == j else 0.0)
    return np.linalg.det(A) + np.trace(A @ A)


def masked(x):
    y = np.where(x > 0.2, x ** 2, -x)
    return np.sum(y * np.clip(x, -0.5, 0.5)) + np.sum(np.maximum(x, 0.1))


def newton_sqrt(x):
    # sqrt of x[0] by Newton: derivative through iterations
    y = 1.0
    k = 0
    while k < 30 and abs(y * y - x[0]) > 1e-14:
        y = 0.5 * (y + x[0] / y)
        k += 1
    return y * x[1]


def slices(x):
    return np.sum(x[::-1] * x) + np.sum(x[1:-1] ** 3) + np.sum(x[[0, 2, 2]] * x[1])


def inplace_loop(x):
    a = x.copy()
    for i in range(1, len(a)):
        a[i] += a[i - 1] * 0.5
    return np.sum(a * a)


def helper_pair(u, v):
    return u * v, u + v


def tuples(x):
    p, s = helper_pair(x[0], x[1])
    q, t = helper_pair(p, s)
    return q * t


def params_dict(x):
    params = {"w": x[:2], "b": x[2]}
    out = 0.0
    for k, v in params.items():
        out = out + np.sum(v * v) * (2.0 if k == "w" else 1.0)
    return out


def stacked_list(x):
    rows = [x * k for k in range(3)]
    M = np.stack(rows)
    return np.sum(np.tanh(M) @ x)


def norms(x):
    return np.linalg.norm(x) + np.linalg.norm(np.outer(x, x)) + math.hypot(x[0], x[1])


def cumulative(x):
    return np.sum(np.cumsum(x) ** 2) + np.sum(np.diff(x) ** 2)


def integer_power(x):
    return np.sum((x - 1.0) ** 3) + np.prod(x[:2]) + x[0] ** -2


def matrix_rows_loop(x):
    rows = []
    for k in range(3):
        rows.append([x[k], x[(k + 1) % 3] * 2.0, 1.0])
    A = np.array(rows)
    return np.sum(A @ A.T)


def rotation_chain(x):
    out = np.array([1.0, 0.0])
    for k in range(3):
        c, s = np.cos(x[k]), np.sin(x[k])
        R = np.array([[c, -s], [s, c]])
        out = R @ out
    return out[0] * 2.0 + out[1]


def relu_mlp(x):
    W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
    h = np.maximum(W @ x, 0.0)
    return np.sum(h ** 2) + np.sum(np.log1p(np.exp(-x)))


A = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])


class _Totals:
    def sum(self):
        return 100.0


totals = _Totals()


def local_shadows_global(x):
    # `A` and `totals` are locals here, whatever the module-level names hold: A.T is this
    # A's transpose (it was refused), totals.sum() this array's sum (not _Totals.sum);
    # 42 |x|^2
    A = np.outer(x, np.array([1.0, 2.0, 3.0]))
    totals = A.T * x
    return totals.sum() + np.sum(A.T @ A)


def quad_form(x):
    return x.T @ A @ x + x @ np.linalg.solve(A, x)


def outer_broadcast(x):
    return np.sum(x[:, None] * x[None, :] * np.sin(x)[:, None])


def early_return(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] ** 2
        if s > 0.5:
            return s * x[0]
    return s


def while_break(x):
    y = x[0]
    k = 0
    while True:
        y = y * 0.9 + math.sin(y) * x[1]
        k += 1
        if k >= 7:
            break
    return y + x[2]


def recursive(x):
    return rec(x[0], 4) * x[1] + x[2]


def rec(v, n):
    if n == 0:
        return v
    return math.cos(rec(v, n - 1)) + v


def defaults(x, scale=2.0, shift=0.5):
    return np.sum((x * scale + shift) ** 2)


def calls_defaults(x):
    return defaults(x) + defaults(x, shift=1.0) + defaults(x, 3.0)


def sorted_values(x):
    return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0]))


def arctan_sinc(x):
    return np.sum(np.arctan2(x, x[::-1] + 2.0) + np.sinc(x))


def zero_d(x):
    s = np.float64(0.5) * x[0]
    t = np.array(2.0) * x[1]
    return float(s * t) + np.sum(x) * np.array(1.5)


def means(x):
    M = np.outer(x, np.arange(1.0, 4.0))
    return np.sum(np.mean(M, axis=0, keepdims=True) ** 2) + np.std(M)


def spd_stuff(x):
    M = np.outer(x, x) + 2.0 * np.eye(3)
    L = np.linalg.cholesky(M)
    sign, logdet = np.linalg.slogdet(M)
    w = np.linalg.eigvalsh(M)
    return np.sum(L) + logdet + np.sum(w ** 2)


def kron_tile(x):
    K = np.kron(x[:2], np.array([1.0, -1.0]))
    T = np.tile(x, 2)
    R = np.repeat(x, 2)
    a, b = np.split(np.concatenate([x, x * 2]), 2)
    return np.sum(K * K) + np.sum(T * R) + np.sum(a * b)


def masked_write(x):
    a = x.copy()
    a[a > 0.0] = a[a > 0.0] ** 2
    a[0] = a[0] * 3.0
    return np.sum(a * np.array([1.0, 2.0, 3.0]))


def while_array(x):
    v = x.copy()
    n = 0
    while np.sum(v * v) < 10.0 and n < 50:
        v = v * 1.3 + 0.1 * np.sin(v)
        n += 1
    return np.sum(v)


def prods(x):
    return np.prod(x) + np.sum(np.cumprod(x)) + np.prod(x - x[1])


def partial_in_loop(x):
    p = functools.partial(np.power, x[0])
    return p(2.0) + p(x[1]) * x[2]


# =================================================================================================
# Whole programs (issue 12)
# =================================================================================================

# ---- machine learning -------------------------------------------------------------------------

_TOKENS = np.array([[0.3, -1.1, 0.6], [1.2, 0.4, -0.5], [-0.8, 0.9, 0.2], [0.1, -0.3, 1.4]])


def attention(x):
    d = 3
    Wq = np.eye(d) * x[0] + 0.1
    Wk = np.eye(d) + np.outer(x, x)
    Wv = np.diag(x) + 1.0
    Q, K, V = _TOKENS @ Wq, _TOKENS @ Wk, _TOKENS @ Wv
    scores = Q @ K.T / math.sqrt(d)
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    out = weights @ V
    return float(np.sum(out ** 2))


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


_SEQUENCE = [np.array([0.5, -1.0]), np.array([1.5, 0.2]), np.array([-0.3, 0.8])]


def gru_sequence(x):
    hidden = 3
    Wz = np.outer(x, [1.0, -0.5])
    Wr = np.outer(x[::-1], [0.3, 0.7])
    Wn = np.outer(np.sin(x), [1.0, 1.0])
    U = np.eye(hidden) * 0.5
    h = np.zeros(hidden)
    for t, inp in enumerate(_SEQUENCE):
        z = _sigmoid(Wz @ inp + U @ h)
        r = _sigmoid(Wr @ inp + U @ h)
        n = np.tanh(Wn @ inp + U @ (r * h))
        h = (1 - z) * n + z * h
    return np.sum(h * np.array([1.0, 2.0, 3.0]))


_POINTS = np.array([[0.0, 0.1], [0.9, 1.1], [1.0, -0.8], [-0.7, 0.4], [0.2, 0.5]])


def soft_kmeans(x, temperature=0.5):
    centers = np.stack([x[:2], x[1:], np.array([x[0], x[2]])])
    d2 = np.sum((_POINTS[:, None, :] - centers[None, :, :]) ** 2, axis=-1)
    logits = -d2 / temperature
    logits = logits - logits.max(axis=1, keepdims=True)
    resp = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return np.sum(resp * d2)


_DATA = np.array([0.3, -1.2, 0.8, 2.0])
_EPS = np.array([0.7, -0.4])


def vae_elbo(x):
    enc = {"mu": np.array([[0.2, -0.1, 0.3, 0.0], [0.1, 0.4, -0.2, 0.5]]) * x[0],
           "logvar": np.array([[0.05, 0.1, -0.1, 0.2], [0.0, -0.3, 0.1, 0.1]]) * x[1]}
    dec = np.array([[1.0, 0.5], [-0.5, 1.0], [0.3, 0.3], [0.0, 2.0]]) * (1.0 + x[2])
    mu = enc["mu"] @ _DATA
    logvar = enc["logvar"] @ _DATA
    z = mu + np.exp(0.5 * logvar) * _EPS          # reparametrization
    recon = dec @ z
    log_lik = -0.5 * np.sum((_DATA - recon) ** 2) - 0.5 * len(_DATA) * math.log(2 * math.pi)
    kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar))
    return -(log_lik - kl)


# ---- ODE solvers ------------------------------------------------------------------------------

def _pendulum_rhs(state, g=9.81, length=1.0, damping=0.1):
    theta, omega = state
    return np.array([omega, -g / length * np.sin(theta) - damping * omega])


def rk4_pendulum(x):
    state = np.array([x[0], x[1]])
    dt, steps = 0.05, 40
    for _ in range(steps):
        k1 = _pendulum_rhs(state, damping=x[2])
        k2 = _pendulum_rhs(state + dt / 2 * k1, damping=x[2])
        k3 = _pendulum_rhs(state + dt / 2 * k2, damping=x[2])
        k4 = _pendulum_rhs(state + dt * k3, damping=x[2])
        state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return state[0] ** 2 + 0.5 * state[1]


_MASSES = np.array([1.0, 0.5, 0.8])


def _accelerations(pos, masses, soft=0.1):
    n = len(masses)
    acc = np.zeros_like(pos)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            d = pos[j] - pos[i]
            r2 = np.sum(d * d) + soft ** 2
            acc[i] = acc[i] + masses[j] * d / r2 ** 1.5
    return acc


def nbody_leapfrog(x):
    pos = np.array([[x[0], 0.0], [1.0, x[1]], [-0.5, x[2] + 0.5]])
    vel = np.array([[0.0, 0.3], [-0.2, 0.0], [0.1, -0.1]])
    dt = 0.02
    acc = _accelerations(pos, _MASSES)
    for step in range(10):
        vel = vel + 0.5 * dt * acc
        pos = pos + dt * vel
        acc = _accelerations(pos, _MASSES)
        vel = vel + 0.5 * dt * acc
    kinetic = 0.5 * np.sum(_MASSES[:, None] * vel ** 2)
    return kinetic + np.sum(pos[:, 0])


# ---- finance ----------------------------------------------------------------------------------

def _norm_cdf(v):
    return 0.5 * (1.0 + math.erf(v / math.sqrt(2.0)))


def _norm_pdf(v):
    return math.exp(-0.5 * v * v) / math.sqrt(2.0 * math.pi)


def black_scholes_call(spot, strike, rate, vol, t):
    d1 = (math.log(spot / strike) + (rate + 0.5 * vol ** 2) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    price = spot * _norm_cdf(d1) - strike * math.exp(-rate * t) * _norm_cdf(d2)
    delta = _norm_cdf(d1)
    vega = spot * _norm_pdf(d1) * math.sqrt(t)
    return price, delta, vega


def option_book(x):
    spot = 100.0 * (1.0 + 0.1 * x[0])
    vol = 0.2 + 0.05 * x[1]
    rate = 0.03 + 0.01 * x[2]
    price, delta, vega = black_scholes_call(spot, 105.0, rate, vol, 0.75)
    return price + 10.0 * delta + 0.1 * vega


_MU = np.array([0.08, 0.05, 0.11])
_SIGMA = np.array([[0.04, 0.006, 0.01], [0.006, 0.02, 0.004], [0.01, 0.004, 0.09]])


def portfolio_utility(x, risk_aversion=3.0):
    weights = np.exp(x) / np.sum(np.exp(x))      # long only, fully invested
    expected = _MU @ weights
    variance = weights @ _SIGMA @ weights
    return expected - risk_aversion * variance


# ---- robotics ---------------------------------------------------------------------------------

_LINKS = (1.0, 0.7)
_TARGET = np.array([0.9, 0.8])


def _forward_kinematics(angles, links=_LINKS):
    x, y, heading = 0.0, 0.0, 0.0
    for angle, length in zip(angles, links):
        heading = heading + angle
        x = x + length * math.cos(heading)
        y = y + length * math.sin(heading)
    return np.array([x, y])


def arm_reach(x):
    tip = _forward_kinematics([x[0], x[1]])
    error = tip - _TARGET
    return float(error @ error) + 0.01 * x[2] ** 2


def _quat_mul(a, b):
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
                     w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                     w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                     w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])


def quaternion_rotate(x):
    angle = np.linalg.norm(x)
    axis = x / angle
    q = np.concatenate([[np.cos(angle / 2)], np.sin(angle / 2) * axis])
    conj = q * np.array([1.0, -1.0, -1.0, -1.0])
    v = np.array([0.0, 1.0, 2.0, 3.0])
    rotated = _quat_mul(_quat_mul(q, v), conj)[1:]
    return rotated @ np.array([1.0, -1.0, 0.5])


# ---- statistics -------------------------------------------------------------------------------

_SAMPLES = np.array([-1.2, -0.4, 0.1, 0.5, 1.7, 2.2])


def _log_normal(v, mean, var):
    return -0.5 * (v - mean) ** 2 / var - 0.5 * np.log(2 * np.pi * var)


def gmm_log_likelihood(x):
    weights = [0.3, 0.5, 0.2]
    variances = [0.5, 1.0, 0.3]
    comps = [np.log(w) + _log_normal(_SAMPLES, m, v)
             for w, m, v in zip(weights, x, variances)]
    stacked = np.stack(comps)                    # (components, samples)
    top = np.max(stacked, axis=0)
    return np.sum(top + np.log(np.sum(np.exp(stacked - top), axis=0)))


_DESIGN = np.array([[1.0, 0.2, -0.5], [1.0, -0.3, 0.1], [1.0, 0.8, 0.4], [1.0, 0.0, -1.0],
                    [1.0, 0.5, 0.5]])
_COUNTS = np.array([2.0, 0.0, 4.0, 1.0, 3.0])


def poisson_regression(x):
    eta = _DESIGN @ x
    log_factorials = np.array([math.lgamma(k + 1.0) for k in _COUNTS])
    return -np.sum(_COUNTS * eta - np.exp(eta) - log_factorials)


_RESIDUAL_A = np.array([[1.0, 0.5, 0.0], [0.2, 1.0, -0.3], [-0.4, 0.1, 1.0], [1.0, 1.0, 1.0],
                        [0.3, -0.7, 0.2], [0.0, 0.4, -1.1]])
_RESIDUAL_Y = np.array([0.5, -1.0, 3.0, 0.2, -0.4, 1.3])


def huber_regression(x, delta=1.0):
    residuals = _RESIDUAL_Y - _RESIDUAL_A @ x
    loss = 0.0
    for r in residuals:
        if abs(r) <= delta:
            loss += 0.5 * r ** 2
        else:
            loss += delta * (abs(r) - 0.5 * delta)
    return loss + 0.1 * np.sum(x ** 2)


# ---- more: optimizers, filters, PDEs, bonds ---------------------------------------------------

_FEATURES = np.array([[0.5, 1.0, -0.2], [1.5, -0.4, 0.3], [-0.7, 0.2, 0.9], [0.1, 0.8, -1.0]])
_OUTCOMES = [1, 0, 1, 0]


def logistic_regression(x, l2=0.05):
    loss = 0.0
    for features, label in zip(_FEATURES, _OUTCOMES):
        logit = features @ x
        if label == 1:
            loss += np.logaddexp(0.0, -logit)
        else:
            loss += np.logaddexp(0.0, logit)
    return loss / len(_OUTCOMES) + l2 * np.dot(x, x)


def adam_unrolled(x):
    """A few Adam steps on a quadratic whose curvature is x; the loss after them."""
    curvature = np.exp(x)
    w = np.array([1.0, -2.0, 0.5])
    m, v = np.zeros(3), np.zeros(3)
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    for step in range(1, 6):
        g = curvature * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** step)
        v_hat = v / (1 - b2 ** step)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return 0.5 * np.sum(curvature * w ** 2)


_MEASUREMENTS = [0.9, 1.4, 1.1, 2.0, 2.3]


def kalman_filter(x):
    """A 1-D constant-velocity Kalman filter; the negative log-likelihood of the measurements
    for process noise exp(x0), measurement noise exp(x1), initial velocity x2."""
    q, r = math.exp(x[0]), math.exp(x[1])
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    H = np.array([1.0, 0.0])
    mean = np.array([0.5, x[2]])
    cov = np.eye(2)
    nll = 0.0
    for z in _MEASUREMENTS:
        mean = F @ mean
        cov = F @ cov @ F.T + q * np.eye(2)
        s = H @ cov @ H + r
        innovation = z - H @ mean
        gain = cov @ H / s
        mean = mean + gain * innovation
        cov = cov - np.outer(gain, H @ cov)
        nll += 0.5 * (math.log(2 * math.pi * s) + innovation ** 2 / s)
    return nll


def heat_equation(x, steps=30):
    """Explicit finite differences for u_t = k u_xx on a rod, k = 0.2 + 0.05 x0, the
    initial bump set by x1 and x2; the heat left in the middle."""
    n = 12
    grid = np.linspace(0.0, 1.0, n)
    u = x[1] * np.exp(-((grid - 0.5) / 0.2) ** 2) + x[2] * grid * (1 - grid)
    k = 0.2 + 0.05 * x[0]
    dx = grid[1] - grid[0]
    dt = 0.4 * dx * dx / 0.3
    for _ in range(steps):
        lap = np.zeros(n)
        lap[1:-1] = (u[2:] - 2 * u[1:-1] + u[:-2]) / dx ** 2
        u = u + dt * k * lap
    return np.sum(u[n // 3: 2 * n // 3] ** 2)


def bond_price_and_duration(x):
    face, coupon_rate, years = 100.0, 0.05 + 0.01 * x[0], 6
    yield_ = 0.04 + 0.02 * x[1]
    coupon = face * coupon_rate
    price = 0.0
    weighted = 0.0
    for t in range(1, years + 1):
        cash = coupon + (face if t == years else 0.0)
        pv = cash / (1 + yield_) ** t
        price += pv
        weighted += t * pv
    duration = weighted / price
    return price + duration * (1.0 + x[2])


def lotka_volterra_midpoint(x):
    alpha, beta, delta, gamma = 1.1 + 0.1 * x[0], 0.4, 0.1 + 0.02 * x[1], 0.4
    prey, pred = 10.0 + x[2], 5.0
    h = 0.05

    def rates(u, v):
        return alpha * u - beta * u * v, delta * u * v - gamma * v

    for _ in range(40):
        du, dv = rates(prey, pred)
        mid_u, mid_v = prey + 0.5 * h * du, pred + 0.5 * h * dv
        du, dv = rates(mid_u, mid_v)
        prey, pred = prey + h * du, pred + h * dv
    return prey + 2.0 * pred


def layer_norm_residual(x):
    tokens = _TOKENS + x                         # (4, 3), broadcasting over rows
    mean = tokens.mean(axis=-1, keepdims=True)
    var = tokens.var(axis=-1, keepdims=True)
    normed = (tokens - mean) / np.sqrt(var + 1e-5)
    hidden = np.maximum(normed @ np.diag([1.0, 0.5, 2.0]) + 0.1, 0.0)
    out = tokens + hidden
    return np.sum(out ** 2) / out.size


def _smooth_l1(r, beta=0.5):
    return np.where(np.abs(r) < beta, 0.5 * r ** 2 / beta, np.abs(r) - 0.5 * beta)


def box_regression(x, **loss_options):
    predicted = np.array([x[0], x[1], x[0] + x[2], x[1] + 2 * x[2]])
    target = np.array([0.3, -0.1, 1.2, 1.5])
    return float(np.sum(_smooth_l1(predicted - target, **loss_options)))


# ---- NumPy's rearrangements, samples and filters (issue 12) -----------------------------------

def padded_smoothing(x):
    """A signal padded by reflection, smoothed by a kernel, and its slope (issue 12)."""
    padded = np.pad(x, 2, mode="reflect")
    smooth = np.convolve(padded, np.array([0.25, 0.5, 0.25]), mode="valid")
    return np.sum(smooth ** 2) + np.sum(np.gradient(smooth, 0.5) ** 2)


def robust_center(x):
    """Medians and percentiles as robust statistics."""
    return np.median(x * x) + np.percentile(x, 75) * x[0] + np.sum(np.quantile(x, [0.1, 0.9]))


def resampled(x):
    """Values on a grid between active ends, looked up in a table of active values."""
    grid = np.linspace(x[0], x[0] + 2.0, 5)
    return np.sum(np.interp(grid, np.array([-1.0, 0.0, 1.0]), x) ** 2)


def design_columns(x):
    """A design matrix built from columns, a column inserted, split in two."""
    A = np.column_stack([np.ones(3), x, x ** 2])
    B = np.insert(A, 1, np.append(x[1:], 1.0), axis=1)
    left, right = np.hsplit(B, [2])
    return np.sum(left ** 2) + np.sum(right * x[2]) + np.sum(np.dstack([A, A * x[0]]) ** 2)


def cleaned_missing(x):
    """A missing value (NaN) dropped from a loss by nan_to_num."""
    residual = np.nan_to_num(x * 2.0 - np.array([0.5, np.nan, 1.0]))
    return np.sum(residual ** 2) + np.sum(np.correlate(x, np.array([1.0, -1.0]), "full") ** 2)


# ---- linear algebra people write (issue 12): singular vectors, qr, einsum spellings, norms ----

def procrustes_rotation(x):
    """The rotation nearest to a matrix (Kabsch / orthogonal Procrustes): u @ vt of its svd."""
    m = np.outer(x, [1.0, -0.5, 0.25]) + A * np.array([3.0, 2.0, 1.0])
    u, s, vt = np.linalg.svd(m)
    rotation = u @ vt
    return np.sum(rotation * A) + np.linalg.norm(m, "nuc") + np.linalg.norm(m, 2)


def qr_least_squares(x):
    """Least squares by qr: solve r c = q.T b."""
    m = np.vstack([A + np.outer(x, x) * 0.1, x])
    q, r = np.linalg.qr(m)
    b = np.array([1.0, 2.0, -1.0, 0.5])
    coef = np.linalg.solve(r, q.T @ b)
    return np.sum(coef ** 2)


def einsum_scores(x):
    """Attention-like scores written with implicit, '...' and integer-list einsums."""
    queries = np.outer(x, x) + A
    keys = A * x
    scores = np.einsum("id,jd", queries, keys)
    stacked = np.einsum("...ij,...j->...i", np.stack([scores, scores.T]), x)
    return np.sum(np.einsum(scores, [0, 1], x, [1]) ** 2) + np.sum(np.tanh(stacked))


def norms_of_every_order(x):
    m = np.outer(x, x[::-1]) + A
    return (np.linalg.norm(x, 3) + np.linalg.norm(x, -1) + np.linalg.norm(m, 1)
            + np.linalg.norm(m, -2) + np.linalg.norm(m, np.inf))


def upper_eigenvalues(x):
    s = np.triu(A + np.outer(x, x))
    w, v = np.linalg.eigh(s, UPLO="U")
    return np.sum(w ** 2) + np.sum(v[:, -1] ** 2 * x)


# ---- Python data people write (issue 12): dicts changed in place, ranked lists --------------------

def optimizer_state_in_dicts(x):
    """An optimizer's state kept in dicts updated in place, and the losses ranked (issue 12)."""
    state = {"m": 0.0 * x, "v": 0.0 * x}
    params = {"w": x}
    losses = []
    for _ in range(3):
        g = 2.0 * params["w"] - 1.0
        state["m"] = 0.9 * state["m"] + 0.1 * g
        state["v"] = 0.99 * state["v"] + 0.01 * g * g
        params["w"] = params["w"] - 0.1 * state["m"] / np.sqrt(state["v"] + 1e-3)
        losses.append(np.sum(params["w"] ** 2))
    worst = sorted(losses, reverse=True)
    return worst[0] + sum(np.sum(v) for v in state.values())


def oscillator_cost_with_nonlocal(x):
    """A cost accumulated by a nested function with `nonlocal`, and a starred reduce."""
    cost = 0.0

    def penalize(v):
        nonlocal cost
        cost = cost + 0.5 * v * v

    pos, vel = x[0], x[1]
    for _ in range(10):
        acc = -x[2] * pos - 0.1 * vel
        vel = vel + 0.05 * acc
        pos = pos + 0.05 * vel
        penalize(pos)
    ends = (pos, vel)
    return cost + functools.reduce(operator.add, [e * e for e in ends]) + _hypot2(*ends)


def _hypot2(a, b):
    return a * a + b * b
