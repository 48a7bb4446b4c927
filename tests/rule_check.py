"""One function checked in every mode, for the table-driven rule tests.

In: ``f`` (defined in a real file, so sourcead can read it) and arguments; every argument that
is a float or a float array is differentiated. Out: assertion errors naming the mode that
disagrees:

* forward: ``jvp`` against central differences along a random tangent;
* reverse: the dot-product test <u, J v> == <J^T u, v> with ``vjp`` and a random cotangent;
* vector mode (``jacobian``, and the inner pass of ``hessian``): the Jacobian from one run
  with a leading axis of directions equals the one from ``jvp`` column by column;
* second order: ``hessian`` (forward over reverse) against central differences of the reverse
  gradient of <w, f>, and reverse over reverse (``vjp`` of the gradient) against ``H v``.
"""
from __future__ import annotations

import numpy as np

import sourcead
from sourcead import api


def active_positions(args) -> tuple[int, ...]:
    return tuple(k for k, a in enumerate(args)
                 if isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f"))


def _random_like(x, rng):
    return float(rng.standard_normal()) if np.ndim(x) == 0 else rng.standard_normal(np.shape(x))


def _shifted(args, wrt, tangents, eps):
    moved = list(args)
    for p, t in zip(wrt, tangents):
        moved[p] = args[p] + eps * t
    return moved


def check_forward(f, args, wrt, rng, rtol=1e-6, atol=1e-7):
    tangents = [_random_like(args[p], rng) for p in wrt]
    value, derivative = sourcead.jvp(f, wrt=wrt)(*args, *tangents)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12, atol=1e-12, err_msg="value")
    eps = 1e-6
    numeric = (np.asarray(f(*_shifted(args, wrt, tangents, eps)))
               - np.asarray(f(*_shifted(args, wrt, tangents, -eps)))) / (2 * eps)
    np.testing.assert_allclose(derivative, numeric, rtol=rtol, atol=atol, err_msg="forward")
    return tangents, derivative


def check_reverse(f, args, wrt, tangents, derivative, rng):
    u = _random_like(f(*args), rng)
    _, grads = sourcead.vjp(f, wrt=wrt)(*args, u)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for p, g in zip(wrt, grads):
        assert np.shape(g) == np.shape(args[p]), f"gradient shape of argument {p}"
    left = np.sum(np.asarray(u) * derivative)
    right = sum(np.sum(g * t) for g, t in zip(grads, tangents))
    np.testing.assert_allclose(left, right, rtol=1e-9, atol=1e-10, err_msg="dot-product test")


def check_vector(f, args, wrt):
    """Vector mode must exist for the row and agree with jvp, direction by direction."""
    for p in wrt:
        kinds = api.kinds_of_arguments(tuple(args), api.parameters(f), (p,))
        emitted, impl = api._specialize(f, (p,), kinds, False, False, mode="vector")
        emitted.refresh()
        size = int(np.size(args[p]))
        basis = np.eye(size).reshape((size,) + np.shape(args[p]))
        _, tangent = impl(*args, basis)
        _, columns = api._forward_columns(f, p, tuple(args))
        expected = np.array([np.broadcast_to(c, np.shape(f(*args))) for c in columns])
        np.testing.assert_allclose(np.broadcast_to(tangent, expected.shape), expected,
                                   rtol=1e-10, atol=1e-12, err_msg=f"vector mode, argument {p}")


def check_second_order(scalar_f, args, wrt, rng, reverse_over_reverse=True):
    """``scalar_f`` returns a number; its Hessian blocks against differences of its gradient."""
    blocks = sourcead.hessian(scalar_f, wrt=wrt)(*args)
    grad = sourcead.grad(scalar_f, wrt=wrt)
    for j, q in enumerate(wrt):
        x = np.asarray(args[q], dtype=float)
        columns = []
        for index in np.ndindex(x.shape):
            eps = 1e-5 * max(1.0, abs(float(x[index])))
            pair = []
            for sign in (1.0, -1.0):
                moved = list(args)
                value = x.copy()
                value[index] += sign * eps
                moved[q] = float(value) if np.ndim(args[q]) == 0 else value
                pair.append(grad(*moved))
            columns.append([(np.asarray(a) - np.asarray(b)) / (2 * eps) for a, b in zip(*pair)])
        for i, p in enumerate(wrt):
            expected = np.moveaxis(np.array([c[i] for c in columns]), 0, -1)
            expected = expected.reshape(np.shape(args[p]) + np.shape(args[q]))
            np.testing.assert_allclose(blocks[i][j], expected, rtol=1e-5, atol=1e-6,
                                       err_msg=f"hessian block d2/d{p}d{q}")
    if reverse_over_reverse:
        for j, q in enumerate(wrt):  # the gradient's vjp with v is H v (H is symmetric)
            v = _random_like(args[q], rng)
            _, hv = sourcead.vjp(sourcead.grad(scalar_f, wrt=q), wrt=wrt)(*args, v)
            hv = hv if isinstance(hv, tuple) else (hv,)
            for i, p in enumerate(wrt):
                block = np.reshape(blocks[i][j], np.shape(args[p]) + (-1,))
                np.testing.assert_allclose(hv[i], block @ np.ravel(v), rtol=1e-8, atol=1e-10,
                                           err_msg=f"reverse over reverse d2/d{p}d{q}")
