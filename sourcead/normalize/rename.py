"""Naming passes on the flat body: one name per value, and tuples only unpacked.

In: the flattened function body (and the function and the Namer for renaming).
Out: ``rename_straight_line`` gives variables assigned only in straight-line top-level code
one name per value (``x``, ``x_1``, ...), so the reverse sweep reads old values without a
tape; ``replace_tuples`` reads the elements of a tuple built only to be indexed by
constants directly (``t = (a, b); p = t[0]`` -> ``p = a``).
"""
from __future__ import annotations

import copy
from collections import Counter

import gast

from ..naming import Namer
from ..rules.template import name_nodes, statements, walk
from .writes import is_write


# --- one name per value in straight-line code -----------------------------------------------------

def rename_straight_line(fn: gast.FunctionDef, body: list[gast.stmt], namer: Namer) -> list[gast.stmt]:
    """Variables assigned only by top-level statements get a new name per assignment.

    A value that is never overwritten needs no tape: the adjoint sweep reads it by name.
    Variables also assigned inside a branch or loop keep their single name (the branch or
    loop has to update the one variable later code reads), and the tape records them.
    """
    nested = {n.id for s in body if not isinstance(s, gast.Assign)
              for n in name_nodes(s) if n.ctx.__class__ is gast.Store}
    nested |= {s.targets[0].id for s in assignments_in(body) if is_write(s)}  # one array
    current = {a.id: a.id for a in fn.args.args}
    out = []
    for s in body:
        s = _rename_loads(s, current)
        if isinstance(s, gast.Assign):
            target = s.targets[0].id
            if target not in nested:
                new = namer.fresh(target) if target in current else target
                current[target] = new
                s.targets[0].id = new
        out.append(s)
    return out


def _rename_loads(s: gast.stmt, current: dict[str, str]) -> gast.stmt:
    for n in walk(s):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in current:
            n.id = current[n.id]
    return s


# --- tuples that are only unpacked --------------------------------------------------------

def replace_tuples(body: list[gast.stmt], params: frozenset = frozenset()) -> list[gast.stmt]:
    """``t = (a, b); p = t[0]`` -> ``p = a``, when every use of ``t`` is a constant index
    and ``a`` and ``b`` hold one value each (a name given a second value, by an assignment or
    a write into it, may hold another one where ``t[0]`` is read).

    A tuple built only to be unpacked carries no value of its own; reading its elements
    directly lets derivatives flow through it like through any other name.
    """
    literals = {s.targets[0].id: s.value.elts for s in body
                if isinstance(s, gast.Assign) and isinstance(s.value, (gast.Tuple, gast.List))}
    stores = Counter(n.id for s in body for n in walk(s)
                     if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store))
    stores.update(params)

    def one_value(e: gast.expr) -> bool:
        return not isinstance(e, gast.Name) or stores[e.id] <= 1
    candidates = {t for t in literals if stores[t] == 1 and all(map(one_value, literals[t]))}
    indexed = {id(s.value.value) for s in assignments_in(body) if _constant_index(s.value, candidates)}
    for s in body:
        for n in walk(s):
            if isinstance(n, gast.Name) and n.id in candidates and isinstance(n.ctx, gast.Load) \
                    and id(n) not in indexed:
                candidates.discard(n.id)
    out = []
    for s in body:
        if isinstance(s, gast.Assign) and s.targets[0].id in candidates:
            continue
        for a in assignments_in([s]):
            if _constant_index(a.value, candidates):
                a.value = copy.deepcopy(literals[a.value.value.id][a.value.slice.value])
        out.append(s)
    return out


def assignments_in(stmts: list[gast.stmt]) -> list[gast.Assign]:
    return [n for s in stmts for n in statements(s) if isinstance(n, gast.Assign)]


def _constant_index(value: gast.expr, candidates: set[str]) -> bool:
    return (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)
            and value.value.id in candidates and isinstance(value.slice, gast.Constant)
            and isinstance(value.slice.value, int))
