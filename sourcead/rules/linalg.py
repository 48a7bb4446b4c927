"""Rows of ``np.linalg``: solves, inverses, determinants, decompositions and norms.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from .core import VARIABLES, ZERO, Rule


_SLOPE = "norm_slope(x, out, ord, axis, keepdims)"


def _refused_norm(constants: dict) -> str | None:
    """Every order NumPy computes is differentiated (norm_slope): nothing is refused."""
    return None


def _svd_specialized(constants: dict) -> "str | Rule | None":
    """The singular values' row (compute_uv=False), or the row of u, s, vt."""
    if constants.get("hermitian"):
        return "with hermitian=True (for a symmetric matrix use np.linalg.eigh)"
    if "compute_uv" in constants[VARIABLES]:
        return "with compute_uv given by a variable (write compute_uv=True or False in the call)"
    return None if constants.get("compute_uv") is False else _svd_vectors()


def _qr_specialized(constants: dict) -> str | None:
    mode = constants.get("mode", "reduced")
    if "mode" in constants[VARIABLES] or mode not in ("reduced", "complete"):
        return (f"with mode={mode!r} (sourcead differentiates q, r = np.linalg.qr(x) with "
                "mode='reduced' written or left out; for r alone take np.linalg.qr(x)[1])")
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


def _svd_vectors() -> Rule:
    """``u, s, vt = np.linalg.svd(x, full_matrices=False)`` of a tall x (or full_matrices
    of a square one) with distinct nonzero singular values: v's tangent from the
    eigenvectors of x.T @ x (P = u.T dx v), u's from u = x v / s; the adjoint is their
    transpose. Templates of operations with rules, so every order works (singular_gaps
    refuses, at run time, where the vectors are not unique)."""
    u, s, vt, v = "out[0]", "out[1]", "out[2]", _T("out[2]")
    gaps = f"singular_gaps({s}, x, full_matrices)"
    p = f"np.matmul(np.matmul({_T(u)}, x_dot), {v})"
    s_dot = f"np.sum({u} * np.matmul(x_dot, {v}), axis=-2)"
    v_dot = (f"np.matmul({v}, {gaps} * ({_T(p)} * np.expand_dims({s}, -2) + "
             f"np.expand_dims({s}, -1) * {p}))")
    u_dot = (f"(np.matmul(x_dot, {v}) + np.matmul(x, {v_dot}) - {u} * np.expand_dims({s_dot}, "
             f"-2)) / np.expand_dims({s}, -2)")
    tangent = f"({u_dot}, {s_dot}, {_T(v_dot)})"
    g_u = f"(component(g, 0) + np.zeros_like({u})) / np.expand_dims({s}, -2)"
    g_v = f"({_T('component(g, 2) + np.zeros_like(' + vt + ')')} + np.matmul({_T('x')}, {g_u}))"
    h = f"{gaps} * np.matmul({vt}, {g_v})"
    g_s = f"(component(g, 1) + np.zeros_like({s}) - np.sum({u} * {g_u}, axis=-2))"
    g_p = (f"np.expand_dims({s}, -1) * ({h} + {_T(h)}) + np.expand_dims({g_s}, -1) * "
           f"eye_like({s})")
    # (g_p first: singular_gaps refuses the shapes it does not take before g_u needs them)
    adjoint = f"np.matmul(np.matmul({u}, {g_p}) + {g_u}, {vt})"
    return Rule(params=("x", "full_matrices", "compute_uv", "hermitian"), shape="tuple",
                defaults={"full_matrices": True, "compute_uv": True, "hermitian": False},
                tangents={"x": tangent}, vector_tangents={"x": tangent}, adjoints={"x": adjoint})


def _qr() -> Rule:
    """``q, r = np.linalg.qr(x)`` (mode 'reduced', x with at least as many rows as columns
    and independent columns): with X = q.T dx r^-1, dr = up(X) r and dq = dx r^-1 - q up(X),
    where up(X) = triu(X) + tril(X, -1).T (q.T dq is antisymmetric, dr r^-1 upper
    triangular); the adjoint is their transpose. triangular_inverse refuses, at run time,
    where q is not unique."""
    q, r, inverse = "out[0]", "out[1]", "triangular_inverse(out[1])"
    x_ = f"np.matmul(np.matmul({_T(q)}, x_dot), {inverse})"
    up = f"(np.triu({x_}) + {_T(f'np.tril({x_}, -1)')})"
    tangent = f"(np.matmul(x_dot, {inverse}) - np.matmul({q}, {up}), np.matmul({up}, {r}))"
    g_q = f"(component(g, 0) + np.zeros_like({q}))"
    m = f"(np.matmul(component(g, 1) + np.zeros_like({r}), {_T(r)}) - np.matmul({_T(q)}, {g_q}))"
    g_x = f"(np.triu({m}) + np.tril({_T(m)}, -1))"
    adjoint = f"np.matmul({g_q} + np.matmul({q}, {g_x}), {_T(inverse)})"
    return Rule(params=("x", "mode"), shape="tuple", defaults={"mode": "reduced"},
                specialize=_qr_specialized, tangents={"x": tangent},
                vector_tangents={"x": tangent}, adjoints={"x": adjoint})


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


