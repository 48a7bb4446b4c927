"""Activity: the kind of every variable, and which variables need derivatives.

In: a normalized FunctionDef, its Environment, the kinds of its parameters, the names of
the differentiated parameters and of the outputs (and a ``result_kind`` for user calls).
Out: ``analyze_activity`` returns an ``Activity``: per variable its ``Kind`` (from a
flow-insensitive fixed point over ``values.value_kind``), whether it is *active* (depends
on a wrt input through differentiable operations AND reaches an output), the lists used
as stacks, the variables that can stand for a shape (``shape_anchors``,
``shape_sources``) and where each variable is first assigned. Only active variables get
tangents or adjoints; integer and boolean values never do. ``stack_parameters`` says which
parameters are stacks; ``refuse_container_arithmetic`` refuses arithmetic on an active
list, tuple or dict.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import gast

from ..parse import Environment
from ..rules import Rule
from ..rules.template import name_nodes, statements, walk
from .kinds import INT, Kind, LIST, NONE, STACK, UNKNOWN, is_container, join
from .operations import _constant_int
from .operations import (UserCall, differentiable_operands, elements, operands, operation, pushes,
                         stack_pop)
from .values import value_kind


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
    from ..errors import NoDerivativeError
    v = container_operand(s.value, rule, activity, env)
    if v is not None:
        raise NoDerivativeError(
            "arithmetic on a list, tuple or dict", filename=env.filename,
            lineno=getattr(s, "lineno", None), construct=f"`{v}` in an operation on values",
            hint="operate on the elements (index them, or loop over them); to join "
                 "lists, append to one")


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
