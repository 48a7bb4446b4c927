"""Every construct a differentiated value can flow into: right, or refused, never silently wrong.

A generic harness for issue 11 item 3 ("a value that is differentiated can reach the output
only through a rule"). It is not a list of known offenders: it enumerates what a user can
call on a value, from the libraries themselves, and differentiates a function around each:

- every public callable of ``numpy`` (and ``numpy.linalg`` on a matrix), called as
  ``np.NAME(x)``, ``np.NAME(x, C)`` and ``np.NAME(C, x)`` (``C`` a constant array);
- every method and attribute of ``ndarray`` (``x.NAME()``, ``x.NAME(C)``, ``x.NAME``) and of
  ``float`` on a number;
- every callable of ``builtins``, ``math``, ``operator``, ``statistics``, ``cmath`` and
  ``copy`` on a number and on an array;
- hand-written constructs that need an argument of a particular form (index objects such
  as ``np.r_``, ``functools.reduce``, ``map``, ``np.vectorize``, ``getattr(np, name)``, a
  user object's ``__getitem__`` ...).

Each construct ``E`` becomes ``def f(x): return np.sum(E * x)`` and ``np.sum(E)`` in a module
written to a temporary directory (sourcead reads source), and is classified against central
differences of ``f`` itself, in reverse ``grad``, ``grad(mode="forward")`` and (optionally)
``hessian``: RIGHT, REFUSED (a ``SourceADError``), WRONG (a number that is not the
derivative), CRASH (any other exception) or SKIP (``f`` does not run, is not a real number,
is random, or is not smooth at the point: two step sizes of differences disagree).

``python tests/construct_harness.py [--hessian] [--only WORD]`` prints a table and one line
per construct that is not RIGHT or REFUSED.
"""
from __future__ import annotations

import builtins
import cmath
import copy
import importlib.util
import math
import operator
import signal
import statistics
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __name__ == "__main__":  # the harness checks the sourcead of the checkout it sits in
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sourcead  # noqa: E402
from sourcead.numeric import numeric_jacobian  # noqa: E402

VECTOR = np.array([0.31, 0.47, 0.83])
MATRIX = np.array([[0.9, 0.2], [0.1, 0.7]])
NUMBER = 0.37
C = np.array([0.2, 0.5, 0.9])
INPUTS = {"vector": VECTOR, "matrix": MATRIX, "number": NUMBER}

# Callables that act on the process (files, printing, global state, interpreters) or wait:
# never called. Random generators are skipped by the determinism check.
_UNSAFE_PREFIXES = ("set", "save", "load", "from", "info", "show", "test", "memmap", "get",
                    "print", "disp", "source", "lookfor", "who", "deprecate", "add_",
                    "tracemalloc", "exec", "eval", "compile", "open", "input", "breakpoint",
                    "help", "exit", "quit", "copyright", "credits", "license", "__import__",
                    "delattr", "setattr", "globals", "locals", "vars", "dir", "memoryview",
                    "_", "seterr", "geterr", "errstate", "recfromcsv", "genfromtxt",
                    "loadtxt", "fromfile", "tofile", "dump", "busday", "is_busday",
                    "nested_iters", "nditer", "require", "byte_bounds", "iterable")
_UNSAFE_METHODS = {"dump", "dumps", "tofile", "resize", "setfield", "setflags", "fill",
                   "itemset", "byteswap", "put", "sort", "partition", "__setitem__",
                   "__delitem__", "__setstate__", "__reduce__", "__reduce_ex__",
                   "__init__", "__new__", "__init_subclass__", "__subclasshook__",
                   "__class_getitem__", "__array_function__", "__array_ufunc__",
                   "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__",
                   "__imod__", "__ipow__", "__imatmul__", "__ilshift__", "__irshift__",
                   "__iand__", "__ior__", "__ixor__", "__setattr__", "__delattr__",
                   "__dlpack__", "__dlpack_device__", "__buffer__", "__release_buffer__",
                   "__sizeof__", "__format__", "__getstate__", "__copy__", "__deepcopy__"}


