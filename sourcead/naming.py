"""Deterministic, collision-free names.

In: the identifiers a function already uses. Out: new identifiers derived from what a value
*is* (``sin_x`` for ``np.sin(x)``, ``x_bar`` for the adjoint of ``x``), with ``_1``, ``_2``
suffixes on collision. Only the set of used names drives the choice, never a global counter,
so the same function always yields the same names (invariant 2: byte-identical output).
"""
from __future__ import annotations

import keyword
import re

import gast

MAX_DESCRIPTIVE = 24
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

    def fresh_underscore(self) -> str:
        """``_`` for a loop variable nobody reads; ``_1``, ``_2`` when loops nest."""
        candidate, k = "_", 0
        while candidate in self.used:
            k += 1
            candidate = f"_{k}"
        self.used.add(candidate)
        return candidate



def _sanitize(base: str) -> str:
    base = re.sub(r"\W", "_", base).strip("_") or "t"
    return "t" + base if base[0].isdigit() else base


def describe(node: gast.AST) -> str:
    """A short readable name for the value an expression computes (``t`` if too long)."""
    text = _describe(node)
    return text if text and len(text) <= MAX_DESCRIPTIVE else "t"


def _describe(node: gast.AST) -> str:
    if isinstance(node, gast.Name):
        return node.id
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
    """How generated code names NumPy, math and sourcead's helpers: the user's own aliases.

    Templates in the rule tables say ``np.cos``; here that becomes the user's alias, or
    ``math.cos`` when every operand is a Python scalar (math is several times faster on
    floats and gives the same value).
    """

    def __init__(self, env_globals: dict, taken: set[str]):
        import math as math_module
        import numpy as numpy_module
        self.numpy = self._alias(env_globals, numpy_module, "np", taken)
        self.math = self._alias(env_globals, math_module, "math", taken)
        self.needs_import: set[str] = set()
        self._modules = {"np": (self.numpy, numpy_module), "math": (self.math, math_module)}
        self._user = env_globals

    @staticmethod
    def _alias(env_globals: dict, module, default: str, taken: set[str]) -> str:
        found = sorted(k for k, v in env_globals.items() if v is module)
        if default in found:
            return default
        if found:
            return found[0]
        return default if default not in taken and default not in env_globals else f"{default}_"

    def import_lines(self) -> list[str]:
        lines = []
        for key in sorted(self.needs_import):
            alias, module = self._modules[key]
            if self._user.get(alias) is not module:
                lines.append(f"import {module.__name__}" if alias == module.__name__
                             else f"import {module.__name__} as {alias}")
        return lines

    def spell(self, node: gast.AST, scalar: bool) -> gast.AST:
        import math as math_module
        for n in gast.walk(node):
            if isinstance(n, gast.Attribute) and isinstance(n.value, gast.Name) and n.value.id in ("np", "math"):
                module = n.value.id
                if module == "np" and scalar and hasattr(math_module, _MATH_SPELLING.get(n.attr, n.attr)):
                    module, n.attr = "math", _MATH_SPELLING.get(n.attr, n.attr)
                n.value.id = self._modules[module][0]
                self.needs_import.add(module)
        return node


_MATH_SPELLING = {"arctan": "atan", "arcsin": "asin", "arccos": "acos", "arctanh": "atanh",
                  "arcsinh": "asinh", "arccosh": "acosh"}
