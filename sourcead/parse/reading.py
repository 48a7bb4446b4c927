"""Reading a function: its source text (files, lambdas on shared lines, registered sources),
parsed with gast, and the methods bound to the objects it is called on.
"""
from __future__ import annotations

import copy
import dataclasses
import inspect
import textwrap
import weakref
from types import FunctionType, MappingProxyType
from typing import Any

import gast

from .. import depth
from ..errors import SourceNotFoundError, UnsupportedSyntaxError, UsageError
from ..rules.template import name_nodes, names_in, walk
from .callables import Shape, callee_parts, full_shape
from .common import LIFTED, _lambda_as_def
from .environment import Environment, Parsed, _MEMO, _MISSING
from .lifting import lift_nested
from .signature import concrete_signature


def parse_function(fn: Any, shape: Shape | None = None) -> Parsed:
    """Read, dedent and parse ``fn`` for a call of this shape (all positional parameters
    by position when None); line numbers refer to its file. Within one build (``recording``)
    each callable is parsed once; nothing is kept across builds, so a function and the values
    it closes over are never held by sourcead."""
    shape = shape if shape is not None else full_shape(fn)
    memo = _MEMO.get()
    try:
        key = (fn, shape)
        if memo is not None and key in memo:
            return memo[key]
    except TypeError:  # an unhashable callable: parse it every time
        key = None
    parts = callee_parts(fn)
    if parts is None:
        raise not_python(fn)
    func, fixed = parts
    tree, env = _read(func)
    if env.owner is None:
        env = dataclasses.replace(env, owner=fn)
    tree, env = concrete_signature(tree, env, fn, fixed, shape)
    tree, env = lift_nested(tree, env)
    parsed = Parsed(tree, _locals_shadowing(tree, env))
    if key is not None and memo is not None:
        memo[key] = parsed
    return parsed


def not_python(fn: Any) -> SourceNotFoundError:
    """Why ``fn`` cannot be read, and what to do instead."""
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:
        return SourceNotFoundError(
            f"{fn!r} is a decorated function whose wrapper is not Python code sourcead can read",
            hint="differentiate the function itself (`f.__wrapped__`) if the decorator does not "
                 "change its value (caching, logging), or write the decorator with `def` and "
                 "functools.wraps")
    return SourceNotFoundError(f"{fn!r} is not a plain Python function",
                               hint="pass a function defined with `def` in a file")


def _locals_shadowing(tree: gast.FunctionDef, env: Environment) -> Environment:
    """A name the function assigns is local everywhere in it (as in Python), even where a
    global has the same name: ``A = np.array(rows)`` then ``A.T`` is the local's transpose,
    and ``model.predict(x)`` on a local ``model`` is not the global ``model``'s method."""
    local = {a.id for a in tree.args.args}
    for s in walk(tree):
        targets = s.targets if isinstance(s, gast.Assign) else [s.target] if isinstance(
            s, (gast.AugAssign, gast.AnnAssign, gast.For)) else []
        local |= {n.id for t in targets for n in name_nodes(t) if n.ctx.__class__ is gast.Store}
    shadowed = {v: _MISSING for v in local if env.lookup_quiet(v) is not _MISSING}
    return env.with_names(shadowed, "local")


def bind_methods(parsed: Parsed, kinds) -> Parsed:
    """``obj.method(...)`` on a parameter that holds an instance of a class of yours ->
    ``Class_method(obj, ...)``. The class is part of the parameter's kind (a derivative is
    specialized on it, as on a type), so its method is known here, and it is differentiated
    like any function of yours, with the object as its first argument (``self.w`` inside is
    an attribute read of that argument). Static and class methods are called as they are."""
    tree = parsed.tree
    rebound = {n.id for n in name_nodes(tree) if n.ctx.__class__ is gast.Store}
    classes = {a.id: k.cls for a, k in zip(tree.args.args, kinds)
               if getattr(k, "cls", None) is not None and a.id not in rebound}
    if not classes:
        return parsed
    tree, extra = copy.deepcopy(tree), {}
    taken = names_in(tree) | set(parsed.env.globals) | set(parsed.env.closure)
    for node in walk(tree):
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
                and isinstance(node.func.value, gast.Name) and node.func.value.id in classes):
            continue
        obj, cls, attr = node.func.value.id, classes[node.func.value.id], node.func.attr
        try:
            static = inspect.getattr_static(cls, attr)
        except AttributeError:
            continue
        if isinstance(static, FunctionType):
            found, first = static, [gast.Name(id=obj, ctx=gast.Load(), annotation=None,
                                              type_comment=None)]
        elif isinstance(static, (staticmethod, classmethod)):
            found, first = getattr(cls, attr), []
        else:
            continue
        ident = f"{cls.__name__}_{attr}"
        while ident in taken and extra.get(ident) is not found:
            ident += "_"
        taken.add(ident)
        extra[ident] = found
        node.func = gast.Name(id=ident, ctx=gast.Load(), annotation=None, type_comment=None)
        node.args = first + node.args
    return Parsed(tree, parsed.env.with_names(extra)) if extra else parsed


