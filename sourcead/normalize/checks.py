"""Refusal scanners: writes and views whose effect the value semantics would miss.

In: ``check_writes`` runs inside normalize on the function, its desugared body and its
Environment. The ``refuse_*`` functions run from ``api`` once kinds are known, on the parsed
function (``refuse_stale_views`` also on the normalized one) and the analysis' kinds.
Out: an ``UnsupportedSyntaxError`` naming the user's line where the derivative would
otherwise be silently wrong: a write into an array that may share memory (``SharingScan``),
an in-place ``y op= v`` on an array another name holds (``AugmentedScan``), a view read
after a write that may change it (``StaleViews``), a loop over a dict, a callee that writes
into its parameter. ``check_writes`` also returns copies of the written parameters, to put
first, so the caller's arrays are never changed.
"""
from __future__ import annotations

import re
from typing import Any, Mapping
from dataclasses import dataclass, field

import gast

from ..parse import Environment, Parsed
from ..parse import MISSING as MISSING_VALUE
from ..rules.template import name_nodes, walk, assign, name, names_in
from .common import _is_stack_pop, _is_stack_push, _located, error
from .writes import (_CONTAINER_SYNTAX, _VIEWS, is_write, refused_container_write,
                     written_arrays)


def check_writes(fn: gast.FunctionDef, body: list[gast.stmt], env: Environment) -> list[gast.stmt]:
    """Refuse writes into arrays that may share memory at that point; copy written parameters,
    so the caller's arrays are never changed. Returns the copies to put first."""
    written = written_arrays(body)
    if not written:
        return []
    params = [a.id for a in fn.args.args]
    defined = params + [n.id for n in walk(gast.Module(body=body, type_ignores=[]))
                        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)]
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript) \
                and n.targets[0].value.id not in defined:
            raise error(n, env, f"write into `{n.targets[0].value.id}`, which is not a local "
                        "variable", "copy it into a local array first: "
                        f"`{n.targets[0].value.id} = {n.targets[0].value.id}.copy()`")
    first_write = {}
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript):
            first_write.setdefault(n.targets[0].value.id, n)
    for n in walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Name) \
                and n.targets[0].id in written and isinstance(n.value, _CONTAINER_SYNTAX):
            raise refused_container_write(first_write[n.targets[0].id], env, n.targets[0].id)
    SharingScan(env, written).scan(body)
    # the copy carries the line of the first write, which is what an error about it concerns
    return [_located([assign(p, _method_call(p, "copy"))], first_write[p])[0]
            for p in params if p in written]


