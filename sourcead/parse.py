"""Source of a function -> gast FunctionDef plus the environment it runs in.

In: a callable (a user function, a bound method, a ``functools.partial``, a function that
sourcead lifted out of another, or code sourcead generated: emit registers that in
linecache, so both are read the same way) and the ``Shape`` of the call that runs it. Out:
a ``Parsed`` value whose tree has line numbers of the user's file, no decorators, and a
*concrete signature*: plain positional parameters, one per argument the call passes, in the
callee's parameter order. Everything else the function receives is a constant of the
specialization, the way argument kinds are: defaults and partial/bound arguments become
``p = 1.0`` statements (or names in the ``Environment``), ``*args`` becomes ``args_0,
args_1``, ``**kw`` one parameter per keyword. Nested ``def`` and ``lambda`` are lifted out
into functions of their own that take the outer variables they read as extra parameters.
"""
from __future__ import annotations

import builtins
import contextlib
import contextvars
import copy
import dataclasses
import functools
import inspect
import textwrap
import weakref
from dataclasses import dataclass, field
from types import BuiltinFunctionType, FunctionType, MappingProxyType, MethodType
from typing import Any, Mapping

import gast
import numpy as np

from . import depth
from .errors import SourceNotFoundError, UnsupportedSyntaxError, UsageError
from .naming import MARK, Namer, marked_object
from .nonlocals import pass_nonlocals
from .rules.template import assign, const, constant_int, name, name_nodes, names_in, walk

_MISSING = object()


# ---- what a build reads, and from where ---------------------------------------------------

_READS: contextvars.ContextVar = contextvars.ContextVar("sourcead_reads", default=None)
_MEMO: contextvars.ContextVar = contextvars.ContextVar("sourcead_memo", default=None)


@dataclass(frozen=True)
class Read:
    """One free value a build looked at: in the environment of ``env.owner``, the slot
    ``slot`` (``("global", name)``, ``("cell", name)``, ``("default", param)``, ...), then the
    attributes ``attrs``. ``check`` says what the derivative depends on: the value's kind
    (``"kind"``), or, for a constant written into the generated code, the value itself
    (``"equal"``). The derivative re-reads each of them when it runs."""
    env: "Environment"
    slot: tuple
    attrs: tuple
    value: Any
    check: str = "kind"


@contextlib.contextmanager
def recording():
    """Collect every free value read while a derivative is built (``Read`` records), and
    parse each function once per build."""
    reads: list[Read] = []
    tokens = (_READS.set(reads), _MEMO.set({}))
    try:
        yield reads
    finally:
        _MEMO.reset(tokens[1])
        _READS.reset(tokens[0])


def build_memo() -> dict:
    """What the current build remembers (parsed functions, callees' result kinds); a
    build starts with nothing, so nothing of one build's values reaches another."""
    memo = _MEMO.get()
    return memo if memo is not None else {}


def _note(read: Read) -> None:
    reads = _READS.get()
    if reads is not None and read.env.owner is not None:
        reads.append(read)


