"""Facts about core-language code that the transformations need, as frozen results.

In: a normalized FunctionDef (or any list of core statements), its Environment, the kinds of
its parameters and which parameters are differentiated.
Out:
* ``Activity``: per variable its ``Kind`` (int, scalar, array shaped like a parameter, ...)
  and whether it is *active* (depends on a wrt input through differentiable operations AND
  reaches the returned value). Only active variables get tangents or adjoints; integer and
  boolean values never do.
* ``live_before``: backward liveness over structured code, used to keep only the tape
  records and statements that something reads.
Nothing is stored on the nodes; every result is a value of its own.
"""
from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any, Callable, Iterable, Mapping

import gast
import numpy as np

from . import shapes
from .parse import MISSING, Environment, Shape, call_order, callable_name, is_code
from .rules import Rule, lookup_call, lookup_operator
from .rules.template import name_nodes, statements, walk, loaded_names

# ---- kinds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What a value is, as far as shapes go. ``like`` names the *shape anchors* whose shapes,
    broadcast together, give this value's shape: a parameter (its shape on entry) or a
    variable assigned once outside loops; a sorted tuple for several. Two values with the
    same ``like`` have the same shape; None: not known."""
    tag: str                 # "none" < "int" < "scalar" | "array" | "unknown" | "other"
    like: str | tuple[str, ...] | None = None
    # a container argument's structure: ("dict", ((key, Kind), ...)) or ("list"|"tuple",
    # (Kind, ...)), so a read ``params["w"]`` knows its element's kind (a JIT's shape guard)
    structure: tuple | None = None
    # the shape signature of an array (``shapes.py``): per axis "1", "n" (not 1) or "?"; None
    # when even the number of axes is unknown. Numbers have none: see ``dims_of``
    dims: str | None = None
    # an object's class (an argument that is an instance of a class of yours): its methods are
    # then known, and a derivative built for one class is never used for another
    cls: type | None = None

    def element(self, key=None) -> "Kind":
        """The kind of ``container[key]`` (any element's, joined, for an unknown key)."""
        if self.structure is None:
            return UNKNOWN
        kind, items = self.structure
        pairs = items if kind == "dict" else tuple(enumerate(items))
        if kind == "dict" and key is not None:
            return dict(pairs).get(key, UNKNOWN)
        if isinstance(key, int) and -len(items) <= key < len(items):
            return items[key]
        found = [element for _, element in pairs]
        out = found[0] if found else UNKNOWN
        for other in found[1:]:
            out = join(out, other)
        return out

    @property
    def numeric(self) -> bool:
        return self.tag in ("scalar", "array", "unknown")


NONE, INT, SCALAR, OTHER = Kind("none"), Kind("int"), Kind("scalar"), Kind("other")
# an integer that may be a bool (a flag, a comparison): as an index, NumPy reads a bool as a
# mask that adds an axis, so only INT counts as an index that removes one
BOOL = Kind("int", dims="b")
STACK = Kind("stack")   # a list used only through append and pop (the tape)
LIST = Kind("list")     # a list built with append (or a literal) and read as a container
UNKNOWN = Kind("unknown")
CONTAINERS = ("other", "list", "stack")   # tuples, dicts, lists: adjoints of the same structure


def is_container(kind: Kind) -> bool:
    """Containers accumulate with ``add_tree``: ``+`` would concatenate them."""
    return kind.tag in CONTAINERS


def join(a: Kind, b: Kind) -> Kind:
    """Least upper bound. Integers and None only ever hold constants, so they yield."""
    if a == b:
        return a
    if a.tag == b.tag == "int":
        return BOOL  # one of them may be a bool
    for low in ("none", "int"):
        if a.tag == low:
            return b
        if b.tag == low:
            return a
    if "other" in (a.tag, b.tag):
        return OTHER
    tag = a.tag if a.tag == b.tag else "unknown"
    return Kind(tag, a.like if a.like == b.like else None,
                dims=shapes.join(dims_of(a), dims_of(b)))


def dims_of(kind: Kind) -> str | None:
    """A kind's shape signature: numbers have no axes."""
    return "" if kind.tag in ("none", "int", "scalar") else kind.dims


def has_shape_of(arg: Kind, out: Kind) -> bool:
    """Whether ``arg``, broadcast into ``out``, provably has ``out``'s shape already (so the
    adjoint needs no summing down): the same anchor, or signatures that say so."""
    if arg.tag == "scalar" and out.tag == "scalar":
        return True
    if arg.like is not None and arg.like == out.like and arg.tag == out.tag:
        return True
    return shapes.covers(dims_of(arg), dims_of(out))


def broadcast(kinds: Iterable[Kind]) -> Kind:
    """The kind of an elementwise result: scalars take the shape of the other operands, and
    the shape is the broadcast of the operands' anchors (broadcasting is associative,
    commutative and idempotent, so a set of anchors names one shape)."""
    shaped = [k for k in kinds if k.tag not in ("none", "int", "scalar")]
    if not shaped:
        return SCALAR
    if any(k.tag == "other" for k in shaped):
        return UNKNOWN
    first = shaped[0]
    if all(k == first for k in shaped):
        return first
    tag = "array" if any(k.tag == "array" for k in shaped) else "unknown"
    return Kind(tag, anchors_union([k.like for k in shaped]),
                dims=shapes.broadcast(dims_of(k) for k in kinds))


def anchors_of(like: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return () if like is None else (like,) if isinstance(like, str) else like


def anchors_union(likes: Iterable[str | tuple[str, ...] | None]):
    """The ``like`` of a broadcast of values with these ``like``s (None if one is unknown)."""
    likes = list(likes)
    if not likes or any(like is None for like in likes):
        return None
    names = sorted({a for like in likes for a in anchors_of(like)})
    return names[0] if len(names) == 1 else tuple(names)


class AnyShape(np.ndarray):
    """An example array that stands for arrays of any shape (its kind has no signature)."""


@dataclass(frozen=True)
class InstanceOf:
    """An example that stands for an instance of ``cls`` (to pick the derivative built for
    that class, without making one)."""
    cls: type


def kind_of_value(value: Any, like: str | None = None) -> Kind:
    """The kind of a concrete argument or global value."""
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return SCALAR
    if isinstance(value, np.ndarray):
        return Kind("array", like, dims=None if isinstance(value, AnyShape) else
                    shapes.of_shape(value.shape))
    if value is None:
        return NONE
    if isinstance(value, dict):
        return Kind("other", like, ("dict", tuple((k, kind_of_value(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return Kind("other", like, (type(value).__name__, tuple(kind_of_value(v) for v in value)))
    if isinstance(value, str):
        return OTHER
    return Kind("unknown", like, cls=value.cls if isinstance(value, InstanceOf) else type(value))


def kind_of_annotation(annotation: gast.expr | None, env: Environment, like: str) -> Kind:
    """Read ``x: float`` / ``x: np.ndarray`` when no argument value is known."""
    if annotation is None:
        return Kind("unknown", like)
    obj = env.resolve(annotation)
    if obj in (float, int):
        return SCALAR
    if obj is np.ndarray:
        return Kind("array", like)
    return Kind("unknown", like)


# ---- operations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """What the value of an assignment does: a rule row, a user function, or neither."""
    rule: Rule | None = None
    user: Any = None   # a function, bound method or partial whose source sourcead reads
    what: str = ""


def method(value: gast.expr, env: Environment):
    """``x.sum(...)`` or ``x.T`` on a local value -> the NumPy function it stands for."""
    from .rules.tables import ATTRIBUTES, METHODS
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute):
        base = value.func.value
        if isinstance(base, gast.Name) and env.resolve(base) is MISSING:
            return METHODS.get(value.func.attr)
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name) \
            and env.resolve(value.value) is MISSING:
        return ATTRIBUTES.get(value.attr)
    return None


def operation_function(value: gast.expr, env: Environment):
    """The function object a call (or method) stands for, if it has one."""
    as_function = method(value, env)
    if as_function is not None:
        return as_function
    if isinstance(value, gast.Call):
        found = env.resolve(value.func)
        return None if found is MISSING else found
    return None


def operation(value: gast.expr, env: Environment) -> Operation:
    as_function = method(value, env)
    if as_function is not None:
        return Operation(lookup_call(as_function), what=_call_text(value) if isinstance(
            value, gast.Call) else f"{value.value.id}.{value.attr}")
    if isinstance(value, gast.BinOp):
        return Operation(lookup_operator(value.op), what=type(value.op).__name__)
    if isinstance(value, gast.UnaryOp):
        return Operation(lookup_operator(value.op), what=type(value.op).__name__)
    if isinstance(value, gast.Call):
        func = env.resolve(value.func)
        if func is MISSING and isinstance(value.func, gast.Attribute) \
                and isinstance(value.func.value, gast.Name):
            return Operation(what=f"method call {_call_text(value)}(...) on the local value "
                                  f"`{value.func.value.id}`")
        if func is MISSING and isinstance(value.func, gast.Name):
            return Operation(what=f"call of the local value `{value.func.id}`")
        rule = lookup_call(func) if func is not MISSING else None
        if rule is None and func is not MISSING and is_code(func):
            return Operation(user=func, what=callable_name(func))
        rule = _specialized(rule, value, env)
        if isinstance(rule, str):
            return Operation(None, what=f"{_call_text(value)} {rule}")
        return Operation(rule, what=_call_text(value))
    if isinstance(value, gast.Attribute) and isinstance(value.value, gast.Name):
        return Operation(what=f"{value.value.id}.{value.attr}")
    return Operation(what=type(value).__name__)


METHOD_HINT = ("sourcead finds the method from the object's class: call it on a parameter "
               "of your function (not on a value computed inside it) or on a module-level "
               "object, or differentiate the bound method itself (sourcead.grad(obj.method))")


LOCAL_CALL_HINT = ("sourcead resolves the function a call runs before it runs: call a "
                   "function by its own name (a `def`, a lambda, or a functools.partial made "
                   "at module level, or made in this function and only called), not through "
                   "another variable assigned inside the function")


def hint_for(what: str, default: str) -> str:
    """What to do about an operation without a rule (a method of a runtime object, or a
    function held in a local variable, need another fix)."""
    if what.startswith("method call"):
        return METHOD_HINT
    return LOCAL_CALL_HINT if what.startswith("call of the local") else default


def _specialized(rule: Rule | None, call: gast.Call, env: Environment) -> Rule | str | None:
    """The row for this call, given its arguments written as constants: the row itself, a
    more specific one, or the reason (a str) this use of the function is not covered."""
    if rule is None or rule.specialize is None:
        return rule
    bound = bound_arguments(call, rule, env)
    constants = {p: a.value for p, a in bound.items() if isinstance(a, gast.Constant)}
    special = rule.specialize(constants)
    return rule if special is None else special


def _call_text(call: gast.Call) -> str:
    f = call.func
    parts = []
    while isinstance(f, gast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, gast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts)) or "call"


_INTEGER_ATTRIBUTES = {"shape", "ndim", "size", "dtype"}


def operands(value: gast.expr) -> list[str]:
    """Variables an operation reads as data (not the function it calls)."""
    if isinstance(value, gast.Call):
        nodes = list(value.args) + [k.value for k in value.keywords]
        if isinstance(value.func, gast.Attribute):
            nodes.append(value.func.value)
        return [n.id for node in nodes for n in name_nodes(node)]
    return sorted(loaded_names(value))


# ---- stacks: lists used only through append and pop (the tape of generated code) ------------

def stack_push(s: gast.stmt) -> tuple[str, gast.expr] | None:
    """``t.append(v)`` as a statement -> (t, v)."""
    if (isinstance(s, gast.Expr) and isinstance(s.value, gast.Call)
            and isinstance(s.value.func, gast.Attribute) and s.value.func.attr == "append"
            and isinstance(s.value.func.value, gast.Name) and len(s.value.args) == 1):
        return s.value.func.value.id, s.value.args[0]
    return None


def stack_pop(value: gast.expr) -> str | None:
    """``t.pop()`` -> t."""
    if (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr == "pop" and isinstance(value.func.value, gast.Name)
            and not value.args):
        return value.func.value.id
    return None


def pushes(stmts: list[gast.stmt]) -> list[tuple[str, gast.expr]]:
    return [p for s in stmts for n in statements(s) if isinstance(n, gast.stmt)
            and (p := stack_push(n)) is not None]


def elements(stack: str) -> str:
    """The pseudo-variable holding the kind of a stack's elements."""
    return f"{stack}[]"


# ---- activity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    kinds: Mapping[str, Kind]
    active: frozenset[str]
    stacks: frozenset[str] = frozenset()   # lists used only through [], append and pop
    # per shape (a kind's ``like``), a variable bound to a value of that shape from where it
    # is assigned to the end of the call: what shape-only arguments can read instead
    shapes: Mapping[Any, tuple[str, ...]] = field(default_factory=dict)
    # per variable, the top-level statement its first assignment is in (parameters: -1)
    order: Mapping[str, int] = field(default_factory=dict)

    def kind(self, var: str) -> Kind:
        return self.kinds.get(var, UNKNOWN)

    def is_active(self, node: gast.expr) -> bool:
        return isinstance(node, gast.Name) and node.id in self.active

    def records_on_active_stack(self, call: gast.Call) -> bool:
        """A call handed an active stack records derivatives there, even when its own result
        is not needed (the forward sweep of generated code)."""
        args = list(call.args) + [k.value for k in call.keywords]
        return any(self.is_active(a) and a.id in self.stacks for a in args)


def assignments(stmts: list[gast.stmt]) -> list[gast.Assign]:
    return [n for s in stmts for n in statements(s) if isinstance(n, gast.Assign)]


def analyze_activity(fn: gast.FunctionDef, env: Environment, param_kinds: Mapping[str, Kind],
                     wrt: Iterable[str], outputs: Iterable[str],
                     result_kind: Callable[["UserCall", list[Kind]], Kind] | None = None) -> Activity:
    """Kinds by a flow-insensitive fixed point, then varied ∩ useful."""
    assigns = assignments(fn.body)
    loop_targets = {n.target.id for n in walk(fn) if isinstance(n, gast.For)}
    stack_pushes = pushes(fn.body)
    anchors = shape_anchors(fn, param_kinds)
    kinds = _infer_kinds(assigns, env, dict(param_kinds), loop_targets, result_kind, stack_pushes,
                         anchors)
    # a stack shared with the caller lives on after we return: it is an output, whether
    # this function pushes to it or pops from it (every push and pop needs its derivative)
    # stacks: made or used here, or handed over by a caller (their kind says so)
    stacks = stack_names(assigns, stack_pushes) | stack_parameters(fn, param_kinds)
    lists = container_lists(fn, env, stacks - set(param_kinds))
    kinds.update({v: LIST for v in lists})
    stacks -= lists
    outputs = set(outputs) | {t for t in stacks if t in param_kinds}
    # Anything but integers can carry a derivative. Containers are included on purpose: if
    # a derivative flows into one that reverse mode cannot handle, it must say so rather
    # than drop the derivative.
    numeric = {v for v, k in kinds.items() if k.tag not in ("int", "none")}
    varied = _propagate_forward(assigns, env, set(wrt) & numeric, numeric, stack_pushes, stacks)
    useful = _propagate_backward(assigns, set(outputs), stack_pushes, env, stacks)
    return Activity(kinds=dict(kinds), active=frozenset(varied & useful), stacks=frozenset(stacks),
                    shapes=shape_sources(fn, param_kinds, kinds, anchors),
                    order=statement_order(fn, param_kinds))


def shape_sources(fn: gast.FunctionDef, params: Iterable[str], kinds: Mapping[str, Kind],
                  anchors: Anchors) -> dict[Any, tuple[str, ...]]:
    """Per shape, the parameters never reassigned and the variables assigned once at the top
    level (bound, unchanged, until the call returns) that have it, in program order."""
    candidates = [p for p in params if p in anchors.fixed] + [
        s.targets[0].id for s in fn.body if isinstance(s, gast.Assign)
        and isinstance(s.targets[0], gast.Name) and s.targets[0].id in anchors.assigned]
    sources: dict[Any, tuple[str, ...]] = {}
    for var in candidates:
        if var in kinds and kinds[var].like is not None:
            sources[kinds[var].like] = sources.get(kinds[var].like, ()) + (var,)
    return sources


def statement_order(fn: gast.FunctionDef, params: Iterable[str]) -> dict[str, int]:
    """The top-level statement each variable is first assigned in (parameters: -1): the
    adjoint sweep may read a variable of the same shape only if it was assigned before."""
    order = {p: -1 for p in params}
    for k, s in enumerate(fn.body):
        for n in walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                order.setdefault(n.id, k)
    return order


@dataclass(frozen=True)
class Anchors:
    """Variables whose shape is one per call: ``assigned`` once outside loops (a value of
    unknown shape put there names its own shape, so what is computed from it elementwise is
    known to share it) and ``fixed`` (those and the parameters never reassigned)."""
    assigned: frozenset[str]
    fixed: frozenset[str]


def shape_anchors(fn: gast.FunctionDef, params: Iterable[str]) -> Anchors:
    counts: dict[str, int] = {}
    in_loops: set[str] = set()
    for node in walk(fn):
        if isinstance(node, (gast.For, gast.While)):
            in_loops |= {n.id for n in walk(node)
                         if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        elif isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    assigned = {v for v, k in counts.items() if k == 1} - in_loops - set(params)
    return Anchors(frozenset(assigned), frozenset(assigned | (set(params) - set(counts))))


def _anchored(kind: Kind, value: gast.expr, target: str, anchors: Anchors | None,
              kinds: Mapping[str, Kind]) -> Kind:
    """A value of unknown shape: a part of an array of fixed shape (``x[1:]``, ``xs[t]``),
    or an anchor of its own."""
    if anchors is None or kind.like is not None or kind.tag not in ("array", "unknown"):
        return kind
    arrays = frozenset(v for v in anchors.fixed if kinds.get(v, NONE).tag == "array")
    like = _part_shape(value, arrays)
    if like is None and target in anchors.assigned:
        like = target
    return kind if like is None else dataclasses.replace(kind, like=like)


def _part_shape(value: gast.expr, fixed: frozenset[str]) -> str | None:
    """A name for the shape of ``x[index]`` when ``x`` is an array (not a list, whose
    elements may differ) of fixed shape and the index is a
    number or a constant slice with step 1: slices with the same length for every length of
    ``x`` share a name (``x[1:]`` and ``x[:-1]``). Not an identifier, so it never collides."""
    if not (isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name)
            and value.value.id in fixed):
        return None
    index, base = value.slice, value.value.id
    if isinstance(index, gast.Constant) and type(index.value) is int:
        return f"{base}[int]"
    if not isinstance(index, gast.Slice) or not all(
            part is None or _constant_int(part) is not None for part in (index.lower, index.upper)):
        return None
    if index.step is not None and _constant_int(index.step) != 1:
        return None
    lower, upper = _constant_int(index.lower), _constant_int(index.upper)
    bound = max(abs(lower or 0), abs(upper or 0))
    # lengths are piecewise linear in len(x) with corners below `bound`: equal on 0 .. 2 bound
    # + 2 means equal everywhere
    lengths = [len(range(n)[lower:upper]) for n in range(2 * bound + 3)]
    return f"{base}[{','.join(map(str, lengths))}]"


def _constant_int(node: gast.expr | None) -> int | None:
    if isinstance(node, gast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _constant_int(node.operand)
        return None if inner is None else -inner
    return None


def _infer_kinds(assigns, env, kinds, loop_targets, result_kind, stack_pushes=(),
                 anchors: Anchors | None = None) -> dict[str, Kind]:
    """Kinds to a fixed point. ``v = tape.pop()`` restores a value ``v`` had, and the tape
    mixes values of every kind: such a pop counts only for a ``v`` nothing else gives a kind."""
    for a in assigns:  # every local is known as one from the start (it shadows a global)
        kinds.setdefault(a.targets[0].id, NONE)
    for t in loop_targets:
        kinds[t] = INT
    pops = {id(a) for a in assigns if stack_pop(a.value) is not None}
    _fixed_point_kinds([a for a in assigns if id(a) not in pops], env, kinds, result_kind,
                       stack_pushes, anchors)
    unknown = {a.targets[0].id for a in assigns if kinds.get(a.targets[0].id) == NONE}
    _fixed_point_kinds([a for a in assigns if id(a) not in pops or a.targets[0].id in unknown],
                       env, kinds, result_kind, stack_pushes, anchors)
    return kinds


def _fixed_point_kinds(assigns, env, kinds, result_kind, stack_pushes, anchors=None) -> None:
    changed = True
    while changed:
        changed = False
        for stack, value in stack_pushes:
            new = join(kinds.get(elements(stack), NONE), value_kind(value, kinds, env, result_kind))
            if kinds.get(elements(stack)) != new:
                kinds[elements(stack)], changed = new, True
        for a in assigns:
            target = a.targets[0].id
            new = join(kinds.get(target, NONE), _anchored(
                value_kind(a.value, kinds, env, result_kind), a.value, target, anchors, kinds))
            if kinds.get(target) != new:
                kinds[target], changed = new, True


def value_kind(value: gast.expr, kinds: Mapping[str, Kind], env: Environment,
               result_kind=None) -> Kind:
    """The kind an operation produces from the kinds of its operands, with its shape
    signature where the operation gives one."""
    kind = _value_kind(value, kinds, env, result_kind)
    if kind.tag in ("array", "unknown") and kind.structure is None:
        known, dims = _signature(value, kinds, env)
        if known or kind.dims is None:  # what a signature rule says beats the broadcast
            return dataclasses.replace(kind, dims=dims)
    return kind


def _value_kind(value: gast.expr, kinds: Mapping[str, Kind], env: Environment,
                result_kind=None) -> Kind:
    if isinstance(value, gast.Name):
        if value.id in kinds:
            return kinds[value.id]
        obj = env.lookup(value.id)
        return NONE if obj is MISSING else kind_of_value(obj)
    if isinstance(value, gast.Constant):
        return kind_of_value(value.value)
    if isinstance(value, gast.Attribute):
        if value.attr == "shape":
            return _shape_tuple(value, kinds)
        if value.attr in _INTEGER_ATTRIBUTES:
            return INT
        obj = env.resolve(value)
        return kind_of_value(obj) if obj is not MISSING else UNKNOWN
    if isinstance(value, gast.Compare):
        return _comparison_kind(value, kinds, env, result_kind)
    if isinstance(value, gast.BoolOp) or (
            isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.Not)):
        return BOOL
    if isinstance(value, gast.List) and not value.elts:
        return STACK
    if isinstance(value, (gast.Tuple, gast.List, gast.Dict)):
        return OTHER
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and kinds.get(value.value.id, NONE).tag in ("list", "stack"):
        return kinds.get(elements(value.value.id), UNKNOWN)  # what was appended to it
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and kinds.get(value.value.id, NONE).structure is not None:
        key = value.slice.value if isinstance(value.slice, gast.Constant) else None
        return kinds[value.value.id].element(key)
    if stack_pop(value) is not None:  # elements pushed elsewhere (by a caller) are unknown
        return kinds.get(elements(stack_pop(value)), UNKNOWN)
    args = [value_kind(a, kinds, env, result_kind) for a in _data_args(value, env)
            if not isinstance(a, gast.Tuple)]
    op = operation(value, env)
    if op.rule is not None:
        if op.rule.integer:
            return _integer_kind(value, args, env)
        if isinstance(value, gast.BinOp) and all(k.tag in ("int", "none") for k in args):
            return SCALAR if isinstance(value.op, gast.Div) else BOOL if BOOL in args else INT
        if op.rule.shape == "first":  # a write keeps the array it writes into
            return args[0]
        shaped = [k for k in args if is_container(k)]
        if op.rule.shape == "container":  # always a container, even of an unknown structure
            return shaped[0] if shaped else OTHER
        if operation_function(value, env) is _zeros_like() and shaped:
            return shaped[0]
        if op.rule.shape == "broadcast":
            kind = broadcast(args)
            if op.rule.partials is None and (kind.like is not None or kind.dims is not None):
                # not elementwise (a helper such as unbroadcast(g, x), shaped like x): its
                # shape is not the broadcast of its arguments' (``signature`` may know it)
                return Kind(kind.tag)
            return kind
        if op.rule.shape == "tuple":
            return OTHER
        if op.rule.shape == "reduction" and len(_data_args(value, env)) == 1 and not (
                isinstance(value, gast.Call) and value.keywords):
            return SCALAR  # a full reduction
        return Kind("scalar") if all(k.tag in ("scalar", "int") for k in args) else UNKNOWN
    call = user_call(value, env, kinds) if op.user is not None else None
    if call is not None and result_kind is not None:
        kind = result_kind(call, [value_kind(a, kinds, env, result_kind) for a in call.atoms])
        return UNKNOWN if kind.tag == "none" else kind  # a computed value is never just None
    return UNKNOWN


# ---- shape signatures of operations ---------------------------------------------------------

def signature(value: gast.expr, kinds: Mapping[str, Kind], env: Environment) -> str | None:
    """The shape signature of an operation's result from its operands' and its constant
    arguments (axes, shapes, indices); None where it does not follow from them."""
    return _signature(value, kinds, env)[1]


def _signature(value: gast.expr, kinds: Mapping[str, Kind], env: Environment):
    """(whether a signature rule covers this operation, the signature it gives)."""
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name):
        base = kinds.get(value.value.id, NONE)
        if base.tag not in ("array", "unknown") or base.structure is not None:
            return True, None
        return True, shapes.indexed(base.dims, _index_parts(value.slice, kinds))
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.MatMult):
        return True, shapes.matmul(*(_dims(a, kinds, env) for a in (value.left, value.right)))
    func = operation_function(value, env)
    if not isinstance(value, gast.Call) and method(value, env) is None:
        return False, None
    if func is float or getattr(func, "__module__", None) == "math":
        return True, ""  # a Python number, even from an array of one element
    if func in _CREATORS and isinstance(value, gast.Call) and value.args:
        return True, _created_dims(value.args[0], kinds)
    rule = operation(value, env).rule
    handler = _SIGNATURES.get(func) if _hashable(func) else None
    if handler is None or rule is None:
        return handler is not None, None
    bound = bound_arguments(value, rule, env)
    given = {p: _constant(a) for p, a in bound.items()}
    given.update({p: d for p, d in rule.defaults.items() if p not in bound})
    x = _dims(bound["x"], kinds, env) if "x" in bound else None
    y = _dims(bound["y"], kinds, env) if "y" in bound else None
    return True, handler(x, y, given)


_CREATORS = (np.zeros, np.ones, np.empty, np.full)


def _shape_tuple(value: gast.Attribute, kinds: Mapping[str, Kind]) -> Kind:
    """``x.shape``: a tuple of as many integers as ``x`` has axes, where that is known."""
    base = kinds.get(value.value.id, NONE) if isinstance(value.value, gast.Name) else NONE
    if base.tag in ("array", "unknown") and base.structure is None and base.dims is not None:
        return Kind("other", structure=("tuple", (INT,) * len(base.dims)))
    return OTHER


def _created_dims(shape: gast.expr, kinds: Mapping[str, Kind]) -> str | None:
    """``np.zeros(shape)``: a constant size per axis, or an integer computed at run time."""
    known = kinds.get(shape.id, NONE) if isinstance(shape, gast.Name) else NONE
    if known.structure is not None and known.structure[0] == "tuple" \
            and all(k == INT for k in known.structure[1]):
        return "?" * len(known.structure[1])  # a shape computed at run time
    items = shape.elts if isinstance(shape, gast.Tuple) else [shape]
    dims = []
    for item in items:
        size = _constant(item)
        if type(size) is int:
            dims.append(shapes.of_size(size))
        elif isinstance(item, gast.Name) and kinds.get(item.id, NONE) == INT:
            dims.append("?")
        else:
            return None
    return "".join(dims)


def _hashable(func) -> bool:
    try:
        hash(func)
    except TypeError:
        return False
    return True


def _dims(node: gast.expr, kinds: Mapping[str, Kind], env: Environment) -> str | None:
    if isinstance(node, gast.Constant):
        return "" if isinstance(node.value, (int, float)) else None
    if isinstance(node, gast.Name):
        return dims_of(value_kind(node, kinds, env))
    return None


_NOT_CONSTANT = object()


def _constant(node: gast.expr):
    """A constant argument (a number, None, a tuple of them) or ``_NOT_CONSTANT``."""
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _constant(node.operand)
        return -inner if isinstance(inner, (int, float)) and not isinstance(inner, bool) \
            else _NOT_CONSTANT
    if isinstance(node, gast.Tuple):
        items = tuple(_constant(e) for e in node.elts)
        return _NOT_CONSTANT if _NOT_CONSTANT in items else items
    return _NOT_CONSTANT


def _index_parts(index: gast.expr, kinds: Mapping[str, Kind]) -> list[str]:
    """The parts of an index as ``shapes.indexed`` reads them."""
    items = index.elts if isinstance(index, gast.Tuple) else [index]
    parts = []
    for item in items:
        if isinstance(item, gast.Slice):
            whole = item.lower is None and item.upper is None and item.step is None
            parts.append("all" if whole else "slice")
        elif isinstance(item, gast.Constant) and item.value is None:
            parts.append("none")
        elif isinstance(item, gast.Constant) and item.value is Ellipsis:
            parts.append("...")
        elif _constant(item) is not _NOT_CONSTANT and type(_constant(item)) is int:
            parts.append("int")
        elif isinstance(item, gast.Name) and kinds.get(item.id, NONE) == INT:
            parts.append("int")
        else:
            parts.append("other")
    return parts


def _reduction_dims(x, y, given):
    axis, keepdims = given.get("axis"), given.get("keepdims")
    if axis is _NOT_CONSTANT or keepdims is _NOT_CONSTANT:
        return None
    return shapes.reduced(x, axis, bool(keepdims))


def _like_first(x, y, given):
    return x


def _reshape_dims(x, y, given):
    shape = given.get("shape", _NOT_CONSTANT)
    return None if shape is _NOT_CONSTANT else shapes.reshaped(shape)


def _constant_axis(transform, name):
    def dims(x, y, given):
        axis = given.get(name, _NOT_CONSTANT)
        return None if axis is _NOT_CONSTANT else transform(x, axis)
    return dims


def _signature_handlers() -> dict:
    """Per NumPy function (or runtime helper), its result's signature from ``x``'s, ``y``'s
    and the constant arguments."""
    from . import runtime
    reductions = (np.sum, np.mean, np.max, np.min, np.amax, np.amin, np.prod, np.var, np.std)
    handlers = {f: _reduction_dims for f in reductions}
    handlers.update({
        np.matmul: lambda x, y, given: shapes.matmul(x, y),
        np.dot: lambda x, y, given: shapes.dot(x, y),
        np.transpose: _constant_axis(shapes.transposed, "axes"),
        np.reshape: _reshape_dims,
        np.ravel: lambda x, y, given: shapes.raveled(x),
        np.expand_dims: _constant_axis(shapes.expanded, "axis"),
        np.squeeze: _constant_axis(shapes.squeezed, "axis"),
        np.outer: lambda x, y, given: None if x is None or y is None else (
            shapes.raveled(x) + shapes.raveled(y) if x and y else None),
        np.cumsum: lambda x, y, given: None if given.get("axis") is _NOT_CONSTANT else (
            x if given.get("axis") is not None else shapes.raveled(x)),
        np.flip: _like_first, np.roll: _like_first,
        runtime.unbroadcast: _like_first,  # shaped like its x, the second argument
        runtime.eye_like: lambda x, y, given: None if not x else x[-1] * 2,
    })
    return handlers


_SIGNATURES = _signature_handlers()


def _zeros_like():
    from .runtime import zeros_like
    return zeros_like


@dataclass(frozen=True)
class UserCall:
    """A call of user code: the callable, the shape of the call (which specializes the
    callee's signature), and the argument atoms in the order of its concrete parameters."""
    func: Any
    shape: Shape
    atoms: tuple[gast.expr, ...]


def user_call(call: gast.expr, env: Environment, local_names) -> UserCall | None:
    """The user call ``call`` makes, or None. Arguments that name a known function (not a
    local variable) are fixed into the callee, so it can call them like any other function."""
    op = operation(call, env)
    if op.user is None or not isinstance(call, gast.Call):
        return None
    keywords = sorted(call.keywords, key=lambda k: k.arg)
    flat = list(call.args) + [k.value for k in keywords]
    fixed = tuple((k, f) for k, a in enumerate(flat)
                  if _is_function(f := _known_object(a, env, local_names)))
    shape = Shape(len(call.args), tuple(k.arg for k in keywords), fixed)
    try:
        order = call_order(op.user, shape)
    except TypeError:
        return None
    return UserCall(op.user, shape, tuple(flat[k] for k in order))


def _known_object(node: gast.expr, env: Environment, local_names) -> Any:
    """The object ``name`` or ``module.attr`` stands for, unless a local variable is read."""
    root = node
    while isinstance(root, gast.Attribute):
        root = root.value
    if not isinstance(root, gast.Name) or root.id in local_names:
        return MISSING
    return env.resolve(node)


def _is_function(obj: Any) -> bool:
    import functools
    from types import BuiltinFunctionType, MethodType
    return isinstance(obj, (FunctionType, BuiltinFunctionType, MethodType, functools.partial,
                            np.ufunc))


_ELEMENTWISE_COMPARISONS = (gast.Eq, gast.NotEq, gast.Lt, gast.LtE, gast.Gt, gast.GtE)


def _comparison_kind(value: gast.Compare, kinds, env, result_kind) -> Kind:
    """``x > 0`` is a number for numbers and a mask shaped like ``x`` for arrays: a mask is
    never differentiated, but it shapes what it is broadcast with (``np.where(A > 0, x, 0)``)."""
    operands_ = [value.left] + list(value.comparators)
    shaped = broadcast([value_kind(o, kinds, env, result_kind) for o in operands_])
    if shaped.tag == "scalar":
        return BOOL
    elementwise = all(isinstance(op, _ELEMENTWISE_COMPARISONS) for op in value.ops)
    return Kind("unknown", shaped.like, dims=shaped.dims) if elementwise else UNKNOWN


def _integer_kind(value: gast.expr, args: list[Kind], env: Environment) -> Kind:
    """An integer-valued call (``np.sign(x)``, ``np.argmax(x, axis=0)``, ``len(xs)``): a plain
    integer from numbers; from arrays, an array shaped like them for ufuncs, else unknown."""
    if operation_function(value, env) is len:
        return INT
    shaped = broadcast(args)
    if shaped.tag == "scalar":
        return BOOL  # np.isnan(x), np.greater(x, y), ...: perhaps a bool
    if isinstance(operation_function(value, env), np.ufunc):
        return Kind("unknown", shaped.like, dims=shaped.dims)
    return UNKNOWN


def _data_args(value: gast.expr, env: Environment | None = None) -> list[gast.expr]:
    """The operation's positional arguments (for a method, the array it is called on first)."""
    if isinstance(value, gast.BinOp):
        return [value.left, value.right]
    if isinstance(value, gast.UnaryOp):
        return [value.operand]
    if env is not None and method(value, env) is not None:
        if isinstance(value, gast.Attribute):
            return [value.value]
        args = list(value.args)
        if value.func.attr == "reshape" and len(args) > 1:  # x.reshape(2, 3)
            args = [gast.Tuple(elts=args, ctx=gast.Load())]
        return [value.func.value] + args
    if isinstance(value, gast.Call):
        return list(value.args)
    if isinstance(value, gast.Subscript):
        return [value.value]
    return []


def differentiable_operands(value: gast.expr, env: Environment) -> set[str]:
    """Operands a derivative can flow through (all of them when no rule says otherwise)."""
    if isinstance(value, (gast.Compare, gast.BoolOp, gast.Constant)):
        return set()
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.Not):
        return set()
    if isinstance(value, gast.Attribute) and method(value, env) is None:
        if value.attr in _INTEGER_ATTRIBUTES or not isinstance(value.value, gast.Name):
            return set()
        return {value.value.id}
    if isinstance(value, gast.Subscript):
        return {value.value.id} if isinstance(value.value, gast.Name) else set()
    op = operation(value, env)
    if op.rule is not None:
        if not op.rule.differentiable:
            return set()
        params = bound_arguments(value, op.rule, env)
        if set(params) - set(op.rule.params):  # arguments the rule does not know: the
            return set(operands(value))        # transformation will refuse; never drop them
        return {n.id for p in op.rule.active_params() for n in _elements(params.get(p))}
    return set(operands(value))


def container_operand(value: gast.expr, rule: Rule, activity: "Activity", env: Environment):
    """An active list, tuple or dict that an arithmetic or elementwise operation reads (where
    ``+`` would concatenate and ``*`` repeat): no derivative exists; None if there is none."""
    if rule.partials is None and not isinstance(value, (gast.BinOp, gast.UnaryOp)):
        return None  # rows with their own templates say what their arguments are
    for v in sorted(differentiable_operands(value, env)):
        if v in activity.active and is_container(activity.kind(v)):
            return v
    return None



def refuse_container_arithmetic(s: gast.Assign, rule: Rule, activity: "Activity",
                                env: Environment) -> None:
    """``+`` concatenates lists and tuples, ``*`` repeats them: never a derivative."""
    from .errors import NoDerivativeError
    v = container_operand(s.value, rule, activity, env)
    if v is not None:
        raise NoDerivativeError(
            "arithmetic on a list, tuple or dict", filename=env.filename,
            lineno=getattr(s, "lineno", None), construct=f"`{v}` in an operation on values",
            hint="operate on the elements (index them, or loop over them); to join "
                 "lists, append to one")


def _elements(node: gast.expr | None) -> list[gast.Name]:
    """The names an argument holds: itself, or the elements of a list of values."""
    if isinstance(node, gast.Name):
        return [node]
    if isinstance(node, (gast.List, gast.Tuple)):
        return [e for e in node.elts if isinstance(e, gast.Name)]
    return []


def bound_arguments(value: gast.expr, rule: Rule, env: Environment | None = None
                    ) -> dict[str, gast.expr]:
    """Map a rule's placeholder names to the operation's argument atoms."""
    args = _data_args(value, env)
    if len(args) > len(rule.params):  # an argument the rule does not know: refuse, never drop
        return {f"argument {k + 1}": a for k, a in enumerate(args)}
    if isinstance(value, gast.Call):
        bound = dict(zip(rule.params, args))
        bound.update({k.arg: k.value for k in value.keywords})
        return bound
    return dict(zip(rule.params, args))


def container_lists(fn: gast.FunctionDef, env: Environment, candidates: set[str]) -> set[str]:
    """Lists (made here) read as containers: indexed, measured, summed, returned, handed to a
    user's function. Only lists that are just pushed to, popped from and handed to generated
    functions (the tape) stay stacks, whose adjoints are shared with the callee."""
    if not candidates:
        return set()
    allowed: set[int] = set()
    for n in walk(fn):
        if isinstance(n, gast.Attribute) and n.attr in ("append", "pop"):
            allowed.add(id(n.value))
        elif isinstance(n, gast.Assign):
            allowed.add(id(n.targets[0]))
        elif isinstance(n, gast.Call) and _is_generated(env.resolve(n.func)):
            allowed.update(id(a) for a in n.args)
    return {n.id for n in name_nodes(fn) if n.id in candidates
            and id(n) not in allowed and not isinstance(n.ctx, gast.Param)}


def _is_generated(func) -> bool:
    code = getattr(func, "__code__", None)
    return code is not None and code.co_filename.startswith("<sourcead")


def stack_parameters(fn: gast.FunctionDef, param_kinds: Mapping[str, Kind]) -> set[str]:
    """Parameters ``fn`` uses as stacks (pushes to or pops from), or that are stacks already.
    Their adjoints are stacks shared with the caller by reference, even where the caller
    holds the list as a container: a pop's adjoint pushes back onto the caller's adjoint,
    which is element-aligned with the caller's list, so it stays aligned."""
    used = stack_names(assignments(fn.body), pushes(fn.body))
    return {p for p, k in param_kinds.items() if p in used or k == STACK}


def stack_names(assigns, stack_pushes) -> set[str]:
    """Lists used as stacks: made with ``[]``, pushed to or popped from."""
    stacks = {t for t, _ in stack_pushes}
    stacks |= {a.targets[0].id for a in assigns if isinstance(a.value, gast.List) and not a.value.elts}
    return stacks | {stack_pop(a.value) for a in assigns if stack_pop(a.value) is not None}


def _propagate_forward(assigns, env, varied: set[str], numeric: set[str],
                       stack_pushes=(), stacks=frozenset()) -> set[str]:
    """Varied = reachable from wrt through differentiable operands (in program order)."""
    edges = [(a.targets[0].id, differentiable_operands(a.value, env)) for a in assigns]
    edges = [(t, ops) for t, ops in edges if t in numeric and ops]
    edges += [(t, {v.id}) for t, v in stack_pushes if isinstance(v, gast.Name)]
    # a stack handed to a user function may receive derivatives of the other arguments
    edges += [(s, set(args) - {s}) for args, given in stacks_given_to_callees(assigns, env, stacks)
              for s in given]
    return _fixed_point(edges, varied)


def _propagate_backward(assigns, useful: set[str], stack_pushes=(), env=None,
                        stacks=frozenset()) -> set[str]:
    """Useful = everything the outputs read, transitively (walked from the end)."""
    edges = [(op, {a.targets[0].id}) for a in reversed(assigns)
             for op in (differentiable_operands(a.value, env) if env is not None else operands(a.value))]
    edges += [(v.id, {t}) for t, v in stack_pushes if isinstance(v, gast.Name)]
    # what a callee records on a useful stack is useful: so are the arguments it records from
    edges += [(arg, set(given)) for args, given in stacks_given_to_callees(assigns, env, stacks)
              for arg in args]
    return _fixed_point(edges, useful)


def stacks_given_to_callees(assigns, env, stacks) -> list[tuple[list[str], set[str]]]:
    """(argument names, the stacks among them) for every user call that is handed a stack."""
    calls = []
    for a in assigns:
        if isinstance(a.value, gast.Call) and env is not None \
                and operation(a.value, env).user is not None:
            names = operands(a.value)  # positional and keyword arguments
            given = {n for n in names if n in stacks}
            if given:
                calls.append((names, given))
    return calls


def _fixed_point(edges: list[tuple[str, set[str]]], marked: set[str]) -> set[str]:
    """Mark ``target`` once any of its sources is marked, until nothing changes."""
    marked = set(marked)
    changed = True
    while changed:
        changed = False
        for target, sources in edges:
            if target not in marked and not marked.isdisjoint(sources):
                marked.add(target)
                changed = True
    return marked


# ---- liveness -------------------------------------------------------------------------------------

def reads(node: gast.AST) -> set[str]:
    return loaded_names(node)


def live_before(stmts: list[gast.stmt], live_after: set[str],
                visit: Callable[[gast.stmt, set[str]], None] | None = None) -> set[str]:
    """Variables read before being written, going backward from ``live_after``.

    ``visit(stmt, live_after_stmt)`` is called for every simple statement with the set live
    just after it: dead-code passes use it to find assignments nobody reads.
    """
    live = set(live_after)
    for s in reversed(stmts):
        live = _live_through(s, live, visit)
    return live


def _live_through(s: gast.stmt, live: set[str], visit) -> set[str]:
    if isinstance(s, gast.If):
        body = live_before(s.body, live, visit)
        orelse = live_before(s.orelse, live, visit)
        return body | orelse | reads(s.test)
    if isinstance(s, (gast.For, gast.While)):
        if visit is not None:
            visit(s, live)
        return _live_through_loop(s, live, visit)
    if visit is not None:
        visit(s, live)
    # a simple statement updates the set in place: ``live_before`` owns it (a copy of its
    # caller's), and copying it per statement made long straight lines quadratic
    if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
        live.discard(s.targets[0].id)
        live |= reads(s.value)
        return live
    live |= reads(s)
    return live


def _live_through_loop(s, live_after: set[str], visit) -> set[str]:
    """Fixed point: the body's live-in feeds the loop head again.

    A ``for`` evaluates its iterable once, before the first iteration; a ``while`` evaluates
    its test before every iteration.
    """
    is_for = isinstance(s, gast.For)
    header_reads = reads(s.iter) if is_for else reads(s.test)
    target = {s.target.id} if is_for else set()
    head = set(live_after) | (set() if is_for else header_reads)
    while True:
        new = head | (live_before(s.body, head, None) - target)
        if new == head:
            break
        head = new
    if visit is not None:
        live_before(s.body, head, visit)
    return head | header_reads


def definitely_assigned(stmts: list[gast.stmt], initial: set[str]) -> set[str]:
    """Names certainly bound after running ``stmts`` (loops may run zero times)."""
    bound = set(initial)
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            bound.add(s.targets[0].id)
        elif isinstance(s, gast.If):
            bound |= definitely_assigned(s.body, bound) & definitely_assigned(s.orelse, bound)
    return bound
