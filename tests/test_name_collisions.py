"""Names cannot collide (issue 11, item 4): a user's name is never taken for one of sourcead's.

Generated code reaches sourcead's helpers (every name in ``runtime.HELPERS``), NumPy and math,
and the functions it generates (``f_grad``, ``g_fwd``, ...) by module-level names, and names
its tapes, seeds, adjoints and tangents (``tape``, ``out_bar``, ``x_bar``, ``x_dot``, ``_``).
A user program may call its own things by any of those names. Here every one of them is, in
turn, a module-level function the user's code calls, a module-level data value it reads, a
parameter and a local variable, in a program whose generated code uses the helper; every
mode (reverse, forward, vector forward, Hessian, reverse over reverse) must give the exact
derivative (the same program's without the colliding names, plus the known part those
names add) and agree with finite differences.

Each family below is a trigger (code in ``g`` that makes its helpers appear: broadcasting
for ``unbroadcast``, writes for ``scatter`` and ``owned``, ``np.max`` for ``extreme_mask``,
dict and list code for ``with_key``, ``keys_of``, ``unsum`` ...) and the names tested with
it. Two programs per family put each name in all four places, all of the family's names
colliding at once: in program "A" the names at even positions are module functions (called
in ``f``) and parameters of ``g``, the others module data (read in ``f``) and locals of
``g``; program "B" swaps them. ``test_every_name_is_tested`` checks that every helper is in
a family and appears in the generated code of its family's program.
"""
from __future__ import annotations

import ast
import importlib.util
import itertools
import linecache
import re

import numpy as np
import pytest

import sourcead
from sourcead import runtime
from sourcead.errors import SourceADError

X = np.array([0.7, -0.4, 1.1])

# names generated code gives values, seeds and functions, besides the helpers
GENERATED = ["np", "math", "tape", "tape_dot", "trips", "out", "out_bar", "_", "x_bar", "x_dot",
             "x_bar_dot", "a_bar", "a_dot", "s_bar", "t_bar", "y_dot", "f_grad", "f_jvp",
             "f_grad_jvp", "f_grad_grad", "g_fwd", "g_adj", "g_jvp", "g_fwd_jvp", "g_adj_jvp",
             "g_fwd_fwd", "g_fwd_adj", "g_adj_fwd", "g_adj_adj", "t_1", "sin_t"]

# builtins that generated code calls without the user's code calling them
BUILTINS = ["range", "len", "slice", "isinstance", "tuple", "list", "float", "int"]

