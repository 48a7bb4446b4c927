"""The public entry points and the one function that reads as the pipeline.

``derive`` runs parse -> normalize -> analyze -> reverse -> optimize -> emit for a function,
its wrt parameters and the kinds of its arguments (scalar / array / integer), and returns the
compiled derivative. ``grad`` returns a small dispatcher that specializes on argument kinds
(as a JIT specializes on types: plain arithmetic for floats, ``unbroadcast`` only where
array shapes may differ) and caches every derivative it builds.
"""
from __future__ import annotations

import copy
import dataclasses
import contextlib
import functools
import gc
import inspect
from dataclasses import dataclass, field
from types import FunctionType
from typing import Any, Callable

import gast
import numpy as np

from . import depth, shapes
from .runtime import component
from .analyze import (AnyShape, InstanceOf, BOOL, INT, NONE, SCALAR, UNKNOWN, Kind, UserCall, analyze_activity,
                      anchors_of, anchors_union, join, kind_of_annotation, kind_of_value,
                      stack_parameters)
from .emit import Emitted, compile_module, module_text
from .errors import SourceADError, UsageError
from .naming import Namer, Spelling
from .normalize import (normalize, refuse_dict_iteration, refuse_parameter_writes,
                        refuse_shared_augmented, refuse_stale_views)
from .optimize import optimize
from .parse import (Environment, Parsed, Shape, bind_methods, call_order, callable_name, full_shape,
                    parse_function)
from .forward import Forward, jvp_function
from .reverse import Reverse, grad_function, split_functions
from .rules.template import name_nodes, walk, names_in

Kinds = tuple[Kind, ...]


# ---- the pipeline ---------------------------------------------------------------------------

@dataclass
class Session:
    """Everything generated for one top-level request: the functions and who they belong to."""
    functions: list[gast.FunctionDef] = field(default_factory=list)
    owners: dict[str, Environment] = field(default_factory=dict)
    # (forward, adjoint, positions whose adjoint is a stack shared by reference); jvp: (name, "")
    callees: dict[tuple, tuple] = field(default_factory=dict)
    spellings: dict[int, Spelling] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)
    temporaries: set[str] = field(default_factory=set)   # adjoint names, for copy propagation
    inlinable: set[str] = field(default_factory=set)     # adjoints of values sourcead named
    broadcasts: dict = field(default_factory=dict)  # per function, shapes as np.broadcast(a, b)
    kinds: dict = field(default_factory=dict)  # per reverse function, the kind of each name
    own: dict = field(default_factory=dict)  # per function, the values normalize named
    arrays: dict = field(default_factory=dict)  # per reverse function, those that are arrays
    vector: bool = False   # forward mode with a leading axis of directions on every tangent

    def unique(self, base: str, env: Environment) -> str:
        namer = Namer(self.taken | set(env.globals) | set(env.closure))
        ident = namer.fresh(base)
        self.taken.add(ident)
        return ident

    def spelling(self, env: Environment, used: set[str]) -> Spelling:
        key = id(env.globals)
        if key not in self.spellings:
            self.spellings[key] = Spelling(dict(env.globals), used)
        return self.spellings[key]

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
    return bind_methods(parse_function(fn, shape), kinds)


def derive(fn: Callable, wrt: tuple[int, ...], kinds: Kinds, *, mode: str = "reverse",
           preserve_result: bool = False, shape: Shape | None = None) -> tuple[Emitted, str]:
    """The derivative of ``fn`` in ``mode``; returns the compiled module and the entry name."""
    session = Session()
    shape = shape if shape is not None else Shape(len(kinds))
    parsed = _parse(fn, shape, kinds)                                # parse
    base = callable_name(fn)
    if mode == "reverse":
        entry = session.unique(f"{base}_grad", parsed.env)
        rev, wrt_names = _prepare(parsed, wrt, kinds, session)      # normalize, analyze
        session.add_reverse(grad_function(rev, entry, wrt_names, preserve_result),
                            parsed.env, rev, parsed.tree)  # reverse
        _adjoint_names(session, rev, parsed, [entry])
        # (a callee's adjoint sweep reads only what its forward sweep saved: not there)
        session.broadcasts[entry] = rev.broadcasts
    else:
        session.vector = mode == "vector"
        entry = session.unique(f"{base}_jvp", parsed.env)
        session.callees[("jvp", fn, shape, wrt, kinds)] = (entry, "")  # recursion calls the entry
        fwd, wrt_names = _prepare_forward(parsed, wrt, kinds, session)
        session.add(jvp_function(fwd, entry, wrt_names), parsed.env, fwd.fn, parsed.tree)  # forward
        session.temporaries |= set(fwd.dots.values())
    functions = optimize(session.functions, _module_aliases(session), session.temporaries,
                         session.inlinable, session.broadcasts, session.kinds, session.own,
                         session.arrays)
    text = module_text(functions, _import_lines(session))           # emit
    return compile_module(text, entry, session.owners), entry


