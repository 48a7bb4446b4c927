"""Python written the way users write it: dicts iterated directly, writes into lists and dicts,
``sorted``/``list``/``tuple`` of values (tests/test_language_data.py differentiates them in
every mode)."""
import functools
import operator

import numpy as np


# ---- iterating a dict -----------------------------------------------------------------------

def l2_penalty(w):
    params = {"w": w, "b": 2.0 * w, "scale": np.array([w, 1.0])}
    total = 0.0
    for k in params:
        total = total + np.sum(params[k] ** 2)
    return total                                   # w^2 + 4 w^2 + w^2 + 1 = 6 w^2 + 1


def weighted_items(x):
    weights = {"a": 1.0, "b": 3.0}
    values = {"a": x * x, "b": np.sin(x)}
    total = 0.0
    for name, v in values.items():
        total = total + weights[name] * v
    for name in values.keys():
        total = total + values[name]
    for v in values.values():
        total = total + v * x
    return total                    # 2 x^2 + 4 sin x + x^3 + x sin x


def penalty_of_params(params, x):
    total = 0.0
    for k in params:
        total = total + np.sum(params[k] ** 2) * x
    return total


# ---- writes into lists and dicts ------------------------------------------------------------

def scaled_in_place(x, w):
    xs = [x, 2.0 * x, x * x]
    for i in range(len(xs)):
        xs[i] = xs[i] * w
    return xs[0] + xs[1] * xs[2]                    # x w + 2 x^3 w^2


def replaced_element(x):
    xs = [x, 2.0 * x, 3.0]
    xs[1] = xs[1] * x
    xs[-1] = xs[0] * xs[2]
    return xs[0] * xs[1] + xs[2]                    # 2 x^3 + 3 x


def running_states(x):
    states = [0.0] * 4
    states[0] = x
    for t in range(1, 4):
        states[t] = np.tanh(states[t - 1]) * x
    return sum(states)


def config_dict(x):
    cfg = {"lr": x}
    cfg["momentum"] = cfg["lr"] * x
    cfg["lr"] = 3.0
    return cfg["lr"] * cfg["momentum"]              # 3 x^2


def merged_settings(x):
    base = {"a": x, "b": 1.0}
    extra = {"b": x * x, "c": 2.0 * x}
    base.update(extra)
    base.update(d=x)
    base.update({"e": 3.0})
    return base["a"] * base["b"] * base["c"] + base["d"] * base["e"]   # 2 x^4 + 3 x


def grown_list(x):
    xs = [x]
    xs.extend([x * x, 2.0])
    ys = [3.0 * x]
    ys.extend(xs)
    ys.insert(1, x)
    ys.insert(-1, 5.0)
    return ys[0] * ys[3] + ys[1] * ys[4] + ys[5]     # 3 x^3 + 5 x + 2


def written_copy(x):
    xs = [x, x * x]
    ys = xs.copy()
    ys[0] = 2.0 * ys[0]
    d = {"a": x}
    e = d.copy()
    e["a"] = e["a"] * x
    return xs[0] * ys[0] + xs[1] * ys[1] + d["a"] * e["a"]   # 2 x^2 + x^4 + x^3


def written_list_argument(xs, x):
    xs[0] = xs[0] * x
    return xs[0] * x + xs[1]


def nested_then_rebound(x):
    xs = [x, 1.0]
    rows = [xs]
    xs = [2.0 * x, 3.0]
    xs[1] = x * x
    return rows[0][0] * xs[1] + rows[0][1]          # x^3 + 1 (rows holds the first list)


def nested_then_rebound_array(x):
    a = np.array([x, 1.0])
    rows = [a]
    a = np.array([2.0 * x, 3.0])
    a[1] = x * x
    return rows[0][0] * a[1] + rows[0][1]           # x^3 + 1


# ---- sorted, list, tuple --------------------------------------------------------------------

def ranked_losses(x):
    losses = [x * x, 3.0 - x, 2.0 * x]
    ranked = sorted(losses)
    return 10.0 * ranked[0] + 2.0 * ranked[1] + ranked[2]


def largest_two(x):
    losses = [x * x, 3.0 - x, 2.0 * x]
    top = sorted(losses, reverse=True)
    return top[0] * top[1]                          # (3 - x) 2 x near x = 0.7