@dataclass(frozen=True, eq=False)
class Environment:
    """Where a function's free names come from and where its text lives.

    ``owner`` is the callable whose free names these are, and ``slots`` says where it keeps
    each name of ``closure`` (a closure cell, a default, a fixed argument such as ``self``,
    or a value sourcead made, such as a lifted nested function): the derivative finds each
    of them again, from the function it was called for, every time it runs."""
    filename: str
    globals: Mapping[str, Any]
    closure: Mapping[str, Any] = field(default_factory=dict)
    module: str | None = None
    owner: Any = None
    slots: Mapping[str, tuple] = field(default_factory=dict)

    def slot(self, ident: str) -> tuple:
        """Where the name ``ident`` is read from."""
        if ident in self.closure:
            return self.slots.get(ident, ("made", ident))
        return ("global", ident) if ident in self.globals else ("builtin", ident)

    def lookup(self, ident: str) -> Any:
        """The object a free name refers to now, or ``_MISSING``. A marked name (``$np``,
        ``$with_item``: see ``naming``) is sourcead's own, never the user's."""
        if ident.startswith(MARK):
            found = marked_object(ident)
            return _MISSING if found is None else found
        for scope in (self.closure, self.globals, vars(builtins)):
            if ident in scope:
                value = scope[ident]
                if value is not _MISSING:
                    _note(Read(self, self.slot(ident), (), value))
                return value
        return _MISSING

    def resolve(self, node: gast.expr) -> Any:
        """Statically resolve ``name`` or ``obj.attr.attr`` to an object, or ``_MISSING``."""
        if isinstance(node, gast.Name):
            return self.lookup(node.id)
        if isinstance(node, gast.Attribute):
            chain = _attribute_chain(node)
            base = self.resolve(node.value)
            if base is _MISSING or isinstance(base, np.ndarray):
                return _MISSING
            try:  # a property runs code: only plain attributes are read statically
                static = inspect.getattr_static(base, node.attr)
            except AttributeError:
                return _MISSING
            if isinstance(static, property):
                return _MISSING
            value = getattr(base, node.attr, _MISSING)
            if chain is not None and value is not _MISSING and self.lookup_quiet(chain[0]) \
                    is not _MISSING:
                _note(Read(self, self.slot(chain[0]), chain[1:], value))
            return value
        return _MISSING

    def lookup_quiet(self, ident: str) -> Any:
        for scope in (self.closure, self.globals, vars(builtins)):
            if ident in scope:
                return scope[ident]
        return _MISSING

    def with_names(self, extra: Mapping[str, Any], slot: str | Mapping[str, tuple] = "made"
                   ) -> "Environment":
        """More names, each kept in a slot of this kind (``"made"``, ``"local"``), or in the
        slot ``slot[name]`` (``("default", param)``, ``("fixed", param)``)."""
        if not extra:
            return self
        where = {k: (slot, k) if isinstance(slot, str) else slot[k] for k in extra}
        slots = {**self.slots, **where}
        return dataclasses.replace(self, closure=MappingProxyType({**self.closure, **extra}),
                                   slots=MappingProxyType(slots))


def _attribute_chain(node: gast.expr) -> tuple[str, ...] | None:
    """``a.b.c`` -> ("a", "b", "c"); None for anything else."""
    attrs = []
    while isinstance(node, gast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return (node.id, *reversed(attrs)) if isinstance(node, gast.Name) else None


@dataclass(frozen=True)
class Parsed:
    tree: gast.FunctionDef
    env: Environment


MISSING = _MISSING


@dataclass(frozen=True)
class Shape:
    """How a call passes its arguments: how many by position, which keywords (sorted), and
    which of them are known functions (flat position -> function), fixed into the callee."""
    positional: int
    keywords: tuple[str, ...] = ()
    fixed: tuple[tuple[int, Any], ...] = ()


# ---- callables ------------------------------------------------------------------------------

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


def callable_name(obj: Any) -> str:
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


# ---- reading a function ------------------------------------------------------------------------

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
    tree = depth.parse(dedented)   # (deep expressions: recursion headroom)
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
        ((line, col) for line, _, col, _ in positions() if line is not None and col is not None),
        None)
    if start is None:
        return None
    line = start[0] - code.co_firstlineno + 1
    at = [n for n in found if (n.body.lineno, n.body.col_offset) <= (line, start[1] - indent)
          <= (n.body.end_lineno, n.body.end_col_offset)]
    return at[0] if len(at) == 1 else None


def _lambda_as_def(lam: gast.Lambda, name_: str, where: gast.AST) -> gast.FunctionDef:
    func = gast.FunctionDef(name=name_, args=lam.args, body=[gast.Return(value=lam.body)],
                            decorator_list=[], returns=None, type_comment=None, type_params=[])
    gast.copy_location(func, where)
    func.body[0].lineno = getattr(lam.body, "lineno", where.lineno)
    return func


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


# ---- a concrete signature for one call shape ------------------------------------------------

