"""Lists and tuples of values where NumPy reads an array (issue 11, item 9), and np.array of a
number, with exact gradients. Used by test_crash_classes.py."""
import numpy as np


def _moments(v, dv):
    """d mean, d var and d std of the values v (as functions of x), from their derivatives dv."""
    m, dm = np.mean(v), np.mean(dv)
    var = np.mean((v - m) ** 2)
    dvar = 2 * np.mean((v - m) * (dv - dm))
    return dm, dvar, dvar / (2 * np.sqrt(var))


def sum_of_a_list(x):
    return np.sum([x, 2.0 * x]) * x


def mean_of_a_list(x):
    return np.mean([x, 2.0 * x, x * x])


def std_of_a_list(x):
    return np.std([x, 2.0 * x, x * x])


def var_of_a_list(x):
    return np.var([x, 2.0 * x, x * x])


def norm_of_a_list(x):
    return np.linalg.norm([x, 2.0 * x, 1.0])


def max_of_a_list(x):
    return np.max([x, 2.0 * x, 1.0])


def prod_of_a_tuple(x):
    return np.prod((x, 2.0 * x, 3.0))


def cumsum_of_a_list_variable(x):
    xs = [x, x * x]
    c = np.cumsum(xs)
    return np.sum(c * c)


def dot_of_lists(x):
    return np.dot([x, 1.0], [2.0, x * x])


def sum_of_a_list_of_arrays(v):
    return np.sum([v, v * v]) + np.sum(np.mean([v, 2.0 * v], axis=0) ** 2)


def array_plus_a_list(v, s):
    return np.sum((v + [s, 2.0 * s, 1.0]) ** 2)


def array_of_a_number(x):
    return np.sum(np.array(x) * 2.0) * x


def asarray_of_a_number(x):
    return np.asarray(x) * x


def asarray_of_an_array(v):
    return np.sum(np.asarray(v) ** 3)


def array_of_a_list_argument(xs):
    return np.sum(np.array(xs) ** 2)


V = np.array([0.5, -1.0, 2.0])

# (function, arguments, exact gradient with respect to all of them)
CASES = [
    (sum_of_a_list, (1.5,), lambda x: 6 * x),
    (mean_of_a_list, (1.5,), lambda x: (3 + 2 * x) / 3),
    (std_of_a_list, (1.5,), lambda x: _moments(np.array([x, 2 * x, x * x]),
                                               np.array([1.0, 2.0, 2 * x]))[2]),
    (var_of_a_list, (1.5,), lambda x: _moments(np.array([x, 2 * x, x * x]),
                                               np.array([1.0, 2.0, 2 * x]))[1]),
    (norm_of_a_list, (1.5,), lambda x: 5 * x / np.sqrt(5 * x * x + 1)),
    (max_of_a_list, (1.5,), lambda x: 2.0),
    (prod_of_a_tuple, (1.5,), lambda x: 12 * x),
    (cumsum_of_a_list_variable, (1.5,), lambda x: 2 * x + 2 * (x + x * x) * (1 + 2 * x)),
    (dot_of_lists, (1.5,), lambda x: 2 + 2 * x),
    (sum_of_a_list_of_arrays, (V,), lambda v: 1 + 2 * v + 2 * (1.5 * v) * 1.5),
    (array_plus_a_list, (V, 0.7),
     lambda v, s: (2 * (v + [s, 2 * s, 1.0]),
                   float(np.sum(2 * (v + [s, 2 * s, 1.0]) * [1.0, 2.0, 0.0])))),
    (array_of_a_number, (1.5,), lambda x: 4 * x),
    (asarray_of_a_number, (1.5,), lambda x: 2 * x),
    (asarray_of_an_array, (V,), lambda v: 3 * v ** 2),
]
