"""The arguments of a call, as the pipeline and the dispatcher see them.

In: a callable and the arguments of one call. Out: their kinds (what a derivative is
specialized on), the positions ``wrt`` names, the call's shape and the arguments in the
order of the callee's concrete parameters; and, on the way back, gradients shaped like
their arguments (trees like trees, arrays like arrays, floats for numbers).
"""
from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from .analyze import BOOL, SCALAR, AnyShape, InstanceOf, Kind, kind_of_annotation, kind_of_value
from .errors import UsageError
from .parse import (Shape, call_order, callable_name, full_shape, not_python, parse_function,
                    signature_of)
from .runtime import component

Kinds = tuple[Kind, ...]
CONTAINERS = (list, tuple, dict)


def kinds_of_arguments(args: tuple, params: list[str], wrt: tuple[int, ...]) -> Kinds:
    """Scalar, array or integer per argument; a differentiated integer counts as a float."""
    kinds = []
    for k, value in enumerate(args):
        param = params[k] if k < len(params) else f"{k}"
        if isinstance(value, complex) or (isinstance(value, (np.ndarray, np.generic))
                                          and np.iscomplexobj(value)):
            raise UsageError(f"argument `{param}` is complex ({np.asarray(value).dtype}); "
                             "sourcead differentiates real values only",
                             hint=f"pass the real and imaginary parts of `{param}` as two "
                                  "float arguments")
        kind = kind_of_value(value, like=params[k] if k < len(params) else None)
        if k in wrt and kind.tag == "unknown" and hasattr(value, "__dict__"):
            raise UsageError(f"cannot differentiate with respect to argument {k}, a "
                             f"{type(value).__name__} object",
                             hint="differentiate with respect to numbers or arrays; for an "
                                  "object's parameters, pass them as a dict argument")
        kinds.append(SCALAR if kind.tag == "int" and k in wrt else kind)
    return tuple(kinds)


def numpy_numbers(values) -> bool:
    """Whether NumPy numbers (``np.float64(1.5)``) are among the arguments: their derivative
    keeps NumPy's semantics (inf and nan with a warning, where ``math`` would raise)."""
    return any(isinstance(v, np.floating) for v in values)


def as_numpy_numbers(values):
    """The arguments with every Python float made a NumPy float (None: there was none)."""
    changed = [np.float64(v) if type(v) is float else v for v in values]
    return None if all(a is b for a, b in zip(changed, values)) else changed


def as_python_floats(out):
    """NumPy floats back to Python floats, in a result made of tuples."""
    if isinstance(out, tuple):
        return tuple(as_python_floats(o) for o in out)
    return float(out) if isinstance(out, np.floating) else out


def kinds_of_annotations(fn: Callable, wrt: tuple[int, ...]) -> Kinds:
    parsed = parse_function(fn, full_shape(fn))
    kinds = []
    for k, a in enumerate(parsed.tree.args.args):
        kind = kind_of_annotation(a.annotation, parsed.env, a.id)
        kinds.append(SCALAR if kind.tag == "int" and k in wrt else kind)
    return tuple(kinds)


