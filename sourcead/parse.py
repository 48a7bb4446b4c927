"""Source of a function -> gast FunctionDef plus the environment it runs in.

In: a Python function object (user code, or code sourcead generated: emit registers that in
linecache, so both are read the same way). Out: a ``Parsed`` value whose tree has line
numbers of the user's file, with decorators removed, and whose ``Environment`` says how
the names the function reads resolve (globals, closure cells, builtins).
"""
from __future__ import annotations

import builtins
import inspect
import textwrap
from dataclasses import dataclass, field
from types import FunctionType, MappingProxyType
from typing import Any, Mapping

import gast

from .errors import SourceNotFoundError, UnsupportedSyntaxError

_MISSING = object()


@dataclass(frozen=True)
class Environment:
    """Where a function's free names come from and where its text lives."""
    filename: str
    globals: Mapping[str, Any]
    closure: Mapping[str, Any] = field(default_factory=dict)
    module: str | None = None

    def lookup(self, ident: str) -> Any:
        """The object a free name refers to now, or ``_MISSING``."""
        for scope in (self.closure, self.globals, vars(builtins)):
            if ident in scope:
                return scope[ident]
        from . import runtime  # the core language's own helpers (``with_item``) need no import
        return runtime.HELPERS.get(ident, _MISSING)

    def resolve(self, node: gast.expr) -> Any:
        """Statically resolve ``name`` or ``module.attr.attr`` to an object, or ``_MISSING``."""
        if isinstance(node, gast.Name):
            return self.lookup(node.id)
        if isinstance(node, gast.Attribute):
            base = self.resolve(node.value)
            if base is _MISSING or not inspect.ismodule(base) and not isinstance(base, type):
                return _MISSING
            return getattr(base, node.attr, _MISSING)
        return _MISSING


@dataclass(frozen=True)
class Parsed:
    tree: gast.FunctionDef
    env: Environment


MISSING = _MISSING


def parse_function(fn: FunctionType) -> Parsed:
    """Read, dedent and parse ``fn``; line numbers refer to its file."""
    fn = inspect.unwrap(fn)
    if not isinstance(fn, FunctionType):
        raise SourceNotFoundError(f"{fn!r} is not a plain Python function",
                                  hint="pass a function defined with `def` in a file")
    filename = _REGISTERED.get(fn.__code__, (None, fn.__code__.co_filename))[1]
    text, first = _source_of(fn, filename)
    tree = gast.parse(textwrap.dedent(text))
    node = _as_function(tree.body[0], fn.__name__)
    if not isinstance(node, gast.FunctionDef):
        raise UnsupportedSyntaxError("only functions written with `def` can be differentiated",
                                     filename=filename, lineno=first,
                                     construct=type(node).__name__,
                                     hint="write the function with `def` (lambdas come later)")
    gast.increment_lineno(node, first - 1)
    node.decorator_list = []
    return Parsed(node, Environment(filename, MappingProxyType(fn.__globals__),
                                    MappingProxyType(_closure_of(fn)), fn.__module__))


def _as_function(node: gast.stmt, name: str) -> gast.stmt:
    """``f = lambda x: ...`` (the source inspect gives for a lambda) as ``def f(x): return ...``."""
    lambdas = [n for n in gast.walk(node) if isinstance(n, gast.Lambda)]
    if isinstance(node, gast.FunctionDef) or len(lambdas) != 1:
        return node
    lam = lambdas[0]
    target = node.targets[0].id if isinstance(node, gast.Assign) and isinstance(
        node.targets[0], gast.Name) else name.replace("<lambda>", "lambda_")
    body = [gast.Return(value=lam.body)]
    func = gast.FunctionDef(name=target, args=lam.args, body=body, decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return gast.copy_location(func, node)


_REGISTERED: dict = {}   # code object -> source text given by the user


def register_source(fn: FunctionType, text: str) -> FunctionType:
    """Tell sourcead the source of a function Python kept none for (made by ``exec``, typed
    into a plain REPL). Returns ``fn``."""
    import linecache
    filename = fn.__code__.co_filename
    if filename not in linecache.cache or not linecache.getlines(filename):
        filename = f"<sourcead: source of {fn.__name__}>"
    lines = textwrap.dedent(text).splitlines(True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    _REGISTERED[fn.__code__] = (textwrap.dedent(text), filename)
    return fn


def _source_of(fn: FunctionType, filename: str) -> tuple[str, int]:
    if fn.__code__ in _REGISTERED:
        return _REGISTERED[fn.__code__][0], 1
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as err:
        raise SourceNotFoundError(
            f"cannot read the source of {fn.__qualname__}",
            filename=filename, lineno=fn.__code__.co_firstlineno,
            hint="define the function in a .py file, or give its text with "
                 "sourcead.register_source(f, text) (Python keeps no source for functions "
                 "typed into a plain REPL or made by exec)") from err
    return "".join(lines), max(first, 1)


def _closure_of(fn: FunctionType) -> dict[str, Any]:
    cells = fn.__closure__ or ()
    out = {}
    for ident, cell in zip(fn.__code__.co_freevars, cells):
        try:
            out[ident] = cell.cell_contents
        except ValueError:  # an empty cell: the name is not bound yet
            pass
    return out
