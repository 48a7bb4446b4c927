"""Passes over generated code, run to a fixed point.

In: a list of generated FunctionDefs. Out: equivalent functions with
* zero folding: ``x_bar = 0.0`` followed by ``x_bar = x_bar + t`` becomes ``x_bar = t``
  (the first contribution reads as a plain assignment), through branches and loops;
* dead code removed: assignments nobody reads (unless they have side effects: tape
  operations, calls of derivative functions, print);
* empty branches and loops, and comments that describe nothing, dropped.
Each pass is a pure function of its input tree (a copy is returned).
"""
from __future__ import annotations

import copy
from collections import Counter

import gast

from .algebra import simplify_adjoints
from .block_index import INF, BlockIndex
from .analyze import SCALAR, broadcast, has_shape_of, live_before
from . import runtime
from .naming import MATH, NUMPY, mark, unmark
from .reverse import _is_unreduce, is_comment, without
from .rules.template import Structures, Transformer, name_nodes, statements, walk, clone, fold_constants

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


class Changes:
    """How many rewrites a round made: the passes run until a round makes none."""

    def __init__(self):
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n


# ---- zero folding ------------------------------------------------------------------------------

def is_zero(value: gast.expr) -> bool:
    if isinstance(value, gast.Constant) and not isinstance(value.value, bool):
        return isinstance(value.value, (int, float)) and value.value == 0
    return (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
            and value.func.id == ZEROS_LIKE)


def fold_zeros(stmts: list[gast.stmt], zeros: set[str],
               changes: Changes | None = None) -> tuple[list[gast.stmt], set[str]]:
    """Forward pass: ``zeros`` holds the variables known to be zero here."""
    zeros = set(zeros)
    changes = changes or Changes()
    out = []
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            s = _fold_assign(s, zeros, changes)
        elif isinstance(s, gast.If):
            s.body, zb = fold_zeros(s.body, zeros, changes)
            s.orelse, zo = fold_zeros(s.orelse, zeros, changes)
            zeros = zb & zo
        elif isinstance(s, (gast.For, gast.While)):
            zeros = _zeros_at_loop_head(s, zeros)
            s.body, _ = fold_zeros(s.body, zeros, changes)
        else:
            zeros -= _assigned(s)
        out.append(s)
    return out, zeros


def _zeros_at_loop_head(loop: gast.stmt, entry: set[str]) -> set[str]:
    """Zero at the head = zero on entry and zero again at the end of every iteration."""
    head = set(entry)
    while True:
        _, at_end = fold_zeros(copy.deepcopy(loop.body), head)
        new = head & at_end
        if new == head:
            return head
        head = new


def _fold_assign(s: gast.Assign, zeros: set[str], changes: Changes) -> gast.Assign:
    target, value = s.targets[0].id, s.value
    if is_zero(value):
        zeros.add(target)
        return s
    if target in zeros:
        s.value = _without_leading(value, target)
        if s.value is not value:
            changes.add()
    zeros.discard(target)
    if is_zero(s.value):
        zeros.add(target)
    return s


def _without_leading(value: gast.expr, zero: str) -> gast.expr:
    """``zero + a - b`` -> ``a - b``: drop a known-zero accumulator at the left of a sum."""
    if not isinstance(value, gast.BinOp) or not isinstance(value.op, (gast.Add, gast.Sub)):
        return value
    left = value.left
    if isinstance(left, gast.Name) and left.id == zero:
        return value.right if isinstance(value.op, gast.Add) else gast.UnaryOp(
            op=gast.USub(), operand=value.right)
    new_left = _without_leading(left, zero)
    if new_left is left:
        return value
    return gast.BinOp(left=new_left, op=value.op, right=value.right)


def _assigned(s: gast.stmt) -> set[str]:
    return {n.id for n in name_nodes(s) if n.ctx.__class__ is gast.Store}


def _written(s: gast.stmt) -> set[str]:
    """Names whose value a statement changes: assigned, or written into (``a[i] = v``)."""
    return _assigned(s) | {n.value.id for n in walk(s) if isinstance(n, gast.Subscript)
                           and isinstance(n.ctx, gast.Store) and isinstance(n.value, gast.Name)}


# ---- element round trips ----------------------------------------------------------------------

