"""Slices of Python lists and tuples of active values (issue 11, item 9), with their exact
gradients. Used by test_crash_classes.py."""
import numpy as np


def list_slice(x):
    xs = [x, 2 * x, 3 * x]
    ys = xs[1:]
    return ys[0] * ys[1]


def list_slice_step(x):
    xs = [x, 2 * x, 3 * x, 4 * x, 5 * x]
    ys = xs[::2]
    return ys[0] * ys[1] + ys[2]


def list_slice_negative(x):
    xs = [x, x * x, 3.0 * x, np.sin(x)]
    ys = xs[-3:-1]
    return ys[0] * ys[1]


def list_slice_reversed(x):
    xs = [x, x * x, 3.0 * x]
    ys = xs[::-1]
    return ys[0] + ys[1] * ys[2]


def slice_of_a_slice(x):
    xs = [x, 2 * x, 3 * x, 4 * x]
    ys = xs[1:]
    zs = ys[1:]
    return zs[0] * zs[1]


def list_slice_of_arrays(x):
    xs = [x, x * x, np.sin(x)]
    ys = xs[1:]
    return np.sum(ys[0] * ys[1])


def list_slice_appended(x):
    xs = []
    for i in range(4):
        xs.append(x * (i + 1))
    ys = xs[1:3]
    return ys[0] * ys[1]


def sum_of_a_slice(x):
    xs = [x, 2 * x, 3 * x]
    return sum(xs[1:]) * x


def array_of_a_slice(x):
    xs = [x, 2 * x, 3 * x]
    return np.sum(np.array(xs[1:]) ** 2)


def tuple_slice(x):
    t = (x, 2 * x, 3 * x)
    u = t[1:]
    return u[0] * u[1]


def list_slice_in_loop(x):
    xs = [x, 2 * x, 3 * x, 4 * x]
    s = 0.0
    for k in range(3):
        ys = xs[k:k + 2]
        s = s + ys[0] * ys[1]
    return s


# (function, argument, exact gradient)
CASES = [
    (list_slice, 1.5, lambda x: 12 * x),
    (list_slice_step, 1.5, lambda x: 6 * x + 5),
    (list_slice_negative, 1.5, lambda x: 9 * x ** 2),
    (list_slice_reversed, 1.5, lambda x: 3 + 3 * x ** 2),
    (slice_of_a_slice, 1.5, lambda x: 24 * x),
    (list_slice_of_arrays, np.array([0.3, -1.2, 0.8]),
     lambda x: 2 * x * np.sin(x) + x ** 2 * np.cos(x)),
    (list_slice_appended, 1.5, lambda x: 12 * x),
    (sum_of_a_slice, 1.5, lambda x: 10 * x),
    (array_of_a_slice, 1.5, lambda x: 26 * x),
    (tuple_slice, 1.5, lambda x: 12 * x),
    (list_slice_in_loop, 1.5, lambda x: 40 * x),
]


def slice_of_a_list_argument(xs):
    ys = xs[1:]
    return ys[0] * ys[1]


def reversed_tuple_argument(t):
    u = t[::-1]
    return u[0] * np.sum(u[1])
