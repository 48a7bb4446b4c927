"""Adjoints that nothing reached: the adjoint blocks they would flow into are skipped.

In: an adjoint sweep (gast statements, records already pruned), the statements that set its
adjoints up, and the statements that consume a value's adjoint in a way a plain zero breaks
(by id, with the adjoint each one reads). Out: the same sweep, where each run of such
statements whose adjoint may be a plain zero there is wrapped in ``if reached(v_bar):``.

Why: every adjoint starts as a plain ``0.0``, which stands for a zero of any shape. Where the
uses of a value did not run (a branch not taken, an early return, a loop that ran no times,
code after a ``break``), its adjoint is still that ``0.0`` when the adjoint of its definition
runs. Elementwise rules take it as it is (``0.0 * cos(x)`` is a zero of x's shape), but rules
that rearrange or contract (``np.reshape(g, ...)``, ``g @ y.T``, ``uncumsum(g, x)``) need the
value's shape. Adjoints are linear in the incoming adjoint, so where it is a plain zero the
block contributes nothing and skipping it is exact (and free); where data flow shows it
cannot be one (straight-line code, a use that always runs) no test is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import gast

from .naming import unmark
from .rules.template import expr, name_nodes

@dataclass(frozen=True)
class Values:
    """What the sweep's names are, as far as plain zeros go."""
    adjoints: frozenset[str]              # the adjoint variables of this sweep
    shaped: Callable[[gast.expr], bool]   # an adjoint of a reached array, or an array value
    maybe_number: Callable[[str], bool]   # a primal name that may hold a plain zero
    known: Callable[[gast.Call], bool]    # a helper or NumPy function (not a callee's adjoint)


# helpers that spread an adjoint (by position) over the shape of another argument (read for
# its shape only): a plain zero only where both are plain
_SPREADING = {"scatter": (0, 1), "unbroadcast": (0, 1), "unreduce": (0, 1), "owned": (0, 1),
              "zeros_like": (None, 0), "with_item": (0, 3)}


