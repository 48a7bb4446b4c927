"""The conversions NumPy makes without saying so, written out (they depend on kinds).

In: a core-language FunctionDef, the kinds the analysis found, and its Environment. Out: the
same function where
* a list or tuple passed where a NumPy function reads an array (``np.sum(xs)``,
  ``np.linalg.norm([x, 2.0 * x])``, ``np.dot(xs, w)``, an array plus a list) is first made
  one: ``xs_array = np.array(xs)``, and the call reads ``xs_array``;
* ``np.array(x)`` (or ``np.asarray(x)``) of a number or an array, which NumPy reads as a copy
  (not as a list of values), is written ``np.copy(x)``; but ``np.asarray(x)`` of an array is
  that array itself (a second name, which the alias analysis follows), written ``c = x``.
NumPy does exactly this inside the call, so the values are unchanged; the derivative then
comes from the rows of ``np.array`` (a list's elements each get their part) and of the
function itself, in every mode and order. The same function object is returned where nothing
needs converting (so the caller knows whether to analyse again).
"""
from __future__ import annotations

import copy

import gast
import numpy as np

from .analyze import Kind, bound_arguments, is_container, operation, operation_function
from .errors import NoDerivativeError
from .naming import mark
from .normalize import is_write
from .parse import Environment
from .rules.template import assign, expr, name, names_in, walk

_ARRAY_FUNCTIONS = (np.array, np.asarray)


def containers_as_arrays(fn: gast.FunctionDef, kinds: dict[str, Kind],
                         env: Environment) -> gast.FunctionDef:
    converter = _Converter(fn, kinds, env)
    body = converter.block(fn.body)
    if not converter.changed:
        return fn
    out = copy.copy(fn)
    out.body = body
    return out


class _Converter:
    def __init__(self, fn: gast.FunctionDef, kinds: dict[str, Kind], env: Environment):
        self.kinds, self.env = kinds, env
        self.taken = names_in(fn)
        self.changed = False

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s = copy.copy(s)
                s.body, s.orelse = self.block(s.body), self.block(s.orelse)
            elif isinstance(s, gast.Assign) and isinstance(s.value, (gast.Call, gast.BinOp)):
                before, s = self.assignment(s)
                out.extend(before)
            out.append(s)
        return out

    def assignment(self, s: gast.Assign) -> tuple[list[gast.stmt], gast.Assign]:
        value = s.value
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute) \
                and value.func.attr == "copy" and not value.args and not value.keywords \
                and isinstance(value.func.value, gast.Name) and self.container(value.func.value.id):
            # a list's or dict's own copy (not NumPy's of an array made from it)
            self.changed = True
            return [], _located(assign(s.targets[0].id, gast.Call(
                func=name(mark("container_copy")), args=[value.func.value], keywords=[])), s)
        op = operation(s.value, self.env)
        if op.rule is None or op.user is not None or op.rule.integer:
            return [], s
        function = operation_function(s.value, self.env)
        if isinstance(s.value, gast.Call) and any(function is f for f in _ARRAY_FUNCTIONS):
            return [], self.copied(s)
        if not (isinstance(s.value, gast.BinOp) or _from_numpy(function)):
            return [], s
        bound = bound_arguments(s.value, op.rule, self.env)
        containers = [bound[p] for p in op.rule.active_params() if p not in op.rule.sequences
                      and isinstance(bound.get(p), gast.Name) and self.container(bound[p].id)]
        if not containers or (isinstance(s.value, gast.BinOp) and not self.beside_array(s.value)):
            return [], s
        return self.converted(s, containers)

    def container(self, var: str) -> bool:
        return var in self.kinds and is_container(self.kinds[var])

    def beside_array(self, value: gast.BinOp) -> bool:
        """``a + xs`` converts ``xs`` only where ``a`` is an array (lists add by joining)."""
        return any(isinstance(v, gast.Name) and self.kinds.get(v.id, Kind("none")).tag == "array"
                   for v in (value.left, value.right))

    def copied(self, s: gast.Assign) -> gast.Assign:
        """``np.array(x)`` of a number or an array: a copy."""
        call = s.value
        if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], gast.Name) \
                or self.kinds.get(call.args[0].id, Kind("none")).tag not in ("scalar", "array"):
            return s
        self.changed = True
        if operation_function(call, self.env) is np.asarray \
                and self.kinds[call.args[0].id].tag == "array":  # the array itself, not a copy
            return _located(assign(s.targets[0].id, name(call.args[0].id)), s)
        return _located(assign(s.targets[0].id, expr("np.copy(x)", np=self.numpy(s),
                                                     x=call.args[0])), s)

    def converted(self, s: gast.Assign, containers: list[gast.Name]):
        """``xs_array = np.array(xs)`` before ``s``, which then reads ``xs_array``."""
        before, renames = [], {}
        for arg in containers:
            if arg.id not in renames:
                renames[arg.id] = self.fresh(f"{arg.id}_array")
                before.append(_located(assign(renames[arg.id], expr(
                    "np.array(x)", np=self.numpy(s), x=arg.id)), s))
        value = copy.deepcopy(s.value)
        for node in walk(value):
            if isinstance(node, gast.Name) and any(node.id == a.id for a in containers):
                node.id = renames[node.id]
        self.changed = True
        return before, _located(gast.Assign(targets=s.targets, value=value, type_comment=None), s)

    def fresh(self, base: str) -> str:
        candidate, k = base, 1
        while candidate in self.taken:
            candidate, k = f"{base}_{k}", k + 1
        self.taken.add(candidate)
        return candidate

    def numpy(self, s: gast.stmt) -> str:
        """The name the user's module gives NumPy."""
        found = sorted(k for k, v in {**self.env.globals, **self.env.closure}.items()
                       if v is np)
        if found:
            return "np" if "np" in found else found[0]
        raise NoDerivativeError(
            "a list or tuple passed where NumPy reads an array", filename=self.env.filename,
            lineno=getattr(s, "lineno", None), construct="an implicit np.array(...)",
            hint="import numpy (as np) in this module and write np.array(...) of the list")


def _from_numpy(function) -> bool:
    return isinstance(function, np.ufunc) or (
        getattr(function, "__module__", None) or "").startswith("numpy")


def _located(new: gast.stmt, old: gast.stmt) -> gast.stmt:
    """``new`` placed at ``old``'s line (errors and comments name the user's line)."""
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if hasattr(old, attr):
            setattr(new, attr, getattr(old, attr))
    return new


def container_writes_as_values(fn: gast.FunctionDef, kinds: dict[str, Kind]) -> gast.FunctionDef:
    """``xs[i] = v`` into a list, tuple or dict (``xs = with_item(xs, i, v)`` in core code) is
    ``xs = with_element(xs, i, v)``: a new value, which is what the write is once the alias
    analysis has made sure that no other name sees the change. Writes into arrays stay."""
    changed = False

    def block(stmts: list[gast.stmt]) -> list[gast.stmt]:
        nonlocal changed
        out = []
        for s in stmts:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s = copy.copy(s)
                s.body, s.orelse = block(s.body), block(s.orelse)
            elif is_write(s) and is_container(kinds.get(s.targets[0].id, Kind("unknown"))):
                s = copy.copy(s)
                s.value = gast.Call(func=name(mark("with_element")), args=s.value.args,
                                    keywords=[])
                changed = True
            out.append(s)
        return out
    body = block(fn.body)
    if not changed:
        return fn
    out = copy.copy(fn)
    out.body = body
    return out
