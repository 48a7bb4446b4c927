"""Jumps become flags.

In: the desugared function body, the Namer and the Environment.
Out: ``JumpEliminator(namer, env).function_body(body)`` returns the same program without
``continue``, early ``return`` or a ``break`` in the middle of a body: a jump sets flags
(``skip``, ``broke``, ``returned``) that guard the rest of its block (``if not broke:
...``), a ``break`` stays only as ``if broke: break`` at the end of a loop body, and the
function ends in its one ``return``. A function that returns nothing is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import gast

from ..errors import UnsupportedSyntaxError
from ..naming import Namer
from ..parse import Environment
from ..rules.template import assign, const, name
from .common import RESULT, _located, _walk_stmts, error


@dataclass
class Loop:
    skip: str | None = None    # set by continue/break/return: stop this iteration
    broke: str | None = None   # set by break/return: leave the loop

    @property
    def guard(self) -> str | None:
        return self.skip or self.broke


@dataclass
class JumpEliminator:
    """Replace break/continue/early return by flags so that every block runs to its end."""
    namer: Namer
    env: Environment
    returned: str | None = None
    result: str = RESULT
    loops: list[Loop] = field(default_factory=list)

    def function_body(self, body: list[gast.stmt]) -> list[gast.stmt]:
        returns = [n for n in _walk_stmts(body) if isinstance(n, gast.Return)]
        if not returns:
            raise UnsupportedSyntaxError("the function returns nothing to differentiate",
                                         filename=self.env.filename,
                                         lineno=body[0].lineno if body else None,
                                         construct="missing `return`", hint="return the value")
        if len(returns) == 1 and body[-1] is returns[0]:
            return self.block(body, guard=None)
        self.result = self.namer.fresh(RESULT)
        self.returned = self.namer.fresh("returned")
        init = [assign(self.returned, const(False)), assign(self.result, const(None))]
        new = self.block(body, guard=self.returned) + [gast.Return(value=name(self.result))]
        return _located(init, body[0]) + new

    def block(self, stmts: list[gast.stmt], guard: str | None) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for k, s in enumerate(stmts):
            new, jumps = self.stmt(s)
            out.extend(_located(new, s))
            if jumps == "always":
                return out
            if jumps == "maybe" and k + 1 < len(stmts):
                rest = self.block(stmts[k + 1:], guard)
                test = gast.UnaryOp(op=gast.Not(), operand=name(guard))
                out.append(_located([gast.If(test=test, body=rest, orelse=[])], stmts[k + 1])[0])
                return out
        return out

    def stmt(self, s: gast.stmt) -> tuple[list[gast.stmt], str]:
        """The rewritten statement and whether it jumps: 'never', 'maybe' or 'always'."""
        if isinstance(s, gast.Return):
            return self.early_return(s), "always"
        if isinstance(s, (gast.Break, gast.Continue)):
            if not self.loops:
                raise error(s, self.env, "`break` outside a loop", "remove it")
            loop = self.loops[-1]
            sets = [loop.skip] + ([loop.broke] if isinstance(s, gast.Break) else [])
            return [assign(f, const(True)) for f in sets if f], "always"
        if isinstance(s, gast.If):
            guard = self.loops[-1].guard if self.loops else self.returned
            jumps = _jumps_in(s.body + s.orelse, self.returned is not None)  # before rewriting
            body, orelse = self.block(s.body, guard), self.block(s.orelse, guard)
            return [gast.If(test=s.test, body=body, orelse=orelse)], "maybe" if jumps else "never"
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s)
        return [s], "never"

    def early_return(self, s: gast.Return) -> list[gast.stmt]:
        if self.returned is None:  # the single final return
            return [s]
        value = s.value if s.value is not None else const(None)
        sets = [assign(self.result, value), assign(self.returned, const(True))]
        for loop in self.loops:
            sets += [assign(f, const(True)) for f in (loop.skip, loop.broke) if f]
        return sets

    def loop(self, s: gast.For | gast.While) -> tuple[list[gast.stmt], str]:
        direct = list(_direct_jumps(s.body))
        has_return = any(isinstance(j, gast.Return) for j in _walk_stmts(s.body))
        loop = Loop()
        if any(isinstance(j, gast.Continue) for j in direct):
            loop.skip = self.namer.fresh("skip")
        if has_return or any(isinstance(j, gast.Break) for j in direct):
            loop.broke = self.namer.fresh("broke")
        self.loops.append(loop)
        body = self.block(s.body, loop.guard)
        self.loops.pop()
        pre: list[gast.stmt] = []
        if loop.skip:
            body = [assign(loop.skip, const(False))] + body
        if loop.broke:
            pre = [assign(loop.broke, const(False))]
            body = body + [gast.If(test=name(loop.broke), body=[gast.Break()], orelse=[])]
        s.body = _located(body, s)
        return _located(pre, s) + [s], "maybe" if has_return else "never"


def _direct_jumps(stmts: list[gast.stmt]):
    """break/continue that belong to this loop (not to a nested one)."""
    for s in stmts:
        if isinstance(s, (gast.Break, gast.Continue)):
            yield s
        elif isinstance(s, gast.If):
            yield from _direct_jumps(s.body + s.orelse)


def _jumps_in(stmts: list[gast.stmt], function_has_flags: bool) -> bool:
    for s in _walk_stmts(stmts):
        if isinstance(s, gast.Return) and function_has_flags:
            return True
    return any(True for _ in _direct_jumps(stmts))
