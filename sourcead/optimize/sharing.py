"""Sharing: one computation of an expression that several statements compute, where nothing
between them changes what it reads (helpers that mutate their arguments are never shared).
"""
from __future__ import annotations

from collections import Counter

import gast

from .. import runtime
from ..naming import mark, unmark
from ..rules.template import Structures, Transformer, name_nodes, walk
from .common import Changes, PURE_FUNCTIONS, SCATTER_INTO, SLICE
from .zeros import _written


# ---- evaluation order ------------------------------------------------------------------------
# Moving an expression later (inlining) or reading an earlier result for it (sharing) keeps
# every value only if the expression depends on nothing but the names it reads, and nothing
# in between changes an object it reads.

# scatter_into fills its first argument in place; pop_tangent takes an element off its list
_MUTATING_HELPERS = {SCATTER_INTO, mark("pop_tangent")}


def _quiet_call(call: gast.Call, modules: set[str]) -> bool:
    """A call that computes a value from its arguments and changes nothing: NumPy and math
    (not ``random``, not ``out=``), and the runtime helpers that build new values."""
    if any(k.arg == "out" for k in call.keywords):
        return False
    func = call.func
    if isinstance(func, gast.Name):
        return func.id not in _MUTATING_HELPERS and (func.id in PURE_FUNCTIONS
                                                     or unmark(func.id) in runtime.HELPERS)
    chain = []
    while isinstance(func, gast.Attribute):
        chain.append(func.attr)
        func = func.value
    return bool(chain) and isinstance(func, gast.Name) and func.id in modules \
        and "random" not in chain


def quiet(node: gast.expr, modules: set[str]) -> bool:
    """Evaluating ``node`` twice, or later, gives the same value if what it reads is the same."""
    return all(_quiet_call(n, modules) if isinstance(n, gast.Call)
               else not isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom,
                                       gast.Await, gast.List, gast.Dict, gast.Set))
               for n in walk(node))


def private_lists(stmts: list[gast.stmt]) -> set[str]:
    """Names used only as ``t = []``, ``t.append(v)`` and ``t.pop()``: tapes, which nothing
    else can see, so appending to one changes no other value."""
    uses: dict[str, bool] = {}
    receivers = set()   # (a walk meets each of these parents before the name below it)
    for s in stmts:
        for n in walk(s):
            cls = n.__class__
            if cls is gast.Name:
                uses[n.id] = uses.get(n.id, True) and id(n) in receivers
            elif cls is gast.Attribute and isinstance(n.value, gast.Name) \
                    and n.attr in ("append", "pop"):
                receivers.add(id(n.value))
            elif cls is gast.Assign and isinstance(n.targets[0], gast.Name) \
                    and isinstance(n.value, gast.List) and not n.value.elts:
                receivers.add(id(n.targets[0]))
    return {v for v, private in uses.items() if private}


def _tape_call(call: gast.Call, tapes: set[str]) -> bool:
    func = call.func
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
        and func.value.id in tapes and func.attr in ("append", "pop")


def _disturbs(s: gast.stmt, modules: set[str], tapes: set[str]) -> bool:
    """Ends a straight line, or may change a value other than by binding a name."""
    return not isinstance(s, (gast.Assign, gast.Expr, gast.If, gast.For, gast.While, gast.Pass)) \
        or _mutates(s, modules, tapes)


def _writes_in_place(fn: gast.FunctionDef) -> bool:
    """``a[i] = v`` somewhere in ``fn``."""
    return any(isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) for n in walk(fn))


def _mutates(s: gast.stmt, modules: set[str], tapes: set[str]) -> bool:
    """Writes into an object, or calls what is not quiet (a tape's append and pop change only
    the tape)."""
    for n in walk(s):
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            return True
        if isinstance(n, gast.Call) and not _quiet_call(n, modules) and not _tape_call(n, tapes):
            return True
    return False


# ---- common subexpressions -----------------------------------------------------------------

def share_common(body: list[gast.stmt], modules: set[str], own: set[str] = frozenset(),
                 changes: Changes | None = None, parameters: set[str] = frozenset()
                 ) -> tuple[list[gast.stmt], dict[str, str]]:
    """``t = e ... u = f(e)`` -> ``u = f(t)`` within one block, where nothing in between binds
    a name ``e`` reads or ``t``: a result computed once (``x[:-1]`` twice in a line).

    ``t`` and ``u`` may then be one object, so only where nothing is ever written into an
    object in this function (a tape aside): neither can change under the other. A value
    normalize named (in ``own``) that becomes a copy ``u = t`` is dropped and read as ``t``
    (returned: renamed -> kept) when both are bound once (a parameter is bound on entry)
    and ``u`` is read only after."""
    tapes = private_lists(body)
    if any(_mutates(s, modules, tapes) for s in body):
        return body, {}
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in (n for s in body for n in name_nodes(s)):
        counts = loads if n.ctx.__class__ is gast.Load else stores
        counts[n.id] = counts.get(n.id, 0) + 1
    for p in parameters:   # bound on entry: a store in the body binds it a second time
        stores[p] = stores.get(p, 0) + 1
    block = _Sharing(modules, {v for v in own if stores.get(v) == 1}, loads, stores,
                     changes or Changes())
    body = block.share(body)
    if block.renames:
        for n in (n for s in body for n in name_nodes(s)):
            n.id = block.renames.get(n.id, n.id)
    return body, block.renames


