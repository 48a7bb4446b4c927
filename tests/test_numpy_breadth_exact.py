"""NumPy rows against closed-form derivatives, tuple results unpacked, dtypes and refusals."""
import numpy as np
import pytest

import sourcead

import numpy_breadth_functions as nb

A = np.array([[3.0, 0.5, -0.2], [0.1, 2.5, 0.4], [-0.3, 0.2, 4.0]])
S = A @ A.T
MODES = ["reverse", "forward"]


@pytest.mark.parametrize("mode", MODES)
def test_det_gradient_is_det_times_inverse_transpose(mode):
    got = sourcead.grad(nb.det_of, mode=mode)(A)
    np.testing.assert_allclose(got, np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_trace_gradient_is_identity(mode):
    np.testing.assert_allclose(sourcead.grad(nb.trace_of, mode=mode)(A), np.eye(3))


@pytest.mark.parametrize("mode", MODES)
def test_logdet_gradient_is_inverse_transpose(mode):
    np.testing.assert_allclose(sourcead.grad(nb.logdet_of, mode=mode)(A), np.linalg.inv(A).T,
                               rtol=1e-12)


def test_det_hessian_exact():
    # d2 det / dA_ij dA_kl = det(A) (inv_ji inv_lk - inv_li inv_jk)
    inv, det = np.linalg.inv(A), np.linalg.det(A)
    expected = det * (np.einsum("ji,lk->ijkl", inv, inv) - np.einsum("li,jk->ijkl", inv, inv))
    np.testing.assert_allclose(sourcead.hessian(nb.det_of)(A), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_inverse_and_solve_exact(mode):
    w = np.arange(9.0).reshape(3, 3)
    inv = np.linalg.inv(A)
    got = sourcead.grad(nb.inverse_weighted, mode=mode)(A, w)
    np.testing.assert_allclose(got, -inv.T @ w @ inv.T, rtol=1e-12)
    b = np.array([1.0, -2.0, 0.5])
    ga, gb = sourcead.grad(nb.solved, wrt=(0, 1), mode=mode)(A, b)
    bbar = np.linalg.solve(A.T, np.ones(3))
    np.testing.assert_allclose(gb, bbar, rtol=1e-12)
    np.testing.assert_allclose(ga, -np.outer(bbar, np.linalg.solve(A, b)), rtol=1e-12)


def test_tuple_results_unpacked():
    x = np.array([0.3, 1.2, -0.5, 0.8])
    expected = np.concatenate([-np.sin(x[:2]) * x[2:], np.cos(x[:2])])
    for mode in MODES:
        np.testing.assert_allclose(sourcead.grad(nb.halves, mode=mode)(x), expected, rtol=1e-12)
        got = sourcead.grad(nb.eigen, mode=mode)(S)
        np.testing.assert_allclose(got, sourcead.numeric_grad(nb.eigen, S), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_eigenvalue_gradient_is_v_v_transpose_on_the_lower_triangle(mode):
    # d w_i = v_i^T dS v_i, where eigh reads the lower triangle only: off the diagonal an
    # element stands for both of its mirror images
    w, v = np.linalg.eigh(S)
    weights = np.arange(1.0, 4.0)
    dense = sum(weights[i] * np.outer(v[:, i], v[:, i]) for i in range(3))
    expected = np.tril(2 * dense) - np.diag(np.diag(dense))
    got = sourcead.grad(nb.eigenvalues_weighted, mode=mode)(S)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_largest_singular_value_gradient_is_u_v_outer(mode):
    p = np.array([[2.0, 0.3, 0.1], [0.2, 1.0, -0.4], [0.0, 0.5, 0.7], [0.3, 0.1, 0.2]])
    u, s, vh = np.linalg.svd(p, full_matrices=False)
    got = sourcead.grad(nb.largest_singular_value, mode=mode)(p)
    np.testing.assert_allclose(got, np.outer(u[:, 0], vh[0]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sourcead.grad(nb.largest_singular_value)(p.T),
                               np.outer(u[:, 0], vh[0]).T, rtol=1e-10, atol=1e-12)


def test_prod_gradient_is_exact_where_elements_are_zero():
    x = np.array([2.0, -0.5, 3.0])
    for mode in MODES:
        np.testing.assert_allclose(sourcead.grad(nb.prod_of, mode=mode)(x), [-1.5, 6.0, -1.0])
        np.testing.assert_allclose(sourcead.grad(nb.prod_of, mode=mode)(
            np.array([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    # second derivatives: x_k for the pair (i, j) not holding k, 0 on the diagonal
    np.testing.assert_allclose(sourcead.hessian(nb.prod_of)(np.array([2.0, 0.0, 3.0])),
                               [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]])


def test_third_derivative_of_prod_is_refused():
    with pytest.raises(sourcead.SourceADError, match="prod_others_jvp"):
        sourcead.grad(sourcead.grad(sourcead.grad(nb.prod_of)))(2.0)


def test_cumprod_is_nan_at_a_zero_never_a_wrong_number():
    with np.errstate(divide="ignore", invalid="ignore"):
        got = sourcead.grad(nb.cumprod_sum)(np.array([2.0, 0.0, 3.0]))
    # d/dx of x0 + x0 x1 + x0 x1 x2 = (1 + x1 + x1 x2, x0 + x0 x2, x0 x1) = (1, 8, 0)
    assert got[0] == 1.0 and got[2] == 0.0 and np.isnan(got[1])


def test_norm_orders_exact_and_ties():
    x = np.array([0.5, -2.0, 1.0, 2.0])
    np.testing.assert_allclose(sourcead.grad(nb.norm_one)(x), np.sign(x))
    np.testing.assert_allclose(sourcead.grad(nb.norm_inf)(x), [0.0, -0.5, 0.0, 0.5])
    np.testing.assert_allclose(sourcead.grad(nb.norm_inf, mode="forward")(x),
                               [0.0, -0.5, 0.0, 0.5])


def test_einsum_equals_matmul():
    a, b = A[:, :2].copy(), np.array([[1.0, -0.5], [0.3, 2.0]])
    for mode in MODES:
        for got, want in zip(sourcead.grad(nb.einsum_matmul, wrt=(0, 1), mode=mode)(a, b),
                             sourcead.grad(nb.matmul_matmul, wrt=(0, 1), mode=mode)(a, b)):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(sourcead.hessian(nb.einsum_matmul)(a, b),
                               sourcead.hessian(nb.matmul_matmul)(a, b), rtol=1e-10)


def test_kron_exact():
    x, y = np.array([1.0, 2.0]), np.array([0.5, -1.0, 3.0])
    gx, gy = sourcead.grad(nb.kron_sum, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2 * x * np.sum(y * y))
    np.testing.assert_allclose(gy, 2 * y * np.sum(x * x))


def test_float32_stays_float32_in_every_mode():
    x = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    for mode in MODES:
        got = sourcead.grad(nb.sines, mode=mode)(x)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, np.cos(x) * x + np.sin(x), rtol=1e-6)
    assert sourcead.hessian(nb.sines)(x).dtype == np.float32


@pytest.mark.parametrize("mode", MODES)
def test_astype_float_and_int(mode):
    x = np.array([0.5, 1.25, 2.0], dtype=np.float32)
    got = sourcead.grad(nb.float_cast, mode=mode)(x)
    np.testing.assert_allclose(got, np.cos(x) * x + np.sin(x), rtol=1e-6)
    # a cast to int has a zero derivative: only the other factor counts
    np.testing.assert_allclose(sourcead.grad(nb.integer_cast, mode=mode)(x), x.astype(int))


def test_integer_arrays_are_inactive():
    x, n = np.array([0.5, 1.5]), np.array([3, 4])
    np.testing.assert_allclose(sourcead.grad(nb.with_integer_array)(x, n), [3.0, 4.0])
    # differentiated on purpose, an integer array counts as real-valued
    np.testing.assert_allclose(sourcead.grad(nb.with_integer_array, wrt=1)(x, n), x + 1.0)


def test_array_creators_are_constants():
    x = np.array([0.5, -1.0, 2.0])
    a = np.arange(3) + np.linspace(0.0, 1.0, 3) + 1.0
    for mode in MODES:
        np.testing.assert_allclose(sourcead.grad(nb.creators, mode=mode)(x), a)


def test_complex_argument_is_refused_naming_the_parameter():
    with pytest.raises(sourcead.UsageError, match="argument `x` is complex"):
        sourcead.grad(nb.sines)(np.array([1.0 + 1.0j, 2.0]))


@pytest.mark.parametrize("mode", MODES)
def test_differences_exact(mode):
    x = np.array([0.3, -1.1, 0.8, 2.0])
    w = np.array([1.0, -2.0, 0.5])
    d2 = np.diff(x, 2)   # x_(i+2) - 2 x_(i+1) + x_i
    second = np.zeros(4)
    for i, d in enumerate(d2):
        second[i:i + 3] += 2 * d * np.array([1.0, -2.0, 1.0])
    expected = np.array([-w[0], w[0] - w[1], w[1] - w[2], w[2]]) + second
    np.testing.assert_allclose(sourcead.grad(nb.weighted_differences, mode=mode)(x), expected,
                               rtol=1e-13, atol=1e-14)
    stencil = np.zeros((2, 4))
    stencil[0, :3], stencil[1, 1:] = [1.0, -2.0, 1.0], [1.0, -2.0, 1.0]
    np.testing.assert_allclose(sourcead.hessian(nb.weighted_differences)(x),
                               2 * stencil.T @ stencil, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("mode", MODES)
def test_sort_gradient_is_each_elements_rank_weight(mode):
    x = np.array([0.3, -1.1, 2.0, 0.8])     # ranks 1, 0, 3, 2
    expected = np.array([2.0, 1.0, 4.0, 3.0])
    np.testing.assert_array_equal(sourcead.grad(nb.weighted_sorted, mode=mode)(x), expected)
    np.testing.assert_array_equal(sourcead.hessian(nb.weighted_sorted)(x), np.zeros((4, 4)))
