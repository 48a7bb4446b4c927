"""Values whose uses did not run: their adjoint is a plain zero, in every rule (issue 11, item 15).

A value computed on every path but used only on a path that does not run (a branch not
taken, after an early return, in a loop that runs no times, after a ``break``) has an adjoint
that nothing reached. The row of every rule that has a reverse form meets that adjoint here:

    v = <the row's operation>
    out = np.sum(x * x) + s * s
    if out < -1.0:              # never taken
        out = out + <a use of v>
    return out

so the gradient is (2 x, 0, 2 s) whatever the row is, in reverse mode, reverse over reverse
and the Hessian. A coverage test checks that the table names every such row.
"""
from __future__ import annotations

import ast
import builtins
import importlib.util
import math

import numpy as np
import pytest

import sourcead
from sourcead import runtime
from sourcead.rules.tables import CALLS, OPERATORS

X = np.array([0.3, 0.55, 0.7, 0.45])
M = np.array([[2.0, 0.3, 0.1], [0.3, 3.0, 0.2], [0.1, 0.2, 4.0]])
S = 0.6

_UNARY = ["sin", "cos", "tan", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
          "cbrt", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh", "arctanh",
          "abs", "absolute", "square", "reciprocal", "negative", "positive", "fabs", "deg2rad",
          "radians", "rad2deg", "degrees", "sinc", "copy"]
_BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "arctan2", "hypot",
           "logaddexp", "logaddexp2", "float_power", "mod", "remainder", "fmod", "maximum",
           "minimum", "fmax", "fmin"]
_MATH = ["sin", "cos", "tan", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
         "cbrt", "sinh", "cosh", "tanh", "asin", "acos", "atan", "asinh", "atanh", "fabs",
         "radians", "degrees", "erf"]

