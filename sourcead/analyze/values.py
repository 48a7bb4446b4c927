"""The kind of an operation's result, with its shape signature.

In: the value of a core assignment, the kinds of the variables it reads, the Environment
and (for calls of user code) a ``result_kind`` callback.
Out: ``value_kind``, the ``Kind`` the operation produces, and ``signature``, its result's
shape signature (``shapes.py``: per axis "1", "n" or "?") where it follows from the
operands' signatures and the constant arguments (axes, shapes, indices), None where it
does not.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping

import gast
import numpy as np

from .. import shapes
from ..parse import MISSING, Environment
from .kinds import (BOOL, INT, LIST, Kind, NONE, OTHER, SCALAR, STACK, UNKNOWN, broadcast,
                    dims_of, is_container, kind_of_value)
from .operations import (_INTEGER_ATTRIBUTES, _constant_int, _data_args, bound_arguments,
                         elements, method,
                         operation, operation_function, stack_pop, user_call)


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
        if obj is MISSING and isinstance(value.value, gast.Name) \
                and kinds.get(value.value.id, NONE).cls is not None:
            return Kind("unknown", cls=object)  # an attribute of an object: anything
        return kind_of_value(obj) if obj is not MISSING else UNKNOWN
    if isinstance(value, gast.Compare):
        return _comparison_kind(value, kinds, env, result_kind)
    if isinstance(value, gast.BoolOp) or (
            isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.Not)):
        return BOOL
    if isinstance(value, gast.List) and not value.elts:
        return STACK
    if isinstance(value, gast.Tuple):  # immutable: its elements' kinds hold (a callee's result)
        return _tuple_kind(value, kinds, env, result_kind)
    if isinstance(value, (gast.List, gast.Dict)):
        return OTHER
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and is_container(kinds.get(value.value.id, NONE)) and _is_slice(value.slice):
        return _sliced(kinds[value.value.id], value.slice)  # a slice of a list is a list
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and kinds.get(value.value.id, NONE).tag in ("list", "stack"):
        return kinds.get(elements(value.value.id), UNKNOWN)  # what was appended to it
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and kinds.get(value.value.id, NONE).structure is not None:
        key = value.slice.value if isinstance(value.slice, gast.Constant) else None
        return kinds[value.value.id].element(key)
    if stack_pop(value) is not None:  # elements pushed elsewhere (by a caller) are unknown
        return kinds.get(elements(stack_pop(value)), UNKNOWN)
    if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Mult)) and any(
            value_kind(v, kinds, env, result_kind).tag in ("list", "stack")
            for v in (value.left, value.right)):
        return LIST   # `[0.0] * n`, `xs + ys`: a list again
    op = operation(value, env)
    # (a tuple is a shape, except where the row reads a sequence of values: np.stack((a, b)))
    values = _sequence_arguments(value, op.rule, env)
    args = [value_kind(a, kinds, env, result_kind) for a in _data_args(value, env)
            if not isinstance(a, gast.Tuple) or id(a) in values]
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
        if all(k.tag in ("scalar", "int") for k in args):
            return ARRAY if operation_function(value, env) in _AXES_FROM_NUMBERS else SCALAR
        return UNKNOWN
    call = user_call(value, env, kinds) if op.user is not None else None
    if call is not None and result_kind is not None:
        kind = result_kind(call, [value_kind(a, kinds, env, result_kind) for a in call.atoms])
        return UNKNOWN if kind.tag == "none" else kind  # a computed value is never just None
    return _made_by_unknown(value, env) if op.user is None else UNKNOWN


def _made_by_unknown(value: gast.expr, env: Environment) -> Kind:
    """What a call without a rule makes: an object of the class called (its own indexing
    and methods), an array where NumPy made it, else an object of no known class
    (``getattr(np, 'r_')``, a method of an object): ``cls`` says that it is one."""
    if not isinstance(value, gast.Call):
        return UNKNOWN
    made = operation_function(value, env)
    if isinstance(made, type):
        return UNKNOWN if issubclass(made, _VALUE_TYPES) else Kind("unknown", cls=made)
    module = getattr(made, "__module__", None) or ""
    return UNKNOWN if module.split(".")[0] == "numpy" else Kind("unknown", cls=object)


# classes whose instances are values sourcead knows (numbers, arrays, containers)
_VALUE_TYPES = (np.generic, np.ndarray, int, float, complex, str, bytes, list, tuple, dict,
                set, frozenset, slice, range)


def _tuple_kind(value: gast.Tuple, kinds: Mapping[str, Kind], env: Environment,
                result_kind) -> Kind:
    """A tuple written out, with its elements' kinds (without shape anchors, which name
    variables of this function only), so ``t[0]`` of it, here or in a caller, is known to be
    an array or a tuple (a value of unknown kind is taken for an array)."""
    elements_ = tuple(dataclasses.replace(k, like=None) for k in
                      (value_kind(e, kinds, env, result_kind) for e in value.elts))
    return Kind("other", structure=("tuple", elements_))


# NumPy functions whose result has an axis even when every argument is a number
# (``np.outer(y, y)`` is 1 x 1): taken for a number, a scalar's gradient came back an array
_AXES_FROM_NUMBERS = (np.atleast_1d, np.atleast_2d, np.atleast_3d, np.cumsum, np.cumprod, np.outer,
                      np.ravel, np.repeat, np.tile, np.expand_dims, np.full, np.full_like,
                      np.diagflat, np.linspace, np.append, np.insert, np.pad, np.column_stack,
                      np.dstack, np.convolve, np.correlate) + (
    (np.row_stack,) if hasattr(np, "row_stack") else ())
ARRAY = Kind("array")


# ---- shape signatures of operations ---------------------------------------------------------

def _sequence_arguments(value: gast.expr, rule, env: Environment) -> set[int]:
    """ids of the arguments a row reads as sequences of values."""
    if rule is None or not rule.sequences or not isinstance(value, gast.Call):
        return set()
    bound = bound_arguments(value, rule, env)
    return {id(bound[p]) for p in rule.sequences if p in bound}


def _is_slice(index: gast.expr) -> bool:
    return isinstance(index, gast.Slice) or (
        isinstance(index, gast.Call) and isinstance(index.func, gast.Name)
        and index.func.id == "slice")


def _sliced(kind: Kind, index: gast.expr) -> Kind:
    """``xs[a:b:c]`` of a container: a list of a list (or of a stack), and a tuple of a tuple
    (with its elements' kinds, where the bounds are constants)."""
    if kind.tag in ("list", "stack"):
        return LIST
    parts = [index.lower, index.upper, index.step] if isinstance(index, gast.Slice) \
        else list(index.args)
    bounds = [None if p is None or (isinstance(p, gast.Constant) and p.value is None)
              else _constant_int(p) for p in parts]
    unknown = any(b is None and p is not None and not (isinstance(p, gast.Constant)
                                                        and p.value is None)
                  for p, b in zip(parts, bounds))
    if kind.structure is None or kind.structure[0] == "dict" or unknown:
        return Kind(kind.tag)
    return dataclasses.replace(kind, structure=(kind.structure[0],
                                                kind.structure[1][slice(*bounds)]))


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
    from .. import runtime
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
    from ..runtime import zeros_like
    return zeros_like


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
    function = operation_function(value, env)
    if function is len:
        return INT
    if function is np.shape and args:   # a tuple, which NumPy reads as an array beside one
        base = args[0]
        if base.tag in ("array", "unknown") and base.structure is None and base.dims is not None:
            return Kind("other", structure=("tuple", (INT,) * len(base.dims)))
        return OTHER
    if function is np.nonzero:          # a tuple of index arrays
        return OTHER
    shaped = broadcast(args)
    if shaped.tag == "scalar":
        return BOOL  # np.isnan(x), np.greater(x, y), ...: perhaps a bool
    if isinstance(operation_function(value, env), np.ufunc):
        return Kind("unknown", shaped.like, dims=shaped.dims)
    return UNKNOWN
