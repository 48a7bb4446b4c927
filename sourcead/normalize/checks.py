"""Refusal checks of normalize: writes it can see without kinds, and loops over dicts.

In: ``check_writes`` runs inside normalize on the function, its desugared body and its
Environment; ``refuse_dict_iteration`` runs from the pipeline once kinds are known.
Out: an ``UnsupportedSyntaxError`` naming the user's line: a write into a name that is not
local (a module-level array), or a loop over a dict that is not known to be one before the
analysis (``normalize.dicts``). ``check_writes`` also returns copies of the written
parameters, to put first, so the caller's arrays (and lists and dicts) are never changed; a
write into a list or dict is a new value (``conversions.container_writes_as_values``). Which names may share memory with an array written into
(or changed by ``y op= v``), and what that does to the derivative, is the alias analysis'
question (``analyze.aliases``), answered once kinds are known.
"""
from __future__ import annotations

import gast

from ..parse import Environment, Parsed
from ..rules.template import walk, assign, name
from .common import _located, error
from .writes import written_arrays


def check_writes(fn: gast.FunctionDef, body: list[gast.stmt], env: Environment) -> list[gast.stmt]:
    """Refuse writes into names that are not local; copy written parameters, so the caller's
    arrays are never changed. Returns the copies to put first."""
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
    # (whether the arrays written into share memory with another name is the alias
    # analysis' question: analyze.aliases, run once kinds are known)
    # the copy carries the line of the first write, which is what an error about it concerns
    return [_located([assign(p, _method_call(p, "copy"))], first_write[p])[0]
            for p in params if p in written]


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


def _method_call(obj: str, method: str) -> gast.Call:
    return gast.Call(func=gast.Attribute(value=name(obj), attr=method, ctx=gast.Load()),
                     args=[], keywords=[])