@dataclass(frozen=True)
class Construct:
    label: str        # what the user wrote, e.g. "np.r_[x, x]"
    expression: str   # the same over the parameter ``x``
    input: str        # "vector", "matrix" or "number"


def _safe(name: str) -> bool:
    return not name.startswith(_UNSAFE_PREFIXES) or name in ("__getitem__",)


def _module_callables(module, prefix: str, input_: str, arities=(1, 2)) -> list[Construct]:
    found = []
    for name in sorted(dir(module)):
        obj = getattr(module, name, None)
        if not callable(obj) or not _safe(name) or isinstance(obj, type(np)):
            continue
        forms = ["{f}(x)"] if 1 in arities else []
        if 2 in arities:
            forms += ["{f}(x, C)", "{f}(C, x)"] if input_ != "number" else ["{f}(x, c)", "{f}(c, x)"]
        for form in forms:
            text = form.format(f=f"{prefix}{name}")
            found.append(Construct(text, text, input_))
    return found


def _method_constructs(kind: type, input_: str) -> list[Construct]:
    found = []
    other = "c" if input_ == "number" else "C"
    for name in sorted(dir(kind)):
        if name in _UNSAFE_METHODS or (name.startswith("_") and not name.startswith("__")):
            continue
        attribute = getattr(kind, name)
        if callable(attribute):
            for form in (f"x.{name}()", f"x.{name}({other})", f"x.{name}(x)"):
                found.append(Construct(form, form, input_))
        else:
            found.append(Construct(f"x.{name}", f"x.{name}", input_))
    return found


