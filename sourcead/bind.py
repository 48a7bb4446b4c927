"""Binding a generated derivative to the values it runs with: the one seam between the code
sourcead generates and the live objects of the user's program.

In: the compiled module of a build, the owners of its functions (the callables whose
environments they came from) and the ``Read`` records of the build (every free value the
build looked at: closure cells, module globals, defaults, a bound method's object, a
partial's arguments, attributes of those).
Out: a ``Template``, which holds no value of the user's (only code objects, kinds, modules,
classes and library functions) and can be cached by code and kinds; and, per callable the
derivative is asked for (the *root*), a ``Binding``: the module executed in namespaces of
its own, and ``refresh``, run before each call. ``refresh`` finds every free value again by
its *path* from the root (``root.__closure__[0]``, ``root.__globals__['loss']``,
``root.__self__.w`` ...), stores the ones generated code reads into its namespaces, and
checks what the build depended on: the kind of each value, the code of each function, each
constant written into the generated code. It returns False when one of them changed; the
caller then finds or builds the derivative for today's values. So a derivative never runs
with a value frozen when it was built, and the cache never keeps a user's value alive.
"""
from __future__ import annotations

import builtins
import functools
import math
import inspect
from dataclasses import dataclass, field
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType, ModuleType
from typing import Any, Callable

import numpy as np

from .analyze import kind_of_value
from .parse import LIFTED, MISSING, Read, callee_parts, is_code, signature_of

REFRESH = "__sourcead_refresh__"   # in a generated namespace: its binding's refresh
Path = tuple  # steps from the root: ("cell", name), ("global", name), ("attr", name), ...


# ---- the anatomy of a callable: where it keeps what --------------------------------------

@dataclass(frozen=True)
class Anatomy:
    """Expressions (in terms of ``X``, the callable) for its plain function and for the
    parameters it fixes or gives defaults to; and a key that is equal for callables with
    the same code and the same shape (a guard compares it)."""
    function: str
    func: FunctionType
    fixed: dict = field(default_factory=dict)      # param -> expression
    defaults: dict = field(default_factory=dict)   # param -> expression
    key: tuple = ()


def anatomy(obj: Any, expr: str = "X") -> Anatomy | None:
    """How to reach the parts of ``obj`` (mirrors ``parse.callee_parts``)."""
    if isinstance(obj, FunctionType):
        return Anatomy(expr, obj, {}, _function_defaults(obj, expr), ("function", obj.__code__))
    if isinstance(obj, MethodType):
        inner = anatomy(obj.__func__, f"{expr}.__func__")
        free = _free_positional(inner)
        if inner is None or not free:
            return None
        return Anatomy(inner.function, inner.func, {**inner.fixed, free[0]: f"{expr}.__self__"},
                       inner.defaults, ("method", inner.key))
    if isinstance(obj, functools.partial):
        inner = anatomy(obj.func, f"{expr}.func")
        if inner is None:
            return None
        free = _free_positional(inner)
        fixed = {**inner.fixed, **{p: f"{expr}.args[{k}]" for k, p in
                                   enumerate(free[:len(obj.args)])}}
        defaults = {**inner.defaults, **{k: f"{expr}.keywords[{k!r}]" for k in obj.keywords}}
        return Anatomy(inner.function, inner.func, fixed, defaults,
                       ("partial", inner.key, len(obj.args), tuple(sorted(obj.keywords))))
    call = getattr(type(obj), "__call__", None)
    if isinstance(call, FunctionType) and not isinstance(obj, type):
        inner = anatomy(call, f"type({expr}).__call__")
        free = _free_positional(inner)
        return Anatomy(inner.function, inner.func, {free[0]: expr}, inner.defaults,
                       ("object", type(obj))) if free else None
    return None


