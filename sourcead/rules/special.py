"""Rows of the NumPy helpers the SciPy rows' templates call (``runtime/special.py``), so code
generated from a SciPy row can be differentiated again. Each is linear in its array and its
own adjoint (a triangle, a transpose). SciPy is not imported here: these rows sit in
``CALLS`` like every other helper's; the rows of SciPy's own functions load lazily
(``rules/scipy_rows.py``).
"""
from __future__ import annotations

from .. import runtime
from .core import Rule


def _self_adjoint(helper: str, flag: str) -> Rule:
    """The row of ``helper(v, flag)``, a linear map of ``v`` that is its own adjoint."""
    term = {"v": f"{helper}(v_dot, {flag})"}
    return Rule(params=("v", flag), tangents=term, vector_tangents=term,
                adjoints={"v": f"{helper}(g, {flag})"})


def _special_helper_rows() -> dict:
    return {runtime.factor_part: _self_adjoint("factor_part", "lower"),
            runtime.oriented: _self_adjoint("oriented", "lower"),
            runtime.transposed_if: _self_adjoint("transposed_if", "trans"),
            runtime.triangle_part: _triangle("triangle_part"),
            runtime.triangle: _triangle("triangle")}


def _triangle(helper: str) -> Rule:
    """``triangle(a, lower, unit_diagonal)`` (affine: a part of ``a``, plus ones on the
    diagonal when ``unit_diagonal``) and ``triangle_part`` (that part: its derivative)."""
    term = "triangle_part({}, lower, unit_diagonal)"
    return Rule(params=("v", "lower", "unit_diagonal"),
                defaults={"lower": False, "unit_diagonal": False},
                tangents={"v": term.format("v_dot")}, vector_tangents={"v": term.format("v_dot")},
                adjoints={"v": term.format("g")})
