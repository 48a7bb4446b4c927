"""Module-level values that a test rebinds after the derivative is built."""
import numpy as np

W = 2.0
A = np.array([1.0, 2.0])


def uses_globals(x):
    return W * x * x + np.sum(A * x)
