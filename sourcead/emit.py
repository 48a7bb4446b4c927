"""Generated gast functions -> Python source text -> compiled functions.

In: the generated FunctionDefs, each with the Environment of the user function it came from.
Their module-level names are marked (``$zeros_like``, ``$np``, ``$f_grad``: see ``naming``).
Out: one self-contained source text (imports, the helpers' own source, the functions, with
``# adjoint of line N`` comments), compiled once into a ``bind.Template``, which binds it to
the values of the function it is called for (``bind.py``: the seam). The text is registered
in ``linecache`` under ``<sourcead: NAME HASH>`` so tracebacks, ``pdb`` and sourcead itself
(for higher derivatives) read generated code exactly like user code. The file name comes
from a hash of the text: the same input always gives the same name and bytes.

``ModuleNames`` spells every marked name once per build. A helper keeps its short name
(``zeros_like``) where that is free: no function of the module has a name of its own spelled
so (a parameter, a local, a global or builtin it reads that is something else), and no
environment involved binds it to anything else. Otherwise it becomes a variant
(``zeros_like_``), in the generated functions and in the helpers' pasted source alike; the
user's names are never changed. A builtin the code calls (``range``, ``len``, ``slice``) is
spelled plainly unless a user's name hides it, then with a variant the module imports
(``from builtins import len as len_``). NumPy and math are spelled with the user's own alias
where one is free, else with an alias the module imports.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import linecache
import math
import re
from functools import lru_cache
from types import FunctionType
from typing import Any

import astor
import gast
import numpy as np

from . import runtime
from .bind import Template, make_template, names_of
from .naming import BUILTINS, MATH, NUMPY, Namer, mark, marked_object, unmark
from .parse import MISSING, Environment
from .reverse import COMMENT, is_comment
from .rules.template import clone, name_nodes

_MARK = "__sourcead_comment_{}__"


def emit(functions: list[gast.FunctionDef], owners: dict[str, Environment], entry: str,
         reads: list, root, numpy_numbers: bool = False) -> Template:
    """The module text of the functions, its marked names spelled, compiled for ``root``."""
    names = ModuleNames(functions, owners)
    text = module_text([names.spelled(f) for f in functions], names)
    spelled_owners = {names.of(n): env for n, env in owners.items()}
    return compile_module(text, names.of(entry), spelled_owners, reads, root, names.helpers(),
                          numpy_numbers)


def to_source(functions: list[gast.FunctionDef]) -> str:
    """Source text of the functions, with comment markers turned into real comments."""
    comments: list[str] = []
    module = gast.Module(body=[_mark_comments(f, comments) for f in functions], type_ignores=[])
    text = astor.to_source(gast.gast_to_ast(module))
    # one pass over the text (a replace per comment rescanned it: quadratic in its length)
    text = _MARKED.sub(lambda m: comments[int(m.group(1))], text)
    return re.sub(r"\n{3,}", "\n\n\n", text)


_MARKED = re.compile(_MARK.format(r"(\d+)"))


def _mark_comments(fn: gast.FunctionDef, comments: list[str]) -> gast.FunctionDef:
    """Each comment statement (in place) -> a marker name; ``comments`` gets its text."""
    for field_name in fn._fields:
        block = getattr(fn, field_name, None)
        if not isinstance(block, list):
            continue
        for k, s in enumerate(block):
            if is_comment(s):
                comments.append("#" + s.value.value[len(COMMENT) - 1:])
                block[k] = gast.Expr(value=gast.Name(id=_MARK.format(len(comments) - 1),
                                                     ctx=gast.Load(), annotation=None,
                                                     type_comment=None))
            elif isinstance(s, gast.AST) and not isinstance(s, gast.expr):
                _mark_comments(s, comments)   # statements and handlers hold blocks
    return fn


def module_text(functions: list[gast.FunctionDef], names: "ModuleNames") -> str:
    """Imports, the helpers' source (spelled as the functions call them), the functions."""
    lines = names.import_lines()
    parts = ["\n".join(lines)] if lines else []
    parts += [helper_source(h, names.helper_renames()) for h in names.pasted]
    parts.append(to_source(functions))
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def compile_module(text: str, title: str, owners: dict[str, Environment], reads: list,
                   root, helpers: dict[str, Any], numpy_numbers: bool = False) -> Template:
    """Compile the text once; ``bind`` executes it per root, with each owner's values.
    ``helpers``: spelling -> sourcead's helper object (rules find helpers by identity)."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    filename = f"<sourcead: {title} {digest}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    code = compile(text, filename, "exec")
    return make_template(text, filename, code, title, owners, reads, root, helpers,
                         numpy_numbers)


# ---- which helpers a module needs ------------------------------------------------------------

def _runtime_function(name: str) -> FunctionType | None:
    """A function of sourcead's runtime by name: a helper, or one the helpers call."""
    found = runtime.HELPERS.get(name, getattr(runtime, name, None))
    return found if isinstance(found, FunctionType) and found.__module__.startswith(
        runtime.__name__ + ".") else None


