"""The pipeline: one function, ``derive``, that reads as the stages it runs.

In: a function (or any callable sourcead reads), the positions to differentiate, the kinds
of its arguments (scalar / array with its shape signature / integer / class), the mode and
the shape of the call.
Out: a ``bind.Template``: the generated module compiled once, with everything needed to bind
it to the values it runs with. parse -> normalize -> analyze -> reverse | forward ->
optimize -> emit, and every free value the stages looked at recorded on the way, so the
derivative can read them again when it runs instead of keeping them.
"""
from __future__ import annotations

import dataclasses
import functools
import linecache
from dataclasses import dataclass, field
from typing import Any, Callable

import gast

from . import depth
from .analyze import (NONE, UNKNOWN, Kind, UserCall, analyze_activity, anchors_of,
                      anchors_union, join, refuse_dropped_derivatives, stack_parameters)
from .bind import Template
from .callees import resolve_callees
from .records import inline_records
from .conversions import container_writes_as_values, containers_as_arrays
from .emit import emit
from .errors import NoDerivativeError, SourceADError, UsageError
from . import runtime
from .naming import BUILTINS, MATH, NUMPY, Namer, Spelling, mark
from .analyze.aliases import (Effects, check_aliasing, conservative_effects,
                              refuse_unread_writes)
from .normalize import normalize, refuse_dict_iteration, with_kinds
from .optimize import optimize
from .arguments import example_value
from .parse import (Environment, Parsed, Shape, bind_methods, build_memo, callable_name,
                    differentiated_again, parse_function, recording, signature_of)
from .forward import Forward, jvp_function
from .reverse import Reverse, grad_function, split_functions
from .rules.template import name_nodes, names_in

Kinds = tuple[Kind, ...]


@dataclass
class Session:
    """Everything generated for one top-level request: the functions and who they belong to."""
    functions: list[gast.FunctionDef] = field(default_factory=list)
    owners: dict[str, Environment] = field(default_factory=dict)
    # (forward, adjoint, positions whose adjoint is a stack shared by reference); jvp: (name, "")
    callees: dict[tuple, tuple] = field(default_factory=dict)
    spelling: Spelling = field(default_factory=Spelling)
    taken: set[str] = field(default_factory=set)
    temporaries: set[str] = field(default_factory=set)   # adjoint names, for copy propagation
    inlinable: set[str] = field(default_factory=set)     # adjoints of values sourcead named
    broadcasts: dict = field(default_factory=dict)  # per function, shapes as np.broadcast(a, b)
    kinds: dict = field(default_factory=dict)  # per reverse function, the kind of each name
    own: dict = field(default_factory=dict)  # per function, the values normalize named
    arrays: dict = field(default_factory=dict)  # per reverse function, those that are arrays
    vector: bool = False   # forward mode with a leading axis of directions on every tangent
    numpy_numbers: bool = False   # numbers spelled with NumPy's functions, never math's

    def unique(self, base: str, env: Environment) -> str:
        """A generated function's name, marked (``$f_grad``): emit spells it where free.

        Never the name of one of sourcead's helpers or a builtin: their marks are the same
        (``$prod_others_jvp`` would be read as the helper a user's ``prod_others`` names)."""
        namer = Namer(self.taken | set(env.globals) | set(env.closure) | set(runtime.HELPERS)
                      | set(BUILTINS))
        ident = namer.fresh(base)
        self.taken.add(ident)
        return mark(ident)

    def add(self, fn: gast.FunctionDef, env: Environment, core: gast.FunctionDef,
            user: gast.FunctionDef) -> None:
        """``core``: the normalized function ``fn`` derives from; ``user``: the parsed one."""
        self.functions.append(fn)
        self.owners[fn.name] = env
        self.own[fn.name] = {n.id for n in name_nodes(core)
                             if isinstance(n.ctx, gast.Store)} - names_in(user)

    def add_reverse(self, fn: gast.FunctionDef, env: Environment, rev: Reverse,
                    user: gast.FunctionDef) -> None:
        """A function with an adjoint sweep: its own arrays may be freed at their last use
        (a value of unknown kind counts as one where a parameter is an array)."""
        self.add(fn, env, rev.fn, user)
        tags = {"array", "unknown"} if any(rev.activity.kind(a.id).tag == "array"
                                           for a in rev.fn.args.args) else {"array"}
        self.arrays[fn.name] = {v for v in self.own[fn.name] if rev.activity.kind(v).tag in tags}


