"""Derivative rules: one row per operation, declared once for both modes (DESIGN invariant 4).

In: an operation of the core language (an operator type, or the object a call resolves to).
Out: a ``Rule`` saying, per argument, either the partial derivative (elementwise rows: forward
builds ``out_dot = sum(arg_dot * partial)``, reverse ``arg_bar += out_bar * partial``) or an
explicit tangent/adjoint template pair (rows whose output shape differs from the inputs').
"""
from .core import CONSTANT, ZERO, Rule, lookup_call, lookup_operator  # noqa: F401
