"""Programs a new user wrote while auditing issues 4 and 5 (tests/test_audit.py checks each in
every mode against exact values and finite differences, or checks that it is refused clearly).
Each one once gave a wrong derivative, a crash inside sourcead or generated code, or an unclear
error."""
import math

import numpy as np


def augmented_alias(x):
    y = x * 1.0
    z = y
    y *= 2.0                      # in place: z is y, so z doubles too
    return np.sum(z * x)


def augmented_in_list(x):
    y = x * 1.0
    ys = [y]
    y += 1.0                      # in place: ys[0] is y
    return np.sum(ys[0] * x)


def augmented_scalar_alias(x):
    y = x * 1.0
    z = y
    y *= 2.0                      # a float: rebinds, z keeps x
    return z * 0.0 + y * x


def augmented_unshared(x):
    y = x * 1.0
    y *= 2.0                      # nobody else holds y: in place or not, the same
    y += x
    return np.sum(y * x)          # 3 x^2


def rnn_hidden_states(Wh, Wx, xs):
    hs = [np.zeros(Wh.shape[0])]          # an inactive first state, then active ones
    for t in range(xs.shape[0]):
        hs.append(np.tanh(Wh @ hs[-1] + Wx @ xs[t]))
    return sum(np.sum(h ** 2) for h in hs)


def rnn_hidden_states_exact(Wh, Wx, xs):
    """Back-propagation through time by hand: d/dWh, d/dWx, d/dxs."""
    hs = [np.zeros(Wh.shape[0])]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(Wh @ hs[-1] + Wx @ xs[t]))
    gWh, gWx, gxs = np.zeros_like(Wh), np.zeros_like(Wx), np.zeros_like(xs)
    carry = np.zeros(Wh.shape[0])
    for t in reversed(range(xs.shape[0])):
        h_bar = carry + 2 * hs[t + 1]
        a_bar = h_bar * (1 - hs[t + 1] ** 2)
        gWh += np.outer(a_bar, hs[t])
        gWx += np.outer(a_bar, xs[t])
        gxs[t] = Wx.T @ a_bar
        carry = Wh.T @ a_bar
    return gWh, gWx, gxs


def pair_of_states(w):
    states = (np.zeros(2), w * 2.0)       # a tuple holding an inactive array
    return np.sum(np.ones((2, 2)) @ states[0] + states[1] ** 2)


def states_read_from_the_end(x):
    hs = [np.zeros(3)]
    for t in range(2):
        hs.append(hs[-1] * 2.0 + np.sin(x))
    return np.sum(hs[-1] ** 2) + np.sum(hs[0] * 2.0 + x)   # sum((3 sin x)^2) + sum(x)


def reversed_inside_zip(xs, ys):
    t = 0.0
    for a, b in zip(reversed(xs), ys):
        t = t + a * b * b
    for k, a in enumerate(reversed(ys)):
        t = t + k * a * a
    return t


def augmented_after_tuple_assignment(x):
    y, z = x * 1.0, x * 1.0       # two arrays of their own
    y *= 2.0
    w, v = y, z                   # w is y
    y += 1.0
    return np.sum(w * v)


def spring_chain(x0, k):
    """Masses on springs, explicit Euler: accelerations written element by element."""
    n = x0.shape[0]
    x = x0.copy()
    v = np.zeros(n)
    for s in range(3):
        a = np.zeros(n)
        for i in range(1, n - 1):
            a[i] = k * (x[i - 1] - 2.0 * x[i] + x[i + 1])
        v = v + 0.1 * a
        x = x + 0.1 * v
    return np.sum(x * x)


def min_max_of_three(x, y):
    return min(x, y, 0.5) + max(x, 2.0 * y, -1.0)
