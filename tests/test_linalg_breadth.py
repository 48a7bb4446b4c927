"""Products and linear algebra of issue 12: the command line's second order on generic
products, einsum's other spellings, eigh's upper triangle, singular vectors, qr, every norm
order, and vjp's tuple cotangents. Each checked in every mode against finite differences and
exact values."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead
from sourcead.__main__ import main

import linalg_cli_functions as cli_functions

_rng = np.random.default_rng(12)


# ---- python -m sourcead FILE:FUNC --order 2 on generic products ------------------------------

@pytest.mark.parametrize("name", ["matmul_tanh", "dot_squares", "both_sides"])
def test_command_line_second_order_of_products(capsys, name):
    """The printed Hessian code (vector mode over the generic reverse code, where
    matmul_adjoint_x and dot_adjoint_x cannot be written as plain products) runs and agrees
    with hessian() and with differences of the gradient."""
    path = cli_functions.__file__
    assert main([f"{path}:{name}", "--order", "2"]) == 0
    code = capsys.readouterr().out
    namespace: dict = {}
    exec(compile(code, f"<printed {name}>", "exec"), namespace)
    W, x = _rng.normal(size=(3, 4)), _rng.normal(size=4)
    directions = np.eye(W.size).reshape((W.size,) + W.shape)
    _, printed = namespace[f"{name}_grad_jvp"](W, x, 1.0, directions)
    if isinstance(printed, tuple):  # (the gradient's tangent, the value's)
        printed = printed[0]
    fn = getattr(cli_functions, name)
    expected = sourcead.hessian(fn)(W, x)
    np.testing.assert_allclose(printed.reshape(W.shape + W.shape), expected, rtol=1e-10,
                               atol=1e-12)
    numeric = sourcead.numeric.numeric_jacobian(lambda w: sourcead.grad(fn)(w, x), W)
    np.testing.assert_allclose(expected, numeric, rtol=1e-5, atol=1e-6)


# ---- helpers: every mode of a scalar function against differences and an exact gradient ------

import linalg_breadth_functions as lf  # noqa: E402

MODES = ("reverse", "forward", "jvp", "vjp")


def _gradient(f, args, wrt, mode):
    """The gradient of the scalar f by ``wrt`` in one mode."""
    if mode in ("reverse", "forward"):
        return sourcead.grad(f, wrt=wrt, mode=mode)(*args)
    if mode == "vjp":
        return sourcead.vjp(f, wrt=wrt)(*args, 1.0)[1]
    x = args[wrt]
    columns = []
    for k in range(x.size):  # jvp along each basis direction
        direction = np.zeros(x.size)
        direction[k] = 1.0
        columns.append(sourcead.jvp(f, wrt=wrt)(*args, direction.reshape(x.shape))[1])
    return np.reshape(columns, x.shape)


def _check_every_mode(f, args, exact=None, wrt=0, second_order=True, rtol=1e-9):
    """Every mode agrees with ``exact`` (when given) and with central differences; the
    Hessian (vector mode over reverse) with differences of the gradient and with reverse over
    reverse."""
    numeric = sourcead.numeric_grad(f, *args, wrt=wrt)
    for mode in MODES:
        got = _gradient(f, args, wrt, mode)
        if exact is not None:
            np.testing.assert_allclose(got, exact, rtol=rtol, atol=1e-10, err_msg=mode)
        np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6, err_msg=mode)
    if not second_order:
        return
    hessian = sourcead.hessian(f, wrt=wrt)(*args)
    differences = sourcead.numeric.numeric_jacobian(
        lambda x: sourcead.grad(f, wrt=wrt)(*args[:wrt], x, *args[wrt + 1:]), args[wrt])
    np.testing.assert_allclose(hessian, differences, rtol=1e-4, atol=1e-5)
    twice = sourcead.jacobian(sourcead.grad(f, wrt=wrt), wrt=wrt, mode="reverse")(*args)
    np.testing.assert_allclose(twice, hessian, rtol=1e-8, atol=1e-9)


# ---- einsum: implicit output, '...', integer lists --------------------------------------------

A, B = _rng.normal(size=(3, 4)), _rng.normal(size=(4, 2))
STACK = _rng.normal(size=(2, 3, 4))


@pytest.mark.parametrize("f", [lf.einsum_implicit, lf.einsum_sublists,
                               lf.einsum_sublists_implicit])
def test_einsum_spellings_of_a_product(f):
    """'ij,jk', np.einsum(a, [0, 1], b, [1, 2], [0, 2]) and its implicit form are a @ b:
    the gradients are cos(a @ b) @ b.T and a.T @ cos(a @ b)."""
    slope = np.cos(A @ B)
    _check_every_mode(f, (A, B), slope @ B.T, wrt=0)
    _check_every_mode(f, (A, B), A.T @ slope, wrt=1)


@pytest.mark.parametrize("f", [lf.einsum_ellipsis, lf.einsum_ellipsis_implicit])
def test_einsum_ellipsis_broadcasts_a_matrix_over_a_stack(f):
    """'...ij,...jk->...ik' of a stack and one matrix (its '...' broadcast): the matrix's
    gradient sums over the stack."""
    slope = np.cos(STACK @ B)
    _check_every_mode(f, (STACK, B), slope @ B.T, wrt=0)
    _check_every_mode(f, (STACK, B), np.sum(np.swapaxes(STACK, -1, -2) @ slope, axis=0), wrt=1)


# ---- eigh and eigvalsh of the upper triangle ------------------------------------------------------

SYMMETRIC_UPPER = np.triu(_rng.normal(size=(3, 3))) + np.tril(np.full((3, 3), 7.0), -1)


@pytest.mark.parametrize("f", [lf.eigh_upper_weighted, lf.eigvalsh_upper_weighted])
def test_eigenvalues_of_the_upper_triangle(f):
    """UPLO='U' reads the upper triangle only (the lower one, 7s here, is ignored): d w_i =
    v_i^T dS v_i, so the gradient is V diag(c) V^T folded onto the upper triangle."""
    full = np.triu(SYMMETRIC_UPPER) + np.triu(SYMMETRIC_UPPER, 1).T
    w, v = np.linalg.eigh(full)
    dense = v @ np.diag(lf.C3) @ v.T
    exact = np.triu(dense) + np.triu(dense.T, 1)
    _check_every_mode(f, (SYMMETRIC_UPPER,), exact)


def test_eigenvectors_of_the_upper_triangle():
    _check_every_mode(lf.eigh_upper_vectors, (SYMMETRIC_UPPER,))
    assert np.all(np.tril(sourcead.grad(lf.eigh_upper_vectors)(SYMMETRIC_UPPER), -1) == 0)


# ---- singular vectors and qr ------------------------------------------------------------------------

TALL = _rng.normal(size=(5, 3))
SQUARE = _rng.normal(size=(3, 3))


def test_singular_values_through_the_vectors_call():
    """d s_i = u_i^T dx v_i: the gradient of sum(c * s) is U diag(c) V^T."""
    u, s, vt = np.linalg.svd(TALL, full_matrices=False)
    _check_every_mode(lf.singular_values_weighted, (TALL,), u @ np.diag(lf.C3) @ vt)


@pytest.mark.parametrize("f, x", [(lf.svd_parts, TALL), (lf.svd_square_parts, SQUARE)])
def test_singular_vector_tangents_are_exact(f, x):
    """The tangents of u, s, vt rebuild the tangent of x (du s vt + u ds vt + u s dvt = dx),
    keep u and v orthonormal (u.T du and vt dvt.T antisymmetric), and match differences."""
    dx = _rng.normal(size=x.shape)
    (u, s, vt), (du, ds, dvt) = sourcead.jvp(f)(x, dx)
    rebuilt = du @ np.diag(s) @ vt + u @ np.diag(ds) @ vt + u @ np.diag(s) @ dvt
    np.testing.assert_allclose(rebuilt, dx, atol=1e-12)
    np.testing.assert_allclose(u.T @ du, -(u.T @ du).T, atol=1e-12)
    np.testing.assert_allclose(vt @ dvt.T, -(vt @ dvt.T).T, atol=1e-12)
    h = 1e-6
    plus, minus = np.linalg.svd(x + h * dx, full_matrices=False), np.linalg.svd(
        x - h * dx, full_matrices=False)
    for got, p, m in zip((du, ds, dvt), plus, minus):
        np.testing.assert_allclose(got, (p - m) / (2 * h), atol=1e-6)


def test_singular_vectors_every_mode():
    _check_every_mode(lf.svd_vectors_used, (TALL,))
    _check_every_mode(lf.svd_vectors_used, (SQUARE,))


def test_vjp_of_the_singular_vectors_is_the_transpose_of_their_jvp():
    dx = _rng.normal(size=TALL.shape)
    _, tangents = sourcead.jvp(lf.svd_parts)(TALL, dx)
    cotangent = tuple(_rng.normal(size=np.shape(t)) for t in tangents)
    _, pulled = sourcead.vjp(lf.svd_parts)(TALL, cotangent)
    assert np.sum(pulled * dx) == pytest.approx(
        sum(np.sum(c * t) for c, t in zip(cotangent, tangents)), rel=1e-10)


@pytest.mark.parametrize("x", [TALL, SQUARE])
def test_qr_tangents_are_exact(x):
    """dq r + q dr = dx, q.T dq antisymmetric, dr upper triangular; and differences."""
    dx = _rng.normal(size=x.shape)
    (q, r), (dq, dr) = sourcead.jvp(lf.qr_parts)(x, dx)
    np.testing.assert_allclose(dq @ r + q @ dr, dx, atol=1e-12)
    np.testing.assert_allclose(q.T @ dq, -(q.T @ dq).T, atol=1e-12)
    np.testing.assert_array_equal(np.tril(dr, -1), 0.0)
    h = 1e-6
    for got, p, m in zip((dq, dr), np.linalg.qr(x + h * dx), np.linalg.qr(x - h * dx)):
        np.testing.assert_allclose(got, (p - m) / (2 * h), atol=1e-6)
    cotangent = (_rng.normal(size=q.shape), _rng.normal(size=r.shape))
    _, pulled = sourcead.vjp(lf.qr_parts)(x, cotangent)
    assert np.sum(pulled * dx) == pytest.approx(
        np.sum(cotangent[0] * dq) + np.sum(cotangent[1] * dr), rel=1e-10)


@pytest.mark.parametrize("x", [TALL, SQUARE])
def test_qr_every_mode(x):
    _check_every_mode(lf.qr_used, (x,))


# ---- norms of every order ---------------------------------------------------------------------

def _singular(x):
    return np.linalg.svd(x, full_matrices=False)


@pytest.mark.parametrize("f, exact", [
    (lf.nuclear, lambda x: _singular(x)[0] @ _singular(x)[2]),
    (lf.spectral, lambda x: np.outer(_singular(x)[0][:, 0], _singular(x)[2][0])),
    (lf.smallest_singular, lambda x: np.outer(_singular(x)[0][:, -1], _singular(x)[2][-1])),
    (lf.column_norm, lambda x: np.sign(x) * (np.arange(x.shape[1]) == np.argmax(
        np.abs(x).sum(0)))),
    (lf.row_norm_least, lambda x: np.sign(x) * (np.arange(x.shape[0]) == np.argmin(
        np.abs(x).sum(1)))[:, None]),
], ids=["nuc", "2", "-2", "1", "-inf"])
@pytest.mark.parametrize("x", [TALL, TALL.T], ids=["tall", "wide"])
def test_matrix_norms(f, exact, x):
    _check_every_mode(f, (x,), exact(x))


V = np.array([0.7, -1.3, 0.4, 1.1])


@pytest.mark.parametrize("f, p", [(lf.power_norm, 3), (lf.harmonic_norm, -1)])
def test_vector_power_norms(f, p):
    """d ||v||_p = sign(v) |v|^(p-1) / ||v||^(p-1)."""
    size = np.linalg.norm(V, p)
    _check_every_mode(f, (V,), np.sign(V) * np.abs(V) ** (p - 1) / size ** (p - 1))


def test_the_zero_norm_is_a_count():
    _check_every_mode(lf.count_norm, (V,), np.full(4, 4.0))


def test_a_third_derivative_of_a_power_norm_is_refused_clearly():
    """(The 2-norm's third derivative is still exact: its slope's jvp is v / norm.)"""
    with pytest.raises(sourcead.SourceADError, match="third derivative"):
        sourcead.hessian(lf.power_norm_slope)(V)
    _check_every_mode(lf.two_norm_slope, (V,))


# ---- vjp of several outputs of different shapes ------------------------------------------------

def test_vjp_takes_a_tuple_shaped_like_the_output():
    x, y = _rng.normal(size=(3, 4)), _rng.normal(size=(4, 2))
    cotangent = (_rng.normal(size=(3, 2)), _rng.normal(size=4), _rng.normal(size=(4, 2)))
    value, (gx, gy) = sourcead.vjp(lf.three_shapes, wrt=(0, 1))(x, y, cotangent)
    np.testing.assert_allclose(value[0], x @ y)
    np.testing.assert_allclose(gx, cotangent[0] @ y.T + cotangent[1][None, :], rtol=1e-12)
    np.testing.assert_allclose(gy, x.T @ cotangent[0] + cotangent[2] * (1 - np.tanh(y) ** 2),
                               rtol=1e-12)


def test_vjp_of_a_list_output_takes_a_tuple_and_leaves_a_list_alone():
    x, y = _rng.normal(size=(3, 4)), _rng.normal(size=(4, 2))
    c0 = _rng.normal(size=(3, 2))
    for cotangent in ((c0, 2.0), [c0, 2.0]):
        _, (gx, gy) = sourcead.vjp(lf.three_shapes_list, wrt=(0, 1))(x, y, cotangent)
        np.testing.assert_allclose(gx, c0 @ y.T + 2.0, rtol=1e-12)
        np.testing.assert_allclose(gy, x.T @ c0, rtol=1e-12)
        assert len(cotangent) == 2


@pytest.mark.parametrize("cotangent", [
    (np.ones((3, 2)), np.ones(4)), (np.ones((3, 2)), np.ones(4), np.ones((4, 2)), 1.0),
    ((np.ones((3, 2)), 1.0), np.ones(4), np.ones((4, 2)))])
def test_a_cotangent_not_shaped_like_the_output_is_a_usage_error(cotangent):
    x, y = _rng.normal(size=(3, 4)), _rng.normal(size=(4, 2))
    with pytest.raises(sourcead.UsageError, match="not shaped like its output"):
        sourcead.vjp(lf.three_shapes, wrt=(0, 1))(x, y, cotangent)


# ---- what is still refused, with the user's line and a rewrite -------------------------------

@pytest.mark.parametrize("f, x, match", [
    (lf.svd_wide, TALL.T, "more columns than rows"),
    (lf.svd_wide, np.diag([2.0, 2.0, 1.0]), "repeat or are zero"),
    (lf.svd_full_tall, TALL, "full_matrices=True"),
    (lf.qr_of, TALL.T, "more columns than rows"),
    (lf.qr_of, np.ones((4, 3)), "dependent"),
    (lf.qr_r_mode, TALL, "mode='r'"),
    (lf.svd_hermitian, SQUARE @ SQUARE.T, "hermitian=True"),
])
def test_refused_where_the_factors_are_not_unique(f, x, match):
    with pytest.raises(sourcead.SourceADError, match=match) as caught:
        sourcead.grad(f)(x)
    assert caught.value.filename == lf.__file__
    assert "what to do" in str(caught.value)


# ---- norms refused as they ran before (an ord in a variable, matrices' orders) -----------------

X3 = np.array([0.5, -1.5, 2.0])
A2 = np.array([[0.5, -1.5], [2.0, 0.3]])


@pytest.mark.parametrize("f, args, exact", [
    (lf.norm_with_a_global_ord, (X3,),
     np.sign(X3) * X3 ** 2 / np.linalg.norm(X3, 3) ** 2),
    (lf.norm_with_a_parameter_ord, (X3, 3),
     np.linalg.norm(X3, 3) * np.eye(3)[0] + X3[0] * np.sign(X3) * X3 ** 2
     / np.linalg.norm(X3, 3) ** 2),
    (lf.matrix_two_norm, (A2,), np.outer(_singular(A2)[0][:, 0], _singular(A2)[2][0])),
    (lf.matrix_one_norm, (A2,), np.sign(A2) * np.array([1.0, 0.0]) + 1.0),  # column 0: 2.5
    (lf.norm_over_two_axes, (A2,), np.outer(_singular(A2)[0][:, 0], _singular(A2)[2][0])),
], ids=["global ord", "parameter ord", "matrix 2", "matrix 1", "two axes"])
def test_norms_that_were_refused_as_they_ran(f, args, exact):
    _check_every_mode(f, args, exact)


def test_einsum_letter_of_length_one_broadcasts():
    """(Before: reverse mode gave the row a gradient shaped like the other operand, (2, 3)
    for a (1, 3) row.)"""
    row, b = _rng.normal(size=(1, 3)), _rng.normal(size=(2, 3))
    slope = np.cos(row * b)
    _check_every_mode(lf.einsum_broadcast_letter, (row, b), np.sum(slope * b, axis=0,
                                                                   keepdims=True))
    _check_every_mode(lf.einsum_broadcast_letter, (row, b), slope * row, wrt=1)
