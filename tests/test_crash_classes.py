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
import sequence_call_functions as sequences
import tuple_output_functions as outputs


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


@pytest.mark.parametrize("f, x, exact", sequences.CASES,
                         ids=[c[0].__name__ for c in sequences.CASES])
def test_tuples_of_values_written_in_calls_in_every_mode(f, x, exact):
    """A tuple in np.concatenate((A, x)) was read as a shape: the result had a number's kind,
    and its adjoint was summed to one number."""
    every_mode(f, (x,), exact)


def _like(tree, rng):
    """A random value of the structure and shapes of ``tree``."""
    if isinstance(tree, dict):
        return {k: _like(v, rng) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(_like(v, rng) for v in tree) if not hasattr(tree, "_fields") \
            else tuple(_like(v, rng) for v in tree)
    return float(rng.standard_normal()) if np.ndim(tree) == 0 else rng.standard_normal(np.shape(tree))


def _inner(a, b) -> float:
    if isinstance(a, dict):
        return sum(_inner(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return sum(_inner(p, q) for p, q in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


@pytest.mark.parametrize("f, x", outputs.CASES, ids=[c[0].__name__ for c in outputs.CASES])
def test_vjp_with_a_cotangent_of_several_shapes(f, x):
    """<u, J v> == <J^T u, v> with u a tuple (list, dict) of differently shaped parts; a part
    given as a plain 0.0 counts as zeros."""
    rng = np.random.default_rng(5)
    u, v = _like(f(x), rng), _like(x, rng)
    value, grad = sourcead.vjp(f)(x, u)
    _, tangent = sourcead.jvp(f)(x, v)
    assert np.shape(grad) == np.shape(x)
    np.testing.assert_allclose(_inner(u, tangent), _inner(grad, v), rtol=1e-9)
    first = next(iter(u)) if isinstance(u, dict) else 0
    zeroed = dict(u) if isinstance(u, dict) else list(u)
    zeroed[first] = 0.0
    zeroed = zeroed if isinstance(u, (dict, list)) else tuple(zeroed)
    _, grad = sourcead.vjp(f)(x, zeroed)
    kept = dict(u) if isinstance(u, dict) else list(u)
    kept[first] = np.zeros_like(np.asarray(u[first]))
    np.testing.assert_allclose(_inner(kept, tangent), _inner(grad, v), rtol=1e-9, atol=1e-12)


def test_vjp_of_two_values_exactly():
    x = outputs.V
    _, grad = sourcead.vjp(outputs.two_values)(x, (np.ones(4), np.array([1.0, -1.0])))
    # a = 2 x; b = sum(x) x[:2]: d/dx_j of <(1, -1), b> = (x0 - x1) + sum(x) (1, -1, 0, 0)_j
    np.testing.assert_allclose(grad, 2.0 + (x[0] - x[1]) + np.sum(x) * np.array([1, -1, 0, 0]))
