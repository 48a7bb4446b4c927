"""Generated gast functions -> Python source text -> compiled functions.

In: the generated FunctionDefs, each with the Environment of the user function it came from,
the helpers they call and the imports they need.
Out: one self-contained source text (imports, the helpers' own source, the functions, with
``# adjoint of line N`` comments) and the compiled function objects. The text is registered
in ``linecache`` under ``<sourcead: NAME HASH>`` so tracebacks, ``pdb`` and sourcead itself
(for higher derivatives) read generated code exactly like user code. The file name comes
from a hash of the text: the same input always gives the same name and bytes.
"""
from __future__ import annotations

import hashlib
import inspect
import linecache
import re
from dataclasses import dataclass
from types import FunctionType

import astor
import gast

from .rules.template import walk

from . import runtime
from .parse import Environment
from .reverse import COMMENT, is_comment

_MARK = "__sourcead_comment_{}__"
REFRESH = "__sourcead_refresh__"   # in a generated namespace: brings its copied globals up to date


@dataclass(frozen=True)
class Emitted:
    source: str
    filename: str
    functions: dict[str, FunctionType]
    # (namespace, live globals, names): module-level values the code reads, copied afresh
    # before each call so that a rebound global is seen, as the user's own function sees it
    data_globals: tuple = ()

    def refresh(self) -> None:
        for namespace, live, names in self.data_globals:
            upstream = live.get(REFRESH)  # code generated from generated code: its source first
            if upstream is not None:
                upstream()
            for name in names:
                if name in live:
                    namespace[name] = live[name]


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


def helpers_used(functions: list[gast.FunctionDef]) -> list[str]:
    """The helpers the code calls, and the helpers those call (so saved code runs)."""
    wanted = {n.func.id for f in functions for n in walk(f)
              if isinstance(n, gast.Call) and isinstance(n.func, gast.Name)} & set(runtime.HELPERS)
    pending = list(wanted)
    while pending:
        for name in runtime.HELPERS[pending.pop()].__code__.co_names:
            if name in runtime.HELPERS and name not in wanted:
                wanted.add(name)
                pending.append(name)
    return [h for h in runtime.HELPERS if h in wanted]


def module_text(functions: list[gast.FunctionDef], import_lines: list[str]) -> str:
    helpers = helpers_used(functions)
    header = ["import numpy as np"] if helpers and "import numpy as np" not in import_lines else []
    parts = ["\n".join(header + import_lines)] if header or import_lines else []
    parts += [inspect.getsource(runtime.HELPERS[h]) for h in helpers]
    parts.append(to_source(functions))
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


def compile_module(text: str, title: str, owners: dict[str, Environment]) -> Emitted:
    """Compile the text once per user environment so each function sees its own globals."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    filename = f"<sourcead: {title} {digest}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    code = compile(text, filename, "exec")
    functions: dict[str, FunctionType] = {}
    namespaces = []
    for env in _distinct(owners.values()):
        namespace = {**env.globals, **env.closure, "__name__": f"sourcead.generated"}
        exec(code, namespace)
        namespaces.append(namespace)
        functions.update({n: namespace[n] for n, e in owners.items() if e is env})
    helpers = {h: runtime.HELPERS[h] for h in runtime.HELPERS if f"def {h}(" in text}
    for namespace in namespaces:  # every generated function can call every other one, and
        namespace.update(functions)  # helpers are sourcead's own objects, found by the rules
        namespace.update(helpers)
    read = set(code.co_names) | {n for c in code.co_consts if hasattr(c, "co_names")
                                 for n in _names_of(c)}
    data = tuple((ns, env.globals, tuple(sorted(n for n in read if n in env.globals
                                                and _is_data(env.globals[n]))))
                 for ns, env in zip(namespaces, _distinct(owners.values())))
    emitted = Emitted(text, filename, functions, tuple(d for d in data if d[2]))
    for namespace in namespaces:
        namespace[REFRESH] = emitted.refresh
    return emitted


def _names_of(code) -> set[str]:
    """Global names a code object and the functions nested in it read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_of(const)
    return names


def _is_data(value) -> bool:
    """A value a module may rebind (a number, an array), not a module, function or class."""
    import types
    return not isinstance(value, (types.ModuleType, type)) and not callable(value)


def _distinct(envs):
    seen = []
    for e in envs:
        if all(e is not s for s in seen):
            seen.append(e)
    return seen