@dataclass
class SharingScan:
    """Follows, statement by statement, which written arrays may share memory with another
    name (``shared``: array -> the statement that made it so); a write into one is refused.
    Loops are scanned twice, so what an iteration leaves reaches the next one."""
    env: Environment
    written: set[str]
    handed_over: set[int] = field(default_factory=set)  # pushes right before a rebinding
    immutable: set[str] = field(default_factory=set)    # names known to hold numbers
    holding: set[str] = field(default_factory=set)      # stacks that may share what they hold

    def scan(self, body: list[gast.stmt]) -> None:
        """A push the pushed name is rebound right after (or that ends the function) hands
        the array over to the stack: what is later popped from it shares nothing. (A tape
        records a value just before the statement that overwrites it.)"""
        for stmts in _blocks(body):
            for k, st in enumerate(stmts):
                if not (isinstance(st, gast.Expr) and _is_stack_push(st.value)):
                    continue
                stack, pushed = st.value.func.value.id, st.value.args[0]
                rest = stmts[k + 1:]
                handed = isinstance(pushed, gast.Name) and (
                    (rest and isinstance(rest[0], gast.Assign) and isinstance(rest[0].targets[0], gast.Name)
                     and rest[0].targets[0].id == pushed.id)
                    or all(isinstance(r, gast.Return) or (isinstance(r, gast.Expr) and _is_stack_push(r.value))
                           for r in rest))
                if handed or not isinstance(pushed, gast.Name):
                    self.handed_over.add(id(st))
                else:
                    self.holding.add(stack)
        self.block(body, {})

    def block(self, stmts: list[gast.stmt], shared: dict) -> dict:
        for s in stmts:
            shared = self.stmt(s, shared)
        return shared

    # ``shared``: array -> {name that holds it too: the statement that made it so}
    @staticmethod
    def cause(shared: dict, array: str):
        holders = shared.get(array)
        return next(iter(holders.values())) if holders else None

    @staticmethod
    def merged(a: dict, b: dict) -> dict:
        return {k: {**a.get(k, {}), **b.get(k, {})} for k in set(a) | set(b)}

    @staticmethod
    def rebound(shared: dict, name_: str) -> dict:
        """``name_`` gets a new value: it holds nothing any more, and nothing holds it."""
        out = {k: {h: c for h, c in v.items() if h != name_} for k, v in shared.items() if k != name_}
        return {k: v for k, v in out.items() if v}

    def assigned(self, shared: dict, target: str, value: gast.expr, s: gast.stmt) -> dict:
        shared = self.rebound(shared, target)
        for v in self.held(value) - {target}:
            shared = {**shared, v: {**shared.get(v, {}), target: s}}
        popped = _is_stack_pop(value) and value.func.value.id not in self.holding
        number = isinstance(value, gast.Name) and value.id in self.immutable
        if target in self.written and _may_share_memory(value, self.env) and not (popped or number):
            shared[target] = {_partner(value): s}
        return shared

    def stmt(self, s: gast.stmt, shared: dict) -> dict:
        if isinstance(s, gast.If):
            return self.merged(self.block(s.body, dict(shared)), self.block(s.orelse, dict(shared)))
        if isinstance(s, (gast.For, gast.While)):
            once = self.merged(shared, self.block(s.body, dict(shared)))
            return self.merged(once, self.block(s.body, dict(once)))
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Subscript):
            array = s.targets[0].value.id
            cause = self.cause(shared, array)
            if cause is not None:
                raise error(cause, self.env, f"write into `{array}`, which may share memory "
                            "with another array here",
                            f"give `{array}` its own memory: `... = (...).copy()` (written "
                            f"into on line {getattr(s, 'lineno', '?')})")
            return shared
        if id(s) in self.handed_over:
            return shared
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            return self.assigned(shared, s.targets[0].id, s.value, s)
        if isinstance(s, gast.Expr) and _is_stack_push(s.value):  # the stack holds it now
            stack = s.value.func.value.id
            for v in self.held(s.value.args[0]):
                shared = {**shared, v: {**shared.get(v, {}), stack: s}}
        return shared

    def held(self, value: gast.expr) -> set[str]:
        """Written arrays the value of ``value`` may hold or view as a whole (``a``, ``a.T``,
        ``(a, b)``, ``f(a)`` for a function of yours). Views of parts (``a[0]``) are allowed."""
        if isinstance(value, gast.Name):
            return {value.id} & self.written - self.immutable
        if isinstance(value, gast.Attribute):
            return self.held(value.value) if value.attr in _VIEWS else set()
        if isinstance(value, (gast.Tuple, gast.List)):
            return set().union(*(self.held(e) for e in value.elts))
        if isinstance(value, gast.IfExp):
            return self.held(value.body) | self.held(value.orelse)
        if isinstance(value, gast.BoolOp):
            return set().union(*(self.held(v) for v in value.values))
        if isinstance(value, gast.Call) and _may_share_memory(value, self.env):
            parts = list(value.args) + [k.value for k in value.keywords]
            if _data_first(value, self.env):  # sourcead's helpers: the rest give shapes
                parts = parts[:1]
            if isinstance(value.func, gast.Attribute):
                parts.append(value.func.value)
            return set().union(*(self.held(p) for p in parts))
        if isinstance(value, gast.Call) and _is_stack_push(value):
            return self.held(value.args[0])  # the stack now holds the array itself
        return set()


