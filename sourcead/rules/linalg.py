"""Rows of ``np.linalg``: solves, inverses, determinants, decompositions and norms.
"""
from __future__ import annotations

import numpy as np

from .core import ZERO, Rule


_SLOPE = "norm_slope(x, out, ord, axis, keepdims)"


def _refused_norm(constants: dict) -> str | None:
    ord_ = constants.get("ord")
    if ord_ in ("nuc", -1, -2) or (isinstance(ord_, (int, float)) and ord_ not in (0, 1, 2)):
        return (f"with ord={ord_!r} (sourcead differentiates ord None, 2, 1, inf, -inf, 0 "
                "of vectors and None, 'fro' of matrices)")
    return None


def _refused_svd(constants: dict) -> str | None:
    if constants.get("compute_uv") is not False or constants.get("hermitian"):
        return ("with compute_uv=True (only the singular values, compute_uv=False, are "
                "differentiated; for singular vectors use np.linalg.eigh of x.T @ x)")
    return None


def _T(x: str) -> str:
    return f"np.swapaxes({x}, -1, -2)"


def _singular_vectors(x: str) -> str:
    tall = f"untall({x}, {x})"
    return f"np.flip(np.linalg.eigh(np.matmul({_T(tall)}, {tall}))[1], -1)"


def _singular_tangent(x: str, x_dot: str, s: str) -> str:
    """The tangent of the singular values ``s`` of ``x``."""
    tall, vectors = f"untall({x}, {x})", _singular_vectors(x)
    return (f"np.sum({vectors} * np.matmul(np.matmul({_T(tall)}, untall({x_dot}, {x})), "
            f"{vectors}), axis=-2) / {s}")


def _singular_adjoint(x: str, g: str, s: str) -> str:
    """The adjoint of ``x`` from the adjoint ``g`` of its singular values ``s``."""
    tall, vectors = f"untall({x}, {x})", _singular_vectors(x)
    return (f"untall(np.matmul({tall}, np.matmul({vectors} * np.expand_dims({g} / {s}, -2), "
            f"{_T(vectors)})), {x})")


def _lstsq() -> Rule:
    """``x, residuals, rank, s = np.linalg.lstsq(a, b)`` for ``a`` of full column rank:
    x = (a^T a)^-1 a^T b. The residuals are stationary in x (a^T r = 0), so their derivative
    holds x fixed. The tangents are tuples of tangents built with ``with_component`` (whose
    object arrays add component by component)."""
    x, r, gram = "out[0]", "(b - np.matmul(a, out[0]))", f"np.matmul({_T('a')}, a)"

    def parts(dx: str, dres: str, ds: str) -> str:
        inner = f"with_component(with_component(0.0, 0, {dx}, out), 1, shaped_like({dres}, out[1]), out)"
        return f"with_component({inner}, 3, {ds}, out)" if ds else inner

    dx_a = (f"np.linalg.solve({gram}, np.matmul({_T('a_dot')}, {r}) - np.matmul({_T('a')}, "
            f"np.matmul(a_dot, {x})))")
    dres_a = f"-2 * np.sum({r} * np.matmul(a_dot, {x}), axis=0)"
    z = f"np.linalg.solve({gram}, component(g, 0) + np.zeros_like({x}))"
    b_bar = f"(np.matmul(a, {z}) + 2 * {r} * shaped_like(component(g, 1), np.sum({r}, axis=0)))"
    return Rule(params=("a", "b", "rcond"), defaults={"rcond": None}, shape="tuple",
                tangents={"a": parts(dx_a, dres_a, _singular_tangent("a", "a_dot", "out[3]")),
                          "b": parts(f"np.linalg.solve({gram}, np.matmul({_T('a')}, b_dot))",
                                     f"2 * np.sum({r} * b_dot, axis=0)", "")},
                adjoints={"a": f"matmul_adjoint_x({r}, a, {z}) - matmul_adjoint_x({b_bar}, a, "
                               f"{x}) + {_singular_adjoint('a', 'component(g, 3)', 'out[3]')}",
                          "b": b_bar})


