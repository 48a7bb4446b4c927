"""Functions sourcead must refuse. The line it must point at carries the marker ``# <-``."""
import math
import numpy as np
import sourcead

COUNTER = 0


def with_try(x):
    try:  # <-
        y = x * 2
    except ValueError:
        y = x
    return y


def with_try_that_writes(x):
    a = np.zeros(2)
    try:  # <-
        a[0] = x * 2
    except ValueError:
        a[0] = x
    return a[0]


def with_with(x):
    with open(__file__):  # <-
        y = x * 2
    return y


def with_yield(x):
    yield x * 2  # <-


def with_global(x):
    global COUNTER  # <-
    COUNTER = COUNTER + 1
    return x * COUNTER


def with_nonlocal(x):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v
        return total
    return add(x) * x  # <- (a call inside an expression; `y = add(x)` works)


def with_del(x):
    y = x * 2
    del y  # <-
    return x


def apply_to(fn, x):
    return fn(x)


def with_lambda(x):
    scale = x * 2.0
    return apply_to(lambda v: v * scale, x)  # <-


def with_comprehension(x):  # a list of lists
    parts = [[x * k for k in range(j)] for j in range(3)]  # <-
    return parts[0]


def with_write_into_a_view(x):
    y = x[1:]  # <-
    y[0] = 2.0
    return np.sum(y)


GLOBAL_ARRAY = np.zeros(3)


def with_write_into_a_global(x):
    GLOBAL_ARRAY[0] = x  # <-
    return np.sum(GLOBAL_ARRAY)


def with_nested_subscript_write(x):
    y = np.zeros((2, 2))
    y[0][1] = x  # <-
    return np.sum(y)


def with_write_into_an_alias(x):
    y = np.zeros(3)
    z = y  # <-
    y[0] = x
    return np.sum(z)


def with_discarded_call(x):
    math.sqrt(x)  # <-
    return x


def with_list_container(x, values=None):
    values.append(x * 2.0)  # <-
    return values[0]


def with_unknown_function(x):
    return math.gamma(x)  # <-


def with_active_tuple(x):
    pair = (x, x * 2)
    return helper_of_pairs(pair)


def helper_of_pairs(pair):
    return pair[0]


def with_star_args(x, **options):
    return x * len(options)  # <-


async def with_async(x):  # <-
    return x


def with_unknown_positional_argument(x):
    return np.cumsum(x * 2.0, 0, float)  # <-


def with_unknown_keyword(x):
    return np.sum(x * 2.0, dtype=float)  # <-


def with_qr_of_r_alone(x):
    return np.linalg.qr(x * np.eye(2), mode="r")  # <-


EINSUM_SUBSCRIPTS = "i,i"


def with_einsum_subscripts_computed(x):
    # (subscripts held in a global are a constant of the derivative: the computed ones are not)
    subscripts = EINSUM_SUBSCRIPTS + "->"
    return np.einsum(subscripts, x * np.ones(2), x * np.ones(2))  # <-


def with_eig(x):
    return np.linalg.eig(x * 2.0)  # <-


def with_array_of_a_list_variable(x):
    values = (x, x * 2.0)
    return np.sum(np.array(values))  # <-


def with_list_arithmetic(x):
    xs = [x, x * 2.0]
    ys = xs + xs  # <-
    return ys[0]


def with_list_alias(x):
    xs = []
    xs.append(x)
    ys = xs  # <-
    return ys[0]


def with_generator_outside_sum(x):
    best = max(x * k for k in range(3))  # <-
    return best


def with_set_comprehension(x):
    s = {x * k for k in range(3)}  # <-
    return x


# (the writes and dict loops below were refused once; they are differentiated now, and the
# refusals that stay are the writes another name would see: test_errors.py)
def with_write_into_a_dict(x):
    d = {"a": x, "b": 2.0}
    d["a"] = x * 3  # <-
    return d["a"] + d["b"]


def with_write_into_a_list(x):
    xs = [x, x]
    xs[1] = x * 3  # <-
    return xs[0] + xs[1]


def with_write_into_a_dict_argument(p, x):
    p["w"] = x  # <-
    return p["w"] * x


def with_loop_over_a_dict(x):
    d = {0: x, 1: 2.0}
    s = 0.0
    for k in d:  # <-
        s = s + d[k]
    return s


def with_loop_over_a_dict_argument(d, x):
    s = 0.0
    for k in d:  # <-
        s = s + d[k] * x
    return s


def with_write_seen_by_a_second_name(x):
    xs = [x, x]
    ys = xs  # <-
    xs[1] = x * 3
    return ys[1] + xs[0]


def with_update_seen_by_a_second_name(x):
    d = {"a": x}
    e = d  # <-
    d.update(a=x * 3)
    return e["a"]


class _Box:
    value = 0.0


BOX = _Box()


def with_attribute_write(x):
    BOX.value = x * 2.0  # <-
    return BOX.value * x
