"""Containers: comprehensions become loops; dict iteration; ``d.get``; lists built by appends.

In: ``desugar_comprehensions``: the fenced FunctionDef, its Environment and the Namer;
``expand_lists``: the renamed flat body.
Out: ``desugar_comprehensions`` returns the function body where list and dict
comprehensions and ``sum`` of a generator are loops that append to (or ``with_key`` into)
a list or dict, loops over ``d.items()``/``keys()``/``values()`` iterate over
``keys_of(d)``, and ``d.get(k, v)`` is ``d[k] if k in d else v``. ``expand_lists`` returns
the body where every list literal is built by appends (``xs = []; xs.append(a)``), so a
list's adjoint is taken apart by pops in one way.
"""
from __future__ import annotations

import builtins
import copy
import functools
from dataclasses import dataclass, field

import gast

from ..naming import Namer, mark
from ..parse import Environment
from ..parse import MISSING
from ..rules.template import Transformer, name_nodes, walk, assign, const, name, names_in, substitute
from .common import _located, error


_GENERATOR_HINT = "write the loop out with a `for` statement"


def desugar_comprehensions(fn: gast.FunctionDef, env: Environment, namer: Namer) -> list[gast.stmt]:
    """``[f(v) for v in xs if c]`` -> ``t = []; for v in xs: if c: t.append(f(v))``, likewise
    dict comprehensions (``t = with_key(t, k, v)``) and ``sum(... for ...)``; loops over
    ``d.items()``, ``d.keys()``, ``d.values()`` iterate over ``keys_of(d)``; ``d.get(k, v)`` is
    ``d[k] if k in d else v``. Every mode then differentiates plain loops."""
    counts: dict[str, int] = {}
    for n in walk(fn):
        if isinstance(n, gast.Name):
            counts[n.id] = counts.get(n.id, 0) + 1
    return _ComprehensionLifter(env, namer, counts).block(fn.body)


