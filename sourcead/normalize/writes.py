"""Writes into arrays, as normalize represents them for the rest of sourcead.

``a[i] = v`` mutates ``a`` in place. The analyses see it as the value
``a = with_item(a, i, v)`` (``WRITE``); that is exact as long as no other name shares ``a``'s
memory, which the checks in ``checks`` ensure (a view *read* from ``a``, like ``row = a[0]``,
is fine unless it is used after a later write that may touch it: ``StaleViews``). Generated
code writes in place and restores the overwritten elements from the tape in the adjoint
sweep.

In: core statements.
Out: ``is_write`` recognises a write; ``in_place`` turns it back into ``a[i] = v`` for
generated code (a write into a list, tuple or dict is a new value by then:
``conversions.container_writes_as_values``; one that is not is refused); ``written_arrays`` names the
arrays a body writes into. NumPy calls that write into an array (``f(..., out=a)``,
``a.fill(v)``, ``np.copyto(a, v)``, ``a.sort()``) are that write (``performed_write``); the
other calls that change an array in place (``a.put(i, v)``, ``np.add.at``: ``is_mutator``)
are refused (``refused_mutator``).
"""
from __future__ import annotations

import types

import gast
import numpy as np

from ..naming import mark
from ..parse import MISSING, Environment
from ..rules.template import walk, index_syntax, name, const
from .common import error


WRITE = mark("with_item")  # marked: never a function of the user's called with_item

# methods that change their array in place -> what to write instead
MUTATING_METHODS = {"sort": "`{a} = np.sort({a})`", "partition": "`{a} = np.partition({a}, k)`",
                    "resize": "`{a} = np.resize({a}, shape)`", "put": "a write `{a}[index] = v`",
                    "itemset": "a write `{a}[index] = v`", "fill": "`{a}[...] = v`",
                    "setfield": "a new array", "byteswap": "a new array",
                    "setflags": "a new array", "shuffle": "`{a} = rng.permutation({a})`",
                    "at": "a new array (`{a} = {a} + ...`)",
                    # a list's or a dict's own
                    "extend": "a new list (`{a} = {a} + [...]`)", "insert": "a new list",
                    "remove": "a new list", "reverse": "a new list (`{a} = {a}[::-1]`)",
                    "clear": "a new, empty one", "update": "a new dict (`{a} = {{**{a}, ...}}`)",
                    "setdefault": "a new dict", "popitem": "a new dict"}
# NumPy's functions that change their first argument in place -> what to write instead
MUTATING_FUNCTIONS = {np.copyto: "`{a}[...] = v`", np.put: "a write `{a}[index] = v`",
                      np.place: "`{a} = np.where(mask, v, {a})`",
                      np.putmask: "`{a} = np.where(mask, v, {a})`",
                      np.fill_diagonal: "a write into a copy of `{a}`",
                      np.put_along_axis: "a write `{a}[index] = v`",
                      np.random.shuffle: "`{a} = np.random.permutation({a})`"}


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


def refused_mutator(call: gast.Call, env: Environment, node: gast.AST | None = None):
    """A call that changes an array in place (``a.sort()``, ``np.add.at(a, i, v)``)."""
    found = env.resolve(call.func)
    if found in MUTATING_FUNCTIONS or not isinstance(call.func, gast.Attribute) \
            or isinstance(getattr(found, "__self__", None), np.ufunc):
        target, fix = (call.args[0] if call.args else None), MUTATING_FUNCTIONS.get(found)
    else:
        target, fix = call.func.value, MUTATING_METHODS.get(call.func.attr)
    what = call.func.attr if isinstance(call.func, gast.Attribute) else "call"
    a = target.id if isinstance(target, gast.Name) else "a"
    return error(node if node is not None else call, env, f"in-place `{what}` on `{a}`",
                 f"make a new value instead: {(fix or 'a new array').format(a=a)}",
                 reason=f"cannot differentiate `{what}`, which changes `{a}` in place")


def is_mutator(call: gast.expr, env: Environment) -> bool:
    """A call that changes an array in place: a method of ``MUTATING_METHODS`` on a local
    value or a NumPy object, one of ``MUTATING_FUNCTIONS``, or a ufunc's ``at``."""
    if not isinstance(call, gast.Call):
        return False
    found = env.resolve(call.func)
    if any(found is f for f in MUTATING_FUNCTIONS):
        return True
    if not (isinstance(call.func, gast.Attribute) and call.func.attr in MUTATING_METHODS):
        return False
    owner = getattr(found, "__self__", None)
    return found is MISSING or (owner is not None and not isinstance(owner, types.ModuleType)
                                and from_numpy(found))


def from_numpy(obj) -> bool:
    """NumPy's functions, ufuncs and their methods (``np.add.at``, ``rng.shuffle``)."""
    if isinstance(obj, np.ufunc):
        return True
    owner = getattr(obj, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        return from_numpy(owner) or (type(owner).__module__ or "").split(".")[0] == "numpy"
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "numpy"


def performed_write(call: gast.expr, env: Environment, used: bool = False
                    ) -> tuple[str, gast.expr] | None:
    """The write ``a[...] = value`` that a NumPy call performs: ``f(..., out=a)`` (the
    value is ``f(...)``), ``a.fill(v)`` and ``np.copyto(a, v)`` (the value is ``v``),
    ``a.sort()`` (``np.sort(a)``, where the module imports NumPy). ``used``: the call's
    value is assigned (only ``f(..., out=a)`` gives ``a``; the others give None).
    None for any other call (a function of yours may take an ``out`` parameter)."""
    if not isinstance(call, gast.Call):
        return None
    found = env.resolve(call.func)
    numpy_call = found is MISSING or from_numpy(found)
    out = [k for k in call.keywords if k.arg == "out"]
    if out and numpy_call and not any(k.arg == "where" for k in call.keywords):
        target = out[0].value
        if isinstance(target, gast.Tuple) and len(target.elts) == 1:
            target = target.elts[0]
        if isinstance(target, gast.Name):
            value = gast.Call(func=call.func, args=call.args,
                              keywords=[k for k in call.keywords if k.arg != "out"])
            return target.id, value
        return None
    if used:   # the others give None, which is not what their value is taken for
        return None
    if isinstance(call.func, gast.Attribute) and call.func.attr == "fill" and found is MISSING \
            and isinstance(call.func.value, gast.Name) and len(call.args) == 1 \
            and not call.keywords:
        return call.func.value.id, call.args[0]
    if found is np.copyto and len(call.args) == 2 and not call.keywords \
            and isinstance(call.args[0], gast.Name):
        return call.args[0].id, call.args[1]
    numpy = _numpy_name(env)
    if isinstance(call.func, gast.Attribute) and call.func.attr == "sort" and found is MISSING \
            and isinstance(call.func.value, gast.Name) and numpy is not None:
        # `a.sort(axis)` sorts like `np.sort(a, axis)`, in place
        sort = gast.Attribute(value=name(numpy), attr="sort", ctx=gast.Load())
        return call.func.value.id, gast.Call(func=sort, args=[name(call.func.value.id)] + call.args,
                                             keywords=call.keywords)
    return None


def _numpy_name(env: Environment) -> str | None:
    """The name the function's module gives NumPy (``np``), if it imports it."""
    for ident, value in env.globals.items():
        if value is np and env.resolve(name(ident)) is np:
            return ident
    return None


def write_statement(array: str, value: gast.expr) -> gast.Assign:
    """``array[...] = value``: a write of every element."""
    return gast.Assign(targets=[gast.Subscript(value=name(array), slice=const(Ellipsis),
                                               ctx=gast.Store())],
                       value=value, type_comment=None)