def _analyzed(parsed: Parsed, wrt: tuple[int, ...], kinds: Kinds, session: Session,
              core: gast.FunctionDef | None = None):
    core = core if core is not None else normalize(parsed)
    params = [a.id for a in core.args.args]
    refuse_dict_iteration(parsed, dict(zip(params, kinds)))
    wrt_names = [params[k] for k in wrt]
    result = core.body[-1].value.id
    activity = analyze_activity(core, parsed.env, dict(zip(params, kinds)), wrt_names,
                                [result], result_kind)
    refuse_shared_augmented(parsed, activity.kinds)
    refuse_stale_views(core, activity.kinds, parsed)
    used = names_in(core)
    namer = Namer(used | set(parsed.env.globals))
    return core, activity, namer, session.spelling(parsed.env, used), wrt_names


def _prepare(parsed: Parsed, wrt: tuple[int, ...], kinds: Kinds, session: Session,
             core: gast.FunctionDef | None = None):
    core, activity, namer, spelling, wrt_names = _analyzed(parsed, wrt, kinds, session, core)
    rev = Reverse(core, parsed.env, activity, namer, spelling,
                  functools.partial(_request_callee, session), _lines(parsed))
    return rev, wrt_names


def _prepare_forward(parsed: Parsed, wrt: tuple[int, ...], kinds: Kinds, session: Session):
    core, activity, namer, spelling, wrt_names = _analyzed(parsed, wrt, kinds, session)
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
    refuse_parameter_writes(parsed)
    jvp_name = session.unique(f"{callable_name(call.func)}_jvp", parsed.env)
    session.callees[key] = (jvp_name, "")
    fwd, wrt_names = _prepare_forward(parsed, positions, kinds, session)
    session.add(jvp_function(fwd, jvp_name, wrt_names), parsed.env, fwd.fn, parsed.tree)
    session.temporaries |= set(fwd.dots.values())
    return jvp_name


_RESULT_KINDS: dict[tuple, Kind] = {}


def _callee_parameters(call: UserCall) -> list[str]:
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
    try:
        own = callee_kinds(call, tuple(arg_kinds))
    except SourceADError:
        return UNKNOWN
    return _in_caller(_result_kind(call, list(own)), call, arg_kinds)


def _result_kind(call: UserCall, arg_kinds: list[Kind]) -> Kind:
    """The kind a user function returns, in its own names.

    Recursion is solved by iteration: assume nothing (``none``), analyze, and repeat with
    the answer until it no longer changes.
    """
    key = (call.func, call.shape, tuple(arg_kinds))
    if key in _RESULT_KINDS:
        return _RESULT_KINDS[key]
    _RESULT_KINDS[key] = NONE
    try:
        parsed = _parse(call.func, call.shape, arg_kinds)
        core = normalize(parsed)
    except SourceADError:
        return UNKNOWN
    params = [a.id for a in core.args.args]
    result = core.body[-1].value.id
    for _ in range(4):
        previous = _RESULT_KINDS[key]
        activity = analyze_activity(core, parsed.env, dict(zip(params, arg_kinds)), [],
                                    [result], result_kind)
        _RESULT_KINDS[key] = join(previous, activity.kind(result))
        if _RESULT_KINDS[key] == previous:
            break
    return _RESULT_KINDS[key]


def _request_callee(session: Session, call: UserCall, positions: tuple[int, ...],
                    kinds: Kinds) -> tuple[str, str, tuple[int, ...]]:
    """Names of the callee's forward/adjoint sweep pair, generating them on first request,
    and the active positions whose adjoint the adjoint sweep shares (a stack it pops)."""
    kinds = callee_kinds(call, kinds)
    key = (call.func, call.shape, positions, kinds)
    if key in session.callees:
        return session.callees[key]
    parsed = _parse(call.func, call.shape, kinds)
    refuse_parameter_writes(parsed)
    core = normalize(parsed)
    params = [a.id for a in core.args.args]
    stacks = stack_parameters(core, dict(zip(params, kinds)))
    base = callable_name(call.func)
    names = (session.unique(f"{base}_fwd", parsed.env), session.unique(f"{base}_adj", parsed.env),
             tuple(k for k in positions if params[k] in stacks))
    session.callees[key] = names  # registered first, so recursion finds it
    rev, wrt_names = _prepare(parsed, positions, kinds, session, core)
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
    import linecache
    return linecache.getlines(parsed.env.filename)


def _module_aliases(session: Session) -> set[str]:
    return {name for s in session.spellings.values() for name in (s.numpy, s.math)}


def _import_lines(session: Session) -> list[str]:
    return sorted({line for s in session.spellings.values() for line in s.import_lines()})


# ---- argument kinds -------------------------------------------------------------------------

