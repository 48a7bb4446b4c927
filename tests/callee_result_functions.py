"""Results of callees, read by the caller.

``CASES``: callees whose result does not depend on an argument that is differentiated where
they are called (an argument ignored, or used only for something else), so their forward
derivative returns a zero tangent; the caller reads it as the tangent of an array, a tuple, a
dict or a list of arrays. A plain 0.0 there made ``np.dot(a_dot, a)`` an array and the tangent
wrong (or a crash).

``TUPLE_CASES``: a tuple of tuples or arrays returned by a callee, its elements read in a loop
or by index: the elements' kinds were unknown in the caller, so an element that is a tuple
was taken for an array (a crash in reverse mode; tangents of the adjoint added with ``+``,
which concatenates tuples: a wrong Hessian).

Each case: f, its arguments (every float one differentiated), and the exact gradient. Used
by test_silent_wrongs.py."""
import numpy as np

X = np.array([0.3, -0.5, 0.8])
M = np.array([[0.4, -1.1, 0.2], [0.7, 0.5, -0.3]])


def sines(u, v):
    return np.sin(u)                  # v is not used


def ignores_an_argument(x, y):
    return np.dot(sines(x, y), sines(x, y)) + y


def first(u, v):
    return u                          # v is not used: the result is a parameter


def returns_a_parameter(x, y):
    a = first(x, y)
    return np.dot(a, a) * y


def pair(u, v):
    return np.sin(u), np.cos(u)


def a_tuple_of_arrays(x, y):
    a, b = pair(x, y)
    return np.dot(a, b) + y * y


def mixed(u, v):
    return np.sin(u), v * v


def a_tuple_of_an_array_and_a_number(x, y):
    a, s = mixed(x, y)
    return np.dot(a, a) * s


def table(u, v):
    return {"w": np.sin(u), "b": 2.0}


def a_dict_of_arrays(x, y):
    d = table(x, y)
    return np.dot(d["w"], d["w"]) * y


def rows(u, v):
    return [np.sin(u), np.cos(u)]


def a_list_of_arrays(x, y):
    r = rows(x, y)
    return np.dot(r[0], r[1]) * y


def nested(u, v):
    return (np.sin(u), np.cos(u)), 2.0


def a_nested_tuple(x, y):
    inner, c = nested(x, y)
    a, b = inner
    return np.dot(a, b) * c + y


def scaled(m, v):
    return 2.0 * m


def a_matrix_reshaped_and_transposed(m, y):
    s = scaled(m, y)
    return np.sum(np.reshape(s, (-1,)) ** 2) + np.sum(np.transpose(s)[0]) * y + np.sum(
        np.outer(s[0], s[1])) * y


def a_matrix_row_and_sum_along_an_axis(m, y):
    s = scaled(m, y)
    return np.dot(s[1], np.sum(s, axis=0)) * y


def chained(u, v):
    return sines(u, v)                # the callee's callee ignores v as well


def through_two_calls(x, y):
    a = chained(x, y)
    return np.dot(a, a) + y


def in_a_loop(x, y):
    total = 0.0
    for k in range(3):
        a = sines(x * (k + 1.0), y)
        total = total + np.dot(a, a) * y
    return total


def maybe(u, v):
    if u[0] > 0.0:
        return np.sin(u)              # this branch ignores v
    return np.sin(u) * v


def a_branch_that_ignores_it(x, y):
    a = maybe(x, y)
    return np.dot(a, a) + y


def spread_of(u, v):
    return np.ones(3) * v             # u is not used: the result is an array all the same


def a_result_made_of_the_other_argument(x, y):
    a = spread_of(x, y)
    return np.dot(a, a) + y


def picked(u, v):
    return np.where(u > 0.0, v, 0.0)  # u only chooses: no derivative through it


def a_result_the_array_only_selects(x, y):
    a = picked(x, y)
    return np.dot(a, a) + np.sum(np.sin(x)) * y


def _ss(x):
    return np.sum(np.sin(x) ** 2)


def _sc(x):
    return np.sum(np.sin(x) * np.cos(x))


