"""Everyday Python constructs (issue 5) that sourcead differentiates."""
import numpy as np

square_then_sin = lambda x: np.sin(x * x)


def with_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.log(x) * x
    return np.sum(y)


def builtin_minmax(a, b):
    return max(a * a, b) + min(a, 2.0 * b)
