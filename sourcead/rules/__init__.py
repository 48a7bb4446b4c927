"""Derivative rules: one row per operation, declared once for both modes (DESIGN invariant 4).

In: an operation of the core language (an operator type, or the object a call resolves to).
Out: a ``Rule`` saying, per argument, either the partial derivative (elementwise rows: forward
builds ``out_dot = sum(arg_dot * partial)``, reverse ``arg_bar += out_bar * partial``) or an
explicit tangent/adjoint template pair (rows whose output shape differs from the inputs').
"""
from __future__ import annotations

import sys
from typing import Any

import gast

from .core import CONSTANT, ZERO, Rule  # noqa: F401
from .tables import CALLS, INDEXERS, OPERATORS


def lookup_operator(op: gast.AST) -> Rule | None:
    return OPERATORS.get(type(op))


def lookup_call(func: Any) -> Rule | None:
    try:
        found = CALLS.get(func)
    except TypeError:  # unhashable callables have no rule
        return None
    if found is None and "scipy" in sys.modules:  # SciPy's rows load once SciPy is imported
        from .scipy_rows import rows_for
        return rows_for(func)
    return found


def lookup_indexer(obj: Any) -> Rule | None:
    """The row of an object indexed like a function is called (``np.r_[a, b]``)."""
    try:
        return INDEXERS.get(obj)
    except TypeError:  # unhashable objects are not indexers
        return None