def _refuse(node: gast.AST, env: Environment, what: str, hint: str) -> UnsupportedSyntaxError:
    return UnsupportedSyntaxError(f"cannot differentiate a {what}", filename=env.filename,
                                  lineno=getattr(node, "lineno", None), construct=what, hint=hint)


def concrete_signature(tree: gast.FunctionDef, env: Environment, obj: Any,
                       hidden: dict[str, Any], shape: Shape):
    """The function with one plain parameter per argument the call passes; everything else
    it receives becomes a constant of this specialization."""
    try:
        bound = _bind(obj, shape)
    except TypeError as err:
        raise UsageError(f"{callable_name(obj)} cannot be called with {shape.positional} "
                         f"positional argument(s) and keywords {list(shape.keywords)}: {err}",
                         hint="pass the arguments its signature asks for") from None
    defaults = {p.name: p.default for p in signature_of(obj).parameters.values()
                if p.default is not p.empty}
    fixed, namer = dict(shape.fixed), Namer(names_in(tree) | set(env.closure))
    a = tree.args
    params: list[gast.Name] = []
    constants: dict[str, Any] = dict(hidden)
    origins = {p: ("fixed", p) for p in hidden}
    stars: dict[str, list[str]] = {}
    keywords: dict[str, dict[str, str]] = {}

    def given(ident: str, index: int, annotation=None) -> None:
        if index in fixed:
            constants[ident] = fixed[index]
            origins[ident] = ("given", ident)
        else:
            params.append(gast.Name(id=ident, ctx=gast.Param(), annotation=annotation,
                                    type_comment=None))

    for p in a.posonlyargs + a.args + a.kwonlyargs:
        if p.id in hidden:
            continue
        if p.id in bound:
            given(p.id, bound[p.id], p.annotation)
        else:
            constants[p.id] = defaults[p.id]
            origins[p.id] = ("default", p.id)
    if a.vararg is not None:
        star = a.vararg.id
        stars[star] = [namer.fresh(f"{star}_{k}") for k in range(len(bound.get(star, ())))]
        for ident, index in zip(stars[star], bound.get(star, ())):
            given(ident, index)
    if a.kwarg is not None:
        kw = a.kwarg.id
        given_keywords = bound.get(kw, {})
        keywords[kw] = {k: namer.fresh(k) for k in sorted(given_keywords)}
        for k in sorted(given_keywords):
            given(keywords[kw][k], given_keywords[k])
    # parameters keep the callee's order: positional, then *args, then keyword-only, **kw
    order = [p.id for p in a.posonlyargs + a.args] + stars.get(getattr(a.vararg, "id", ""), []) \
        + [p.id for p in a.kwonlyargs] + list(keywords.get(getattr(a.kwarg, "id", ""), {}).values())
    params.sort(key=lambda p: order.index(p.id))
    tree.args = gast.arguments(args=params, posonlyargs=[], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=[])
    tree.body = _expand_variadic(tree, env, stars, keywords) + tree.body
    return _bind_constants(tree, env, constants, namer, origins,
                           track=getattr(obj, LIFTED, None) is None)