def drop_round_trips(stmts: list[gast.stmt], changes: Changes | None = None) -> list[gast.stmt]:
    """``t = a[i] ... a[i] = 0.0 ... a[i] = a[i] + t`` leaves ``a[i]`` as it was (the adjoint
    of ``out[i] += v`` passes ``out_bar[i]`` through): the zeroing and the add-back go. Only
    when nothing in between rebinds ``a``, ``t`` or what ``i`` reads, nothing between the
    zeroing and the add-back reads ``a``, and nothing in between calls anything but pure
    arithmetic and the tape (``t`` a number: an element of a 1-D adjoint)."""
    changes = changes or Changes()
    for s in stmts:
        for field_name in ("body", "orelse"):
            inner = getattr(s, field_name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                setattr(s, field_name, drop_round_trips(inner, changes))
    dropped: set[int] = set()
    for k, s in enumerate(stmts):
        read = _element_read(s)
        if read is None:
            continue
        t, a, index = read
        fixed = {t, a} | reads_of(gast.Expr(value=index))
        zero = add_back = None
        for j in range(k + 1, len(stmts)):
            later = stmts[j]
            if zero is None and _is_element_store(later, a, index, lambda v: is_zero(v)):
                zero = j
                continue
            if zero is not None and _is_element_store(
                    later, a, index, lambda v: _adds(v, a, index, t)):
                add_back = j
                break
            if not _plain_assignment(later) or _written(later) & fixed \
                    or (zero is not None and a in reads_of(later)):
                break
        if zero is not None and add_back is not None:
            dropped |= {id(stmts[zero]), id(stmts[add_back])}
    changes.add(len(dropped))
    return [s for s in stmts if id(s) not in dropped]


def _element_read(s: gast.stmt):
    """``t = a[i]`` with ``i`` names and numbers: (t, a, i)."""
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
            and isinstance(s.value, gast.Subscript) and isinstance(s.value.value, gast.Name) \
            and _simple_index(s.value.slice):
        return s.targets[0].id, s.value.value.id, s.value.slice
    return None


def _simple_index(index: gast.expr) -> bool:
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return all(isinstance(p, gast.Name) or (isinstance(p, gast.Constant) and type(p.value) is int)
               for p in parts)


def _is_element_store(s: gast.stmt, a: str, index: gast.expr, value_test) -> bool:
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1):
        return False
    target = s.targets[0]
    return isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name) \
        and target.value.id == a and gast.dump(target.slice) == gast.dump(index) \
        and value_test(s.value)


def _adds(value: gast.expr, a: str, index: gast.expr, t: str) -> bool:
    """``a[i] + t`` or ``t + a[i]``."""
    if not (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)):
        return False
    sides = [value.left, value.right]
    element = [x for x in sides if isinstance(x, gast.Subscript) and isinstance(x.value, gast.Name)
               and x.value.id == a and gast.dump(x.slice) == gast.dump(index)]
    other = [x for x in sides if isinstance(x, gast.Name) and x.id == t]
    return len(element) == 1 and len(other) == 1


def _plain_assignment(s: gast.stmt) -> bool:
    """An assignment whose calls are the tape's pop or NumPy/math functions on numbers."""
    if not isinstance(s, gast.Assign):
        return False
    for n in walk(s.value):
        if isinstance(n, gast.Call):
            func = n.func
            if isinstance(func, gast.Attribute) and func.attr == "pop" and not n.args:
                continue
            if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
                    and func.value.id in (NUMPY, MATH):
                continue
            return False
    return True


# ---- scatters into one buffer ----------------------------------------------------------------

def _fresh_scatter(s: gast.stmt) -> tuple[str, str] | None:
    """``v = scatter(g, x, i)`` or ``v = scatter_into(v, g, i)``: v holds a buffer made here
    -> (v, the array x whose shape it has, or v itself)."""
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.Call) and isinstance(s.value.func, gast.Name)
            and len(s.value.args) == 3 and isinstance(s.value.args[1 if s.value.func.id ==
                                                                   SCATTER else 0], gast.Name)):
        return None
    target, func = s.targets[0].id, s.value.func.id
    if func == SCATTER:
        return target, s.value.args[1].id
    if func == SCATTER_INTO and s.value.args[0].id == target:
        return target, ""
    return None


def _accumulated_scatter(s: gast.stmt) -> tuple[str, gast.Call] | None:
    """``v = v + scatter(g, x, i)`` -> (v, the scatter call)."""
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and isinstance(s.value, gast.BinOp) and isinstance(s.value.op, gast.Add)
            and isinstance(s.value.left, gast.Name) and s.value.left.id == s.targets[0].id):
        return None
    call = s.value.right
    if (isinstance(call, gast.Call) and isinstance(call.func, gast.Name)
            and call.func.id == SCATTER and len(call.args) == 3 and not call.keywords
            and isinstance(call.args[1], gast.Name)):
        return s.targets[0].id, call
    return None