def kinds_of_arguments(args: tuple, params: list[str], wrt: tuple[int, ...]) -> Kinds:
    """Scalar, array or integer per argument; a differentiated integer counts as a float."""
    kinds = []
    for k, value in enumerate(args):
        param = params[k] if k < len(params) else f"{k}"
        if isinstance(value, complex) or (isinstance(value, (np.ndarray, np.generic))
                                          and np.iscomplexobj(value)):
            raise UsageError(f"argument `{param}` is complex ({np.asarray(value).dtype}); "
                             "sourcead differentiates real values only",
                             hint=f"pass the real and imaginary parts of `{param}` as two "
                                  "float arguments")
        kind = kind_of_value(value, like=params[k] if k < len(params) else None)
        if k in wrt and kind.tag == "unknown" and hasattr(value, "__dict__"):
            raise UsageError(f"cannot differentiate with respect to argument {k}, a "
                             f"{type(value).__name__} object",
                             hint="differentiate with respect to numbers or arrays; for an "
                                  "object's parameters, pass them as a dict argument")
        kinds.append(SCALAR if kind.tag == "int" and k in wrt else kind)
    return tuple(kinds)


def kinds_of_annotations(fn: Callable, wrt: tuple[int, ...]) -> Kinds:
    parsed = parse_function(fn, full_shape(fn))
    kinds = []
    for k, a in enumerate(parsed.tree.args.args):
        kind = kind_of_annotation(a.annotation, parsed.env, a.id)
        kinds.append(SCALAR if kind.tag == "int" and k in wrt else kind)
    return tuple(kinds)


def parameters(fn: Callable) -> list[str]:
    """The names of ``fn``'s parameters that arguments can be given to by position."""
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _variadic(fn: Callable) -> bool:
    return any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())


def resolve_wrt(fn: Callable, wrt) -> tuple[int, ...]:
    """Positions of the arguments to differentiate (for ``f(*args)``, any position)."""
    params = list(inspect.signature(fn).parameters)
    positional = parameters(fn)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    positions = []
    for item in items:
        if isinstance(item, str):
            if item not in params:
                raise UsageError(f"{callable_name(fn)} has no parameter {item!r} (it has "
                                 f"{params})", hint="name one of the parameters in wrt")
            if item not in positional:
                raise UsageError(f"wrt={item!r} names a `*args`, `**kwargs` or keyword-only "
                                 f"parameter of {callable_name(fn)}",
                                 hint="differentiate with respect to arguments given by "
                                      "position: wrt=0 is the first argument, also for *args")
            positions.append(positional.index(item))
        elif isinstance(item, int) and _variadic(fn) and item >= 0:
            positions.append(item)
        elif isinstance(item, int) and -len(positional) <= item < len(positional):
            positions.append(item % len(positional))
        else:
            raise UsageError(f"wrt={item!r} is not a parameter of {callable_name(fn)}",
                             hint=f"use a position below {len(positional)} or a name from "
                                  f"{positional}")
    return tuple(positions)


def _concrete_call(f: Callable, positions: tuple[int, ...], args: tuple, kwargs: dict):
    """(shape, the arguments in the order of the concrete parameters, wrt positions among
    them) for a call ``f(*args, **kwargs)``."""
    shape = Shape(len(args), tuple(sorted(kwargs)))
    try:
        order = call_order(f, shape)
    except TypeError as err:
        raise UsageError(f"{callable_name(f)}: {err}",
                         hint="pass the arguments its signature asks for") from None
    flat = list(args) + [kwargs[k] for k in shape.keywords]
    params = parameters(f)
    concrete = []
    for p in positions:
        if p < len(args):
            concrete.append(order.index(p))
        elif p < len(params) and params[p] in kwargs:
            concrete.append(order.index(len(args) + shape.keywords.index(params[p])))
        else:
            raise UsageError(f"argument {p} of {callable_name(f)}, differentiated, was not given",
                             hint="pass every argument you differentiate with respect to")
    return shape, tuple(flat[k] for k in order), tuple(concrete)


# ---- the public API ---------------------------------------------------------------------------

_CACHE: dict[tuple, tuple[Emitted, Callable]] = {}


def _specialize(f: Callable, wrt: tuple[int, ...], kinds: Kinds, preserve_result: bool,
                verbose: bool, mode: str = "reverse",
                shape: Shape | None = None) -> tuple[Emitted, Callable]:
    shape = shape if shape is not None else Shape(len(kinds))
    key = (f, wrt, kinds, preserve_result, mode, shape)
    if key not in _CACHE:
        with _without_cycle_collection(), depth.building():
            emitted, entry = derive(_source_function(f, kinds), wrt, kinds, mode=mode,
                                    preserve_result=preserve_result, shape=shape)
        if verbose:
            print(emitted.source)
        _CACHE[key] = (emitted, emitted.functions[entry])
    return _CACHE[key]


