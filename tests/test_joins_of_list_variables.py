"""np.vstack / hstack / concatenate / column_stack of a list or tuple held in a variable (a
list of rows built in a loop is everyday code): refused before ("of a value that is not a
list written in the call"). Exact values in every mode, to second order."""
import numpy as np
import pytest

import sourcead
import join_list_functions as jl
from sourcead.numeric import numeric_jacobian

X = np.array([0.7, -1.3])


def _exact(f, x):
    """(gradient, Hessian) by hand."""
    if f is jl.stacked_rows:        # sum over k of k^2 |x|^2 (+ the constant row)
        return 10 * x, 10 * np.eye(2)
    if f is jl.joined_tuple:        # 10 |x|^2 + x0 (4 sum(x) + 1)
        g = 20 * x + 4 * x[0]
        g[0] += 4 * np.sum(x) + 1
        h = 20 * np.eye(2) + 4 * np.array([[2.0, 1.0], [1.0, 0.0]])
        return g, h
    if f is jl.blocks_side_by_side:  # 5 |x|^4
        return 20 * np.sum(x ** 2) * x, 20 * (np.sum(x ** 2) * np.eye(2) + 2 * np.outer(x, x))
    if f is jl.design:               # sum(1 + 2 x + 3 x^2)
        return 2 + 6 * x, 6 * np.eye(2)
    raise KeyError(f)


@pytest.mark.parametrize("f", [jl.stacked_rows, jl.joined_tuple, jl.blocks_side_by_side,
                               jl.design])
def test_every_mode(f):
    gradient, hessian = _exact(f, X.copy())
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(sourcead.grad(f, mode=mode)(X), gradient, rtol=1e-13,
                                   err_msg=mode)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X), gradient, rtol=1e-6)
    np.testing.assert_allclose(sourcead.hessian(f)(X), hessian, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X), hessian,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(numeric_jacobian(sourcead.grad(f), X.copy()), hessian,
                               rtol=1e-5, atol=1e-6)


def test_an_array_joined_as_the_sequence_of_its_rows():
    """np.vstack(A), np.stack(A), np.concatenate(A) of an array: its rows are the sequence.
    Vector mode (a Jacobian) read the tangent's directions as the rows: a raw ValueError."""
    a = np.arange(6.0).reshape(2, 3) / 7
    exact = 4.0 * np.eye(6).reshape(2, 3, 2, 3)      # the function is 4 a
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(sourcead.jacobian(jl.rows_of_an_array, mode=mode)(a), exact,
                                   atol=1e-15)
    np.testing.assert_allclose(jl.rows_of_an_array(a), 4.0 * a)
