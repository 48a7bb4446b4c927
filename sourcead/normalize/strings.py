"""Format strings as the calls they make: ``f"W{layer}"`` is ``"W" + str(layer)``,
``f"{x:.2f}"`` is ``format(x, ".2f")``.

A key built with an f-string (``params[f"W{layer}"]``) is everyday code; written as calls, it
is a string expression like any other (never data a derivative flows through). The messages
of ``assert`` and ``raise`` are kept as the user wrote them, unless they call a function
(``f"{np.shape(x)}"``): then they are computed, like other expressions, before raising.
"""
from __future__ import annotations

import gast

from ..rules.template import Transformer, walk

_CONVERSIONS = {ord("r"): "repr", ord("s"): "str", ord("a"): "ascii"}


def format_strings(fn: gast.FunctionDef) -> gast.FunctionDef:
    """``fn`` with every f-string outside an ``assert`` or ``raise`` written as calls."""
    messages = {id(n) for s in walk(fn) if isinstance(s, (gast.Raise, gast.Assert))
                for n in walk(s) if isinstance(n, gast.JoinedStr)
                and not any(isinstance(c, gast.Call) for c in walk(n))}

    class AsCalls(Transformer):
        def visit_JoinedStr(self, node):
            if id(node) in messages:
                return node
            return gast.copy_location(_joined(node), node)
    return AsCalls().visit(fn)


def _joined(node: gast.JoinedStr) -> gast.expr:
    parts = [_part(v) for v in node.values]
    if not parts:
        return gast.Constant(value="", kind=None)
    out = parts[0] if _is_text(parts[0]) else _call("str", [parts[0]])
    for part in parts[1:]:
        out = gast.BinOp(left=out, op=gast.Add(), right=part)
    return out


def _is_text(node: gast.expr) -> bool:
    return isinstance(node, gast.Constant) and isinstance(node.value, str) or (
        isinstance(node, gast.Call) and isinstance(node.func, gast.Name)
        and node.func.id in ("str", "format", "repr", "ascii"))


def _part(value: gast.expr) -> gast.expr:
    if not isinstance(value, gast.FormattedValue):
        return value
    inner = value.value
    if value.conversion in _CONVERSIONS:
        inner = _call(_CONVERSIONS[value.conversion], [inner])
    if value.format_spec is not None:
        return _call("format", [inner, _joined(value.format_spec)])
    return inner if value.conversion in _CONVERSIONS else _call("str", [inner])


def _call(function: str, args: list[gast.expr]) -> gast.Call:
    return gast.Call(func=gast.Name(id=function, ctx=gast.Load(), annotation=None,
                                    type_comment=None), args=args, keywords=[])
