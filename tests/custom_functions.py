"""Functions sourcead has no rule for, given rules in tests/test_custom_rules.py."""
import math

import numpy as np


def softplus(x):
    return np.log1p(np.exp(x))


def softplus_with_wrong_rule(x):
    return np.log1p(np.exp(x))


def scaled_sum(x, s):
    return np.sum(x) * s


def opaque_cube(v):
    return math.pow(v, 3)


def uses_softplus(x):
    return np.sum(softplus(x) * x)


def uses_scaled_sum(x, s):
    return scaled_sum(x * x, s) + s


def uses_cube(v):
    y = opaque_cube(v)
    for i in range(2):
        y = y * v
    return y
