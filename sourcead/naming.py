"""Deterministic, collision-free names.

In: the identifiers a function already uses. Out: new identifiers derived from what a value
*is* (``sin_x`` for ``np.sin(x)``, ``x_bar`` for the adjoint of ``x``), with ``_1``, ``_2``
suffixes on collision. Only the set of used names drives the choice, never a global counter,
so the same function always yields the same names (invariant 2: byte-identical output).

Names that live at module level in generated code (sourcead's helpers, NumPy and math, the
builtins it calls, the generated functions) are *marked* while a derivative is built
(``$zeros_like``, ``$np``, ``$range``, ``$f_grad``): ``$`` cannot start a Python identifier, so
a marked name never means a name of the user's, whatever the user called things. ``emit`` spells every marked name once per
build (``ModuleNames``): the short name where it is free in every function and environment
involved, else a variant (``zeros_like_``) that is.
"""
from __future__ import annotations

import builtins
import keyword
import math as math_module
import re
from typing import Any, Callable

import gast
import numpy as numpy_module

from . import runtime

MAX_DESCRIPTIVE = 24
MARK = "$"
NUMPY, MATH = MARK + "np", MARK + "math"
_OP_WORDS = {
    gast.Add: "plus", gast.Sub: "minus", gast.Mult: "times", gast.Div: "over",
    gast.Pow: "pow", gast.Mod: "mod", gast.FloorDiv: "floordiv", gast.MatMult: "matmul",
    gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not",
    gast.Gt: "gt", gast.GtE: "ge", gast.Lt: "lt", gast.LtE: "le", gast.Eq: "eq",
    gast.NotEq: "ne", gast.And: "and", gast.Or: "or",
}


class Namer:
    """Hands out fresh identifiers that avoid every name already in use."""

    def __init__(self, used: set[str]):
        self.used = set(used)
        # base -> the suffix its last search ended at: names are only ever added, so every
        # candidate before it is still taken (without this, the k-th ``t`` tries k names)
        self._tried: dict[str, int] = {}

    def fresh(self, base: str) -> str:
        base = _sanitize(base)
        k = self._tried.get(base, 0)
        candidate = f"{base}_{k}" if k else base
        while candidate in self.used or keyword.iskeyword(candidate):
            k += 1
            candidate = f"{base}_{k}"
        self._tried[base] = k
        self.used.add(candidate)
        return candidate

    def variant(self, base: str, acceptable: Callable[[str], bool]) -> str:
        """``base`` itself if it is free and acceptable, else the first of ``base_``,
        ``base_1``, ``base_2``, ... that is (how a helper is renamed around a user's name)."""
        candidate, k = base, -1
        while candidate in self.used or keyword.iskeyword(candidate) or not acceptable(candidate):
            k += 1
            candidate = f"{base}_{k}" if k else f"{base}_"
        self.used.add(candidate)
        return candidate

    def fresh_underscore(self) -> str:
        """``_`` for a loop variable nobody reads; ``_1``, ``_2`` when loops nest."""
        candidate, k = "_", 0
        while candidate in self.used:
            k += 1
            candidate = f"_{k}"
        self.used.add(candidate)
        return candidate



# ---- marked names: what generated code reaches at module level ---------------------------------

def mark(name: str) -> str:
    """The marked name of a helper (``zeros_like``), of NumPy or math (``np``, ``math``) or of
    a generated function, as code under construction spells it."""
    return MARK + name


def unmark(ident: str) -> str | None:
    """The name ``ident`` marks (``$zeros_like`` -> ``zeros_like``); None for a plain name."""
    return ident[len(MARK):] if ident.startswith(MARK) else None


def marked_object(ident: str) -> Any:
    """The object a marked name stands for: NumPy, math, one of sourcead's helpers or a
    builtin (None for anything else, such as a generated function)."""
    if ident == NUMPY:
        return numpy_module
    if ident == MATH:
        return math_module
    name = unmark(ident)
    if name is None:
        return None
    return runtime.HELPERS.get(name, BUILTINS.get(name))


def marked_name_of(value: Any) -> str | None:
    """The marked name for NumPy, math, one of sourcead's helpers or a builtin function or
    type (as a user's name or generated code may hold it), else None."""
    if value is numpy_module:
        return NUMPY
    if value is math_module:
        return MATH
    for names, table in ((_HELPER_NAMES, runtime.HELPERS), (_BUILTIN_NAMES, BUILTINS)):
        name = names.get(id(value))
        if name is not None and table[name] is value:
            return mark(name)
    return None


