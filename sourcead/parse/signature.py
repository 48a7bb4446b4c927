"""A concrete signature for one call shape: ``*args`` and ``**kwargs`` expanded, constants
written into the code where they read well, objects kept as free names.
"""
from __future__ import annotations

import copy
from typing import Any

import gast
import numpy as np

from ..errors import UsageError
from ..naming import Namer
from ..rules.template import assign, const, constant_int, name, name_nodes, names_in, walk
from .callables import Shape, _bind, callable_name, signature_of
from .common import LIFTED, _own_names, _refuse
from .environment import Environment, Read, _note


def concrete_signature(tree: gast.FunctionDef, env: Environment, obj: Any,
                       hidden: dict[str, Any], shape: Shape):
    """The function with one plain parameter per argument the call passes; everything else
    it receives becomes a constant of this specialization."""
    try:
        bound = _bind(obj, shape)
    except TypeError as err:
        raise UsageError(f"{callable_name(obj)} cannot be called with {shape.positional} "
                         f"positional argument(s) and keywords {list(shape.keywords)}: {err}",
                         hint="pass the arguments its signature asks for") from None
    defaults = {p.name: p.default for p in signature_of(obj).parameters.values()
                if p.default is not p.empty}
    fixed, namer = dict(shape.fixed), Namer(names_in(tree) | set(env.closure))
    a = tree.args
    params: list[gast.Name] = []
    constants: dict[str, Any] = dict(hidden)
    origins = {p: ("fixed", p) for p in hidden}
    stars: dict[str, list[str]] = {}
    keywords: dict[str, dict[str, str]] = {}

    def given(ident: str, index: int, annotation=None) -> None:
        if index in fixed:
            constants[ident] = fixed[index]
            origins[ident] = ("given", ident)
        else:
            params.append(gast.Name(id=ident, ctx=gast.Param(), annotation=annotation,
                                    type_comment=None))

    for p in a.posonlyargs + a.args + a.kwonlyargs:
        if p.id in hidden:
            continue
        if p.id in bound:
            given(p.id, bound[p.id], p.annotation)
        else:
            constants[p.id] = defaults[p.id]
            origins[p.id] = ("default", p.id)
    if a.vararg is not None:
        star = a.vararg.id
        stars[star] = [namer.fresh(f"{star}_{k}") for k in range(len(bound.get(star, ())))]
        for ident, index in zip(stars[star], bound.get(star, ())):
            given(ident, index)
    if a.kwarg is not None:
        kw = a.kwarg.id
        given_keywords = bound.get(kw, {})
        keywords[kw] = {k: namer.fresh(k) for k in sorted(given_keywords)}
        for k in sorted(given_keywords):
            given(keywords[kw][k], given_keywords[k])
    # parameters keep the callee's order: positional, then *args, then keyword-only, **kw
    order = [p.id for p in a.posonlyargs + a.args] + stars.get(getattr(a.vararg, "id", ""), []) \
        + [p.id for p in a.kwonlyargs] + list(keywords.get(getattr(a.kwarg, "id", ""), {}).values())
    params.sort(key=lambda p: order.index(p.id))
    tree.args = gast.arguments(args=params, posonlyargs=[], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=[])
    tree.body = _expand_variadic(tree, env, stars, keywords) + tree.body
    return _bind_constants(tree, env, constants, namer, origins,
                           track=getattr(obj, LIFTED, None) is None)


def _expand_variadic(tree: gast.FunctionDef, env: Environment, stars: dict[str, list[str]],
                     keywords: dict[str, dict[str, str]]) -> list[gast.stmt]:
    """``g(*args)`` -> ``g(args_0, args_1)``, ``g(**kw)`` -> ``g(a=a)``, ``kw['a']`` -> ``a``;
    other reads of ``args`` see the tuple ``args = (args_0, args_1)``."""
    for node in walk(tree):
        for field_name in ("args", "elts"):
            items = getattr(node, field_name, None)
            if isinstance(items, list) and any(_starred(i, stars) is not None for i in items):
                setattr(node, field_name, [e for i in items for e in (
                    [name(n) for n in _starred(i, stars)] if _starred(i, stars) is not None
                    else [i])])
        if isinstance(node, gast.Call) and any(k.arg is None and isinstance(k.value, gast.Name)
                                               and k.value.id in keywords for k in node.keywords):
            node.keywords = [e for k in node.keywords for e in (
                [gast.keyword(arg=a, value=name(p)) for a, p in keywords[k.value.id].items()]
                if k.arg is None and isinstance(k.value, gast.Name) and k.value.id in keywords
                else [k])]
    for node in walk(tree):
        for field_name, child in list(gast.iter_fields(node)):
            if isinstance(child, gast.Subscript) and isinstance(child.value, gast.Name) \
                    and child.value.id in keywords and isinstance(child.slice, gast.Constant) \
                    and child.slice.value in keywords[child.value.id]:
                setattr(node, field_name, name(keywords[child.value.id][child.slice.value]))
    for node in walk(tree):
        if isinstance(node, gast.Name) and node.id in keywords and node is not tree:
            raise _refuse(node, env, "use of `**kwargs` other than passing it on",
                          f"pass it on with `g(**{node.id})` or read `{node.id}['name']`")
    used = {n.id for n in name_nodes(tree)}
    return [gast.copy_location(assign(star, gast.Tuple(elts=[name(n) for n in names],
                                                       ctx=gast.Load())), tree)
            for star, names in stars.items() if star in used]