@dataclass
class _ComprehensionLifter(Transformer):
    env: Environment
    namer: Namer
    counts: dict[str, int]
    pre: list[gast.stmt] = field(default_factory=list)
    into: str | None = None   # the name the next comprehension builds its value in

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out.extend(self.statement(s))
        return out

    def statement(self, s: gast.stmt) -> list[gast.stmt]:
        if isinstance(s, gast.While) and _has_comprehension(s.test):
            raise error(s, self.env, "comprehension in a `while` test",
                        "compute it in the loop body, into a variable the test reads")
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, self.block(getattr(s, field_name)))
        if isinstance(s, gast.For):
            s = self.dict_loop(s)
        saved, self.pre = self.pre, []
        into = _built_into(s)
        if into is not None:  # `ys = [... for ...]` builds ys itself (no second name)
            self.visit_with(s.value, into)
            pre, self.pre = self.pre, saved
            return pre
        for field_name in ("value", "test", "iter", "targets", "target"):
            part = getattr(s, field_name, None)
            if isinstance(part, list):
                setattr(s, field_name, [self.visit(p) for p in part])
            elif isinstance(part, gast.AST) and not isinstance(s, gast.While):
                setattr(s, field_name, self.visit(part))
        pre, self.pre = self.pre, saved
        return _located(pre, s) + [s]

    def dict_loop(self, s: gast.For) -> gast.For:
        """``for k, v in d.items()`` -> ``for k in keys_of(d): v = d[k]`` (and keys, values)."""
        it = s.iter
        if not (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute)
                and it.func.attr in ("items", "keys", "values") and not it.args
                and not it.keywords and self.env.resolve(it.func.value) is MISSING):
            return s
        mapping, kind = it.func.value, it.func.attr
        targets = s.target.elts if isinstance(s.target, gast.Tuple) else [s.target]
        if len(targets) != (2 if kind == "items" else 1) or not all(
                isinstance(t, gast.Name) for t in targets):
            raise error(s, self.env, f"loop over `.{kind}()` with these targets",
                        "write `for k, v in d.items()`, `for k in d.keys()` or "
                        "`for v in d.values()`")
        key = targets[0].id if kind != "values" else self.namer.fresh("key")
        reads = [] if kind == "keys" else [assign(targets[-1].id, gast.Subscript(
            value=copy.deepcopy(mapping), slice=name(key), ctx=gast.Load()))]
        keys = gast.Call(func=name(mark("keys_of")), args=[mapping], keywords=[])
        return _located([gast.For(target=name(key, store=True), iter=keys,
                                  body=_located(reads, s) + s.body, orelse=[],
                                  type_comment=None)], s)[0]

    def visit_with(self, node, into: str):
        self.into = into
        try:
            return self.visit(node)
        finally:
            self.into = None

    def visit_ListComp(self, node):
        return self.lifted(node, gast.List(elts=[], ctx=gast.Load()), lambda t, n: gast.Expr(
            value=gast.Call(func=gast.Attribute(value=name(t), attr="append", ctx=gast.Load()),
                            args=[n.elt], keywords=[])), "list")

    def visit_DictComp(self, node):
        return self.lifted(node, gast.Dict(keys=[], values=[]), lambda t, n: assign(t, gast.Call(
            func=name(mark("with_key")), args=[name(t), n.key, n.value], keywords=[])), "dict")

    def visit_GeneratorExp(self, node):
        raise error(node, self.env, "generator expression", "use it directly inside `sum(...)`, "
                    "or use a list comprehension")

    def visit_SetComp(self, node):
        raise error(node, self.env, "set comprehension", "use a list comprehension")

    def visit_Call(self, node):
        if (isinstance(node.func, gast.Name) and self.env.resolve(node.func) is builtins.sum
                and len(node.args) == 1 and not node.keywords
                and isinstance(node.args[0], gast.GeneratorExp)):
            gen = node.args[0]
            return self.lifted(gen, const(0), lambda t, n: assign(t, gast.BinOp(
                left=name(t), op=gast.Add(), right=n.elt)), "total")
        if self.env.resolve(node.func) is functools.reduce and not node.keywords \
                and 2 <= len(node.args) <= 3:
            return self.reduced(node)
        if (isinstance(node.func, gast.Attribute) and node.func.attr == "get"
                and isinstance(node.func.value, gast.Name) and not node.keywords
                and self.env.resolve(node.func.value) is MISSING and 1 <= len(node.args) <= 2):
            mapping, key = node.func.value, node.args[0]
            default = node.args[1] if len(node.args) == 2 else const(None)
            test = gast.Compare(left=copy.deepcopy(key), ops=[gast.In()],
                                comparators=[copy.deepcopy(mapping)])
            read = gast.Subscript(value=copy.deepcopy(mapping), slice=copy.deepcopy(key),
                                  ctx=gast.Load())
            return self.visit(gast.IfExp(test=test, body=read, orelse=default))
        return self.generic_visit(node)

    def reduced(self, node: gast.Call) -> gast.Name:
        """``functools.reduce(f, xs, start)`` -> ``acc = start; for v in xs: acc = f(acc, v)``
        (without ``start``: ``acc = xs[0]``, and the loop from the second element)."""
        function, items = self.visit(node.args[0]), self.visit(node.args[1])
        if not isinstance(items, gast.Name):
            sequence = self.namer.fresh("sequence")
            self.pre += _located([assign(sequence, items)], node)
            items = name(sequence)
        result = self.namer.fresh("reduced")
        if len(node.args) == 3:
            start, loop = [assign(result, self.visit(node.args[2]))], copy.deepcopy(items)
            target = name(self.namer.fresh("item"))
            element = name(target.id)
        else:
            first = gast.Subscript(value=copy.deepcopy(items), slice=const(0), ctx=gast.Load())
            start = [assign(result, first)]
            position = self.namer.fresh("k")
            length = gast.Call(func=name("len"), args=[copy.deepcopy(items)], keywords=[])
            loop = gast.Call(func=name("range"), args=[const(1), length], keywords=[])
            target = name(position)
            element = gast.Subscript(value=copy.deepcopy(items), slice=name(position),
                                     ctx=gast.Load())
        step = assign(result, gast.Call(func=function, args=[name(result), element], keywords=[]))
        target.ctx = gast.Store()
        body = gast.For(target=target, iter=loop, body=[step], orelse=[], type_comment=None)
        self.pre += _located(start, node) + self.statement(_located([body], node)[0])
        return name(result)

    def lifted(self, node, start: gast.expr, add, hint: str) -> gast.Name:
        """The comprehension's loops (one per ``for``, outermost first, each with its ``if``s),
        placed before the statement; its value is a new name. A comprehension inside the
        element (``[[f(v) for v in row] for row in m]``) is lifted again, into the loop."""
        for gen in node.generators:
            renames = self.private_targets(node, gen.target)
            node = substitute(node, renames) if renames else node
        result, self.into = self.into or self.namer.fresh(hint), None
        body = [add(result, node)]
        for k, gen in reversed(list(enumerate(node.generators))):
            if gen.ifs:
                test = gen.ifs[0] if len(gen.ifs) == 1 else gast.BoolOp(op=gast.And(), values=gen.ifs)
                body = [gast.If(test=test, body=body, orelse=[])]
            # the first iterable is evaluated here; the others inside the loops around them
            body = [gast.For(target=gen.target, iter=self.visit(gen.iter) if k == 0 else gen.iter,
                             body=body, orelse=[], type_comment=None)]
        self.pre += _located([assign(result, start)], node) + self.statement(
            _located(body, node)[0])
        return name(result)

    def private_targets(self, node, target) -> dict[str, str]:
        """A comprehension's variables are its own: renamed when the function uses the name
        elsewhere too (the loop would overwrite it)."""
        inside: dict[str, int] = {}
        for n in walk(node):
            if isinstance(n, gast.Name):
                inside[n.id] = inside.get(n.id, 0) + 1
        stored = [n.id for n in name_nodes(target)]
        return {v: self.namer.fresh(v) for v in stored if self.counts.get(v, 0) > inside[v]}


