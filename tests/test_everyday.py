"""Programs people write (tests/everyday_functions.py), in every mode: the reverse and forward
gradients against central differences and each other, the Hessian (vector mode, forward over
reverse) against differences of the gradient and against reverse over reverse. Where a closed
form is short, against it too."""
import inspect
import math

import numpy as np
import pytest

import sourcead

import everyday_functions as ef

X = np.array([0.4, -0.3, 0.7])
HELPERS = {"helper_pair", "rec", "defaults", "_hypot2"}
NAMES = sorted(n for n, f in vars(ef).items() if inspect.isfunction(f)
               and f.__module__ == ef.__name__ and n not in HELPERS)


@pytest.mark.parametrize("name", NAMES)
def test_every_mode_agrees_with_differences(name):
    f = getattr(ef, name)
    gradient = sourcead.grad(f)
    got = gradient(X)
    np.testing.assert_allclose(got, sourcead.numeric_grad(f, X), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(X), got, rtol=1e-12, atol=1e-13)
    hessian = sourcead.hessian(f)(X)
    numeric = np.array([sourcead.numeric_grad(lambda v, j=j: gradient(v)[j], X) for j in range(3)])
    np.testing.assert_allclose(hessian, numeric, rtol=1e-5, atol=1e-6)


# (rotation_chain crashed here: an adjoint of the gradient that nothing reached is a plain
# zero, and np.matmul took it as an operand)
PLAIN_ZERO_OPERAND: set[str] = set()


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, raises=ValueError))
    if n in PLAIN_ZERO_OPERAND else n for n in NAMES])
def test_reverse_over_reverse_is_the_hessian(name):
    f = getattr(ef, name)
    np.testing.assert_allclose(sourcead.jacobian(sourcead.grad(f), mode="reverse")(X),
                               sourcead.hessian(f)(X), rtol=1e-10, atol=1e-12)


def test_closed_forms():
    x0, x1, x2 = X
    # sorted values: each element gets the weight of its rank (x1 < x0 < x2)
    np.testing.assert_array_equal(sourcead.grad(ef.sorted_values)(X), [2.0, 1.0, 3.0])
    # Newton's square root of x0, times x1: d/dx0 = x1 / (2 sqrt x0), d/dx1 = sqrt x0
    np.testing.assert_allclose(sourcead.grad(ef.newton_sqrt)(X),
                               [x1 / (2 * math.sqrt(x0)), math.sqrt(x0), 0.0], rtol=1e-12)
    # x.T A x + x . A^-1 x: gradient (A + A.T) x + (A^-1 + A^-T) x
    A = ef.A
    inv = np.linalg.inv(A)
    np.testing.assert_allclose(sourcead.grad(ef.quad_form)(X), (A + A.T) @ X + (inv + inv.T) @ X,
                               rtol=1e-12)
    np.testing.assert_allclose(sourcead.hessian(ef.quad_form)(X), A + A.T + inv + inv.T,
                               rtol=1e-12)
    # locals named like globals: A = x c^T (c = 1, 2, 3), sum(A.T * x) = (sum c) |x|^2 and
    # sum(A.T @ A) = (sum c)^2 |x|^2, so f = 42 |x|^2
    np.testing.assert_allclose(sourcead.grad(ef.local_shadows_global)(X), 84 * X, rtol=1e-12)
    # a masked write then an element write: 3 x0^2 (x0 > 0) + 2 x1 (x1 < 0) + 3 x2^2 (x2 > 0)
    np.testing.assert_allclose(sourcead.grad(ef.masked_write)(X), [6 * x0, 2.0, 6 * x2],
                               rtol=1e-13)
    # three rotations of [1, 0]: the angle is the sum, so f = 2 cos(s) + sin(s)
    s = x0 + x1 + x2
    np.testing.assert_allclose(sourcead.grad(ef.rotation_chain)(X),
                               np.full(3, -2 * math.sin(s) + math.cos(s)), rtol=1e-12)