def _expand_variadic(tree: gast.FunctionDef, env: Environment, stars: dict[str, list[str]],
                     keywords: dict[str, dict[str, str]]) -> list[gast.stmt]:
    """``g(*args)`` -> ``g(args_0, args_1)``, ``g(**kw)`` -> ``g(a=a)``, ``kw['a']`` -> ``a``;
    other reads of ``args`` see the tuple ``args = (args_0, args_1)``."""
    for node in walk(tree):
        for field_name in ("args", "elts"):
            items = getattr(node, field_name, None)
            if isinstance(items, list) and any(_starred(i, stars) is not None for i in items):
                setattr(node, field_name, [e for i in items for e in (
                    [name(n) for n in _starred(i, stars)] if _starred(i, stars) is not None
                    else [i])])
        if isinstance(node, gast.Call) and any(k.arg is None and isinstance(k.value, gast.Name)
                                               and k.value.id in keywords for k in node.keywords):
            node.keywords = [e for k in node.keywords for e in (
                [gast.keyword(arg=a, value=name(p)) for a, p in keywords[k.value.id].items()]
                if k.arg is None and isinstance(k.value, gast.Name) and k.value.id in keywords
                else [k])]
    for node in walk(tree):
        for field_name, child in list(gast.iter_fields(node)):
            if isinstance(child, gast.Subscript) and isinstance(child.value, gast.Name) \
                    and child.value.id in keywords and isinstance(child.slice, gast.Constant) \
                    and child.slice.value in keywords[child.value.id]:
                setattr(node, field_name, name(keywords[child.value.id][child.slice.value]))
    for node in walk(tree):
        if isinstance(node, gast.Name) and node.id in keywords and node is not tree:
            raise _refuse(node, env, "use of `**kwargs` other than passing it on",
                          f"pass it on with `g(**{node.id})` or read `{node.id}['name']`")
    used = {n.id for n in name_nodes(tree)}
    return [gast.copy_location(assign(star, gast.Tuple(elts=[name(n) for n in names],
                                                       ctx=gast.Load())), tree)
            for star, names in stars.items() if star in used]


def _starred(node: gast.AST, stars: dict[str, list[str]]) -> list[str] | None:
    """The parameters a starred ``*args`` or ``*args[i:j:k]`` (constant bounds) passes on, in
    order (how a decorator's wrapper hands its arguments to the function it wraps); None for
    anything else."""
    if not isinstance(node, gast.Starred):
        return None
    value = node.value
    if isinstance(value, gast.Name) and value.id in stars:
        return stars[value.id]
    if isinstance(value, gast.Subscript) and isinstance(value.value, gast.Name) \
            and value.value.id in stars and isinstance(value.slice, gast.Slice):
        bounds = [constant_int(b) for b in (value.slice.lower, value.slice.upper,
                                             value.slice.step)]
        given = [b for b in (value.slice.lower, value.slice.upper, value.slice.step)]
        if all(g is None or b is not None for g, b in zip(given, bounds)) and bounds[2] != 0:
            return stars[value.value.id][slice(*bounds)]
    return None


