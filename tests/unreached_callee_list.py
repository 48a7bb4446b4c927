"""A list passed to a function of yours that returns before using it (the trust soak's
deadpath class): its adjoint is a plain zero, and the Hessian pops its tangent."""
import numpy as np


def part(v, x, y):
    if len(x) > 0:
        return np.sum(x) * y
    return sum(v)


def f(x, y):
    v = [x[0], x[1] * y]
    return part(v, x, y) + np.sum(np.cos(x * y))
