"""The derivative cache and the dispatchers that find a derivative for each call.

In: a callable, what a derivative of it is specialized on (wrt positions, argument kinds,
mode, the call's shape) and, per call, its arguments.
Out: the generated function to run, bound to the callable's values as they are now.

Two levels, as in a JIT:
* ``Template``s, cached by *code* and kinds (``bind.structure`` of the callable: its code
  object, the shape of a bound method or partial), never by a value that can change. The
  cache is bounded, and holds no value of the user's, so a training loop that makes a new
  ``lambda w: loss(w, batch)`` at each step reuses one derivative and keeps memory flat.
  Building is serialized by a lock: threads making the same first call build it once.
* ``Specialization``s: a template bound to one callable (``bind.Binding``); each call
  refreshes the values the derivative reads and checks what it depends on, and moves to
  another template (found or built) when something changed.
On top, ``grad``'s dispatcher goes from argument types (one dict lookup) to the function
built for them, and for arrays from shapes to the function built for their signatures.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import threading
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import shapes
from .analyze import Kind, kind_of_value
from .arguments import CONTAINERS, Kinds, example_value, refuse_output, shaped_like
from .bind import Binding, Template, structure
from .errors import SourceADError, UsageError
from .parse import Shape, callable_name
from .pipeline import derive

_MAX_TEMPLATES = 512   # derivatives kept, least recently used first out
_MAX_VARIANTS = 8      # per key: templates built for different values of the same code
_CACHE: OrderedDict[tuple, list[Template]] = OrderedDict()
_LOCK = threading.RLock()


def clear_cache() -> None:
    """Forget every derivative (after a new rule is defined)."""
    with _LOCK:
        _CACHE.clear()


class Specialization:
    """One derivative of ``f``: a template for its code and kinds, bound to its values."""
    __slots__ = ("f", "wrt", "kinds", "preserve_result", "verbose", "mode", "shape", "binding",
                 "scalar_output", "numpy_numbers")

    def __init__(self, f: Callable, wrt: tuple[int, ...], kinds: Kinds, preserve_result: bool,
                 verbose: bool, mode: str, shape: Shape | None, scalar_output: bool | str = False,
                 numpy_numbers: bool = False):
        self.f, self.wrt, self.kinds = f, wrt, kinds
        self.preserve_result, self.verbose, self.mode = preserve_result, verbose, mode
        self.shape = shape if shape is not None else Shape(len(kinds))
        self.scalar_output, self.numpy_numbers = scalar_output, numpy_numbers
        self.binding: Binding | None = None
        self.current()

    @property
    def template(self) -> Template:
        return self.binding.template

    @property
    def source(self) -> str:
        return self.binding.template.source

    @property
    def stable(self) -> bool:
        """Nothing the derivative reads can change: ``current()`` is always the same."""
        return self.binding.template.refresher is None

    def refresh(self) -> Callable:
        return self.current()

    def current(self) -> Callable:
        """The generated function, bound to the values ``f`` has now."""
        binding = self.binding
        if binding is not None and binding.refresh():
            return binding.entry
        self.binding = self._bind()
        return self.binding.entry

    def _bind(self) -> Binding:
        for _ in range(3):  # a value may change while the derivative is built: once more
            root = source_function(self.f, self.kinds)
            key = self._key(root)
            with _LOCK:
                binding = self._plain_from_checked(key, root) or _bound_from_cache(key, root)
                if binding is None:
                    template = self._build(root)
                    if key is not None:
                        _remember(key, template)
                    binding = template.bind(root)
            if binding is not None:
                return binding
        raise UsageError(f"the values {callable_name(self.f)} reads keep changing while its "
                         "derivative is built", hint="do not change them from another thread "
                                                     "during the first call")

    def _plain_from_checked(self, key: tuple | None, root: Any) -> Binding | None:
        """A gradient asked for without a value check (``"static"``) is the one built with
        the check whenever the kinds made the check unnecessary: no second build."""
        if key is None or self.scalar_output != "static":
            return None
        checked = key[:-1] + (True,)
        for template in _CACHE.get(checked, ()):
            if template.value_checked is None:
                binding = template.bind(root)
                if binding is not None:
                    return binding
        return None

    def _key(self, root: Any) -> tuple | None:
        found = structure(root)
        if found is None:
            return None
        return (found, self.wrt, self.kinds, self.preserve_result, self.mode, self.shape,
                self.numpy_numbers, self.scalar_output)

    def _build(self, root: Any) -> Template:
        with _without_cycle_collection():
            template = derive(root, self.wrt, self.kinds, mode=self.mode,
                              preserve_result=self.preserve_result, shape=self.shape,
                              scalar_output=self.scalar_output,
                              numpy_numbers=self.numpy_numbers)
        if self.verbose:
            print(template.source)
        return template


def _bound_from_cache(key: tuple | None, root: Any) -> Binding | None:
    """A cached template of this code and kinds that fits ``root``'s values, bound to it."""
    if key is None or key not in _CACHE:
        return None
    _CACHE.move_to_end(key)
    for template in _CACHE[key]:
        binding = template.bind(root)
        if binding is not None:
            return binding
    return None