class _Sharing:
    """The state of ``share_common``: what may be renamed, and what was."""

    def __init__(self, modules, once, loads, stores, changes):
        self.modules, self.once, self.loads, self.stores = modules, once, loads, stores
        self.changes = changes
        self.renames: dict[str, str] = {}
        self.structures = Structures()

    def share(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        available: dict[int, tuple[str, set[str]]] = {}   # structure of e -> (t, what e reads)
        keys_of: dict[str, set[int]] = {}   # name -> the entries that read or hold it
        dropped: set[int] = set()
        constant_entries = 0   # entries that read no name (never dropped: nothing rebinds them)
        reads = [Counter(n.id for n in name_nodes(s)
                         if isinstance(n.ctx, gast.Load)) for s in stmts]
        later = Counter()   # reads in the statements after this one, as they were
        for counts in reads:
            later.update(counts)
        for i, s in enumerate(stmts):
            later.subtract(reads[i])
            if isinstance(s, (gast.Assign, gast.Expr)) and available \
                    and (constant_entries or not keys_of.keys().isdisjoint(reads[i])):
                # (an entry reads some name; a statement that reads none of them has no match)
                s.value = _reused(s.value, available, self.structures, self.changes)
                if self._renamed(s, later):
                    dropped.add(id(s))
                    continue
            for field_name in ("body", "orelse"):
                if hasattr(s, field_name):
                    setattr(s, field_name, self.share(getattr(s, field_name)))
            for name_ in _written(s):
                for key in keys_of.pop(name_, ()):
                    available.pop(key, None)
            value_reads = _sharable(s.value, self.modules) if isinstance(s, gast.Assign) \
                and isinstance(s.targets[0], gast.Name) else None
            if value_reads is not None and s.targets[0].id not in value_reads:
                key = self.structures.key(s.value)
                held = (s.targets[0].id, value_reads)
                if key not in available:
                    available[key] = held
                    constant_entries += not held[1]
                    for name_ in held[1] | {held[0]}:
                        keys_of.setdefault(name_, set()).add(key)
        return [s for s in stmts if id(s) not in dropped]

    def _renamed(self, s: gast.stmt, later: Counter) -> bool:
        """``u = t`` for a ``u`` of ``once`` read only ``later`` in this block, and a ``t``
        bound once."""
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.Name)):
            return False
        u, t = s.targets[0].id, s.value.id
        if u not in self.once or self.stores.get(t, 0) > 1 or self.loads.get(u, 0) != later[u]:
            return False
        self.renames[u] = self.renames.get(t, t)   # t may be a copy dropped before
        return True


_LOUD = (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await, gast.List,
         gast.Dict, gast.Set)


def _sharable(value: gast.expr, modules: set[str]) -> set[str] | None:
    """What ``value`` reads, when it is worth a name (``_operations`` or ``_subscripts``)
    and ``quiet``; else None. (One walk for the three.)"""
    work = False
    reads: set[str] = set()
    for n in walk(value):
        cls = n.__class__
        if cls is gast.Name:
            if n.ctx.__class__ is gast.Load:
                reads.add(n.id)
        elif cls is gast.Call:
            if not _quiet_call(n, modules):
                return None
            work = work or not (isinstance(n.func, gast.Name) and n.func.id == SLICE)
        elif cls is gast.BinOp or cls is gast.UnaryOp or cls is gast.Subscript:
            work = True
        elif isinstance(n, _LOUD):
            return None
    return reads if work else None


def _reused(node: gast.expr, available: dict, structures: Structures,
            changes: Changes) -> gast.expr:
    """``node`` with its largest parts that ``available`` holds read from their names."""
    keys: dict[int, int] = {}
    structures.key(node, keys)
    if available.keys().isdisjoint(keys.values()):
        return node   # (most statements: nothing to reuse, no need to rebuild the tree)

    class Reuse(Transformer):
        def visit(self, n):
            if isinstance(n, gast.expr) and not isinstance(n, (gast.Name, gast.Constant)):
                held = available.get(keys[id(n)])
                if held is not None:
                    changes.add()
                    return gast.Name(id=held[0], ctx=gast.Load(), annotation=None,
                                     type_comment=None)
            return super().visit(n)
    return Reuse().visit(node)