@contextlib.contextmanager
def _without_cycle_collection():
    """Building a derivative makes and drops many small trees, without reference cycles;
    the cycle collector's full passes over all of them made long functions build in more
    than linear time (400 statements: 5.2 s with it, 3.9 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _source_function(f: Callable, kinds: Kinds) -> FunctionType:
    """A sourcead derivative is differentiated through the code it generated."""
    if hasattr(f, "generated"):
        return f.generated(*[_example(k) for k in kinds])
    return f


def _example(kind: Kind):
    """A value of this kind, to pick the matching specialization of a derivative: an array
    of its shape signature, or one standing for any shape."""
    if kind.tag in ("scalar", "int"):
        return True if kind == BOOL else {"scalar": 1.0, "int": 1}[kind.tag]
    if kind.cls is not None:
        return InstanceOf(kind.cls)
    if kind.dims is None or "?" in kind.dims:
        return np.zeros(1).view(AnyShape)
    return np.zeros(tuple(1 if c == "1" else 2 for c in kind.dims))


def grad(f: Callable | None = None, wrt=0, *, mode: str = "reverse",
         preserve_result: bool = False, verbose: bool = False):
    """The gradient of scalar-valued ``f`` with respect to ``wrt`` (position, name or tuple).

    Returns an ordinary function taking ``f``'s arguments. Works as ``@grad`` and
    ``@grad(wrt=(0, 1))``. The generated source is available through ``sourcead.source``.
    """
    if f is None:
        return lambda g: grad(g, wrt, mode=mode, preserve_result=preserve_result, verbose=verbose)
    if mode == "forward":
        return _forward_grad(f, wrt, preserve_result, verbose)
    if mode != "reverse":
        raise UsageError(f"mode={mode!r} is not a mode", hint='use "reverse" or "forward"')
    positions = resolve_wrt(f, wrt)
    params = parameters(f)
    state: dict[str, Any] = {"emitted": None}
    by_types: dict[tuple, Callable] = {}   # what the dispatcher finds by argument types
    built: dict[tuple, Callable] = {}      # by types and the arrays' shape signatures

    def specialize(*args, **kwargs) -> Callable:
        """The plain generated function for arguments like these (built on first use)."""
        key = _type_key(args, kwargs)
        full = key + _signature_key(args, kwargs)
        if full not in built:
            shape, values, concrete = _concrete_call(f, positions, args, kwargs)
            kinds = kinds_of_arguments(values, params, concrete)
            emitted, impl = _specialize(f, concrete, kinds, preserve_result, verbose, shape=shape)
            _check_scalar_output(f, args, kwargs)
            state["emitted"] = emitted
            finished = _finish(impl, kinds, concrete, isinstance(wrt, tuple), preserve_result,
                               emitted, _numpy_scalars(values, concrete))
            built[full] = finished if not kwargs else (
                lambda *a, **k: finished(*_concrete_call(f, positions, a, k)[1]))
        if key not in by_types:
            plain = not kwargs and all(isinstance(t, type) for t in key)
            by_types[key] = built[full] if full == key else _by_shapes(
                specialize, key, len(args) if plain else None)
        return built[full]

    def derivative(*args, **kwargs):
        impl = by_types.get(_type_key(args, kwargs))
        if impl is None:
            impl = specialize(*args, **kwargs)
        return impl(*args, **kwargs)

    derivative = _fixed_arity(f, by_types.get, specialize) or derivative

    def generated(*args) -> Callable:
        """The generated ``f_grad`` itself (what sourcead differentiates again)."""
        kinds = kinds_of_arguments(args, params, positions)
        return _specialize(f, positions, kinds, preserve_result, verbose)[1]

    derivative.__name__ = f"{callable_name(f)}_grad"
    derivative.__doc__ = f"Gradient of {derivative.__name__[:-5]} (generated by sourcead)."
    derivative.specialize = specialize
    derivative.generated = generated
    derivative.__signature__ = inspect.signature(f)
    derivative.__sourcead__ = {"function": f, "wrt": positions, "state": state,
                               "preserve_result": preserve_result}
    return derivative


_CONTAINERS = (list, tuple, dict)


def _dispatch_key(args: tuple) -> tuple:
    """Argument types; for a list, tuple or dict its structure too (keys, lengths, leaf kinds),
    so a key never found by the types alone: containers always take the building path."""
    key = tuple(map(type, args))
    if any(t in _CONTAINERS for t in key):
        key += tuple(kind_of_value(a) for a in args if isinstance(a, _CONTAINERS))
    return key


def _arrays(key: tuple) -> tuple[int, ...]:
    """Positions of the ndarray arguments in a type key."""
    return tuple(k for k, t in enumerate(key) if isinstance(t, type) and issubclass(t, np.ndarray))


def _signature_key(args: tuple, kwargs: dict) -> tuple:
    """The shape signature of every array argument: derivatives are specialized on which
    axes have size 1, so code made for shape (3,) never runs on (1,)."""
    values = list(args) + [v for _, v in sorted(kwargs.items())]
    return tuple(shapes.of_shape(v.shape) for v in values if isinstance(v, np.ndarray))


_MANY_SHAPES = 256  # shapes remembered per type key (a new batch size each call stays bounded)


def _by_shapes(specialize: Callable, key: tuple, arity: int | None) -> Callable:
    """The second level of dispatch, for calls with arrays: by the arrays' shapes (a dict
    lookup), to the function built for their signatures. Shapes with the same signature
    share that function: a new batch size does not generate code again. ``arity``: the
    number of positional arguments, for a dispatcher with plain parameters (no packing)."""
    arrays = _arrays(key)
    by_shape: dict[tuple, Callable] = {}

    def shape_of(args: tuple, kwargs: dict) -> tuple:
        return _signature_key(args, kwargs) if kwargs else tuple([args[k].shape for k in arrays])

    def build(*args, **kwargs) -> Callable:
        if len(by_shape) >= _MANY_SHAPES:
            by_shape.clear()
        impl = by_shape[shape_of(args, kwargs)] = specialize(*args, **kwargs)
        return impl

    if arity is not None:
        names = ", ".join(f"a{k}" for k in range(arity))
        shape = "".join(f"a{k}.shape, " for k in arrays)
        text = (f"def dispatch({names}):\n"
                f"    impl = _sourcead_lookup(({shape}))\n"
                f"    if impl is None:\n"
                f"        impl = _sourcead_build({names})\n"
                f"    return impl({names})\n")
        namespace = {"_sourcead_lookup": by_shape.get, "_sourcead_build": build}
        exec(compile(text, "<sourcead: dispatcher by shapes>", "exec"), namespace)
        return namespace["dispatch"]

    def dispatch(*args, **kwargs):
        impl = by_shape.get(shape_of(args, kwargs))
        if impl is None:
            impl = build(*args, **kwargs)
        return impl(*args, **kwargs)
    return dispatch


def _type_key(args: tuple, kwargs: dict) -> tuple:
    """What a specialization depends on: the types of the arguments (and the keywords)."""
    key = _dispatch_key(args)
    return key if not kwargs else key + tuple((k, type(v)) for k, v in sorted(kwargs.items()))


def _fixed_arity(f: Callable, lookup: Callable, build: Callable) -> Callable | None:
    """A dispatcher with ``f``'s own parameters: ``(type(x), type(y))`` is a few times
    cheaper than packing ``*args`` and mapping ``type`` over it, and keywords work too.
    Functions with defaults or variable arguments keep the general dispatcher."""
    params = list(inspect.signature(f).parameters.values())
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty for p in params):
        return None
    names = ", ".join(p.name for p in params)
    key = "".join(f"type({p.name}), " for p in params)
    text = (f"def dispatch({names}):\n"
            f"    impl = _sourcead_lookup(({key}))\n"
            f"    if impl is None:\n"
            f"        impl = _sourcead_build({names})\n"
            f"    return impl({names})\n")
    namespace = {"_sourcead_lookup": lookup, "_sourcead_build": build}
    exec(compile(text, f"<sourcead: dispatcher of {callable_name(f)}>", "exec"), namespace)
    return namespace["dispatch"]


def _numpy_scalars(values: tuple, positions: tuple[int, ...]) -> bool:
    """Differentiated arguments that are NumPy numbers or 0-d arrays, whose gradient must be
    one too (arithmetic on them may give another type)."""
    return any(isinstance(values[p], (np.generic, np.ndarray)) for p in positions
               if p < len(values))


def _finish(impl: Callable, kinds: Kinds, positions: tuple[int, ...], as_tuple: bool,
            preserve_result: bool, emitted: Emitted | None = None,
            numpy_scalars: bool = False) -> Callable:
    """The generated function itself, or a thin wrapper where the API promises more:
    gradients of their argument's type and shape (arrays, NumPy numbers), a tuple for a
    tuple ``wrt``, and the module-level values the code reads, as they are now."""
    arrays = numpy_scalars or any(kinds[p].tag != "scalar" for p in positions)
    wrap = as_tuple and len(positions) == 1
    refresh = emitted.refresh if emitted is not None and emitted.data_globals else None
    if not arrays and not wrap and refresh is None:
        return impl
    if arrays and not wrap and refresh is None and not preserve_result:
        if len(positions) == 1:
            return _one_array_gradient(impl, positions[0])
        return _gradients(impl, positions)

    def finished(*args):
        if refresh is not None:
            refresh()
        out = impl(*args)
        if arrays:
            out = _shaped_like(out, args, positions, preserve_result)
        if wrap:
            return ((out[0],), out[1]) if preserve_result else (out,)
        return out
    return finished


def _one_array_gradient(impl: Callable, position: int) -> Callable:
    """The common case, checked without packing anything: one gradient, of an array."""
    def finished(*args):
        out = impl(*args)
        arg = args[position]
        if type(out) is np.ndarray and type(arg) is np.ndarray and out.shape == arg.shape:
            return out
        return _shaped_like(out, args, (position,), False)
    return finished


def _gradients(impl: Callable, positions: tuple[int, ...]) -> Callable:
    """Several gradients: returned as they are when each already has its argument's type,
    shape and dtype (float arrays and Python floats), checked without building anything."""
    def finished(*args):
        out = impl(*args)
        for g, p in zip(out, positions):
            arg = args[p]
            kind = type(arg)
            if kind is np.ndarray:
                if not (type(g) is np.ndarray and g.shape == arg.shape and g.dtype == arg.dtype
                        and arg.dtype.kind == "f"):
                    break
            elif kind is not float:
                break
        else:
            return out
        return _shaped_like(out, args, positions, False)
    return finished


def _shaped_like(out, args, positions, preserve_result):
    """A gradient has its argument's shape, even where no contribution reached it."""
    grads, value = (out if preserve_result else (out, None))
    many = len(positions) > 1
    items = list(grads) if many else [grads]
    for k, p in enumerate(positions):
        if isinstance(args[p], _CONTAINERS):
            items[k] = tree_like(items[k], args[p])
        elif isinstance(args[p], (np.ndarray, np.generic)):
            items[k] = tree_like(items[k], args[p])
    grads = tuple(items) if many else items[0]
    return (grads, value) if preserve_result else grads


