"""Helpers the normalize passes share.

In: gast nodes of the function being normalized and its Environment.
Out: ``error``, the ``UnsupportedSyntaxError`` that names the user's file, line and
construct; ``_located``, which gives generated statements the user's line; ``_load`` and
``_walk_stmts``; the recognisers of a list used as a stack (``t.append(v)``, ``t.pop()``);
``own_helper``, which refuses a name of the user's spelled like a helper normalize writes;
and ``RESULT``, the name of the returned value.
"""
from __future__ import annotations

import copy

import gast

from ..errors import UnsupportedSyntaxError
from ..parse import Environment
from ..rules.template import walk


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


def own_helper(ident: str, node: gast.AST, env: Environment, use: str) -> None:
    """Normalize writes some constructs with sourcead's helpers (``with_item``, ``keys_of``,
    ``with_key``); a name of yours that is spelled the same would be called instead."""
    from .. import runtime
    if env.lookup(ident) is not runtime.HELPERS[ident]:
        raise error(node, env, f"name `{ident}` of yours", f"rename your `{ident}`: sourcead "
                    f"uses the name for {use}")


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