def _literal(value: Any) -> gast.expr | None:
    """A constant written in the code, for values that read well as one."""
    if isinstance(value, (bool, np.bool_)):
        return const(bool(value))
    if isinstance(value, (int, np.integer)):
        return const(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return const(float(value))
    if value is None or isinstance(value, str):
        return const(value)
    if isinstance(value, tuple):
        elts = [_literal(v) for v in value]
        return None if any(e is None for e in elts) else gast.Tuple(elts=elts, ctx=gast.Load())
    return None


def _inline(tree: gast.AST, ident: str, literal: gast.expr) -> None:
    """Write the constant where the parameter is read (not where a nested function's own
    parameter of the same name hides it)."""
    for node in gast.iter_child_nodes(tree):
        if isinstance(node, (gast.FunctionDef, gast.Lambda)) and ident in _own_names(node):
            continue
        for field_name, child in gast.iter_fields(node):
            if isinstance(child, gast.Name) and child.id == ident:
                setattr(node, field_name, gast.copy_location(copy.deepcopy(literal), child))
            elif isinstance(child, list):
                child[:] = [gast.copy_location(copy.deepcopy(literal), c)
                            if isinstance(c, gast.Name) and c.id == ident else c for c in child]
        _inline(node, ident, literal)


def _bind_constants(tree: gast.FunctionDef, env: Environment, constants: dict[str, Any],
                    namer: Namer, origins: dict[str, tuple], track: bool = True
                    ) -> tuple[gast.FunctionDef, Environment]:
    """``p = 2.0`` at the top for a literal; an object (``self``, an array) is a free name
    of the specialization, like a global, read where it lives each time the derivative runs.
    A literal written into the code is a value the derivative depends on: ``track`` notes it,
    so a changed default builds the derivative again (a nested function's defaults are
    constants of its enclosing function's code, and need no note)."""
    stored = {n.id for n in name_nodes(tree) if n.ctx.__class__ is gast.Store}
    first, extra, slots = [], {}, {}
    for ident, value in constants.items():
        literal = _literal(value)
        if literal is not None and track:
            _note(Read(env, origins[ident], (), value, "equal"))
        if literal is not None and ident not in stored:
            _inline(tree, ident, literal)
            continue
        if literal is None and ident not in stored:
            extra[ident], slots[ident] = value, origins[ident]
            continue
        if literal is None:
            holder = namer.fresh(f"{ident}_value")
            extra[holder], slots[holder], literal = value, origins[ident], name(holder)
        first.append(gast.copy_location(assign(ident, literal), tree))
    tree.body = first + tree.body
    return tree, env.with_names(extra, slots)


# ---- lambda lifting: nested functions become functions of their own --------------------------

# On a function sourcead lifted out of another: (its tree, its environment), or (its tree,
# None) for a copy made to run with a derivative (whose module namespace is its environment).
# Kept on the function itself, so it lives exactly as long as the function.
LIFTED = "__sourcead_lifted__"


def lift_nested(tree: gast.FunctionDef, env: Environment) -> tuple[gast.FunctionDef, Environment]:
    """Hoist each nested ``def`` and ``lambda`` out of ``tree`` into a function that takes the
    local variables it reads as extra (keyword) parameters; every call passes them. A closure
    reads a variable's value when it is called, which is what the call passes."""
    nested = _nested_functions(tree, env)
    if not nested:
        return tree, env
    pass_nonlocals(tree, nested, lambda node, what, hint: _refuse(node, env, what, hint))
    outer_locals = {p.id for p in tree.args.args} | _stores(tree.body)
    captured = _captured(nested, outer_locals, env)
    for fn in [tree] + list(nested.values()):
        _pass_captured(fn, nested, captured, env)
    for ident, fn in nested.items():
        fn.args.kwonlyargs += [gast.Name(id=c, ctx=gast.Param(), annotation=None, type_comment=None)
                               for c in captured[ident]]
        fn.args.kw_defaults += [None] * len(captured[ident])
    namespace = {**env.globals, **env.closure}
    lifted = {ident: _compiled(fn, env, namespace) for ident, fn in nested.items()}
    namespace.update(lifted)
    lifted_env = env.with_names(lifted)
    for ident, fn in nested.items():
        setattr(lifted[ident], LIFTED, (fn, lifted_env))
    return tree, lifted_env


def _nested_functions(tree: gast.FunctionDef, env: Environment) -> dict[str, gast.FunctionDef]:
    """Nested defs (and ``f = lambda ...``) at the top of the body, taken out of it; other
    lambdas replaced by the name of their lifted function."""
    nested: dict[str, gast.FunctionDef] = {}
    body = []
    for s in tree.body:
        if isinstance(s, gast.FunctionDef):
            if s.decorator_list:
                raise _refuse(s, env, "decorated nested `def`",
                              "define the decorated function at module level")
            nested[s.name] = s
        elif isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
                s.targets[0], gast.Name) and isinstance(s.value, gast.Lambda):
            nested[s.targets[0].id] = _lambda_as_def(s.value, s.targets[0].id, s)
        else:
            body.append(s)
    tree.body = body
    namer = Namer(names_in(tree) | set(nested) | set(env.globals) | set(env.closure))
    for node in _outer_nodes(tree):
        for field_name, child in list(gast.iter_fields(node)):
            values = child if isinstance(child, list) else [child]
            for k, v in enumerate(values):
                if isinstance(v, gast.Lambda):
                    ident = namer.fresh("lambda")
                    nested[ident] = _lambda_as_def(v, ident, v)
                    values[k] = gast.copy_location(name(ident), v)
                elif isinstance(v, (gast.FunctionDef, gast.ClassDef)) and node is not tree:
                    what = "nested `def` inside a block" if isinstance(v, gast.FunctionDef) \
                        else "class definition"
                    raise _refuse(v, env, what, "define it once, at the top level of the "
                                  "function (or at module level)")
            if not isinstance(child, list) and isinstance(child, gast.Lambda):
                setattr(node, field_name, values[0])
    stored = _stores(tree.body)
    for ident, fn in nested.items():
        if ident in stored:
            raise _refuse(fn, env, f"nested function `{ident}` whose name is assigned again",
                          "give the function and the other value different names")
        for n in walk(fn):   # (one at the top of the function's body: nonlocals.py)
            if isinstance(n, gast.Nonlocal) and n not in fn.body:
                raise _refuse(n, env, "`nonlocal` statement inside a block or a deeper function",
                              "declare it at the top of the nested function's body")
        for d in fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]:
            if not isinstance(d, gast.Constant):
                raise _refuse(d, env, "default value of a nested function that is not a constant",
                              "write the default as a constant, or pass the value")
    return nested