# Constructs that need arguments of a particular form. Each is over ``x``; the module
# defines C (a constant array), c (a constant number), Box (a class with __getitem__ of its
# own), box (one), and imports functools, operator, math, copy, statistics.
HANDWRITTEN = [
    ("np.r_[x, x]", "vector"), ("np.r_[x, 1.0]", "vector"), ("np.r_[x[0], x[1:]]", "vector"),
    ("np.r_[x, C]", "vector"), ("np.r_['0', x, x]", "vector"), ("np.c_[x, x]", "vector"),
    ("np.c_[x]", "vector"), ("np.r_[x]", "vector"), ("np.r_[x, x][:3]", "vector"),
    ("np.r_[[x]]", "number"), ("np.r_[x, x]", "number"), ("np.c_[x, x]", "matrix"),
    ("np.c_[x, x]", "number"), ("np.r_[x, x]", "matrix"), ("np.r_[x, 2.0 * x]", "number"),
    ("np.s_[x]", "number"), ("np.index_exp[x]", "number"), ("np.ogrid[0.0:x:3j]", "number"),
    ("np.mgrid[0.0:x:3j]", "number"), ("np.ogrid[0.0:1.0:3j] * x", "number"),
    ("box[x]", "number"), ("box[x]", "vector"), ("Box()[x]", "vector"), ("box.scale(x)", "vector"),
    ("box.data * x", "vector"), ("box(x)", "vector"),
    ("float(x)", "number"), ("float(x[0])", "vector"), ("x.item()", "number"),
    ("x[:1].item()", "vector"), ("x[1:2].item()", "vector"), ("x.item(1)", "vector"),
    ("np.float64(x)", "number"), ("np.float64(x[0])", "vector"), ("np.float32(x)", "vector"),
    ("np.float64(x)", "vector"), ("x.astype(np.float32)", "vector"),
    ("x.astype(float)", "vector"), ("x.astype(np.float64)", "vector"),
    ("x.copy()", "vector"), ("x.copy()", "number"), ("np.copy(x)", "vector"),
    ("copy.copy(x)", "vector"), ("copy.deepcopy(x)", "vector"), ("copy.deepcopy(x)", "number"),
    ("np.array(list(x))", "vector"), ("np.array(tuple(x))", "vector"), ("sum(list(x))", "vector"),
    ("x.tolist()[0]", "vector"), ("sum(x.tolist())", "vector"), ("x.tolist()", "number"),
    ("np.asarray(x).sum()", "vector"), ("np.asarray(x)", "vector"), ("np.asanyarray(x)", "vector"),
    ("np.array(x)", "vector"), ("np.array(x)", "number"), ("np.array([x, x])", "number"),
    ("np.array([x, 1.0])", "number"), ("np.array(x, dtype=float)", "vector"),
    ("functools.reduce(operator.mul, x)", "vector"),
    ("functools.reduce(lambda a, b: a * b, x)", "vector"),
    ("functools.reduce(operator.add, [x, x])", "number"),
    ("np.array(list(map(math.sin, x)))", "vector"), ("sum(map(math.sin, x))", "vector"),
    ("sum(filter(None, x))", "vector"), ("np.array(sorted(x, key=abs))", "vector"),
    ("np.array(sorted(x))", "vector"), ("max(x)", "vector"), ("min(x)", "vector"),
    ("max(x, key=abs)", "vector"), ("max(x, 0.5)", "number"), ("min([x, 0.5])", "number"),
    ("operator.mul(x, x)", "vector"), ("operator.mul(x, x)", "number"),
    ("operator.getitem(x, 1)", "vector"), ("operator.neg(x)", "vector"),
    ("math.fsum(x)", "vector"), ("math.fsum([x, x])", "number"), ("math.prod(x)", "vector"),
    ("statistics.mean(x)", "vector"), ("statistics.fmean(x)", "vector"),
    ("statistics.mean([x, 1.0])", "number"),
    ("getattr(np, 'sin')(x)", "vector"), ("getattr(math, 'sin')(x)", "number"),
    ("getattr(x, 'sum')()", "vector"), ("x.__mul__(x)", "vector"), ("x.__pow__(2)", "vector"),
    ("x.__mul__(x)", "number"), ("x.__getitem__(1)", "vector"), ("(x * x).real", "vector"),
    ("x.real", "vector"), ("x.imag", "vector"), ("x.real", "number"), ("x.flat[1]", "vector"),
    ("x.flat", "vector"), ("np.real(x)", "vector"), ("np.imag(x)", "vector"),
    ("np.vectorize(math.sin)(x)", "vector"), ("np.vectorize(lambda v: v * v)(x)", "vector"),
    ("np.frompyfunc(math.sin, 1, 1)(x).astype(float)", "vector"),
    ("np.apply_along_axis(np.sum, 0, x)", "vector"),
    ("np.apply_along_axis(lambda v: v * v, 0, x)", "vector"),
    ("np.piecewise(x, [x < 0.5], [lambda v: v * v, lambda v: v])", "vector"),
    ("np.einsum('i,i->', x, x)", "vector"), ("np.einsum('i,i', x, x)", "vector"),
    ("np.einsum(x, [0], x, [0])", "vector"), ("np.einsum('i->', x)", "vector"),
    ("np.einsum('ij->i', x)", "matrix"), ("np.einsum('ii', x)", "matrix"),
    ("x[np.where(x > 0.4)]", "vector"), ("x[np.nonzero(x > 0.4)]", "vector"),
    ("x[np.argsort(x)]", "vector"), ("x[np.argsort(-x)][0]", "vector"),
    ("np.where(x > 0.4, x, 0.0)", "vector"), ("np.where(x > 0.4)[0]", "vector"),
    ("np.take(x, np.argsort(x))", "vector"), ("x[x > 0.4]", "vector"),
    ("np.sort(x)[::-1]", "vector"), ("np.unique(x)", "vector"), ("np.nan_to_num(x)", "vector"),
    ("np.polyval(x, 0.5)", "vector"), ("np.polyval([1.0, 2.0], x)", "vector"),
    ("np.interp(0.5, C, x)", "vector"), ("np.interp(x, C, C)", "vector"),
    ("np.linspace(0.0, x, 3)", "number"), ("np.full(3, x)", "number"),
    ("np.full_like(C, x)", "number"), ("np.ones(3) * x", "number"),
    ("np.array(np.broadcast_arrays(x, C)[0])", "vector"), ("np.meshgrid(x, x)[0]", "vector"),
    ("np.block([x, x])", "vector"), ("np.column_stack([x, x])", "vector"),
    ("np.row_stack([x, x])", "vector"), ("np.dstack([x, x])", "vector"),
    ("np.append(x, x)", "vector"), ("np.insert(x, 1, x[0])", "vector"),
    ("np.pad(x, 1)", "vector"), ("np.resize(x, 4)", "vector"), ("np.diag(x)", "vector"),
    ("np.diag(x)", "matrix"), ("np.diagonal(x)", "matrix"), ("np.trapz(x)", "vector"),
    ("np.gradient(x)", "vector"), ("np.convolve(x, C)", "vector"),
    ("np.correlate(x, C, 'full')", "vector"), ("np.cross(x, C)", "vector"),
    ("np.median(x)", "vector"), ("np.percentile(x, 40)", "vector"),
    ("np.quantile(x, 0.4)", "vector"), ("np.average(x, weights=C)", "vector"),
    ("np.cov(x, C)", "vector"), ("np.corrcoef(x, C)", "vector"),
    ("np.histogram(x, bins=2, weights=C)[0]", "vector"),
    ("np.histogram(C, bins=2, weights=x)[0]", "vector"),
    ("np.bincount([0, 1, 1], weights=x)", "vector"), ("np.add.reduce(x)", "vector"),
    ("np.add.accumulate(x)", "vector"), ("np.multiply.reduce(x)", "vector"),
    ("np.multiply.outer(x, x)", "vector"), ("np.add.at(x, 0, 1.0)", "vector"),
    ("np.maximum.reduce(x)", "vector"), ("np.sin.__call__(x)", "vector"),
    ("np.matrix(x)", "matrix"), ("np.asmatrix(x)", "matrix"), ("np.mat(x)", "matrix"),
    ("np.linalg.norm(x, ord=3)", "vector"), ("np.linalg.matrix_power(x, 2)", "matrix"),
    ("np.linalg.multi_dot([x, x])", "matrix"), ("np.linalg.eig(x)[0]", "matrix"),
    ("np.linalg.eigvals(x)", "matrix"), ("np.linalg.qr(x)[1]", "matrix"),
    ("np.linalg.svd(x)[1]", "matrix"), ("np.linalg.tensorsolve(x, C[:2])", "matrix"),
    ("np.linalg.cond(x)", "matrix"), ("np.fft.fft(x).real", "vector"),
    ("np.fft.rfft(x).real", "vector"), ("np.fft.fft(x)", "vector"),
    ("np.emath.sqrt(x)", "vector"), ("np.ma.masked_array(x).sum()", "vector"),
    ("'{}'.format(x) and x", "number"), ("str(x) and x", "number"), ("repr(x) and x", "vector"),
    ("complex(x).real", "number"), ("abs(complex(x, x))", "number"),
    ("round(x, 2)", "number"), ("round(x)", "number"), ("int(x * 10)", "number"),
    ("divmod(x, 0.3)[1]", "number"), ("divmod(x, 0.3)[0]", "number"), ("pow(x, 3)", "number"),
    ("pow(x, 3, 5)", "number"), ("next(iter(x))", "vector"), ("list(reversed(x))[0]", "vector"),
    ("np.array(list(reversed(x)))", "vector"), ("x[::-1]", "vector"), ("dict(a=x)['a']", "number"),
    ("[x, x][1]", "number"), ("(x,)[0]", "number"), ("{'a': x}['a']", "vector"),
    ("{x: 1.0}[x] * x", "number"), ("list(zip(x, x))[0][1]", "vector"),
    ("list(enumerate(x))[1][1]", "vector"), ("np.fromiter(x, float)", "vector"),
    ("np.fromiter(map(math.sin, x), float)", "vector"), ("np.stack(list(x))", "vector"),
    ("np.concatenate([x, x])", "vector"), ("np.hstack([x, [1.0]])", "vector"),
    ("np.vstack((x, x))", "vector"), ("np.array([x, x])", "vector"),
    ("np.array([[x, x], [x, x]])", "number"),
    ("getattr(np, 'r_')[x, x]", "vector"), ("type(np.r_)()[x, x]", "vector"),
    ("float(x[:1])", "vector"), ("float(str(x))", "number"), ("np.float64(repr(x))", "number"),
    ("np.shape(x) * x", "vector"), ("x.shape * x", "vector"), ("np.sum(x.tolist())", "vector"),
    ("np.mean((x, x))", "number"), ("np.sum(np.linalg.slogdet(x))", "matrix"),
    ("np.linalg.slogdet(x)[1]", "matrix"), ("dict(zip(x, x))[x[0]]", "vector"),
    ("sorted(dict.fromkeys(x))[0]", "vector"), ("x.clip(0.4, 0.7)", "vector"),
    ("x.round(1) + x.conj()", "vector"), ("x.cumsum()[-1]", "vector"),
    ("Box().sum(x)", "vector"), ("Box().dot(x)", "vector"), ("box.sum(x)", "vector"),
    ("Box().scale(x)", "vector"),
]


