"""Cleanup: copies propagated, dead code removed, empty blocks and comments that describe
nothing dropped.
"""
from __future__ import annotations

import gast

from ..analyze import live_before
from ..reverse import is_comment, without
from ..rules.template import walk
from .common import Changes, LEN, PURE_FUNCTIONS, RANGE, REVERSED
from .zeros import _assigned


def propagate_copies(stmts: list[gast.stmt], temporaries: set[str],
                     changes: Changes | None = None) -> list[gast.stmt]:
    """After ``t = v`` (t a generated name), read ``v`` for ``t`` until either changes.

    Only within one block and up to the next statement that assigns ``t`` or ``v``
    anywhere inside it, so loops and branches never see a stale value.
    """
    copies: dict[str, str] = {}           # temporary -> the name it copies
    readers: dict[str, set[str]] = {}     # name -> temporaries that copy it
    changes = changes or Changes()
    for s in stmts:
        changes.add(_replace_loads(s, copies))
        for name_ in _assigned(s) if copies else ():
            for t in [name_] + sorted(readers.pop(name_, ())):
                source = copies.pop(t, None)
                if source is not None:
                    readers.get(source, set()).discard(t)
        if (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.Name) and s.targets[0].id in temporaries
                and s.value.id != s.targets[0].id):
            copies[s.targets[0].id] = s.value.id
            readers.setdefault(s.value.id, set()).add(s.targets[0].id)
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, propagate_copies(getattr(s, field_name), temporaries, changes))
    return stmts


def _replace_loads(s: gast.stmt, copies: dict[str, str]) -> int:
    """Replace reads in this statement's own expressions (not in nested blocks)."""
    if not copies:
        return 0
    replaced = 0
    parts = [getattr(s, f) for f in ("value", "test", "iter") if getattr(s, f, None) is not None]
    for part in parts:
        for n in walk(part):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in copies:
                n.id = copies[n.id]
                replaced += 1
    return replaced


# ---- dead code ----------------------------------------------------------------------------------

def has_effect(s: gast.stmt, modules: set[str]) -> bool:
    """Statements that must stay even when nobody reads what they assign."""
    if not isinstance(s, gast.Assign) or not isinstance(s.targets[0], gast.Name):
        return True
    for n in walk(s.value):
        if isinstance(n, gast.Call) and not _pure_call(n, modules):
            return True
    return False


def _pure_call(call: gast.Call, modules: set[str]) -> bool:
    func = call.func
    if isinstance(func, gast.Name):
        return func.id in PURE_FUNCTIONS
    if isinstance(func, gast.Attribute):
        root = func
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and root.id in modules
    return False


def remove_dead(stmts: list[gast.stmt], modules: set[str],
                changes: Changes | None = None) -> list[gast.stmt]:
    dead: set[int] = set()

    def visit(s: gast.stmt, live_after: set[str]) -> None:
        if isinstance(s, gast.For):
            if not _real(s.body) and _pure_iteration(s) and s.target.id not in live_after:
                dead.add(id(s))
        elif isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id not in live_after and not has_effect(s, modules):
            dead.add(id(s))

    live_before(stmts, set(), visit)
    (changes or Changes()).add(len(dead))
    return without(stmts, dead)


# ---- cleanup ------------------------------------------------------------------------------------

def clean(stmts: list[gast.stmt], changes: Changes | None = None) -> list[gast.stmt]:
    """Drop empty branches and loops, and comments with nothing after them."""
    changes = changes or Changes()
    out: list[gast.stmt] = []
    for s in stmts:
        if isinstance(s, gast.If):
            s.body, s.orelse = clean(s.body, changes), clean(s.orelse, changes)
            if not _real(s.body) and not _real(s.orelse):
                changes.add()
                continue
            if not _real(s.body):
                changes.add()
                s.test, s.body, s.orelse = _negate(s.test), s.orelse, []
            if s.body == [] or not s.body:
                s.body = [gast.Pass()]
        elif isinstance(s, (gast.For, gast.While)):
            s.body = clean(s.body, changes) or [gast.Pass()]
        elif _is_self_assignment(s):
            changes.add()
            continue
        out.append(s)
    return _tidy_comments(out)


def _is_self_assignment(s: gast.stmt) -> bool:
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Name) and s.value.id == s.targets[0].id)


def _real(stmts: list[gast.stmt]) -> bool:
    return any(not is_comment(s) and not isinstance(s, gast.Pass) for s in stmts)


def _pure_iteration(loop: gast.For) -> bool:
    """The adjoint loops iterate over ranges: with an empty body they do nothing."""
    return all(not isinstance(n, gast.Call) or isinstance(n.func, gast.Name)
               and n.func.id in (RANGE, REVERSED, LEN) for n in walk(loop.iter))


def _negate(test: gast.expr) -> gast.expr:
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        return test.operand
    return gast.UnaryOp(op=gast.Not(), operand=test)


def _tidy_comments(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """A comment must describe the statement after it; repeated comments merge."""
    out: list[gast.stmt] = []
    for k, s in enumerate(stmts):
        if is_comment(s):
            following = stmts[k + 1] if k + 1 < len(stmts) else None
            if following is None or is_comment(following) or isinstance(following, gast.Return):
                continue
            if any(is_comment(p) and p.value.value == s.value.value for p in _since_code(out)):
                continue
        out.append(s)
    return out


def _since_code(out: list[gast.stmt]) -> list[gast.stmt]:
    """The previous comment for this block, to drop an identical one right after its code."""
    for s in reversed(out):
        if is_comment(s):
            return [s]
    return []
