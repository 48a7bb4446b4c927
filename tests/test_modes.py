"""Every corpus function in every mode: forward == reverse (== exact, checked in test_corpus),
and second order: the Hessian by forward-over-reverse against finite differences of the
reverse gradient. Loops, branches, calls and recursion included."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import sourcead

try:
    from tests import corpus
except ImportError:  # pragma: no cover
    import corpus  # type: ignore[no-redef]


def _positions(c):
    return c.wrt if isinstance(c.wrt, tuple) else (c.wrt,)


def _tuple(c, value):
    return value if isinstance(c.wrt, tuple) else (value,)


CASES = [pytest.param(c, id=c.id, marks=c.marks) for c in corpus.CASES]
NUMERIC = [pytest.param(c, id=c.id, marks=c.marks) for c in corpus.CASES if c.numeric]


@pytest.mark.parametrize("c", CASES)
def test_forward_equals_reverse(c):
    args = copy.deepcopy(c.args)
    forward = _tuple(c, sourcead.grad(c.fn, wrt=c.wrt, mode="forward")(*args))
    reverse = _tuple(c, sourcead.grad(c.fn, wrt=c.wrt)(*args))
    for f, r in zip(forward, reverse):
        assert np.shape(f) == np.shape(r)
        np.testing.assert_allclose(f, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("c", CASES)
def test_jvp_is_the_directional_derivative(c):
    args = copy.deepcopy(c.args)
    rng = np.random.default_rng(0)
    positions = _positions(c)
    tangents = [rng.standard_normal(np.shape(args[p])) if np.ndim(args[p]) else 0.7
                for p in positions]
    value, derivative = sourcead.jvp(c.fn, wrt=c.wrt)(*args, *tangents)
    grads = _tuple(c, sourcead.grad(c.fn, wrt=c.wrt)(*args))
    expected = sum(np.sum(g * t) for g, t in zip(grads, tangents))
    np.testing.assert_allclose(value, c.fn(*copy.deepcopy(c.args)), rtol=1e-12)
    np.testing.assert_allclose(derivative, expected, rtol=1e-9, atol=1e-12)


def _fd_hessian(c, args, p):
    """Central differences of the (exact) reverse gradient with respect to args[p]."""
    positions = _positions(c)
    grad = sourcead.grad(c.fn, wrt=positions)
    x = np.asarray(args[p], dtype=float)
    columns = []
    for index in np.ndindex(x.shape):
        eps = 1e-6 * max(1.0, abs(float(x[index])))
        shifted = []
        for sign in (1.0, -1.0):
            moved = list(copy.deepcopy(args))
            value = x.copy()
            value[index] += sign * eps
            moved[p] = float(value) if np.ndim(args[p]) == 0 else value
            shifted.append(grad(*moved))
        columns.append([(np.asarray(a) - np.asarray(b)) / (2 * eps)
                        for a, b in zip(*shifted)])
    return columns


@pytest.mark.parametrize("c", NUMERIC)
def test_hessian_matches_differences_of_the_gradient(c):
    args = copy.deepcopy(c.args)
    positions = _positions(c)
    blocks = sourcead.hessian(c.fn, wrt=positions)(*args)
    for j, q in enumerate(positions):
        columns = _fd_hessian(c, args, q)
        for i, p in enumerate(positions):
            expected = np.moveaxis(np.array([col[i] for col in columns]), 0, -1)
            expected = expected.reshape(np.shape(args[p]) + np.shape(args[q]))
            np.testing.assert_allclose(blocks[i][j], expected, rtol=1e-5, atol=1e-5,
                                       err_msg=f"d2 f / d arg{p} d arg{q}")


# ---- vector mode through arrays built from parts ----------------------------------------------

import vector_functions as vf  # noqa: E402

BUILT = [(vf.stacked, vf.stacked_exact), (vf.concatenated, vf.concatenated_exact),
         (vf.from_values, vf.from_values_exact), (vf.list_summed, vf.list_summed_exact)]


@pytest.mark.parametrize("f, exact", BUILT, ids=[b[0].__name__ for b in BUILT])
def test_hessian_of_arrays_built_from_parts_runs_once_in_vector_mode(f, exact):
    from sourcead import api
    x = np.array([0.3, -0.7, 1.1])
    gradient = sourcead.grad(f)
    kinds = api.kinds_of_arguments((x,), api.parameters(gradient), (0,))
    _, impl = api._specialize(gradient, (0,), kinds, False, False, mode="vector")  # no refusal
    _, columns = impl(x, np.eye(3))                 # every direction in one run
    np.testing.assert_allclose(columns, exact(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sourcead.hessian(f)(x), exact(x), rtol=1e-12, atol=1e-12)
    numeric = np.array([sourcead.numeric_grad(lambda v, j=j: gradient(v)[j], x) for j in range(3)])
    np.testing.assert_allclose(exact(x), numeric, rtol=1e-6, atol=1e-7)
