"""Loops over a dict itself: ``for k in d`` is ``for k in d.keys()``.

In: a parsed function and its arguments' kinds (known when a derivative is built for them).
Out: the same function (a copy where something changes) where a ``for`` over a dict iterates
over its keys, written ``d.keys()``, which normalize reads as a loop over ``keys_of(d)``.
Without the kinds, ``for v in xs`` is a loop over positions (right for lists, tuples and
arrays): a dict is known as one where it is a dict parameter (by its kind) or a variable that
the function only ever assigns dict displays, dict comprehensions or ``dict(...)`` calls. A
loop over another dict is refused once the analysis' kinds know it (``refuse_dict_iteration``).
"""
from __future__ import annotations

import builtins
import dataclasses

import gast

from ..parse import Environment, Parsed
from ..rules.template import clone, walk


def dict_loops_over_keys(parsed: Parsed, kinds) -> Parsed:
    tree, env = parsed.tree, parsed.env
    dicts = _dict_names(tree, env, kinds)
    loops = [n for n in walk(tree) if isinstance(n, (gast.For, gast.comprehension))
             and isinstance(n.iter, gast.Name) and n.iter.id in dicts]
    if not loops:
        return parsed
    tree = clone(tree)
    for n in walk(tree):
        if isinstance(n, (gast.For, gast.comprehension)) and isinstance(n.iter, gast.Name) \
                and n.iter.id in dicts:
            keys = gast.Attribute(value=n.iter, attr="keys", ctx=gast.Load())
            n.iter = gast.copy_location(gast.Call(func=gast.copy_location(keys, n.iter),
                                                  args=[], keywords=[]), n.iter)
    return dataclasses.replace(parsed, tree=tree)


def _dict_names(tree: gast.FunctionDef, env: Environment, kinds) -> set[str]:
    """Names that hold a dict wherever the function reads them."""
    values: dict[str, list[gast.expr | None]] = {}
    for a, kind in zip(tree.args.args, kinds):
        structure = getattr(kind, "structure", None)
        values.setdefault(a.id, []).append(
            gast.Dict(keys=[], values=[]) if structure is not None and structure[0] == "dict"
            else None)
    for n in walk(tree):
        if isinstance(n, gast.Assign):
            for t in n.targets:
                if isinstance(t, gast.Name):
                    values.setdefault(t.id, []).append(n.value)
        elif isinstance(n, (gast.AugAssign, gast.AnnAssign, gast.For, gast.NamedExpr)):
            for t in walk(n.target):
                if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store):
                    values.setdefault(t.id, []).append(
                        n.value if isinstance(n, gast.AnnAssign) else None)
    return {ident for ident, vs in values.items() if vs and all(_is_dict(v, env) for v in vs)}


def _is_dict(value: gast.expr | None, env: Environment) -> bool:
    if isinstance(value, (gast.Dict, gast.DictComp)):
        return True
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
        and env.resolve(value.func) is builtins.dict
