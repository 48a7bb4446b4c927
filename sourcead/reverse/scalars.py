"""Adjoints that are the same number in every element of an array, kept as that number
(the adjoint of ``np.sum(v)`` need not be spread over ``v``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import gast

from ..analyze import (assignments, shape_anchors, bound_arguments, differentiable_operands,
                       operation)
from ..naming import mark
from ..rules.template import name_nodes, walk, clone, expr, name
from ..rules.template import fold_constants
from .records import _defaults

if TYPE_CHECKING:  # the class these functions serve imports them
    from .statements import Reverse


def scalar_adjoints(rev: Reverse) -> frozenset[str]:
    """Array values whose adjoint is the same number in every element, kept as that number.

    The adjoint of ``np.sum(v)`` is its output's adjoint spread over ``v``; spreading it into
    an array (and scaling that array by 100 in ``100 * v``) costs a pass over memory each.
    A value qualifies when it is computed elementwise, assigned once outside loops, and every
    use is a full sum or mean, or an elementwise operation of the same shape whose result
    qualifies and whose partial derivative is a number. Where such an adjoint meets an
    argument that does not qualify, it is spread (``unreduce``)."""
    fn, activity = rev.fn, rev.activity
    defs = {a.targets[0].id: a for a in assignments(fn.body)}
    result = fn.body[-1].value.id if isinstance(fn.body[-1], gast.Return) and isinstance(
        fn.body[-1].value, gast.Name) else None
    once = shape_anchors(fn, [a.id for a in fn.args.args]).assigned
    lazy = {v for v in activity.active & once if v in defs and v != result
            and activity.kind(v).tag in ("array", "unknown") and _elementwise(rev, defs[v])}
    uses = _uses(rev, lazy)
    changed = True
    while changed:
        changed = False
        for v in sorted(lazy):
            if not all(use is not None and _keeps_number(rev, use, v, lazy) for use in uses[v]):
                lazy.discard(v)
                changed = True
    return frozenset(lazy)


def _elementwise(rev: Reverse, s: gast.Assign) -> bool:
    op = operation(s.value, rev.env)
    return op.rule is not None and op.rule.partials is not None and op.user is None


def _uses(rev: Reverse, names: set[str]) -> dict[str, list]:
    """Per name, the assignments that differentiate through it (None: read anywhere else)."""
    uses: dict[str, list] = {v: [] for v in names}
    for s in [n for n in walk(rev.fn) if isinstance(n, gast.stmt)]:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            through = differentiable_operands(s.value, rev.env) \
                if s.targets[0].id in rev.activity.active else set()
            for v in through & names:
                uses[v].append(s)
            continue
        if isinstance(s, gast.FunctionDef):
            continue
        parts = [getattr(s, f) for f in ("value", "test", "iter", "targets")
                 if getattr(s, f, None) is not None]
        parts = [p for part in parts for p in (part if isinstance(part, list) else [part])]
        for v in {n.id for p in parts for n in name_nodes(p)} & names:
            uses[v].append(None)
    return uses


def _keeps_number(rev: Reverse, use: gast.Assign, v: str, lazy: set[str]) -> bool:
    """A full sum or mean of ``v``, or an elementwise result of v's shape that stays a number
    with a partial that is a number."""
    op = operation(use.value, rev.env)
    rule, target = op.rule, use.targets[0].id
    if rule is None or op.user is not None:
        return False
    bound = bound_arguments(use.value, rule, rev.env)
    if rule.partials is None:
        return (rule.shape == "reduction" and set(bound) == {"x"} and bound["x"].id == v
                and _is_unreduce(expr(rule.adjoints.get("x", "0"))))
    if target not in lazy or rev.needs_unbroadcast(v, target, use.value):
        return False
    for param, arg in bound.items():
        if isinstance(arg, gast.Name) and arg.id == v and param in rule.params:
            subs = {**_defaults(rule), **bound, "out": name(target), "g": name("g")}
            names = {n.id for n in walk(rev.partial(use, rule, param, subs))
                     if isinstance(n, gast.Name)}
            if any(rev.activity.kind(n).tag not in ("scalar", "int") for n in names):
                return False
    return True


def _number_first(g: gast.expr, partial: gast.expr, term: gast.expr) -> gast.expr:
    """``g * (2 * x)`` with ``g`` a number -> ``g * 2 * x``: the two numbers are multiplied
    first, one pass over the array instead of two (``2 * x ** (2 - 1)`` counts as ``2 * x``)."""
    partial = fold_constants(clone(partial))
    if isinstance(partial, gast.BinOp) and isinstance(partial.op, gast.Mult) \
            and isinstance(partial.left, gast.Constant):
        return gast.BinOp(left=gast.BinOp(left=clone(g), op=gast.Mult(), right=partial.left),
                          op=gast.Mult(), right=partial.right)
    return term


def _sums_over_axes(term: gast.expr) -> bool:
    """Whether a term sums over named axes (``np.sum(t, axis=0)``), which a plain zero lacks."""
    return any(isinstance(n, gast.Call) and any(k.arg == "axis" for k in n.keywords)
               for n in walk(term))


def _is_unreduce(term: gast.expr) -> bool:
    return (isinstance(term, gast.Call) and isinstance(term.func, gast.Name)
            and term.func.id == mark("unreduce"))


def _spread_value(term: gast.expr) -> gast.expr:
    """``unreduce(e, x)`` (a full reduction's adjoint) -> ``e``, the number every element gets."""
    if _is_unreduce(term) and len(term.args) == 2 and not term.keywords:
        return term.args[0]
    raise AssertionError("sourcead: a full reduction's adjoint is not unreduce(e, x)")
