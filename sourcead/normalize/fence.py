"""The fence: refuse what cannot be differentiated, with the user's line, before any rewriting.

In: a copy of the parsed FunctionDef and its Environment.
Out: ``without_frees`` returns the function without sourcead's own ``del a, b`` (generated
code frees arrays early). ``fence`` and ``check_walrus`` return nothing; they raise an
``UnsupportedSyntaxError`` (file, line, construct and a rewrite) for constructs outside the
supported language: ``try`` with ``except`` (``try``/``finally`` is its blocks by then:
``tries``), ``async``, generators, ``global``, nested ``def`` and
``lambda``, ``*args``, a loop's ``else``, ``with`` other than ``np.errstate``, complex
constants, and an assignment expression that its statement reads before it runs.
"""
from __future__ import annotations

import gast

from ..parse import Environment
from ..rules.template import Transformer, walk
from .common import _walk_stmts, error


_REFUSED = {
    gast.Try: ("`try` statement with `except`", "the derivative cannot tell which path the "
               "`try` takes: test the condition with an `if` (`if x != 0.0:` ... `else:` ...), or "
               "move the try/except outside the differentiated function"),
    gast.AsyncWith: ("`async with`", "differentiate synchronous code only"),
    gast.AsyncFor: ("`async for`", "differentiate synchronous code only"),
    gast.AsyncFunctionDef: ("`async def`", "differentiate synchronous code only"),
    gast.Yield: ("`yield`", "return a value instead of a generator"),
    gast.YieldFrom: ("`yield from`", "return a value instead of a generator"),
    gast.Await: ("`await`", "differentiate synchronous code only"),
    gast.Global: ("`global` statement", "pass the value as an argument and return the new value"),
    gast.Nonlocal: ("`nonlocal` statement", "pass the value as an argument and return the new value"),
    gast.Delete: ("`del` statement", "remove the `del`; reassign the name instead"),
    gast.ClassDef: ("class definition", "define the class outside the function"),
    gast.FunctionDef: ("nested `def`", "define the helper at module level and call it"),
    gast.Lambda: ("`lambda`", "define the function with `def` at module level"),
    gast.SetComp: ("set comprehension", "use a list comprehension"),
    gast.Starred: ("starred expression", "pass the arguments one by one"),
    gast.Import: ("`import` inside the function", "import at module level"),
    gast.ImportFrom: ("`import` inside the function", "import at module level"),
    gast.Set: ("set literal", "use a tuple or an array"),
    gast.JoinedStr: ("f-string", "format strings outside the differentiated function"),
}


if hasattr(gast, "TryStar"):   # (Python 3.11's ``except*``; older gast has no node for it)
    _REFUSED[gast.TryStar] = ("`try` with `except*`",
                              "move the try/except* outside the differentiated function")


def without_frees(fn: gast.FunctionDef, env: Environment) -> gast.FunctionDef:
    """Sourcead's own code frees arrays early (``del a, b``, see optimize.free_arrays);
    values do not depend on it, and its derivative manages its own (a user's ``del`` is
    refused by the fence)."""
    if not env.filename.startswith("<sourcead"):
        return fn

    class Drop(Transformer):
        def visit_Delete(self, node):
            if all(isinstance(t, gast.Name) for t in node.targets):
                return None
            return node
    return Drop().visit(fn)


def fence(fn: gast.FunctionDef, env: Environment) -> None:
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise error(fn, env, "`*args`, `**kwargs` or keyword-only parameter",
                    "use plain positional parameters")
    check_walrus(fn, env)
    messages = {id(n) for s in walk(fn) if isinstance(s, (gast.Raise, gast.Assert))
                for n in walk(s) if isinstance(n, gast.JoinedStr)}  # f"{x} too big" is fine there
    for node in walk(fn):
        if node is fn:
            continue
        kind = type(node)
        if kind is gast.JoinedStr and id(node) in messages:
            continue
        if kind is gast.With and not _transparent(node, env):
            raise error(node, env, "`with` block", "move the `with` outside the differentiated "
                        "function (only `with np.errstate(...)` is allowed inside)")
        if kind in _REFUSED:
            what, hint = _REFUSED[kind]
            raise error(node, env, what, hint)
        if kind is gast.Constant and isinstance(node.value, complex):
            raise error(node, env, "complex constant", "sourcead differentiates real values "
                        "only: keep the real and imaginary parts in separate float variables")
        if kind in (gast.For, gast.While) and node.orelse:
            raise error(node, env, "`else` clause of a loop", "set a flag before `break` instead")


_COMPREHENSIONS = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)


def check_walrus(fn: gast.FunctionDef, env: Environment) -> None:
    """``(y := v)`` becomes ``y = v`` just before its statement. That is the same program
    unless the statement read ``y`` before the walrus ran, or it sits in a comprehension."""
    for stmt in _walk_stmts(fn.body):
        parts = [v for f, v in gast.iter_fields(stmt) if f not in ("body", "orelse")]
        nodes = [n for part in parts for item in (part if isinstance(part, list) else [part])
                 if isinstance(item, gast.AST) for n in walk(item)]
        for comp in (n for n in nodes if isinstance(n, _COMPREHENSIONS)):
            for inner in walk(comp):
                if isinstance(inner, gast.NamedExpr):
                    raise error(inner, env, "assignment expression `:=` in a comprehension",
                                "write the loop out, assigning the value in its own statement")
        for walrus in (n for n in nodes if isinstance(n, gast.NamedExpr)):
            own = {id(n) for n in walk(walrus)}
            where = (walrus.lineno, walrus.col_offset)
            for n in nodes:
                if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) \
                        and n.id == walrus.target.id and id(n) not in own \
                        and (n.lineno, n.col_offset) < where:
                    raise error(walrus, env, f"assignment expression `:=` to `{n.id}`, which "
                                "the same statement reads before it",
                                f"assign `{n.id}` in its own statement first")


_TRANSPARENT_CONTEXTS = ("errstate",)


def _transparent(node: gast.With, env: Environment) -> bool:
    """Context managers that change no values (``np.errstate``): their body is inlined."""
    import numpy as np
    return all(isinstance(item.context_expr, gast.Call) and item.optional_vars is None
               and env.resolve(item.context_expr.func) is np.errstate for item in node.items)