def _parse(fn: Callable, shape: Shape, kinds) -> Parsed:
    """``fn`` parsed for a call of this shape, with arguments of these kinds (an object's
    methods are resolved from its class)."""
    if differentiated_again(fn):   # grad(inner) called inside: the code it generated
        _refuse_unknown_trees(fn, kinds)
        fn = fn.generated(*[example_value(k) for k in kinds])
    return with_kinds(bind_methods(inline_records(resolve_callees(parse_function(fn, shape))),
                                   kinds), kinds)


def _refuse_unknown_trees(derivative: Callable, kinds: Kinds) -> None:
    """The code a derivative generated is specialized on its arguments' structure: a list,
    tuple or dict whose keys and lengths are not known where it is called cannot pick it."""
    if not any(k.tag == "other" and k.structure is None for k in kinds):
        return
    function = derivative.__sourcead__["function"]
    code = getattr(getattr(function, "__func__", function), "__code__", None)
    raise NoDerivativeError(
        f"cannot differentiate {derivative.__name__}(...) called with a list, tuple or dict "
        "whose keys or length are not known where it is called",
        filename=code.co_filename if code else None,
        lineno=code.co_firstlineno if code else None,
        construct=f"{derivative.__name__}(...) inside a differentiated function",
        hint="pass the parameters down as they come (an argument of the function being "
             "differentiated, or a module-level value), or build the dict, list or tuple in "
             "the function that calls the derivative, with constant keys")


def derive(fn: Callable, wrt: tuple[int, ...], kinds: Kinds, *, mode: str = "reverse",
           preserve_result: bool = False, shape: Shape | None = None,
           scalar_output: bool | str = False, numpy_numbers: bool = False) -> Template:
    """The derivative of ``fn`` in ``mode``, compiled and ready to bind to ``fn``'s values.

    ``scalar_output``: ``fn`` must return a real number (``grad``). What its kinds rule out
    is refused now; where they cannot tell (a value of unknown kind, an integer-valued call
    that may be a bool), the gradient function also returns the value, for the caller to
    check when it runs (``Template.value_checked``). ``"static"``: only what kinds rule out
    (for showing source, which runs nothing). ``numpy_numbers``: the derivative's own
    functions of numbers are NumPy's (``np.sqrt``, not ``math.sqrt``), for NumPy numbers."""
    with recording() as reads, depth.building():   # (deep expressions: recursion headroom)
        session = Session(numpy_numbers=numpy_numbers)
        session.spelling.numpy_only = numpy_numbers
        shape = shape if shape is not None else Shape(len(kinds))
        parsed = _parse(fn, shape, kinds)                                # parse
        checked = seed = None
        if mode == "reverse":
            entry, checked, seed = _derive_reverse(session, fn, parsed, wrt, kinds,
                                                   preserve_result, scalar_output)
        else:
            entry = _derive_forward(session, fn, parsed, wrt, kinds, shape, mode)
        functions = optimize(session.functions, {NUMPY, MATH}, session.temporaries,
                             session.inlinable, session.broadcasts, session.kinds, session.own,
                             session.arrays)                             # optimize
        template = emit(functions, session.owners, entry, reads, fn, numpy_numbers)  # emit
        return dataclasses.replace(template, value_checked=checked, seed_shape=seed)


def _derive_reverse(session: Session, fn: Callable, parsed: Parsed, wrt, kinds: Kinds,
                    preserve_result: bool, scalar_output: bool | str):
    """normalize, analyze, reverse: the entry function and its callees' sweeps; and where
    the returned value is to be checked when it runs (file, line), if it is."""
    entry = session.unique(f"{callable_name(fn)}_grad", parsed.env)
    rev, wrt_names = _prepare(parsed, wrt, kinds, session)
    checked, seed = None, seed_shape(rev.fn, rev.activity) if scalar_output else None
    if scalar_output and not refuse_output_kind(rev.fn, rev.activity, parsed) \
            and scalar_output != "static":
        preserve_result, checked = True, _return_line(parsed)
    session.add_reverse(grad_function(rev, entry, wrt_names, preserve_result),
                        parsed.env, rev, parsed.tree)
    _adjoint_names(session, rev, parsed, [entry])
    # (a callee's adjoint sweep reads only what its forward sweep saved: not there)
    session.broadcasts[entry] = rev.broadcasts
    return entry, checked, seed


