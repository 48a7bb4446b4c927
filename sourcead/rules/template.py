"""Template machinery: Python text with placeholder names -> gast nodes.

In: a snippet such as ``"x_bar + g * np.cos(x)"`` and a mapping from placeholder names
to gast nodes (or plain names). Out: a fresh gast tree with every placeholder Name
replaced by a deep copy of its substitute. Rules and passes build code this way so
that what they generate is visible as Python text in the source of sourcead itself.
``fold_constants`` folds the constant arithmetic a template leaves behind when an argument
is a constant (``2 * x ** (2 - 1)`` -> ``2 * x``).

A template names sourcead's helpers, NumPy, math and builtins plainly (``unbroadcast(g, x)``,
``np.cos(x)``, ``range(n)``); the parsed template holds them marked (``$unbroadcast``, ``$np``,
``$range``, see ``naming``), so that nothing a user calls a variable can be taken for one of
them (a placeholder spelled like one is still substituted). ``emit`` spells them.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Mapping, Union

import gast

from ..naming import BUILTINS, mark, marked_object, unmark

Sub = Union[gast.AST, str, int, float, bool, None]


@lru_cache(maxsize=None)
def _parse(text: str, mode: str) -> gast.AST:
    tree = gast.parse(text)
    for n in name_nodes(tree):
        if n.id in _TEMPLATE_NAMES:
            n.id = mark(n.id)
    return tree.body[0].value if mode == "expr" else tree


def _template_names() -> frozenset[str]:
    from .. import runtime
    return frozenset(runtime.HELPERS) | frozenset(BUILTINS) | {"np", "math"}


_TEMPLATE_NAMES = _template_names()
SLICE = mark("slice")


# Fields that never hold a node a walk opens: contexts and operators (field-less markers: a
# parent's ``ctx``/``op`` says all they say) and plain values (identifiers, flags).
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "kind", "type_comment",
                          "level", "module", "conversion", "simple", "is_async"})


class _ChildFields(dict):
    """A node class -> the fields that may hold nodes below it, last first."""

    def __init__(self, skipped: tuple[type, ...] = ()):
        super().__init__()
        self.skipped = skipped

    def __missing__(self, cls: type) -> tuple[str, ...]:
        leaf = issubclass(cls, self.skipped)
        fields = self[cls] = () if leaf else tuple(
            f for f in reversed(cls._fields) if f not in _LEAF_FIELDS)
        return fields


_CHILD_FIELDS = _ChildFields()
_NAME_FIELDS = _ChildFields((gast.Constant,))   # a name search need not open a constant


class _InOrder(dict):
    """A node class -> (its child fields in order, the name of its ``visit_`` method)."""

    def __missing__(self, cls: type) -> tuple[tuple[str, ...], str]:
        found = self[cls] = (tuple(reversed(_CHILD_FIELDS[cls])), "visit_" + cls.__name__)
        return found


_IN_ORDER = _InOrder()


class Transformer(gast.NodeTransformer):
    """``gast.NodeTransformer`` that does not visit contexts and operators (no pass has a
    ``visit_Load`` or ``visit_Add``: read them from the parent) nor look up field lists and
    method names per node: the same rewrites, several times faster over a whole function."""

    def visit(self, node: gast.AST):
        visitor = getattr(self, _IN_ORDER[node.__class__][1], None)
        return self.generic_visit(node) if visitor is None else visitor(node)

    def generic_visit(self, node: gast.AST) -> gast.AST:
        AST = gast.AST
        for field in _IN_ORDER[node.__class__][0]:
            old = getattr(node, field, None)
            if old.__class__ is list:
                new_values = []
                for value in old:
                    if isinstance(value, AST):
                        value = self.visit(value)
                        if value is None:
                            continue
                        if not isinstance(value, AST):
                            new_values.extend(value)
                            continue
                    new_values.append(value)
                old[:] = new_values
            elif isinstance(old, AST):
                new_node = self.visit(old)
                if new_node is None:
                    delattr(node, field)
                else:
                    setattr(node, field, new_node)
        return node


def constant_int(node: gast.expr | None) -> int | None:
    """The value of an integer written in the code (``2``, ``-1``), else None."""
    if isinstance(node, gast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = constant_int(node.operand)
        return None if inner is None else -inner
    return None


def walk(node: gast.AST):
    """Every node below ``node`` (itself first), in source order, except the field-less
    markers (contexts and operators: read them from their parent). ``ast.walk`` is generic
    and several times slower; the passes walk the whole function many times."""
    stack = [node]
    pop, push = stack.pop, stack.append
    AST, children = gast.AST, _CHILD_FIELDS
    while stack:
        n = pop()
        yield n
        for f in children[n.__class__]:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in reversed(v):
                    if isinstance(x, AST):
                        push(x)
            elif isinstance(v, AST):
                push(v)


def statements(node: gast.AST):
    """``walk`` restricted to statements (and what holds them: handlers, arguments), without
    opening expressions: searches for assignments or calls-as-statements need no more."""
    stack = [node]
    pop, push = stack.pop, stack.append
    AST, expr, children = gast.AST, gast.expr, _CHILD_FIELDS
    while stack:
        n = pop()
        yield n
        for f in children[n.__class__]:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in reversed(v):
                    if isinstance(x, AST) and not isinstance(x, expr):
                        push(x)
            elif isinstance(v, AST) and not isinstance(v, expr):
                push(v)


def name_nodes(node: gast.AST) -> list[gast.Name]:
    """Every Name below ``node``, in source order: what most passes walk a tree for, found
    without visiting operators, contexts and constants (several times faster than ``walk``).
    Without recursion: an expression may be hundreds of levels deep."""
    found: list[gast.Name] = []
    stack = [node]
    pop, push, keep = stack.pop, stack.append, found.append
    AST, Name, children = gast.AST, gast.Name, _NAME_FIELDS
    while stack:
        n = pop()
        cls = n.__class__
        if cls is Name:
            keep(n)
            if n.annotation is None:
                continue
        for f in children[cls]:
            v = getattr(n, f, None)
            if v.__class__ is list:
                for x in reversed(v):
                    if isinstance(x, AST):
                        push(x)
            elif isinstance(v, AST):
                push(v)
    return found


class Structures:
    """Equal trees get equal small ints (hash-consing): expressions compared by structure
    without printing each subtree (``gast.dump`` of every subtree is quadratic in depth).
    Positions (``lineno``) are not part of a structure, as with ``gast.dump``."""

    def __init__(self):
        self._table: dict[tuple, int] = {}

    def key(self, node: gast.AST, into: dict[int, int] | None = None) -> int:
        """The structure of ``node``; ``into`` also gets ``id(sub) -> key`` for each subtree."""
        parts: list = [node.__class__]
        for f in node._fields:
            v = getattr(node, f, None)
            if isinstance(v, gast.AST):
                parts.append(self.key(v, into))
            elif v.__class__ is list:
                parts.append(tuple(self.key(x, into) if isinstance(x, gast.AST) else _atom(x)
                                   for x in v))
            else:
                parts.append(_atom(v))
        found = self._table.setdefault(tuple(parts), len(self._table))
        if into is not None:
            into[id(node)] = found
        return found


def _atom(value) -> tuple:
    """A field's plain value, told apart by type (``1``, ``1.0``, ``True``) and sign (``-0.0``)."""
    return (value.__class__, value if value.__class__ is str else repr(value))


