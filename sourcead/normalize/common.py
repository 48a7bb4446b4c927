"""Helpers the normalize passes share.

In: gast nodes of the function being normalized and its Environment.
Out: ``error``, the ``UnsupportedSyntaxError`` that names the user's file, line and
construct; ``_located``, which gives generated statements the user's line; ``_load`` and
``_walk_stmts``; the recognisers of a list used as a stack (``t.append(v)``, ``t.pop()``);
``marked_references``, which writes a free name that holds NumPy, math or one of sourcead's
helpers marked, as sourcead's own code names them; and ``RESULT``, the name of the returned
value.
"""
from __future__ import annotations

import builtins
import copy

import gast

from ..errors import UnsupportedSyntaxError
from ..naming import marked_name_of
from ..parse import Environment
from ..rules.template import name_nodes, walk


RESULT = "out"


def error(node: gast.AST, env: Environment, what: str, hint: str, reason: str | None = None):
    return UnsupportedSyntaxError(reason or f"cannot differentiate a {what}",
                                  filename=env.filename, lineno=getattr(node, "lineno", None),
                                  construct=what, hint=hint)


def _is_stack_pop(call: gast.expr) -> bool:
    return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "pop" and isinstance(call.func.value, gast.Name)
            and not call.args and not call.keywords)


def _is_stack_push(call: gast.expr) -> bool:
    return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
            and len(call.args) == 1 and not call.keywords)


def marked_references(fn: gast.FunctionDef, env: Environment) -> gast.FunctionDef:
    """A free name that holds NumPy, math or one of sourcead's helpers (the ``np`` of
    ``np.sin(x)``; in generated code read again, ``unreduce`` or ``zeros_like_``) is written
    marked (``$np``, ``$unreduce``), the way rules and normalize write them: the passes then
    know each by one spelling, and ``emit`` spells it where it is free. A local name is
    never marked, nor anything else of the user's (a function of theirs called
    ``zeros_like`` stays theirs)."""
    for n in name_nodes(fn):
        if n.ctx.__class__ is not gast.Load:
            continue
        marked = marked_name_of(env.lookup_quiet(n.id))
        if marked is not None:
            env.lookup(n.id)  # recorded: the derivative checks that the name still holds it
            n.id = marked
    return fn


def _load(node: gast.expr) -> gast.expr:
    node = copy.deepcopy(node)
    node.ctx = gast.Load()
    return node


def _located(stmts: list[gast.stmt], origin: gast.AST) -> list[gast.stmt]:
    """Give generated statements (recursively) the user's line when they have none."""
    for s in stmts:
        for node in walk(s):
            if getattr(node, "lineno", None) is None and hasattr(origin, "lineno"):
                node.lineno = origin.lineno
                node.col_offset = getattr(origin, "col_offset", 0)
    return stmts


def _walk_stmts(stmts: list[gast.stmt]):
    for s in stmts:
        yield s
        for field_name in ("body", "orelse"):
            yield from _walk_stmts(getattr(s, field_name, []) or [])


def enumerated_zip(it: gast.expr, target: gast.expr, env: Environment) -> bool:
    """``for k, (a, b) in enumerate(zip(xs, ys))``: one index, one name per sequence."""
    return (isinstance(it, gast.Call) and not it.keywords and len(it.args) == 1
            and env.resolve(it.func) is builtins.enumerate
            and isinstance(it.args[0], gast.Call) and not it.args[0].keywords
            and env.resolve(it.args[0].func) is builtins.zip
            and isinstance(target, gast.Tuple) and len(target.elts) == 2
            and isinstance(target.elts[1], gast.Tuple)
            and len(target.elts[1].elts) == len(it.args[0].args) >= 2)
