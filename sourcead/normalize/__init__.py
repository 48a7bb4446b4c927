"""Desugar a parsed function into the core language that the transformations understand.

In: a gast FunctionDef from ``parse`` (any Python the user wrote) and its Environment.
Out: an equivalent FunctionDef in the core language, or a ``SourceADError`` that names the
user's file, line and construct. The core language guarantees:

* every statement is one of: ``name = <op>``, ``if [not] name:``, ``while name:``,
  ``for name in range(atoms):``, ``if flag: break`` as the last statement of a loop body,
  ``print(...)``, and one final ``return name``;
* ``<op>`` is one operation on atoms (names and constants, and attributes of modules such
  as ``np.pi``): a binary or unary operator, one comparison, a call, a subscript, an
  attribute, a tuple, or a plain atom;
* no augmented assignment, tuple targets, ternaries, ``and``/``or``, ``continue``, early
  ``return`` or ``break`` in the middle of a body: jumps become flags that guard the rest
  of the block (``if not broke: ...``), so every block runs straight through;
* ``y op= v`` is ``y = y op v`` (exact for a float; for an array, which NumPy changes in
  place, the alias analysis ``analyze.aliases`` refuses where another name would see it);
  a NumPy call that writes into an array (``out=a``, ``a.fill(v)``, ``np.copyto(a, v)``,
  ``a.sort()``) is the write ``a[...] = ...``;
* a ``for`` over anything but ``range`` iterates over indices (``for i in range(len(xs))``);
* a ``while`` test is a name recomputed at the end of the body;
* variables assigned only in straight-line top-level code get one name per value
  (``x``, ``x_1``, ...), so the reverse sweep can read old values without a tape;
* every statement keeps the line number of the user's statement it came from.

Each pass lives in its own module, run in the order ``normalize`` shows. The refusals that
need the analysis' kinds (``refuse_dict_iteration``, and the alias analysis in
``analyze.aliases``) are run by the pipeline; ``in_place`` and ``is_write`` (in ``writes``)
tell the transformations how a write into an array looks.
"""
from __future__ import annotations

import builtins

import gast

from ..naming import Namer
from ..parse import Parsed
from ..rules.template import clone, names_in
from .checks import check_writes, refuse_dict_iteration
from .common import marked_references
from .comprehensions import desugar_comprehensions, expand_lists
from .desugar import check_stacks, desugar_block
from .dicts import dict_loops_over_keys
from .starred import expand_starred_calls
from .tries import probed_tries, without_tries
from .fence import fence, without_frees
from .flatten import Flattener, local_names
from .jumps import JumpEliminator
from .partials import inline_local_partials
from .rename import rename_straight_line, replace_tuples
from .strings import format_strings
from .writes import in_place, is_write

__all__ = ["normalize", "refuse_dict_iteration", "with_kinds", "in_place", "is_write"]


def with_kinds(parsed: Parsed, kinds) -> Parsed:
    """The rewrites that need the arguments' kinds (a dict's loop, a starred call's length)."""
    return dict_loops_over_keys(expand_starred_calls(probed_tries(parsed), kinds), kinds)


def normalize(parsed: Parsed) -> gast.FunctionDef:
    """The whole stage: fence, desugar, jumps to flags, ANF, SSA names."""
    fn, env = clone(parsed.tree), parsed.env   # (clone: several times faster than deepcopy)
    fn = without_tries(without_frees(fn, env), env)
    fn = format_strings(fn)
    fence(fn, env)
    fn = marked_references(fn, env)
    # temporaries never take a global's or a builtin's name (`max = x.max()` would shadow)
    namer = Namer(names_in(fn) | set(env.globals) | set(env.closure) | set(vars(builtins)))
    fn = inline_local_partials(fn, env, namer)
    body = desugar_block(desugar_comprehensions(fn, env, namer), env, namer)
    body = check_writes(fn, body, env) + body
    check_stacks(body, env, {a.id for a in fn.args.args})
    body = JumpEliminator(namer, env).function_body(body)
    body = Flattener(namer, env, local_names(fn, body)).block(body)
    body = rename_straight_line(fn, body, namer)
    fn.body = expand_lists(replace_tuples(body, frozenset(a.id for a in fn.args.args)))
    return fn
