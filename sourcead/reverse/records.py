"""The tape: comments carried as statements, push/pop records made for every assignment,
and the pruning that keeps only the records whose restored value the adjoint sweep reads.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import gast

from ..analyze import Kind, definitely_assigned, live_before
from ..rules import Rule
from ..rules.template import walk, assign, const, default_marker, name


RequestCallee = Callable[[object, tuple[int, ...], tuple[Kind, ...]],
                         tuple[str, str, tuple[int, ...]]]


COMMENT = "# "


def comment(text: str) -> gast.Expr:
    """A comment, carried as a string statement until emit turns it into ``# text``."""
    return gast.Expr(value=const(COMMENT + text))


def is_comment(s: gast.stmt) -> bool:
    return (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant)
            and isinstance(s.value.value, str) and s.value.value.startswith(COMMENT))


@dataclass
class Records:
    """push/pop pairs made for every assignment, to be pruned by liveness."""
    pairs: list[tuple[gast.stmt, gast.stmt]] = field(default_factory=list)


def prune_records(records: Records, adjoint: list[gast.stmt], live_out: set[str]) -> set[int]:
    """ids of the push/pop statements whose restored value is never read: drop them."""
    pops = {id(pop): (push, pop) for push, pop in records.pairs}
    dead: set[int] = set()

    def visit(stmt: gast.stmt, live_after: set[str]) -> None:
        if id(stmt) in pops and _base(stmt.targets[0]) not in live_after:
            push, pop = pops[id(stmt)]
            dead.update((id(push), id(pop)))

    live_before(adjoint, live_out, visit)
    return dead


def _axis_node(axes: tuple[int, ...]) -> gast.expr:
    return const(axes[0]) if len(axes) == 1 else gast.Tuple(
        elts=[const(a) for a in axes], ctx=gast.Load())


def without(stmts: list[gast.stmt], dead: set[int]) -> list[gast.stmt]:
    """The statements (at any depth) whose ids are not in ``dead``."""
    out = []
    for s in stmts:
        if id(s) in dead:
            continue
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, without(getattr(s, field_name), dead))
        out.append(s)
    return out


def initialize_recorded(primal: list[gast.stmt], params: set[str], tape: str) -> list[gast.stmt]:
    """Code that records a name before its first assignment (a loop, or a list rebound later
    in a branch) needs it bound: ``v = None``, placed before the first statement that may
    assign or record it (later, it would clobber a value one branch assigned)."""
    first: dict[str, int] = {}
    needed, bound = set(), set(params)
    for k, s in enumerate(primal):
        pushed = {n.args[0].id for n in walk(s) if _is_push(n, tape)}
        for v in pushed | _stored([s]):
            first.setdefault(v, k)
        needed |= pushed - bound
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            bound.add(s.targets[0].id)   # (in place: a copy per statement was quadratic)
        elif isinstance(s, gast.If):
            bound = definitely_assigned([s], bound)
    at_first: dict[int, list[str]] = {}
    for v in sorted(needed):
        at_first.setdefault(first[v], []).append(v)
    out: list[gast.stmt] = []
    for k, s in enumerate(primal):
        out.extend(assign(v, const(None)) for v in at_first.get(k, ()))
        out.append(s)
    return out


def _write(array: str, index: gast.expr, value: gast.expr) -> gast.Assign:
    """``array[index] = value``."""
    return gast.Assign(targets=[gast.Subscript(value=name(array), slice=copy.deepcopy(index),
                                               ctx=gast.Store())], value=value, type_comment=None)


def _base(target: gast.expr) -> str:
    """The variable an assignment target writes: ``a`` for ``a`` and for ``a[i]``."""
    return target.value.id if isinstance(target, gast.Subscript) else target.id


def _defaults(rule: Rule) -> dict[str, gast.expr]:
    """Placeholders for the parameters a call left to their defaults (``axis=None``)."""
    return {k: default_marker(k) for k in rule.defaults}


def _assigned_once(fn: gast.FunctionDef) -> set[str]:
    counts: dict[str, int] = {}
    for n in walk(fn):
        if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Param)):
            counts[n.id] = counts.get(n.id, 0) + 1
    return {v for v, k in counts.items() if k == 1}


def _stored(stmts_: list[gast.stmt]) -> set[str]:
    return {n.id for s in stmts_ for n in walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _rebound(stmts_: list[gast.stmt], var: str) -> bool:
    """Whether ``var`` may get a second value: assigned twice, or once inside a loop."""
    if _store_count(stmts_, var) > 1:
        return True
    loops = [n for s in stmts_ for n in walk(s) if isinstance(n, (gast.For, gast.While))]
    return any(_store_count(loop.body, var) for loop in loops)


def _store_count(stmts_: list[gast.stmt], var: str) -> int:
    return sum(1 for s in stmts_ for n in walk(s)
               if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store) and n.id == var)


def _is_push(node: gast.AST, tape: str) -> bool:
    return (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
            and node.func.attr == "append" and isinstance(node.func.value, gast.Name)
            and node.func.value.id == tape and isinstance(node.args[0], gast.Name))


def _is_record(s: gast.stmt) -> bool:
    return isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) and isinstance(
        s.value.func, gast.Attribute) and s.value.func.attr == "pop"


def _is_break_trailer(s: gast.stmt) -> bool:
    return isinstance(s, gast.If) and len(s.body) == 1 and isinstance(s.body[0], gast.Break)