def _triangle(uplo: str) -> tuple[str, str]:
    """The symmetric matrix eigh sees in ``x_dot`` (its lower triangle, or with UPLO='U' its
    upper one), and the adjoint of that map as a template over ``{}``."""
    if uplo == "U":
        return f"lower_symmetric({_T('x_dot')})", _T("fold_lower({})")
    return "lower_symmetric(x_dot)", "fold_lower({})"


def _uplo_specialized(row) -> Callable[[dict], "str | Rule | None"]:
    """eigh's and eigvalsh's row for UPLO written in the call ('L', the default, or 'U')."""
    def specialize(constants: dict) -> "str | Rule | None":
        uplo = constants.get("UPLO", "L")
        if "UPLO" in constants[VARIABLES] or uplo not in ("L", "U"):
            return "with UPLO given by a variable (write UPLO='L' or 'U' in the call)"
        return None if uplo == "L" else row("U")
    return specialize


@functools.lru_cache(maxsize=None)
def _eigh(uplo: str) -> Rule:
    """``w, v = np.linalg.eigh(x, UPLO)``: of the symmetric matrix built from the triangle
    UPLO names (distinct eigenvalues for the vectors' derivative)."""
    w, v = "out[0]", "out[1]"
    e, fold = _triangle(uplo)
    gaps = (f"(1.0 / (np.expand_dims({w}, -2) - np.expand_dims({w}, -1) + eye_like({w}))"
            f" - eye_like({w}))")
    dot = (f"(np.sum({v} * np.matmul({e}, {v}), axis=-2), "
           f"np.matmul({v}, {gaps} * np.matmul({_T(v)}, np.matmul({e}, {v}))))")
    bar = fold.format(f"np.matmul({v}, np.matmul(np.expand_dims(component(g, 0), -1) * "
                      f"eye_like({w}) + {gaps} * np.matmul({_T(v)}, component(g, 1) + "
                      f"np.zeros_like({v})), {_T(v)}))")
    return Rule(params=("x", "UPLO"), defaults={"UPLO": "L"}, shape="tuple",
                specialize=_uplo_specialized(_eigh) if uplo == "L" else None,
                tangents={"x": dot}, vector_tangents={"x": dot}, adjoints={"x": bar})


@functools.lru_cache(maxsize=None)
def _eigvalsh(uplo: str) -> Rule:
    """``np.linalg.eigvalsh(x, UPLO)``: the eigenvalues alone, as eigh's first part."""
    e, fold = _triangle(uplo)
    vectors = "np.linalg.eigh(x, UPLO='U')[1]" if uplo == "U" else "np.linalg.eigh(x)[1]"
    dot = f"np.sum({vectors} * np.matmul({e}, {vectors}), axis=-2)"
    bar = fold.format(f"np.matmul({vectors} * np.expand_dims(g, -2), {_T(vectors)})")
    return Rule(params=("x", "UPLO"), defaults={"UPLO": "L"}, shape="reduce",
                specialize=_uplo_specialized(_eigvalsh) if uplo == "L" else None,
                tangents={"x": dot}, vector_tangents={"x": dot}, adjoints={"x": bar})


def _linalg_rows() -> dict:
    """Templates built only from operations with rules, so every order works. Matrices are
    the last two axes (stacks of matrices work) except for eigh (one matrix)."""
    inv_t = _T("out")
    solve_lower = (f"np.linalg.solve(out, {_T('np.linalg.solve(out, ' + _T('lower_symmetric(x_dot)') + ')')})")
    lt = _T("out")
    chol_adjoint = (f"fold_lower(np.linalg.solve({lt}, {_T(f'np.linalg.solve({lt}, ' + _T(f'lower_half(np.matmul({lt}, g))') + ')')}))")
    logdet_dot = "np.trace(np.linalg.solve(x, x_dot), axis1=-2, axis2=-1)"
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
        np.linalg.eigh: _eigh("L"),
        np.linalg.svd: Rule(params=("x", "full_matrices", "compute_uv", "hermitian"),
                            defaults={"full_matrices": True, "compute_uv": True,
                                      "hermitian": False}, specialize=_svd_specialized, **_singular),
        **({np.linalg.svdvals: Rule(params=("x",), **_singular)}  # NumPy >= 2.0 has svdvals
           if hasattr(np.linalg, "svdvals") else {}),
        np.linalg.lstsq: _lstsq(),
        np.linalg.qr: _qr(),
        np.linalg.eigvalsh: _eigvalsh("L"),
        np.linalg.matrix_rank: ZERO,
        np.linalg.pinv: Rule(params=("x",), shape="reduce", tangents={"x": pinv_dot},
                             vector_tangents={"x": pinv_dot}, adjoints={"x": pinv_bar}),
    }