def _remember(key: tuple, template: Template) -> None:
    variants = _CACHE.setdefault(key, [])
    variants.insert(0, template)
    del variants[_MAX_VARIANTS:]
    _CACHE.move_to_end(key)
    while len(_CACHE) > _MAX_TEMPLATES:
        _CACHE.popitem(last=False)


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


def source_function(f: Callable, kinds: Kinds) -> Callable:
    """A sourcead derivative is differentiated through the code it generated."""
    if hasattr(f, "generated"):
        return f.generated(*[_example(k) for k in kinds])
    return f


_example = example_value


class Specializations:
    """The specializations one API object has made, by what they are specialized on."""
    __slots__ = ("f", "verbose", "found", "lock")

    def __init__(self, f: Callable, verbose: bool = False):
        self.f, self.verbose, self.found = f, verbose, {}
        self.lock = threading.Lock()

    def get(self, wrt: tuple[int, ...], kinds: Kinds, preserve_result: bool = False,
            mode: str = "reverse", shape: Shape | None = None,
            scalar_output: bool | str = False, numpy_numbers: bool = False) -> Specialization:
        key = (wrt, kinds, preserve_result, mode, shape, scalar_output, numpy_numbers)
        found = self.found.get(key)
        if found is None:
            found = Specialization(self.f, wrt, kinds, preserve_result, self.verbose, mode,
                                   shape, scalar_output, numpy_numbers)
            with self.lock:
                if len(self.found) >= _MANY_SHAPES:
                    self.found.clear()
                self.found[key] = found
        return found


# ---- grad's dispatcher -----------------------------------------------------------------------

def dispatch_key(args: tuple) -> tuple:
    """Argument types; for a list, tuple or dict its structure too (keys, lengths, leaf kinds),
    so a key never found by the types alone: containers always take the building path."""
    key = tuple(map(type, args))
    if any(t in CONTAINERS for t in key):
        key += tuple(kind_of_value(a) for a in args if isinstance(a, CONTAINERS))
    return key


def _arrays(key: tuple) -> tuple[int, ...]:
    """Positions of the ndarray arguments in a type key."""
    return tuple(k for k, t in enumerate(key) if isinstance(t, type) and issubclass(t, np.ndarray))


def signature_key(args: tuple, kwargs: dict) -> tuple:
    """The shape signature of every array argument: derivatives are specialized on which
    axes have size 1, so code made for shape (3,) never runs on (1,)."""
    values = list(args) + [v for _, v in sorted(kwargs.items())]
    return tuple(shapes.of_shape(v.shape) for v in values if isinstance(v, np.ndarray))


_MANY_SHAPES = 256  # shapes remembered per type key (a new batch size each call stays bounded)