def _place_in_runtime(name: str) -> tuple[int, int]:
    """Where a runtime function is written: its module's place in the runtime package (the
    families in the order ``runtime`` imports them), then its line."""
    function = _runtime_function(name)
    return _RUNTIME_MODULES.index(function.__module__), function.__code__.co_firstlineno


_RUNTIME_MODULES = list(dict.fromkeys(f.__module__ for f in vars(runtime).values()
                                      if isinstance(f, FunctionType)))


def helpers_needed(called: set[str]) -> list[str]:
    """The helpers the code calls, and the runtime functions those call (so saved code
    runs): in the order of ``runtime.HELPERS``, then of the runtime's source."""
    wanted = set(called)
    pending = sorted(wanted)
    while pending:
        for name in names_of(_runtime_function(pending.pop()).__code__):
            if name not in wanted and _runtime_function(name) is not None:
                wanted.add(name)
                pending.append(name)
    first = [h for h in runtime.HELPERS if h in wanted]
    rest = sorted(wanted - set(first), key=_place_in_runtime)
    return first + rest


@lru_cache(maxsize=None)
def _globals_read(name: str) -> frozenset[str]:
    """The global names a runtime function's source reads."""
    tree = ast.parse(inspect.getsource(_runtime_function(name)))
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))


def _local_names(code) -> set[str]:
    names = set(code.co_varnames) | set(code.co_cellvars) | set(code.co_freevars)
    for const in code.co_consts:
        if hasattr(const, "co_varnames"):
            names |= _local_names(const)
    return names


# ---- one spelling per build for every marked name ----------------------------------------------

class _Function:
    """What one generated function names: its own (stored) names, the names it reads, and
    the environment those are read from."""

    def __init__(self, fn: gast.FunctionDef, env: Environment):
        self.env = env
        nodes = name_nodes(fn)
        self.stored = {n.id for n in nodes if n.ctx.__class__ is not gast.Load}
        self.loaded = {n.id for n in nodes if n.ctx.__class__ is gast.Load} - self.stored
        self.marked = {n.id for n in nodes if unmark(n.id) is not None}


