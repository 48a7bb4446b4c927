"""NumPy at the edges of its domains (issue 11, item 7), for test_edges.py: std and var over
one element, std of equal elements, and derivatives that are infinite or NaN where NumPy's
own formula gives inf or NaN (with a warning)."""
import numpy as np


def std_of_one_element(x):
    return np.std(x) + np.sum(x * x)


def var_of_one_element(x):
    return np.var(x) + np.sum(x * x)


def std_over_an_axis_of_one(X):
    return np.sum(np.std(X, axis=1)) + np.sum(X * X)


def var_over_an_axis_of_one(X):
    return np.sum(np.var(X, axis=1, keepdims=True)) + np.sum(X * X)


def std_of_copies(s):
    return np.std(np.array([s, s, s])) + s * s


def std_of_a_broadcast(x):
    return np.std(x[:1] * np.ones(4)) + np.sum(x * x)


def std_of_rows_of_copies(x):
    X = np.outer(x, np.ones(3))
    return np.sum(np.std(X, axis=1)) + np.sum(x * x)


def scaled_std_of_copies(s):
    return np.std(np.array([s, s]) * 2.0) * 3.0 + s * s


# the gradient is 2 x (the std or var part is constant)
CONSTANT = [
    (std_of_one_element, np.array([0.7])),
    (var_of_one_element, np.array([0.1])),
    (std_over_an_axis_of_one, np.array([[0.7], [0.1], [-1.3]])),
    (var_over_an_axis_of_one, np.array([[0.7], [0.1], [-1.3]])),
    (std_of_copies, 0.1), (std_of_copies, 2.0),
    (std_of_a_broadcast, np.array([0.1, 0.4, -0.3])),
    (std_of_rows_of_copies, np.array([0.1, 1.0 / 3.0, 2.0])),
    (scaled_std_of_copies, 0.1),
]


def std(x):
    return np.std(x)


def var(x):
    return np.var(x)


def arcsin(x):
    return np.sum(np.arcsin(x))


def arccos(x):
    return np.sum(np.arccos(x))


def arccosh(x):
    return np.sum(np.arccosh(x))


def sqrt(x):
    return np.sum(np.sqrt(x))


def cbrt(x):
    return np.sum(np.cbrt(x))


def log(x):
    return np.sum(np.log(x))


def power_of_zero(y):
    return np.sum(np.power(np.zeros(3), y))


def zero_to_the(y):
    return np.sum(np.zeros(3) ** y)


# (function, point, the derivative NumPy's own formula gives there)
EDGES = [
    (arcsin, np.array([1.0, 0.5, -1.0]), lambda x: 1 / np.sqrt(1 - x ** 2)),
    (arccos, np.array([1.0, 0.5, -1.0]), lambda x: -1 / np.sqrt(1 - x ** 2)),
    (arccosh, np.array([1.0, 2.0]), lambda x: 1 / np.sqrt(x ** 2 - 1)),
    (sqrt, np.array([0.0, 4.0]), lambda x: 0.5 / np.sqrt(x)),
    (cbrt, np.array([0.0, 8.0]), lambda x: 1 / (3 * np.cbrt(x) ** 2)),
    (log, np.array([0.0, 2.0]), lambda x: 1 / x),
    # 0 ** y is 0 for every y > 0: its slope in y is exactly 0, where the formula
    # ``out * log(x)`` gives 0 * -inf = NaN (sourcead's power rows are exact there)
    (power_of_zero, np.array([2.0, 0.5, 1.0]), lambda y: np.zeros(3)),
    (zero_to_the, np.array([2.0, 0.5, 1.0]), lambda y: np.zeros(3)),
]