# family: (statements of g that set ``s`` from ``x``, ``a`` and ``c``, the names it tests,
#          modes left out with the reason)
FAMILIES = {
    "broadcast": (
        "b = a * COL\n"
        "s = np.sum(b ** 2) + np.max(a) * c + np.min(a * a) + np.sum(np.max(a * COL, axis=1))",
        ["unbroadcast", "unbroadcast_each", "lift", "spread", "sum_each", "times_each",
         "unreduce", "extreme_mask", "each_axis"], {}),
    "writes": (
        "z = np.zeros(3)\n"
        "z[0] = a[1] * x[0]\n"
        "z[1:] = a[:2] * c\n"
        "s = np.sum(z * z) + a[0] * a[2] + x[1] * a[-1]",
        ["with_item", "with_item_each", "item", "item_each", "scatter", "scatter_each",
         "scatter_into", "zeros_like", "_basic", "_plain_zero", "_directions_moved"], {}),
    "loops": (
        "t = x[0] * c\n"
        "for i in range(3):\n"
        "    if t > 0.0:\n"
        "        t = math.sin(t) * a[i]\n"
        "    t = t + x[i] * t\n"
        "k = 0\n"
        "while k < 2:\n"
        "    t = t * 1.5\n"
        "    k = k + 1\n"
        "for j in range(2):\n"
        "    t = t * 1.25\n"
        "s = t * t + np.sum((a * COL) ** 2)",
        ["owned"] + GENERATED, {}),
    "builtins": (  # builtins that normalize, rules and the helpers' source write
        "xs = [a[0] * x[1], a[1] * c]\n"
        "s = 0.0\n"
        "for v in xs:\n"
        "    s = s + v * v\n"
        "z = np.zeros(3)\n"
        "z[1:] = a[:2] * c\n"
        "k = 0\n"
        "while k < 2:\n"
        "    s = s * 1.5\n"
        "    k = k + 1\n"
        "s = s + np.sum(z * z)",
        BUILTINS, {}),
    "dicts": (
        "d = {k: a[k] * x[k] for k in range(2)}\n"
        "s = 0.0\n"
        "for k, v in d.items():\n"
        "    s = s + v * v",
        ["with_key", "without_key", "keys_of", "component", "with_component", "add_tree",
         "refused"], {}),
    "containers": (  # a tuple whose tangent starts at zero (inactive here, active on a branch)
        "t = (W[1], c)\n"
        "if c > 0.0:\n"
        "    t = (a * x, c)\n"
        "s = np.sum(t[0] ** 2) + t[1]",
        ["zero_tangent"], {}),
    "statistics": (
        "s = np.std(a) + np.sum(np.std(a * COL, axis=1) ** 2)",
        ["deviations", "reciprocal_or_zero"], {}),
    "list joins": (  # a join of a list held in a variable
        "rows = [x, a * c]\n"
        "s = np.sum(np.vstack(rows) ** 2) + np.sum(np.concatenate(rows) ** 3)",
        ["unconcatenated", "rejoined"], {}),
    "powers": (  # an exponent and a base that are both differentiated
        "s = np.sum(a ** x[0]) + c ** x[1]",
        ["power_slope", "power_slope_in_exponent", "log_base"], {}),
    "unreached": (  # a value used only on a branch that does not run (c is 0.5)
        "v = np.cumsum(a)\n"
        "s = np.sum(a ** 2)\n"
        "if c < -5.0:\n"
        "    s = s + np.sum(v)",
        ["reached"], {}),
    "diagonals": (
        "D = np.reshape(np.concatenate([x, a, x * a]), (3, 3))\n"
        "s = np.sum(np.diag(D) * a) + np.sum(np.diagonal(D, 1) * x[:2])\n"
        "s = s + np.sum(np.rot90(D) * D) + np.sum(np.diag(x) * D) + np.sum(np.full((2, 3), c * x[0]))",
        ["undiag", "undiagonal", "rot90_each", "undiagonal_each", "diag_each", "undiag_each",
         "diagonal_each", "full_each"], {}),
    "cross": (
        "s = np.sum(np.cross(x, a) ** 2) * c + np.sum(np.cross(W.T * a[:2], W.T * x[0], axisa=0, axisb=0) ** 2)",
        ["cross_adjoint_x", "cross_adjoint_y", "_cross_sizes", "cross_each_left",
         "cross_each_right", "_cross_each", "cross_axes_adjoint_x", "cross_axes_adjoint_y",
         "cross_axes_each_left", "cross_axes_each_right", "_cross_axes", "_after_directions"], {}),
    "extremes": (  # max and min of a list
        "ms = [a[0] * x[1], a[1] * a[2], x[2] * x[2]]\n"
        "s = max(ms) * a[0] + 0.5 * min(ms)",
        ["unextreme", "extreme_tangent", "extreme_tangent_each", "unextreme_each",
         "_first_extreme", "_zero_of"], {}),
    "tries": (  # a try statement whose except path does not run (c is 0.5)
        "try:\n"
        "    s = np.sum(a * x) / c\n"
        "except ZeroDivisionError:\n"
        "    s = 0.0",
        ["raises", "except_taken"], {}),
    "sequences": (  # writes into a list and a dict, insert, sorted, tuple, list, copy
        "ys = [a[0] * x[1], a[1] * x[0], x[2] * x[2]]\n"
        "ys[1] = ys[1] * x[0]\n"
        "ys.insert(1, x[1] * a[2])\n"
        "t = tuple(sorted(ys))\n"
        "d = {'p': x[0]}\n"
        "d['q'] = t[1] * x[2]\n"
        "e = dict(d)\n"
        "e = e.copy()\n"
        "s = t[0] * t[2] + e['q'] * e['p'] + list(t)[3]",
        ["with_element", "without_element", "element_tangent", "_insert_position",
         "with_inserted", "without_inserted", "inserted_tangent", "inserted_component",
         "container_copy", "sequence_as", "_sorted_order", "sorted_elements",
         "unsorted_elements", "dict_like"], {}),
    "lists": (
        "ys = [a[0] * x[1], a[1], x[2] * x[0]]\n"
        "s = sum(ys) + np.sum(np.array(ys) ** 2)",
        ["unsum", "unstack", "stack_each", "sum_elements_each", "_with_directions",
         "pop_tangent"], {}),
    "products": (
        "e = np.dot(W, a)\n"
        "s = np.sum(e ** 2) + np.dot(a, a) + np.sum((W @ a) * c)\n"
        "s = s + np.sum(np.tensordot(W, a, axes=1) ** 2) + np.inner(a, a)",
        ["dot_adjoint_x", "dot_adjoint_y", "dot_each_left", "dot_each_right", "_dot_axes",
         "matmul_adjoint_y", "matmul_each_right", "matmul_or_zero", "tensordot_adjoint_x",
         "tensordot_adjoint_y", "tensordot_each_left", "tensordot_each_right", "_contracted",
         "inner_axes"], {}),
    "einsum": (
        "s = np.sum(np.einsum('ii->i', np.outer(a, a)) ** 2)",
        ["einsum_adjoint", "_einsum_parts"],
        {"reverse over reverse": "einsum_adjoint has no reverse rule: refused, colliding or not"}),
    "scans": (
        "s = np.sum(np.cumsum(a) ** 2) + np.sum(np.diff(a) ** 2)\n"
        "s = s + np.sum(np.take(a, [0, 2, 2]) ** 2)",
        ["uncumsum", "cumsum_each", "undiff", "on_directions", "flat_each", "untake",
         "take_each"], {}),
    "sorts": (
        "s = np.sum(np.sort(a) * np.arange(3.0)) ** 2",
        ["sorted_like", "unsorted", "sorted_like_each", "unsorted_each", "_sort_order"], {}),
    "joins": (
        "j = np.concatenate([a, a * x])\n"
        "k2 = np.stack([a, a * c])\n"
        "s = np.sum(j ** 2) + np.sum(k2 ** 3) + np.sum(np.hstack([a, a]) * 2)\n"
        "s = s + np.sum(np.r_[a, a * c, x[0]] ** 2)",
        ["concatenated_part", "concatenate_each", "concatenated_part_each",
         "concatenated_into", "_joined_parts"], {}),
    "shapes": (
        "m = a * COL\n"
        "s = np.sum(np.transpose(m, (1, 0)) * W.T) + np.sum(np.reshape(m, (6,)) ** 2)\n"
        "s = s + np.sum(np.squeeze(m[None], axis=0) ** 2) + np.sum(np.roll(a, 1) * a)\n"
        "p, q, r = np.split(a, 3)\n"
        "s = s + np.sum(q ** 2 * p)",
        ["untranspose", "each_permutation", "each_shape", "each_squeezed", "roll_each",
         "unsplit", "split_each", "split_parts"], {}),
    "blocks": (
        "m = np.outer(a, a)\n"
        "s = np.trace(m) + np.sum(np.kron(a, a)) ** 2 + np.prod(a)\n"
        "s = s + np.sum(np.prod(m, axis=0)) + np.sum(np.repeat(a, 2) ** 2)\n"
        "s = s + np.sum(np.tile(a, 2) ** 3)",
        ["untrace", "kron_adjoint_x", "kron_adjoint_y", "prod_others", "prod_others_jvp",
         "_lines", "untile", "repeat_indices"], {}),
    "moves": (  # rearrangements: pad, append, insert (issue 12)
        "p = np.pad(a, (1, 2), mode='edge')\n"
        "q = np.insert(np.append(p, x * c), [1, 2], a[0])\n"
        "s = np.sum(q ** 2 * np.arange(11.0))",
        ["positions", "no_positions", "moved", "moved_each", "unmoved", "unmoved_each",
         "pad_sources"], {}),
    "samples": (  # linspace, quantiles, np.gradient (issue 12)
        "e = np.linspace(a[0], x[1], 4)\n"
        "s = np.sum(e ** 2) + np.median(a * x) ** 2 + np.sum(np.quantile(a, [0.3, 0.8]) ** 2)\n"
        "s = s + np.sum(np.gradient(a * x) ** 2)",
        ["linspace_part", "linspace_part_each", "linspace_adjoint", "_quantile_matrix",
         "_quantile_shape", "quantile_tangent", "quantile_adjoint", "_gradient_matrix",
         "_gradient_axis", "gradient_of", "ungradient"], {}),
    "filters": (  # convolve, correlate, interp (issue 12)
        "s = np.sum(np.convolve(a, x * c) ** 2) + np.sum(np.correlate(a, x, 'same') ** 2)\n"
        "fp = np.concatenate([x * x, a[:1]])\n"
        "s = s + np.sum(np.interp(a, np.array([-50.0, -1.0, 0.5, 50.0]), fp) ** 2)",
        ["unconvolve", "_convolved_length", "each_direction", "_interp_weights",
         "interp_slopes", "weighted", "unweighted", "interp_part", "uninterp"], {}),
    "factors": (
        "m = np.outer(a, a) + 3.0 * np.eye(3)\n"
        "s = np.sum(np.linalg.cholesky(m) ** 2)",
        ["lower_symmetric", "fold_lower", "lower_half", "matmul_adjoint_x"], {}),
    "svd": (
        "s = np.sum(np.linalg.svd(W * c + a, compute_uv=False) ** 2)",
        ["eye_like", "untall", "matmul_each_left"], {}),
    "lstsq": (
        "sol = np.linalg.lstsq(np.outer(a, a) + np.eye(3), a, rcond=None)\n"
        "s = np.sum(sol[0] ** 2) + np.sum(sol[1])",
        ["shaped_like"],
        {"reverse over reverse": "a raw ValueError in every program, colliding or not "
                                 "(reported separately)"}),
    "elementwise": (
        "s = np.linalg.norm(a) + np.linalg.norm(a, 1) + np.linalg.norm(a, np.inf)\n"
        "s = s + np.linalg.norm(W * c) + np.sum(np.sinc(a))\n"
        "s = s + np.sum(a.astype(np.float64) ** 2) + np.sum(a * a * (1.0 + constant(a - a)))",
        ["norm_slope", "norm_curvature", "sinc_derivative", "cast_like", "stop_gradient"], {}),
    "generic products": (  # products of values whose shapes are known only at run time
        "p = [a, a * c]\n"
        "s = np.sum(np.tanh(np.dot(W, p[1]))) + np.sum(np.tanh(W @ p[0]))",
        ["per_direction"], {}),
    "norms": (  # every norm order: vectors' powers, matrices' line sums and singular values
        "m = np.outer(a, W[1]) + W.T @ W\n"
        "s = np.linalg.norm(m, 'nuc') + np.linalg.norm(m, 2) + np.linalg.norm(m, 1)\n"
        "s = s + np.linalg.norm(a, 3)",
        ["norm_slope_jvp", "_matrix_axes", "_is_matrix_norm", "_tall_svd_tangent",
         "_singular_slope", "_sum_slope"], {}),
    "factorizations": (  # singular vectors and qr
        "m = np.outer(a, W[1]) + W.T @ W + np.diag(a)\n"
        "u, sv, vt = np.linalg.svd(m)\n"
        "q, r = np.linalg.qr(m)\n"
        "s = np.sum(u[:, 0] * a) + np.sum(vt[0] ** 2 * a) + np.sum(q[0] * a) + np.sum(r ** 2)",
        ["singular_gaps", "triangular_inverse"],
        {"reverse over reverse": "np.linalg's tuple results in a callee: a raw error, eigh's "
                                 "too (reported separately)"}),
}

