"""Signs and shapes: negations folded into the operations that read them, and shapes read
from broadcasts.
"""
from __future__ import annotations

import gast

from ..block_index import INF, BlockIndex
from ..naming import mark
from ..rules.template import Transformer, name_nodes, walk, clone
from .common import Changes, reads_of


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
