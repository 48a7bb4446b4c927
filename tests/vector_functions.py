"""Functions whose gradients build arrays from parts (np.stack, np.concatenate, np.array of
values, sum of a list): their Hessians run in vector mode, once for every direction."""
import math

import numpy as np


def stacked(x):
    # sum_i 3i sin^2 x_i + (3i + 1) x_i^4 + constants
    M = np.stack([np.sin(x), x * x, np.array([1.0, 2.0, 3.0])], axis=1)
    return np.sum(M ** 2 * np.arange(9.0).reshape(3, 3))


def stacked_exact(x):
    i = np.arange(3.0)
    return np.diag(3 * i * 2 * np.cos(2 * x) + (3 * i + 1) * 12 * x ** 2)


def concatenated(x):
    # sum_i sin^3 x_i + x_i^6, plus 2
    v = np.concatenate([np.sin(x), x * x, np.ones(2)])
    return np.sum(v ** 3)


def concatenated_exact(x):
    s, c = np.sin(x), np.cos(x)
    return np.diag(6 * s * c * c - 3 * s ** 3 + 30 * x ** 4)


def from_values(x):
    # x0^2 x1^2 + sin^2 x2 + 4
    v = np.array([x[0] * x[1], math.sin(x[2]), 2.0])
    return np.sum(v * v)


def from_values_exact(x):
    return np.array([[2 * x[1] ** 2, 4 * x[0] * x[1], 0.0],
                     [4 * x[0] * x[1], 2 * x[0] ** 2, 0.0],
                     [0.0, 0.0, 2 * math.cos(2 * x[2])]])


def list_summed(x):
    # sum_k x_k^2 x_(k+1) (cyclic) + sum x^2
    parts = []
    for k in range(3):
        parts.append(x[k] ** 2 * x[(k + 1) % 3])
    return sum(parts) + sum(x * x)


def list_summed_exact(x):
    H = np.diag(2 * np.roll(x, -1) + 2)
    for k in range(3):
        H[k, (k + 1) % 3] += 2 * x[k]
        H[(k + 1) % 3, k] += 2 * x[k]
    return H
