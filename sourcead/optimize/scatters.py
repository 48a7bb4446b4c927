"""Scatters: round trips through an array's elements dropped, and scatters into one adjoint
fused into one.
"""
from __future__ import annotations

import gast

from ..naming import MATH, NUMPY
from ..rules.template import walk
from .common import Changes, SCATTER, SCATTER_INTO, reads_of
from .zeros import _written, is_zero


def drop_round_trips(stmts: list[gast.stmt], changes: Changes | None = None) -> list[gast.stmt]:
    """``t = a[i] ... a[i] = 0.0 ... a[i] = a[i] + t`` leaves ``a[i]`` as it was (the adjoint
    of ``out[i] += v`` passes ``out_bar[i]`` through): the zeroing and the add-back go. Only
    when nothing in between rebinds ``a``, ``t`` or what ``i`` reads, nothing between the
    zeroing and the add-back reads ``a``, and nothing in between calls anything but pure
    arithmetic and the tape (``t`` a number: an element of a 1-D adjoint)."""
    changes = changes or Changes()
    for s in stmts:
        for field_name in ("body", "orelse"):
            inner = getattr(s, field_name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                setattr(s, field_name, drop_round_trips(inner, changes))
    dropped: set[int] = set()
    for k, s in enumerate(stmts):
        read = _element_read(s)
        if read is None:
            continue
        t, a, index = read
        fixed = {t, a} | reads_of(gast.Expr(value=index))
        zero = add_back = None
        for j in range(k + 1, len(stmts)):
            later = stmts[j]
            if zero is None and _is_element_store(later, a, index, lambda v: is_zero(v)):
                zero = j
                continue
            if zero is not None and _is_element_store(
                    later, a, index, lambda v: _adds(v, a, index, t)):
                add_back = j
                break
            if not _plain_assignment(later) or _written(later) & fixed \
                    or (zero is not None and a in reads_of(later)):
                break
        if zero is not None and add_back is not None:
            dropped |= {id(stmts[zero]), id(stmts[add_back])}
    changes.add(len(dropped))
    return [s for s in stmts if id(s) not in dropped]


def _element_read(s: gast.stmt):
    """``t = a[i]`` with ``i`` names and numbers: (t, a, i)."""
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
            and isinstance(s.value, gast.Subscript) and isinstance(s.value.value, gast.Name) \
            and _simple_index(s.value.slice):
        return s.targets[0].id, s.value.value.id, s.value.slice
    return None


def _simple_index(index: gast.expr) -> bool:
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return all(isinstance(p, gast.Name) or (isinstance(p, gast.Constant) and type(p.value) is int)
               for p in parts)


def _is_element_store(s: gast.stmt, a: str, index: gast.expr, value_test) -> bool:
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1):
        return False
    target = s.targets[0]
    return isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
        and target.value.id == a and gast.dump(target.slice) == gast.dump(index) \
        and value_test(s.value)


def _adds(value: gast.expr, a: str, index: gast.expr, t: str) -> bool:
    """``a[i] + t`` or ``t + a[i]``."""
    if not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)):
        return False
    sides = [value.left, value.right]
    element = [x for x in sides if isinstance(x, gast.Subscript) and isinstance(x.value, gast.Name)
               and x.value.id == a and gast.dump(x.slice) == gast.dump(index)]
    other = [x for x in sides if isinstance(x, gast.Name) and x.id == t]
    return len(element) == 1 and len(other) == 1


def _plain_assignment(s: gast.stmt) -> bool:
    """An assignment whose calls are the tape's pop or NumPy/math functions on numbers."""
    if not isinstance(s, gast.Assign):
        return False
    for n in walk(s.value):
        if isinstance(n, gast.Call):
            func = n.func
            if isinstance(func, gast.Attribute) and func.attr == "pop" and not n.args:
                continue
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                    and func.value.id in (NUMPY, MATH):
                continue
            return False
    return True


# ---- scatters into one buffer ----------------------------------------------------------------

def _fresh_scatter(s: gast.stmt) -> tuple[str, str] | None:
    """``v = scatter(g, x, i)`` or ``v = scatter_into(v, g, i)``: v holds a buffer made here
    -> (v, the array x whose shape it has, or v itself)."""
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call) and isinstance(s.value.func, gast.Name)
            and len(s.value.args) == 3 and isinstance(s.value.args[1 if s.value.func.id ==
                                                                   SCATTER else 0], gast.Name)):
        return None
    target, func = s.targets[0].id, s.value.func.id
    if func == SCATTER:
        return target, s.value.args[1].id
    if func == SCATTER_INTO and s.value.args[0].id == target:
        return target, ""
    return None


def _accumulated_scatter(s: gast.stmt) -> tuple[str, gast.Call] | None:
    """``v = v + scatter(g, x, i)`` -> (v, the scatter call)."""
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Add)
            and isinstance(s.value.left, gast.Name) and s.value.left.id == s.targets[0].id):
        return None
    call = s.value.right
    if (isinstance(call, gast.Call) and isinstance(call.func, gast.Name)
            and call.func.id == SCATTER and len(call.args) == 3 and not call.keywords
            and isinstance(call.args[1], gast.Name)):
        return s.targets[0].id, call
    return None


def fuse_scatters(stmts: list[gast.stmt], changes: Changes | None = None) -> list[gast.stmt]:
    """``v = scatter(a, x, i) ... v = v + scatter(b, x, j)`` -> the two side by side, the second
    as ``v = scatter_into(v, b, j)``: one buffer instead of a zeros array and a sum per part.

    The first is moved down only past statements that neither use ``v`` nor assign what it
    reads, so between them nothing can read or copy the buffer that ``scatter_into`` fills."""
    changes = changes or Changes()
    out: list = []
    chains: dict[str, list] = {}   # v -> [slot in out, shape source, its statements]

    def flush(var: str) -> None:
        slot, _, chain = chains.pop(var)
        if len(chain) == 1:
            out[slot] = chain[0]
        else:
            out[slot] = None
            out.extend(chain)

    for s in stmts:
        accumulated = _accumulated_scatter(s)
        if accumulated is not None and accumulated[0] in chains and \
                chains[accumulated[0]][1] == accumulated[1].args[1].id:
            var, call = accumulated
            g, index = call.args[0], call.args[2]
            chains[var][2].append(gast.Assign(
                targets=[s.targets[0]], value=gast.Call(func=gast.Name(
                    id=SCATTER_INTO, ctx=gast.Load(), annotation=None, type_comment=None),
                    args=[s.value.left, g, index], keywords=[]), type_comment=None))
            changes.add()
            continue
        if chains:
            written = _written(s)
            touched = written | reads_of(s)
            for var in [v for v, (_, _, chain) in chains.items()
                        if v in touched or written & set().union(*map(reads_of, chain))]:
                flush(var)
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, fuse_scatters(getattr(s, field_name), changes))
        fresh = _fresh_scatter(s)
        if fresh is not None and not isinstance(s, (gast.For, gast.While, gast.If)):
            chains[fresh[0]] = [len(out), fresh[1] or fresh[0], [s]]
            out.append(None)
            continue
        out.append(s)
    for var in list(chains):
        flush(var)
    return [s for s in out if s is not None]
