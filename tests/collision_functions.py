"""User code whose names are those sourcead's generated code uses (test_name_collisions.py).
Each function's exact derivative is given in the test."""
import math

import numpy as np

from collision_callee import scaled

COL = np.array([[1.0], [2.0]])


def zeros_like(v):  # the user's own, called by the functions below
    return v * 2.0


def scaled_sum(x):
    """Issue 11's example: the gradient is 6 everywhere."""
    return np.sum(x) * zeros_like(3.0)


def squares_by_key(x):
    """4 (x0^2 + x1^2); the adjoint of the dict comprehension starts from zeros."""
    d = {k: x[k] * zeros_like(1.0) for k in range(2)}
    s = 0.0
    for k, v in d.items():
        s = s + v * v
    return s


def weighted(x, unbroadcast):
    """sum(x * w) for w of shape (2, 1): x's gradient sums w over the broadcast rows."""
    return np.sum(x * unbroadcast)


def with_locals(x):
    """3 x0 x1 + x1^2 + x2^2, with locals spelled like helpers and generated names."""
    scatter = x[0] * 3.0
    owned = x[1:] ** 2
    tape = 0.0
    for i in range(2):
        tape = tape + owned[i]
    return scatter * x[1] + tape


def shadowed_numpy(x):
    """x^3 + 2 |x|: a local `np` and `math` here, so the derivative spells NumPy otherwise."""
    np = 2.0
    math = 1.0
    return abs(x) * np + x ** 3 * math


def through_callee(x):
    """sum(scaled(x) * COL) = 3 (2.5 sum(x) + 9 x0): the callee's module has the names."""
    return np.sum(scaled(x) * COL)


def make_summed(unreduce):
    """sum(x) * unreduce, the factor a closure variable spelled like the helper that spreads
    the sum's adjoint."""
    def summed(x):
        return np.sum(x) * unreduce
    return summed


def with_nested(x):
    """sum(3 x): a nested function spelled like that helper."""
    def unreduce(v):
        return v * 3.0
    return np.sum(unreduce(x))
