"""Everyday Python constructs (issue 5) that sourcead differentiates."""
import operator

import numpy as np

import sourcead

square_then_sin = lambda x: np.sin(x * x)


def with_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.log(x) * x
    return np.sum(y)


def builtin_minmax(a, b):
    return max(a * a, b) + min(a, 2.0 * b)


def loop_helpers(x, ws):
    s = 0.0
    for i, w in enumerate(ws):
        s = s + w * x ** i
    for a, b in zip(ws, ws[1:]):
        s = s + a * b * x
    for w in reversed(ws):
        s = s * 0.5 + w * x
    for k in reversed(range(3)):
        s = s + k * x
    return s


def polynomial(x, coefficients):
    value = 0.0
    for power, c in enumerate(coefficients):
        value = value + c * x ** power
    return value


def clip_unit(g):
    return np.clip(g, -1.0, 1.0)


def clipped_gradient(x):
    y = sourcead.on_gradient(x * x, clip_unit)
    return np.sum(y * 3.0)


def pairs_loop(pairs):
    s = 0.0
    for a, b in pairs:
        s = s + a * b * b
    return s


def enumerated_pairs(x, y):
    pairs = [(x, y), (y, x * x)]
    s = 0.0
    for k, (a, b) in enumerate(pairs):
        s = s + (k + 1) * a * b
    return s


def enumerated_zip(w, v):
    s = 0.0
    for k, (a, b) in enumerate(zip(w, v[::-1])):
        s = s + (k + 1.0) * a * np.sin(b)
    return s


def nested_zip_target(xs, cs):
    pairs = [(xs[0], xs[1]), (xs[1], xs[2])]
    s = 0.0
    for (a, b), c in zip(pairs, cs):
        s = s + a * b * c
    return s


def checked_sqrt(v):
    if v < 0:
        raise ValueError(f"negative: {v}")
    return np.sqrt(v)


def raises_on_a_branch(x):
    y = np.sum(x ** 2)
    if y > 100.0:
        raise ValueError(f"too big: {y}")
    assert np.all(x > -5), "x too small"
    assert x.shape == (2,), f"shape {x.shape}"
    return y * checked_sqrt(x[0] * x[0] + 1.0)


def returns_or_raises(x):
    for i in range(3):
        if x > 10.0 * (i + 1):
            raise RuntimeError("out of range")
    if x > 0:
        return x * x
    raise ValueError("negative")


def config_containers(x, y):
    d = dict(a=x, b=y)
    t = tuple([x, y * y])
    ls = list((x, 2.0))
    return d["a"] * d["b"] + t[1] * ls[0] + ls[1]


def writes_through_indices_apart(x):
    y = x * 1.0
    y[1, :, [0, 2]] = np.cos(x[0, :, [1, 3]])   # the indexed axes come first in NumPy's result
    return np.sum(y ** 3)


def with_operator_functions(x, y):
    return operator.add(operator.mul(x, y), operator.truediv(x, y)) + operator.pow(x, 3.0) \
        - operator.neg(operator.sub(y, x)) + operator.abs(operator.mod(x, 0.7))


def real_parts(x):
    return np.sum(np.real(x) * np.conj(x)) + np.sum(np.imag(x)) + np.sum(np.real_if_close(x) ** 3)
