"""Writes into arrays, as normalize represents them for the rest of sourcead.

``a[i] = v`` mutates ``a`` in place. The analyses see it as the value
``a = with_item(a, i, v)`` (``WRITE``); that is exact as long as no other name shares ``a``'s
memory, which the checks in ``checks`` ensure (a view *read* from ``a``, like ``row = a[0]``,
is fine unless it is used after a later write that may touch it: ``StaleViews``). Generated
code writes in place and restores the overwritten elements from the tape in the adjoint
sweep.

In: core statements.
Out: ``is_write`` recognises a write; ``in_place`` turns it back into ``a[i] = v`` for
generated code (refusing a write into a list, tuple or dict); ``written_arrays`` names the
arrays a body writes into; ``_VIEWS`` names the functions and methods whose result may
share memory with their argument.
"""
from __future__ import annotations

import gast

from ..naming import mark
from ..parse import Environment
from ..rules.template import walk, index_syntax, name
from .common import error


WRITE = mark("with_item")  # marked: never a function of the user's called with_item

# sources that may share memory with something else: writing into them would change it too
_VIEWS = {"reshape", "ravel", "transpose", "squeeze", "expand_dims", "broadcast_to", "swapaxes",
          "moveaxis", "asarray", "asanyarray", "atleast_1d", "atleast_2d", "atleast_3d",
          "diagonal", "flip", "fliplr", "flipud", "rot90", "view", "real", "imag", "T"}


def written_arrays(body: list[gast.stmt]) -> set[str]:
    return {n.targets[0].value.id for n in walk(gast.Module(body=body, type_ignores=[]))
            if isinstance(n, gast.Assign) and isinstance(n.targets[0], gast.Subscript)}


_CONTAINER_SYNTAX = (gast.Dict, gast.List, gast.Tuple, gast.DictComp, gast.ListComp)


def refused_container_write(node: gast.AST, env: Environment, container: str):
    return error(node, env, f"write into the list, tuple or dict `{container}`",
                 "build a new one instead (a literal, a comprehension, or appends to a new "
                 "list); writes are supported into NumPy arrays")


def in_place(s: gast.Assign, kind, env: Environment):
    """A write ``a = with_item(a, i, v)`` as generated code does it: ``a[i] = v``. Returns
    ``(a, i, v, the statement)``; a write into a list, tuple or dict is refused here."""
    array, index, value = s.targets[0].id, s.value.args[1], s.value.args[2]
    if kind.tag not in ("array", "unknown", "none"):
        raise refused_container_write(s, env, array)
    statement = gast.Assign(targets=[gast.Subscript(value=name(array), slice=index_syntax(index),
                                                    ctx=gast.Store())],
                            value=value, type_comment=None)
    return array, index, value, statement


def is_write(s: gast.stmt) -> bool:
    """``a = with_item(a, i, v)``: a write into ``a`` (written ``a[i] = v``)."""
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call) and isinstance(s.value.func, gast.Name)
            and s.value.func.id == WRITE and len(s.value.args) == 3
            and isinstance(s.value.args[0], gast.Name) and s.value.args[0].id == s.targets[0].id)
