"""Programs people write (a pendulum, Newton's method, softmax, rotation chains, matrices built
from rows, sorting, differences, Cholesky and eigenvalues, kron/tile/repeat/split, masked
writes, a while loop on arrays, a local functools.partial ...), each a function of a vector
of 3, checked in every mode by tests/test_everyday.py. Written by hand to find what random
programs do not: one of them (a matrix written as rows of values) had a silently wrong
gradient."""
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
