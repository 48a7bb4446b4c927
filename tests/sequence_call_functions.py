"""np.concatenate / stack / hstack / vstack / array of a tuple written in the call, with
constant members (a module-level array, a closure, a default) (issue 11, item 9). Each
returns sum(c * w) + sum(c ** 3) / 3 of the joined array c (w = 1, 2, ... in c's order), so
its gradient is w + x ** 2 at x's place in c. Used by test_crash_classes.py."""
import numpy as np

A1 = np.array([1.0, -2.0])
A2 = np.array([[1.0, 2.0], [-3.0, 4.0]])


def concatenate_1d(x):
    c = np.concatenate((A1, x))
    w = np.arange(1.0, 6.0)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def concatenate_2d_axis0(x):
    c = np.concatenate((A2, x))
    w = np.arange(1.0, 9.0).reshape(4, 2)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def concatenate_2d_axis1(x):
    c = np.concatenate((A2, x), axis=1)
    w = np.arange(1.0, 9.0).reshape(2, 4)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def concatenate_flat(x):
    c = np.concatenate((A2, x), axis=None)
    w = np.arange(1.0, 9.0)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def concatenate_x_first(x):
    c = np.concatenate((x, A1 * 2.0))
    w = np.arange(1.0, 6.0)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def hstack_tuple(x):
    c = np.hstack((A1, x))
    w = np.arange(1.0, 6.0)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def vstack_tuple(x):
    c = np.vstack((A2, x))
    w = np.arange(1.0, 9.0).reshape(4, 2)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def stack_tuple(x):
    c = np.stack((A2[0], x))
    w = np.arange(1.0, 5.0).reshape(2, 2)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def array_of_a_tuple(s):
    c = np.array((s, 2.0 * s, 1.0))
    w = np.arange(1.0, 4.0)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


def _closure(A):
    def concatenate_closure(x):
        c = np.concatenate((A, x))
        w = np.arange(1.0, 6.0)
        return np.sum(c * w) + np.sum(c ** 3) / 3.0
    return concatenate_closure


concatenate_closure = _closure(A1)


def concatenate_default(x, A=A1):
    c = np.concatenate((A, x))
    w = np.arange(1.0, 6.0)
    return np.sum(c * w) + np.sum(c ** 3) / 3.0


X1 = np.array([0.5, -1.5, 0.8])
X2 = np.array([[0.5, -1.5], [0.8, 0.3]])


def _at(offset, shape):
    """The gradient when x fills the joined array from flat position ``offset`` on."""
    def exact(x):
        return np.arange(offset + 1.0, offset + x.size + 1.0).reshape(shape) + x ** 2
    return exact


def _columns(x):
    """concatenate((A2, x), axis=1): x fills columns 2 and 3 of a (2, 4) array."""
    return np.arange(1.0, 9.0).reshape(2, 4)[:, 2:] + x ** 2


# (function, argument, exact gradient)
CASES = [
    (concatenate_1d, X1, _at(2, (3,))),
    (concatenate_2d_axis0, X2, _at(4, (2, 2))),
    (concatenate_2d_axis1, X2, _columns),
    (concatenate_flat, X2, _at(4, (2, 2))),
    (concatenate_x_first, X1, _at(0, (3,))),
    (hstack_tuple, X1, _at(2, (3,))),
    (vstack_tuple, X2, _at(4, (2, 2))),
    (stack_tuple, X2[0], _at(2, (2,))),
    (array_of_a_tuple, 0.7, lambda s: 1 + s ** 2 + 2 * (2 + (2 * s) ** 2)),
    (concatenate_closure, X1, _at(2, (3,))),
    (concatenate_default, X1, _at(2, (3,))),
]