def parameters(fn: Callable) -> list[str]:
    """The names of ``fn``'s parameters that arguments can be given to by position."""
    return [p.name for p in signature_of(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def variadic(fn: Callable) -> bool:
    return any(p.kind is p.VAR_POSITIONAL for p in signature_of(fn).parameters.values())


def check_callable(fn) -> None:
    """Refuse, at once, what cannot be differentiated as a function."""
    if not callable(fn):
        raise UsageError(f"sourcead differentiates functions; it was given {fn!r}, a "
                         f"{type(fn).__name__}", hint="pass the function itself: grad(f), not "
                                                      "grad(f(x))")
    try:
        signature_of(fn)
    except (TypeError, ValueError):
        if getattr(fn, "__wrapped__", None) is not None:
            raise not_python(fn) from None
        raise UsageError(f"{fn!r} has no signature sourcead can read",
                         hint="differentiate a function written with `def`") from None


def resolve_wrt(fn: Callable, wrt) -> tuple[int, ...]:
    """Positions of the arguments to differentiate (for ``f(*args)``, any position)."""
    check_callable(fn)
    params = list(signature_of(fn).parameters)
    positional = parameters(fn)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    positions = []
    for item in items:
        if isinstance(item, str):
            if item not in params:
                raise UsageError(f"{callable_name(fn)} has no parameter {item!r} (it has "
                                 f"{params})", hint="name one of the parameters in wrt")
            if item not in positional:
                raise UsageError(f"wrt={item!r} names a `*args`, `**kwargs` or keyword-only "
                                 f"parameter of {callable_name(fn)}",
                                 hint="differentiate with respect to arguments given by "
                                      "position: wrt=0 is the first argument, also for *args")
            positions.append(positional.index(item))
        elif isinstance(item, int) and variadic(fn) and item >= 0:
            positions.append(item)
        elif isinstance(item, int) and -len(positional) <= item < len(positional):
            positions.append(item % len(positional))
        else:
            raise UsageError(f"wrt={item!r} is not a parameter of {callable_name(fn)}",
                             hint=f"use a position below {len(positional)} or a name from "
                                  f"{positional}")
    return tuple(positions)


def concrete_call(f: Callable, positions: tuple[int, ...], args: tuple, kwargs: dict):
    """(shape, the arguments in the order of the concrete parameters, wrt positions among
    them) for a call ``f(*args, **kwargs)``."""
    shape = Shape(len(args), tuple(sorted(kwargs)))
    try:
        order = call_order(f, shape)
    except TypeError as err:
        raise UsageError(f"{callable_name(f)}: {err}",
                         hint="pass the arguments its signature asks for") from None
    flat = list(args) + [kwargs[k] for k in shape.keywords]
    params = parameters(f)
    concrete = []
    for p in positions:
        if p < len(args):
            concrete.append(order.index(p))
        elif p < len(params) and params[p] in kwargs:
            concrete.append(order.index(len(args) + shape.keywords.index(params[p])))
        else:
            raise UsageError(f"argument {p} of {callable_name(f)}, differentiated, was not given",
                             hint="pass every argument you differentiate with respect to")
    return shape, tuple(flat[k] for k in order), tuple(concrete)


def shaped_like(out, args, positions, preserve_result):
    """A gradient has its argument's shape, even where no contribution reached it."""
    grads, value = (out if preserve_result else (out, None))
    many = len(positions) > 1
    items = list(grads) if many else [grads]
    for k, p in enumerate(positions):
        if isinstance(args[p], CONTAINERS):
            items[k] = tree_like(items[k], args[p])
        elif isinstance(args[p], (np.ndarray, np.generic)):
            items[k] = tree_like(items[k], args[p])
    grads = tuple(items) if many else items[0]
    return (grads, value) if preserve_result else grads


_FLOAT64 = np.dtype(np.float64)


def tree_like(g, x):
    """A gradient with the structure of the argument ``x``: the same keys and lengths, arrays
    of ``x``'s shapes (and float dtypes), floats for numbers; a plain zero fills what no
    derivative reached."""
    if isinstance(x, dict):
        return {k: tree_like(component(g, k), v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        parts = [tree_like(component(g, i), v) for i, v in enumerate(x)]
        return type(x)(*parts) if hasattr(x, "_fields") else type(x)(parts)
    if isinstance(x, (np.ndarray, np.generic)):
        # (dtype.kind, not np.issubdtype: this runs on every call, and that costs microseconds)
        dtype = x.dtype if x.dtype.kind == "f" else _FLOAT64
        if isinstance(x, np.generic):  # a NumPy number: the same type of number
            return dtype.type(g)
        if type(g) is np.ndarray and g.shape == x.shape and g.dtype == dtype:
            return g
        return np.asarray(np.zeros(x.shape) + g, dtype=dtype)
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        return float(np.reshape(g, ())) if isinstance(g, np.ndarray) else float(g)
    return g


def leaves(x, path=()):
    """(path, leaf) for every number or array in a tree, in order."""
    if isinstance(x, dict):
        return [p for k, v in x.items() for p in leaves(v, path + (k,))]
    if isinstance(x, (list, tuple)):
        return [p for k, v in enumerate(x) for p in leaves(v, path + (k,))]
    return [(path, x)]


def replaced(x, path, value):
    """A copy of the tree ``x`` with the leaf at ``path`` replaced."""
    if not path:
        return value
    if isinstance(x, dict):
        return {**x, path[0]: replaced(x[path[0]], path[1:], value)}
    parts = list(x)
    parts[path[0]] = replaced(parts[path[0]], path[1:], value)
    return type(x)(*parts) if hasattr(x, "_fields") else type(x)(parts)


def refuse_output(f: Callable, value, where: tuple | None = None) -> None:
    """grad needs a real number: not None, a string, a bool, an integer or a list, and not an
    array of more than one element (a size-1 array counts as a number). ``where``: the file
    and line of the ``return``, when known."""
    numeric = isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "f")
    if numeric and np.size(value) == 1:
        return
    code = getattr(getattr(f, "__func__", f), "__code__", None)
    if where is None and code is not None:
        where = (code.co_filename, code.co_firstlineno)
    filename, line = where if where is not None else (None, None)
    what = (f"shape {np.shape(value)}" if numeric else type(value).__name__
            + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else ""))
    raise UsageError(f"grad needs a function whose output is a real number; "
                     f"{callable_name(f)} returned {what}", filename=filename, lineno=line,
                     construct="the returned value",
                     hint="return a float (a sum, a mean, a loss); for array outputs use "
                          "sourcead.vjp or sourcead.jacobian")


def leaf_at(tree, path):
    """The leaf of ``tree`` at ``path`` (see ``leaves``)."""
    for step in path:
        tree = tree[step]
    return tree


def nested_blocks(outer, inner, columns: list):
    """Derivative blocks nested like the values, as JAX gives them: ``columns`` holds one tree
    shaped like ``outer`` per unit direction of ``inner`` (in ``leaves`` order, each leaf in
    C order); the result is shaped like ``outer`` with every leaf ``o`` replaced by a tree
    shaped like ``inner`` whose leaf ``i`` is the block of shape ``o.shape + i.shape``
    (``H["W"]["b"]`` of a Hessian with respect to ``{"W": W, "b": b}``)."""
    columns = [tree_like(c, outer) for c in columns]
    out = outer
    for o_path, o_leaf in leaves(outer):
        block_tree, start = inner, 0
        for i_path, i_leaf in leaves(inner):
            size = int(np.size(i_leaf))
            parts = [np.broadcast_to(leaf_at(c, o_path), np.shape(o_leaf))
                     for c in columns[start:start + size]]
            start += size
            dtype = np.result_type(o_leaf, i_leaf, 0.0)
            shape = np.shape(o_leaf) + np.shape(i_leaf)
            stacked = np.moveaxis(np.array(parts, dtype=dtype).reshape(
                (size,) + np.shape(o_leaf)), 0, -1).reshape(shape)
            block = float(stacked.reshape(())) if shape == () else stacked
            block_tree = replaced(block_tree, i_path, block)
        out = replaced(out, o_path, block_tree)
    return out


def example_value(kind: Kind):
    """A value of this kind, to pick the matching specialization of a derivative: an array
    of its shape signature, or one standing for any shape."""
    if kind.tag in ("scalar", "int"):
        return True if kind == BOOL else {"scalar": 1.0, "int": 1}[kind.tag]
    if kind.tag == "other" and kind.structure is not None \
            and kind.structure[0] in ("dict", "list", "tuple"):   # a tree: one of its structure
        what, items = kind.structure
        if what == "dict":
            return {k: example_value(v) for k, v in items}
        return (list if what == "list" else tuple)(example_value(v) for v in items)
    if kind.cls is not None:
        return InstanceOf(kind.cls)
    if kind.dims is None or "?" in kind.dims:
        return np.zeros(1).view(AnyShape)
    return np.zeros(tuple(1 if c == "1" else 2 for c in kind.dims))
