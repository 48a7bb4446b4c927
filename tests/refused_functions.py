"""Function constructs sourcead refuses. The line it must point at carries ``# <-``."""
import functools

import numpy as np

from functions_module import Model


def walrus_read_before(x):
    y = 1.0
    z = y * (y := x * x)  # <-
    return z


def walrus_in_comprehension(x):
    values = [(y := x * k) for k in range(3)]  # <-
    return values[0]


def nested_def_in_a_branch(x):
    if x > 0.0:
        def inner(t):  # <-
            return t * t
    else:
        def inner(t):
            return -t
    return inner(x)


def decorated_nested_def(x):
    @staticmethod
    def inner(t):  # <-
        return t * t
    return inner(x)


def nested_with_computed_default(x):
    a = x * 2.0

    def inner(t, scale=a * 2.0):  # <-
        return scale * t
    return inner(x)


def kwargs_as_a_container(x, **options):
    return x * len(options)  # <-


def nested_name_reassigned(x):
    def inner(t):  # <-
        return t * 2.0
    inner = x
    return inner * x


def model_argument(m, x):
    return m.w * x


def with_class_definition(x):
    class Local:  # <-
        pass
    return x


def partial_passed_on(x):
    power_of_two = functools.partial(np.power, 2.0)
    alias = power_of_two    # a partial made here is followed only where it is called
    return alias(x)  # <-
