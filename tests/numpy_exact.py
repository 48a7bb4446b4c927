"""Functions over NumPy reductions and shapes with gradients known in closed form."""
import numpy as np

W = np.array([0.5, -1.0, 2.0, 0.25])


def var_of(x):
    return np.var(x)


def std_of(x):
    return np.std(x)


def norm_of(x):
    return np.linalg.norm(x)


def weighted_cumsum(x):
    return np.sum(np.cumsum(x) * W)


def max_of(x):
    return np.max(x)


def mean_of(x):
    return np.mean(x * W)


def clipped(x):
    return np.sum(np.clip(x, -0.5, 0.5) * W)


def chosen(x):
    return np.sum(np.where(x > 0.0, x * x, 3.0 * x))


def larger(x):
    return np.sum(np.maximum(x, 0.1) * W)


def stacked(x):
    return np.sum(np.stack([x, 2.0 * x]) * np.stack([W, W]))


def joined(x):
    return np.sum(np.concatenate([x, x * x]) * np.concatenate([W, W]))


def taken(x):
    return np.sum(np.take(x, [0, 0, 3]))


def transposed(x):
    return np.sum(x.reshape(2, 2).T * np.array([[1.0, 2.0], [3.0, 4.0]]))
