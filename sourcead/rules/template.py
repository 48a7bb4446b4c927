"""Template machinery: Python text with placeholder names -> gast nodes.

In: a snippet such as ``"x_bar + g * np.cos(x)"`` and a mapping from placeholder names
to gast nodes (or plain names). Out: a fresh gast tree with every placeholder Name
replaced by a deep copy of its substitute. Rules and passes build code this way so
that what they generate is visible as Python text in the source of sourcead itself.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Mapping, Union

import gast

Sub = Union[gast.AST, str, int, float, bool, None]


@lru_cache(maxsize=None)
def _parse(text: str, mode: str) -> gast.AST:
    tree = gast.parse(text)
    return tree.body[0].value if mode == "expr" else tree


def walk(node: gast.AST):
    """Every node below ``node`` (itself first), in source order. ``ast.walk`` is generic and
    several times slower; the passes walk the whole function many times."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        children = []
        for f in n._fields:
            v = getattr(n, f, None)
            if isinstance(v, list):
                children.extend(x for x in v if isinstance(x, gast.AST))
            elif isinstance(v, gast.AST):
                children.append(v)
        stack.extend(reversed(children))


def clone(node):
    """A fresh copy of a tree, every position its own node (faster than deepcopy)."""
    if isinstance(node, list):
        return [clone(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    new = type(node)(**{f: clone(getattr(node, f, None)) for f in node._fields})
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if hasattr(node, attr):
            setattr(new, attr, getattr(node, attr))
    return new


def name(ident: str, store: bool = False) -> gast.Name:
    ctx = gast.Store() if store else gast.Load()
    return gast.Name(id=ident, ctx=ctx, annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def as_node(value: Sub) -> gast.AST:
    """A substitute may be a node, an identifier (str) or a Python constant."""
    if isinstance(value, gast.AST):
        return clone(value)
    if isinstance(value, str):
        return name(value)
    return const(value)


class _Substitute(gast.NodeTransformer):
    def __init__(self, subs: Mapping[str, Sub]):
        self.subs = subs

    def visit_Name(self, node: gast.Name):
        if node.id not in self.subs:
            return node
        new = as_node(self.subs[node.id])
        if isinstance(new, gast.Name):
            new.ctx = node.ctx
        return new


def expr(text: str, **subs: Sub) -> gast.expr:
    """Parse an expression template and substitute placeholders."""
    return _Substitute(subs).visit(clone(_parse(text, "expr")))


def stmts(text: str, **subs: Sub) -> list[gast.stmt]:
    """Parse a block of statements and substitute placeholders."""
    return _Substitute(subs).visit(clone(_parse(text, "module"))).body


def substitute(node: gast.AST, subs: Mapping[str, Sub]) -> gast.AST:
    """Replace placeholder names in an existing tree (a copy is returned)."""
    return _Substitute(subs).visit(clone(node))


def assign(target: str, value: gast.expr) -> gast.Assign:
    return gast.Assign(targets=[name(target, store=True)], value=value, type_comment=None)


def names_in(node: gast.AST) -> set[str]:
    """Every identifier read or written inside ``node``."""
    return {n.id for n in walk(node) if isinstance(n, gast.Name)}


def loaded_names(node: gast.AST) -> set[str]:
    return {n.id for n in walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def times(g: gast.expr, partial: gast.expr) -> gast.expr:
    """``g * partial`` written the way a person would: g, -g, g / y, -(g * p)."""
    g = clone(g)
    if isinstance(partial, gast.Constant) and partial.value == 1:
        return g
    if isinstance(partial, gast.Constant) and partial.value == -1:
        return gast.UnaryOp(op=gast.USub(), operand=g)
    if isinstance(partial, gast.UnaryOp) and isinstance(partial.op, gast.USub):
        return gast.UnaryOp(op=gast.USub(), operand=times(g, partial.operand))
    if (isinstance(partial, gast.BinOp) and isinstance(partial.op, gast.Div)
            and isinstance(partial.left, gast.Constant) and partial.left.value == 1):
        return gast.BinOp(left=g, op=gast.Div(), right=partial.right)
    return gast.BinOp(left=g, op=gast.Mult(), right=partial)


def total(terms: list[gast.expr]) -> gast.expr:
    """``a + b - c`` from terms, writing ``+ -c`` as ``- c``."""
    total = terms[0]
    for t in terms[1:]:
        if isinstance(t, gast.UnaryOp) and isinstance(t.op, gast.USub):
            total = gast.BinOp(left=total, op=gast.Sub(), right=t.operand)
        else:
            total = gast.BinOp(left=total, op=gast.Add(), right=t)
    return total


DEFAULT = "__default_{}__"


def default_marker(param: str) -> gast.Name:
    """A placeholder for a parameter the user's call left to its default."""
    return name(DEFAULT.format(param))


def without_defaults(node: gast.AST, defaults: dict, operation_function=None) -> gast.AST:
    """Drop arguments that only repeat a default (``unreduce(g, x, None, False)`` reads
    ``unreduce(g, x)``); a default used anywhere else becomes its constant.

    An argument is dropped only where that is the same call: in a call of the operation's own
    function (the user left the argument out too), or of a function whose own default is the
    same value (``np.take``'s axis defaults to None, not to ``np.stack``'s 0)."""
    markers = {DEFAULT.format(k): (k, v) for k, v in defaults.items()}

    def droppable(call, param, value, position=None) -> bool:
        callee = _template_callee(call)
        if callee is None or (operation_function is not None and callee is operation_function):
            return callee is not None
        return _default_of(callee, param, position) == (value,)

    for n in walk(node):
        if isinstance(n, gast.Call):
            n.keywords = [k for k in n.keywords if not (
                isinstance(k.value, gast.Name) and k.value.id in markers
                and droppable(n, k.arg, markers[k.value.id][1]))]
            while n.args and isinstance(n.args[-1], gast.Name) and n.args[-1].id in markers \
                    and droppable(n, None, markers[n.args[-1].id][1], len(n.args) - 1):
                n.args.pop()
    return _Substitute({m: const(v) for m, (_, v) in markers.items()}).visit(node)


def _template_callee(call: gast.Call):
    """The object a template call names: a sourcead helper, or ``np.f`` / ``math.f``."""
    from .. import runtime
    import math
    import numpy as np
    func = call.func
    if isinstance(func, gast.Name):
        return runtime.HELPERS.get(func.id)
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
        module = {"np": np, "math": math}.get(func.value.id)
        return getattr(module, func.attr, None) if module is not None else None
    return None


def _default_of(func, param: str | None, position: int | None):
    """``(default,)`` of a parameter, by name or position; ``()`` when unknown or none."""
    import inspect
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return ()
    chosen = [p for p in params if p.name == param] if param is not None else (
        params[position:position + 1] if position is not None else [])
    if not chosen or chosen[0].default is inspect.Parameter.empty:
        return ()
    return (chosen[0].default,)


def index_value(index: gast.expr) -> gast.expr:
    """Slice syntax as a value that can be passed to a function: ``slice(a, b, c)``."""
    if isinstance(index, gast.Slice):
        parts = [p if p is not None else const(None) for p in (index.lower, index.upper, index.step)]
        return gast.Call(func=name("slice"), args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in index.elts], ctx=gast.Load())
    return copy.deepcopy(index)


def index_syntax(value: gast.expr) -> gast.expr:
    """The inverse of ``index_value``: ``slice(1, None)`` -> ``1:``, for readable writes."""
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id == "slice" and len(value.args) == 3 and not value.keywords:
        parts = [None if isinstance(p, gast.Constant) and p.value is None else copy.deepcopy(p)
                 for p in value.args]
        return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
    if isinstance(value, gast.Tuple):
        return gast.Tuple(elts=[index_syntax(e) for e in value.elts], ctx=gast.Load())
    return copy.deepcopy(value)


def summed(terms: list[gast.expr], containers: bool) -> gast.expr:
    """Derivative terms added: ``a + b``, or ``add_tree(a, b)`` for containers (where ``+``
    would concatenate lists and tuples)."""
    if not containers:
        return total(terms)
    out = terms[0]
    for t in terms[1:]:
        out = expr("add_tree(a, b)", a=out, b=t)
    return out
