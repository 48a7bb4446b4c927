"""Derivatives that turn out not to exist only as they run (singular vectors of a wide matrix
or of repeated singular values, qr of dependent columns, a write with a repeated index):
refused with a ``SourceADError`` in every mode, never a plain ValueError; in reverse mode at the
user's own line (issue 11, item 9). (A norm whose ord is a variable, a matrix's 2-norm or
1-norm, refused here before, are differentiated now: test_linalg_breadth.py checks them.)"""
from __future__ import annotations

import numpy as np
import pytest

import sourcead


def singular_vectors_of_a_wide_matrix(A):
    u, s, vt = np.linalg.svd(A[:1] * 2.0, full_matrices=False)
    return np.sum(vt ** 3)


def singular_vectors_of_repeated_values(A):
    u, s, vt = np.linalg.svd(A * 0.0 + np.eye(2), full_matrices=False)
    return np.sum(u ** 3) * A[0, 0]


def qr_of_dependent_columns(A):
    q, r = np.linalg.qr(A[:, :1] * np.ones(2))
    return np.sum(q ** 3)


def write_with_a_repeated_index(x):
    a = np.zeros(3)
    a[[0, 0, 1]] = x[:3]
    return np.sum(a * a)


X = np.array([0.5, -1.5, 2.0])
A = np.array([[0.5, -1.5], [2.0, 0.3]])

CASES = [(singular_vectors_of_a_wide_matrix, (A,),
          "u, s, vt = np.linalg.svd(A[:1] * 2.0, full_matrices=False)"),
         (singular_vectors_of_repeated_values, (A,),
          "u, s, vt = np.linalg.svd(A * 0.0 + np.eye(2), full_matrices=False)"),
         (qr_of_dependent_columns, (A,), "q, r = np.linalg.qr(A[:, :1] * np.ones(2))"),
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
