"""Rows of the SciPy functions scientific code calls most: ``scipy.special`` (logsumexp,
expit, logit, softmax, log_softmax, erf, erfc, gammaln, digamma, polygamma, xlogy; also ndtr,
log_ndtr, log_expit, gamma, betaln, xlog1py),
``scipy.linalg`` (cholesky, cho_factor, cho_solve, solve_triangular) and ``scipy.stats.norm``
(logpdf, pdf, cdf, logcdf).

SciPy is an optional extra: ``import sourcead`` never imports it. ``rows_for`` builds the rows
of a SciPy family the first time a lookup misses while that family is imported (a user's
function can only hold a SciPy function once the user imported it), so a program that never
imports SciPy never pays for it, and one that imports only ``scipy.special`` does not load
``scipy.stats``. The rows are keyed by the function objects, like ``CALLS``; ``norm.logpdf``
is a bound method, and bound methods of one object compare and hash equal, so every
``norm.logpdf`` a user's code reads finds its row.

Templates are NumPy and sourcead's helpers (``runtime/special.py``), so derivatives of
derivatives need no more rows; the one slope NumPy lacks (digamma and its derivatives) is
the ``polygamma`` helper, whose row lives here because only code that calls SciPy uses it.
"""
from __future__ import annotations

import sys
from typing import Any, Callable

from .. import runtime
from .core import Rule, elementwise as ew


def _T(x: str) -> str:
    return f"np.swapaxes({x}, -1, -2)"


def _refuse_if_true(**reasons: str) -> Callable[[dict], str | None]:
    """A ``specialize``: the reason for a flag written ``True`` (None: the row applies)."""
    def specialize(constants: dict) -> str | None:
        for param, why in reasons.items():
            if constants.get(param) is True:
                return f"with {param}=True ({why})"
        return None
    return specialize


_OVERWRITE = "it overwrites its argument, whose value the derivative needs: leave it False"


# ---- scipy.special --------------------------------------------------------------------------

def _logsumexp_row(weights: bool) -> Rule:
    """``logsumexp(a, axis, b, keepdims)``: out = log(sum(b * exp(a))); its slope in ``a`` is
    b * exp(a - out) (the softmax), in ``b`` exp(a - out). ``weights``: b is given."""
    spread = "np.exp(a - unreduce(out, a, axis, keepdims))"
    slope = f"b * {spread}" if weights else spread
    tangents = {"a": f"np.sum({slope} * a_dot, axis=axis, keepdims=keepdims)"}
    vector = {"a": f"sum_each({slope} * a_dot, axis, keepdims)"}
    adjoints = {"a": f"unreduce(g, a, axis, keepdims) * {slope}"}
    if weights:
        tangents["b"] = f"np.sum({spread} * b_dot, axis=axis, keepdims=keepdims)"
        vector["b"] = f"sum_each({spread} * b_dot, axis, keepdims)"
        adjoints["b"] = f"unbroadcast(unreduce(g, a, axis, keepdims) * {spread}, b)"
    return Rule(params=("a", "axis", "b", "keepdims", "return_sign"), shape="reduction",
                defaults={"axis": None, "b": 1.0, "keepdims": False, "return_sign": False},
                tangents=tangents, vector_tangents=vector, adjoints=adjoints,
                specialize=None if not weights else _logsumexp_special)


def _logsumexp_special(constants: dict) -> "str | Rule | None":
    if constants.get("return_sign") is True:
        return ("with return_sign=True (the sign is a constant and the value is log|sum|: "
                "differentiate logsumexp(a, b=b) where the sum is positive)")
    if "b" in constants and constants["b"] is None:
        return _logsumexp_row(weights=False)
    return None


def _softmax_rows(special) -> dict:
    """softmax: out = exp(x - logsumexp(x)); log_softmax: out = x - logsumexp(x)."""
    kept = "axis=axis, keepdims=True"
    probabilities = "np.exp(out)"
    return {
        special.softmax: Rule(
            params=("x", "axis"), defaults={"axis": None}, shape="reduce",
            tangents={"x": f"out * (x_dot - np.sum(out * x_dot, {kept}))"},
            vector_tangents={"x": "out * (x_dot - sum_each(out * x_dot, axis, True))"},
            adjoints={"x": f"out * (g - np.sum(out * g, {kept}))"}),
        special.log_softmax: Rule(
            params=("x", "axis"), defaults={"axis": None}, shape="reduce",
            tangents={"x": f"x_dot - np.sum({probabilities} * x_dot, {kept})"},
            vector_tangents={"x": f"x_dot - sum_each({probabilities} * x_dot, axis, True)"},
            adjoints={"x": f"g - {probabilities} * np.sum(g, {kept})"}),
    }


_ERF_SLOPE = "2 / np.sqrt(np.pi) * np.exp(-x ** 2)"