def _read(fn: FunctionType) -> tuple[gast.FunctionDef, Environment]:
    lifted = getattr(fn, LIFTED, None)
    if lifted is not None:
        tree, env = lifted
        depth.require_for(tree)   # (parsed in an earlier build)
        return copy.deepcopy(tree), env if env is not None else Environment(
            fn.__code__.co_filename, MappingProxyType(fn.__globals__), owner=fn)
    filename = _registered(fn.__code__, (None, fn.__code__.co_filename))[1]
    text, first = _source_of(fn, filename)
    dedented = textwrap.dedent(text)
    try:
        tree = depth.parse(dedented)   # (deep expressions: recursion headroom)
    except SyntaxError:   # a lambda on a line that continues a statement: its own text
        fragment = _lambda_fragment(text, fn) if fn.__name__ == "<lambda>" else None
        if fragment is None:
            raise SourceNotFoundError(
                f"cannot read the source of {fn.__qualname__}", filename=filename,
                lineno=first, hint="define the function with `def`") from None
        text = dedented = fragment
        tree = depth.parse(dedented)
    indent = len(text) - len(text.lstrip()) - (len(dedented) - len(dedented.lstrip()))
    node = _as_function(tree.body[0], fn, indent, filename, first)
    if not isinstance(node, gast.FunctionDef):
        raise UnsupportedSyntaxError("only functions written with `def` can be differentiated",
                                     filename=filename, lineno=first,
                                     construct=type(node).__name__,
                                     hint="write the function with `def`")
    gast.increment_lineno(node, first - 1)
    node.decorator_list = []
    closure = _closure_of(fn)
    return node, Environment(filename, MappingProxyType(fn.__globals__),
                             MappingProxyType(closure), fn.__module__,
                             slots=MappingProxyType({k: ("cell", k) for k in closure}))


def _as_function(node: gast.stmt, fn: FunctionType, indent: int, filename: str,
                 first: int) -> gast.stmt:
    """The definition of ``fn`` in the statement its source starts with: the ``def`` itself,
    or a ``lambda`` anywhere in it (``f = lambda x: ...``, ``grad(lambda v: loss(v, b))``,
    a one-line ``def`` that returns a lambda) as ``def f(x): return ...``."""
    if fn.__name__ != "<lambda>":
        if isinstance(node, gast.FunctionDef) and node.name == fn.__name__:
            return node
        named = [n for n in gast.walk(node) if isinstance(n, gast.FunctionDef)
                 and n.name == fn.__name__]
        return named[0] if named else node
    lam = _the_lambda(node, fn.__code__, indent)
    if lam is None:
        raise UnsupportedSyntaxError(
            "cannot tell which `lambda` on this line is the function to differentiate",
            filename=filename, lineno=first, construct="several lambdas on one line",
            hint="define the function with `def`, or put the lambda on a line of its own")
    target = node.targets[0].id if isinstance(node, gast.Assign) and len(
        node.targets) == 1 and isinstance(node.targets[0], gast.Name) and \
        node.value is lam else "lambda_"
    return _lambda_as_def(lam, target, node)


def _the_lambda(node: gast.stmt, code, indent: int) -> gast.Lambda | None:
    """The lambda node ``code`` was compiled from: by its parameters, then by where its body
    starts (the code's first position, in the dedented text)."""
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    found = [n for n in gast.walk(node) if isinstance(n, gast.Lambda)
             and tuple(a.id for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs)
             == params]
    if len(found) <= 1:
        return found[0] if found else None
    positions = getattr(code, "co_positions", None)   # (Python 3.11 and later)
    start = None if positions is None else next(
        ((line, col) for line, _, col, end in positions() if line is not None and col is not None
         and (col, end) != (0, 0)), None)   # (not RESUME's empty position at the line's start)
    if start is None:   # (Python 3.10: no positions; the code starts on the text's first
        first = [n for n in found if n.lineno == 1]   # line, so the lambda written there)
        return first[0] if len(first) == 1 else None
    line = start[0] - code.co_firstlineno + 1
    at = [n for n in found if (n.body.lineno, n.body.col_offset) <= (line, start[1] - indent)
          <= (n.body.end_lineno, n.body.end_col_offset)]
    return at[0] if len(at) == 1 else None


def _lambda_fragment(text: str, fn: FunctionType) -> str | None:
    """The text of the lambda ``fn`` inside lines that do not parse on their own (the second
    entry of a dict of lambdas written over several lines), parenthesized, on its own line
    number; None if no lambda there compiles to ``fn``'s code."""
    import ast
    import re
    text = text[:4000]
    found = []
    for match in re.finditer(r"\blambda\b", text):
        start = match.start()
        for end in range(len(text), start, -1):
            piece = text[start:end]
            try:
                parsed = ast.parse("(" + piece + ")", mode="eval")
            except SyntaxError:
                continue
            if not isinstance(parsed.body, ast.Lambda):
                continue   # (``lambda v: v,`` is a tuple: shorter)
            if _lambda_at(fn, parsed.body, text, start):
                found.append("\n" * text.count("\n", 0, start) + "(" + piece + ")")
            break
    # (by positions, one lambda matches; by lines alone, Python 3.10, two on a line may)
    return found[0] if len(found) == 1 else None


