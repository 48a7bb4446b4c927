"""``nonlocal`` in a nested function: the variables it rebinds travel in and out by value.

In: the differentiated function's tree and its nested functions (by name), before lambda
lifting (``parse.lift_nested``), and a ``refuse(node, what, hint)`` that makes the error.
Out: the nested functions and the outer body rewritten in place, so that

    def step():                        def step(*, total):
        nonlocal total                     total = total + x * w
        total = total + x * w      ->      return None, total
    step()                             _, total = step(total=total)

every ``return v`` returns ``(v, total, ...)``, and every call ``step(...)`` is a statement
(``step(...)`` or ``y = step(...)``) that takes the new values back. A nested function's
``nonlocal`` is then the ordinary value flow that every mode differentiates. Refused: a call
anywhere else (inside an expression, or from another nested function), a ``nonlocal`` inside
a lambda or a deeper function.
"""
from __future__ import annotations

from typing import Callable

import gast

from .naming import Namer
from .rules.template import name, names_in, walk

Refuse = Callable[[gast.AST, str, str], Exception]


def pass_nonlocals(tree: gast.FunctionDef, nested: dict[str, gast.FunctionDef],
                   refuse: Refuse) -> None:
    rebinds = {ident: _declared(fn) for ident, fn in nested.items()}
    rebinds = {ident: names for ident, names in rebinds.items() if names}
    if not rebinds:
        return
    for ident, names in rebinds.items():
        _returning_new_values(nested[ident], names)
    for ident, fn in nested.items():
        for n in walk(fn):
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in rebinds:
                raise refuse(n, f"call of `{n.func.id}` (which assigns `nonlocal` variables) "
                             "inside another nested function",
                             f"call `{n.func.id}` from the function itself")
    namer = Namer(names_in(tree) | set(nested))
    tree.body = _calls_taking_values_back(tree.body, rebinds, refuse, namer)


def _declared(fn: gast.FunctionDef) -> list[str]:
    names: list[str] = []
    for s in fn.body:
        if isinstance(s, gast.Nonlocal):
            names += [n for n in s.names if n not in names]
    return names


def _returning_new_values(fn: gast.FunctionDef, names: list[str]) -> None:
    fn.body = [s for s in fn.body if not isinstance(s, gast.Nonlocal)]
    fn.args.kwonlyargs = fn.args.kwonlyargs + [
        gast.Name(id=v, ctx=gast.Param(), annotation=None, type_comment=None) for v in names]
    fn.args.kw_defaults = fn.args.kw_defaults + [None] * len(names)

    def with_values(value: gast.expr | None) -> gast.Tuple:
        first = value if value is not None else gast.Constant(value=None, kind=None)
        return gast.Tuple(elts=[first] + [name(v) for v in names], ctx=gast.Load())
    for n in walk(fn):
        if isinstance(n, gast.Return):
            n.value = gast.copy_location(with_values(n.value), n)
    last = fn.body[-1] if fn.body else None
    if not isinstance(last, gast.Return):
        fn.body.append(gast.copy_location(gast.Return(value=with_values(None)), last or fn))


def _calls_taking_values_back(stmts: list[gast.stmt], rebinds: dict[str, list[str]],
                              refuse: Refuse, namer: Namer) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(s, field_name, None)
            if isinstance(block, list) and not isinstance(s, gast.FunctionDef):
                setattr(s, field_name, _calls_taking_values_back(block, rebinds, refuse, namer))
        call, result = _statement_call(s, rebinds)
        if call is not None:
            names = rebinds[call.func.id]
            call.keywords = call.keywords + [gast.keyword(arg=v, value=name(v)) for v in names]
            first = result if result is not None else name(
                namer.fresh(f"{call.func.id}_result"), store=True)
            targets = gast.Tuple(elts=[first] + [name(v, store=True) for v in names],
                                 ctx=gast.Store())
            out.append(gast.copy_location(gast.Assign(targets=[targets], value=call,
                                                      type_comment=None), s))
            continue
        for n in _own_nodes(s):
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in rebinds:
                raise refuse(n, f"call of `{n.func.id}` (which assigns `nonlocal` variables) "
                             "inside an expression",
                             f"call it in a statement of its own (`y = {n.func.id}(...)`) and "
                             "use `y`")
        out.append(s)
    return out


def _statement_call(s: gast.stmt, rebinds) -> tuple[gast.Call | None, gast.expr | None]:
    """``step(...)`` or ``y = step(...)``: the call, and the target of its value."""
    value = s.value if isinstance(s, (gast.Expr, gast.Assign)) else None
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
            and value.func.id in rebinds):
        return None, None
    if isinstance(s, gast.Assign):
        if len(s.targets) != 1 or not isinstance(s.targets[0], gast.Name):
            return None, None
        return value, s.targets[0]
    return value, None


def _own_nodes(s: gast.stmt):
    """The nodes of ``s`` outside its nested blocks (those are rewritten on their own)."""
    for field_name, child in gast.iter_fields(s):
        if field_name in ("body", "orelse", "finalbody", "handlers"):
            continue
        for item in (child if isinstance(child, list) else [child]):
            if isinstance(item, gast.AST):
                yield from walk(item)