def clone(node):
    """A fresh copy of a tree, every position its own node (faster than deepcopy). Fields a
    node lacks come out as None; of its attributes, only the source position is kept."""
    if node.__class__ is list:
        return [clone(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    return _clone_node(node)


_POSITION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _clone_node(node: gast.AST) -> gast.AST:
    cls = node.__class__
    new = cls.__new__(cls)
    old, fresh = node.__dict__, new.__dict__
    AST = gast.AST
    for f in cls._fields:
        v = old.get(f)
        if v.__class__ is list:
            v = [_clone_node(x) if isinstance(x, AST) else x for x in v]
        elif isinstance(v, AST):
            v = _clone_node(v)
        fresh[f] = v
    for attr in _POSITION:
        if attr in old:
            fresh[attr] = old[attr]
    return new


def name(ident: str, store: bool = False) -> gast.Name:
    ctx = gast.Store() if store else gast.Load()
    return gast.Name(id=ident, ctx=ctx, annotation=None, type_comment=None)


def const(value) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def as_node(value: Sub) -> gast.AST:
    """A substitute may be a node, an identifier (str) or a Python constant."""
    if isinstance(value, gast.AST):
        return clone(value)
    if isinstance(value, str):
        return name(value)
    return const(value)


class _Substitute(Transformer):
    def __init__(self, subs: Mapping[str, Sub]):
        self.subs = subs

    def visit_Name(self, node: gast.Name):
        key = node.id if node.id in self.subs else unmark(node.id)
        if key not in self.subs:
            return node
        new = as_node(self.subs[key])
        if isinstance(new, gast.Name):
            new.ctx = node.ctx
        return new


def expr(text: str, **subs: Sub) -> gast.expr:
    """Parse an expression template and substitute placeholders."""
    return _Substitute(subs).visit(clone(_parse(text, "expr")))


def stmts(text: str, **subs: Sub) -> list[gast.stmt]:
    """Parse a block of statements and substitute placeholders."""
    return _Substitute(subs).visit(clone(_parse(text, "module"))).body


def substitute(node: gast.AST, subs: Mapping[str, Sub]) -> gast.AST:
    """Replace placeholder names in an existing tree (a copy is returned)."""
    return _Substitute(subs).visit(clone(node))


def assign(target: str, value: gast.expr) -> gast.Assign:
    return gast.Assign(targets=[name(target, store=True)], value=value, type_comment=None)


def names_in(node: gast.AST) -> set[str]:
    """Every identifier read or written inside ``node``."""
    return {n.id for n in name_nodes(node)}


def loaded_names(node: gast.AST) -> set[str]:
    return {n.id for n in name_nodes(node) if n.ctx.__class__ is gast.Load}


def times(g: gast.expr, partial: gast.expr) -> gast.expr:
    """``g * partial`` written the way a person would: g, -g, g / y, -(g * p)."""
    g = clone(g)
    if isinstance(partial, gast.Constant) and partial.value == 1:
        return g
    if isinstance(partial, gast.Constant) and partial.value == -1:
        return gast.UnaryOp(op=gast.USub(), operand=g)
    if isinstance(partial, gast.UnaryOp) and isinstance(partial.op, gast.USub):
        return gast.UnaryOp(op=gast.USub(), operand=times(g, partial.operand))
    if (isinstance(partial, gast.BinOp) and isinstance(partial.op, gast.Div)
            and isinstance(partial.left, gast.Constant) and partial.left.value == 1):
        return gast.BinOp(left=g, op=gast.Div(), right=partial.right)
    return gast.BinOp(left=g, op=gast.Mult(), right=partial)


def total(terms: list[gast.expr]) -> gast.expr:
    """``a + b - c`` from terms, writing ``+ -c`` as ``- c``."""
    total = terms[0]
    for t in terms[1:]:
        if isinstance(t, gast.UnaryOp) and isinstance(t.op, gast.USub):
            total = gast.BinOp(left=total, op=gast.Sub(), right=t.operand)
        else:
            total = gast.BinOp(left=total, op=gast.Add(), right=t)
    return total


DEFAULT = "__default_{}__"


def default_marker(param: str) -> gast.Name:
    """A placeholder for a parameter the user's call left to its default."""
    return name(DEFAULT.format(param))


def without_defaults(node: gast.AST, defaults: dict, operation_function=None) -> gast.AST:
    """Drop arguments that only repeat a default (``unreduce(g, x, None, False)`` reads
    ``unreduce(g, x)``); a default used anywhere else becomes its constant.

    An argument is dropped only where that is the same call: in a call of the operation's own
    function (the user left the argument out too), or of a function whose own default is the
    same value (``np.take``'s axis defaults to None, not to ``np.stack``'s 0)."""
    markers = {DEFAULT.format(k): (k, v) for k, v in defaults.items()}

    def droppable(call, param, value, position=None) -> bool:
        callee = _template_callee(call)
        if callee is None or (operation_function is not None and callee is operation_function):
            return callee is not None
        return _default_of(callee, param, position) == (value,)

    for n in walk(node):
        if isinstance(n, gast.Call):
            n.keywords = [k for k in n.keywords if not (
                isinstance(k.value, gast.Name) and k.value.id in markers
                and droppable(n, k.arg, markers[k.value.id][1]))]
            while n.args and isinstance(n.args[-1], gast.Name) and n.args[-1].id in markers \
                    and droppable(n, None, markers[n.args[-1].id][1], len(n.args) - 1):
                n.args.pop()
    return _Substitute({m: const(v) for m, (_, v) in markers.items()}).visit(node)


def _template_callee(call: gast.Call):
    """The object a template call names: a sourcead helper, or ``np.f`` / ``math.f``."""
    func = call.func
    if isinstance(func, gast.Name):
        return marked_object(func.id)
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
        module = marked_object(func.value.id)
        return getattr(module, func.attr, None) if module is not None else None
    return None


def _default_of(func, param: str | None, position: int | None):
    """``(default,)`` of a parameter, by name or position; ``()`` when unknown or none."""
    import inspect
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return ()
    chosen = [p for p in params if p.name == param] if param is not None else (
        params[position:position + 1] if position is not None else [])
    if not chosen or chosen[0].default is inspect.Parameter.empty:
        return ()
    return (chosen[0].default,)


def index_value(index: gast.expr) -> gast.expr:
    """Slice syntax as a value that can be passed to a function: ``slice(a, b, c)``."""
    if isinstance(index, gast.Slice):
        parts = [p if p is not None else const(None) for p in (index.lower, index.upper, index.step)]
        return gast.Call(func=name(SLICE), args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in index.elts], ctx=gast.Load())
    return copy.deepcopy(index)


def index_syntax(value: gast.expr) -> gast.expr:
    """The inverse of ``index_value``: ``slice(1, None)`` -> ``1:``, for readable writes."""
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) \
            and value.func.id == SLICE and len(value.args) == 3 and not value.keywords:
        parts = [None if isinstance(p, gast.Constant) and p.value is None else copy.deepcopy(p)
                 for p in value.args]
        return gast.Slice(lower=parts[0], upper=parts[1], step=parts[2])
    if isinstance(value, gast.Tuple):
        return gast.Tuple(elts=[index_syntax(e) for e in value.elts], ctx=gast.Load())
    return copy.deepcopy(value)