def _special_rows() -> dict:
    from scipy import special
    rows = {
        special.expit: ew("out * (1 - out)"),
        special.logit: ew("1 / (x * (1 - x))"),
        special.erf: ew(_ERF_SLOPE),
        special.erfc: ew("-" + _ERF_SLOPE),
        special.gammaln: ew("polygamma(0, x)"),
        special.digamma: ew("polygamma(1, x)"),
        special.polygamma: Rule(params=("n", "x"), partials=(None, "polygamma(n + 1, x)")),
        # x log y, 0 where x is 0: its slope in y is x / y, 0 where x is 0 (y 0 too)
        special.xlogy: ew("np.log(y)", "x / np.where(np.logical_and(x == 0, y == 0), 1.0, y)"),
        special.logsumexp: _logsumexp_row(weights=True),
        # beyond the most called: the normal CDF and its log, log(expit), gamma, log beta
        special.ndtr: ew(f"np.exp(-x ** 2 / 2 - {_LOG_ROOT_2PI})"),
        special.log_ndtr: ew(f"np.exp(-x ** 2 / 2 - {_LOG_ROOT_2PI} - out)"),
        special.gamma: ew("out * polygamma(0, x)"),
        special.betaln: ew("polygamma(0, x) - polygamma(0, x + y)",
                           "polygamma(0, y) - polygamma(0, x + y)"),
        special.xlog1py: ew("np.log1p(y)",
                            "x / np.where(np.logical_and(x == 0, y == -1), 1.0, 1 + y)"),
    }
    if hasattr(special, "log_expit"):   # SciPy >= 1.8
        rows[special.log_expit] = ew("1 - np.exp(out)")
    rows.update(_softmax_rows(special))
    return rows


# ---- scipy.linalg ----------------------------------------------------------------------------

def _cholesky_tangent(lower: str, a_dot: str) -> str:
    """The tangent of the lower factor ``lower`` of A from the tangent of A's lower triangle:
    L Phi(L^-1 sym(A_dot) L^-T) (Phi: the lower triangle, half the diagonal)."""
    symmetric = _T(f"lower_symmetric({a_dot})")
    inner = f"np.linalg.solve({lower}, {_T(f'np.linalg.solve({lower}, {symmetric})')})"
    return f"np.matmul({lower}, lower_half({inner}))"


def _cholesky_adjoint(lower: str, g: str) -> str:
    """The adjoint of A's lower triangle from the adjoint ``g`` of its lower factor."""
    lt = _T(lower)
    inner = _T(f"np.linalg.solve({lt}, {_T(f'lower_half(np.matmul({lt}, {g}))')})")
    return f"fold_lower(np.linalg.solve({lt}, {inner}))"


def _cholesky_row() -> Rule:
    """``cholesky(a, lower=False)``: the upper factor U (A = U^T U, from a's upper triangle)
    is the transpose of the lower factor of a^T; ``oriented`` turns one into the other."""
    lower, a_dot = "oriented(out, lower)", "oriented(a_dot, lower)"
    tangent = f"oriented({_cholesky_tangent(lower, a_dot)}, lower)"
    return Rule(params=("a", "lower", "overwrite_a", "check_finite"), shape="reduce",
                defaults={"lower": False, "overwrite_a": False, "check_finite": True},
                tangents={"a": tangent}, vector_tangents={"a": tangent},
                adjoints={"a": f"oriented({_cholesky_adjoint(lower, 'oriented(g, lower)')}, lower)"},
                specialize=_refuse_if_true(overwrite_a=_OVERWRITE))


def _cho_factor_row() -> Rule:
    """``c, lower = cho_factor(a, lower=False)``: c holds the factor in one triangle and a's
    own entries in the other (LAPACK leaves them), so both carry a derivative."""
    lower = "oriented(factor_part(component(out, 0), lower), lower)"
    factor_dot = f"oriented({_cholesky_tangent(lower, 'oriented(a_dot, lower)')}, lower)"
    tangent = f"({factor_dot} + a_dot - factor_part(a_dot, lower), 0.0)"
    g = "(component(g, 0) + np.zeros_like(a))"
    factor_bar = f"oriented(factor_part({g}, lower), lower)"
    adjoint = (f"oriented({_cholesky_adjoint(lower, factor_bar)}, lower) + {g} - "
               f"factor_part({g}, lower)")
    return Rule(params=("a", "lower", "overwrite_a", "check_finite"), shape="tuple",
                defaults={"lower": False, "overwrite_a": False, "check_finite": True},
                tangents={"a": tangent}, vector_tangents={"a": tangent}, adjoints={"a": adjoint},
                specialize=_refuse_if_true(overwrite_a=_OVERWRITE))