def by_shapes(specialize: Callable, key: tuple, arity: int | None) -> Callable:
    """The second level of dispatch, for calls with arrays: by the arrays' shapes (a dict
    lookup), to the function built for their signatures. Shapes with the same signature
    share that function: a new batch size does not generate code again. ``arity``: the
    number of positional arguments, for a dispatcher with plain parameters (no packing)."""
    arrays = _arrays(key)
    by_shape: dict[tuple, Callable] = {}

    def shape_of(args: tuple, kwargs: dict) -> tuple:
        return signature_key(args, kwargs) if kwargs else tuple([args[k].shape for k in arrays])

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
        exec(_compiled(text, "<sourcead: dispatcher by shapes>"), namespace)
        return namespace["dispatch"]

    def dispatch(*args, **kwargs):
        impl = by_shape.get(shape_of(args, kwargs))
        if impl is None:
            impl = build(*args, **kwargs)
        return impl(*args, **kwargs)
    return dispatch


def type_key(args: tuple, kwargs: dict) -> tuple:
    """What a specialization depends on: the types of the arguments (and the keywords)."""
    key = dispatch_key(args)
    return key if not kwargs else key + tuple((k, type(v)) for k, v in sorted(kwargs.items()))


def fixed_arity(params: list, name: str, lookup: Callable, build: Callable,
                wrong: Callable, edge: Callable) -> Callable | None:
    """A dispatcher with ``f``'s own parameters: ``(type(x), type(y))`` is a few times
    cheaper than packing ``*args`` and mapping ``type`` over it, and keywords work too.
    It checks its own arguments (``wrong(args, kwargs)`` says what is missing or too many)
    and hands a float edge where Python raises to ``edge(error, args)``. Functions with
    defaults or variable arguments keep the general dispatcher."""
    if any(p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty for p in params):
        return None
    names = ", ".join(p.name for p in params)
    given = ", ".join(f"{p.name}=_sourcead_missing" for p in params)
    missing = " or ".join(f"{p.name} is _sourcead_missing" for p in params) or "False"
    key = "".join(f"type({p.name}), " for p in params)
    text = (f"def dispatch({given + ', ' if given else ''}*_sourcead_extra, "
            f"**_sourcead_named):\n"
            f"    if {missing} or _sourcead_extra or _sourcead_named:\n"
            f"        _sourcead_wrong(tuple(a for a in ({names}{',' if names else ''}) "
            f"if a is not _sourcead_missing) + _sourcead_extra, _sourcead_named)\n"
            f"    impl = _sourcead_lookup(({key}))\n"
            f"    if impl is None:\n"
            f"        impl = _sourcead_build({names})\n"
            f"    try:\n"
            f"        return impl({names})\n"
            f"    except (ZeroDivisionError, OverflowError, ValueError) as error:\n"
            f"        return _sourcead_edge(error, ({names}{',' if names else ''}))\n")
    namespace = {"_sourcead_lookup": lookup, "_sourcead_build": build,
                 "_sourcead_missing": _MISSING_ARGUMENT, "_sourcead_wrong": wrong,
                 "_sourcead_edge": edge}
    exec(_compiled(text, f"<sourcead: dispatcher of {name}>"), namespace)
    return namespace["dispatch"]


class _Missing:
    def __repr__(self) -> str:
        return "<no argument>"


_MISSING_ARGUMENT = _Missing()


@functools.lru_cache(maxsize=1024)
def _compiled(text: str, filename: str):
    """A dispatcher's code, compiled once per text (a training loop makes one per step)."""
    return compile(text, filename, "exec")


def numpy_scalars(values: tuple, positions: tuple[int, ...]) -> bool:
    """Differentiated arguments that are NumPy numbers or 0-d arrays, whose gradient must be
    one too (arithmetic on them may give another type)."""
    return any(isinstance(values[p], (np.generic, np.ndarray)) for p in positions
               if p < len(values))


