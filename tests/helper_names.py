"""Functions of a module that defines names sourcead's helpers have (test_errors.py)."""


def with_key(d, k, v):
    return {}


def keys_of(d):
    return []


def dict_comprehension(x):
    d = {k: x * k for k in range(3)}  # <-
    return d[1]


def loop_over_items(x):
    d = {"a": x, "b": x * x}
    s = 0.0
    for k, v in d.items():  # <-
        s = s + v
    return s
