"""A module whose own names are spelled like sourcead's helpers, called from another module
(test_name_collisions.py): its data ``unbroadcast`` and its function ``unreduce``."""
import numpy as np

unbroadcast = 2.5


def unreduce(v):
    return v * 3.0


def scaled(x):
    return x * unbroadcast + unreduce(x[0]) * np.ones(3)
