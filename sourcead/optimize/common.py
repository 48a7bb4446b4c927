"""What several passes share: the pure functions and helpers they may move or drop, and the
record of what a round changed.
"""
from __future__ import annotations

import gast

from ..naming import mark
from ..rules.template import name_nodes


# calls that only compute a value (so an unused result can be dropped): sourcead's helpers
# and builtins by their marked names (see naming: a user's function called ``zeros_like``
# is not one)
PURE_FUNCTIONS = {mark(h) for h in (
    "unbroadcast", "zeros_like", "zero_tangent", "scatter", "scatter_into", "dot_adjoint_x", "dot_adjoint_y",
    "lift", "spread", "sum_each", "unbroadcast_each", "dot_each_left", "dot_each_right",
    "scatter_each", "component", "with_component", "unreduce", "extreme_mask", "untranspose",
    "uncumsum", "concatenated_part", "untake",
    "range", "reversed", "len", "abs", "float", "int", "slice")}
SCATTER, SCATTER_INTO, ZEROS_LIKE = mark("scatter"), mark("scatter_into"), mark("zeros_like")
SLICE, RANGE, REVERSED, LEN = mark("slice"), mark("range"), mark("reversed"), mark("len")
MAX_ROUNDS = 8


class Changes:
    """How many rewrites a round made: the passes run until a round makes none."""

    def __init__(self):
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n


def reads_of(s: gast.stmt) -> set[str]:
    return {n.id for n in name_nodes(s) if n.ctx.__class__ is gast.Load}
