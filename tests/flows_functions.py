"""Functions where a differentiated value flows into an operation sourcead may have no rule
for (issue 11 item 3), written the way users write them. Lines marked ``# <-`` are the ones a
refusal must name."""
import copy
import functools
import math
import operator
import statistics

import numpy as np

C = np.array([0.2, 0.5, 0.9])


# ---- given a rule: the derivative is kept ----------------------------------------------------

def joined(x):
    return np.sum(np.r_[x, x] ** 2)


def joined_with_numbers(x):
    return np.sum(np.r_[x[0], 2.0 * x[1:], 1.5, C] ** 3)


def as_columns(x):
    m = np.c_[x, np.sin(x)]
    return np.sum((m @ np.array([1.0, 2.0])) ** 2)


def conversions(x):
    a = float(x[0]) * np.float64(x[1])
    b = x[1:2].item() + x.copy()[2]
    c = x.astype(np.float64) * x.real + x.imag
    return a * b + np.sum(c ** 2)


def triangle_of_a_vector(x):
    return np.sum(np.tril(x) ** 2 * C)


# ---- refused: the derivative would be lost ----------------------------------------------------

def joined_with_a_range(x):
    return np.sum(np.r_[0:3, x] ** 2)  # <-


def index_expression(x):
    key = np.s_[x]  # <-
    return key * x


class Table:
    """An object that computes with the key it is indexed by."""

    def __getitem__(self, key):
        return key * key


TABLE = Table()


def object_indexed_by_a_value(x):
    return np.sum(TABLE[x] * 2.0)  # <-


def object_made_here(x):
    table = Table()
    return np.sum(table[x])  # <-


def reversed_values(x):
    backwards = np.array(list(reversed(x)))  # <-
    return np.sum(backwards * C)


def reversed_by_slicing(x):  # the rewrite the hint gives
    backwards = x[::-1]
    return np.sum(backwards * C)


def to_list(x):
    values = x.tolist()  # <-
    return values[0] * 3.0


def summed_exactly(x):
    return math.fsum(x) * x[0]  # <-


def mean_of_statistics(x):
    return statistics.mean(x) ** 2  # <-


def folded(x):
    return functools.reduce(operator.mul, x)  # <-


def written_into_out(x):
    z = np.floor(C * 3.0, x)  # <-
    return np.sum(x * z)


def copied_into(x):
    out = np.zeros(3)
    done = np.copyto(out, x)  # <-
    return np.sum(out ** 2)


def through_a_string(x):
    text = str(x)  # <-
    return float(text) * 2.0


def sum_of_a_named_tuple(m):
    return np.sum(np.linalg.slogdet(m))  # <-


def maximum_of_an_array(x):
    return max(x) * 2.0


def copied_deeply(x):
    y = copy.deepcopy(x)  # <-
    return np.sum(y ** 2)


def helper_without_rule(v):
    return np.array(list(map(math.sin, v)))  # <-


def calls_a_helper_without_rule(x):
    return np.sum(helper_without_rule(x) * x)


def counted(x):
    return np.sum(statistics.multimode(x))