def _linalg_rows() -> dict:
    """Templates built only from operations with rules, so every order works. Matrices are
    the last two axes (stacks of matrices work) except for eigh (one matrix)."""
    inv_t = _T("out")
    solve_lower = (f"np.linalg.solve(out, {_T('np.linalg.solve(out, ' + _T('lower_symmetric(x_dot)') + ')')})")
    lt = _T("out")
    chol_adjoint = (f"fold_lower(np.linalg.solve({lt}, {_T(f'np.linalg.solve({lt}, ' + _T(f'lower_half(np.matmul({lt}, g))') + ')')}))")
    logdet_dot = "np.trace(np.linalg.solve(x, x_dot), axis1=-2, axis2=-1)"
    w, v = "out[0]", "out[1]"
    gaps = (f"(1.0 / (np.expand_dims({w}, -2) - np.expand_dims({w}, -1) + eye_like({w}))"
            f" - eye_like({w}))")
    e = "lower_symmetric(x_dot)"
    eigh_dot = (f"(np.sum({v} * np.matmul({e}, {v}), axis=-2), "
                f"np.matmul({v}, {gaps} * np.matmul({_T(v)}, np.matmul({e}, {v}))))")
    eigh_bar = (f"fold_lower(np.matmul({v}, np.matmul(np.expand_dims(component(g, 0), -1) * "
                f"eye_like({w}) + {gaps} * np.matmul({_T(v)}, component(g, 1) + np.zeros_like({v})), "
                f"{_T(v)})))")
    vectors = "np.linalg.eigh(x)[1]"  # eigvalsh: the eigenvalues alone, as eigh's first part
    eigvals_dot = f"np.sum({vectors} * np.matmul({e}, {vectors}), axis=-2)"
    eigvals_bar = f"fold_lower(np.matmul({vectors} * np.expand_dims(g, -2), {_T(vectors)}))"
    p, a = "out", "x"
    pinv_dot = (f"-np.matmul({p}, np.matmul(x_dot, {p})) + np.matmul(np.matmul({p}, {_T(p)}), "
                f"{_T('x_dot')} - np.matmul({_T('x_dot')}, np.matmul({a}, {p}))) + np.matmul("
                f"{_T('x_dot')} - np.matmul({p}, np.matmul({a}, {_T('x_dot')})), "
                f"np.matmul({_T(p)}, {p}))")
    pinv_bar = (f"-np.matmul({_T(p)}, np.matmul(g, {_T(p)})) + np.matmul({_T('g')} - np.matmul("
                f"{a}, np.matmul({p}, {_T('g')})), np.matmul({p}, {_T(p)})) + np.matmul("
                f"np.matmul({_T(p)}, {p}), {_T('g')} - np.matmul({_T('g')}, np.matmul({p}, {a})))")
    # singular values of x: the square roots of the eigenvalues of tall.T @ tall (tall is x
    # or its transpose), largest first; needs distinct, nonzero singular values
    # (the templates act on the last two axes, so a leading axis of directions passes through)
    _singular = {"shape": "reduce", "tangents": {"x": _singular_tangent("x", "x_dot", "out")},
                 "vector_tangents": {"x": _singular_tangent("x", "x_dot", "out")},
                 "adjoints": {"x": _singular_adjoint("x", "g", "out")}}
    return {
        np.linalg.inv: Rule(params=("x",), shape="reduce",
                            tangents={"x": "-np.matmul(out, np.matmul(x_dot, out))"},
                            vector_tangents={"x": "-np.matmul(out, np.matmul(x_dot, out))"},
                            adjoints={"x": f"-np.matmul({inv_t}, np.matmul(g, {inv_t}))"}),
        np.linalg.solve: Rule(params=("a", "b"), shape="reduce",
                              tangents={"a": "-np.linalg.solve(a, np.matmul(a_dot, out))",
                                        "b": "np.linalg.solve(a, b_dot)"},
                              adjoints={"a": f"-matmul_adjoint_x(np.linalg.solve({_T('a')}, g), "
                                             "a, out)",
                                        "b": f"np.linalg.solve({_T('a')}, g)"}),
        np.linalg.det: Rule(params=("x",), shape="reduce",
                            tangents={"x": f"out * {logdet_dot}"},
                            vector_tangents={"x": f"out * {logdet_dot}"},
                            adjoints={"x": "np.expand_dims(g * out, (-2, -1)) * "
                                           f"{_T('np.linalg.inv(x)')}"}),
        np.linalg.slogdet: Rule(params=("x",), shape="tuple",
                                tangents={"x": f"(0.0, {logdet_dot})"},
                                vector_tangents={"x": f"(0.0, {logdet_dot})"},
                                adjoints={"x": "np.expand_dims(component(g, 1), (-2, -1)) * "
                                               f"{_T('np.linalg.inv(x)')}"}),
        np.linalg.cholesky: Rule(params=("x",), shape="reduce",
                                 tangents={"x": f"np.matmul(out, lower_half({solve_lower}))"},
                                 vector_tangents={"x": f"np.matmul(out, lower_half({solve_lower}))"},
                                 adjoints={"x": chol_adjoint}),
        np.linalg.eigh: Rule(params=("x",), shape="tuple", tangents={"x": eigh_dot},
                             vector_tangents={"x": eigh_dot}, adjoints={"x": eigh_bar}),
        np.linalg.svd: Rule(params=("x", "full_matrices", "compute_uv", "hermitian"),
                            defaults={"full_matrices": True, "compute_uv": True,
                                      "hermitian": False}, specialize=_refused_svd, **_singular),
        **({np.linalg.svdvals: Rule(params=("x",), **_singular)}  # NumPy >= 2.0 has svdvals
           if hasattr(np.linalg, "svdvals") else {}),
        np.linalg.lstsq: _lstsq(),
        np.linalg.eigvalsh: Rule(params=("x",), shape="reduce", tangents={"x": eigvals_dot},
                                 vector_tangents={"x": eigvals_dot}, adjoints={"x": eigvals_bar}),
        np.linalg.matrix_rank: ZERO,
        np.linalg.pinv: Rule(params=("x",), shape="reduce", tangents={"x": pinv_dot},
                             vector_tangents={"x": pinv_dot}, adjoints={"x": pinv_bar}),
    }
