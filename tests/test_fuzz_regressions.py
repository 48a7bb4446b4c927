"""Programs the random-program fuzzer (tests/random_programs_more.py) found wrong or crashing,
minimized, each checked in the modes where it failed against exact values and differences."""
from __future__ import annotations

import math

import numpy as np
import pytest

import sourcead

import fuzz_regression_functions as fr

X = np.array([-0.29477557, 0.68544229, -0.85952797, 0.88173785])


def test_forward_mode_of_a_written_parameter_that_is_not_differentiated():
    # x is not in wrt but becomes active when y is written into it: its tangent must be an
    # array of zeros (it was a float 0.0, and `x_dot[0]` crashed)
    value, tangent = sourcead.jvp(fr.writes_y_into_x, wrt=1)(X.copy(), 0.4, 1.0)
    assert value == pytest.approx(np.sum(X) + X[0] + 0.4)
    assert tangent == 1.0
    assert sourcead.grad(fr.writes_y_into_x, wrt=1, mode="forward")(X.copy(), 0.4) == 1.0
    assert sourcead.grad(fr.writes_y_into_x, wrt=1)(X.copy(), 0.4) == 1.0
    assert sourcead.hessian(fr.writes_y_into_x, wrt=1)(X.copy(), 0.4) == 0.0


def test_hessian_through_a_callee_that_writes_into_its_own_array():
    # the callee's adjoint sweep writes into the array it popped from the tape; differentiating
    # that sweep again refused it as possibly shared
    x = X.copy()
    exact = np.diag(fr.tanh_weighted_second(x))
    np.testing.assert_allclose(sourcead.hessian(fr.calls_tanh_weighted)(x, 0.5), exact,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, X)
    gradient = sourcead.grad(fr.calls_tanh_weighted)
    numeric = np.array([sourcead.numeric_grad(lambda v: gradient(v, 0.5)[k], x) for k in range(4)])
    np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-7)


def test_hessian_of_a_mask_write_of_constants_then_a_slice_write():
    # vector mode: a constant's zero tangent times an array partial had the value's shape and
    # was taken for one with a directions axis by with_item_each
    x, y = X.copy(), -0.699082559652666
    h = sourcead.hessian(fr.mask_of_constants_then_slice)(x, y)
    exact = np.zeros((4, 4))
    exact[1, 1] = -6 * math.cos(2 * x[1])  # sum(a * a) = 3 cos(x1)^2 + const
    np.testing.assert_allclose(h, exact, rtol=1e-12, atol=1e-12)
    g = sourcead.grad(fr.mask_of_constants_then_slice)
    exact_g = np.zeros(4)
    exact_g[1] = -3 * math.sin(2 * x[1])
    np.testing.assert_allclose(g(x, y), exact_g, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sourcead.jacobian(g)(x, y), exact, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_list_rebuilt_in_a_branch(mode):
    # the reverse sweep recorded the list before its first assignment (UnboundLocalError)
    assert sourcead.grad(fr.list_rebuilt_in_branch, mode=mode)(0.5) == 3.0
    assert sourcead.grad(fr.list_rebuilt_in_branch, mode=mode)(-0.5) == 3.0
    assert sourcead.hessian(fr.list_rebuilt_in_branch)(0.5) == 0.0
    assert sourcead.grad(sourcead.grad(fr.list_rebuilt_in_branch))(0.5) == 0.0
    assert sourcead.grad(fr.list_used_after_rebuild)(0.5) == pytest.approx(2 * 0.5 * 2)
    assert sourcead.grad(fr.list_used_after_rebuild)(-0.5) == pytest.approx(3.0)
    assert sourcead.hessian(fr.list_used_after_rebuild)(0.5) == pytest.approx(4.0)


def test_vjp_gives_an_array_parameter_that_does_not_reach_the_output_zeros_of_its_shape():
    # vjp returned a float 0.0 here, where grad returns np.zeros_like(x)
    x = X.copy()
    value, (gx, gy) = sourcead.vjp(fr.overwrites_unused_parameter, wrt=(0, 1))(x, 0.5, 2.0)
    assert value == 0.25 and gy == 2.0
    assert isinstance(gx, np.ndarray) and gx.shape == (4,) and not gx.any()
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(sourcead.grad(fr.overwrites_unused_parameter)(x, 0.5), 0.0 * X)


def test_a_list_built_in_one_branch_only():
    # the adjoint sweep started with zs_bar = zeros_like(zs) where zs was never built
    assert sourcead.grad(fr.list_built_in_one_branch, wrt=(0, 1))(0.7, 1.3) == (1.3, 0.7)
    assert sourcead.grad(fr.list_built_in_one_branch, wrt=(0, 1))(-0.7, 1.3) == (0.0, 3.0)
    assert sourcead.hessian(fr.list_built_in_one_branch, wrt=1)(-0.7, 1.3) == 0.0


def test_augmented_assignment_to_a_name_that_copied_a_float():
    x = np.array([0.1, 0.2, 0.3])
    exact = float(np.prod(1 + np.cos(x)))   # s = y * prod(1 + cos(x_i))
    assert sourcead.grad(fr.float_alias_then_augmented, wrt=1)(x, 0.5) == pytest.approx(exact, rel=1e-14)


def test_a_call_that_rebinds_its_own_argument_restores_it_after_the_callee_adjoint():
    # soak seed 7072, a wrong gradient: `s = inner(s + x[2])` recorded the old s below the
    # callee's records, and the adjoint sweep popped it before the callee's adjoint ran
    x, y = X.copy(), -0.36
    u = y + x[2]
    exact = np.zeros(4)
    exact[2] = (1 - math.tanh(u * y) ** 2) * y
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(sourcead.grad(fr.closure_call_rebinding_its_argument, mode=mode)(x, y),
                                   exact, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sourcead.grad(fr.closure_call_rebinding_its_argument, wrt=1)(x, y),
                               sourcead.numeric_grad(fr.closure_call_rebinding_its_argument, x, y, wrt=1),
                               rtol=1e-6)


def test_a_call_whose_result_rebinds_its_argument_twice():
    # f = s2 * x with s1 = 0.5 x * x + x = 0.5 x^2 + x, s2 = s1 * s1 + s1
    def exact(x):
        s1 = 0.5 * x * x + x
        ds1 = x + 1
        s2 = s1 * s1 + s1
        ds2 = (2 * s1 + 1) * ds1
        return ds2 * x + s2
    for x in (0.3, -1.7):
        assert sourcead.grad(fr.call_rebinding_its_argument_twice)(x) == pytest.approx(exact(x), rel=1e-12)
        assert sourcead.hessian(fr.call_rebinding_its_argument_twice)(x) == pytest.approx(
            sourcead.numeric_grad(sourcead.grad(fr.call_rebinding_its_argument_twice), x), rel=1e-6)