PAIR = "np.sum(v[0] * v[1])"
# (the row's operation on x (4,), M (3, 3) and s (a float), a use of its value v)
ROWS = [(f"np.{n}(x)", None) for n in _UNARY if hasattr(np, n)]
ROWS += [(f"np.{n}(x, x[::-1] + 1.0)", None) for n in _BINARY]
ROWS += [(f"math.{n}(s)", None) for n in _MATH if hasattr(math, n)]
ROWS += [
    ("np.arccosh(x + 1.5)", None), ("math.acosh(s + 1.5)", None), ("math.pow(s, 1.5)", None),
    ("math.atan2(s, 2.0)", None), ("math.hypot(s, 2.0)", None),
    ("abs(s)", None), ("float(s)", None), ("pow(s, 2.5)", None), ("max(s, 0.5)", None),
    ("min(s, 0.5)", None), ("sum([x, x * s])", None),
    ("x + s", None), ("x - s", None), ("x * s", None), ("x / s", None), ("x ** s", None),
    ("x % 1.5", None), ("-x", None), ("+x", None), ("M @ x[:3]", None), ("x[:3] @ M", None),
    ("M @ M", None), ("x @ x", None),
    # reductions, shapes, products
    ("np.sum(M, axis=0)", None), ("np.mean(M, axis=0)", None), ("np.max(M, axis=1)", None),
    ("np.min(M, axis=0)", None), ("np.amax(M, axis=1)", None), ("np.amin(M, axis=1)", None),
    ("np.var(M, axis=0)", None), ("np.std(M, axis=1)", None), ("np.prod(M, axis=0)", None),
    ("np.cumprod(x)", None), ("np.cumsum(M, axis=1)", None), ("np.cumsum(x)", None),
    ("np.sort(x)", None), ("np.diff(x)", None), ("np.reshape(x, (2, 2))", None),
    ("x.reshape(2, 2)", None), ("np.ravel(M)", None), ("np.transpose(M)", None), ("M.T", None),
    ("np.outer(x, x)", None), ("np.squeeze(np.reshape(x, (1, 4)))", None),
    ("np.expand_dims(x, 0)", None), ("np.broadcast_to(x, (2, 4))", None),
    ("np.flip(M, 0)", None), ("np.swapaxes(M, 0, 1)", None), ("np.moveaxis(M, 0, 1)", None),
    ("np.roll(x, 1)", None), ("np.array([x[0], x[1] * s])", None),
    ("np.asarray([x[0], x[1] * s])", None), ("np.sum([x, 2.0 * x], axis=0)", None),
    ("np.array([[x[0], s], [s, x[1]]])", None), ("np.stack([x, x * s])", None),
    ("np.concatenate([x, x * s])", None), ("np.take(x, [0, 2, 2])", None),
    ("np.where(x > 0.5, x, x * s)", None), ("np.clip(x, 0.35, 0.65)", None),
    ("np.matmul(M, M)", None), ("np.tensordot(M, M)", None), ("np.inner(M, x[:3])", None),
    ("np.kron(x, x)", None), ("np.einsum('ij,jk->ik', M, M)", None), ("np.trace(M)", None),
    ("np.hstack([x, x])", None), ("np.vstack([x, x])", None), ("np.split(x, 2)", PAIR),
    ("np.array_split(x, 2)", PAIR), ("np.tile(x, 2)", None), ("np.repeat(x, 2)", None),
    ("np.tril(M)", None), ("np.triu(M)", None), ("np.atleast_1d(s)", None),
    ("np.atleast_2d(x)", None), ("np.atleast_3d(M)", None), ("np.dot(M, x[:3])", None),
    ("np.dot(x, x)", None),
    ("x.astype(np.float32)", None),
    # joins by index expressions, conversions, parts of a value
    ("np.r_[x, x * s, s]", None), ("np.c_[x, x * s]", None), ("np.float64(x)", None),
    ("np.real(x)", None), ("x.real", None), ("np.conjugate(x)", None),
    ("np.real_if_close(x * s)", None), ("x[1:2].item()", None),
    ("np.ndarray.item(x[1:2] * s)", None), ("np.atleast_3d(x)", None), ("max(x * s)", None),
    ("min([x[0], x[1] * s])", None),
    # indexing reads
    ("x[1]", None), ("x[1:3]", None), ("x[x > 0.5]", None), ("x[[0, 2, 2]]", None),
    ("M[1]", None), ("M[:, 1]", None), ("M[0, 1:]", None),
    # containers of active values
    ("[x, x * s]", PAIR), ("(x, x * s)", PAIR), ("{'a': x, 'b': x * s}", "np.sum(v['a'] * v['b'])"),
    # linear algebra
    ("np.linalg.norm(M, axis=1)", None), ("np.linalg.norm(x)", None), ("np.linalg.inv(M)", None),
    ("np.linalg.solve(M, x[:3])", None), ("np.linalg.det(M)", None),
    ("np.linalg.slogdet(M)", "v[1]"), ("np.linalg.cholesky(M)", None),
    ("np.linalg.eigh(M)", "np.sum(v[0]) + np.sum(v[1])"),
    ("np.linalg.svd(M, compute_uv=False)", None), ("np.linalg.lstsq(M, x[:3])", "np.sum(v[0])"),
    ("np.linalg.eigvalsh(M)", None), ("np.linalg.pinv(M)", None),
] + ([("np.linalg.svdvals(M)", None)] if hasattr(np.linalg, "svdvals") else []) + [
    # the helpers generated code calls (their rows are what a second order meets)
    ("rt.on_gradient(x * 2.0, triple)", None), ("rt.unbroadcast(M * x[:3], x[:3])", None),
    ("rt.scatter(x[1] * s, x, 1)", None), ("rt.scatter_into(x * 1.0, x[:2] * s, slice(0, 2))", None),
    ("rt.dot_adjoint_x(x[:3] * s, M, x[:3])", None), ("rt.dot_adjoint_y(x[:3] * s, M, x[:3])", None),
    ("rt.matmul_adjoint_x(x[:3] * s, M, x[:3])", None),
    ("rt.matmul_adjoint_y(x[:3] * s, M, x[:3])", None), ("rt.matmul_or_zero(M, M * s)", None),
    ("rt.tensordot_adjoint_x(M * s, M, M, 1)", None),
    ("rt.tensordot_adjoint_y(M * s, M, M, 1)", None),
    ("rt.kron_adjoint_x(np.kron(x, x) * s, x, x)", None),
    ("rt.kron_adjoint_y(np.kron(x, x) * s, x, x)", None), ("rt.untrace(s * 2.0, M)", None),
    ("rt.untile(np.tile(x, 2) * s, x, 2)", None), ("rt.unsplit(rt.split_parts(x * s, 2), x, 2)", None),
    ("rt.split_parts(x, 2)", PAIR), ("rt.concatenated_into(x * s, [x, x], 1)", None),
    ("rt.lower_symmetric(M * s)", None), ("rt.fold_lower(M * s)", None),
    ("rt.lower_half(M * s)", None), ("rt.sinc_derivative(x)", None),
    ("rt.norm_slope(x, np.linalg.norm(x))", None), ("rt.cast_like(x * s, M)", None),
    ("rt.shaped_like(x * s, x)", None), ("rt.untall(M * s, M)", None),
    ("rt.prod_others(x)", None), ("rt.prod_others_jvp(np.array([1.0, 2.0, 0.5, 3.0]), x * s)", None),
    ("rt.component((x, x * s), 1)", None),
    ("np.cross(M, x[:3] * s)", None),
    ("np.diag(M) + np.diagonal(M, 1)[0] + np.diag(x)[0, :3] + np.diagflat(x[:3])[0]", None),
    ("np.flipud(M) + np.fliplr(M) + np.rot90(M * s)", None),
    ("np.full((3, 3), s) + np.full_like(M, x[0])", None),
    ("rt.undiag(x[:3] * s, M)", None), ("rt.undiagonal(x[:2] * s, M, 1)", None),
    ("rt.cross_adjoint_x(M * s, M, M)", None), ("rt.cross_adjoint_y(M * s, M, M)", None),
    ("rt.cross_axes_adjoint_x(M * s, M, M, 0, 1, 0)", None),
    ("rt.cross_axes_adjoint_y(M * s, M, M, axis=0)", None),
    ("rt.unextreme(s * 2.0, [x[0], x[1]], x[1])", PAIR),
    ("rt.extreme_tangent([x[0] * s, x[1]], [x[0], x[1]], x[1])", None),
    ("max([x[0], x[1] * s])", None), ("min((x[0] * s, x[1]))", None),
    ("np.real(x * s) + np.imag(x) + np.conj(x) + np.real_if_close(x)", None),
    ("rt.with_component((x, x), 0, x * s, (x, x))", "np.sum(v[0] * v[1])"),
    ("rt.add_tree([x, x * s], [x * 2.0, x])", PAIR),
    ("rt.with_key({'a': x}, 'b', x * s)", "np.sum(v['a'] * v['b'])"),
    ("rt.without_key({'a': x, 'b': x * s}, 'a')", "np.sum(v['b'])"),
    ("rt.unsum(x * s, [x, x])", PAIR), ("rt.unstack(M * s, [x[:3], x[:3], x[:3]])", PAIR),
    ("rt.unreduce(np.sum(M, axis=0), M, 0)", None), ("rt.sorted_like(x * s, x[::-1])", None),
    ("rt.unsorted(x * s, x[::-1])", None), ("rt.undiff(x * s)", None),
    ("rt.uncumsum(x * s, x)", None), ("rt.concatenated_part(np.concatenate([x, x]) * s, [x, x], 1)", None),
    ("rt.untake(x[:3] * s, x, [0, 2, 2])", None), ("rt.untranspose(M * s)", None),
    ("rt.spread(s * 2.0, x)", None), ("rt.with_item(x, 1, s)", None),
    ("rt.owned(x * s, x)", None), ("rt.item(M * s, 1)", None),
    ("rt.unextreme(s * 2.0, x, np.max(x))", None),
    ("rt.extreme_tangent(x * s, x, np.max(x))", None),
    ("rt.deviations(M * s, 1)", None), ("rt.reciprocal_or_zero(x + s)", None),
    ("rt.power_slope(x + 2.0, s)", None), ("rt.log_base(x * x + s)", None),
    ("rt.unconcatenated(np.concatenate([x, x]) * s, [x, x])", PAIR),
    ("rt.rejoined([x * s, x], [x, x])", None),
    # rearrangements (issue 12)
    ("np.pad(x, 1, mode='edge')", None), ("np.append(x, M[0] * s)", None),
    ("np.insert(x, 1, s)", None), ("np.column_stack([x[:3], M])", None),
    ("np.dstack([M, M * s])", None), ("np.hsplit(x, 2)", PAIR), ("np.vsplit(M * s, 3)", PAIR),
    ("np.dsplit(M[None], 3)", PAIR),
    ("rt.moved(x * s, np.array([1, 0, 2]))", None),
    ("rt.unmoved(x[:3] * s, x, np.array([1, 0, 2]))", None),
    # sampling, interpolation, filters (issue 12)
    ("np.nan_to_num(x * s)", None), ("np.linspace(s, x[0], 5)", None),
    ("np.median(M, axis=0)", None), ("np.quantile(x, [0.2, 0.6])", None),
    ("np.percentile(M * s, 40, axis=1)", None), ("np.gradient(x * s)", None),
    ("np.convolve(x, M[0] * s)", None), ("np.correlate(x, M[0] * s, 'same')", None),
    ("np.interp(x, np.array([-1.0, 0.5, 2.0]), M[0] * s)", None),
    ("rt.linspace_part(x * s, x, 3)", None), ("rt.linspace_adjoint(M * s, x[:3], 1.0, 3)", None),
    ("rt.quantile_tangent(x * s, x, 0.5)", None), ("rt.quantile_adjoint(s * 2.0, x, 0.5)", None),
    ("rt.gradient_of(x * s, x)", None), ("rt.ungradient(x * s, x)", None),
    ("rt.unconvolve(x * s, x[:2], M[0])", None),
    ("rt.weighted(x * s, np.ones((3, 4)), M[0])", None),
    ("rt.unweighted(M[0] * s, np.ones((3, 4)), M[0])", None),
    ("rt.interp_part(x * s, M[0], np.array([-1.0, 0.0, 0.5, 2.0]))", None),
    ("rt.uninterp(M[0] * s, M[0], np.array([-1.0, 0.0, 0.5, 2.0]))", None),
    # the NumPy helpers of the SciPy rows (the rows themselves: tests/test_scipy_rows.py)
    ("rt.factor_part(M * s, False)", None), ("rt.oriented(M * s, False)", None),
    ("rt.transposed_if(M * s, 1)", None), ("rt.triangle(M * s, True, True)", None),
    ("rt.triangle_part(M * s, False, True)", None),
    ("rt.norm_slope_jvp(np.ones(4), x * s, 2.0)", None),
    ("np.linalg.qr(M)", "np.sum(v[0]) + np.sum(v[1])"),
    ("np.linalg.svd(M)", "np.sum(v[0]) + np.sum(v[2])"),
    ("np.linalg.eigh(M, UPLO='U')", "np.sum(v[0]) + np.sum(v[1])"),
    ("rt.singular_gaps(x[:3] * s, M)", None),
    ("rt.triangular_inverse(np.triu(M) * s)", None),
    # lists and dicts read as values (runtime/sequences.py)
    ("rt.with_element([x, x], 0, x * s)", PAIR), ("rt.without_element([x, x * s], 0)", PAIR),
    ("rt.element_tangent(x * s, 1, [x, x])", PAIR),
    ("rt.with_inserted([x, x], 1, x * s)", PAIR),
    ("rt.without_inserted([x, x * s, x], 1, [x, x])", PAIR),
    ("rt.inserted_tangent(x * s, 0, [x])", PAIR),
    ("rt.inserted_component([x, x * s], 1, [x])", None),
    ("rt.container_copy([x, x * s])", PAIR),
    ("rt.sequence_as((x, x * s), [x, x], 'list')", PAIR),
    ("rt.dict_like({'a': x * s}, {'a': x})", "np.sum(v['a'])"),
    ("dict({'a': x * s})", "np.sum(v['a'])"),
    ("list((x[0], x[1] * s))", PAIR), ("tuple([x[0], x[1] * s])", PAIR),
    ("sorted([x[0] * s, x[1], x[2]])", PAIR),
    ("rt.sorted_elements([x[0] * s, x[1]], [x[1], x[0]])", PAIR),
    ("rt.unsorted_elements([x[0] * s, x[1]], [x[1], x[0]])", PAIR),
]