def constructs(only: str | None = None) -> list[Construct]:
    found = [Construct(text, text, input_) for text, input_ in HANDWRITTEN]
    found += _module_callables(np, "np.", "vector")
    found += _module_callables(np.linalg, "np.linalg.", "matrix", arities=(1,))
    found += _module_callables(np, "np.", "number", arities=(1,))
    found += _method_constructs(np.ndarray, "vector")
    found += _method_constructs(np.ndarray, "matrix")
    found += _method_constructs(float, "number")
    for input_ in ("number", "vector"):
        found += _module_callables(builtins, "", input_)
        found += _module_callables(math, "math.", input_)
        found += _module_callables(operator, "operator.", input_)
        found += _module_callables(statistics, "statistics.", input_)
        found += _module_callables(cmath, "cmath.", input_, arities=(1,))
        found += _module_callables(copy, "copy.", input_, arities=(1,))
    unique = list(dict.fromkeys(found))
    return [c for c in unique if only is None or only in c.label]


TEMPLATES = {"times": "np.sum(({e}) * x)", "alone": "np.sum({e})"}

PRELUDE = '''import copy
import functools
import math
import operator
import statistics

import numpy as np

C = np.array([0.2, 0.5, 0.9])
c = 0.6


class Box:
    """A user object with a __getitem__ and a method of its own."""
    data = np.array([1.0, 2.0, 3.0])

    def __getitem__(self, key):
        return key * key

    def __call__(self, v):
        return v * v

    def scale(self, v):
        return 2.0 * v

    def sum(self, v):  # named like an array's method, computes something else
        return v * v

    def dot(self, v):
        return 3.0 * v


box = Box()
'''