_FLOAT64 = np.dtype(np.float64)


def tree_like(g, x):
    """A gradient with the structure of the argument ``x``: the same keys and lengths, arrays
    of ``x``'s shapes (and float dtypes), floats for numbers; a plain zero fills what no
    derivative reached."""
    if isinstance(x, dict):
        return {k: tree_like(component(g, k), v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        parts = [tree_like(component(g, i), v) for i, v in enumerate(x)]
        return type(x)(*parts) if hasattr(x, "_fields") else type(x)(parts)
    if isinstance(x, (np.ndarray, np.generic)):
        # (dtype.kind, not np.issubdtype: this runs on every call, and that costs microseconds)
        dtype = x.dtype if x.dtype.kind == "f" else _FLOAT64
        if isinstance(x, np.generic):  # a NumPy number: the same type of number
            return dtype.type(g)
        if type(g) is np.ndarray and g.shape == x.shape and g.dtype == dtype:
            return g
        return np.asarray(np.zeros(x.shape) + g, dtype=dtype)
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        return float(g)
    return g


def _leaves(x, path=()):
    """(path, leaf) for every number or array in a tree, in order."""
    if isinstance(x, dict):
        return [p for k, v in x.items() for p in _leaves(v, path + (k,))]
    if isinstance(x, (list, tuple)):
        return [p for k, v in enumerate(x) for p in _leaves(v, path + (k,))]
    return [(path, x)]


def _replaced(x, path, value):
    """A copy of the tree ``x`` with the leaf at ``path`` replaced."""
    if not path:
        return value
    if isinstance(x, dict):
        return {**x, path[0]: _replaced(x[path[0]], path[1:], value)}
    parts = list(x)
    parts[path[0]] = _replaced(parts[path[0]], path[1:], value)
    return type(x)(*parts) if hasattr(x, "_fields") else type(x)(parts)


def _refuse_tree(what: str, args: tuple, positions) -> None:
    if any(isinstance(args[p], _CONTAINERS) for p in positions):
        raise UsageError(f"{what} with respect to a list, tuple or dict is not supported",
                         hint="use grad, vjp or jvp for parameter trees; or pass the values as "
                              "one array (np.concatenate of the leaves) and split it inside")


def _check_scalar_output(f: Callable, args: tuple, kwargs: dict | None = None) -> None:
    value = f(*copy.deepcopy(args), **copy.deepcopy(kwargs or {}))  # f may write into them
    if np.ndim(value) != 0:
        raise UsageError(f"grad needs a function with a scalar output; {callable_name(f)} returned "
                         f"shape {np.shape(value)}",
                         hint="use sourcead.vjp with a cotangent, or reduce the output first")


def vjp(f: Callable, wrt=0):
    """``fn(*args, cotangent) -> (value, grads)``: reverse mode seeded with ``cotangent``."""
    positions = resolve_wrt(f, wrt)
    params = parameters(f)

    def pullback(*args_and_cotangent):
        *args, cotangent = args_and_cotangent
        kinds = kinds_of_arguments(tuple(args), params, positions)
        kinds = kinds if np.ndim(cotangent) == 0 else tuple(
            Kind("unknown", k.like) if k.tag == "scalar" else k for k in kinds)
        emitted, impl = _specialize(f, positions, kinds, True, False)
        emitted.refresh()
        grads, value = impl(*args, list(cotangent) if isinstance(cotangent, list) else cotangent)
        return value, _shaped_like(grads, args, positions, False)

    pullback.__name__ = f"{callable_name(f)}_vjp"
    return pullback


def source(df: Callable, *args) -> str:
    """The generated source of a derivative function returned by sourcead.

    With example ``args``, the source specialized for arguments like them; otherwise the one
    used most recently, or (before any call) the one the parameters' annotations describe.
    """
    info = getattr(df, "__sourcead__", None)
    if info is None:
        raise UsageError(f"{getattr(df, '__name__', df)!r} was not made by sourcead",
                         hint="pass a function returned by sourcead.grad, jvp or hessian")
    f, wrt, mode = info["function"], info["wrt"], info.get("mode", "reverse")
    state = info.get("state", {})
    if not args and state.get("emitted") is not None:
        return state["emitted"].source
    if not _variadic(f):
        args = args[:len(parameters(f))]
    kinds = kinds_of_arguments(args, parameters(f), wrt) if args \
        else kinds_of_annotations(f, wrt)
    shape = None if args else full_shape(f)
    if mode == "hessian":
        _, gradient = _specialize(f, wrt, kinds, False, False, shape=shape)
        return _specialize(gradient, wrt[:1], kinds + (SCALAR,), False, False,
                           mode="vector")[0].source
    return _specialize(f, wrt, kinds, info.get("preserve_result", False), False, mode=mode,
                       shape=shape)[0].source


# ---- forward mode and what is built on it --------------------------------------------------

def _forward_impl(f: Callable, positions: tuple[int, ...], args: tuple, verbose: bool = False):
    kinds = kinds_of_arguments(args, parameters(f), positions)
    emitted, impl = _specialize(f, positions, kinds, False, verbose, mode="forward")
    emitted.refresh()  # module-level values as they are now
    return emitted, impl


def jvp(f: Callable, wrt=0):
    """``fn(*args, *tangents) -> (value, tangent_out)``: forward mode, one tangent per wrt."""
    positions = resolve_wrt(f, wrt)

    def split(args_and_tangents: tuple) -> tuple[tuple, tuple]:
        """Arguments, then one tangent per wrt (arguments left to defaults are left out)."""
        n = len(args_and_tangents) - len(positions)
        return args_and_tangents[:n], args_and_tangents[n:]

    def pushforward(*args_and_tangents):
        args, tangents = split(args_and_tangents)
        if len(tangents) != len(positions):
            raise UsageError(f"jvp of {callable_name(f)} takes {len(positions)} tangent(s) after "
                             f"the arguments, got {len(tangents)}", hint="pass one tangent per wrt")
        _, impl = _forward_impl(f, positions, args)
        value, tangent = impl(*args, *tangents)
        return value, _like(tangent, value)

    def generated(*args_and_tangents) -> Callable:
        """The generated ``f_jvp`` itself (what sourcead differentiates again)."""
        return _forward_impl(f, positions, split(args_and_tangents)[0])[1]

    pushforward.__name__ = f"{callable_name(f)}_jvp"
    pushforward.__sourcead__ = {"function": f, "wrt": positions, "mode": "forward"}
    pushforward.generated = generated
    signature = inspect.signature(f)
    namer = Namer(set(signature.parameters))
    tangents = [inspect.Parameter(namer.fresh(f"{(parameters(f) + ['arg'] * (p + 1))[p]}_dot"),
                                  inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in positions]
    try:
        pushforward.__signature__ = signature.replace(
            parameters=list(signature.parameters.values()) + tangents)
    except ValueError:  # after *args or keyword-only parameters: no plain signature
        pass
    return pushforward


def _like(tangent, value):
    """A tangent has its value's shape (a constant output has a zero tangent of that shape)."""
    if isinstance(value, np.ndarray) and np.shape(tangent) != value.shape:
        return tangent + np.zeros(value.shape)
    return tangent


def _basis(x):
    """Unit tangents for every element of ``x``, in C order (of every leaf of a tree)."""
    if isinstance(x, _CONTAINERS):
        zero = tree_like(0.0, x)
        for path, leaf in _leaves(x):
            for index, e in _basis(leaf):
                yield path + (index,), _replaced(zero, path, e)
        return
    if np.ndim(x) == 0:
        yield (), 1.0
        return
    for index in np.ndindex(np.shape(x)):
        e = np.zeros(np.shape(x))
        e[index] = 1.0
        yield index, e


def _forward_columns(f: Callable, position: int, args: tuple, verbose: bool = False):
    """(value, [tangent of the output per unit tangent of args[position]])."""
    _, impl = _forward_impl(f, (position,), args, verbose)
    columns, value = [], None
    for _, e in _basis(args[position]):
        value, tangent = impl(*args, e)
        columns.append(_like(tangent, value))
    return value, columns


def _all_directions(f: Callable, position: int, args: tuple):
    """(value, tangents of the output for every unit direction of args[position]).

    Vector mode runs the generated code once with a leading axis of directions; where a rule
    has no vector form, one pass per direction."""
    x = args[position]
    size = int(np.size(x))
    kinds = kinds_of_arguments(args, parameters(f), (position,))
    try:
        emitted, impl = _specialize(f, (position,), kinds, False, False, mode="vector")
        emitted.refresh()
    except SourceADError:
        return _forward_columns(f, position, args)
    basis = np.eye(size).reshape((size,) + np.shape(x))
    value, tangent = impl(*args, basis)
    if isinstance(tangent, tuple):
        return value, list(zip(*[_directions(t, size) for t in tangent]))
    return value, list(_directions(tangent, size))


def _directions(tangent, size: int):
    """Split a vector-mode tangent into one tangent per direction (a constant has zeros)."""
    return np.broadcast_to(tangent, (size,) + np.shape(tangent)[1:]) if np.ndim(tangent) else \
        [tangent] * size


def _forward_grad(f: Callable, wrt, preserve_result: bool, verbose: bool):
    positions = resolve_wrt(f, wrt)

    def derivative(*args):
        grads, value = [], None
        for p in positions:
            value, columns = _forward_columns(f, p, args, verbose)
            if np.ndim(value) != 0:
                _check_scalar_output(f, args)
            if isinstance(args[p], _CONTAINERS):
                grads.append(_tree_of_columns(args[p], columns))
                continue
            dtype = np.result_type(args[p], 0.0)  # float32 stays float32
            g = np.reshape(np.array(columns, dtype=dtype), np.shape(args[p]))
            grads.append(tree_like(g, args[p]))
        out = tuple(grads) if isinstance(wrt, tuple) else grads[0]
        return (out, value) if preserve_result else out

    derivative.__name__ = f"{callable_name(f)}_grad"
    derivative.__sourcead__ = {"function": f, "wrt": positions, "mode": "forward"}
    # this loop over directions is no generated code; the same gradient, generated in
    # reverse mode, is what sourcead differentiates again
    derivative.generated = grad(f, wrt, preserve_result=preserve_result).generated
    return derivative


def _tree_of_columns(x, columns: list):
    """The gradient tree from one column (a number) per leaf element, in ``_basis`` order."""
    out, start = tree_like(0.0, x), 0
    for path, leaf in _leaves(x):
        size = int(np.size(leaf))
        part = np.reshape(np.array(columns[start:start + size], dtype=float), np.shape(leaf))
        out = _replaced(out, path, tree_like(part if np.ndim(leaf) else float(part), leaf))
        start += size
    return out


def jacobian(f: Callable, wrt=0, mode: str = "forward"):
    """``fn(*args) -> J`` with ``J.shape == out.shape + in.shape`` (a tuple for a tuple wrt).

    Forward mode costs one pass per input element, reverse mode one per output element.
    """
    positions = resolve_wrt(f, wrt)
    if mode not in ("forward", "reverse"):
        raise UsageError(f"mode={mode!r} is not a mode", hint='use "forward" or "reverse"')

    def jac(*args):
        _refuse_tree("jacobian", args, positions)
        out = [_jacobian_at(f, p, args, mode) for p in positions]
        return tuple(out) if isinstance(wrt, tuple) else out[0]

    jac.__name__ = f"{callable_name(f)}_jacobian"
    return jac


def _jacobian_at(f: Callable, position: int, args: tuple, mode: str):
    x = args[position]
    if mode == "forward":
        value, tangents = _all_directions(f, position, args)
        parts = [_like(t, value) for t in tangents]
        stacked = np.moveaxis(np.array(parts, dtype=float), 0, -1)
        return _shaped(stacked, np.shape(value) + np.shape(x))
    pullback = vjp(f, wrt=position)
    value = f(*copy.deepcopy(args))  # f may write into its arguments
    rows = [pullback(*args, e)[1] for _, e in _basis(value)]
    return _shaped(np.array(rows, dtype=float), np.shape(value) + np.shape(x))


def _part(tangent, i: int, count: int, like):
    """The tangent of the i-th gradient, with its argument's shape (a constant gradient
    has a plain zero tangent)."""
    if count > 1:
        tangent = tangent[i] if isinstance(tangent, tuple) else 0.0
    return np.broadcast_to(tangent, np.shape(like))


def _shaped(values: np.ndarray, shape: tuple):
    return float(values.reshape(())) if shape == () else values.reshape(shape)


def hessian(f: Callable, wrt=0):
    """``fn(*args) -> H`` with ``H.shape == in.shape + in.shape``: forward mode applied to the
    generated reverse-mode gradient (forward-over-reverse), exact, not finite differences.
    For a tuple ``wrt``, the blocks ``((H_xx, H_xy), (H_yx, H_yy))``."""
    positions = resolve_wrt(f, wrt)
    params = parameters(f)

    def hess(*args):
        _refuse_tree("hessian", args, positions)
        kinds = kinds_of_arguments(args, params, positions)
        emitted, gradient = _specialize(f, positions, kinds, False, False)   # the generated f_grad
        emitted.refresh()
        _check_scalar_output(f, args)
        blocks = [[None] * len(positions) for _ in positions]
        for j, q in enumerate(positions):
            _, columns = _all_directions(gradient, q, args + (1.0,))
            for i, p in enumerate(positions):
                parts = [_part(c, i, len(positions), args[p]) for c in columns]
                dtype = np.result_type(args[p], 0.0)
                stacked = np.moveaxis(np.array(parts, dtype=dtype), 0, -1)
                blocks[i][j] = _shaped(stacked, np.shape(args[p]) + np.shape(args[q]))
        if isinstance(wrt, tuple):
            return tuple(tuple(row) for row in blocks)
        return blocks[0][0]

    hess.__name__ = f"{callable_name(f)}_hessian"
    hess.__sourcead__ = {"function": f, "wrt": positions, "mode": "hessian"}
    return hess