def _outer_nodes(tree: gast.FunctionDef):
    """Nodes of ``tree`` outside lambdas (an inner lambda is lifted with its outer one)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in gast.iter_child_nodes(node):
            if not isinstance(child, (gast.Lambda, gast.FunctionDef)):
                stack.append(child)


def _stores(stmts: list[gast.stmt]) -> set[str]:
    return {n.id for s in stmts for n in walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}


def _own_names(fn: gast.FunctionDef | gast.Lambda) -> set[str]:
    a = fn.args
    if isinstance(fn, gast.Lambda):
        return {p.id for p in a.posonlyargs + a.args + a.kwonlyargs}
    params = [p.id for p in a.posonlyargs + a.args + a.kwonlyargs] + [
        p.id for p in (a.vararg, a.kwarg) if p is not None]
    return set(params) | _stores(fn.body)


def _captured(nested: dict[str, gast.FunctionDef], outer_locals: set[str],
              env: Environment) -> dict[str, list[str]]:
    """The outer local variables each nested function reads, directly or through another
    nested function it calls."""
    reads = {}
    for ident, fn in nested.items():
        free = {n.id for n in name_nodes(fn)
                if isinstance(n.ctx, gast.Load)} - _own_names(fn)
        reads[ident] = free
    captured = {ident: (reads[ident] & outer_locals) for ident in nested}
    changed = True
    while changed:
        changed = False
        for ident in nested:
            more = set().union(*[captured[o] for o in reads[ident] & set(nested)]) \
                - _own_names(nested[ident]) - captured[ident]
            if more:
                captured[ident] |= more
                changed = True
    return {ident: sorted(c) for ident, c in captured.items()}


def _pass_captured(fn: gast.FunctionDef, nested: dict, captured: dict, env: Environment) -> None:
    """Calls of a lifted function pass the variables it captured, by keyword."""
    calls = set()
    for node in walk(fn):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in nested and captured[node.func.id]:
            node.keywords = node.keywords + [gast.keyword(arg=c, value=name(c))
                                             for c in captured[node.func.id]]
            calls.add(id(node.func))
    for node in walk(fn):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                and node.id in nested and captured[node.id] and id(node) not in calls \
                and node.id not in _own_names(fn):
            reads = ", ".join(captured[node.id])
            if node.id.startswith("lambda"):   # (a lifted inline lambda: the user named none)
                raise _refuse(node, env, f"`lambda` that reads the local variables {reads}, "
                              "used as a value", "write out what the function receiving it "
                              "does with it (for `functools.reduce(f, xs)`, a `for` loop over "
                              "`xs`), or define a function that takes "
                              f"{reads} as arguments and call it where it is needed")
            raise _refuse(node, env, f"nested function `{node.id}` used as a value",
                          f"call `{node.id}` directly: it reads the local variables "
                          f"{reads}, which a function receiving it "
                          "cannot see; or pass them as arguments")


def _compiled(fn: gast.FunctionDef, env: Environment, namespace: dict) -> FunctionType:
    """A real function object for a lifted tree (for calls that need no derivative)."""
    import ast
    module = gast.gast_to_ast(gast.Module(body=[copy.deepcopy(fn)], type_ignores=[]))
    ast.fix_missing_locations(module)
    exec(compile(module, env.filename, "exec"), namespace)
    return namespace[fn.name]
