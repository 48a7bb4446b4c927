"""Starred calls of containers whose length (or keys) the function fixes: spelled out.

In: a parsed function and its arguments' kinds.
Out: the same function (a copy where something changes) where ``f(*args)``, ``f(*xs[1:])``
(constant bounds), ``g(**kw)`` and ``g(**{"a": x})`` pass their elements one by one:
``f(args[0], args[1])``, ``f(xs[1], xs[2])``, ``g(scale=kw["scale"])``, ``g(a=x)``. The
length is known where the container is a tuple, list or dict argument (its kind has its
structure) that the function never assigns again, or a local tuple, list or dict display
that is the only value of its name and that nothing changes (no method call, write or
``op=`` on it). Any other starred expression is refused by the fence, with a rewrite.
"""
from __future__ import annotations

import dataclasses

import gast

from ..parse import Parsed
from ..rules.template import clone, const, constant_int, name, walk


def expand_starred_calls(parsed: Parsed, kinds) -> Parsed:
    tree = parsed.tree
    if not any(isinstance(n, gast.Starred) or (isinstance(n, gast.keyword) and n.arg is None)
               for n in walk(tree)):
        return parsed
    tree = clone(tree)
    known = _fixed_containers(tree, kinds)
    for node in walk(tree):
        if isinstance(node, gast.Call):
            node.args = [a for arg in node.args for a in _spread(arg, known)]
            node.keywords = [k for kw in node.keywords for k in _spread_keywords(kw, known)]
    return dataclasses.replace(parsed, tree=tree)


def _spread(arg: gast.expr, known: dict) -> list[gast.expr]:
    if not isinstance(arg, gast.Starred):
        return [arg]
    value = arg.value
    if isinstance(value, (gast.Tuple, gast.List)) and not any(
            isinstance(e, gast.Starred) for e in value.elts):
        return list(value.elts)
    base, positions = value, None
    if isinstance(value, gast.Subscript) and isinstance(value.slice, gast.Slice):
        base = value.value
    if not (isinstance(base, gast.Name) and isinstance(known.get(base.id), int)):
        return [arg]
    positions = list(range(known[base.id]))
    if base is not value:
        parts = (value.slice.lower, value.slice.upper, value.slice.step)
        bounds = [constant_int(p) for p in parts]
        if any(p is not None and b is None for p, b in zip(parts, bounds)) or bounds[2] == 0:
            return [arg]
        positions = positions[slice(*bounds)]
    return [gast.copy_location(gast.Subscript(value=name(base.id), slice=const(k),
                                              ctx=gast.Load()), arg) for k in positions]


def _spread_keywords(kw: gast.keyword, known: dict) -> list[gast.keyword]:
    if kw.arg is not None:
        return [kw]
    value = kw.value
    if isinstance(value, gast.Dict) and all(
            isinstance(k, gast.Constant) and isinstance(k.value, str) for k in value.keys):
        return [gast.keyword(arg=k.value, value=v) for k, v in zip(value.keys, value.values)]
    if isinstance(value, gast.Name) and isinstance(known.get(value.id), tuple):
        return [gast.keyword(arg=k, value=gast.Subscript(value=name(value.id), slice=const(k),
                                                         ctx=gast.Load()))
                for k in known[value.id]]
    return [kw]


def _fixed_containers(tree: gast.FunctionDef, kinds) -> dict:
    """name -> its length (a tuple or list) or its keys (a dict, a tuple of strings)."""
    stores: dict[str, list] = {}
    for n in walk(tree):
        if isinstance(n, gast.Assign):
            for t in n.targets:
                for m in walk(t):
                    if isinstance(m, gast.Name) and isinstance(m.ctx, gast.Store):
                        stores.setdefault(m.id, []).append(n.value if t is m else None)
        elif isinstance(n, (gast.AugAssign, gast.AnnAssign, gast.For, gast.NamedExpr,
                            gast.comprehension)):
            for m in walk(n.target):
                if isinstance(m, gast.Name) and isinstance(m.ctx, gast.Store):
                    stores.setdefault(m.id, []).append(None)
    changed = _changed_in_place(tree)
    known: dict = {}
    for a, kind in zip(tree.args.args, kinds):
        structure = getattr(kind, "structure", None)
        if structure is not None and a.id not in stores and a.id not in changed:
            kind_name, items = structure
            known[a.id] = tuple(k for k, _ in items) if kind_name == "dict" else len(items)
    params = {a.id for a in tree.args.args}
    for ident, values in stores.items():
        if len(values) != 1 or ident in params or ident in changed:
            continue
        value = values[0]
        if isinstance(value, (gast.Tuple, gast.List)) and not any(
                isinstance(e, gast.Starred) for e in value.elts):
            known[ident] = len(value.elts)
        elif isinstance(value, gast.Dict) and all(
                isinstance(k, gast.Constant) and isinstance(k.value, str) for k in value.keys):
            known[ident] = tuple(k.value for k in value.keys)
    return known


def _changed_in_place(tree: gast.FunctionDef) -> set[str]:
    """Names a method is called on (``xs.append``), written into or changed by ``op=``."""
    out = set()
    for n in walk(tree):
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) \
                and isinstance(n.func.value, gast.Name):
            out.add(n.func.value.id)
        elif isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) \
                and isinstance(n.value, gast.Name):
            out.add(n.value.id)
        elif isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
            out.add(n.target.id)
    return out
