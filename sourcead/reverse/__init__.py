"""Reverse mode: core-language function -> primal sweep with a tape, then the adjoint sweep.

In: a normalized FunctionDef, its Environment, the ``Activity`` analysis, the names to
differentiate, and a way to request derivative functions of called user functions.
Out: gast FunctionDefs: ``f_grad`` (both sweeps in one function) or, for a callee, the pair
``f_fwd`` (primal sweep that records on the caller's tape) / ``f_adj`` (adjoint sweep that
consumes it).

The adjoint sweep reads primal variables by their own names. Every assignment is first
given a record (``tape.append(v)`` before it, ``v = tape.pop()`` at its adjoint) and then
liveness over the adjoint sweep drops every record whose restored value nobody reads, so the
tape holds exactly the overwritten values, branch flags and trip counts that are needed.
Adjoints accumulate as ``x_bar = x_bar + ...`` from explicit zeros; ``optimize`` folds
those zeros away so that the first contribution reads as a plain assignment.

One module per part: ``records`` (comments and the tape records, and their pruning),
``statements`` (the adjoint of each statement: class ``Reverse``), ``scalars`` (adjoints kept
as numbers), ``sweeps`` (whole functions: both sweeps, or the forward/adjoint pair).
"""
from __future__ import annotations

from .records import COMMENT, comment, is_comment, without
from .statements import Reverse
from .sweeps import grad_function, split_functions

__all__ = ["COMMENT", "Reverse", "comment", "grad_function", "is_comment", "split_functions",
           "without"]