def _starred(node: gast.AST, stars: dict[str, list[str]]) -> list[str] | None:
    """The parameters a starred ``*args`` or ``*args[i:j:k]`` (constant bounds) passes on, in
    order (how a decorator's wrapper hands its arguments to the function it wraps); None for
    anything else."""
    if not isinstance(node, gast.Starred):
        return None
    value = node.value
    if isinstance(value, gast.Name) and value.id in stars:
        return stars[value.id]
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and value.value.id in stars and isinstance(value.slice, gast.Slice):
        bounds = [constant_int(b) for b in (value.slice.lower, value.slice.upper,
                                             value.slice.step)]
        given = [b for b in (value.slice.lower, value.slice.upper, value.slice.step)]
        if all(g is None or b is not None for g, b in zip(given, bounds)) and bounds[2] != 0:
            return stars[value.value.id][slice(*bounds)]
    return None


def _literal(value: Any) -> gast.expr | None:
    """A constant written in the code, for values that read well as one."""
    if isinstance(value, (bool, np.bool_)):
        return const(bool(value))
    if isinstance(value, (int, np.integer)):
        return const(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return const(float(value))
    if value is None or isinstance(value, str):
        return const(value)
    if isinstance(value, tuple):
        elts = [_literal(v) for v in value]
        return None if any(e is None for e in elts) else gast.Tuple(elts=elts, ctx=gast.Load())
    return None


def _inline(tree: gast.AST, ident: str, literal: gast.expr) -> None:
    """Write the constant where the parameter is read (not where a nested function's own
    parameter of the same name hides it)."""
    for node in gast.iter_child_nodes(tree):
        if isinstance(node, (gast.FunctionDef, gast.Lambda)) and ident in _own_names(node):
            continue
        for field_name, child in gast.iter_fields(node):
            if isinstance(child, gast.Name) and child.id == ident:
                setattr(node, field_name, gast.copy_location(copy.deepcopy(literal), child))
            elif isinstance(child, list):
                child[:] = [gast.copy_location(copy.deepcopy(literal), c)
                            if isinstance(c, gast.Name) and c.id == ident else c for c in child]
        _inline(node, ident, literal)


def _bind_constants(tree: gast.FunctionDef, env: Environment, constants: dict[str, Any],
                    namer: Namer, origins: dict[str, tuple], track: bool = True
                    ) -> tuple[gast.FunctionDef, Environment]:
    """``p = 2.0`` at the top for a literal; an object (``self``, an array) is a free name
    of the specialization, like a global, read where it lives each time the derivative runs.
    A literal written into the code is a value the derivative depends on: ``track`` notes it,
    so a changed default builds the derivative again (a nested function's defaults are
    constants of its enclosing function's code, and need no note)."""
    stored = {n.id for n in name_nodes(tree) if n.ctx.__class__ is gast.Store}
    first, extra, slots = [], {}, {}
    for ident, value in constants.items():
        literal = _literal(value)
        if literal is not None and track:
            _note(Read(env, origins[ident], (), value, "equal"))
        if literal is not None and ident not in stored:
            _inline(tree, ident, literal)
            continue
        if literal is None and ident not in stored:
            extra[ident], slots[ident] = value, origins[ident]
            continue
        if literal is None:
            holder = namer.fresh(f"{ident}_value")
            extra[holder], slots[holder], literal = value, origins[ident], name(holder)
        first.append(gast.copy_location(assign(ident, literal), tree))
    tree.body = first + tree.body
    return tree, env.with_names(extra, slots)