def _derive_forward(session: Session, fn: Callable, parsed: Parsed, wrt, kinds: Kinds,
                    shape: Shape, mode: str) -> str:
    """normalize, analyze, forward (vector mode: a leading axis of directions)."""
    session.vector = mode == "vector"
    entry = session.unique(f"{callable_name(fn)}_jvp", parsed.env)
    session.callees[("jvp", fn, shape, wrt, kinds)] = (entry, "")  # recursion calls the entry
    fwd, wrt_names = _prepare_forward(parsed, wrt, kinds, session)
    session.add(jvp_function(fwd, entry, wrt_names), parsed.env, fwd.fn, parsed.tree)
    session.temporaries |= set(fwd.dots.values())
    return entry


def refuse_output_kind(core: gast.FunctionDef, activity, parsed: Parsed) -> bool:
    """``grad`` of a function whose output is not a real number, refused where it is
    returned: None, a string, an integer, a list, tuple or dict, or an array whose shape
    signature has an axis of more than one element (a size-1 array is a number). True when
    the kind shows a number; False when it cannot tell (then the value is checked)."""
    kind = activity.kind(core.body[-1].value.id)
    what = {"none": "None", "other": "a string, tuple, list or dict", "list": "a list",
            "stack": "a list"}.get(kind.tag)
    if kind.tag == "int" and kind.dims != "b":
        what = "an integer"
    if kind.tag == "array" and kind.dims is not None and "n" in kind.dims:
        what = f"an array (its shape signature is {kind.dims!r}: more than one element)"
    if what is not None:
        filename, line = _return_line(parsed)
        raise UsageError(f"grad needs a function whose output is a real number; "
                         f"{parsed.tree.name} returns {what}", filename=filename, lineno=line,
                         construct="the returned value",
                         hint="return a float (a sum, a mean, a loss); for array outputs use "
                              "sourcead.vjp or sourcead.jacobian")
    # a number by its kind, and active (an integer or a bool never is: an output that does
    # not depend on the arguments may be one, whatever its kind says)
    return core.body[-1].value.id in activity.active and (kind.tag == "scalar" or (
        kind.tag == "array" and kind.dims is not None and "?" not in kind.dims))


def seed_shape(core: gast.FunctionDef, activity) -> tuple | None:
    """A size-1 array output is seeded with an array of its shape (rules take a cotangent of
    their output's shape): ``(1, 1)`` for an output whose signature is ``"11"``."""
    kind = activity.kind(core.body[-1].value.id)
    if kind.tag == "array" and kind.dims and set(kind.dims) == {"1"}:
        return (1,) * len(kind.dims)
    return None


def _return_line(parsed: Parsed) -> tuple[str, int]:
    returns = [n for n in gast.walk(parsed.tree) if isinstance(n, gast.Return)]
    return parsed.env.filename, (returns[-1].lineno if returns else parsed.tree.lineno)


def _analyzed(parsed: Parsed, wrt: tuple[int, ...], kinds: Kinds, session: Session,
              core: gast.FunctionDef | None = None, callee: bool = False):
    """``callee``: a function the differentiated one calls (its parameters hold the
    caller's arrays, which it may not change)."""
    core = core if core is not None else normalize(parsed)
    params = [a.id for a in core.args.args]
    refuse_dict_iteration(parsed, dict(zip(params, kinds)))
    wrt_names = [params[k] for k in wrt]
    result = core.body[-1].value.id
    activity = analyze_activity(core, parsed.env, dict(zip(params, kinds)), wrt_names,
                                [result], result_kind, fence=False)
    converted = containers_as_arrays(core, activity.kinds, parsed.env)  # np.sum(xs): np.array(xs)
    if converted is not core:
        core = converted
        activity = analyze_activity(core, parsed.env, dict(zip(params, kinds)), wrt_names,
                                    [result], result_kind, fence=False)
    check_aliasing(core, parsed.env, activity.kinds, parsed.tree, callee=callee,
                   effects_of=callee_effects)
    valued = container_writes_as_values(core, activity.kinds)   # xs[i] = v: a new list
    if valued is not core:
        core = valued
        activity = analyze_activity(core, parsed.env, dict(zip(params, kinds)), wrt_names,
                                    [result], result_kind, fence=False)
    # (after the alias analysis: memory shared where it is changed is the first thing to fix)
    refuse_dropped_derivatives(core, parsed.env, activity, wrt_names)
    used = names_in(core)
    namer = Namer(used | set(parsed.env.globals))
    return core, activity, namer, session.spelling, wrt_names


