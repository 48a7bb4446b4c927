"""What one core-language operation is: its rule, its operands, the user call it makes.

In: the value of a core assignment (one operation on atoms) and the Environment.
Out: ``operation`` (an ``Operation``: the rule row, user function or neither that the
value stands for, with ``hint_for`` saying what to do without a rule), ``operation_function``
and ``method`` (the callable a call or a method stands for), ``operands`` and
``differentiable_operands`` (the variables it reads, and those a derivative flows
through), ``bound_arguments`` (a rule's placeholders -> the argument atoms), ``user_call``
(a ``UserCall`` of the user's code, or None), and the stack recognisers ``stack_push``,
``stack_pop``, ``pushes`` and ``elements`` for lists used only through append and pop
(the tape of generated code).
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass
from types import FunctionType
from typing import Any

import gast
import numpy as np

from ..parse import (MISSING, Environment, Shape, call_order, callable_name,
                     differentiated_again, is_code)
from ..rules import Rule, lookup_call, lookup_indexer, lookup_operator
from ..rules.core import VARIABLES
from ..rules.tables import EXTREME_OF_SEQUENCE
from ..rules.template import constant_int as _constant_int, loaded_names, name_nodes, statements


@dataclass(frozen=True)
class Operation:
    """What the value of an assignment does: a rule row, a user function, or neither."""
    rule: Rule | None = None
    user: Any = None   # a function, bound method or partial whose source sourcead reads
    what: str = ""


def method(value: gast.expr, env: Environment):
    """``x.sum(...)`` or ``x.T`` on a local value -> the NumPy function it stands for."""
    from ..rules.tables import ATTRIBUTES, METHODS
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


def indexer(value: gast.expr, env: Environment):
    """The row of ``np.r_[a, b]`` (an object indexed like a function is called), or None."""
    if not isinstance(value, gast.Subscript) or not isinstance(
            value.value, (gast.Name, gast.Attribute)):
        return None
    found = env.resolve(value.value)
    return None if found is MISSING else lookup_indexer(found)


def index_items(value: gast.Subscript) -> list[gast.expr]:
    """What ``value``'s brackets hold, item by item: ``np.r_[a, b]`` -> [a, b]."""
    return list(value.slice.elts) if isinstance(value.slice, gast.Tuple) else [value.slice]


def _indexed_operation(value: gast.Subscript, rule: Rule) -> Operation:
    """``np.r_[a, b]`` joins values; a range (``0:3``) or a directive string (``'0,2'``) in
    its brackets does something else, which no row covers."""
    what = f"{dotted(value.value)}[...]"
    for item in index_items(value):
        if not isinstance(item, (gast.Name, gast.Constant)) or (
                isinstance(item, gast.Constant) and isinstance(item.value, (str, bytes))):
            return Operation(what=f"{what} with a range or a directive in its brackets")
    return Operation(rule, what=what)


def dotted(node: gast.expr) -> str:
    """``np.linalg.norm`` for the node that reads it (``...`` for anything else)."""
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return "..."


def operation(value: gast.expr, env: Environment) -> Operation:
    row = indexer(value, env)
    if row is not None:
        return _indexed_operation(value, row)
    as_function = method(value, env)
    if as_function is not None:
        return Operation(lookup_call(as_function), what=_call_text(value) if isinstance(
            value, gast.Call) else f"{value.value.id}.{value.attr}")
    if isinstance(value, gast.BinOp):
        rule = _with_constants(lookup_operator(value.op), {"x": value.left, "y": value.right},
                               env)
        return Operation(rule, what=type(value.op).__name__)
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
        if (func is builtins.max or func is builtins.min) and len(value.args) == 1 \
                and not value.keywords:    # max(xs): the largest element, not max(a, b)
            rule = EXTREME_OF_SEQUENCE
        if rule is None and func is not MISSING and (is_code(func) or differentiated_again(func)):
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
    return _with_constants(rule, bound_arguments(call, rule, env), env)


def _with_constants(rule: Rule | None, bound: dict, env: Environment) -> Rule | str | None:
    """``rule.specialize`` given the arguments (by param) that are constants: written in the
    call, or free names holding a structural value (``np.var(x, ddof=DDOF)``)."""
    if rule is None or rule.specialize is None:
        return rule
    constants = {p: a.value for p, a in bound.items() if isinstance(a, gast.Constant)}
    for p, a in bound.items():
        if p not in constants and (value := env.structural_constant(a)) is not MISSING:
            constants[p] = value
    # (under VARIABLES, the params given as values that are not constants: a row that depends
    # on one of them can tell it from a param left to its default)
    constants[VARIABLES] = frozenset(p for p in bound if p not in constants)
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
    if env is not None and indexer(value, env) is not None:  # np.r_[a, b]: one list of items
        return [gast.List(elts=index_items(value), ctx=gast.Load())]
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
    if isinstance(value, gast.Subscript) and indexer(value, env) is None:
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
        func = env.resolve(value.func) if env is not None else MISSING
        for k in value.keywords:
            param = _keyword_param(func, k.arg, rule)
            bound[param if param not in bound else k.arg] = k.value   # (twice: refused)
        return bound
    return dict(zip(rule.params, args))


def _keyword_param(func: Any, keyword: str | None, rule: Rule) -> str | None:
    """The rule's name for an argument passed by keyword: its own name, which most rows share
    with NumPy, or the placeholder of a row whose names differ from NumPy's (a keyword no row
    knows stays unknown and is refused: ``np.sum(x, dtype=float)``)."""
    if keyword is None or keyword in rule.params:
        return keyword
    try:
        return _NUMPY_KEYWORDS.get(func, {}).get(keyword, keyword)
    except TypeError:   # an unhashable callable
        return keyword


# NumPy's keyword names for rows whose placeholders are named otherwise
_NUMPY_KEYWORDS = {np.swapaxes: {"axis1": "a", "axis2": "b"},
                   np.clip: {"a_min": "lo", "a_max": "hi", "min": "lo", "max": "hi"}}


