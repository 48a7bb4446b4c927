"""Joins of a list or tuple held in a variable (test_joins_of_list_variables)."""
import numpy as np


def stacked_rows(x):
    rows = [np.ones(2)]
    for k in range(1, 3):
        rows.append(x * k)
    return np.sum(np.vstack(rows) ** 2)


def joined_tuple(x):
    parts = (x, 3.0 * x, np.array([1.0]))
    return np.sum(np.hstack(parts) ** 2) + np.sum(np.concatenate(parts) * x[0])


def blocks_side_by_side(x):
    block = np.outer(x, x)
    blocks = [block, 2.0 * block]
    return np.sum(np.concatenate(blocks, axis=1) ** 2)


def design(x):
    columns = [np.ones(2), x, x ** 2]
    return np.sum(np.column_stack(columns) @ np.array([1.0, 2.0, 3.0]))


def rows_of_an_array(a):
    return np.vstack(a) * 2.0 + np.stack(a, axis=1).T + np.concatenate(a).reshape(np.shape(a))
