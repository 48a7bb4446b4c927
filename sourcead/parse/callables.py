"""Callables: which objects sourcead reads (functions, methods, partials, callable objects),
their signatures, and the shape of a call (which arguments by position, which by keyword).
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any


@dataclass(frozen=True)
class Shape:
    """How a call passes its arguments: how many by position, which keywords (sorted), and
    which of them are known functions (flat position -> function), fixed into the callee."""
    positional: int
    keywords: tuple[str, ...] = ()
    fixed: tuple[tuple[int, Any], ...] = ()


def callee_parts(obj: Any) -> tuple[FunctionType, dict[str, Any]] | None:
    """The plain function a callable runs, and the parameters it fixes (``self`` of a bound
    method, the positional arguments of a ``functools.partial``); None if not Python code."""
    if isinstance(obj, FunctionType):  # a decorated function is what its wrapper computes
        return obj, {}
    if isinstance(obj, MethodType):
        inner = callee_parts(obj.__func__)
        if inner is None:
            return None
        func, fixed = inner
        free = [p for p in _positional(func) if p not in fixed]
        return (func, {**fixed, free[0]: obj.__self__}) if free else None
    if isinstance(obj, functools.partial):
        inner = callee_parts(obj.func)
        if inner is None:
            return None
        func, fixed = inner
        free = [p for p in _positional(func) if p not in fixed]
        return func, {**fixed, **dict(zip(free, obj.args))}
    call = getattr(type(obj), "__call__", None)
    if isinstance(call, FunctionType) and not isinstance(obj, type):
        return callee_parts(MethodType(call, obj))
    return None


def is_code(obj: Any) -> bool:
    """A callable whose Python source sourcead reads (not NumPy's, math's or a builtin, nor
    a derivative sourcead returned: what it generated is read instead)."""
    if getattr(type(obj), "__sourcead_derivative__", False):
        return False
    parts = callee_parts(obj) if not isinstance(obj, (type, BuiltinFunctionType)) else None
    if parts is None:
        return False
    module = inspect.getmodule(parts[0])
    return module is None or module.__name__.split(".")[0] not in ("numpy", "scipy", "math",
                                                                   "sourcead")


def differentiated_again(obj: Any) -> bool:
    """A derivative sourcead returned (``grad(inner)``), called inside a function being
    differentiated: what it generated for the arguments' kinds is read, as user code."""
    return getattr(type(obj), "__sourcead_derivative__", False) and callable(
        getattr(obj, "generated", None))


def callable_name(obj: Any) -> str:
    if differentiated_again(obj):   # (``loss_grad``, not its dispatcher's name)
        return obj.__name__
    parts = callee_parts(obj) if not isinstance(obj, type) else None
    return parts[0].__name__ if parts is not None else getattr(obj, "__name__", "f")


def signature_of(obj: Any) -> inspect.Signature:
    """The signature of the code that runs: a wrapper made with ``functools.wraps`` takes
    its own parameters, not those of the function it wraps. (A plain function's depends on
    its code and which parameters have defaults: remembered, since a training loop asks for
    it at every step, for a new function of the same code.)"""
    if type(obj) is not FunctionType or "__signature__" in obj.__dict__:
        return inspect.signature(obj, follow_wrapped=False)
    key = (obj.__code__, len(obj.__defaults__ or ()), tuple(obj.__kwdefaults__ or ()),
           tuple(obj.__annotations__.items()) if obj.__annotations__ else ())
    try:
        found = _SIGNATURES.get(key)
    except TypeError:  # an unhashable annotation
        return inspect.signature(obj, follow_wrapped=False)
    if found is None:
        found = inspect.signature(obj, follow_wrapped=False)
        if len(_SIGNATURES) > 4096:
            _SIGNATURES.clear()
        _SIGNATURES[key] = found
    return found.replace(parameters=[
        p.replace(default=_default_of(obj, p)) if p.default is not p.empty else p
        for p in found.parameters.values()]) if obj.__defaults__ or obj.__kwdefaults__ else found


_SIGNATURES: dict = {}


def _default_of(fn: FunctionType, param: inspect.Parameter) -> Any:
    """The default ``fn`` has now for ``param`` (a signature remembered by code has the
    defaults of another function of that code)."""
    if param.kind is param.KEYWORD_ONLY:
        return fn.__kwdefaults__[param.name]
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    return fn.__defaults__[names.index(param.name) - len(names) + len(fn.__defaults__)]


def _positional(func: FunctionType) -> list[str]:
    return [p.name for p in signature_of(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def shape_of(args: int, keywords) -> Shape:
    return Shape(args, tuple(sorted(keywords)))


def call_order(obj: Any, shape: Shape) -> list[int]:
    """Flat argument positions (positional, then keywords in sorted order) in the order of
    the callee's concrete parameters; fixed ones are left out. TypeError if it cannot bind."""
    bound = _bind(obj, shape)
    fixed = dict(shape.fixed)
    order = []
    for value in bound.values():
        items = value if isinstance(value, tuple) else (
            [value[k] for k in sorted(value)] if isinstance(value, dict) else [value])
        order += [i for i in items if i not in fixed]
    return order


def _bind(obj: Any, shape: Shape) -> dict[str, Any]:
    """parameter -> flat position (a tuple for ``*args``, a dict for ``**kw``), in the
    callee's parameter order."""
    flat = list(range(shape.positional + len(shape.keywords)))
    keywords = dict(zip(shape.keywords, flat[shape.positional:]))
    return dict(signature_of(obj).bind(*flat[:shape.positional], **keywords).arguments)


def full_shape(obj: Any) -> Shape:
    """Every positional parameter given by position and required keyword-only ones by name
    (what annotations describe when no call is known)."""
    params = signature_of(obj).parameters.values()
    return Shape(sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params),
                 tuple(sorted(p.name for p in params
                              if p.kind is p.KEYWORD_ONLY and p.default is p.empty)))