class ZeroFlow:
    """Forward data flow over an adjoint sweep: which adjoints may hold a plain zero.

    Two properties of an expression: it may be a plain zero (``zero``), and it certainly has
    axes (``axes``: an array value, or the adjoint of a reached array). A plain zero plus
    anything is that thing; times something with axes it has those axes."""

    def __init__(self, fragile: dict[int, str], values: Values):
        self.fragile = fragile      # id(statement) -> the adjoint it consumes
        self.values = values
        self.guarded: set[int] = set()

    def block(self, stmts: list[gast.stmt], zeros: frozenset[str]) -> frozenset[str]:
        for s in stmts:
            zeros = self.statement(s, zeros)
        return zeros

    def statement(self, s: gast.stmt, zeros: frozenset[str]) -> frozenset[str]:
        consumed = self.fragile.get(id(s))
        if consumed is not None and consumed in zeros:
            self.guarded.add(id(s))  # runs only when its adjoint is not a plain zero
            return zeros | self.assigned(s, zeros - {consumed})
        return self.assigned(s, zeros)

    def assigned(self, s: gast.stmt, zeros: frozenset[str]) -> frozenset[str]:
        if isinstance(s, gast.Assign):
            target = s.targets[0]
            if isinstance(target, gast.Name) and self.is_adjoint(target.id, s.value):
                maybe = self.zero(s.value, zeros)
                return zeros | {target.id} if maybe else zeros - {target.id}
            if isinstance(target, gast.Tuple):  # parts handed back by a callee's adjoint
                return zeros | {t.id for t in target.elts if isinstance(t, gast.Name)}
            return zeros
        if isinstance(s, gast.If):
            return self.block(s.body, zeros) | self.block(s.orelse, zeros)
        if isinstance(s, (gast.For, gast.While)):
            entry = zeros
            while True:  # a loop may run any number of times: to a fixed point
                after = entry | self.block(s.body, entry)
                if after == entry:
                    return after
                entry = after
        return zeros

    def is_adjoint(self, target: str, value: gast.expr) -> bool:
        """An adjoint variable, or a temporary computed from adjoints (a callee's result)."""
        return target in self.values.adjoints or any(
            n.id in self.values.adjoints for n in name_nodes(value))

    def zero(self, value: gast.expr, zeros: frozenset[str]) -> bool:
        """Whether ``value`` may be a plain zero."""
        if isinstance(value, gast.Constant):
            return isinstance(value.value, (int, float)) and value.value == 0
        if isinstance(value, gast.Name):
            if value.id in zeros:
                return True
            return value.id not in self.values.adjoints and self.values.maybe_number(value.id)
        if isinstance(value, gast.UnaryOp):
            return self.zero(value.operand, zeros)
        if isinstance(value, gast.BinOp):
            left, right = self.zero(value.left, zeros), self.zero(value.right, zeros)
            if isinstance(value.op, (gast.Add, gast.Sub)):
                return left and right
            return (left and not self.axes(value.right, zeros)) or (
                right and not self.axes(value.left, zeros))
        if isinstance(value, gast.Call):
            return self.call_zero(value, zeros)
        if isinstance(value, (gast.Subscript, gast.Attribute)):  # x_bar[i], g.T
            return self.zero(value.value, zeros)
        if isinstance(value, gast.IfExp):
            return self.zero(value.body, zeros) or self.zero(value.orelse, zeros)
        return not isinstance(value, (gast.List, gast.Tuple, gast.Dict, gast.Compare))

    def axes(self, value: gast.expr, zeros: frozenset[str]) -> bool:
        """Whether ``value`` certainly has axes (then so does its product with a plain zero)."""
        return not self.zero(value, zeros) and self.values.shaped(value)

    def call_zero(self, call: gast.Call, zeros: frozenset[str]) -> bool:
        func = call.func
        if isinstance(func, gast.Attribute) and func.attr == "pop":
            return True  # an adjoint pushed onto a stack
        called = (unmark(func.id) or func.id) if isinstance(func, gast.Name) else None
        if called == "with_component" and len(call.args) == 4:
            return self.zero(call.args[3], zeros)  # a container's adjoint, shaped like it
        spread = _SPREADING.get(called)
        if spread is not None and max(p or 0 for p in spread) < len(call.args):
            data, shape = spread
            return (data is None or self.zero(call.args[data], zeros)) and not self.axes(
                call.args[shape], zeros)
        arguments = [a for a in list(call.args) + [k.value for k in call.keywords]
                     if not isinstance(a, gast.Constant)]  # axis=0 is no adjoint
        return not self.values.known(call) or any(self.zero(a, zeros) for a in arguments)


def skip_unreached(stmts: list[gast.stmt], guarded: set[int],
                   fragile: dict[int, str]) -> list[gast.stmt]:
    """Runs of guarded statements that consume the same adjoint, each wrapped in
    ``if reached(v_bar):`` (at any depth)."""
    out: list[gast.stmt] = []
    run: list[gast.stmt] = []

    def flush() -> None:
        if run:
            test = expr("reached(g)", g=fragile[id(run[0])])
            out.append(gast.If(test=test, body=list(run), orelse=[]))
            run.clear()

    for s in stmts:
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                setattr(s, field, skip_unreached(getattr(s, field), guarded, fragile))
        if id(s) in guarded:
            if run and fragile[id(run[0])] != fragile[id(s)]:
                flush()
            run.append(s)
            continue
        flush()
        out.append(s)
    flush()
    return out


def guard_unreached(setup: list[gast.stmt], adjoint: list[gast.stmt], fragile: dict[int, str],
                    zeros: frozenset[str], values: Values) -> list[gast.stmt]:
    """The adjoint sweep with the blocks an unreached adjoint would break made conditional.
    ``setup`` runs first (zero initializations); ``zeros``: names that may be plain zeros on
    entry (a callee's seed, which its caller passes as 0.0 when nothing reached its result)."""
    if not fragile:
        return adjoint
    flow = ZeroFlow(fragile, values)
    flow.block(adjoint, flow.block(setup, zeros))
    return skip_unreached(adjoint, flow.guarded, fragile) if flow.guarded else adjoint