def refuse_shared_augmented(parsed: Parsed, kinds: Mapping[str, Any]) -> None:
    """``y *= v`` on an array changes it in place, where ``y = y * v`` (what it becomes) makes
    a new one: the same unless another name holds ``y`` (``z = y``, ``[y]``, a view), which
    sees the change. Refused there when ``y`` may be an array (``kinds``: the analysis' kinds
    of the normalized function, where ``y`` keeps its name or gets a suffix)."""
    body = parsed.tree.body
    targets = {n.target.id for n in walk(gast.Module(body=body, type_ignores=[]))
               if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
    if not targets:
        return
    names = {n.id for n in name_nodes(gast.Module(body=body, type_ignores=[]))}
    numbers = {y for y in names
               if all(k.tag in ("int", "scalar", "none") for v, k in kinds.items()
                      if v == y or re.fullmatch(re.escape(y) + r"_\d+", v))}
    if targets - numbers:  # a number is never changed in place, nor shares memory
        AugmentedScan(parsed.env, targets - numbers, immutable=numbers).scan(body)


class AugmentedScan(SharingScan):
    """The sharing scan, with ``y op= v`` on a name as the write into ``y``."""

    def stmt(self, s: gast.stmt, shared: dict) -> dict:
        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name):
            y, op = s.target.id, _OPERATOR_TEXT.get(type(s.op), "op")
            cause = self.cause(shared, y)
            if cause is not None:
                raise error(s, self.env, f"`{y} {op}= ...` on a value another name holds "
                            f"(line {getattr(cause, 'lineno', '?')})",
                            f"on an array `{y} {op}= ...` changes it in place, so the other "
                            f"name changes too: write `{y} = {y} {op} ...` for a new array, or "
                            "take the other name's value with `.copy()`")
            return shared
        if isinstance(s, gast.AugAssign):
            return shared
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], (gast.Tuple, gast.List)):
            # `a, b = y, y` (not desugared yet): each target may hold what its value holds
            target, value = s.targets[0], s.value
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
                pairs = list(zip(target.elts, value.elts))  # `y, z = x * 1.0, x * 1.0`
            else:
                pairs = [(n, value) for n in walk(target)]
            for t, v in pairs:
                if isinstance(t, gast.Name):
                    shared = self.assigned(shared, t.id, v, s)
            return shared
        if isinstance(s, gast.Assign) and not isinstance(s.targets[0], (gast.Name, gast.Subscript)):
            return shared
        return super().stmt(s, shared)


