"""Where each name is next read or written in a block of statements.

In: a block (a list of statements). Out: for a position ``i``, the first later statement that
reads a name, writes one of some names, or disturbs (a test the caller gives); positions
of statements do not change while the index is in use. Passes that move a value from its
definition to its one use (inlining, folding a negation into a sum) ask this instead of
scanning forward from every definition, which was quadratic in a long function.
"""
from __future__ import annotations

import bisect
import math
from typing import Callable

import gast

from .rules.template import walk

INF = math.inf


def reads_and_writes(s: gast.stmt) -> tuple[set[str], set[str]]:
    """The names ``s`` reads, and those whose value it changes (assigned, or written into:
    ``a[i] = v``), in one walk."""
    reads, writes = set(), set()
    for n in walk(s):
        cls = n.__class__
        if cls is gast.Name:
            ctx = n.ctx.__class__
            if ctx is gast.Load:
                reads.add(n.id)
            elif ctx is gast.Store:
                writes.add(n.id)
        elif cls is gast.Subscript and n.ctx.__class__ is gast.Store \
                and n.value.__class__ is gast.Name:
            writes.add(n.value.id)
    return reads, writes


class BlockIndex:
    """For a walk from a definition at ``i`` to its one use: the first later statement of a
    block that reads ``var``, writes one of some names, or (given ``disturbs``) disturbs.
    What each statement reads and writes is found once per block; the first ``NEAR``
    statements are scanned, and farther ones found by bisection in per-name position lists
    (a forward value read in the adjoint sweep is a long way off). Writes and disturbances
    do not change as quiet values move into later statements; reads are added as they do
    (``now_reads``)."""

    NEAR = 32

    def __init__(self, stmts: list[gast.stmt],
                 disturbs: Callable[[gast.stmt], bool] | None = None):
        self.stmts, self.disturbs = stmts, disturbs
        self._facts: list = [None] * len(stmts)
        self._positions = None   # (reads, writes, disturbs) position lists, built when needed

    def facts(self, k: int) -> tuple[set[str], set[str], bool]:
        """What statement ``k`` reads, what it writes, whether it disturbs."""
        found = self._facts[k]
        if found is None:
            s = self.stmts[k]
            reads, writes = reads_and_writes(s)
            disturbs = self.disturbs is not None and self.disturbs(s)
            found = self._facts[k] = (reads, writes, disturbs)
        return found

    def first_event(self, i: int, var: str, names: set[str]) -> tuple[float, bool]:
        """The first position after ``i`` that reads ``var``, writes one of ``names`` or
        disturbs (inf: none), and whether it reads ``var``."""
        end = min(i + 1 + self.NEAR, len(self.stmts))
        for k in range(i + 1, end):
            reads, writes, disturbs = self.facts(k)
            if var in reads:
                return k, True
            if disturbs or not writes.isdisjoint(names):
                return k, False
        if end == len(self.stmts):
            return INF, False
        reads, writes, disturbs = self._lists()
        read = self._after(reads.get(var, ()), end - 1)
        stop = min([self._after(writes.get(n, ()), end - 1) for n in names]
                   + [self._after(disturbs, end - 1)])
        return (read, True) if read <= stop else (stop, False)

    def _lists(self) -> tuple[dict[str, list[int]], dict[str, list[int]], list[int]]:
        """Per name, the positions that read it and that write it; the disturbing ones."""
        if self._positions is None:
            reads: dict[str, list[int]] = {}
            writes: dict[str, list[int]] = {}
            disturbs: list[int] = []
            for k in range(len(self.stmts)):
                r, w, d = self.facts(k)
                for name_ in r:
                    reads.setdefault(name_, []).append(k)
                for name_ in w:
                    writes.setdefault(name_, []).append(k)
                if d:
                    disturbs.append(k)
            self._positions = reads, writes, disturbs
        return self._positions

    @staticmethod
    def _after(positions, i: int) -> float:
        k = bisect.bisect_right(positions, i)
        return positions[k] if k < len(positions) else INF

    def now_reads(self, k: int, names: set[str]) -> None:
        """Statement ``k`` now also reads ``names`` (a value moved into it)."""
        if self._facts[k] is not None:
            self._facts[k][0].update(names)
        if self._positions is not None:
            for name_ in names:
                positions = self._positions[0].setdefault(name_, [])
                if k not in positions:
                    bisect.insort(positions, k)
