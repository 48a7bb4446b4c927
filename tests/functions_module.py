"""User functions for tests/test_functions.py: the ways Python code passes arguments and
makes functions (keywords, defaults, *args/**kwargs, closures, lambdas, methods, partials,
walrus), each with a derivative known by hand."""
import functools
import math

import numpy as np


# ---- keywords and defaults ----------------------------------------------------------------

def scaled_power(x, *, scale=2.0, power=2):
    return scale * x ** power


def keyword_calls(x):
    # 3 x^2 + 2 x^3
    return scaled_power(x, scale=3.0) + scaled_power(x, power=3)


def positional_default(x, a=1.0):
    return a * x * x


def default_calls(x):
    # x^2 + 2 x^2 + 0.5 x^2 = 3.5 x^2
    return positional_default(x) + positional_default(x, 2.0) + positional_default(a=0.5, x=x)


def keyword_only_entry(x, *, s=3.0):
    return s * x * x


# ---- *args and **kwargs passed on -----------------------------------------------------------

def weighted(x, y, scale=1.0):
    return scale * x * y + math.sin(x)


def forward_args(*args):
    return weighted(*args)


def forward_kwargs(x, **options):
    return weighted(x, 2.0, **options)


def calls_forward_kwargs(x):
    # 3 * x * 2 + sin(x)
    return forward_kwargs(x, scale=3.0)


def calls_forward_args(x, y):
    # x * y + sin(x)
    return forward_args(x, y)


def reads_keyword(x, **kw):
    return x * kw["a"] + kw["b"] * x * x


def calls_reads_keyword(x):
    # 2 x + 0.5 x^2
    return reads_keyword(x, a=2.0, b=0.5)


def indexes_args(*xs):
    return xs[0] * xs[1] + len(xs) * xs[0]


def sums_args(*xs):
    total = 0.0
    for v in xs:
        total = total + v * v
    return total


# ---- nested functions and closures ---------------------------------------------------------

def outer_nested(x, a):
    def inner(t):
        return a * t * t
    # a x^2 + 4 a x^2 = 5 a x^2
    return inner(x) + inner(2.0 * x)


def closes_over_active(x):
    y = x * x

    def times_y(t):
        return y * t
    # x^3
    return times_y(x)


def nested_recursion(x, n):
    def power(t, k):
        if k == 0:
            return 1.0
        return t * power(t, k - 1)
    return power(x, n) * x


def nested_calls_nested(x):
    c = 3.0

    def first(t):
        return c * t

    def second(t):
        return first(t) * t
    # 3 x^2
    return second(x)


def make_scaled_square(a):
    def scaled_square(x):
        return a * x * x
    return scaled_square


tripled_square = make_scaled_square(3.0)


def calls_closure(x):
    # 6 x^2
    return tripled_square(x) * 2.0


# ---- lambdas ----------------------------------------------------------------------------------

def inline_lambda(x):
    # x^3 + 1
    return (lambda t: t * t * x)(x) + 1.0


def assigned_lambda_inside(x):
    sq = lambda v: v * v  # noqa: E731
    # 5 x^2
    return sq(x) + sq(2.0 * x)


def apply(fn, x):
    return fn(x) * x


def square(t):
    return t * t


def lambda_passed_to_function(x):
    # x^3 + 3 x^2 + sin(x) x
    return apply(square, x) + apply(lambda t: t * 3.0, x) + apply(np.sin, x)


# ---- methods ----------------------------------------------------------------------------------

class Model:
    K = 5.0

    def __init__(self, w):
        self.w = w

    def helper(self, x):
        return self.w * x * x

    def loss(self, x):
        # w x^2 + w sin x + 2 x + K x
        return self.helper(x) + self.w * np.sin(x) + Model.twice(x) + self.scaled(x)

    def __call__(self, x):
        return self.loss(x) * x

    @staticmethod
    def twice(x):
        return 2.0 * x

    @classmethod
    def scaled(cls, x):
        return cls.K * x


model = Model(1.5)


def calls_method(x):
    # (w x^2 + w sin x + 2 x + K x) x
    return model.loss(x) * x


def calls_static_and_class_methods(x):
    # 2x + 2x + 5x + 5x = 14 x, times x
    return (Model.twice(x) + model.twice(x) + Model.scaled(x) + model.scaled(x)) * x


def calls_callable_object(x):
    return model(x) + x


class ArrayModel:
    def __init__(self):
        self.weights = np.array([0.5, -1.0, 2.0])

    def predict(self, x):
        return np.sum(self.weights * x * x)


array_model = ArrayModel()


def method_of_an_argument(m, x):
    # the object is an argument: its class is part of the derivative's kind
    return m.loss(x) * x


def static_and_class_methods_of_an_argument(m, x):
    return (m.twice(x) + m.scaled(x)) * x


class Doubler:
    def apply(self, x):
        return 2.0 * x


class Cuber:
    def apply(self, x):
        return x ** 3


def applies(layer, x):
    # one function, two classes with a method of the same name (duck typing)
    return layer.apply(x) * x


# ---- functools.partial ----------------------------------------------------------------------

tripled = functools.partial(weighted, scale=3.0)


def calls_partial(x):
    # 3 x^2 + sin x
    return tripled(x, x)


def partial_made_inside(x):
    # 2^x
    power_of_two = functools.partial(np.power, 2.0)
    return power_of_two(x)


def partial_fixing_an_active_value(x, y):
    # x^2 y^2 + sin x + 2 x y + sin y + 100
    scale = x * y
    times = functools.partial(weighted, scale=scale)
    scale = 100.0           # the partial keeps the value it was made with
    return times(x, y) + times(y, x, scale=2.0) + scale


def partial_made_in_a_loop(x):
    # sum over k of k x^2 + sin x: 3 x^2 + 3 sin x
    total = 0.0
    for k in range(3):
        add_k = functools.partial(weighted, scale=float(k))
        total = total + add_k(x, x)
    return total


# ---- walrus -----------------------------------------------------------------------------------

def walrus(x):
    z = (y := x * x) + y
    # 2 x^2 * x^2
    return z * y


def walrus_in_condition(x):
    if (y := x * x) > 1.0:
        return y * x
    return y


def walrus_in_while(x, n):
    k = 0
    while (k := k + 1) <= n:
        x = x * 0.5 + math.sin(x)
    return x


# ---- expressions --------------------------------------------------------------------------------

def ternary_and_or(x, y):
    z = x if x > y else y
    w = (x and y) + (x or y) + (not x)
    return z * w


def chained_comparison(x, y):
    c = 2.0 if 0.0 < x < y else 3.0
    return c * x * y


def builtins_on_active(x, y):
    return (sum((x, y, x * y)) + abs(x - y) + pow(x, 3) + float(y) + min(x, y) * max(x, y)
            + len((x, y)) * x + (x if isinstance(x, float) else 0.0))