def plainly(tree: gast.AST) -> gast.AST:
    """A copy of ``tree`` with every marked name unmarked (``$np`` -> ``np``): code under
    construction as a person reads it (for tests and debugging; ``emit`` spells them)."""
    import copy
    tree = copy.deepcopy(tree)
    for n in gast.walk(tree):
        if isinstance(n, gast.Name) and unmark(n.id) is not None:
            n.id = unmark(n.id)
        elif isinstance(n, gast.FunctionDef) and unmark(n.name) is not None:
            n.name = unmark(n.name)
    return tree


BUILTINS = {name: value for name, value in vars(builtins).items()
            if callable(value) and not name.startswith("_")}
_HELPER_NAMES = {id(f): name for name, f in reversed(list(runtime.HELPERS.items()))}
_BUILTIN_NAMES = {id(f): name for name, f in reversed(list(BUILTINS.items()))}


def _sanitize(base: str) -> str:
    base = re.sub(r"\W", "_", base).strip("_") or "t"
    return "t" + base if base[0].isdigit() else base


def describe(node: gast.AST) -> str:
    """A short readable name for the value an expression computes (``t`` if too long)."""
    text = _describe(node)
    return text if text and len(text) <= MAX_DESCRIPTIVE else "t"


def _describe(node: gast.AST) -> str:
    if isinstance(node, gast.Name):
        return unmark(node.id) or node.id
    if isinstance(node, gast.Constant):
        return re.sub(r"\W", "_", repr(node.value).replace(".", "p").replace("-", "neg"))
    if isinstance(node, gast.Attribute):
        return node.attr
    if isinstance(node, gast.Call):
        args = [_describe(a) for a in node.args]
        return "_".join([_describe(node.func)] + args)
    if isinstance(node, gast.BinOp):
        return f"{_describe(node.left)}_{_OP_WORDS.get(type(node.op), 'op')}_{_describe(node.right)}"
    if isinstance(node, gast.UnaryOp):
        return f"{_OP_WORDS.get(type(node.op), 'op')}_{_describe(node.operand)}"
    if isinstance(node, gast.Compare):
        return f"{_describe(node.left)}_{_OP_WORDS.get(type(node.ops[0]), 'cmp')}_{_describe(node.comparators[0])}"
    if isinstance(node, gast.Subscript):
        return f"{_describe(node.value)}_{_describe(node.slice)}"
    if isinstance(node, gast.BoolOp):
        return f"_{_OP_WORDS[type(node.op)]}_".join(_describe(v) for v in node.values)
    return ""


def adjoint_name(var: str) -> str:
    return f"{var}_bar"


def tangent_name(var: str) -> str:
    return f"{var}_dot"


class Spelling:
    """How generated code names NumPy and math: marked (``$np.cos``), spelled with the user's
    own alias when the module is written (``emit``). Templates in the rule tables say
    ``np.cos``; that becomes ``$math.cos`` when every operand is a Python scalar (math is
    several times faster on floats and gives the same value)."""

    # NumPy's semantics even for numbers (inf and nan with a warning where math raises):
    # for derivatives called with NumPy numbers, and the retry of a float call that raised
    numpy_only = False

    def spell(self, node: gast.AST, scalar: bool) -> gast.AST:
        import math as math_module
        import numpy as numpy_module
        for n in gast.walk(node):
            if isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name) \
                    and n.value.id in (NUMPY, MATH):
                module = "math" if n.value.id == MATH else "np"
                if module == "np" and scalar and not self.numpy_only \
                        and hasattr(math_module, _MATH_SPELLING.get(n.attr, n.attr)):
                    module, n.attr = "math", _MATH_SPELLING.get(n.attr, n.attr)
                elif module == "math" and self.numpy_only \
                        and hasattr(numpy_module, _NUMPY_SPELLING.get(n.attr, n.attr)):
                    module, n.attr = "np", _NUMPY_SPELLING.get(n.attr, n.attr)
                n.value.id = mark(module)
        return node


_MATH_SPELLING = {"arctan": "atan", "arcsin": "asin", "arccos": "acos", "arctanh": "atanh",
                  "arcsinh": "asinh", "arccosh": "acosh"}
_NUMPY_SPELLING = {v: k for k, v in _MATH_SPELLING.items()}