# the helpers of SciPy's rows (an optional extra): their family's program imports SciPy
SCIPY_HELPERS = ["polygamma", "factor_part", "oriented", "transposed_if", "triangle",
                 "triangle_part"]
if importlib.util.find_spec("scipy") is not None:
    FAMILIES["scipy"] = (
        "m = np.outer(a, a) + 3.0 * np.eye(3)\n"
        "u = sla.cholesky(m)\n"
        "s = np.sum(sla.solve_triangular(u, a, trans=1) ** 2) + np.sum(sps.gammaln(a * a + 1.0))\n"
        "s = s + np.sum(sla.cho_solve(sla.cho_factor(m, lower=True), a) * a)",
        SCIPY_HELPERS,
        {"reverse over reverse": "a tuple-valued row (cho_factor, like np.linalg.eigh) in a "
                                 "called function: refused at second order, colliding or not "
                                 "(reported separately)"})
_IMPORTS = {"scipy": "import scipy.linalg as sla\nimport scipy.special as sps\n"}

MODES = ["reverse", "forward", "vector forward", "hessian", "reverse over reverse"]

# ---- the programs ----------------------------------------------------------------------------

_PROGRAM = '''import numpy as {np}
import math as {math}
from sourcead import stop_gradient as constant

W = {np}.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])
COL = {np}.array([[1.0], [2.0]])
{module}

def g(x, c{g_params}):
{g_locals}    a = x * W[0] + c
{trigger}
    s = s{g_terms}
    return s


def f(x):
    y = g(x, 0.5{g_args})
    return y * 1.0{f_terms}
'''


