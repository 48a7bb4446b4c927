"""Functions for tests/test_numpy_breadth_exact.py: closed-form gradients, tuple results
unpacked as users write them, dtypes."""
import numpy as np


def det_of(a):
    return np.linalg.det(a)


def trace_of(a):
    return np.trace(a)


def logdet_of(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet


def inverse_weighted(a, w):
    return np.sum(np.linalg.inv(a) * w)


def solved(a, b):
    return np.sum(np.linalg.solve(a, b))


def halves(x):
    first, second = np.split(x, 2)
    return np.sum(np.cos(first) * second)


def eigen(s):
    w, v = np.linalg.eigh(s)
    return np.sum(w * np.arange(1.0, 4.0)) + np.sum(v[:, 0] ** 2 * np.arange(1.0, 4.0))


def eigenvalues_weighted(s):
    w, v = np.linalg.eigh(s)
    return np.sum(w * np.arange(1.0, 4.0))


def largest_singular_value(a):
    return np.linalg.svd(a, compute_uv=False)[0]


def prod_of(x):
    return np.prod(x)


def cumprod_sum(x):
    return np.sum(np.cumprod(x))


def norm_inf(x):
    return np.linalg.norm(x, np.inf)


def norm_one(x):
    return np.linalg.norm(x, 1)


def einsum_matmul(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b) ** 2)


def matmul_matmul(a, b):
    return np.sum((a @ b) ** 2)


def kron_sum(x, y):
    return np.sum(np.kron(x, y) ** 2)


def float_cast(x):
    return np.sum(np.sin(x.astype(np.float64)) * x)


def integer_cast(x):
    return np.sum(x.astype(int) * x)


def with_integer_array(x, n):
    return np.sum(x * n + n.astype(float))


def sines(x):
    return np.sum(np.sin(x) * x)


def creators(x):
    z = np.zeros_like(x) + np.ones(x.shape) + np.full(x.shape, 2.0) + np.eye(x.shape[0])[0]
    a = np.arange(x.shape[0]) + np.linspace(0.0, 1.0, x.shape[0]) + np.ones_like(x)
    return np.sum((x + z) * a)


def weighted_differences(x):
    # sum_i w_i (x_(i+1) - x_i) + sum of the second differences squared
    w = np.array([1.0, -2.0, 0.5])
    return np.sum(w * np.diff(x)) + np.sum(np.diff(x, 2) ** 2)


def weighted_sorted(x):
    # sum_i w_i * (x sorted)_i: each element's derivative is the weight of its rank
    return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0, 4.0]))