def fuse_scatters(stmts: list[gast.stmt], changes: Changes | None = None) -> list[gast.stmt]:
    """``v = scatter(a, x, i) ... v = v + scatter(b, x, j)`` -> the two side by side, the second
    as ``v = scatter_into(v, b, j)``: one buffer instead of a zeros array and a sum per part.

    The first is moved down only past statements that neither use ``v`` nor assign what it
    reads, so between them nothing can read or copy the buffer that ``scatter_into`` fills."""
    changes = changes or Changes()
    out: list = []
    chains: dict[str, list] = {}   # v -> [slot in out, shape source, its statements]

    def flush(var: str) -> None:
        slot, _, chain = chains.pop(var)
        if len(chain) == 1:
            out[slot] = chain[0]
        else:
            out[slot] = None
            out.extend(chain)

    for s in stmts:
        accumulated = _accumulated_scatter(s)
        if accumulated is not None and accumulated[0] in chains and \
                chains[accumulated[0]][1] == accumulated[1].args[1].id:
            var, call = accumulated
            g, index = call.args[0], call.args[2]
            chains[var][2].append(gast.Assign(
                targets=[s.targets[0]], value=gast.Call(func=gast.Name(
                    id=SCATTER_INTO, ctx=gast.Load(), annotation=None, type_comment=None),
                    args=[s.value.left, g, index], keywords=[]), type_comment=None))
            changes.add()
            continue
        if chains:
            written = _written(s)
            touched = written | reads_of(s)
            for var in [v for v, (_, _, chain) in chains.items()
                        if v in touched or written & set().union(*map(reads_of, chain))]:
                flush(var)
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, fuse_scatters(getattr(s, field_name), changes))
        fresh = _fresh_scatter(s)
        if fresh is not None and not isinstance(s, (gast.For, gast.While, gast.If)):
            chains[fresh[0]] = [len(out), fresh[1] or fresh[0], [s]]
            out.append(None)
            continue
        out.append(s)
    for var in list(chains):
        flush(var)
    return [s for s in out if s is not None]


def fold_negations(stmts: list[gast.stmt], temporaries: set[str],
                   changes: Changes | None = None) -> list[gast.stmt]:
    """``v = -e ... v = v + f`` -> ``v = f - e`` where nothing in between uses ``v`` or
    changes ``e``: an adjoint's first contribution negated, then added to, costs one pass
    over the array less."""
    changes = changes or Changes()
    stmts = list(stmts)
    for s in stmts:
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, fold_negations(getattr(s, field_name), temporaries, changes))
    index = None   # built at the first negation: most blocks have none
    dropped: set[int] = set()
    for i, s in enumerate(stmts):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in temporaries and isinstance(s.value, gast.UnaryOp)
                and isinstance(s.value.op, gast.USub)):
            continue
        index = index or BlockIndex(stmts)
        var, negated = s.targets[0].id, s.value.operand
        # the first statement that uses or assigns v, or changes what e reads
        j, _ = index.first_event(i, var, reads_of(s) | {var})
        if j == INF:
            continue
        later = stmts[j]
        if (isinstance(later, gast.Assign) and isinstance(later.targets[0], gast.Name)
                and later.targets[0].id == var and isinstance(later.value, gast.BinOp)
                and isinstance(later.value.op, gast.Add)
                and isinstance(later.value.left, gast.Name) and later.value.left.id == var
                and var not in reads_of(later.value.right)):
            later.value = gast.BinOp(left=later.value.right, op=gast.Sub(), right=negated)
            dropped.add(id(s))
            changes.add()
            index.now_reads(j, reads_of(gast.Expr(value=negated)))
    return [s for s in stmts if id(s) not in dropped]


# ---- shapes ------------------------------------------------------------------------------------

_SHAPE_ONLY = {mark("unbroadcast"): 1}  # (unreduce and scatter also take the dtype of theirs)


def _shape_position(call: gast.Call, modules: set[str]) -> int | None:
    """Which argument of this call only gives a shape (``unreduce(g, x)``, ``np.size(x)``)."""
    func = call.func
    if isinstance(func, gast.Name):
        return _SHAPE_ONLY.get(func.id)
    if isinstance(func, gast.Attribute) and func.attr in ("size", "shape", "ndim") \
            and isinstance(func.value, gast.Name) and func.value.id in modules:
        return 0
    return None