def _prepare(parsed: Parsed, wrt: tuple[int, ...], kinds: Kinds, session: Session,
             core: gast.FunctionDef | None = None, callee: bool = False):
    core, activity, namer, spelling, wrt_names = _analyzed(parsed, wrt, kinds, session, core,
                                                           callee)
    rev = Reverse(core, parsed.env, activity, namer, spelling,
                  functools.partial(_request_callee, session), _lines(parsed))
    return rev, wrt_names


def _prepare_forward(parsed: Parsed, wrt: tuple[int, ...], kinds: Kinds, session: Session,
                     callee: bool = False):
    core, activity, namer, spelling, wrt_names = _analyzed(parsed, wrt, kinds, session,
                                                           callee=callee)
    fwd = Forward(core, parsed.env, activity, namer, spelling,
                  functools.partial(_request_jvp, session), vector=session.vector)
    return fwd, wrt_names


def _request_jvp(session: Session, call: UserCall, positions: tuple[int, ...],
                 kinds: Kinds) -> str:
    """Name of the callee's forward derivative for these active positions."""
    kinds = callee_kinds(call, kinds)
    key = ("jvp", call.func, call.shape, positions, kinds)
    if key in session.callees:
        return session.callees[key][0]
    parsed = _parse(call.func, call.shape, kinds)
    jvp_name = session.unique(f"{callable_name(call.func)}_jvp", parsed.env)
    session.callees[key] = (jvp_name, "")
    fwd, wrt_names = _prepare_forward(parsed, positions, kinds, session, callee=True)
    session.add(jvp_function(fwd, jvp_name, wrt_names), parsed.env, fwd.fn, parsed.tree)
    session.temporaries |= set(fwd.dots.values())
    return jvp_name


def _callee_parameters(call: UserCall) -> list[str]:
    if differentiated_again(call.func):   # (its generated code takes the same names)
        return list(signature_of(call.func).parameters)[:call.shape.positional]
    return [a.id for a in parse_function(call.func, call.shape).tree.args.args]


def callee_kinds(call: UserCall, kinds: Kinds) -> Kinds:
    """Argument kinds in the callee's own names: a shape the caller knows (``like``) becomes
    the first parameter that has it, so it never collides with a name of the callee's."""
    first: dict = {}
    for param, kind in zip(_callee_parameters(call), kinds):
        if kind.like is not None:
            first.setdefault(kind.like, param)
    return tuple(dataclasses.replace(k, like=first.get(k.like)) if k.like is not None else k
                 for k in kinds)


def _in_caller(kind: Kind, call: UserCall, arg_kinds: list[Kind]) -> Kind:
    """A callee's result kind in the caller's names (unknown shape unless made of parameters)."""
    by_param = dict(zip(_callee_parameters(call), arg_kinds))
    names = anchors_of(kind.like)
    if not names or any(n not in by_param for n in names):
        return dataclasses.replace(kind, like=None) if kind.like is not None else kind
    return dataclasses.replace(kind, like=anchors_union([by_param[n].like for n in names]))


def result_kind(call: UserCall, arg_kinds: list[Kind]) -> Kind:
    """The kind a user function returns for arguments of these kinds (in the caller's names)."""
    tree = _gradient_of_a_tree(call, arg_kinds)
    if tree is not None:
        return tree
    try:
        own = callee_kinds(call, tuple(arg_kinds))
    except SourceADError:
        return UNKNOWN
    return _in_caller(_result_kind(call, list(own)), call, arg_kinds)


def _gradient_of_a_tree(call: UserCall, arg_kinds: list[Kind]) -> Kind | None:
    """``sourcead.grad(loss)(params, ...)`` inside, with respect to one dict, list or tuple:
    the gradient has the argument's structure (the generated code builds it step by step,
    which its own analysis sees as a container of unknown structure)."""
    info = getattr(call.func, "__sourcead__", None)
    if not differentiated_again(call.func) or info is None or info.get("mode") != "reverse" \
            or info.get("preserve_result") or isinstance(getattr(call.func, "_wrt", 0), tuple) \
            or len(info.get("wrt", ())) != 1 or info["wrt"][0] >= len(arg_kinds):
        return None
    kind = arg_kinds[info["wrt"][0]]
    return dataclasses.replace(kind, like=None) if kind.tag == "other" and kind.structure \
        else None


