"""NumPy calls that make an array out of numbers (``np.outer(y, y)`` is 1 x 1,
``np.tile(y, 3)`` has three elements), in the differentiated function and in a callee. Their
result was taken for a number, so the gradient of a float argument came back as an array
(reverse mode) and the Hessian crashed. Each case: f, its arguments (both floats), the exact
gradient. Used by test_silent_wrongs.py."""
import numpy as np


def outer(x, y):
    a = np.outer(y, y)                 # [[y^2]]
    return np.sum(a * x) + np.sum(a * a)


def tiled(x, y):
    a = np.tile(y, 3)
    return np.sum(a * x) + np.sum(a * a)


def repeated(x, y):
    a = np.repeat(y * x, 2)
    return np.sum(a * x) + np.sum(a * a)


def at_least_one_axis(x, y):
    a = np.atleast_1d(y)
    b = np.atleast_2d(x * y)
    c = np.atleast_3d(y)
    return np.sum(a * x) + np.sum(a * a) + np.sum(b * b) + np.sum(c * x)


def an_axis_added(x, y):
    a = np.expand_dims(y, 0)
    return np.sum(a * x) + np.sum(a * a)


def raveled(x, y):
    a = np.ravel(y)
    return np.sum(a * x) + np.sum(a * a)


def running_sum_and_product(x, y):
    a = np.cumsum(y)
    b = np.cumprod(x)
    return np.sum(a * x) + np.sum(a * b)


def outer_of(u, v):
    return np.outer(u, u)


def calls_outer(x, y):
    return np.sum(outer_of(x, y) * y)


def filled(x, y):
    a = np.full(3, y)                  # [y, y, y]
    b = np.full_like(np.zeros((2, 2)), x * y)
    c = np.diagflat(y)                 # [[y]]
    return np.sum(a * x) + np.sum(b * y) + np.sum(c * c * x)


CASES = [
    (outer, (0.3, 0.7), lambda x, y: (y ** 2, 2 * x * y + 4 * y ** 3)),
    (filled, (0.3, 0.7), lambda x, y: (3 * y + 4 * y * y + y * y, 3 * x + 8 * x * y + 2 * x * y)),
    (tiled, (0.3, 0.7), lambda x, y: (3 * y, 3 * x + 6 * y)),
    (repeated, (0.3, 0.7), lambda x, y: (4 * x * y + 4 * x * y * y, 2 * x * x + 4 * x * x * y)),
    (at_least_one_axis, (0.3, 0.7),
     lambda x, y: (2 * y + 2 * x * y * y, 2 * x + 2 * y + 2 * x * x * y)),
    (an_axis_added, (0.3, 0.7), lambda x, y: (y, x + 2 * y)),
    (raveled, (0.3, 0.7), lambda x, y: (y, x + 2 * y)),
    (running_sum_and_product, (0.3, 0.7), lambda x, y: (2 * y, 2 * x)),
    (calls_outer, (0.3, 0.7), lambda x, y: (2 * x * y, x * x)),
    (calls_outer, (-1.2, 0.4), lambda x, y: (2 * x * y, x * x)),
]