def module_text(items: list[Construct]) -> str:
    lines = [PRELUDE]
    for k, item in enumerate(items):
        for template_name, template in TEMPLATES.items():
            lines.append(f"def f_{template_name}_{k}(x):\n    return {template.format(e=item.expression)}\n")
    return "\n\n".join(lines)


def load(items: list[Construct], directory: str):
    path = Path(directory) / "harness_constructs.py"
    path.write_text(module_text(items))
    spec = importlib.util.spec_from_file_location("harness_constructs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def _copy(x):
    return np.array(x) if isinstance(x, np.ndarray) else x


def _run(f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(_copy(x))


def truth(f, x):
    """Central differences of ``f`` at ``x`` and their uncertainty (how much two step sizes
    disagree), or None where there is no reliable one."""
    try:
        first, second = _run(f, x), _run(f, x)
    except Exception:  # noqa: BLE001 - a construct that does not run on this input
        return None
    if not _is_real_number(first) or not _is_real_number(second) or first != second:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fine = sourcead.numeric_grad(f, _copy(x))
            coarse = sourcead.numeric_grad(f, _copy(x), eps=1e-4)
        except Exception:  # noqa: BLE001
            return None
    if not np.all(np.isfinite(fine)) or not np.allclose(fine, coarse, rtol=1e-3, atol=1e-4):
        return None  # not smooth at x (a kink or a jump): no truth to compare with
    # (values rounded to float32 make differences uncertain at the 1e-3 level)
    return fine, float(np.max(np.abs(np.asarray(fine) - coarse), initial=0.0))


def _is_real_number(v) -> bool:
    if isinstance(v, np.ndarray):
        if v.size != 1:
            return False
        v = v.reshape(())[()]
    return isinstance(v, (float, int, np.floating, np.integer)) and not isinstance(v, bool) \
        and math.isfinite(float(v))


def _modes(hessian: bool):
    modes = {"reverse": lambda f: sourcead.grad(f),
             "forward": lambda f: sourcead.grad(f, mode="forward")}
    if hessian:
        modes["hessian"] = lambda f: sourcead.hessian(f)
    return modes


def classify(f, x, expected, mode: str, make, timeout: int = 60,
             uncertainty: float = 0.0) -> tuple[str, str]:
    """(outcome, detail) of one derivative of ``f`` at ``x``: a silently dropped derivative
    is off by about the size of the derivative, far more than the differences' uncertainty."""
    given = _copy(x)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = make(f)(given)
    except sourcead.SourceADError as e:
        return "REFUSED", e.reason.splitlines()[0][:120]
    except Timeout:
        return "TIMEOUT", ""
    except Exception as e:  # noqa: BLE001 - a raw crash is a finding
        return "CRASH", f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if isinstance(x, np.ndarray) and not np.array_equal(given, x):
        return "MUTATED", ""
    try:
        ok = np.allclose(np.asarray(got, dtype=float), expected, rtol=1e-4,
                         atol=max(1e-5, 10 * uncertainty))
    except Exception:  # noqa: BLE001 - not a number of the right shape
        ok = False
    return ("RIGHT", "") if ok else ("WRONG", f"got {got!r}, truth {expected!r}")


def hessian_truth(f, x):
    """Differences of sourcead's reverse gradient (checked against differences of f)."""
    gradient = sourcead.grad(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return numeric_jacobian(gradient, _copy(x))


def run(items: list[Construct], hessian: bool = False, report=None):
    """Outcome per (construct, template, mode): a list of (construct, template, mode,
    outcome, detail)."""
    results = []
    with tempfile.TemporaryDirectory() as directory:
        module = load(items, directory)
        for k, item in enumerate(items):
            x = INPUTS[item.input]
            for template_name in TEMPLATES:
                f = getattr(module, f"f_{template_name}_{k}")
                module.C = C.copy()  # a construct may write into it (``np.floor(x, C)``)
                found = truth(f, x)
                if found is None:
                    results.append((item, template_name, "-", "SKIP", ""))
                    continue
                expected, uncertainty = found
                outcomes = {}
                for mode, make in _modes(hessian).items():
                    want, module.C = expected, C.copy()
                    if mode == "hessian":
                        if outcomes.get("reverse") != "RIGHT":
                            continue
                        want = hessian_truth(f, x)
                    outcome, detail = classify(f, x, want, mode, make,
                                               uncertainty=uncertainty)
                    outcomes[mode] = outcome
                    results.append((item, template_name, mode, outcome, detail))
                    if report is not None:
                        report(results[-1])
    return results


BAD = ("WRONG", "CRASH", "MUTATED", "TIMEOUT")


def main(argv: list[str]) -> int:
    hessian = "--hessian" in argv
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    items = constructs(only)

    def report(row):
        item, template_name, mode, outcome, detail = row
        if outcome in BAD:
            print(f"{outcome:8} {mode:8} {item.input:6} {template_name:5} {item.label}   {detail}",
                  flush=True)

    results = run(items, hessian, report)
    counts: dict = {}
    for _, _, mode, outcome, _ in results:
        counts.setdefault(mode, {}).setdefault(outcome, 0)
        counts[mode][outcome] += 1
    print(f"{len(items)} constructs")
    for mode, by_outcome in sorted(counts.items()):
        print(mode, dict(sorted(by_outcome.items())))
    wrong = sorted({r[0].label + " (" + r[0].input + ")" for r in results if r[3] == "WRONG"})
    print(f"{len(wrong)} constructs silently wrong:")
    for label in wrong:
        print("   ", label)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