def _sin_cos_grad(x):
    return np.cos(x) ** 2 - np.sin(x) ** 2


CASES = [
    (ignores_an_argument, (X, 0.7), lambda x, y: (np.sin(2 * x), 1.0)),
    (returns_a_parameter, (X, 0.7), lambda x, y: (2 * x * y, np.dot(x, x))),
    (a_tuple_of_arrays, (X, 0.7), lambda x, y: (_sin_cos_grad(x), 2 * y)),
    (a_tuple_of_an_array_and_a_number, (X, 0.7),
     lambda x, y: (np.sin(2 * x) * y * y, 2 * y * _ss(x))),
    (a_dict_of_arrays, (X, 0.7), lambda x, y: (np.sin(2 * x) * y, _ss(x))),
    (a_list_of_arrays, (X, 0.7), lambda x, y: (_sin_cos_grad(x) * y, _sc(x))),
    (a_nested_tuple, (X, 0.7), lambda x, y: (2 * _sin_cos_grad(x), 1.0)),
    (a_matrix_reshaped_and_transposed, (M, 0.7),
     lambda m, y: (8 * m + 2 * y * np.array([[1.0, 0, 0], [1.0, 0, 0]])
                   + 4 * y * np.array([np.full(3, np.sum(m[1])), np.full(3, np.sum(m[0]))]),
                   2 * np.sum(m[:, 0]) + 4 * np.sum(m[0]) * np.sum(m[1]))),
    (a_matrix_row_and_sum_along_an_axis, (M, 0.7),
     lambda m, y: (4 * y * np.array([m[1], m[0] + 2 * m[1]]), 4 * np.dot(m[1], m[0] + m[1]))),
    (through_two_calls, (X, 0.7), lambda x, y: (np.sin(2 * x), 1.0)),
    (in_a_loop, (X, 0.7),
     lambda x, y: (y * sum((k + 1.0) * np.sin(2 * (k + 1.0) * x) for k in range(3)),
                   sum(_ss((k + 1.0) * x) for k in range(3)))),
    (a_branch_that_ignores_it, (X, 0.7), lambda x, y: (np.sin(2 * x), 1.0)),
    (a_branch_that_ignores_it, (-X, 0.7),
     lambda x, y: (np.sin(2 * x) * y * y, 2 * y * _ss(x) + 1.0)),
    (a_result_made_of_the_other_argument, (X, 0.7), lambda x, y: (np.zeros(3), 6 * y + 1.0)),
    (a_result_made_of_the_other_argument, (0.4, 0.7), lambda x, y: (0.0, 6 * y + 1.0)),
    (a_result_the_array_only_selects, (X, 0.7),
     lambda x, y: (np.cos(x) * y, 2 * y * np.sum(x > 0.0) + np.sum(np.sin(x)))),
]


def looped_over_a_nested_tuple(x, y):
    inner, c = nested(x, y)
    total = 0.0
    for k in range(2):
        total = total + np.sum(inner[k] ** 3) * y
    return total * c


def looped_over_a_pair(x, y):
    t = pair(x, y)
    total = 0.0
    for k in range(2):
        total = total + np.sum(t[k] ** 3) * y
    return total


def read_in_two_places(x, y):
    inner, c = nested(x, y)
    a = inner[0]
    s = np.sum(a) * c * y
    b = inner[1]
    return np.dot(a, b) * c * y + s


def _cubes(x):
    return np.sum(np.sin(x) ** 3 + np.cos(x) ** 3)


def _cubes_grad(x):
    return 3 * np.sin(x) * np.cos(x) * (np.sin(x) - np.cos(x))


TUPLE_CASES = [   # (and a_nested_tuple above)
    (looped_over_a_nested_tuple, (X, 0.7), lambda x, y: (2 * y * _cubes_grad(x), 2 * _cubes(x))),
    (looped_over_a_pair, (X, 0.7), lambda x, y: (y * _cubes_grad(x), _cubes(x))),
    (read_in_two_places, (X, 0.7),
     lambda x, y: (2 * y * (_sin_cos_grad(x) + np.cos(x)), 2 * (_sc(x) + np.sum(np.sin(x))))),
]