def weight(name: str) -> float:
    """The constant a name's own code multiplies by (each name contributes ``4 k x``)."""
    return round(0.05 + 0.01 * (sum(map(ord, name)) % 17), 2)


def program(family: str, layout: str) -> str:
    """The source of a family's program: "base" (no colliding names), "A" or "B"."""
    trigger, names, _ = FAMILIES[family]
    np_, math_ = ("onp" if "np" in names else "np"), ("pymath" if "math" in names else "math")
    placed = [] if layout == "base" else names
    functions = [n for k, n in enumerate(placed) if (k % 2 == 0) == (layout == "A")]
    data = [n for n in placed if n not in functions]
    module = "".join(f"\n\ndef {n}(v):\n    return v * v * {weight(n)}\n" for n in functions)
    module += "".join(f"{n} = {weight(n)}\n" for n in data)
    body = "".join(f"    {line}\n" for line in trigger.replace("np.", f"{np_}.").replace(
        "math.", f"{math_}.").splitlines())
    return _IMPORTS.get(family, "") + _PROGRAM.format(
        np=np_, math=math_, module=module, trigger=body.rstrip("\n"),
        g_params="".join(f", {n}" for n in functions),
        g_args="".join(f", {weight(n)}" for n in functions),
        g_locals="".join(f"    {n} = x * {weight(n)}\n" for n in data),
        g_terms="".join(f" + {np_}.sum(x * x) * {n}" for n in functions) +
        "".join(f" + {np_}.sum({n} * x)" for n in data),
        f_terms="".join(f" + {np_}.sum({n}(x))" for n in functions) +
        "".join(f" + {np_}.sum(x * x) * {n}" for n in data))


