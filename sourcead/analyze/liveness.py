"""Liveness over structured core code.

In: core statements and the variables live after them.
Out: ``live_before``, the variables read before being written going backward (calling
``visit`` for each simple statement with what is live just after it, which is how
dead-code passes find assignments nobody reads), ``reads`` (what one node reads), and
``definitely_assigned`` (names certainly bound after the statements; loops may run zero
times).
"""
from __future__ import annotations

from typing import Callable

import gast

from ..rules.template import loaded_names


def reads(node: gast.AST) -> set[str]:
    return loaded_names(node)


def live_before(stmts: list[gast.stmt], live_after: set[str],
                visit: Callable[[gast.stmt, set[str]], None] | None = None) -> set[str]:
    """Variables read before being written, going backward from ``live_after``.

    ``visit(stmt, live_after_stmt)`` is called for every simple statement with the set live
    just after it: dead-code passes use it to find assignments nobody reads.
    """
    live = set(live_after)
    for s in reversed(stmts):
        live = _live_through(s, live, visit)
    return live


def _live_through(s: gast.stmt, live: set[str], visit) -> set[str]:
    if isinstance(s, gast.If):
        body = live_before(s.body, live, visit)
        orelse = live_before(s.orelse, live, visit)
        return body | orelse | reads(s.test)
    if isinstance(s, (gast.For, gast.While)):
        if visit is not None:
            visit(s, live)
        return _live_through_loop(s, live, visit)
    if visit is not None:
        visit(s, live)
    # a simple statement updates the set in place: ``live_before`` owns it (a copy of its
    # caller's), and copying it per statement made long straight lines quadratic
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
        live.discard(s.targets[0].id)
        live |= reads(s.value)
        return live
    live |= reads(s)
    return live


def _live_through_loop(s, live_after: set[str], visit) -> set[str]:
    """Fixed point: the body's live-in feeds the loop head again.

    A ``for`` evaluates its iterable once, before the first iteration; a ``while`` evaluates
    its test before every iteration.
    """
    is_for = isinstance(s, gast.For)
    header_reads = reads(s.iter) if is_for else reads(s.test)
    target = {s.target.id} if is_for else set()
    head = set(live_after) | (set() if is_for else header_reads)
    while True:
        new = head | (live_before(s.body, head, None) - target)
        if new == head:
            break
        head = new
    if visit is not None:
        live_before(s.body, head, visit)
    return head | header_reads


def definitely_assigned(stmts: list[gast.stmt], initial: set[str]) -> set[str]:
    """Names certainly bound after running ``stmts`` (loops may run zero times)."""
    bound = set(initial)
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            bound.add(s.targets[0].id)
        elif isinstance(s, gast.If):
            bound |= definitely_assigned(s.body, bound) & definitely_assigned(s.orelse, bound)
    return bound