class ModuleNames:
    """The spelling of every marked name of one generated module.

    Each helper, generated function and imported alias gets one module-level name for the
    whole build: its own short name if that is free, else ``name_``, ``name_1``, ... (the
    Namer's variants). NumPy and math inside a function are spelled with an alias its
    environment binds to them (``np``, or the user's ``onp``) when no function of that
    environment uses the alias for anything else, else with the imported alias."""

    def __init__(self, functions: list[gast.FunctionDef], owners: dict[str, Environment]):
        self.owners = owners
        self.functions = [_Function(f, owners[f.name]) for f in functions]
        self.envs: list[Environment] = []
        for f in self.functions:
            if all(e is not f.env for e in self.envs):
                self.envs.append(f.env)
        marked = set().union(*[f.marked for f in self.functions]) | {f.name for f in functions}
        called = {unmark(m) for m in marked if unmark(m) in runtime.HELPERS}
        self.pasted = helpers_needed(called)
        self.helper_locals = set().union(*[_local_names(_runtime_function(h).__code__)
                                           for h in self.pasted])
        self.builtins = sorted({unmark(m) for m in marked if unmark(m) in BUILTINS} | {
            n for h in self.pasted for n in _globals_read(h) if n in BUILTINS})
        generated = [f.name for f in functions]
        unknown = marked - set(generated) - {mark(h) for h in self.pasted + self.builtins} - {
            NUMPY, MATH}
        if unknown:
            raise AssertionError(f"sourcead: generated code names {sorted(unknown)}, "
                                 "which the module does not define")
        self.reserved = {unmark(n) for n in generated} | set(self.pasted) | set(
            self.builtins) | {"np", "math"}
        self.namer = Namer(set())
        self.names = {n: self._choose(unmark(n), None) for n in generated}
        self.names.update({mark(h): self._choose(h, _runtime_function(h)) for h in self.pasted})
        self.names.update({mark(b): self._choose(b, BUILTINS[b]) for b in self.builtins})
        self.imported: dict[str, str] = {}   # module marker -> the alias the module imports
        self.aliases = {id(env): self._aliases(env) for env in self.envs}
        if self.pasted:  # the helpers' source names NumPy by the imported alias
            self._imported_alias(NUMPY)

    def _choose(self, base: str, value: Any) -> str:
        return self.namer.variant(base, lambda s: self._free(s, base, value))

    def _free(self, ident: str, base: str, value: Any) -> bool:
        """Whether ``ident`` can name ``value`` (None: a generated function) at module level."""
        if ident in self.helper_locals or (ident in self.reserved and ident != base):
            return False
        for f in self.functions:
            if ident in f.stored or (ident in f.loaded and (
                    value is None or f.env.lookup_quiet(ident) is not value)):
                return False
        return all(env.lookup_quiet(ident) is MISSING or (
            value is not None and env.lookup_quiet(ident) is value) for env in self.envs)

    def _aliases(self, env: Environment) -> dict[str, str]:
        """How the functions of ``env`` spell NumPy and math (only those they use)."""
        used = set().union(*[f.marked for f in self.functions if f.env is env])
        out = {}
        for marker, module, default in ((NUMPY, np, "np"), (MATH, math, "math")):
            if marker in used:
                out[marker] = self._user_alias(env, module, default) or self._imported_alias(
                    marker)
        return out

    def _user_alias(self, env: Environment, module, default: str) -> str | None:
        """A name ``env`` binds to ``module`` that no function of ``env`` keeps for itself."""
        found = sorted(k for k, v in env.globals.items() if v is module)
        found = ([default] if default in found else []) + [k for k in found if k != default]
        stored = set().union(*[f.stored for f in self.functions if f.env is env])
        return next((k for k in found if k not in stored and k.isidentifier()), None)

    def _imported_alias(self, marker: str) -> str:
        """The alias under which the module imports NumPy (``$np``) or math (``$math``)."""
        if marker not in self.imported:
            base = unmark(marker)
            self.imported[marker] = self._choose(base, marked_object(marker))
        return self.imported[marker]

    def of(self, ident: str) -> str:
        """The spelling of a marked module-level name (a plain name stays as it is)."""
        return self.names.get(ident, ident)

    def helpers(self) -> dict[str, Any]:
        """Each pasted helper's spelling -> the helper (what a binding's namespaces hold)."""
        return {self.names[mark(h)]: _runtime_function(h) for h in self.pasted}

    def helper_renames(self) -> tuple[tuple[str, str], ...]:
        """The names the helpers' source must spell differently (``np`` included)."""
        renames = {h: self.names[mark(h)] for h in self.pasted + self.builtins
                   if self.names[mark(h)] != h}
        if self.pasted and self.imported[NUMPY] != "np":
            renames["np"] = self.imported[NUMPY]
        return tuple(sorted(renames.items()))

    def import_lines(self) -> list[str]:
        """NumPy for the helpers' source; the aliases and builtins the functions need."""
        lines = sorted({_import_line(marker, alias) for marker, alias in self.imported.items()
                        if any(a.get(marker) == alias for a in self.aliases.values())} | {
            f"from builtins import {b} as {self.names[mark(b)]}" for b in self.builtins
            if self.names[mark(b)] != b})
        header = _import_line(NUMPY, self.imported[NUMPY]) if self.pasted else None
        return ([header] if header is not None and header not in lines else []) + lines

    def spelled(self, fn: gast.FunctionDef) -> gast.FunctionDef:
        """A copy of ``fn`` with every marked name spelled."""
        aliases = self.aliases[id(self.owners[fn.name])]
        fn = clone(fn)
        fn.name = self.of(fn.name)
        for n in name_nodes(fn):
            if unmark(n.id) is not None:
                n.id = aliases[n.id] if n.id in (NUMPY, MATH) else self.names[n.id]
        return fn


def _import_line(marker: str, alias: str) -> str:
    module = "numpy" if marker == NUMPY else "math"
    return f"import {module}" if alias == module else f"import {module} as {alias}"


# ---- the helpers' own source, spelled as the module calls them -------------------------------

@lru_cache(maxsize=None)
def helper_source(name: str, renames: tuple[tuple[str, str], ...] = ()) -> str:
    """The source of a runtime function, its own name and the names it reads of other runtime
    functions and of NumPy spelled as ``renames`` says (the text is otherwise unchanged)."""
    text = inspect.getsource(_runtime_function(name))
    table = dict(renames)
    if not table:
        return text
    lines = [line.encode() for line in text.splitlines(True)]
    spots = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Name) and node.id in table:
            spots.append((node.lineno - 1, node.col_offset, node.end_col_offset, table[node.id]))
        elif isinstance(node, ast.FunctionDef) and node.name in table:
            found = re.search(rb"def\s+(" + node.name.encode() + rb")\b", lines[node.lineno - 1])
            spots.append((node.lineno - 1, found.start(1), found.end(1), table[node.name]))
    for row, start, end, new in sorted(spots, reverse=True):
        old = lines[row][start:end].decode(errors="replace")
        if old in table and table[old] == new:
            lines[row] = lines[row][:start] + new.encode() + lines[row][end:]
        else:  # a position older Pythons give wrongly (inside an f-string): by the line's text
            lines[row] = re.sub(rb"(?<![\w.])(" + b"|".join(k.encode() for k in table) +
                                rb")(?!\w)", lambda m: table[m.group(1).decode()].encode(),
                                lines[row])
    return b"".join(lines).decode()