# prod's derivative helper: its own derivative is given, but not that one's (a third order)
if hasattr(np, "row_stack"):   # (deprecated in NumPy 2.0)
    ROWS.append(("np.row_stack([x, x * s])", None))

THIRD_ORDER = {"rt.prod_others(x)"}

TEMPLATE = """import math
import numpy as np
from sourcead import runtime as rt


def triple(g):
    return g * 3.0


def f(x, M, s):
    v = {operation}
    out = np.sum(x * x) + s * s
    if out < -1.0:
        out = out + {use}
    return out
"""


def _module(tmp_path, text: str, stem: str):
    path = tmp_path / f"{stem}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"{stem}_{abs(hash(text))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _use(operation: str, use: str | None) -> str:
    if use is not None:
        return use
    return "np.sum(v)"


@pytest.mark.parametrize("operation, use", ROWS, ids=[r[0] for r in ROWS])
def test_row_whose_value_nothing_uses(tmp_path, operation, use):
    f = _module(tmp_path, TEMPLATE.format(operation=operation, use=_use(operation, use)), "row").f
    grads = sourcead.grad(f, wrt=(0, 1, 2))(X, M, S)
    for got, want in zip(grads, (2 * X, np.zeros_like(M), 2 * S)):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X, M, S), 2 * X, rtol=1e-6)
    if operation in THIRD_ORDER:  # a second derivative of a helper that is one already
        with pytest.raises(sourcead.SourceADError):
            sourcead.hessian(f)(X, M, S)
        return
    np.testing.assert_allclose(sourcead.hessian(f)(X, M, S), 2 * np.eye(4), atol=1e-12)
    # reverse over reverse: the gradient's vjp with u is H u
    u = np.array([1.0, -2.0, 0.5, 3.0])
    _, hu = sourcead.vjp(sourcead.grad(f), wrt=0)(X, M, S, u)
    np.testing.assert_allclose(hu, 2 * u, atol=1e-12)


