"""Functions whose output is a tuple, list or dict of differently shaped values, for vjp with a
cotangent of the same structure (issue 11, item 9). Used by test_crash_classes.py."""
import numpy as np


def eigh(x):
    return np.linalg.eigh(x)


def split(x):
    return np.split(x, [2])


def array_split(x):
    return np.array_split(x, 2)


def two_values(x):
    a = x * 2.0
    b = np.sum(x) * x[:2]
    return a, b


def a_number_and_an_array(x):
    return np.sum(x ** 2), x * 3.0


def three_shapes(x):
    return x[0], x[1:] ** 2, np.outer(x, x)


def a_list(x):
    return [x * 2.0, x[:2]]


def a_dict(x):
    return {"a": x * 2.0, "b": np.outer(x, x)}


def slogdet_and_inverse(x):
    sign, logdet = np.linalg.slogdet(x)
    return logdet, np.linalg.inv(x)


S = np.array([[2.0, 0.3, 0.1], [0.3, 3.0, 0.2], [0.1, 0.2, 4.0]])
V = np.array([0.5, -1.5, 2.0, 0.7])

CASES = [(eigh, S), (split, V), (array_split, V), (two_values, V), (a_number_and_an_array, V),
         (three_shapes, V), (a_list, V), (a_dict, V), (slogdet_and_inverse, S)]