def shapes_from_broadcasts(stmts: list[gast.stmt], broadcasts: dict, modules: set[str],
                           changes: Changes | None = None) -> list[gast.stmt]:
    """A variable read only for its shape is read as ``np.broadcast(a, b)`` of the values
    whose broadcast it is, so that it is not computed (a loss's ``y * np.log(p)``)."""
    if not broadcasts:
        return stmts
    shape_reads: dict[str, list] = {}
    other_reads: set[str] = set()
    for s in stmts:
        for n in walk(s):
            if isinstance(n, gast.Call):
                k = _shape_position(n, modules)
                if k is not None and k < len(n.args) and isinstance(n.args[k], gast.Name):
                    shape_reads.setdefault(n.args[k].id, []).append((n, k))
        other_reads |= {n.id for n in name_nodes(s)
                        if isinstance(n.ctx, gast.Load)}
    for var, places in shape_reads.items():
        if var in broadcasts and len(places) == sum(
                1 for s in stmts for n in name_nodes(s)
                if n.id == var and isinstance(n.ctx, gast.Load)):
            for call, k in places:
                call.args[k] = clone(broadcasts[var])
            (changes or Changes()).add(len(places))
    return stmts


# ---- signs ---------------------------------------------------------------------------------------

def _product_sign(node: gast.expr) -> tuple[bool, gast.expr, int]:
    """A product or quotient without its negations -> (negative?, the product, negations)."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        negative, inner, count = _product_sign(node.operand)
        return not negative, inner, count + 1
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div)):
        nl, left, cl = _product_sign(node.left)
        nr, right, cr = _product_sign(node.right)
        return nl != nr, gast.BinOp(left=left, op=node.op, right=right), cl + cr
    return False, node, 0


def _negate_a_constant(node: gast.expr) -> bool:
    """Negate a number factor of a product in place (exact, like every negation)."""
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        node.value = -node.value
        return True
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Div)):
        return _negate_a_constant(node.left) or _negate_a_constant(node.right)
    return False


def simplify_signs(node: gast.expr) -> gast.expr:
    """``-(g * 2 * x)`` -> ``g * -2 * x``, ``-(a * (-b / c))`` -> ``a * (b / c)``: negations
    of a product cancel, or go into a number factor; each one left is a pass over an array."""
    class Signs(Transformer):
        def visit_UnaryOp(self, n):
            return self.product(n)

        def visit_BinOp(self, n):
            return self.product(n)

        def product(self, n):
            self.generic_visit(n)
            negative, bare, count = _product_sign(n)
            if count == 0 or (count == 1 and negative and not _has_constant(bare)):
                return n
            if negative and not _negate_a_constant(bare):
                bare = gast.UnaryOp(op=gast.USub(), operand=bare)
            return bare
    return Signs().visit(node)


def _has_constant(node: gast.expr) -> bool:
    return _negate_a_constant(clone(node))


MAX_INLINED_OPERATIONS = 4


def inline_single_uses(body: list[gast.stmt], inlinable: set[str], modules: set[str],
                       primal_only: tuple[set[str], set[str]] = (set(), set())) -> list[gast.stmt]:
    """``t = e ... y = f(t)`` -> ``y = f(e)`` for a value sourcead named (a temporary of
    normalize, or its adjoint), read once, later in the same block, while the result stays
    short. The array ``t`` held then dies inside the expression (NumPy reuses such
    temporaries in place) instead of living to the return, and the code reads like the
    user's. ``e`` moves later, so it must be quiet and nothing in between may change what
    it reads (see ``_disturbs``). ``primal_only``: (names, derivative names): those names go
    only into a value of the function itself, not into a derivative (so a value the
    adjoint sweep reads stays computed, and named, in the forward sweep)."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in (n for s in body for n in name_nodes(s)):
        counts = loads if n.ctx.__class__ is gast.Load else stores
        counts[n.id] = counts.get(n.id, 0) + 1
    single = {v for v in inlinable if loads.get(v) == 1 and stores.get(v) == 1}
    if not single:
        return body
    return _inline_block(body, single, modules, private_lists(body), primal_only)


