"""Zero folding: ``x_bar = 0.0`` followed by ``x_bar = x_bar + t`` becomes ``x_bar = t``, through
branches and loops.
"""
from __future__ import annotations

import copy

import gast

from ..rules.template import name_nodes, walk
from .common import Changes, ZEROS_LIKE


def is_zero(value: gast.expr) -> bool:
    if isinstance(value, gast.Constant) and not isinstance(value.value, bool):
        return isinstance(value.value, (int, float)) and value.value == 0
    return (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
            and value.func.id == ZEROS_LIKE)


def fold_zeros(stmts: list[gast.stmt], zeros: set[str],
               changes: Changes | None = None) -> tuple[list[gast.stmt], set[str]]:
    """Forward pass: ``zeros`` holds the variables known to be zero here."""
    zeros = set(zeros)
    changes = changes or Changes()
    out = []
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            s = _fold_assign(s, zeros, changes)
        elif isinstance(s, gast.If):
            s.body, zb = fold_zeros(s.body, zeros, changes)
            s.orelse, zo = fold_zeros(s.orelse, zeros, changes)
            zeros = zb & zo
        elif isinstance(s, (gast.For, gast.While)):
            zeros = _zeros_at_loop_head(s, zeros)
            s.body, _ = fold_zeros(s.body, zeros, changes)
        else:
            zeros -= _assigned(s)
        out.append(s)
    return out, zeros


def _zeros_at_loop_head(loop: gast.stmt, entry: set[str]) -> set[str]:
    """Zero at the head = zero on entry and zero again at the end of every iteration."""
    head = set(entry)
    while True:
        _, at_end = fold_zeros(copy.deepcopy(loop.body), head)
        new = head & at_end
        if new == head:
            return head
        head = new


def _fold_assign(s: gast.Assign, zeros: set[str], changes: Changes) -> gast.Assign:
    target, value = s.targets[0].id, s.value
    if is_zero(value):
        zeros.add(target)
        return s
    if target in zeros:
        s.value = _without_leading(value, target)
        if s.value is not value:
            changes.add()
    zeros.discard(target)
    if is_zero(s.value):
        zeros.add(target)
    return s


def _without_leading(value: gast.expr, zero: str) -> gast.expr:
    """``zero + a - b`` -> ``a - b``: drop a known-zero accumulator at the left of a sum."""
    if not isinstance(value, gast.BinOp) or not isinstance(value.op, (gast.Add, gast.Sub)):
        return value
    left = value.left
    if isinstance(left, gast.Name) and left.id == zero:
        return value.right if isinstance(value.op, gast.Add) else gast.UnaryOp(
            op=gast.USub(), operand=value.right)
    new_left = _without_leading(left, zero)
    if new_left is left:
        return value
    return gast.BinOp(left=new_left, op=value.op, right=value.right)


def _assigned(s: gast.stmt) -> set[str]:
    return {n.id for n in name_nodes(s) if n.ctx.__class__ is gast.Store}


def _written(s: gast.stmt) -> set[str]:
    """Names whose value a statement changes: assigned, or written into (``a[i] = v``)."""
    return _assigned(s) | {n.value.id for n in walk(s) if isinstance(n, gast.Subscript)
                           and isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name)}