def finish(spec: Specialization, kinds: Kinds, positions: tuple[int, ...], as_tuple: bool,
           preserve_result: bool, numpy_numbers: bool = False) -> Callable:
    """The generated function itself, or a thin wrapper where the API promises more:
    the values the code reads, as they are now (``current``); gradients of their argument's
    type and shape (arrays, NumPy numbers); a tuple for a tuple ``wrt``; and a returned
    value checked to be a number where the kinds could not show it."""
    arrays = numpy_numbers or any(kinds[p].tag != "scalar" for p in positions)
    wrap = as_tuple and len(positions) == 1
    template = spec.template
    plain = template.value_checked is None and template.seed_shape is None
    impl = spec.current()
    if not wrap and not preserve_result and plain and spec.stable:
        if not arrays:
            return impl
        if len(positions) == 1:
            return _one_array_gradient(impl, positions[0])
        return _gradients(impl, positions)

    def finished(*args):
        out = run_gradient(spec, args, preserve_result)
        if arrays:
            out = shaped_like(out, args, positions, preserve_result)
        if wrap:
            return ((out[0],), out[1]) if preserve_result else (out,)
        return out
    return finished


def run_gradient(spec: Specialization, args: tuple, preserve_result: bool):
    """Run the generated gradient: seeded with 1.0, or with ones of a size-1 output's shape;
    where the kinds could not show that the output is a number, its value is checked (and
    when the run fails before it returns one, the value is computed forward, to say why)."""
    impl = spec.current()
    template = spec.binding.template
    seed = () if template.seed_shape is None else (np.ones(template.seed_shape),)
    where = template.value_checked
    if where is None:
        return impl(*args, *seed)
    try:
        grads, value = impl(*args, *seed)
    except SourceADError:
        raise
    except Exception:
        value = forward_value(spec, args)
        refuse_output(spec.f, value, where)
        if np.ndim(value) == 0:
            raise
        grads, value = impl(*args, np.ones(np.shape(value)))
    refuse_output(spec.f, value, where)
    if np.ndim(value) > 0 and not seed:  # a size-1 array: seeded with ones of its shape
        grads, value = impl(*args, np.ones(np.shape(value)))
    return (grads, value) if preserve_result else grads


def forward_value(spec: Specialization, args: tuple):
    """The value of ``spec.f`` at ``args``, computed by its forward-mode derivative."""
    forward = Specializations(spec.f).get(spec.wrt, spec.kinds, mode="forward",
                                          shape=spec.shape, numpy_numbers=spec.numpy_numbers)
    zeros = [np.zeros(np.shape(args[p])) if np.ndim(args[p]) else 0.0 for p in spec.wrt]
    return forward.current()(*args, *zeros)[0]


def seed_for(spec: Specialization, args: tuple):
    """What a gradient of ``spec.f`` is seeded with at ``args`` (1.0, or ones of a size-1
    output's shape), its output checked to be a number where its kinds could not show it."""
    template = spec.template
    if template.value_checked is None:
        return 1.0 if template.seed_shape is None else np.ones(template.seed_shape)
    value = forward_value(spec, args)
    refuse_output(spec.f, value, template.value_checked)
    return np.ones(np.shape(value)) if np.ndim(value) else 1.0


def _one_array_gradient(impl: Callable, position: int) -> Callable:
    """The common case, checked without packing anything: one gradient, of an array."""
    def finished(*args):
        out = impl(*args)
        arg = args[position]
        if type(out) is np.ndarray and type(arg) is np.ndarray and out.shape == arg.shape:
            return out
        return shaped_like(out, args, (position,), False)
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
        return shaped_like(out, args, positions, False)
    return finished


def arity_error(f: Callable, err: TypeError) -> SourceADError:
    """A derivative called with arguments its function does not take."""
    return UsageError(f"{callable_name(f)}: {err}".replace("dispatch()", callable_name(f) + "()"),
                      hint="call the derivative with the arguments the function takes")