def _built_into(s: gast.stmt) -> str | None:
    """``ys = [f(v) for v in xs]``: the name a comprehension (or ``sum`` of a generator) can be
    built in directly, when it does not read that name itself."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)):
        return None
    value, target = s.value, s.targets[0].id
    whole = isinstance(value, (gast.ListComp, gast.DictComp)) or (
        isinstance(value, gast.Call) and len(value.args) == 1
        and isinstance(value.args[0], gast.GeneratorExp))
    return target if whole and target not in names_in(value) else None


def _has_comprehension(node: gast.AST | None) -> bool:
    return node is not None and any(isinstance(n, (gast.ListComp, gast.DictComp, gast.SetComp,
                                                   gast.GeneratorExp)) for n in walk(node))


def expand_lists(body: list[gast.stmt]) -> list[gast.stmt]:
    """``xs = [a, b]`` -> ``xs = []; xs.append(a); xs.append(b)``: every list is built by
    appends, so its adjoint (a list as long as it) is taken apart by pops in one way."""
    out: list[gast.stmt] = []
    for s in body:
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, expand_lists(getattr(s, field_name)))
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.List) and s.value.elts:
            target = s.targets[0].id
            pushes = [gast.Expr(value=gast.Call(func=gast.Attribute(
                value=name(target), attr="append", ctx=gast.Load()), args=[e], keywords=[]))
                for e in s.value.elts]
            out.extend(_located([assign(target, gast.List(elts=[], ctx=gast.Load()))] + pushes, s))
            continue
        out.append(s)
    return out
