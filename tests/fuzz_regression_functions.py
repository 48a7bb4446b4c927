"""Minimized programs from the random-program fuzzer (tests/test_fuzz_regressions.py)."""
import math

import numpy as np


def writes_y_into_x(x, y):
    a = x.copy()
    s = a[0]
    x[0] = y
    return np.sum(a) + s + x[0]


def tanh_weighted(arr):
    b = np.zeros(len(arr))
    for j in range(len(arr)):
        b[j] = math.tanh(arr[j])
    return np.sum(b * arr)


def tanh_weighted_second(x):
    """d2/dx2 of x tanh(x), elementwise."""
    s = 1 - np.tanh(x) ** 2
    return 2 * s - 2 * x * np.tanh(x) * s


def calls_tanh_weighted(x, y):
    return tanh_weighted(x)


def mask_of_constants_then_slice(x, y):
    a = np.zeros(4)
    a[x < y] = np.tanh(a[x < y] * a[0])
    a[1:4] += np.cos(x[1])
    return np.sum(a * a)


def list_rebuilt_in_branch(x):
    zs = [x * k for k in range(3)]
    t = sum(zs)
    if t > 0.0:
        zs = [x * x for k in range(2)]
    return t


def list_used_after_rebuild(x):
    zs = [x * k for k in range(3)]
    if x > 0.0:
        zs = [x * x for k in range(2)]
    return sum(zs)


def overwrites_unused_parameter(x, y):
    x[1] = x[3] * np.tanh(x[2])
    return y * y


def list_built_in_one_branch(x, y):
    t = 0.5
    if x > 0:
        t = x * y
    else:
        zs = [y * k for k in range(3)]
        t = t + sum(zs)
    return t


def float_alias_then_augmented(x, y):
    s = y                       # a float: `s += ...` cannot change y
    for i in range(3):
        s += np.cos(x[i]) * s
    return s


def closure_call_rebinding_its_argument(x, y):
    s = y
    def inner(u):
        return math.tanh(u * s)
    s = inner(s + x[2])
    if s > 10.0:
        s = s * 0.5
    return s


def helper_scaled(u, v):
    return u * v + v


def call_rebinding_its_argument_twice(x):
    s = x * 0.5
    s = helper_scaled(s, x)
    s = helper_scaled(s, s)
    if s > 100.0:
        s = s * 0.5
    return s * x
