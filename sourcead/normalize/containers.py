"""A list's or dict's own methods that change it, written as the writes and appends they are.

In: an expression statement (a call whose value is discarded), its Environment and the Namer.
Out: ``container_method`` returns the statements that do what the call does, or None where
the call is not one of these:

* ``d.update(other)`` -> ``for key in keys_of(other): d[key] = other[key]``; ``d.update({k:
  v})`` and ``d.update(k=v)`` -> ``d[k] = v``;
* ``xs.extend(ys)`` -> ``for y in ys: xs.append(y)``; ``xs.extend([a, b])`` -> appends;
* ``xs.insert(i, v)`` -> ``xs = with_inserted(xs, i, v)``.

The writes are then what any write into a list or dict is: a new value where no other name
can see the change (``analyze.aliases`` refuses where one can). Only methods of a local
value are read this way (not of a module's object).
"""
from __future__ import annotations

import copy

import gast

from ..naming import Namer, mark
from ..parse import MISSING, Environment
from ..rules.template import assign, const, name


def container_method(s: gast.Expr, env: Environment, namer: Namer) -> list[gast.stmt] | None:
    call = s.value
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and isinstance(call.func.value, gast.Name)
            and env.resolve(call.func.value) is MISSING):
        return None
    owner, method = call.func.value.id, call.func.attr
    if method == "update" and len(call.args) <= 1:
        return _update(owner, call, namer)
    if method == "extend" and len(call.args) == 1 and not call.keywords:
        return _extend(owner, call.args[0], namer)
    if method == "insert" and len(call.args) == 2 and not call.keywords:
        return [assign(owner, gast.Call(func=name(mark("with_inserted")),
                                        args=[name(owner)] + call.args, keywords=[]))]
    return None


def _write(owner: str, key: gast.expr, value: gast.expr) -> gast.Assign:
    return gast.Assign(targets=[gast.Subscript(value=name(owner), slice=key, ctx=gast.Store())],
                       value=value, type_comment=None)


def _update(owner: str, call: gast.Call, namer: Namer) -> list[gast.stmt] | None:
    out: list[gast.stmt] = []
    if call.args:
        other = call.args[0]
        if isinstance(other, gast.Dict):
            if any(k is None for k in other.keys):
                return None
            out += [_write(owner, k, v) for k, v in zip(other.keys, other.values)]
        elif isinstance(other, gast.Name):
            key = namer.fresh("key")
            read = gast.Subscript(value=copy.deepcopy(other), slice=name(key), ctx=gast.Load())
            out.append(gast.For(target=name(key, store=True),
                                iter=gast.Call(func=name(mark("keys_of")), args=[other],
                                               keywords=[]),
                                body=[_write(owner, name(key), read)], orelse=[],
                                type_comment=None))
        else:
            return None
    if any(k.arg is None for k in call.keywords):
        return None
    return out + [_write(owner, const(k.arg), k.value) for k in call.keywords]


def _extend(owner: str, other: gast.expr, namer: Namer) -> list[gast.stmt] | None:
    def append(v: gast.expr) -> gast.Expr:
        return gast.Expr(value=gast.Call(func=gast.Attribute(value=name(owner), attr="append",
                                                             ctx=gast.Load()),
                                         args=[v], keywords=[]))
    if isinstance(other, (gast.List, gast.Tuple)):
        if any(isinstance(e, gast.Starred) for e in other.elts):
            return None
        return [append(e) for e in other.elts]
    if isinstance(other, gast.Name):
        item = namer.fresh("item")
        return [gast.For(target=name(item, store=True), iter=other, body=[append(name(item))],
                         orelse=[], type_comment=None)]
    return None
