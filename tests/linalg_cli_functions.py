"""Un-annotated functions with products, for the command line's ``--order 2`` (the code it
prints is the generic form: the shapes of the arguments are not known)."""
import numpy as np


def matmul_tanh(W, x):
    return np.sum(np.tanh(W @ x) ** 2)


def dot_squares(W, x):
    return np.sum(np.dot(W, x) ** 2)


def both_sides(W, x):
    h = np.dot(W, x)
    return np.sum(np.sin(W.T @ h)) + np.dot(x, x) ** 2