def _inline_block(stmts: list[gast.stmt], single: set[str], modules: set[str],
                  tapes: set[str], primal_only: tuple[set[str], set[str]]) -> list[gast.stmt]:
    stmts = list(stmts)
    for s in stmts:
        for field_name in ("body", "orelse"):
            if hasattr(s, field_name):
                setattr(s, field_name, _inline_block(getattr(s, field_name), single, modules,
                                                     tapes, primal_only))
    index = BlockIndex(stmts, lambda t: _disturbs(t, modules, tapes))
    dropped: set[int] = set()
    for i, s in enumerate(stmts):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in single and quiet(s.value, modules)):
            continue
        var, reads = s.targets[0].id, reads_of(s)
        j, is_read = index.first_event(i, var, reads | {var})
        if not is_read:
            continue   # written or disturbed before its read (or never read here)
        later = stmts[j]
        if isinstance(later, gast.Assign) and var in reads_of(later.value) \
                and isinstance(later.targets[0], gast.Name):
            if not _quiet_before(later.value, var, modules) or (
                    var in primal_only[0] and later.targets[0].id in primal_only[1]):
                continue
            if _fewest_operations(later.value, s.value) > MAX_INLINED_OPERATIONS:
                continue   # too long even if simplify_signs took every negation out
            new = _replaced(later.value, var, s.value)
            if any(isinstance(n, gast.UnaryOp) for n in walk(new)):
                new = simplify_signs(new)
            if _operations(new) <= MAX_INLINED_OPERATIONS:
                later.value = new
                dropped.add(id(s))
                index.now_reads(j, reads)
    return [s for s in stmts if id(s) not in dropped]


def _quiet_before(node: gast.expr, var: str, modules: set[str]) -> bool:
    """Every call in ``node`` that is not quiet encloses the read of ``var``, so it runs only
    after an expression put there (``scatter_into(v, t, i)``)."""
    def quiet_outside(n: gast.AST) -> bool:
        if isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await)):
            return False
        if isinstance(n, gast.Call) and not _quiet_call(n, modules) \
                and var not in {m.id for m in walk(n) if isinstance(m, gast.Name)}:
            return False
        return all(quiet_outside(child) for child in gast.iter_child_nodes(n))
    return quiet_outside(node)


def _replaced(node: gast.expr, var: str, value: gast.expr) -> gast.expr:
    class Replace(Transformer):
        def visit_Name(self, n):
            return clone(value) if n.id == var and isinstance(n.ctx, gast.Load) else n
    return Replace().visit(clone(node))


def _fewest_operations(*parts: gast.expr) -> int:
    """A lower bound of ``_operations`` of an expression made of ``parts``, after
    ``simplify_signs`` (which takes out negations, nothing else)."""
    total = 0
    for part in parts:
        for n in walk(part):
            cls = n.__class__
            if cls is gast.BinOp or (cls is gast.Call and not (
                    isinstance(n.func, gast.Name) and n.func.id == SLICE)):
                total += 1
    return total


def _operations(node: gast.expr) -> int:
    return sum(1 for n in walk(node) if isinstance(n, (gast.BinOp, gast.UnaryOp)) or (
        isinstance(n, gast.Call) and not (isinstance(n.func, gast.Name) and n.func.id == SLICE)))


def reads_of(s: gast.stmt) -> set[str]:
    return {n.id for n in name_nodes(s) if n.ctx.__class__ is gast.Load}


# ---- evaluation order ------------------------------------------------------------------------
# Moving an expression later (inlining) or reading an earlier result for it (sharing) keeps
# every value only if the expression depends on nothing but the names it reads, and nothing
# in between changes an object it reads.

# scatter_into fills its first argument in place; pop_tangent takes an element off its list
_MUTATING_HELPERS = {SCATTER_INTO, mark("pop_tangent")}


def _quiet_call(call: gast.Call, modules: set[str]) -> bool:
    """A call that computes a value from its arguments and changes nothing: NumPy and math
    (not ``random``, not ``out=``), and the runtime helpers that build new values."""
    if any(k.arg == "out" for k in call.keywords):
        return False
    func = call.func
    if isinstance(func, gast.Name):
        return func.id not in _MUTATING_HELPERS and (func.id in PURE_FUNCTIONS
                                                     or unmark(func.id) in runtime.HELPERS)
    chain = []
    while isinstance(func, gast.Attribute):
        chain.append(func.attr)
        func = func.value
    return bool(chain) and isinstance(func, gast.Name) and func.id in modules \
        and "random" not in chain


def quiet(node: gast.expr, modules: set[str]) -> bool:
    """Evaluating ``node`` twice, or later, gives the same value if what it reads is the same."""
    return all(_quiet_call(n, modules) if isinstance(n, gast.Call)
               else not isinstance(n, (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom,
                                       gast.Await, gast.List, gast.Dict, gast.Set))
               for n in walk(node))


def private_lists(stmts: list[gast.stmt]) -> set[str]:
    """Names used only as ``t = []``, ``t.append(v)`` and ``t.pop()``: tapes, which nothing
    else can see, so appending to one changes no other value."""
    uses: dict[str, bool] = {}
    receivers = set()   # (a walk meets each of these parents before the name below it)
    for s in stmts:
        for n in walk(s):
            cls = n.__class__
            if cls is gast.Name:
                uses[n.id] = uses.get(n.id, True) and id(n) in receivers
            elif cls is gast.Attribute and isinstance(n.value, gast.Name) \
                    and n.attr in ("append", "pop"):
                receivers.add(id(n.value))
            elif cls is gast.Assign and isinstance(n.targets[0], gast.Name) \
                    and isinstance(n.value, gast.List) and not n.value.elts:
                receivers.add(id(n.targets[0]))
    return {v for v, private in uses.items() if private}


