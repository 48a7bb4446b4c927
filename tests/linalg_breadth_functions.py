"""Functions of tests/test_linalg_breadth.py, written the way users write them (issue 12)."""
import numpy as np

from sourcead import runtime as rt

C3 = np.array([1.0, -2.0, 0.5])


def einsum_implicit(a, b):
    return np.sum(np.sin(np.einsum("ij,jk", a, b)))


def einsum_sublists(a, b):
    return np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2], [0, 2])))


def einsum_sublists_implicit(a, b):
    return np.sum(np.sin(np.einsum(a, [0, 1], b, [1, 2])))


def einsum_ellipsis(a, b):
    return np.sum(np.sin(np.einsum("...ij,...jk->...ik", a, b)))


def einsum_ellipsis_implicit(a, b):
    return np.sum(np.sin(np.einsum("...ij,jk", a, b)))


def eigh_upper_weighted(s):
    w, v = np.linalg.eigh(s, UPLO="U")
    return np.sum(w * C3)


def eigvalsh_upper_weighted(s):
    return np.sum(np.linalg.eigvalsh(s, UPLO="U") * C3)


def eigh_upper_vectors(s):
    w, v = np.linalg.eigh(s, UPLO="U")
    return np.sum(np.sin(v) * v[:, :1]) + np.sum(w ** 2)


def singular_values_weighted(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.sum(s * C3)


def svd_parts(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return u, s, vt


def svd_square_parts(x):
    return np.linalg.svd(x)


def svd_vectors_used(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.sum(np.sin(u) * u[:, :1]) + np.sum(np.cos(vt) * vt[0]) + np.sum(s ** 3)


def qr_parts(x):
    q, r = np.linalg.qr(x)
    return q, r


def qr_used(x):
    q, r = np.linalg.qr(x)
    return np.sum(np.sin(q) * q[:, :1]) + np.sum(np.cos(r) * r[0])


def nuclear(x):
    return np.linalg.norm(x, "nuc")


def spectral(x):
    return np.linalg.norm(x, 2)


def smallest_singular(x):
    return np.linalg.norm(x, -2)


def column_norm(x):
    return np.linalg.norm(x, 1)


def row_norm_least(x):
    return np.linalg.norm(x, -np.inf)


def power_norm(v):
    return np.linalg.norm(v, 3)


def harmonic_norm(v):
    return np.linalg.norm(v, -1)


def count_norm(v):
    return np.linalg.norm(v, 0) * np.sum(v)


def three_shapes(x, y):
    return x @ y, np.sum(x, axis=0), np.tanh(y)


def three_shapes_list(x, y):
    out = [x @ y, np.sum(x)]
    return out


def svd_wide(x):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.sum(u ** 3) + np.sum(vt ** 3)


def svd_full_tall(x):
    u, s, vt = np.linalg.svd(x)
    return np.sum(u ** 3)


def qr_of(x):
    q, r = np.linalg.qr(x)
    return np.sum(q ** 3) + np.sum(r ** 3)


def qr_r_mode(x):
    return np.sum(np.linalg.qr(x, mode="r"))


def svd_hermitian(x):
    return np.sum(np.linalg.svd(x, hermitian=True)[1])


def eigh_uplo_variable(x, uplo):
    return np.sum(np.linalg.eigh(x, UPLO=uplo)[0] ** 2)


def power_norm_slope(v):
    """The gradient of np.linalg.norm(v, 3), as the generated gradient computes it: its
    Hessian is a third derivative of the norm."""
    return np.sum(rt.norm_slope(v, np.linalg.norm(v, 3), 3) * C3[0])


def two_norm_slope(v):
    return np.sum(rt.norm_slope(v, np.linalg.norm(v), None) * C3[0])


ORD = 3


def norm_with_a_global_ord(x):
    return np.linalg.norm(x, ORD)


def norm_with_a_parameter_ord(x, p):
    return np.linalg.norm(x, p) * x[0]


def matrix_two_norm(a):
    return np.linalg.norm(a, 2)


def matrix_one_norm(a):
    return np.linalg.norm(a, ord=1) + np.sum(a)


def norm_over_two_axes(a):
    return np.linalg.norm(a, axis=(0, 1), ord=2)


def einsum_broadcast_letter(a, b):
    """NumPy broadcasts a letter of length 1 ('i' of a row) against the other operand's."""
    return np.sum(np.sin(np.einsum("ij,ij->ij", a, b)))