def _result_kind(call: UserCall, arg_kinds: list[Kind]) -> Kind:
    """The kind a user function returns, in its own names.

    Recursion is solved by iteration: assume nothing (``none``), analyze, and repeat with
    the answer until it no longer changes.
    """
    key = ("result kind", call.func, call.shape, tuple(arg_kinds))
    memo = build_memo()
    if key in memo:
        return memo[key]
    memo[key] = NONE
    try:
        parsed = _parse(call.func, call.shape, arg_kinds)
        core = normalize(parsed)
    except SourceADError:
        return UNKNOWN
    params = [a.id for a in core.args.args]
    result = core.body[-1].value.id
    for _ in range(4):
        previous = memo[key]
        activity = analyze_activity(core, parsed.env, dict(zip(params, arg_kinds)), [],
                                    [result], result_kind)
        memo[key] = join(previous, activity.kind(result))
        if memo[key] == previous:
            break
    return memo[key]


def callee_effects(call: UserCall, arg_kinds: list[Kind]) -> Effects:
    """What a called user function's result may hold of its arguments, for arguments of
    these kinds (in the caller's names); its own writes into them are refused here, whether
    or not the call is differentiated (the derivative runs it either way). Recursion is
    answered conservatively while the function is being read."""
    try:
        kinds = callee_kinds(call, tuple(arg_kinds))
    except SourceADError:
        return conservative_effects(len(arg_kinds))
    key = ("alias effects", call.func, call.shape, kinds)
    memo = build_memo()
    if key in memo:
        return memo[key]
    memo[key] = conservative_effects(len(arg_kinds))
    try:
        parsed = _parse(call.func, call.shape, kinds)
    except SourceADError:   # no text to read: differentiating through it says why
        return memo[key]
    try:
        core = normalize(parsed)
    except SourceADError as e:   # differentiating through it says why; run as it is, it
        params = [a.id for a in parsed.tree.args.args]   # may not change its arguments
        refuse_unread_writes(parsed.tree, parsed.env, dict(zip(params, kinds)),
                             f"{e.construct or e.reason} on line {e.lineno}")
        return memo[key]
    params = [a.id for a in core.args.args]
    activity = analyze_activity(core, parsed.env, dict(zip(params, kinds)), [],
                                [core.body[-1].value.id], result_kind)
    memo[key] = check_aliasing(core, parsed.env, activity.kinds, parsed.tree, callee=True,
                               effects_of=callee_effects)
    return memo[key]


def _request_callee(session: Session, call: UserCall, positions: tuple[int, ...],
                    kinds: Kinds) -> tuple[str, str, tuple[int, ...]]:
    """Names of the callee's forward/adjoint sweep pair, generating them on first request,
    and the active positions whose adjoint the adjoint sweep shares (a stack it pops)."""
    kinds = callee_kinds(call, kinds)
    key = (call.func, call.shape, positions, kinds)
    if key in session.callees:
        return session.callees[key]
    parsed = _parse(call.func, call.shape, kinds)
    core = normalize(parsed)
    params = [a.id for a in core.args.args]
    stacks = stack_parameters(core, dict(zip(params, kinds)))
    base = callable_name(call.func)
    names = (session.unique(f"{base}_fwd", parsed.env), session.unique(f"{base}_adj", parsed.env),
             tuple(k for k in positions if params[k] in stacks))
    session.callees[key] = names  # registered first, so recursion finds it
    rev, wrt_names = _prepare(parsed, positions, kinds, session, core, callee=True)
    for generated in split_functions(rev, names[0], names[1], wrt_names):
        session.add_reverse(generated, parsed.env, rev, parsed.tree)
    _adjoint_names(session, rev, parsed, names[:2])
    return names


def _adjoint_names(session: Session, rev: Reverse, parsed: Parsed, functions: list[str]) -> None:
    """Adjoint names may be propagated; those of values normalize named (not the user) may
    also be folded into their single use. Every name's kind (an adjoint's is its value's),
    for the algebra's check that a simplified adjoint keeps its shape."""
    session.temporaries |= set(rev.bars.values())
    users = names_in(parsed.tree)
    session.inlinable |= {bar for var, bar in rev.bars.items() if var not in users}
    kinds = dict(rev.activity.kinds)
    kinds.update({bar: rev.activity.kind(var) for var, bar in rev.bars.items()})
    for fn_name in functions:
        session.kinds[fn_name] = kinds


def _lines(parsed: Parsed) -> list[str]:
    return linecache.getlines(parsed.env.filename)