class StaleViews:
    """``row = A[0]`` is a NumPy view: a later write into ``A[0]`` changes ``row`` too, where
    the analyses (which see the write as a new value of ``A``) keep ``row`` as it was read.
    Reading such a view after a write that may touch its elements is refused: the derivative
    would be silently wrong. Run on the normalized function with its kinds; writes are
    ``A = with_item(A, i, v)`` there. Loops are scanned twice, so what an iteration leaves
    reaches the next one."""

    def __init__(self, env: Environment, kinds: Mapping[str, Any], written: set[str],
                 user_names: set[str]):
        self.env, self.kinds, self.written, self.user_names = env, kinds, written, user_names

    # state: (views: name -> (array, its index, the read), stale: name -> (view read, write))
    def block(self, stmts: list[gast.stmt], state: tuple) -> tuple:
        for s in stmts:
            state = self.stmt(s, state)
        return state

    @staticmethod
    def merged(a: tuple, b: tuple) -> tuple:
        return {**a[0], **b[0]}, {**a[1], **b[1]}

    def stmt(self, s: gast.stmt, state: tuple) -> tuple:
        if isinstance(s, gast.If):
            self.check_reads(s.test, state)
            return self.merged(self.block(s.body, state), self.block(s.orelse, state))
        if isinstance(s, (gast.For, gast.While)):
            self.check_reads(s.iter if isinstance(s, gast.For) else s.test, state)
            if isinstance(s, gast.For):
                state = self.rebound(state, s.target.id)
            once = self.merged(state, self.block(s.body, state))
            return self.merged(once, self.block(s.body, once))
        self.check_reads(s.value if isinstance(s, gast.Assign) else s, state)
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
            return state
        target, value = s.targets[0].id, s.value
        if is_write(s):
            return self.written_into(state, target, value.args[1], s)
        views, stale = self.rebound(state, target)
        found = self.view_of(value, views)
        if found is not None:
            views[target] = (found[0], found[1], s)
        return views, stale

    def check_reads(self, node: gast.AST, state: tuple) -> None:
        for n in name_nodes(node):
            if n.id in state[1] and n.ctx.__class__ is gast.Load:
                read, write = state[1][n.id]
                array, view = write.targets[0].id, _unsuffixed(n.id, self.user_names)
                raise error(node, self.env, f"use of `{view}`, a view of `{array}` (read on "
                            f"line {getattr(read, 'lineno', '?')}), after a write into `{array}` "
                            f"(line {getattr(write, 'lineno', '?')})",
                            f"NumPy changes `{view}` too, so it no longer holds what was read; "
                            f"copy it when you read it (`{view} = {_text(read.value)}.copy()`), "
                            "or read it again after the write")

    @staticmethod
    def rebound(state: tuple, target: str) -> tuple:
        """``target`` holds a new value: it views nothing, and what viewed it views nothing
        that a write into the new ``target`` could change."""
        views = {v: seen for v, seen in state[0].items() if v != target and seen[0] != target}
        stale = {v: why for v, why in state[1].items() if v in views}
        return views, stale

    def written_into(self, state: tuple, array: str, index: gast.expr, s: gast.stmt) -> tuple:
        stale = dict(state[1])
        for v, (base, viewed, read) in state[0].items():
            if base == array and v not in stale and not _disjoint(viewed, index):
                stale[v] = (read, s)
        return state[0], stale

    def view_of(self, value: gast.expr, views: dict):
        """``(array, index)`` when ``value`` may be a view of a written array."""
        if isinstance(value, gast.Name):
            return views.get(value.id)
        if isinstance(value, gast.Attribute) and value.attr in _VIEWS:
            return self.view_of(value.value, views)
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
                and value.func.attr in _VIEWS:
            return self.view_of(value.func.value, views)
        if not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)):
            return None
        base = value.value.id
        root = views[base][:2] if base in views else (base, value.slice) \
            if base in self.written else None
        return root if root is not None and self.is_view(base, value.slice) else None

    def is_view(self, base: str, index: gast.expr) -> bool:
        """Basic indexing gives a view unless it picks a single element; an index array or a
        mask (advanced indexing) gives a copy."""
        kind = self.kinds.get(base)
        if kind is not None and kind.tag in ("int", "scalar", "none"):
            return False
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        numbers = 0
        for part in parts:
            if isinstance(part, gast.Slice) or (isinstance(part, gast.Constant) and (
                    part.value is None or part.value is Ellipsis)):
                return True
            if isinstance(part, gast.Constant) and isinstance(part.value, int):
                numbers += 1
                continue
            part_kind = self.kinds.get(part.id) if isinstance(part, gast.Name) else None
            if part_kind is not None and part_kind.tag == "int":
                numbers += 1
                continue
            if part_kind is not None and part_kind.tag == "array":
                return False   # an index array or a mask: a copy
            return True        # not known: may be a view
        dims = getattr(kind, "dims", None)
        return dims is None or len(dims) > numbers


def _unsuffixed(var: str, user_names: set[str]) -> str:
    """The user's name for a value normalize renamed (``row_1`` -> ``row``)."""
    plain = re.sub(r"_\d+$", "", var)
    return var if var in user_names or plain not in user_names else plain


def _text(node: gast.expr) -> str:
    import astor
    return astor.to_source(gast.gast_to_ast(node)).strip()


def _disjoint(viewed: gast.expr, written: gast.expr) -> bool:
    """Two indices that surely pick different rows: distinct constants of the same sign."""
    first = [i.elts[0] if isinstance(i, gast.Tuple) and i.elts else i for i in (viewed, written)]
    if all(isinstance(i, gast.Constant) and type(i.value) is int for i in first):
        a, b = first[0].value, first[1].value
        return a != b and (a < 0) == (b < 0)
    return False


def refuse_stale_views(core: gast.FunctionDef, kinds: Mapping[str, Any], parsed: Parsed) -> None:
    """See ``StaleViews``; generated code is exempt: its adjoint sweep reads a view only once
    the tape has put back every element written since."""
    if parsed.env.filename.startswith("<sourcead"):
        return
    written = {s.targets[0].id for s in walk(core) if is_write(s)}
    if written:
        StaleViews(parsed.env, kinds, written, names_in(parsed.tree)).block(core.body, ({}, {}))


_OPERATOR_TEXT = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
                  gast.MatMult: "@", gast.FloorDiv: "//", gast.Mod: "%"}


