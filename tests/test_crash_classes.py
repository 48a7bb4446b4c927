"""Raw crashes of issue 11 (item 9) that must become the right result, each checked as a class
in every mode: reverse and forward ``grad``, ``jvp``, ``vjp`` (the dot-product test), the
Hessian (forward over reverse) and reverse over reverse, against exact values and finite
differences."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead
import rule_check
import container_array_functions as arrays
import list_slice_functions as slices


def every_mode(f, args, exact, wrt=0):
    """``f`` returns a number: its gradient in both modes against ``exact`` and differences,
    jvp and vjp against each other, and the Hessian both ways against differences."""
    rng = np.random.default_rng(3)
    wrt_t = wrt if isinstance(wrt, tuple) else (wrt,)
    for mode in ("reverse", "forward"):
        got = sourcead.grad(f, wrt=wrt, mode=mode)(*args)
        got = got if isinstance(wrt, tuple) else (got,)
        want = exact(*args)
        want = want if isinstance(wrt, tuple) else (want,)
        for g, w, p in zip(got, want, wrt_t):
            assert np.shape(g) == np.shape(args[p]), mode
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12, err_msg=mode)
    numeric = sourcead.numeric_grad(f, *args, wrt=wrt)
    numeric = numeric if isinstance(wrt, tuple) else (numeric,)
    for n, w in zip(numeric, want):
        np.testing.assert_allclose(n, w, rtol=1e-5, atol=1e-6)
    tangents, derivative = rule_check.check_forward(f, list(args), wrt_t, rng)
    rule_check.check_reverse(f, list(args), wrt_t, tangents, derivative, rng)
    rule_check.check_second_order(f, list(args), wrt_t, rng)


@pytest.mark.parametrize("f, x, exact", slices.CASES, ids=[c[0].__name__ for c in slices.CASES])
def test_slices_of_lists_in_every_mode(f, x, exact):
    every_mode(f, (x,), exact)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_slices_of_list_and_tuple_arguments(mode):
    grad = sourcead.grad(slices.slice_of_a_list_argument, mode=mode)
    assert grad([1.0, 2.0, 3.0]) == [0.0, 3.0, 2.0]
    assert grad((1.0, 2.0, 3.0)) == (0.0, 3.0, 2.0)
    a, b = sourcead.grad(slices.reversed_tuple_argument, mode=mode)((np.array([1.0, 2.0]), 3.0))
    np.testing.assert_array_equal(a, [3.0, 3.0])
    assert b == 3.0


@pytest.mark.parametrize("f, args, exact", arrays.CASES, ids=[c[0].__name__ for c in arrays.CASES])
def test_lists_where_numpy_reads_an_array_in_every_mode(f, args, exact):
    wrt = tuple(range(len(args))) if len(args) > 1 else 0
    every_mode(f, args, exact, wrt)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_np_array_of_a_list_argument(mode):
    grad = sourcead.grad(arrays.array_of_a_list_argument, mode=mode)
    assert grad([1.0, -2.0]) == [2.0, -4.0]
    assert grad((1.0, -2.0)) == (2.0, -4.0)