_counter = itertools.count()


def load(text: str, directory) -> object:
    """The module of ``text``, written to a file of its own (sourcead reads its source)."""
    path = directory / f"collisions_{next(_counter)}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def derivatives(f, modes: list[str]) -> tuple[dict, str]:
    """The derivatives of ``f`` at X in these modes (an exception where it raised one), and
    the text of the modules generated for them."""
    runs = {"reverse": lambda: sourcead.grad(f)(X),
            "forward": lambda: sourcead.grad(f, mode="forward")(X),
            "vector forward": lambda: sourcead.jacobian(f)(X),
            "hessian": lambda: sourcead.hessian(f)(X),
            "reverse over reverse": lambda: sourcead.jacobian(sourcead.grad(f), mode="reverse")(X)}
    before = set(linecache.cache)
    out = {}
    for mode in modes:
        try:
            out[mode] = np.asarray(runs[mode](), dtype=float)
        except SourceADError as e:
            out[mode] = e
    texts = [linecache.cache[k][2] for k in set(linecache.cache) - before
             if k.startswith("<sourcead:")]
    return out, "".join("".join(t) for t in texts)


_RUNS: dict = {}


def run(family: str, layout: str, directory) -> tuple[object, dict, str]:
    """A family's program (its module), its derivatives and their generated code, made once.
    Without colliding names ("base"), the reverse-mode gradient and the Hessian; with them,
    every mode."""
    if (family, layout) not in _RUNS:
        module = load(program(family, layout), directory)
        generating = any(n in GENERATED for n in FAMILIES[family][1])
        modes = ["reverse", "hessian"] if layout == "base" and not generating else MODES
        _RUNS[family, layout] = (module, *derivatives(
            module.f, [m for m in modes if m not in FAMILIES[family][2]]))
    return _RUNS[family, layout]


