"""Functions that build and read lists, tuples and dicts of differentiated values
(tests/test_containers.py differentiates them in every mode)."""
import math

import numpy as np


def appended_then_indexed(x):
    xs = []
    for i in range(3):
        xs.append(x * i)
    return xs[1] * xs[2] + len(xs)          # 2 x^2 + 3


def list_literal(x, y):
    xs = [x, y, x * y]
    return sum(xs) * xs[2]                  # (x + y + xy) xy


def loop_over_list(x):
    ys = [math.sin(x * k) for k in range(4)]
    total = 0.0
    for y in ys:
        total = total + y * y
    return total + sum(ys)                  # sum_k sin^2(kx) + sin(kx)


def filtered_comprehension(x):
    ys = [x ** k for k in range(5) if k % 2 == 1]
    return sum(ys)                          # x + x^3


def generator_in_sum(w, xs):
    return sum(w * v for v in xs)           # w * sum(xs)


def helper_of_list(vs):
    total = 0.0
    for v in vs:
        total = total + v * v
    return total


def make_list(x):
    return [x, 2.0 * x]


def list_through_functions(x):
    vs = make_list(x)
    return helper_of_list(vs)               # x^2 + 4 x^2


def dict_literal_and_comprehension(x, y):
    d = {'a': x, 'b': y * 2.0}
    e = {k: v * v for k, v in d.items()}
    t = 0.0
    for k in d.keys():
        t = t + d[k] * e[k]
    for v in e.values():
        t = t + v
    return t + e.get('a', 0.0) + e.get('zz', 1.0)   # x^3 + 8y^3 + 2x^2 + 4y^2 + 1


def dict_helper(d):
    return d['u'] * d['v']


def dict_through_function(x):
    return dict_helper({'u': x, 'v': np.sin(x)})    # x sin x


def stacked_list(x):
    rows = [x * k for k in range(3)]
    return np.sum(np.stack(rows) ** 2) + np.sum(np.array(rows))   # 5 sum x^2 + 3 sum x


def array_of_list_variable(x):
    values = (x, x * 2.0)
    return np.sum(np.array(values))         # 3 sum x


def tuple_from_function(x, y):
    t = pair(x, y)
    return t[0] * t[1]                      # (xy)(x + y)


def pair(x, y):
    return x * y, x + y


def model(params, x):
    h = np.tanh(params['w'] * x + params['b'])
    return np.sum(h * h) + params['layers'][0] * params['layers'][1]


def nested_tree(params, x):
    total = 0.0
    for layer in params['layers']:
        total = total + np.sum(layer['w'] * x) ** 2 + layer['b']
    return total * params['scale'][0]


def tuple_tree(ws, x):
    a, b = ws
    return np.sum(a * x) * b
