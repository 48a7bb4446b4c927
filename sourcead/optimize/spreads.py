"""Spreads and memory: adjoints spread over a shape only where the shape is needed, and
arrays freed (``del``) after their last read.
"""
from __future__ import annotations

import gast

from ..analyze import SCALAR, broadcast, has_shape_of
from ..naming import mark
from ..reverse.scalars import _is_unreduce
from ..rules.template import Transformer, name_nodes, walk
from .common import reads_of
from .zeros import _written


def drop_spreads(body: list[gast.stmt], kinds: dict) -> list[gast.stmt]:
    """``unreduce(v, x, 1, True) * y`` -> ``v * y`` where ``y`` has the shape of the product
    already: spreading ``v`` over ``x`` first is a pass over memory that the multiplication's
    broadcasting does anyway (``v`` keeps the reduced axes, or is a number). Nested spreads
    of a number are one spread: ``unreduce(unreduce(c, s), x, 1)`` -> ``unreduce(c, x)``."""
    class Spreads(Transformer):
        def visit_Call(self, n: gast.Call):
            self.generic_visit(n)
            if _is_unreduce(n) and n.args and _spread(n.args[0]) == "number":
                return gast.Call(func=n.func, args=[n.args[0].args[0], n.args[1]], keywords=[])
            return n

        def visit_BinOp(self, n: gast.BinOp):
            self.generic_visit(n)
            if not isinstance(n.op, gast.Mult):
                return n
            for side, other in (("left", n.right), ("right", n.left)):
                spread = getattr(n, side)
                if _spread(spread) is not None and isinstance(spread.args[1], gast.Name) \
                        and _holds_product_shape(other, spread.args[1].id, kinds):
                    setattr(n, side, spread.args[0])
                    return n
            return n

    body = _spreads_passed_on(body)
    for s in (t for t in walk(gast.Module(body=body, type_ignores=[])) if isinstance(t, gast.Assign)):
        s.value = Spreads().visit(s.value)
    return body


def _spreads_passed_on(body: list[gast.stmt]) -> list[gast.stmt]:
    """``t = unreduce(c, s)`` read once, later, as what another spread spreads
    (``unreduce(t, x, 1)``): that one spreads ``c`` instead, and ``t`` goes."""
    loads: dict[str, int] = {}
    for n in (n for s in body for n in name_nodes(s)):
        loads[n.id] = loads.get(n.id, 0) + 1
    dropped: set[int] = set()
    for k, s in enumerate(body):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and _spread(s.value) == "number" and loads.get(s.targets[0].id) == 2):
            continue  # (2: the store and the one read)
        t, reads = s.targets[0].id, reads_of(s.value)
        for later in body[k + 1:]:
            use = [n for n in walk(later) if _is_unreduce(n) and n.args and isinstance(n.args[0], gast.Name)
                   and n.args[0].id == t] if isinstance(later, gast.Assign) else []
            if use:  # a number spread is the number everywhere, whatever the axes
                use[0].args, use[0].keywords = [s.value.args[0], use[0].args[1]], []
                dropped.add(id(s))
                break
            if not isinstance(later, (gast.Assign, gast.Expr, gast.Delete)) or _written(later) & (reads | {t}) \
                    or t in {n.id for n in name_nodes(later)}:
                break
    return [s for s in body if id(s) not in dropped]


def _spread(node: gast.expr) -> str | None:
    """"number" for ``unreduce(v, x)`` (a full reduction's adjoint: ``v`` is a number),
    "kept" for ``unreduce(v, x, axis, True)`` (``v`` has ``x``'s axes); else None."""
    if not _is_unreduce(node) or node.keywords:
        return None
    if len(node.args) == 2:
        return "number"
    if len(node.args) == 4 and isinstance(node.args[3], gast.Constant) and node.args[3].value is True:
        return "kept"
    return None


# helpers whose result has the shape of their first argument
_SHAPED_LIKE_FIRST = {mark("extreme_mask")}


def _holds_product_shape(other: gast.expr, x: str, kinds: dict) -> bool:
    """Whether ``other`` has the shape of its product with an array shaped like ``x``."""
    kind_x, kind_y = kinds.get(x), _kind_of(other, kinds)
    return kind_x is not None and kind_y is not None and has_shape_of(
        kind_y, broadcast([kind_x, kind_y]))


def _kind_of(node: gast.expr, kinds: dict):
    """The kind of a product's factor made of names the analysis knows, numbers and
    arithmetic (None where that does not say)."""
    if isinstance(node, gast.Name):
        return kinds.get(node.id)
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return SCALAR
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return _kind_of(node.operand, kinds)
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div)):
        parts = [_kind_of(node.left, kinds), _kind_of(node.right, kinds)]
        return None if None in parts else broadcast(parts)
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id in _SHAPED_LIKE_FIRST and node.args:
        return _kind_of(node.args[0], kinds)
    return None


# ---- memory ----------------------------------------------------------------------------------

def free_arrays(body: list[gast.stmt], arrays: set[str]) -> list[gast.stmt]:
    """``del a, b`` right after the statement that last reads them, for arrays sourcead named
    and computed in this straight line, when work follows: each would otherwise hold its
    memory to the return while the adjoint sweep allocates more (fresh pages cost as much as
    the arithmetic). Views (``x[:-1]``) and values a tape keeps are left alone."""
    if not arrays:
        return body
    last: dict[str, int] = {}
    fit = set(arrays)
    for k, s in enumerate(body):
        names = [n for n in name_nodes(s) if n.id in fit]
        own_store = (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                     and not isinstance(s.value, gast.Subscript))
        for n in names:
            if n.ctx.__class__ is gast.Store and not (own_store and n is s.targets[0]):
                fit.discard(n.id)
            last[n.id] = k
        for call in (n for n in walk(s) if isinstance(n, gast.Call)):
            if isinstance(call.func, gast.Attribute) and call.func.attr == "append":
                fit -= reads_of(gast.Expr(value=call))
    frees: dict[int, list[str]] = {}
    last_work = max((k for k, s in enumerate(body) if isinstance(s, gast.Assign)), default=-1)
    for var in fit & set(last):
        work_after = last_work > last[var]
        if work_after and any(isinstance(n, gast.Name) and n.id == var and isinstance(n.ctx, gast.Load)
                              for n in walk(body[last[var]])):
            frees.setdefault(last[var], []).append(var)
    out = []
    for k, s in enumerate(body):
        out.append(s)
        if k in frees:
            out.append(gast.Delete(targets=[gast.Name(id=v, ctx=gast.Del(), annotation=None,
                                                      type_comment=None) for v in sorted(frees[k])]))
    return out
