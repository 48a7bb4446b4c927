"""Functions whose lists and dicts carry derivatives, for second-order checks
(tests/test_containers_second_order.py). Each notes its closed form."""
import math

import numpy as np


def comprehension_read_by_generator_sum(x):
    xs = [x * k for k in range(1, 4)]
    return sum(v * v for v in xs)            # 14 x^2


def appended_read_by_loop(x):
    xs = []
    for k in range(3):
        xs.append(x * k)
    t = 0.0
    for v in xs:
        t = t + v * v
    return t                                 # 5 x^2


def literal_read_by_index(x):
    xs = [x, 2.0 * x]
    return xs[0] * xs[1]                     # 2 x^2


def literal_summed(x):
    xs = [x, x * x, math.sin(x)]
    return sum(xs) * xs[1]                   # (x + x^2 + sin x) x^2


def appended_read_by_index(x):
    xs = []
    for k in range(4):
        xs.append(x ** k)
    return xs[1] * xs[3] + xs[2]             # x^4 + x^2


def appended_read_by_index_in_loop(x):
    xs = []
    for k in range(4):
        xs.append(math.sin(k * x))
    t = 0.0
    for i in range(len(xs)):
        t = t + xs[i] * xs[i] * i
    return t                                 # sum_i i sin^2(i x)


def appended_summed(x):
    xs = []
    for k in range(1, 4):
        xs.append(x ** k)
    return sum(xs) * x                       # x^2 + x^3 + x^4


def comprehension_read_by_two_indices(x):
    xs = [math.exp(k * x) for k in range(3)]
    t = 0.0
    for k in range(3):
        t = t + xs[k] * xs[2 - k]
    return t                                 # 3 e^(2x)


def conditional_appends(x):
    xs = []
    for k in range(5):
        if k % 2 == 0:
            xs.append(math.sin(x * k))
        else:
            xs.append(x * x * k)
    t = 0.0
    for v in xs:
        t = t + v * x
    return t                                 # 4 x^3 + x sin 2x + x sin 4x


def appended_in_while(x):
    xs = []
    k = 0
    while k < 4:
        xs.append(x ** k)
        k += 1
    return xs[3] * xs[1] - sum(xs)           # x^4 - 1 - x - x^2 - x^3


def read_in_reverse(x):
    xs = [x * k for k in range(4)]
    t = 0.0
    for v in reversed(xs):
        t = t * x + v
    return t                                 # 3 x^4 + 2 x^3 + x^2


def indices_in_a_recurrence(x):
    xs = [x, x * x]
    t = 1.0
    for i in range(2):
        t = t * xs[i] + xs[1 - i]
    return t                                 # x^4 + x^3 + x


def list_read_twice(x):
    xs = []
    for k in range(3):
        xs.append(x * (k + 1))
    a = sum(xs)
    b = 0.0
    for v in xs:
        b = b + v * a
    return b + xs[0] * xs[2]                 # 39 x^2


def popped_by_the_user(x):
    xs = [x, 2.0 * x, 3.0 * x]
    a = xs.pop()
    return a * xs[0] + xs[1]                 # 3 x^2 + 2 x


def nested_literal(x):
    m = [[x, x * x], [x * 3.0, 1.0]]
    return m[0][1] * m[1][0]                 # 3 x^3


def squares_summed(vs):
    t = 0.0
    for v in vs:
        t = t + v * v
    return t


def multiples(x):
    out = []
    for k in range(3):
        out.append(x * (k + 1))
    return out


def through_functions(x):
    return squares_summed(multiples(x)) * x  # 14 x^3


def powers(x, n):
    out = []
    for k in range(n):
        out.append(x ** (k + 1))
    return out


def returned_list_indexed(x):
    vs = powers(x, 3)
    return vs[0] * vs[2] + sum(vs)           # x^4 + x^3 + x^2 + x


def first_times_last(vs):
    return vs[0] * vs[2] + vs[1]


def list_handed_to_function(x):
    xs = [x * x, math.cos(x), x]
    return first_times_last(xs)              # x^3 + cos x


def dict_literal(x):
    d = {'a': x * x, 'b': 3.0 * x}
    return d['a'] * d['b']                   # 3 x^3


def dict_comprehension_and_loop(x):
    d = {'a': x, 'b': x * x}
    e = {k: v * v for k, v in d.items()}
    t = 0.0
    for k in d.keys():
        t = t + d[k] * e[k]
    return t                                 # x^3 + x^6


def u_times_v_plus_u(d):
    return d['u'] * d['v'] + d['u']


def dict_handed_to_function(x):
    return u_times_v_plus_u({'u': math.sin(x), 'v': x * x})   # x^2 sin x + sin x


def two_arguments(x, y):
    xs = [x * y, x + y]
    zs = []
    for v in xs:
        zs.append(v * x)
    return zs[0] * zs[1]                     # x^4 y + x^3 y^2


def comprehension_over_pairs(x):
    # two `for`s and an `if`: sin x + x^2 sin x (the pairs with j = 0 give sin 0)
    return sum([x ** i * math.sin(x * j) for i in range(3) for j in range(2) if i != j])


def list_rebuilt_in_loop(x):
    # a list rebuilt with a new length each iteration: x (3 + 2x + x^2)
    s = 0.0
    for j in range(4):
        ys = [x ** k for k in range(j)]
        s = s + sum(ys) * x
    return s


def comprehension_inside_a_comprehension(x):
    # inner sums 2x (j = 2) and 9x (j = 3), squared: 85 x^2
    return sum([sum([x * k * j for k in range(j) if k > 0]) ** 2 for j in range(4)])


def generator_over_pairs(x):
    # only (i, j) = (2, 1) counts: sin 2x
    return sum(math.sin(x * i) * j for i in range(3) for j in range(i))


def matrix_from_rows(x):
    # a matrix written as rows of values: det [[x, 2x], [x^2, 1]] = x - 2 x^3 (the rows'
    # adjoints were dropped once, silently: the gradient came out 0.0)
    A = np.array([[x, 2 * x], [x * x, 1.0]])
    return np.linalg.det(A)


def rotation_applied(x):
    # R(x) [1, 0] summed: cos x + sin x
    R = np.array([[np.cos(x), -np.sin(x)], [np.sin(x), np.cos(x)]])
    return np.sum(R @ np.array([1.0, 0.0]))


def weighted_by_a_constant_dict(x):
    """A dict of parameters iterated by its keys, each weighted by an entry of a dict of
    constants read with the same key (the key is restored from the tape: the constant's
    element has no tangent)."""
    params = {"w": x * x, "b": math.sin(x)}
    coefficients = {"w": 0.1, "b": 0.5}
    total = 0.0
    for name in params.keys():
        total = total + coefficients[name] * params[name] ** 2
    return total
