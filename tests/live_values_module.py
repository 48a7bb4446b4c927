"""Functions whose free values change after the first call, the way programs change them:
closures rebound through ``nonlocal``, module globals rebound, defaults replaced, functions
rebound, objects whose attributes change, decorators. Used by test_live_values.py."""
import functools
import math

import numpy as np

SCALE = 2.0
WEIGHTS = np.array([1.0, 2.0, 3.0])


def make_scaled(lam):
    def f(x):
        return lam * x * x

    def set_lam(v):
        nonlocal lam
        lam = v
    return f, set_lam


def make_activated(fn):
    def f(x):
        return np.sum(fn(x) * x)

    def set_fn(g):
        nonlocal fn
        fn = g
    return f, set_fn


def scaled_by_global(x):
    return SCALE * x * x


def weighted(x):
    return np.sum(WEIGHTS * np.sin(x))


def with_default(x, c=1.0):
    return c * x * x


def with_keyword_default(x, *, c=1.0):
    return c * x * x


def with_array_default(x, w=np.array([1.0, 2.0, 3.0])):
    return np.sum(w * x * x)


def helper(u, c=1.0):
    return c * u


def calls_helper(x):
    return helper(x * x) + x


act = np.tanh


def activated(x):
    return act(x) * 2.0


def square(u):
    return u * u


def cube(u):
    return u * u * u


def power_of(x):
    return square(x) + x


def make_power(k):
    def power(u):
        return u ** k
    return power


power_fn = make_power(2.0)


def calls_power_fn(x):
    return power_fn(x) * 3.0


class Layer:
    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return np.tanh(self.w * x)

    def loss(self, x):
        return np.sum(self.apply(x) ** 2)


def batch_loss(w, batch):
    return np.sum((batch @ w - 1.0) ** 2)


def scale2(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2 * fn(x)
    return wrapper


def shifted(by):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs) + by * args[0]
        return wrapper
    return decorate


def twice(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return fn(fn(x))
    return wrapper


@scale2
def h(x):
    return x * x * x


@shifted(3.0)
@scale2
def stacked(x):
    return math.sin(x)


@twice
def squared_twice(x):
    return x * x


def uses_decorated(x):
    return h(x) + x


class Clipped:
    """A decorator written as a class (``functools.update_wrapper`` + ``__call__``)."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.fn = fn

    def __call__(self, x, y):
        return np.clip(self.fn(x, y), -5.0, 5.0)


@Clipped
def clipped_product(x, y):
    return x * y


def calls_clipped(x, y):
    return clipped_product(x * 2.0, y) + y


def sin_of_first(fn):
    """The usual wrapper: it changes the first argument and hands on the rest as it got them."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs) + 0.5 * fn(np.sin(args[0]), *args[1:], **kwargs)
    return wrapper


@sin_of_first
def product_sum(x, y, z=2.0):
    return np.sum(x * y) + y * z


def reordered(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args[::-1]) + fn(*args[-2:]) * fn(*args[:2])
    return wrapper


@reordered
def x_squared_y(x, y):
    return x * x * y


class Twice:
    """A class decorator handing on ``*args[1:]``."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs) + 1.5 * self.fn(args[0] + 1.5, *args[1:], **kwargs)


@Twice
def tanh_dot(x, y):
    return np.dot(np.tanh(x), np.tanh(x)) * y


@functools.lru_cache(maxsize=None)
def cached(x):
    return x * x


def printing(x):
    print("running printing")
    return x * x


def polynomial(x):
    return 3.0 * x * x + 2.0 * x