def _tape_call(call: gast.Call, tapes: set[str]) -> bool:
    func = call.func
    return isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) \
        and func.value.id in tapes and func.attr in ("append", "pop")


def _disturbs(s: gast.stmt, modules: set[str], tapes: set[str]) -> bool:
    """Ends a straight line, or may change a value other than by binding a name."""
    return not isinstance(s, (gast.Assign, gast.Expr, gast.If, gast.For, gast.While, gast.Pass)) \
        or _mutates(s, modules, tapes)


def _writes_in_place(fn: gast.FunctionDef) -> bool:
    """``a[i] = v`` somewhere in ``fn``."""
    return any(isinstance(n, gast.Subscript) and isinstance(n.ctx, gast.Store) for n in walk(fn))


def _mutates(s: gast.stmt, modules: set[str], tapes: set[str]) -> bool:
    """Writes into an object, or calls what is not quiet (a tape's append and pop change only
    the tape)."""
    for n in walk(s):
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            return True
        if isinstance(n, gast.Call) and not _quiet_call(n, modules) and not _tape_call(n, tapes):
            return True
    return False


# ---- common subexpressions -----------------------------------------------------------------

def share_common(body: list[gast.stmt], modules: set[str], own: set[str] = frozenset(),
                 changes: Changes | None = None, parameters: set[str] = frozenset()
                 ) -> tuple[list[gast.stmt], dict[str, str]]:
    """``t = e ... u = f(e)`` -> ``u = f(t)`` within one block, where nothing in between binds
    a name ``e`` reads or ``t``: a result computed once (``x[:-1]`` twice in a line).

    ``t`` and ``u`` may then be one object, so only where nothing is ever written into an
    object in this function (a tape aside): neither can change under the other. A value
    normalize named (in ``own``) that becomes a copy ``u = t`` is dropped and read as ``t``
    (returned: renamed -> kept) when both are bound once (a parameter is bound on entry)
    and ``u`` is read only after."""
    tapes = private_lists(body)
    if any(_mutates(s, modules, tapes) for s in body):
        return body, {}
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in (n for s in body for n in name_nodes(s)):
        counts = loads if n.ctx.__class__ is gast.Load else stores
        counts[n.id] = counts.get(n.id, 0) + 1
    for p in parameters:   # bound on entry: a store in the body binds it a second time
        stores[p] = stores.get(p, 0) + 1
    block = _Sharing(modules, {v for v in own if stores.get(v) == 1}, loads, stores,
                     changes or Changes())
    body = block.share(body)
    if block.renames:
        for n in (n for s in body for n in name_nodes(s)):
            n.id = block.renames.get(n.id, n.id)
    return body, block.renames


class _Sharing:
    """The state of ``share_common``: what may be renamed, and what was."""

    def __init__(self, modules, once, loads, stores, changes):
        self.modules, self.once, self.loads, self.stores = modules, once, loads, stores
        self.changes = changes
        self.renames: dict[str, str] = {}
        self.structures = Structures()

    def share(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        available: dict[int, tuple[str, set[str]]] = {}   # structure of e -> (t, what e reads)
        keys_of: dict[str, set[int]] = {}   # name -> the entries that read or hold it
        dropped: set[int] = set()
        constant_entries = 0   # entries that read no name (never dropped: nothing rebinds them)
        reads = [Counter(n.id for n in name_nodes(s)
                         if isinstance(n.ctx, gast.Load)) for s in stmts]
        later = Counter()   # reads in the statements after this one, as they were
        for counts in reads:
            later.update(counts)
        for i, s in enumerate(stmts):
            later.subtract(reads[i])
            if isinstance(s, (gast.Assign, gast.Expr)) and available \
                    and (constant_entries or not keys_of.keys().isdisjoint(reads[i])):
                # (an entry reads some name; a statement that reads none of them has no match)
                s.value = _reused(s.value, available, self.structures, self.changes)
                if self._renamed(s, later):
                    dropped.add(id(s))
                    continue
            for field_name in ("body", "orelse"):
                if hasattr(s, field_name):
                    setattr(s, field_name, self.share(getattr(s, field_name)))
            for name_ in _written(s):
                for key in keys_of.pop(name_, ()):
                    available.pop(key, None)
            value_reads = _sharable(s.value, self.modules) if isinstance(s, gast.Assign) \
                and isinstance(s.targets[0], gast.Name) else None
            if value_reads is not None and s.targets[0].id not in value_reads:
                key = self.structures.key(s.value)
                held = (s.targets[0].id, value_reads)
                if key not in available:
                    available[key] = held
                    constant_entries += not held[1]
                    for name_ in held[1] | {held[0]}:
                        keys_of.setdefault(name_, set()).add(key)
        return [s for s in stmts if id(s) not in dropped]

    def _renamed(self, s: gast.stmt, later: Counter) -> bool:
        """``u = t`` for a ``u`` of ``once`` read only ``later`` in this block, and a ``t``
        bound once."""
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.Name)):
            return False
        u, t = s.targets[0].id, s.value.id
        if u not in self.once or self.stores.get(t, 0) > 1 or self.loads.get(u, 0) != later[u]:
            return False
        self.renames[u] = self.renames.get(t, t)   # t may be a copy dropped before
        return True


