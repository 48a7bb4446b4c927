"""Local ``functools.partial`` objects become plain calls.

In: the fenced FunctionDef, its Environment and the Namer.
Out: the FunctionDef in which each ``g = functools.partial(f, a, k=b)`` that is bound once
and only ever called is replaced by the values it fixes, named where it is made
(``g_0 = a``, ``g_k = b``), and each call ``g(x)`` by ``f(g_0, x, k=g_k)``; a function
without such a partial comes back unchanged.
"""
from __future__ import annotations

import copy

import gast

from ..naming import Namer
from ..parse import Environment
from ..parse import MISSING as MISSING_VALUE
from ..rules.template import name_nodes, walk, assign, name
from .common import _located


def inline_local_partials(fn: gast.FunctionDef, env: Environment, namer: Namer) -> gast.FunctionDef:
    """``g = functools.partial(f, a, k=b)`` made inside the function, where ``g`` is bound
    once and only ever called: the values it fixes are named where it is made (``g_0 = a``,
    ``g_k = b``, so later changes of ``a`` do not reach them), and each call ``g(x)`` becomes
    ``f(g_0, x, k=g_k)``, a call sourcead resolves like any other."""
    import functools
    loads: dict[str, list[gast.Name]] = {}
    stores: dict[str, int] = {}
    for n in name_nodes(fn):
        if n.ctx.__class__ is gast.Store:
            stores[n.id] = stores.get(n.id, 0) + 1
        else:
            loads.setdefault(n.id, []).append(n)
    called = {id(n.func) for n in walk(fn) if isinstance(n, gast.Call)}
    made: dict[str, tuple] = {}
    for s in walk(fn):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name) \
                and isinstance(s.value, gast.Call) and s.value.args \
                and env.resolve(s.value.func) is functools.partial \
                and env.resolve(s.value.args[0]) is not MISSING_VALUE \
                and not any(isinstance(a, gast.Starred) for a in s.value.args) \
                and all(k.arg is not None for k in s.value.keywords):
            g = s.targets[0].id
            if stores.get(g) == 1 and all(id(n) in called for n in loads.get(g, [])):
                made[g] = (s, [namer.fresh(f"{g}_{k}") for k in range(len(s.value.args) - 1)],
                           {k.arg: namer.fresh(f"{g}_{k.arg}") for k in s.value.keywords})
    if not made:
        return fn

    class Inline(gast.NodeTransformer):
        def visit_Assign(self, node):
            for g, (s, fixed, keywords) in made.items():
                if node is s:  # the values the partial fixes, named where it is made
                    values = node.value.args[1:] + [k.value for k in node.value.keywords]
                    return _located([assign(v, e) for v, e in
                                     zip(fixed + list(keywords.values()), values)], node)
            return self.generic_visit(node)

        def visit_Call(self, node):
            self.generic_visit(node)
            if isinstance(node.func, gast.Name) and node.func.id in made:
                s, fixed, keywords = made[node.func.id]
                given = {k.arg for k in node.keywords}
                node.func = copy.deepcopy(s.value.args[0])
                node.args = [name(v) for v in fixed] + node.args
                node.keywords = [gast.keyword(arg=k, value=name(v)) for k, v in keywords.items()
                                 if k not in given] + node.keywords
            return node
    return Inline().visit(fn)
