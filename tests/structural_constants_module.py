"""Functions that read how an operation is done from a free name (test_structural_constants):
module globals a user may change between calls."""
import numpy as np

DDOF = 1
SPEC = "i,i->"
N = 0
P = 2.5


def variance(x):
    return np.var(x, ddof=DDOF) * 2.0


def einsum_by_name(x):
    return np.sum(np.einsum(SPEC, x, x * x))


def integer_power(x):
    return np.sum(x ** N * x)


def float_power(x):
    return np.sum(x ** P)


def make_std(ddof):
    def spread(x):
        return np.std(x, ddof=ddof) + np.sum(x)
    return spread