_LOUD = (gast.Lambda, gast.NamedExpr, gast.Yield, gast.YieldFrom, gast.Await, gast.List,
         gast.Dict, gast.Set)


def _sharable(value: gast.expr, modules: set[str]) -> set[str] | None:
    """What ``value`` reads, when it is worth a name (``_operations`` or ``_subscripts``)
    and ``quiet``; else None. (One walk for the three.)"""
    work = False
    reads: set[str] = set()
    for n in walk(value):
        cls = n.__class__
        if cls is gast.Name:
            if n.ctx.__class__ is gast.Load:
                reads.add(n.id)
        elif cls is gast.Call:
            if not _quiet_call(n, modules):
                return None
            work = work or not (isinstance(n.func, gast.Name) and n.func.id == SLICE)
        elif cls is gast.BinOp or cls is gast.UnaryOp or cls is gast.Subscript:
            work = True
        elif isinstance(n, _LOUD):
            return None
    return reads if work else None


def _reused(node: gast.expr, available: dict, structures: Structures,
            changes: Changes) -> gast.expr:
    """``node`` with its largest parts that ``available`` holds read from their names."""
    keys: dict[int, int] = {}
    structures.key(node, keys)
    if available.keys().isdisjoint(keys.values()):
        return node   # (most statements: nothing to reuse, no need to rebuild the tree)

    class Reuse(Transformer):
        def visit(self, n):
            if isinstance(n, gast.expr) and not isinstance(n, (gast.Name, gast.Constant)):
                held = available.get(keys[id(n)])
                if held is not None:
                    changes.add()
                    return gast.Name(id=held[0], ctx=gast.Load(), annotation=None,
                                     type_comment=None)
            return super().visit(n)
    return Reuse().visit(node)


# ---- spreads that broadcasting does anyway -------------------------------------------------------

def drop_spreads(body: list[gast.stmt], kinds: dict) -> list[gast.stmt]:
    """``unreduce(v, x, 1, True) * y`` -> ``v * y`` where ``y`` has the shape of the product
    already: spreading ``v`` over ``x`` first is a pass over memory that the multiplication's
    broadcasting does anyway (``v`` keeps the reduced axes, or is a number). Nested spreads
    of a number are one spread: ``unreduce(unreduce(c, s), x, 1)`` -> ``unreduce(c, x)``."""
    class Spreads(Transformer):
        def visit_Call(self, n: gast.Call):
            self.generic_visit(n)
            if _is_unreduce(n) and n.args and _spread(n.args[0]) == "number":
                return gast.Call(func=n.func, args=[n.args[0].args[0], n.args[1]], keywords=[])
            return n

        def visit_BinOp(self, n: gast.BinOp):
            self.generic_visit(n)
            if not isinstance(n.op, gast.Mult):
                return n
            for side, other in (("left", n.right), ("right", n.left)):
                spread = getattr(n, side)
                if _spread(spread) is not None and isinstance(spread.args[1], gast.Name) \
                        and _holds_product_shape(other, spread.args[1].id, kinds):
                    setattr(n, side, spread.args[0])
                    return n
            return n

    body = _spreads_passed_on(body)
    for s in (t for t in walk(gast.Module(body=body, type_ignores=[])) if isinstance(t, gast.Assign)):
        s.value = Spreads().visit(s.value)
    return body


