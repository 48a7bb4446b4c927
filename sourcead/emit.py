"""Generated gast functions -> Python source text -> compiled functions.

In: the generated FunctionDefs, each with the Environment of the user function it came from,
the helpers they call and the imports they need.
Out: one self-contained source text (imports, the helpers' own source, the functions, with
``# adjoint of line N`` comments), compiled once into a ``bind.Template``, which binds it to
the values of the function it is called for (``bind.py``: the seam). The text is registered
in ``linecache`` under ``<sourcead: NAME HASH>`` so tracebacks, ``pdb`` and sourcead itself
(for higher derivatives) read generated code exactly like user code. The file name comes
from a hash of the text: the same input always gives the same name and bytes.
"""
from __future__ import annotations

import hashlib
import inspect
import linecache
import re

import astor
import gast

from .rules.template import walk

from . import runtime
from .bind import Template, make_template
from .parse import Environment
from .reverse import COMMENT, is_comment

_MARK = "__sourcead_comment_{}__"


def to_source(functions: list[gast.FunctionDef]) -> str:
    """Source text of the functions, with comment markers turned into real comments."""
    comments: list[str] = []
    module = gast.Module(body=[_mark_comments(f, comments) for f in functions], type_ignores=[])
    text = astor.to_source(gast.gast_to_ast(module))
    for k, c in enumerate(comments):
        text = text.replace(_MARK.format(k), c, 1)
    return re.sub(r"\n{3,}", "\n\n\n", text)


def _mark_comments(fn: gast.FunctionDef, comments: list[str]) -> gast.FunctionDef:
    class Marker(gast.NodeTransformer):
        def visit_Expr(self, node):
            if is_comment(node):
                comments.append("#" + node.value.value[len(COMMENT) - 1:])
                return gast.Expr(value=gast.Name(id=_MARK.format(len(comments) - 1),
                                                 ctx=gast.Load(), annotation=None,
                                                 type_comment=None))
            return node
    return Marker().visit(fn)


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


def compile_module(text: str, title: str, owners: dict[str, Environment], reads: list,
                   root, numpy_numbers: bool = False) -> Template:
    """Compile the text once; ``bind`` executes it per root, with each owner's values."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    filename = f"<sourcead: {title} {digest}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    code = compile(text, filename, "exec")
    helpers = {h: runtime.HELPERS[h] for h in runtime.HELPERS if f"def {h}(" in text}
    return make_template(text, filename, code, title, owners, reads, root, helpers,
                         numpy_numbers)
