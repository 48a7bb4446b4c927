"""Passes over generated code, run to a fixed point.

In: a list of generated FunctionDefs. Out: equivalent functions with
* zero folding: ``x_bar = 0.0`` followed by ``x_bar = x_bar + t`` becomes ``x_bar = t``
  (the first contribution reads as a plain assignment), through branches and loops;
* dead code removed: assignments nobody reads (unless they have side effects: tape
  operations, calls of derivative functions, print);
* empty branches and loops, and comments that describe nothing, dropped.
Each pass is a pure function of its input tree (a copy is returned).

One module per family of passes (zeros, scatters, signs, inline, sharing, spreads, cleanup);
``common`` holds what several share. ``optimize`` runs them in order, to a fixed point.
"""
from __future__ import annotations

import gast

from ..algebra import simplify_adjoints
from ..rules.template import statements, walk, clone, fold_constants
from .cleanup import _pure_call, clean, propagate_copies, remove_dead
from .common import Changes, MAX_ROUNDS, SCATTER
from .inline import inline_single_uses
from .scatters import drop_round_trips, fuse_scatters
from .sharing import _writes_in_place, share_common
from .signs import fold_negations, shapes_from_broadcasts, simplify_signs
from .spreads import drop_spreads, free_arrays
from .zeros import fold_zeros


__all__ = ["drop_round_trips", "drop_spreads", "fold_negations", "free_arrays", "fuse_scatters",
           "inline_single_uses", "optimize", "remove_dead", "share_common", "simplify_signs"]

def optimize(functions: list[gast.FunctionDef], modules: set[str],
             temporaries: set[str], inlinable: set[str] = frozenset(),
             broadcasts: dict | None = None, kinds: dict | None = None,
             forward_temporaries: dict | None = None,
             arrays: dict | None = None) -> list[gast.FunctionDef]:
    """``temporaries``: generated names (adjoints) that copy propagation may replace;
    ``inlinable``: those that may be folded into their single use; ``broadcasts``: per
    function name and variable, ``np.broadcast(...)`` of values that give its shape;
    ``kinds``: per reverse function, each name's kind (for the algebra);
    ``forward_temporaries``: per function name, the values normalize named (not the user),
    which may be both; ``arrays``: per function with an adjoint sweep, those of them that
    are arrays (freed at their last use)."""
    out = []
    for fn in functions:
        fn = clone(fn)  # every position its own node: the passes rewrite names in place
        # only rule templates make constant arithmetic: once is enough
        fn = fold_constants(fn, keep_copies=_writes_in_place(fn))
        own = (forward_temporaries or {}).get(fn.name, set())
        # before fuse_scatters fills buffers in place
        fn.body, renames = share_common(fn.body, modules, own,
                                        parameters={a.id for a in fn.args.args})
        shapes = _renamed_shapes((broadcasts or {}).get(fn.name, {}), renames)
        scatters = any(isinstance(n, gast.Name) and n.id == SCATTER for n in walk(fn))
        for _ in range(MAX_ROUNDS):
            changes = Changes()
            fn.body, _ = fold_zeros(fn.body, set(), changes)
            if scatters:
                fn.body = fuse_scatters(fn.body, changes)
            fn.body = fold_negations(fn.body, temporaries, changes)
            fn.body = drop_round_trips(fn.body, changes)
            fn.body = propagate_copies(fn.body, temporaries, changes)
            fn.body = shapes_from_broadcasts(fn.body, shapes, modules, changes)
            fn.body = remove_dead(fn.body, modules, changes)
            fn.body = clean(fn.body, changes)
            if not changes.count:
                break
        if kinds and fn.name in kinds:
            simplify_adjoints(fn, kinds[fn.name], temporaries, lambda call: _pure_call(call, modules))
            for _ in range(MAX_ROUNDS):
                changes = Changes()
                fn.body = clean(remove_dead(fn.body, modules, changes), changes)
                if not changes.count:
                    break
        fn.body = inline_single_uses(fn.body, inlinable | own, modules,
                                     primal_only=(own - inlinable, temporaries))
        if kinds and fn.name in kinds:
            fn.body = drop_spreads(fn.body, kinds[fn.name])
        for s in (n for n in statements(fn) if isinstance(n, gast.Assign)):
            if any(isinstance(n, gast.UnaryOp) and isinstance(n.op, gast.USub)
                   for n in walk(s.value)):
                s.value = simplify_signs(s.value)
        fn.body = free_arrays(fn.body, (arrays or {}).get(fn.name, set()))
        out.append(fn)
    return out


def _renamed_shapes(broadcasts: dict, renames: dict[str, str]) -> dict:
    """The ``np.broadcast(...)`` shapes of values, read through ``share_common``'s renames."""
    if not renames:
        return broadcasts
    out = {}
    for var, expr in broadcasts.items():
        expr = clone(expr)
        for n in walk(expr):
            if isinstance(n, gast.Name):
                n.id = renames.get(n.id, n.id)
        out[renames.get(var, var)] = expr
    return out
