"""Derivatives that turn out not to exist only as they run (an ``ord`` held in a variable, a
matrix's norm, a write with a repeated index): refused with a ``SourceADError`` in every mode,
never a plain ValueError; in reverse mode at the user's own line (issue 11, item 9)."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead

ORD = 3


def norm_with_a_global_ord(x):
    return np.linalg.norm(x, ORD)


def norm_with_a_parameter_ord(x, p):
    return np.linalg.norm(x, p) * x[0]


def matrix_two_norm(A):
    return np.linalg.norm(A, 2)


def matrix_one_norm(A):
    return np.linalg.norm(A, ord=1) + np.sum(A)


def norm_over_two_axes(A):
    return np.linalg.norm(A, axis=(0, 1), ord=2)


def write_with_a_repeated_index(x):
    a = np.zeros(3)
    a[[0, 0, 1]] = x[:3]
    return np.sum(a * a)


X = np.array([0.5, -1.5, 2.0])
A = np.array([[0.5, -1.5], [2.0, 0.3]])

CASES = [(norm_with_a_global_ord, (X,), "np.linalg.norm(x, ORD)"),
         (norm_with_a_parameter_ord, (X, 3), "np.linalg.norm(x, p)"),
         (matrix_two_norm, (A,), "np.linalg.norm(A, 2)"),
         (matrix_one_norm, (A,), "np.linalg.norm(A, ord=1)"),
         (norm_over_two_axes, (A,), "np.linalg.norm(A, axis=(0, 1), ord=2)"),
         (write_with_a_repeated_index, (X,), "a[[0, 0, 1]] = x[:3]")]

MODES = {
    "grad": lambda f, args: sourcead.grad(f)(*args),
    "vjp": lambda f, args: sourcead.vjp(f)(*args, 1.0),
    "grad forward": lambda f, args: sourcead.grad(f, mode="forward")(*args),
    "jvp": lambda f, args: sourcead.jvp(f)(*args, np.ones_like(args[0])),
    "hessian": lambda f, args: sourcead.hessian(f)(*args),
    "jacobian of grad": lambda f, args: sourcead.jacobian(sourcead.grad(f), mode="reverse")(*args),
    "reverse over reverse": lambda f, args: sourcead.vjp(sourcead.grad(f))(
        *args, np.ones_like(args[0])),
}
# modes whose generated code does not name the user's lines (forward code has no comments)
LOCATED = ("grad", "vjp")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("f, args, line", CASES, ids=[c[0].__name__ for c in CASES])
def test_refused_with_a_sourcead_error(f, args, line, mode):
    if f is write_with_a_repeated_index and mode in ("grad forward", "jvp"):
        MODES[mode](f, args)  # forward mode needs no derivative of the overwritten values
        return
    with pytest.raises(sourcead.SourceADError) as caught:
        MODES[mode](f, args)
    if mode in LOCATED:
        assert __file__ in str(caught.value) and line in str(caught.value)