def _called(tree: ast.AST, namespace: dict) -> set:
    """The functions and operators an expression uses (its rows)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            try:
                found.add(eval(compile(ast.Expression(node.func), "<row>", "eval"), namespace))
            except (AttributeError, NameError):
                method = {"reshape": np.reshape, "astype": runtime.cast_like}
                found.add(method.get(getattr(node.func, "attr", None)))
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            found.add(node.op.__class__.__name__)
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            found.add(np.transpose)
    return found


def _reverse_rows():
    """Every row with a reverse form (partials or adjoint templates)."""
    ours = ("numpy", "math", "builtins", "sourcead.runtime")  # (not rules tests define)
    rows = {f for f, r in CALLS.items()
            if r.differentiable and (r.partials is not None or r.adjoints)
            and (getattr(f, "__module__", None) or "numpy").startswith(ours)}
    return rows | {op.__name__ for op, r in OPERATORS.items() if r.differentiable}


def test_the_table_covers_every_row_with_a_reverse_form():
    namespace = {"np": np, "math": math, "rt": runtime, "x": X, "M": M, "s": S,
                 "triple": None, **vars(builtins)}
    covered = set()
    for operation, _ in ROWS:
        covered |= _called(ast.parse(operation, mode="eval"), namespace)
    missing = [getattr(f, "__name__", f) for f in _reverse_rows() if f not in covered]
    assert not missing, f"rows without an unreached-value test: {sorted(map(str, missing))}"


# ---- the ways a use may not run, for the operations users write most --------------------------

CONTEXTS = {
    "branch not taken": """