def tuple_to_list(x):
    pair = (x, x * x)
    xs = list(pair)
    xs.append(3.0 * x)
    return xs[1] * xs[2]                            # 3 x^3


def copied_params(w):
    params = {"w": w, "b": 2.0 * w}
    trial = dict(params)
    trial["w"] = trial["w"] * w
    return trial["w"] * params["b"] + trial["b"]    # 2 w^3 + 2 w


def list_to_tuple(x):
    xs = [x, x * x]
    t = tuple(xs)
    return t[0] * t[1]                              # x^3


# ---- starred calls --------------------------------------------------------------------------

def _cubic(a, b):
    return a * b * b


def _affine(x, scale=1.0, shift=0.0):
    return x * scale + shift


def spread_tuple(x):
    args = (x, 3.0 * x)
    return _cubic(*args)                            # 9 x^3


def spread_tail(x):
    xs = [1.0, x, x * x]
    return _cubic(*xs[1:])                          # x^5


def spread_keywords(x):
    kw = {"scale": x * x, "shift": 2.0}
    return _affine(x, **kw) + _affine(**{"x": x, "scale": x})   # x^3 + 2 + x^2


def spread_argument(pair, x):
    return _cubic(*pair) * x


# ---- functools.reduce -----------------------------------------------------------------------

def reduced_sum(x):
    terms = [x, x * x, 3.0]
    return functools.reduce(lambda a, b: a + b, terms)        # x + x^2 + 3


def reduced_product(x):
    factors = [x, x * x, 3.0]
    return functools.reduce(operator.mul, factors, 1.0)       # 3 x^3


# ---- try, nonlocal --------------------------------------------------------------------------

def guarded_division(x, y):
    try:
        ratio = x / y
        if ratio > 10.0:
            ratio = 10.0
    except ZeroDivisionError:
        ratio = 0.0
    else:
        ratio = ratio * x
    return ratio * y                                # x^2 where the except path does not run


def guarded_solve(a, b):
    try:
        c = np.linalg.solve(np.array([[a, 1.0], [1.0, 2.0]]), np.array([b, 1.0]))
    except np.linalg.LinAlgError:
        c = np.zeros(2)
    return np.sum(c) * a


def cleaned_up(x):
    y = 0.0
    try:
        y = x * x
    finally:
        y = y + x
    return y                                        # x^2 + x


def accumulated(x, w):
    total = 0.0

    def step():
        nonlocal total
        total = total + x * w

    step()
    step()
    return total * x                                # 2 x^2 w


def counted(x, w):
    total = 0.0
    count = 0

    def step(v):
        nonlocal total, count
        total = total + v * w
        count = count + 1
        return total

    last = 0.0
    for i in range(1, 4):
        last = step(x * i)
    return total / count + last * x                 # 2 x w + 6 x^2 w


# ---- still refused, with the line and a rewrite that fits -----------------------------------

def written_in_a_try(x):
    a = np.zeros(2)
    try:  # <-
        a[0] = 1.0 / x
    except ZeroDivisionError:
        a[0] = 0.0
    return np.sum(a) * x


def accumulated_in_an_expression(x):
    total = 0.0

    def step():
        nonlocal total
        total = total + x
        return total

    return step() * x  # <-


def spread_of_a_grown_list(x):
    xs = []
    for k in range(2):
        xs.append(x * k)
    return _cubic(*xs)  # <-


def element_changed_in_place(x):
    xs = [np.array([x, 1.0]), 2.0 * x]
    xs[0] += x * x  # <-
    return np.sum(xs[0]) * xs[1]


def write_seen_through_a_second_name(x):
    d = {"a": x}
    e = d  # <-
    d["a"] = x * x
    return e["a"] + d["a"]


def copy_shares_its_arrays(x):
    # a list's copy holds the same arrays: a write into one of them changes the copy too
    xs = [np.array([x, 1.0]), 2.0 * x]
    ys = xs.copy()
    row = xs[0]  # <-
    row[1] = x * x
    return ys[0][1] * x


def trial_step(x):
    params = {"W": np.array([x, 1.0]), "b": x}
    trial = params.copy()
    trial["W"] = trial["W"] * x
    return np.sum(trial["W"]) * params["b"] + np.sum(params["W"])   # (x^2 + x) x + x + 1


def reduced_with_a_weight(x):
    w = 2.0 * x
    terms = [x, x * x]
    return functools.reduce(lambda a, b: a + w * b, terms)  # <-