def _free_positional(a: Anatomy | None) -> list[str]:
    if a is None:
        return []
    return [p.name for p in signature_of(a.func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in a.fixed]


def _function_defaults(fn: FunctionType, expr: str) -> dict:
    positional = [p.name for p in signature_of(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    count = len(fn.__defaults__ or ())
    out = {p: f"{expr}.__defaults__[{k}]" for k, p in enumerate(positional[len(positional)
                                                                              - count:])}
    out.update({p: f"{expr}.__kwdefaults__[{p!r}]" for p in (fn.__kwdefaults__ or {})})
    return out


def structure(obj: Any) -> tuple | None:
    """The key of ``obj``'s anatomy (None for a callable sourcead does not read)."""
    found = anatomy(obj)
    return None if found is None else found.key


# ---- what a value's check is ----------------------------------------------------------------

_LIBRARIES = ("numpy", "math", "scipy", "builtins", "sourcead", "functools", "operator")


def _library(value: Any) -> bool:
    """A module, or an object of NumPy, math, the builtins or sourcead: never rebound by
    the programs sourcead differentiates, and not worth a check on every call."""
    if isinstance(value, ModuleType):
        return True
    if not callable(value):  # data (arrays, numbers) is never a library's object
        return False
    module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
    return isinstance(module, str) and module.split(".")[0] in _LIBRARIES


def check_of(read: Read) -> tuple[str, Any]:
    """("equal", v) | ("code", structure) | ("same", obj) | ("kind", kind) | ("none", None)."""
    value = read.value
    if read.check == "equal":
        return "equal", value
    if isinstance(value, ModuleType):
        return "none", None
    if read.attrs and _library(value) and read.check != "object" \
            and all(isinstance(a, str) for a in read.attrs):
        return "none", None   # (an attribute of a module; not an entry of a user's dict)
    if callable(value) and not isinstance(value, type) and is_code(value) \
            and not _library(value):
        return "code", structure(value)
    if isinstance(value, type) or callable(value) or _library(value):
        return "same", value
    return "kind", kind_of_value(value)


# ---- templates -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lifted:
    """A nested function sourcead lifted out, to be made again in each binding's namespace."""
    code: CodeType
    name: str
    defaults: tuple | None
    kwdefaults: dict | None
    tree: Any


@dataclass(frozen=True)
class Template:
    """A compiled derivative that holds no user value; bound to a root by ``bind``."""
    source: str
    filename: str
    code: CodeType
    entry: str
    entry_namespace: int
    statics: tuple           # per namespace: {name: value} for modules, classes, library objects
    lifted: tuple            # per namespace: {name: Lifted}
    generated: tuple         # names of the generated functions (every namespace gets them)
    helpers: dict            # spelling in this module -> sourcead's helper (emit.ModuleNames)
    refresher: CodeType | None   # makes ``refresh(root)`` for a binding's namespaces
    constants: tuple         # what ``refresh`` compares with
    checks: int = 0          # how many checks refresh makes (0: nothing can go stale)
    refresh_text: str = ""   # the source of ``refresh``, for reading
    numpy_numbers: bool = False   # math's functions are NumPy's (NUMPY_MATH) in this code
    # (file, line): the entry also returns the value, to be checked when it runs (a
    # gradient of a function whose kinds do not show that it returns a number)
    value_checked: tuple | None = None
    # the shape of a size-1 array output, which the gradient is seeded with (not 1.0)
    seed_shape: tuple | None = None

    def bind(self, root: Any) -> "Binding | None":
        """The derivative running with ``root``'s values, or None if they do not fit."""
        return Binding.make(self, root)


class Binding:
    """A template executed for one root; ``refresh()`` before each call."""
    __slots__ = ("template", "root", "namespaces", "entry", "_refresh")

    @classmethod
    def make(cls, template: Template, root: Any) -> "Binding | None":
        self = cls()
        self.template, self.root = template, root
        self.namespaces = [dict(s) for s in template.statics]
        self._refresh = None
        if template.refresher is not None:
            factory: dict = {}
            exec(template.refresher, {"MISSING": MISSING, "FunctionType": FunctionType,
                                      "NDARRAY": np.ndarray,
                                      "builtins": builtins, "structure": structure,
                                      "kind_of_value": kind_of_value, "REFRESH": REFRESH},
                 factory)
            self._refresh = factory["make"](self.namespaces, template.constants)
            if not self.refresh():
                return None
        self._execute()
        return self

    def refresh(self) -> bool:
        """Read every free value again; False when the derivative no longer fits them."""
        if self._refresh is None:
            return True
        try:
            return self._refresh(self.root)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            return False  # a cell emptied, a default removed: build again, which will say why

    def _execute(self) -> None:
        t = self.template
        for ns, lifted in zip(self.namespaces, t.lifted):
            ns["__name__"] = "sourcead.generated"
            exec(t.code, ns)
            if t.numpy_numbers:  # (the user's ``math`` or the one the module imports)
                ns.update({n: NUMPY_MATH for n, v in list(ns.items()) if v is math})
            for ident, made in lifted.items():
                fn = FunctionType(made.code, ns, made.name, made.defaults)
                fn.__kwdefaults__ = made.kwdefaults
                setattr(fn, LIFTED, (made.tree, None))
                ns[ident] = fn
        functions = {n: ns[n] for ns, owned in zip(self.namespaces, _owned(t))
                     for n in owned}
        for ns in self.namespaces:  # every generated function can call every other one, and
            ns.update(functions)    # helpers are sourcead's own objects, found by the rules
            ns.update(t.helpers)
            ns[REFRESH] = self.refresh
        self.entry = functions[t.entry]


def _owned(t: Template) -> list[tuple[str, ...]]:
    return [names for names in t.generated]


# ---- math with NumPy's semantics ------------------------------------------------------------

def _numpy_math() -> ModuleType:
    """``math`` whose functions are NumPy's where NumPy has them (others are math's own)."""
    module = ModuleType("math", "math with NumPy's semantics: inf and nan, never an error")
    module.__dict__.update({k: v for k, v in vars(math).items() if not k.startswith("_")})
    renamed = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
               "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "pow": "power"}
    for name in ("sqrt", "exp", "exp2", "expm1", "log1p", "log2", "log10", "sin", "cos", "tan",
                 "sinh", "cosh", "tanh", "fabs", "hypot", "floor", "ceil", "trunc", "copysign",
                 "fmod", "degrees", "radians", *renamed):
        if hasattr(np, renamed.get(name, name)):
            setattr(module, name, getattr(np, renamed.get(name, name)))
    module.log = lambda x, base=None: np.log(x) if base is None else np.log(x) / np.log(base)
    return module


NUMPY_MATH = _numpy_math()


# ---- building a template from a build's records ------------------------------------------

def make_template(source: str, filename: str, code: CodeType, entry: str,
                  owners: dict[str, Any], reads: list[Read], root: Any,
                  helpers: dict, numpy_numbers: bool = False) -> Template:
    """``owners``: generated function name -> the Environment it came from.
    ``numpy_numbers``: the code runs with NumPy's semantics for numbers, ``math`` included
    (its functions are NumPy's: inf and nan with a warning where ``math`` raises)."""
    envs: list = []   # one namespace per environment (a callee specialized on a function
    for env in owners.values():  # it is given has an environment of its own)
        if all(e is not env for e in envs):
            envs.append(env)
    writer = _RefreshWriter(root, reads)
    by_function = {c.co_name: c for c in code.co_consts if isinstance(c, CodeType)}
    statics, lifted = [], []
    for k, env in enumerate(envs):
        static, made = {}, {}
        read_names = set().union(*[names_of(by_function[n]) for n, e in owners.items()
                                   if e is env and n in by_function])
        _fill_namespace(k, env, read_names, static, made, writer)
        static["__file__"] = env.filename   # (where a refusal at run time points)
        statics.append(static)
        lifted.append(made)
    for read in reads:
        writer.check(read)
    generated = tuple(tuple(n for n, e in owners.items() if e is env) for env in envs)
    entry_ns = next(k for k, names in enumerate(generated) if entry in names)
    refresher, constants = writer.compile()
    return Template(source, filename, code, entry, entry_ns, tuple(statics), tuple(lifted),
                    generated, helpers, refresher, constants, writer.count, writer.text,
                    numpy_numbers)


def _fill_namespace(k: int, env, read_names: set, static: dict, made: dict,
                    writer: "_RefreshWriter") -> None:
    """The names generated code reads that ``env`` provides: modules, classes and library
    functions now (checked on each call where a user's name holds them), sourcead's lifted
    functions made again per binding (with the names they read), and every other value
    read by ``refresh`` into namespace ``k`` on every call."""
    pending, done = sorted(read_names), set()
    while pending:
        ident = pending.pop()
        if ident in done:
            continue
        done.add(ident)
        value = env.lookup_quiet(ident)
        if value is MISSING or ident in static or ident in made:
            continue
        slot = env.slot(ident)
        if slot[0] == "builtin":
            continue
        lifted = getattr(value, LIFTED, None) if isinstance(value, FunctionType) else None
        if slot[0] == "made" and lifted is not None:
            made[ident] = Lifted(value.__code__, value.__name__, value.__defaults__,
                                 value.__kwdefaults__, lifted[0])
            pending += sorted(names_of(value.__code__) - done)
            continue
        read = Read(env, *env.where(ident), value)
        slot = read.slot
        kind, _ = check_of(read)
        if slot[0] == "made" or kind in ("none", "same"):
            static[ident] = value
            writer.check(read)
            continue
        writer.store(k, ident, read)


def names_of(code: CodeType) -> set[str]:
    """Global names a code object and the functions nested in it read (a comprehension is a
    code object of its own before Python 3.12)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= names_of(const)
    return names


class _RefreshWriter:
    """Writes the source of ``refresh(root)``: a line per step of each path from the root
    (each read once), a check per value the build depended on, a store per value generated
    code reads."""

    def __init__(self, root: Any, reads: list[Read]):
        self.paths = _owner_paths(reads, root)          # id(callable) -> its path
        self.objects = dict((p, o) for o, p in _objects(reads, root, self.paths))
        self.lines: list[str] = []
        self.constants: list = []
        self.variables: dict[Path, str] = {(): "root"}
        self.exprs: dict[str, str] = {}                 # expression -> variable holding it
        self.checked: set = set()
        self.absent: dict[str, list[str]] = {}          # globals variable -> builtins used
        self.upstreamed: set[str] = set()
        self.count = 0
        self.text = ""
        self._upstream("root", root)

    def _const(self, value: Any) -> str:
        for k, c in enumerate(self.constants):
            if c is value:
                return f"K[{k}]"
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def _var(self, expr: str) -> str:
        """A variable holding ``expr``, read once."""
        if expr not in self.exprs:
            self.exprs[expr] = f"v{len(self.exprs)}"
            self.lines.append(f"{self.exprs[expr]} = {expr}")
        return self.exprs[expr]

    def _upstream(self, variable: str, owner: Any) -> None:
        """Code sourcead generated, differentiated again: its own binding refreshes first
        (and when it no longer fits, neither does this one)."""
        func = getattr(owner, "__func__", owner)
        if isinstance(func, FunctionType) and REFRESH in func.__globals__:
            self.lines.append(f"if not {variable}.__globals__[REFRESH](): return False")
            self.count += 1

    def _owner(self, owner: Any) -> tuple[str, Anatomy] | None:
        """The variable holding ``owner`` (found by its path), and its anatomy there."""
        path = self.paths.get(id(owner))
        variable = self._const(owner) if path is None else self._at(path)
        if variable is None:  # (no path: the object itself, kept by the cache; rare)
            return None
        if path is None and variable not in self.upstreamed:
            # (generated code of a derivative called inside: its values are read again
            # before these are read from its namespace)
            self.upstreamed.add(variable)
            self._upstream(variable, owner)
        found = anatomy(owner, variable)
        return None if found is None else (variable, found)

    def _at(self, path: Path) -> str | None:
        """The variable holding the callable at ``path``, its structure checked."""
        if path in self.variables:
            return self.variables[path]
        steps = list(path)
        attrs = []
        while steps and steps[-1][0] in ("attr", "item"):
            step = steps.pop()
            attrs.insert(0, step[1] if step[0] == "attr" else step)
        slot, parent = steps[-1], tuple(steps[:-1])
        owner = self.objects.get(parent)
        found = self._owner(owner) if owner is not None else None
        expr = self._slot_expr(found[1], slot) if found is not None else None
        if expr is None:
            return None
        variable = self._var(expr + _steps_text(attrs))
        target = self.objects.get(path)
        if target is not None and structure(target) is not None:
            self._check_line(variable, "code", structure(target))
            self._upstream(variable, target)
        self.variables[path] = variable
        return variable

    def _globals(self, a: Anatomy) -> str:
        return self._var(f"{a.function}.__globals__")

    def _slot_expr(self, a: Anatomy, slot: tuple) -> str | None:
        """An expression for the slot ``slot`` of the callable described by ``a``."""
        what, ident = slot
        if what == "cell":
            freevars = a.func.__code__.co_freevars
            if ident not in freevars:
                return None
            return f"{self._var(a.function + '.__closure__')}[{freevars.index(ident)}]" \
                   ".cell_contents"
        if what == "global":
            return f"{self._globals(a)}.get({ident!r}, MISSING)"
        if what == "fixed":
            return a.fixed.get(ident)
        if what == "default":
            return a.defaults.get(ident)
        return None

    def _expr(self, read: Read) -> str | None:
        if read.slot[0] == "given":
            path = self.paths.get(id(read.value))
            return self._at(path) if path is not None else None
        found = self._owner(read.env.owner)
        if found is None:
            return None
        if read.slot[0] == "builtin":  # a builtin stays one while no global hides it
            self.absent.setdefault(self._globals(found[1]), []).append(read.slot[1])
            return None
        expr = self._slot_expr(found[1], read.slot)
        return None if expr is None else expr + _steps_text(read.attrs)

    def check(self, read: Read) -> str | None:
        """Check the value of ``read`` on every call; the variable holding it (or None)."""
        kind, expected = check_of(read)
        if kind == "none" and read.slot[0] != "builtin":
            return None
        expr = self._expr(read)
        if expr is None:
            return None
        variable = self._var(expr)
        self._check_line(variable, kind, expected)
        return variable

    def _check_line(self, variable: str, kind: str, expected: Any) -> None:
        if (variable, kind) in self.checked:
            return
        self.checked.add((variable, kind))
        self.lines.append(f"if {self._test(variable, kind, expected)}: return False")
        self.count += 1

    def _test(self, v: str, kind: str, expected: Any) -> str:
        """A condition that is true when the value no longer fits."""
        if kind == "equal":
            return (f"type({v}) is not {self._const(type(expected))} or "
                    f"{v} != {self._const(expected)}")
        if kind == "same" and isinstance(expected, MethodType):
            # a bound method is made afresh at each attribute read (scipy.stats.norm.logpdf):
            # the same method of the same object compares equal
            return f"{v} != {self._const(expected)}"
        if kind == "same":
            return f"{v} is not {self._const(expected)}"
        if kind == "code":
            if expected[0] == "function":
                return (f"type({v}) is not FunctionType or "
                        f"{v}.__code__ is not {self._const(expected[1])}")
            return f"structure({v}) != {self._const(expected)}"
        if expected.tag == "array" and expected.dims is not None and "?" not in expected.dims \
                and expected.structure is None and expected.cls is None:
            fits = f"type({v}) is NDARRAY and {v}.ndim == {len(expected.dims)}" + "".join(
                f" and {v}.shape[{k}] {'!=' if c == 'n' else '=='} 1"
                for k, c in enumerate(expected.dims))
            return f"not ({fits}) and kind_of_value({v}) != {self._const(expected)}"
        fast = _FAST_TYPES.get((expected.tag, expected.dims))
        if fast is not None and expected.structure is None and expected.cls is None:
            return (f"type({v}) is not {self._const(fast)} and "
                    f"kind_of_value({v}) != {self._const(expected)}")
        return f"kind_of_value({v}) != {self._const(expected)}"

    def store(self, namespace: int, ident: str, read: Read) -> None:
        """Put the value of ``read`` into namespace ``namespace`` as ``ident``, each call."""
        variable = self.check(read)
        if variable is None:
            expr = self._expr(read)
            if expr is None:
                return
            variable = self._var(expr)
        self.lines.append(f"NS[{namespace}][{ident!r}] = {variable}")
        self.count += 1

    def compile(self) -> tuple[CodeType | None, tuple]:
        for variable, names in self.absent.items():
            test = " or ".join(f"{n!r} in {variable}" for n in sorted(set(names)))
            self.lines.append(f"if {test}: return False")
            self.count += 1
        if not self.count:
            return None, ()
        body = "\n".join("        " + line for line in self.lines + ["return True"])
        text = f"def make(NS, K):\n    def refresh(root):\n{body}\n    return refresh\n"
        self.text = text
        return compile(text, "<sourcead: refresh>", "exec"), tuple(self.constants)


# a value of these kinds is still of that kind when its type is the same
_FAST_TYPES = {("scalar", None): float, ("int", None): int, ("int", "b"): bool,
               ("none", None): type(None)}


def _path_step(step) -> tuple:
    """A step of a ``Read`` (an attribute name, or ``("item", key)``) as a step of a path."""
    return ("attr", step) if isinstance(step, str) else step


def _steps_text(steps) -> str:
    """``.act`` for an attribute, ``['relu']`` for an entry of a dict, list or tuple."""
    return "".join(f".{a}" if isinstance(a, str) else f"[{a[1]!r}]" for a in steps)


def _owner_paths(reads: list[Read], root: Any) -> dict[int, Path]:
    """The path from the root to every callable whose environment the build read from:
    a callable's path is where its caller's environment gave it."""
    paths: dict[int, Path] = {id(root): ()}
    pending = list(reads)
    changed = True
    while changed and pending:
        changed, rest = False, []
        for read in pending:
            base = paths.get(id(read.env.owner))
            if base is None:
                rest.append(read)
                continue
            if read.slot[0] in ("cell", "global", "fixed", "default") and callable(read.value) \
                    and id(read.value) not in paths and structure(read.value) is not None:
                paths[id(read.value)] = base + (read.slot,) + tuple(_path_step(a) for a in
                                                                    read.attrs)
                changed = True
        pending = rest
    return paths


def _objects(reads: list[Read], root: Any, paths: dict[int, Path]):
    """(callable, path) for every callable with a path."""
    seen = {id(root): root}
    for read in reads:
        seen.setdefault(id(read.value), read.value)
        seen.setdefault(id(read.env.owner), read.env.owner)
    return [(seen[i], p) for i, p in paths.items() if i in seen]