def second_differences(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    n = x.size
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            def at(si, sj):
                y = x.copy()
                y[i] += si * h
                y[j] += sj * h
                return f(y)
            out[i, j] = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h)
    return out


# ---- the tests ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    return tmp_path_factory.mktemp("collisions")


def _cases():
    for family, (_, names, _) in FAMILIES.items():
        for layout in "AB":
            yield pytest.param(family, layout, id=f"{family}-{layout}")


@pytest.mark.parametrize("family, layout", list(_cases()))
def test_names_like_sourceads_own(family, layout, directory):
    _, names, skipped = FAMILIES[family]
    _, expected, _ = run(family, "base", directory)
    module, got, _ = run(family, layout, directory)
    k = sum(weight(n) for n in names)  # each name adds 4 k x to the gradient
    exact = {"reverse": expected["reverse"] + 4 * k * X,
             "hessian": expected["hessian"] + 4 * k * np.eye(X.size)}
    numeric = {"reverse": sourcead.numeric_grad(module.f, X),
               "hessian": second_differences(module.f, X)}
    for mode in (m for m in MODES if m not in skipped):
        assert not isinstance(got[mode], Exception), f"{family} {layout} {mode}: {got[mode]}"
        order = "hessian" if mode in ("hessian", "reverse over reverse") else "reverse"
        np.testing.assert_allclose(got[mode], exact[order], rtol=1e-9, atol=1e-9,
                                   err_msg=f"{family} {layout} {mode} (exact)")
        np.testing.assert_allclose(got[mode], numeric[order], rtol=1e-4,
                                   atol=1e-4 if order == "hessian" else 1e-6,
                                   err_msg=f"{family} {layout} {mode} (finite differences)")


def test_every_name_is_tested(directory):
    """Every helper, and each name of GENERATED, is in a family; the code generated for the
    family's program uses each helper (its source is in the module, under its name or a
    variant), and the names of GENERATED where no user's name is in the way (else their
    collisions would test nothing)."""
    tested = [n for _, names, _ in FAMILIES.values() for n in names]
    assert sorted(tested) == sorted(set(tested))
    without_extras = set() if "scipy" in FAMILIES else set(SCIPY_HELPERS)  # (SciPy absent)
    assert (set(runtime.HELPERS) - without_extras) | set(GENERATED) <= set(tested)
    for family, (_, names, _) in FAMILIES.items():
        text = run(family, "A", directory)[2]
        missing = [n for n in names if n in runtime.HELPERS
                   and not re.search(rf"^def {n}_?\d*\(", text, re.MULTILINE)]
        assert not missing, f"{family}: the generated code never uses {missing}"
    used = set(re.findall(r"[A-Za-z_]\w*", run("loops", "base", directory)[2]))
    assert not [n for n in GENERATED if n not in used | {"np", "math"}]
    code = ast.parse(run("builtins", "base", directory)[2])
    used = {n.id for n in ast.walk(code) if isinstance(n, ast.Name)}
    assert not [n for n in BUILTINS if n not in used]


# ---- the examples and other collisions, with their exact derivatives ------------------

import collision_functions as cf  # noqa: E402

_W = np.array([[1.5], [-0.25]])
EXACT = {  # function, arguments, gradient, Hessian (by the first argument)
    "issue example": (cf.scaled_sum, (X,), np.full(3, 6.0), np.zeros((3, 3))),
    "zeros_like in a dict's adjoint": (cf.squares_by_key, (X,), np.array([8 * X[0], 8 * X[1], 0.0]),
                                       np.diag([8.0, 8.0, 0.0])),
    "parameter unbroadcast": (cf.weighted, (X, _W), np.full(3, _W.sum()), np.zeros((3, 3))),
    "locals scatter, owned, tape": (cf.with_locals, (X,),
                                    np.array([3 * X[1], 3 * X[0] + 2 * X[1], 2 * X[2]]),
                                    np.array([[0.0, 3.0, 0.0], [3.0, 2.0, 0.0], [0.0, 0.0, 2.0]])),
    "locals np and math": (cf.shadowed_numpy, (0.7,), 3 * 0.7 ** 2 + 2.0, 6 * 0.7),
    "names of a callee's module": (cf.through_callee, (X,), np.array([3 * 2.5 + 27.0, 7.5, 7.5]),
                                   np.zeros((3, 3))),
    "closure variable unreduce": (cf.make_summed(2.5), (X,), np.full(3, 2.5), np.zeros((3, 3))),
    "nested function unreduce": (cf.with_nested, (X,), np.full(3, 3.0), np.zeros((3, 3))),
}


