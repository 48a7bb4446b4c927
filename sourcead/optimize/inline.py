"""Inlining: a value read once is written where it is read, when that keeps the line short.
"""
from __future__ import annotations

import gast

from ..block_index import BlockIndex
from ..rules.template import Transformer, name_nodes, walk, clone
from .common import SLICE, reads_of
from .sharing import _disturbs, _quiet_call, private_lists, quiet
from .signs import simplify_signs


MAX_INLINED_OPERATIONS = 4


def inline_single_uses(body: list[gast.stmt], inlinable: set[str], modules: set[str],
                       primal_only: tuple[set[str], set[str]] = (set(), set())) -> list[gast.stmt]:
    """``t = e ... y = f(t)`` -> ``y = f(e)`` for a value sourcead named (a temporary of
    normalize, or its adjoint), read once, later in the same block, while the result stays
    short. The array ``t`` held then dies inside the expression (NumPy reuses such
    temporaries in place) instead of living to the return, and the code reads like the
    user's. ``e`` moves later, so it must be quiet and nothing in between may change what
    it reads (see ``_disturbs``). ``primal_only``: (names, derivative names): those names go
    only into a value of the function itself, not into a derivative (so a value the
    adjoint sweep reads stays computed, and named, in the forward sweep)."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in (n for s in body for n in name_nodes(s)):
        counts = loads if n.ctx.__class__ is gast.Load else stores
        counts[n.id] = counts.get(n.id, 0) + 1
    single = {v for v in inlinable if loads.get(v) == 1 and stores.get(v) == 1}
    if not single:
        return body
    return _inline_block(body, single, modules, private_lists(body), primal_only)


def _inline_block(stmts: list[gast.stmt], single: set[str], modules: set[str],
                  tapes: set[str], primal_only: tuple[set[str], set[str]]) -> list[gast.stmt]:
    stmts = list(stmts)
    for s in stmts:
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, _inline_block(getattr(s, field_name), single, modules,
                                                     tapes, primal_only))
    index = BlockIndex(stmts, lambda t: _disturbs(t, modules, tapes))
    dropped: set[int] = set()
    for i, s in enumerate(stmts):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in single and quiet(s.value, modules)):
            continue
        var, reads = s.targets[0].id, reads_of(s)
        j, is_read = index.first_event(i, var, reads | {var})
        if not is_read:
            continue   # written or disturbed before its read (or never read here)
        later = stmts[j]
        if isinstance(later, gast.Assign) and var in reads_of(later.value) \
                and isinstance(later.targets[0], gast.Name):
            if not _quiet_before(later.value, var, modules) or (
                    var in primal_only[0] and later.targets[0].id in primal_only[1]):
                continue
            if _fewest_operations(later.value, s.value) > MAX_INLINED_OPERATIONS:
                continue   # too long even if simplify_signs took every negation out
            new = _replaced(later.value, var, s.value)
            if any(isinstance(n, gast.UnaryOp) for n in walk(new)):
                new = simplify_signs(new)
            if _operations(new) <= MAX_INLINED_OPERATIONS:
                later.value = new
                dropped.add(id(s))
                index.now_reads(j, reads)
    return [s for s in stmts if id(s) not in dropped]


def _quiet_before(node: gast.expr, var: str, modules: set[str]) -> bool:
    """Every call in ``node`` that is not quiet encloses the read of ``var``, so it runs only
    after an expression put there (``scatter_into(v, t, i)``)."""
    def quiet_outside(n: gast.AST) -> bool:
        if isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await)):
            return False
        if isinstance(n, gast.Call) and not _quiet_call(n, modules) \
                and var not in {m.id for m in walk(n) if isinstance(m, gast.Name)}:
            return False
        return all(quiet_outside(child) for child in gast.iter_child_nodes(n))
    return quiet_outside(node)


def _replaced(node: gast.expr, var: str, value: gast.expr) -> gast.expr:
    class Replace(Transformer):
        def visit_Name(self, n):
            return clone(value) if n.id == var and isinstance(n.ctx, gast.Load) else n
    return Replace().visit(clone(node))


def _fewest_operations(*parts: gast.expr) -> int:
    """A lower bound of ``_operations`` of an expression made of ``parts``, after
    ``simplify_signs`` (which takes out negations, nothing else)."""
    total = 0
    for part in parts:
        for n in walk(part):
            cls = n.__class__
            if cls is gast.BinOp or (cls is gast.Call and not (
                    isinstance(n.func, gast.Name) and n.func.id == SLICE)):
                total += 1
    return total


def _operations(node: gast.expr) -> int:
    return sum(1 for n in walk(node) if isinstance(n, (gast.BinOp, gast.UnaryOp)) or (
        isinstance(n, gast.Call) and not (isinstance(n.func, gast.Name) and n.func.id == SLICE)))
