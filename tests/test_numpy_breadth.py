"""NumPy breadth: one row per function (with its input domain), checked in every mode.

Each row is an expression over named inputs (below). ``rule_check`` checks it: forward mode
against central differences, reverse mode by the dot-product test, vector mode against
forward mode, and second order (the Hessian of ``sum(cos(expression))`` against differences
of its gradient, and reverse over reverse against the Hessian).
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import rule_check
import sourcead

_rng = np.random.default_rng(3)


def _well_conditioned(*shape):
    n = shape[-1]
    return _rng.uniform(-1, 1, shape) + 3 * np.eye(n)


def _spd(n):
    a = _rng.uniform(-1, 1, (n, n))
    return a @ a.T + n * np.eye(n)


INPUTS = {
    "v": np.array([0.7, -1.3, 0.4, 1.1]),
    "w": np.array([0.5, 0.9, -1.7, 0.3]),
    "u": np.array([0.3, -0.8, 1.2]),
    "M": _well_conditioned(3, 3),
    "N": _rng.uniform(-1, 1, (3, 3)),
    "S": _spd(3),
    "R": _rng.uniform(-1, 1, (2, 3)),
    "Q": _rng.uniform(-1, 1, (3, 2)),
    "B": _well_conditioned(2, 3, 3),
    "C": _rng.uniform(-1, 1, (2, 3, 2)),
    "T": _rng.uniform(0.5, 1.5, (2, 3, 2)) * np.array([1.0, -1.0]),
    "P": _rng.uniform(-1, 1, (4, 3)) + np.vstack([np.eye(3), np.zeros((1, 3))]),
    "z": np.array([0.7, 0.0, -1.2, 1.5]),
    "Z": np.array([[0.0, 1.3, 0.0], [0.0, -0.4, 2.0], [0.6, 0.8, 1.1]]),
}

# (label, expression over INPUTS names)
ROWS = [
    # reductions: prod / cumprod, negative axes, tuples of axes, keepdims
    ("np.prod", "np.prod(v)"),
    ("np.prod axis", "np.prod(T, axis=(0, -1), keepdims=True)"),
    ("x.prod", "R.prod(axis=-1)"),
    ("np.prod a zero", "np.prod(z)"),
    ("np.prod zeros", "np.prod(Z, axis=0) + np.prod(Z, axis=(0, 1))"),
    ("np.cumprod", "np.cumprod(R)"),
    ("np.cumprod axis", "np.cumprod(T, axis=-2)"),
    ("x.cumprod", "R.cumprod(axis=0)"),
    ("np.sum axes", "np.sum(T, axis=(0, -1), keepdims=True)"),
    ("np.mean axis", "np.mean(T, axis=-1)"),
    ("np.max axes", "np.max(T, axis=(1, 2))"),
    ("np.min keepdims", "np.min(T, axis=-2, keepdims=True)"),
    ("np.var axes", "np.var(T, axis=(0, 2))"),
    ("np.std keepdims", "np.std(T, axis=-1, keepdims=True)"),
    ("x.sum axes", "T.sum(axis=(-1, 0))"),
    ("x.std/x.var", "R.std(axis=1) * R.var(axis=1)"),
    ("x.cumsum", "R.cumsum(axis=-1)"),
    ("np.diff", "np.diff(v)"),
    ("np.sort", "np.sort(v) * w"),
    ("np.sort axis", "np.sort(N, axis=0) * N"),
    ("np.sort flat", "np.sort(R, axis=None)"),
    ("np.diff n axis", "np.diff(N, 2, axis=0)"),
    ("np.amax/np.amin", "np.amax(T, axis=0) * np.amin(T, axis=-1, keepdims=True)"),
    # norms
    ("norm 2", "np.linalg.norm(v)"),
    ("norm ord=2", "np.linalg.norm(v, ord=2)"),
    ("norm 1", "np.linalg.norm(v, 1)"),
    ("norm inf", "np.linalg.norm(v, np.inf)"),
    ("norm -inf", "np.linalg.norm(v, -np.inf)"),
    ("norm fro", "np.linalg.norm(N, 'fro')"),
    ("norm matrix", "np.linalg.norm(N)"),
    ("norm axis", "np.linalg.norm(R, axis=1)"),
    ("norm ord axis", "np.linalg.norm(R, ord=1, axis=0, keepdims=True)"),
    # products
    ("np.inner", "np.inner(v, w)"),
    ("np.inner 2-D", "np.inner(N, R)"),
    ("np.tensordot", "np.tensordot(C, Q)"),
    ("np.tensordot int", "np.tensordot(Q, C, 1)"),
    ("np.tensordot pairs", "np.tensordot(T, C, axes=([0, 2], [0, 2]))"),
    ("np.einsum matmul", "np.einsum('ij,jk->ik', N, Q)"),
    ("np.einsum sum", "np.einsum('ij->i', R)"),
    ("np.einsum outer", "np.einsum('i,j->ji', u, v)"),
    ("np.einsum diagonal", "np.einsum('ii->i', N)"),
    ("np.einsum batched", "np.einsum('bij,bjk->bki', B, C)"),
    ("np.einsum three", "np.einsum('i,ij,j->', u, N, u)"),
    ("np.trace", "np.trace(N)"),
    ("np.trace offset", "np.trace(N, 1)"),
    ("np.trace axes", "np.trace(T, axis1=0, axis2=2)"),
    ("x.trace", "N.trace()"),
    ("np.kron", "np.kron(u, v)"),
    ("np.kron 2-D", "np.kron(R, N)"),
    ("matmul batched", "B @ C"),
    ("matmul 1-D @ 3-D", "u @ C"),
    ("matmul 3-D @ 1-D", "B @ u"),
    ("matmul broadcast", "np.matmul(B, Q)"),
    ("matmul 2-D", "N @ Q"),
    ("matmul vectors", "u @ u"),
    ("x.dot", "N.dot(u)"),
    ("np.dot 3-D", "np.dot(C, R)"),
    ("np.dot 3-D vector", "np.dot(T, w[:2])"),
    ("np.dot 3-D both", "np.dot(C, np.swapaxes(T, 1, 2))"),
    ("np.dot vector 3-D", "np.dot(w[:3], T)"),
    ("np.dot scalar", "np.dot(v[0], R)"),
    ("np.dot by a scalar", "np.dot(R, v[1]) * np.dot(u, w[0])"),
    # shapes
    ("np.hstack", "np.hstack([v, w * 2.0])"),
    ("np.hstack 2-D", "np.hstack([R, R * N[:2, :1]])"),
    ("np.vstack", "np.vstack([v, w])"),
    ("np.vstack 2-D", "np.vstack([R, N])"),
    ("np.concatenate flat", "np.concatenate([R, N], axis=None)"),
    ("np.split", "np.split(v, 2)[1] * np.split(v, 2)[0]"),
    ("np.split indices", "np.split(N, [1], axis=1)[1]"),
    ("np.array_split", "np.array_split(v, 3)[2]"),
    ("np.tile", "np.tile(u, 2)"),
    ("np.tile reps", "np.tile(R, (2, 1, 2))"),
    ("np.repeat", "np.repeat(u, 2)"),
    ("np.repeat axis", "np.repeat(R, [1, 2], axis=0)"),
    ("x.repeat", "R.repeat(2)"),
    ("np.atleast_1d/2d/3d", "np.atleast_2d(v) * np.atleast_1d(v[0]) + np.atleast_3d(u[0] * v)"),
    ("np.tril", "np.tril(N)"),
    ("np.triu", "np.triu(N, 1)"),
    ("np.copy", "np.copy(v) * v"),
    ("np.asarray", "np.asarray(v) * v + np.asarray([v[0], w[1]])[1]"),
    ("x.copy/flatten", "N.copy().flatten()"),
    ("x.clip", "v.clip(-0.5, 0.5) * w"),
    ("x.astype", "R.astype(float) * R + R.astype(int)"),
    # linear algebra
    ("inv", "np.linalg.inv(M)"),
    ("inv batched", "np.linalg.inv(B)"),
    ("solve", "np.linalg.solve(M, u)"),
    ("solve matrix", "np.linalg.solve(M, Q)"),
    ("det", "np.linalg.det(M)"),
    ("det batched", "np.linalg.det(B)"),
    ("slogdet", "np.linalg.slogdet(M)[1]"),
    ("slogdet sign", "np.linalg.slogdet(N)[0] * np.linalg.slogdet(N)[1]"),
    ("cholesky", "np.linalg.cholesky(S)"),
    ("eigh values", "np.linalg.eigh(S)[0]"),
    ("eigh vectors", "np.linalg.eigh(S)[1] ** 2"),
    ("eigvalsh", "np.linalg.eigvalsh(S)"),
    ("eigh batched", "np.linalg.eigh(B + np.swapaxes(B, -1, -2))[0]"),
    ("svd values", "np.linalg.svd(P, compute_uv=False)"),
    ("svd values wide", "np.linalg.svd(R, False, False)"),
    *([("svdvals", "np.linalg.svdvals(N)")] if hasattr(np.linalg, "svdvals") else []),  # NumPy >= 2
    ("lstsq", "np.linalg.lstsq(P, v, rcond=None)[0]"),
    ("lstsq matrix", "np.linalg.lstsq(P, np.vstack([w, v[::-1]]).T)[0]"),
    ("lstsq residuals", "np.linalg.lstsq(P, v)[1]"),
    ("lstsq all", "np.linalg.lstsq(P, v)[0] + np.linalg.lstsq(P, v)[1] + np.linalg.lstsq(P, v)[3]"),
    ("lstsq square", "np.linalg.lstsq(M, u)[0]"),
    ("pinv", "np.linalg.pinv(P)"),
    ("pinv square", "np.linalg.pinv(M)"),
    # indexing reads
    ("index repeated", "v[[0, 2, 2]]"),
    ("index mask", "N[N > 0.0]"),
    ("index ellipsis", "T[..., 1]"),
    ("index None", "N[None, :, 1]"),
    ("index negative step", "v[::-2]"),
    ("index tuple", "N[1:, ::-1]"),
    ("index pairs", "N[[0, 1, 1], [2, 0, 0]]"),
    ("index columns", "N[:, [0, 0, 2]]"),
    ("index mixed", "T[..., None, -1]"),
    ("np.var/std ddof", "np.var(R, axis=1, ddof=1) * np.std(R, axis=1, ddof=1) + np.std(v, ddof=1)"),
    ("np.diag", "np.diag(N) * np.diag(u, 1)[1:, 0] + np.diag(R, -1)[0]"),
    ("np.diagonal", "np.diagonal(C, 0, 1, 2) * np.diagonal(N, 1)[0] + np.diagonal(T, -1, 0, 1)[0]"),
    ("np.diagflat", "np.diagflat(R) * np.diagflat(u, 1)[0, 1]"),
    ("np.flipud/fliplr/rot90", "np.flipud(R) * np.fliplr(R) + np.rot90(Q) + np.rot90(C, 2, (0, 2))[0].T"),
    ("np.full/full_like", "np.full((2, 3), v[0]) * np.full_like(R, w[1] * v[2]) + np.full((2, 3), u)"),
    ("np.cross", "np.cross(P, u) * np.cross(u, P[0] * u)"),
    ("np.cross 2-D", "np.cross(R[:, :2], Q[0])"),
    ("np.cross axes", "np.cross(P[:3], N * u, axisa=1, axisb=0, axisc=0) + np.cross(M, N, axis=0)"),
    ("np.cross axes 2-D", "np.cross(Q, R, axisa=1, axisb=0)"),
    ("keywords by NumPy's names", "np.swapaxes(N, axis1=0, axis2=1) * np.moveaxis(R, source=0, "
                                  "destination=1)[:, 0]"),
    ("index arrays apart", "T[1, :, [0, 1, 1]] * C[0, :, [1]]"),  # NumPy puts their axis first
    # rearrangements (issue 12): moved or copied elements
    ("np.pad constant", "np.pad(R, ((1, 0), (2, 1)), constant_values=0.5)"),
    ("np.pad copies", "np.pad(v, 2, mode='edge') * np.pad(v, (1, 3), 'reflect') "
                      "+ np.pad(v, 2, mode='symmetric') + np.pad(v, (3, 1), mode='wrap')"),
    ("np.append", "np.append(R, N * 2.0, axis=0)"),
    ("np.append flat", "np.append(v, u * w[0]) * np.append(v[0], np.append(w[1:], u))[::-1]"),
    ("np.insert", "np.insert(v, [1, 3], u[0] * 2.0)"),
    ("np.insert axis", "np.insert(R, 1, u * v[1], axis=0) + np.insert(N, [0, 2], 0.5, axis=1)[:, 1:4]"),
    ("np.column_stack", "np.column_stack([u, Q, R.T * u[0]])"),
    ("np.dstack", "np.dstack([R, R * N[:2]]) + np.dstack([v[:3], w[:3]])[0]"),
    *([("np.row_stack", "np.row_stack([v, w])")] if hasattr(np, "row_stack") else []),
    ("np.hsplit", "np.hsplit(R, 3)[1] * np.hsplit(v, 2)[0][:1]"),
    ("np.vsplit", "np.vsplit(P, [1])[1] * np.vsplit(N, 3)[2]"),
    ("np.dsplit", "np.dsplit(C, 2)[0] * np.dsplit(T, [1])[1]"),
    # sampling, interpolation, filters (issue 12)
    ("np.nan_to_num", "np.nan_to_num(v + np.array([0.0, np.nan, np.inf, -np.inf]), nan=w[0], "
                      "posinf=u[1], neginf=-3.0) + np.nan_to_num(w)"),
    ("np.linspace", "np.linspace(v[0], w[1], 3) * np.linspace(u, v[:3], 4, axis=1)[0, 1] "
                    "+ np.linspace(R, w[0], 3, endpoint=False, axis=-1)[0, 0]"),
    ("np.median", "np.median(v) * np.median(R, axis=1)"),
    ("np.quantile", "np.quantile(T, [0.2, 0.9], axis=(0, 2))"),
    ("np.percentile", "np.percentile(N, 30, axis=0, keepdims=True) + np.percentile(v, [10.0, 75.0])[1]"),
    ("np.gradient", "np.gradient(v) * np.gradient(w, 0.5, edge_order=2)"),
    ("np.gradient axis", "np.gradient(T, np.array([0.0, 0.4, 1.5]), axis=1)"),
    ("np.convolve", "np.convolve(v, u) * np.convolve(u, v, 'same')[0] "
                    "+ np.convolve(w, u, mode='valid')[1]"),
    ("np.correlate", "np.correlate(v, u, 'full') + np.correlate(u, w, 'same')[2] * np.correlate(v, w)"),
    ("np.interp", "np.interp(v, np.array([-1.0, 0.0, 0.5, 2.0]), w) "
                  "+ np.interp(u[0], np.array([0.0, 1.0, 2.0]), u, left=0.0, right=1.0)"),
    # linalg (issue 12): einsum's other spellings
    ("np.einsum implicit", "np.einsum('ij,jk', N, Q)"),
    ("np.einsum ellipsis", "np.einsum('...ij,...jk->...ik', B, C)"),
    ("np.einsum ellipsis broadcast", "np.einsum('...ij,jk', B, Q) * np.einsum('...i,i', R, u)[0]"),
    ("np.einsum sublists", "np.einsum(N, [0, 1], Q, [1, 2], [0, 2]) + np.einsum(N, [1, 0], Q, [1, 2])"),
    ("np.einsum ellipsis inside", "np.einsum('i...j,j...->...i', T, R)"),
    # linalg (issue 12): every norm order
    ("norm p", "np.linalg.norm(v, 3) * np.linalg.norm(v, -1) + np.linalg.norm(v, 0.5) "
               "+ np.linalg.norm(v, -2) + np.linalg.norm(v, 0) * v"),
    ("norm p axis", "np.linalg.norm(R, 3, axis=1, keepdims=True) * np.linalg.norm(R, -np.inf, axis=0)"),
    ("norm matrix lines", "np.linalg.norm(N, 1) + np.linalg.norm(N, -1) * np.linalg.norm(N, np.inf) "
                          "+ np.linalg.norm(N, -np.inf)"),
    ("norm matrix 2", "np.linalg.norm(R, 2) * np.linalg.norm(Q, -2) + np.linalg.norm(N, 2)"),
    ("norm nuc", "np.linalg.norm(N, 'nuc') + np.linalg.norm(R, 'nuc') * np.linalg.norm(Q, 'nuc')"),
    ("norm matrix axes", "np.linalg.norm(T, 'nuc', axis=(0, 2))[:2] + np.linalg.norm(C, 2, axis=(2, 1)) "
                         "+ np.linalg.norm(T, 1, axis=(1, 0)) + np.linalg.norm(C, -2, axis=(1, 2))"),
    # linalg (issue 12): eigh's upper triangle, singular vectors, qr
    ("eigh upper", "np.linalg.eigh(N, UPLO='U')[0] + np.linalg.eigh(N, 'U')[1][0] ** 2"),
    ("eigvalsh upper", "np.linalg.eigvalsh(N, UPLO='U')"),
    ("svd vectors", "np.linalg.svd(P, full_matrices=False)[0] ** 2 * np.linalg.svd(P, False)[1]"),
    ("svd right vectors", "np.linalg.svd(P, full_matrices=False)[2] ** 2"),
    ("svd square", "np.linalg.svd(M)[0] ** 2 + np.linalg.svd(M)[2].T ** 2 * np.linalg.svd(M)[1]"),
    ("svd batched", "np.linalg.svd(C, full_matrices=False)[0] ** 2"),
    ("qr", "np.linalg.qr(P)[0] ** 2 * np.linalg.qr(P)[1][0]"),
    ("qr square", "np.linalg.qr(M)[1] + np.linalg.qr(M, mode='reduced')[0] ** 2"),
    ("qr batched", "np.linalg.qr(C)[0] ** 2 * np.linalg.qr(C)[1][:, None, 0, :]"),
]

# rows whose gradient has no vector form yet: jacobian and hessian take one pass per direction
ONE_DIRECTION_AT_A_TIME = {
    "np.einsum sum", "np.einsum diagonal", "np.kron", "np.kron 2-D",
    "np.tile", "np.tile reps", "solve", "solve matrix", "lstsq", "lstsq matrix",
    "lstsq residuals", "lstsq all", "lstsq square", "np.einsum ellipsis inside"}
# einsums that sum a letter alone or repeat one: their adjoint is einsum_adjoint, and
# reverse over reverse is refused for them (use hessian, forward over reverse)
NO_REVERSE_OVER_REVERSE = {
    "np.einsum sum", "np.einsum diagonal", "np.einsum ellipsis inside"}

LOOSE = {"eigh values", "eigh vectors", "cholesky", "pinv", "slogdet sign"}


def _names(expression: str) -> list[str]:
    import re
    used = set(re.findall(r"\b[A-Za-z]\b", expression))
    return [n for n in INPUTS if n in used]


def _module(tmp_path, label: str, expression: str):
    params = ", ".join(_names(expression))
    path = tmp_path / "breadth_row.py"
    path.write_text("import numpy as np\n\n"
                    f"def f({params}):\n    return {expression}\n\n\n"
                    f"def scalar({params}):\n    return np.sum(np.cos({expression}))\n")
    spec = importlib.util.spec_from_file_location(f"breadth_{abs(hash(label))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _args(expression):
    return tuple(INPUTS[n].copy() for n in _names(expression))


IDS = [r[0] for r in ROWS]


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_forward_and_reverse(tmp_path, label, expression):
    module, args = _module(tmp_path, label, expression), _args(expression)
    rng = np.random.default_rng(1)
    wrt = rule_check.active_positions(args)
    tangents, derivative = rule_check.check_forward(module.f, args, wrt, rng, rtol=1e-5,
                                                    atol=1e-6)
    rule_check.check_reverse(module.f, args, wrt, tangents, derivative, rng)


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_vector_mode(tmp_path, label, expression):
    module, args = _module(tmp_path, label, expression), _args(expression)
    wrt = rule_check.active_positions(args)
    if label in ONE_DIRECTION_AT_A_TIME:
        with pytest.raises(sourcead.SourceADError):
            rule_check.check_vector(module.f, args, wrt)
        jacobians = sourcead.jacobian(module.f, wrt=wrt)(*args)
        reverse = sourcead.jacobian(module.f, wrt=wrt, mode="reverse")(*args)
        for j, r in zip(jacobians, reverse):
            np.testing.assert_allclose(j, r, rtol=1e-10, atol=1e-12)
        return
    rule_check.check_vector(module.f, args, wrt)


@pytest.mark.parametrize("label, expression", ROWS, ids=IDS)
def test_second_order(tmp_path, label, expression):
    module, args = _module(tmp_path, label, expression), _args(expression)
    rng = np.random.default_rng(2)
    wrt = rule_check.active_positions(args)
    rule_check.check_second_order(module.scalar, args, wrt, rng,
                                  reverse_over_reverse=label not in NO_REVERSE_OVER_REVERSE)


@pytest.mark.parametrize("label", sorted(NO_REVERSE_OVER_REVERSE))
def test_reverse_over_reverse_refused_clearly(tmp_path, label):
    expression = dict(ROWS)[label]
    module, args = _module(tmp_path, label, expression), _args(expression)
    with pytest.raises(sourcead.SourceADError, match="einsum_adjoint"):
        sourcead.vjp(sourcead.grad(module.scalar), wrt=0)(*args, np.ones_like(args[0]))


def test_every_numpy_row_has_a_test_row():
    """Every differentiable NumPy row (beyond the elementwise ones test_rules covers) is
    called by an expression of this table or test_rules' table."""
    import test_rules
    from sourcead.rules.tables import CALLS
    text = " ".join(e for _, e in ROWS) + " ".join(r[1] for r in test_rules.ROWS)
    missing = []
    for func, rule in CALLS.items():
        module = getattr(func, "__module__", "") or ""
        if not module.startswith("numpy") or not rule.differentiable or rule.partials:
            continue
        name = func.__name__
        spelled = [f"np.{name}(", f"np.linalg.{name}(", f".{name}("]
        if not any(s in text for s in spelled):
            missing.append(name)
    assert not missing, f"no test row calls {missing}"