def refuse_dict_iteration(parsed: Parsed, kinds) -> None:
    """``for k in d`` becomes a loop over positions (``d[0]``, ``d[1]``, ...), right for
    sequences and arrays but not for a dict, whose iteration yields keys: refused there."""
    fn, env = parsed.tree, parsed.env
    dicts = {n.targets[0].id for n in walk(fn) if isinstance(n, gast.Assign)
             and isinstance(n.targets[0], gast.Name) and isinstance(n.value, (gast.Dict, gast.DictComp))}
    for n in walk(fn):
        if isinstance(n, gast.For) and isinstance(n.iter, gast.Name):
            kind = kinds.get(n.iter.id)
            structure = getattr(kind, "structure", None)
            if n.iter.id in dicts or (structure is not None and structure[0] == "dict"):
                raise error(n, env, f"loop over the dict `{n.iter.id}`",
                            f"loop over `{n.iter.id}.keys()` or `{n.iter.id}.items()`")


def refuse_parameter_writes(parsed: Parsed) -> None:
    """A called function that writes into its parameter changes the caller's array: sourcead
    copies a differentiated function's written parameters, so it refuses that in callees."""
    fn, env = parsed.tree, parsed.env
    rebound = {n.id for n in name_nodes(fn) if n.ctx.__class__ is gast.Store}
    params = {a.id for a in fn.args.args} - rebound  # `p = p.copy()` first is fine
    for n in walk(fn):
        if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript) \
                and isinstance(n.targets[0].value, gast.Name) and n.targets[0].value.id in params:
            p = n.targets[0].value.id
            raise error(n, env, f"write into the parameter `{p}` of a called function",
                        f"the caller's array would change; copy it first (`{p} = {p}.copy()`) "
                        "and return the result")


def _partner(value: gast.expr) -> str:
    """Who else may hold the memory of ``value``: a local it views (``x`` of ``x[1:]``, ``x.T``),
    released when that name is rebound, or "?" (a function's result, a global) for good."""
    while isinstance(value, gast.Subscript) or (isinstance(value, gast.Attribute)
                                                and value.attr in _VIEWS):
        value = value.value
    return value.id if isinstance(value, gast.Name) else "?"


def _blocks(body: list[gast.stmt]):
    """Every statement list: the body and, at any depth, those of ifs and loops."""
    yield body
    for st in body:
        for field_name in ("body", "orelse"):
            if isinstance(getattr(st, field_name, None), list):
                yield from _blocks(getattr(st, field_name))


def _data_first(call: gast.Call, env: Environment) -> bool:
    """sourcead's own helpers return (a part of) their first argument at most; the other
    arguments only give shapes or indices (``unbroadcast(g, x)``, ``item(g, i)``)."""
    from ..runtime import HELPERS
    found = env.resolve(call.func)
    return any(found is f for n, f in HELPERS.items() if n != "with_component")


def _may_share_memory(value: gast.expr, env: Environment) -> bool:
    """Whether ``value`` may be (a view of) an array some other name holds."""
    if isinstance(value, (gast.Name, gast.Subscript, gast.Attribute)):
        return True
    if isinstance(value, gast.IfExp):
        return _may_share_memory(value.body, env) or _may_share_memory(value.orelse, env)
    if isinstance(value, gast.BoolOp):
        return any(_may_share_memory(v, env) for v in value.values)
    if _is_stack_pop(value) and env.filename.startswith("<sourcead"):
        return False  # an adjoint sweep's tape held the array a callee's sweep left it, alone
    if isinstance(value, gast.Call):
        func = value.func
        attr = func.attr if isinstance(func, gast.Attribute) else func.id if isinstance(
            func, gast.Name) else ""
        if attr in _VIEWS:
            return True
        from ..parse import is_code  # a user function may return an argument or a global
        from ..rules.tables import METHODS
        from ..runtime import FRESH, HELPERS
        found = env.resolve(func)
        if any(found is HELPERS[h] for h in FRESH):
            return False
        if found is MISSING_VALUE:  # a method: NumPy's make new arrays, others may not
            return not (isinstance(func, gast.Attribute) and func.attr in METHODS)
        return is_code(found)
    return False


def _method_call(obj: str, method: str) -> gast.Call:
    return gast.Call(func=gast.Attribute(value=name(obj), attr=method, ctx=gast.Load()),
                     args=[], keywords=[])