def _cho_solve_row() -> Rule:
    """``cho_solve((c, lower), b)``: x = A^-1 b with A = L L^T, L the lower factor in c (the
    flag is read from the pair when the derivative runs)."""
    flag = "component(c_and_lower, 1)"
    lower = f"oriented(factor_part(component(c_and_lower, 0), {flag}), {flag})"
    lower_dot = f"oriented(factor_part(component(c_and_lower_dot, 0), {flag}), {flag})"
    gram = f"np.matmul({lower}, {_T(lower)})"
    gram_dot = f"np.matmul({lower_dot}, {_T(lower)}) + np.matmul({lower}, {_T(lower_dot)})"
    gram_bar = f"-matmul_adjoint_x(np.linalg.solve({gram}, g), {gram}, out)"
    lower_bar = f"np.matmul({gram_bar} + {_T(gram_bar)}, {lower})"
    c_bar = f"factor_part(oriented({lower_bar}, {flag}), {flag})"
    return Rule(params=("c_and_lower", "b", "overwrite_b", "check_finite"), shape="reduce",
                defaults={"overwrite_b": False, "check_finite": True},
                tangents={"c_and_lower": f"-np.linalg.solve({gram}, np.matmul({gram_dot}, out))",
                          "b": f"np.linalg.solve({gram}, b_dot)"},
                adjoints={"c_and_lower": f"with_component(0.0, 0, {c_bar}, c_and_lower)",
                          "b": f"np.linalg.solve({gram}, g)"},
                specialize=_refuse_if_true(overwrite_b=_OVERWRITE))


def _solve_triangular_row() -> Rule:
    """``solve_triangular(a, b, trans, lower, unit_diagonal)``: x = op(T)^-1 b, T the
    triangle of a (``triangle``: with ones on the diagonal when ``unit_diagonal``)."""
    op = "transposed_if(triangle(a, lower, unit_diagonal), trans)"
    op_dot = "transposed_if(triangle_part(a_dot, lower, unit_diagonal), trans)"
    z = f"np.linalg.solve({_T(op)}, g)"
    return Rule(params=("a", "b", "trans", "lower", "unit_diagonal", "overwrite_b",
                        "check_finite"), shape="reduce",
                defaults={"trans": 0, "lower": False, "unit_diagonal": False,
                          "overwrite_b": False, "check_finite": True},
                tangents={"a": f"-np.linalg.solve({op}, np.matmul({op_dot}, out))",
                          "b": f"np.linalg.solve({op}, b_dot)"},
                adjoints={"a": f"-triangle_part(transposed_if(matmul_adjoint_x({z}, {op}, "
                               "out), trans), lower, unit_diagonal)",
                          "b": z},
                specialize=_refuse_if_true(overwrite_b=_OVERWRITE))


def _linalg_rows() -> dict:
    from scipy import linalg
    return {linalg.cholesky: _cholesky_row(), linalg.cho_factor: _cho_factor_row(),
            linalg.cho_solve: _cho_solve_row(), linalg.solve_triangular: _solve_triangular_row()}


# ---- scipy.stats.norm ------------------------------------------------------------------------

_Z = "((x - loc) / scale)"
_LOG_ROOT_2PI = "0.5 * np.log(2 * np.pi)"


def _normal(x_slope: str, scale_slope: str) -> Rule:
    """A row of ``norm.f(x, loc=0, scale=1)``, a function of z = (x - loc) / scale (its
    slope in loc is minus its slope in x)."""
    return Rule(params=("x", "loc", "scale"), defaults={"loc": 0.0, "scale": 1.0},
                partials=(x_slope, f"-({x_slope})", scale_slope))


def _stats_rows() -> dict:
    from scipy.stats import norm
    density = f"np.exp(-{_Z} ** 2 / 2 - {_LOG_ROOT_2PI}) / scale"     # pdf
    hazard = f"np.exp(-{_Z} ** 2 / 2 - {_LOG_ROOT_2PI} - out) / scale"  # pdf / cdf
    return {
        norm.logpdf: _normal(f"-{_Z} / scale", f"({_Z} ** 2 - 1) / scale"),
        norm.pdf: _normal(f"-{_Z} * out / scale", f"({_Z} ** 2 - 1) * out / scale"),
        norm.cdf: _normal(density, f"-{_Z} * {density}"),
        norm.logcdf: _normal(hazard, f"-{_Z} * {hazard}"),
    }


# ---- loaded once per family, when that family is imported -------------------------------------

def _helper_rows() -> dict:
    """The row of the helper only SciPy rows use (it calls SciPy)."""
    return {runtime.polygamma: Rule(params=("n", "x"),
                                    partials=(None, "polygamma(n + 1, x)"))}


_FAMILIES: dict[str, Callable[[], dict]] = {
    "scipy": _helper_rows, "scipy.special": _special_rows, "scipy.linalg": _linalg_rows,
    "scipy.stats": _stats_rows}
_ROWS: dict[Any, Rule] = {}
_LOADED: set[str] = set()


def rows_for(func: Any) -> Rule | None:
    """The SciPy row of ``func``, loading the rows of every SciPy family imported so far."""
    if len(_LOADED) < len(_FAMILIES):
        for module, build in _FAMILIES.items():
            if module not in _LOADED and module in sys.modules:
                _ROWS.update(build())
                _LOADED.add(module)
    return _ROWS.get(func)