def _spreads_passed_on(body: list[gast.stmt]) -> list[gast.stmt]:
    """``t = unreduce(c, s)`` read once, later, as what another spread spreads
    (``unreduce(t, x, 1)``): that one spreads ``c`` instead, and ``t`` goes."""
    loads: dict[str, int] = {}
    for n in (n for s in body for n in name_nodes(s)):
        loads[n.id] = loads.get(n.id, 0) + 1
    dropped: set[int] = set()
    for k, s in enumerate(body):
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and _spread(s.value) == "number" and loads.get(s.targets[0].id) == 2):
            continue  # (2: the store and the one read)
        t, reads = s.targets[0].id, reads_of(s.value)
        for later in body[k + 1:]:
            use = [n for n in walk(later) if _is_unreduce(n) and n.args and isinstance(n.args[0], gast.Name)
                   and n.args[0].id == t] if isinstance(later, gast.Assign) else []
            if use:  # a number spread is the number everywhere, whatever the axes
                use[0].args, use[0].keywords = [s.value.args[0], use[0].args[1]], []
                dropped.add(id(s))
                break
            if not isinstance(later, (gast.Assign, gast.Expr, gast.Delete)) or _written(later) & (reads | {t}) \
                    or t in {n.id for n in name_nodes(later)}:
                break
    return [s for s in body if id(s) not in dropped]


def _spread(node: gast.expr) -> str | None:
    """"number" for ``unreduce(v, x)`` (a full reduction's adjoint: ``v`` is a number),
    "kept" for ``unreduce(v, x, axis, True)`` (``v`` has ``x``'s axes); else None."""
    if not _is_unreduce(node) or node.keywords:
        return None
    if len(node.args) == 2:
        return "number"
    if len(node.args) == 4 and isinstance(node.args[3], gast.Constant) and node.args[3].value is True:
        return "kept"
    return None


# helpers whose result has the shape of their first argument
_SHAPED_LIKE_FIRST = {mark("extreme_mask")}


def _holds_product_shape(other: gast.expr, x: str, kinds: dict) -> bool:
    """Whether ``other`` has the shape of its product with an array shaped like ``x``."""
    kind_x, kind_y = kinds.get(x), _kind_of(other, kinds)
    return kind_x is not None and kind_y is not None and has_shape_of(
        kind_y, broadcast([kind_x, kind_y]))


def _kind_of(node: gast.expr, kinds: dict):
    """The kind of a product's factor made of names the analysis knows, numbers and
    arithmetic (None where that does not say)."""
    if isinstance(node, gast.Name):
        return kinds.get(node.id)
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return SCALAR
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return _kind_of(node.operand, kinds)
    if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Add, gast.Sub, gast.Mult, gast.Div)):
        parts = [_kind_of(node.left, kinds), _kind_of(node.right, kinds)]
        return None if None in parts else broadcast(parts)
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
            and node.func.id in _SHAPED_LIKE_FIRST and node.args:
        return _kind_of(node.args[0], kinds)
    return None


# ---- memory ----------------------------------------------------------------------------------

def free_arrays(body: list[gast.stmt], arrays: set[str]) -> list[gast.stmt]:
    """``del a, b`` right after the statement that last reads them, for arrays sourcead named
    and computed in this straight line, when work follows: each would otherwise hold its
    memory to the return while the adjoint sweep allocates more (fresh pages cost as much as
    the arithmetic). Views (``x[:-1]``) and values a tape keeps are left alone."""
    if not arrays:
        return body
    last: dict[str, int] = {}
    fit = set(arrays)
    for k, s in enumerate(body):
        names = [n for n in name_nodes(s) if n.id in fit]
        own_store = (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                     and not isinstance(s.value, gast.Subscript))
        for n in names:
            if n.ctx.__class__ is gast.Store and not (own_store and n is s.targets[0]):
                fit.discard(n.id)
            last[n.id] = k
        for call in (n for n in walk(s) if isinstance(n, gast.Call)):
            if isinstance(call.func, gast.Attribute) and call.func.attr == "append":
                fit -= reads_of(gast.Expr(value=call))
    frees: dict[int, list[str]] = {}
    last_work = max((k for k, s in enumerate(body) if isinstance(s, gast.Assign)), default=-1)
    for var in fit & set(last):
        work_after = last_work > last[var]
        if work_after and any(isinstance(n, gast.Name) and n.id == var and isinstance(n.ctx, gast.Load)
                              for n in walk(body[last[var]])):
            frees.setdefault(last[var], []).append(var)
    out = []
    for k, s in enumerate(body):
        out.append(s)
        if k in frees:
            out.append(gast.Delete(targets=[gast.Name(id=v, ctx=gast.Del(), annotation=None,
                                                      type_comment=None) for v in sorted(frees[k])]))
    return out


# ---- copy propagation -------------------------------------------------------------------

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