@pytest.mark.parametrize("f, args, gradient, hessian", EXACT.values(), ids=list(EXACT))
def test_exact_derivatives_of_functions_with_such_names(f, args, gradient, hessian):
    rr = (sourcead.grad(sourcead.grad(f)) if np.ndim(args[0]) == 0 else
          sourcead.jacobian(sourcead.grad(f), mode="reverse"))
    for got in (sourcead.grad(f)(*args), sourcead.grad(f, mode="forward")(*args),
                sourcead.numeric_grad(f, *args)):
        np.testing.assert_allclose(got, gradient, rtol=1e-6, atol=1e-8)
    for got in (sourcead.hessian(f)(*args), rr(*args)):
        np.testing.assert_allclose(got, hessian, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("family, renamed", [("products", "def dot_adjoint_x_("),
                                             ("builtins", "from builtins import len as len_")])
def test_saved_code_runs_with_the_helpers_renamed(family, renamed, directory):
    """The module text, helpers' source included, computes the gradient by itself in the
    user's module: a helper or builtin renamed (``dot_adjoint_x_``, ``len_``) is called by
    that name from the pasted helpers too."""
    module = run(family, "A", directory)[0]
    df = sourcead.grad(module.f)
    text = sourcead.source(df, X)
    assert renamed in text
    namespace = dict(vars(module))
    exec(compile(text, "<saved>", "exec"), namespace)
    entry = re.search(r"^def (f_grad\w*)\(", text, re.MULTILINE).group(1)
    np.testing.assert_allclose(namespace[entry](X), df(X), rtol=1e-12)


def test_short_names_where_nothing_collides_and_same_bytes_each_time(directory):
    base_text = sourcead.source(sourcead.grad(run("broadcast", "base", directory)[0].f), X)
    assert "unbroadcast(" in base_text and "unbroadcast_" not in base_text
    texts = [sourcead.source(sourcead.grad(load(program("broadcast", "A"), directory).f), X)
             for _ in range(2)]
    assert texts[0] == texts[1] and "def unbroadcast_(" in texts[0]


# ---- a user's function whose derivative would be named like a helper ------------------------

_SUFFIXES = ("_grad", "_jvp", "_fwd", "_adj")   # what generated functions append to a name
_SHADOWED = sorted({h[:-len(s)] for h in runtime.HELPERS for s in _SUFFIXES
                    if h.endswith(s) and h[:-len(s)].isidentifier()})


@pytest.mark.parametrize("base", _SHADOWED)
def test_a_function_whose_derivative_is_named_like_a_helper(base, directory):
    """``prod_others``'s tangent function would be ``prod_others_jvp``, which is also a helper
    (the tangent of ``np.prod``): the two must stay apart in every mode."""
    module = load(f'''import numpy as np


def {base}(u):
    return u * 1.607


def f(x):
    return np.linalg.norm({base}(x) + 0.096) + np.prod(np.cos({base}(x)))
''', directory)
    got, _ = derivatives(module.f, MODES)
    numeric = {"reverse": sourcead.numeric_grad(module.f, X),
               "hessian": second_differences(module.f, X)}
    for mode in MODES:
        assert not isinstance(got[mode], Exception), f"{base} {mode}: {got[mode]}"
        order = "hessian" if mode in ("hessian", "reverse over reverse") else "reverse"
        np.testing.assert_allclose(got[mode], numeric[order], rtol=1e-4, atol=1e-5,
                                   err_msg=f"{base} {mode}")