def f(x, M):
    v = {operation}
    out = np.sum(x * x)
    if out < -1.0:
        out = out + {use}
    return out
""",
    "early return": """
def f(x, M):
    v = {operation}
    if x[0] > -5.0:
        return np.sum(x * x)
    return {use}
""",
    "while loop that never runs": """
def f(x, M):
    v = {operation}
    out = np.sum(x * x)
    while out < -1.0:
        out = out + {use}
    return out
""",
    "for loop over an empty range": """
def f(x, M):
    v = {operation}
    out = np.sum(x * x)
    for i in range(len(x) - 4):
        out = out + {use}
    return out
""",
    "after a break": """
def f(x, M):
    out = np.sum(x * x)
    for i in range(3):
        v = {operation}
        if i >= 0:
            break
        out = out + {use}
    return out
""",
    "in a branch, used in the other": """
def f(x, M):
    out = np.sum(x * x)
    if out > -1.0:
        v = {operation}
    else:
        v = {operation}
        out = out + {use}
    return out
""",
}

COMMON = [
    ("np.cumsum(x)", None), ("np.cumsum(M, axis=0)", None), ("M @ x[:3]", None),
    ("x[:3] @ M", None), ("M @ M", None), ("x[1]", None), ("x[1:]", None),
    ("x[x > 0.5]", None), ("x[[0, 2, 2]]", None), ("M[1:, 0]", None),
    ("np.array([x[0], x[1] * 2.0])", None), ("np.stack([x, 2.0 * x])", None),
    ("[x, 2.0 * x]", PAIR), ("(x, 2.0 * x)", PAIR), ("{'a': x, 'b': 2.0 * x}", "np.sum(v['a'] * v['b'])"),
    ("x.reshape(2, 2)", None), ("M.T", None), ("np.transpose(M) * x[:3]", None),
    ("np.linalg.inv(M)", None), ("np.linalg.solve(M, x[:3])", None),
    ("np.linalg.cholesky(M)", None), ("np.linalg.eigh(M)", "np.sum(v[1] * v[0])"),
    ("np.linalg.norm(M, axis=0)", None), ("np.sort(x)", "np.sum(v * v)"),
    ("np.max(M, axis=0)", None), ("np.min(M * x[:3], axis=1)", None),
]
CASES = [(c, o, u) for c in CONTEXTS for o, u in COMMON]


@pytest.mark.parametrize("context, operation, use", CASES,
                         ids=[f"{c}: {o}" for c, o, _ in CASES])
def test_value_used_only_where_code_does_not_run(tmp_path, context, operation, use):
    text = "import numpy as np\n" + CONTEXTS[context].format(operation=operation,
                                                             use=_use(operation, use))
    f = _module(tmp_path, text, "context").f
    x_bar, M_bar = sourcead.grad(f, wrt=(0, 1))(X, M)
    np.testing.assert_allclose(x_bar, 2 * X, rtol=1e-12)
    np.testing.assert_allclose(M_bar, np.zeros_like(M), atol=0)
    np.testing.assert_allclose(sourcead.numeric_grad(f, X, M), 2 * X, rtol=1e-6)
    np.testing.assert_allclose(sourcead.hessian(f)(X, M), 2 * np.eye(4), atol=1e-12)
    u = np.array([1.0, -2.0, 0.5, 3.0])
    _, hu = sourcead.vjp(sourcead.grad(f), wrt=0)(X, M, u)
    np.testing.assert_allclose(hu, 2 * u, atol=1e-12)


def test_the_example_of_the_issue():
    """issue 11, item 15: a cumulative sum used only after an early return that happens."""
    def f(x):
        v = np.cumsum(x)
        if x[0] > -5.0:
            return x[1]
        return np.sum(v)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sourcead.grad(f)(x), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(sourcead.hessian(f)(x), np.zeros((3, 3)))
    x = np.array([-6.0, 2.0, 3.0])  # the other path: the sum of the cumulative sum
    np.testing.assert_array_equal(sourcead.grad(f)(x), [3.0, 2.0, 1.0])


def test_a_reached_adjoint_is_not_tested_for_in_straight_line_code():
    """The test ``reached(v_bar)`` appears only where data flow says an adjoint may be a
    plain zero: not where every use runs."""
    def f(x, M):
        v = np.cumsum(M @ x)
        return np.sum(v * v)
    source = sourcead.source(sourcead.grad(f), X[:3], M)
    assert "reached(" not in source

    def g(x, M):
        v = np.cumsum(M @ x)
        if x[0] > 0.0:
            return np.sum(v * v)
        return np.sum(x)
    source = sourcead.source(sourcead.grad(g), X[:3], M)
    assert "if reached(v_bar):" in source


def test_a_list_a_callee_never_reads_in_every_order():
    import unreached_callee_list as m
    from sourcead.numeric import numeric_jacobian
    x, y = np.array([0.79, 0.94, 0.78, -0.24]), 0.56
    g = sourcead.grad(m.f)(x, y)
    np.testing.assert_allclose(g, y - y * np.sin(x * y), rtol=1e-14)
    expected = -y * y * np.diag(np.cos(x * y))
    np.testing.assert_allclose(sourcead.hessian(m.f)(x, y), expected, atol=1e-12)
    np.testing.assert_allclose(numeric_jacobian(sourcead.grad(m.f), x, y), expected, atol=1e-6)