def _lambda_at(fn: FunctionType, lam, text: str, start: int) -> bool:
    """Whether ``lam`` (parsed from ``"(" + text[start:...] + ")"``) is ``fn``'s lambda:
    the same parameters, and ``fn``'s code starts inside its body (the text's first line is
    the code's first line). (Its bytecode is not compared: compiled apart, an attribute call
    may compile to other instructions.)"""
    code = fn.__code__
    params = tuple(a.arg for a in lam.args.posonlyargs + lam.args.args + lam.args.kwonlyargs)
    if params != code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
        return False
    before = text.count("\n", 0, start)
    column = start - (text.rfind("\n", 0, start) + 1) - 1   # (the "(" written before it)
    body = lam.body

    def at(line: int, col: int) -> tuple[int, int]:
        return code.co_firstlineno + before + line - 1, col + column if line == 1 else col
    if not hasattr(code, "co_positions"):   # (Python 3.10: the line the lambda starts on)
        return at(lam.lineno, lam.col_offset)[0] == code.co_firstlineno
    begin, end = at(body.lineno, body.col_offset), at(body.end_lineno, body.end_col_offset)
    positions = [(line, col) for line, _, col, stop in code.co_positions()
                 if line is not None and col is not None and (col, stop) != (0, 0)]
    return bool(positions) and begin <= positions[0] <= end


_REGISTERED = weakref.WeakKeyDictionary()   # code object -> (source text, file name)


def register_source(fn: FunctionType, text: str) -> FunctionType:
    """Tell sourcead the source of a function Python kept none for (made by ``exec``, typed
    into a plain REPL). Returns ``fn``.

    The text must compile to ``fn``'s own code (else it would describe another function),
    and it is shown under a name of its own in tracebacks: the ``linecache`` entry of a real
    file is never replaced, so other functions of that file are still read correctly."""
    import hashlib
    import linecache
    if not isinstance(fn, FunctionType):
        raise UsageError(f"register_source takes a function defined with `def` or `lambda`, "
                         f"not {type(fn).__name__}", hint="pass the function itself")
    if not isinstance(text, str):
        raise UsageError("register_source takes the function's source as a str",
                         hint="pass the text of the `def` statement")
    dedented = textwrap.dedent(text)
    _check_text_is_code(fn, dedented)
    digest = hashlib.sha1(dedented.encode()).hexdigest()[:8]
    filename = f"<sourcead: source of {fn.__qualname__} {digest}>"
    linecache.cache[filename] = (len(dedented), None, dedented.splitlines(True), filename)
    _REGISTERED[fn.__code__] = (dedented, filename)
    return fn


def _registered(code, default):
    try:
        return _REGISTERED.get(code, default)
    except TypeError:
        return default


def _check_text_is_code(fn: FunctionType, text: str) -> None:
    """Refuse text that does not compile to ``fn``'s code (compared without line numbers)."""
    code = fn.__code__
    free = code.co_freevars
    source = text if not free else "def __sourcead_outer__():\n" + "".join(
        f"    {v} = None\n" for v in free) + textwrap.indent(text, "    ")
    try:
        module = compile(source, "<sourcead: registered text>", "exec")
    except SyntaxError as err:
        raise UsageError(f"the text given for {fn.__qualname__} is not valid Python: {err.msg} "
                         f"(line {err.lineno})", hint="pass the exact text of its definition") \
            from None
    if not any(_same_code(c, code) for c in _code_objects(module)):
        raise UsageError(f"the text given for {fn.__qualname__} does not define that function "
                         "(it compiles to different code)",
                         hint="pass the exact text the function was made from (the `def` or "
                              "`lambda` that `exec` ran)")


def _code_objects(code):
    for const_ in code.co_consts:
        if hasattr(const_, "co_code"):
            yield const_
            yield from _code_objects(const_)


def _same_code(a, b) -> bool:
    """The same function, wherever its lines are."""
    fields = ("co_name", "co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars",
              "co_argcount", "co_kwonlyargcount", "co_posonlyargcount")
    if any(getattr(a, f) != getattr(b, f) for f in fields):
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if hasattr(x, "co_code") != hasattr(y, "co_code"):
            return False
        if (not _same_code(x, y)) if hasattr(x, "co_code") else (type(x) != type(y) or x != y):
            return False
    return True


def _source_of(fn: FunctionType, filename: str) -> tuple[str, int]:
    registered = _registered(fn.__code__, None)
    if registered is not None:
        return registered[0], 1
    try:  # the code object: inspect would follow ``__wrapped__`` to another function
        lines, first = inspect.getsourcelines(fn.__code__)
    except (OSError, TypeError):
        raise SourceNotFoundError(
            f"cannot read the source of {fn.__qualname__}",
            filename=filename, lineno=fn.__code__.co_firstlineno,
            hint="define the function in a .py file, or give its text with "
                 "sourcead.register_source(f, text) (Python keeps no source for functions "
                 "typed into a plain REPL or made by exec)") from None   # not inspect's
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