def summed(terms: list[gast.expr], containers: bool) -> gast.expr:
    """Derivative terms added: ``a + b``, or ``add_tree(a, b)`` for containers (where ``+``
    would concatenate lists and tuples)."""
    if not containers:
        return total(terms)
    out = terms[0]
    for t in terms[1:]:
        out = expr("add_tree(a, b)", a=out, b=t)
    return out


# ---- constants that templates leave behind --------------------------------------------------

_ARITHMETIC = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
               gast.Mult: lambda a, b: a * b}


def _number(node: gast.AST):
    if isinstance(node, gast.Constant) and type(node.value) in (int, float):
        return node.value
    return None


def _exact_type(node: gast.AST, kind: type) -> bool:
    return isinstance(node, gast.Constant) and type(node.value) is kind


def fold_constants(tree: gast.AST, keep_copies: bool = False) -> gast.AST:
    """``2 - 1`` -> ``1``, ``x ** 1`` -> ``x``, ``1 * x`` -> ``x``: what rule templates leave
    behind when an argument is a constant (``2 * x ** (2 - 1)`` reads ``2 * x``).

    ``keep_copies``: the code writes into arrays in place, so ``a = x * 1.0`` (a new array)
    must not become ``a = x`` (a second name for ``x``, which a write into ``a`` changes)."""

    class Fold(Transformer):
        def visit_Assign(self, node):
            if keep_copies and isinstance(node.value, gast.BinOp):
                folded = self.visit(node.value)
                node.value = folded if not isinstance(folded, gast.Name) else node.value
                return node
            return self.generic_visit(node)

        def visit_BinOp(self, node):
            self.generic_visit(node)
            return self.fold(node)

        def fold(self, node):
            left, right = _number(node.left), _number(node.right)
            if left is not None and right is not None and type(node.op) in _ARITHMETIC:
                return gast.Constant(value=_ARITHMETIC[type(node.op)](left, right), kind=None)
            if isinstance(node.op, gast.Pow) and right == 1:
                return node.left
            # (by an int 1 only: ``1.0 * k`` of an integer k is a float, and stays one)
            if isinstance(node.op, gast.Mult) and left == 1 and _exact_type(node.left, int):
                return node.right
            if isinstance(node.op, gast.Mult) and right == 1 and _exact_type(node.right, int):
                return node.left
            return node
    return Fold().visit(tree)
