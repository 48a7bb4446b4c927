"""Recursion headroom for deeply nested expressions.

In: the text of a function. Out: its gast tree, and, for as long as a derivative is being built,
a recursion limit high enough for every recursive walk over that tree.

A return of 300 chained operators (``x + x + ... + x``) or ``sin`` nested 150 deep is a tree
hundreds of levels deep. Python compiles it (its own limit is about 3,000 levels), but gast's
conversion, ``copy.deepcopy``, ``ast.NodeTransformer`` and astor recurse a few frames per level
and hit the default limit of 1,000 frames. So the depth of each parsed function is measured
(without recursion), and while a build is in progress (``building``, in any thread) the limit
is at least ``FRAMES_PER_LEVEL`` frames per level. When no build is left, the limit goes back to
what it was. Normalization flattens expressions to one operation per statement, so the
generated code is shallow: only the user's own trees need the headroom.
"""
from __future__ import annotations

import ast
import contextlib
import sys
import threading
import weakref
from typing import Iterator

import gast

FRAMES_PER_LEVEL = 10   # the deepest walk per tree level (gast's converter, deepcopy) and margin
_BASE = 1000            # frames for the pipeline above the walk (Python's default limit)

_lock = threading.Lock()
_builds = 0                       # builds in progress, in all threads
_restore: int | None = None       # the limit to restore when the last build ends
_raised_to: int | None = None     # the limit we set (left alone if someone else changed it)


@contextlib.contextmanager
def building() -> Iterator[None]:
    """While a derivative is built: parsed trees may raise the recursion limit (``parse``)."""
    global _builds, _restore, _raised_to
    with _lock:
        _builds += 1
    try:
        yield
    finally:
        with _lock:
            _builds -= 1
            if _builds == 0 and _restore is not None:
                if sys.getrecursionlimit() == _raised_to:
                    sys.setrecursionlimit(_restore)
                _restore = _raised_to = None


def parse(text: str) -> gast.Module:
    """``gast.parse(text)``, with the recursion headroom its depth needs (kept for the rest of
    the build when one is in progress)."""
    tree = ast.parse(text)
    levels = depth(tree)
    with building():
        _require(levels)
        module = gast.ast_to_gast(tree)
    _LEVELS[module] = levels
    for node in module.body:
        _LEVELS[node] = levels
    return module


_LEVELS: "weakref.WeakKeyDictionary[gast.AST, int]" = weakref.WeakKeyDictionary()


def require_for(tree: gast.AST) -> None:
    """The headroom ``tree`` needs, for the rest of the build in progress: for a tree parsed
    before (cached), whose walks in this build have not been given room yet."""
    levels = _LEVELS.get(tree)
    if levels is None:
        levels = _LEVELS[tree] = depth(tree)
    with building():
        _require(levels)


def _require(levels: int) -> None:
    global _restore, _raised_to
    needed = _BASE + FRAMES_PER_LEVEL * levels
    with _lock:
        current = sys.getrecursionlimit()
        if needed <= current:
            return
        if _restore is None:
            _restore = current
        sys.setrecursionlimit(needed)
        _raised_to = needed


_MARKERS = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
            gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop)


def depth(tree) -> int:
    """The number of levels of ``tree`` (an ``ast`` or ``gast`` tree; a leaf is 1), counted
    without recursion."""
    deepest = 0
    stack = [(tree, 1)]
    pop, push, AST = stack.pop, stack.append, (ast.AST, gast.AST)
    while stack:
        node, level = pop()
        if level > deepest:
            deepest = level
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, AST) and not isinstance(item, _MARKERS):
                        push((item, level + 1))
            elif isinstance(value, AST) and not isinstance(value, _MARKERS):
                push((value, level + 1))
    return deepest
