"""Rows of NumPy functions that move or copy elements (pad, append, insert, the stacks and
splits named after an axis), with the rows of their helpers (``runtime/moves.py``).

A rearrangement's derivative is the rearrangement of the tangent; its adjoint is found by
applying the function to the positions of the elements (``positions(x)``, 1..n) and adding
each output's adjoint back where it came from (``unmoved``).
"""
from __future__ import annotations

import numpy as np

from .. import runtime
from .core import ZERO, Rule
from .arrays import _joined


def _rearranging(sources: dict[str, str], params: tuple[str, ...], defaults: dict,
                 tangents: dict[str, str] | None = None, **extra) -> Rule:
    """A row whose arguments are only moved or copied: ``sources[p]`` is the template of the
    output's sources from ``p`` (1..n: its elements, 0: elsewhere)."""
    return Rule(params=params, defaults=defaults, shape="reduce",
                tangents={p: (tangents or {}).get(p, f"moved({p}_dot, {s})")
                          for p, s in sources.items()},
                vector_tangents={p: f"moved_each({p}_dot, {s})" for p, s in sources.items()},
                adjoints={p: f"unmoved(g, {p}, {s})" for p, s in sources.items()}, **extra)


def _pad_use(constants: dict) -> str | None:
    """np.pad is a rearrangement in its copying modes; an odd reflection computes values."""
    mode = constants.get("mode", "constant")
    if isinstance(mode, str) and mode not in runtime.COPYING_PADS:
        return (f"with mode={mode!r} (the padding is computed from the values): pad by "
                "copying (mode 'constant', 'edge', 'reflect', 'symmetric' or 'wrap'), or "
                "compute the padding yourself and join it with np.concatenate")
    if constants.get("reflect_type", "even") != "even":
        return ("with reflect_type='odd' (the padding is computed from the values): use the "
                "default reflect_type, or compute the padding and join it with np.concatenate")
    return None


def _split_at(axis: str) -> Rule:
    """hsplit / vsplit / dsplit: ``np.split`` along the axis their name says."""
    return Rule(params=("x", "indices_or_sections"), shape="tuple",
                adjoints={"x": f"unsplit(g, x, indices_or_sections, {axis})"},
                tangents={"x": f"split_parts(x_dot, indices_or_sections, {axis})"},
                vector_tangents={"x": f"split_each(x_dot, indices_or_sections, {axis})"})


def _move_rows() -> dict:
    rows = {
        np.pad: _rearranging(
            {"x": "pad_sources(x, pad_width, mode)"},
            ("x", "pad_width", "mode", "constant_values", "reflect_type"),
            {"mode": "constant", "constant_values": 0, "reflect_type": "even"},
            tangents={"x": "np.pad(x_dot, pad_width, mode)"},
            specialize=_pad_use, underived=("constant_values",)),
        np.append: _rearranging(
            {"x": "np.append(positions(x), no_positions(values), axis)",
             "values": "np.append(no_positions(x), positions(values), axis)"},
            ("x", "values", "axis"), {"axis": None}),
        np.insert: _rearranging(
            {"x": "np.insert(positions(x), obj, 0, axis)",
             "values": "np.insert(no_positions(x), obj, positions(values), axis)"},
            ("x", "obj", "values", "axis"), {"axis": None}),
        np.column_stack: _joined("np.column_stack", "column_stack"),
        np.dstack: _joined("np.dstack", "dstack"),
        # (of a 1-D array, hsplit splits axis 0)
        np.hsplit: _split_at("min(np.ndim(x) - 1, 1)"),
        np.vsplit: _split_at("0"),
        np.dsplit: _split_at("2"),
    }
    if hasattr(np, "row_stack"):  # (deprecated in NumPy 2.0: vstack under another name)
        rows[np.row_stack] = _joined("np.vstack", "vstack")
    return rows


def _moved_helper_rows() -> dict:
    """The helpers are linear in their first argument: each is the other's adjoint."""
    return {
        runtime.positions: ZERO, runtime.no_positions: ZERO, runtime.pad_sources: ZERO,
        runtime.moved: Rule(params=("v", "sources"), shape="reduce",
                            tangents={"v": "moved(v_dot, sources)"},
                            vector_tangents={"v": "moved_each(v_dot, sources)"},
                            adjoints={"v": "unmoved(g, v, sources)"}),
        runtime.unmoved: Rule(params=("g", "x", "sources"), shape="reduce",
                              tangents={"g": "unmoved(g_dot, x, sources)"},
                              vector_tangents={"g": "unmoved_each(g_dot, x, sources)"},
                              adjoints={"g": "moved(g, sources)"}),
        runtime.moved_each: Rule(params=("v", "sources"), shape="reduce",
                                 tangents={"v": "moved_each(v_dot, sources)"}),
        runtime.unmoved_each: Rule(params=("g", "x", "sources"), shape="reduce",
                                   tangents={"g": "unmoved_each(g_dot, x, sources)"}),
    }
