"""The check behind tests/random_trust_programs.py: a generated program is differentiated in
every mode on copies of its arguments and compared with central differences of the user's
function (the truth), step by step where the program changes state between calls.

Outcomes: RIGHT, REFUSED (a ``SourceADError``), WRONG (a number that disagrees, or a
non-numeric output accepted), CRASH (any other exception), MUTATED (a derivative changed an
argument); SKIP where the user's function fails, is not finite or sits on a kink (differences
with two steps disagree). A program's outcome is its worst mode's.
"""
from __future__ import annotations

import copy
import hashlib
import importlib.util
import itertools
import re
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

import sourcead
from sourcead.errors import SourceADError

OUTCOMES = ("RIGHT", "REFUSED", "SKIP", "TIMEOUT", "CRASH", "MUTATED", "WRONG")
BAD = ("WRONG", "CRASH", "MUTATED")
TMP_DIR = Path(tempfile.mkdtemp(prefix="sourcead_trust_"))


@dataclass
class Program:
    """A generated module and how to differentiate it."""

    seed: int
    cls: str
    kind: str
    source: str
    args: tuple
    wrt: int = 0
    steps: int = 1             # states to check; change(step) runs before each after the first
    output: str = "number"     # "number", "size1" (accepted like a scalar) or "nonnumeric"


_loads = itertools.count()


def load(prog: Program):
    """Import the program from a file named after its hash, as a module of its own (state a
    program changes never leaks into another check of the same source)."""
    digest = hashlib.sha1(prog.source.encode()).hexdigest()[:16]
    path = TMP_DIR / f"trust_{digest}.py"
    if not path.exists():
        path.write_text(prog.source)
    name = f"sourcead_trust_{digest}_{next(_loads)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def target(module, step: int) -> Callable:
    return module.target(step) if hasattr(module, "target") else module.f


class Timeout(BaseException):
    """Raised by the soak's alarm: a program took too long (not caught as a crash)."""


@dataclass
class Result:
    outcome: str
    message: str = ""
    modes: dict[str, str] = field(default_factory=dict)   # each mode's worst outcome
    messages: dict[str, str] = field(default_factory=dict)  # and what it said

    def add(self, mode: str, outcome: str, message: str = "") -> None:
        if mode not in self.modes or worse(outcome, self.modes[mode]):
            self.modes[mode], self.messages[mode] = outcome, message
        if worse(outcome, self.outcome):
            self.outcome, self.message = outcome, f"{mode}: {message}"


SEVERITY = ("RIGHT", "REFUSED", "TIMEOUT", "CRASH", "MUTATED", "WRONG")


def worse(a: str, b: str) -> bool:
    return SEVERITY.index(a) > SEVERITY.index(b)


def same(a: Any, b: Any) -> bool:
    """Deep equality of argument trees (arrays element for element, with their dtype)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and (a == b or a != a and b != b)


def replaced(args: tuple, wrt: int, value: Any) -> tuple:
    out = list(copy.deepcopy(args))
    out[wrt] = copy.deepcopy(value)
    return tuple(out)


def as_number(value: Any, output: str) -> float | None:
    """The user's output as a float, or None if it is not the number the program promises."""
    if output == "nonnumeric":
        return None
    if output == "size1":
        ok = isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind == "f"
        return float(value.reshape(())) if ok else None
    if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0 or not np.isrealobj(value) \
            or np.asarray(value).dtype.kind != "f":
        return None
    return float(value)


def differences(phi: Callable, x: Any, eps: float) -> Any:
    """Central differences of the scalar function ``phi`` at ``x`` (a float or an array)."""
    if np.ndim(x) == 0:
        return (phi(x + eps) - phi(x - eps)) / (2 * eps)
    out = np.zeros(np.shape(x))
    for k in range(np.size(x)):
        e = np.zeros_like(x)
        e.flat[k] = eps
        out.flat[k] = (phi(x + e) - phi(x - e)) / (2 * eps)
    return out


def second_differences(phi: Callable, x: Any, h: float) -> Any:
    if np.ndim(x) == 0:
        return (phi(x + h) - 2 * phi(x) + phi(x - h)) / (h * h)
    n = np.size(x)
    out = np.zeros((n, n))
    for i, j in itertools.combinations_with_replacement(range(n), 2):
        ei, ej = np.zeros_like(x), np.zeros_like(x)
        ei.flat[i] += h
        ej.flat[j] += h
        out[i, j] = out[j, i] = (phi(x + ei + ej) - phi(x + ei - ej) - phi(x - ei + ej)
                                 + phi(x - ei - ej)) / (4 * h * h)
    return out.reshape(np.shape(x) + np.shape(x))


def reliable(estimate: Callable[[float], Any], steps: tuple[float, float], tol: float) -> Any:
    """The estimate with the first step, or None where the two steps disagree (a kink)."""
    small, large = estimate(steps[0]), estimate(steps[1])
    if not (np.all(np.isfinite(small)) and np.allclose(small, large, rtol=tol, atol=tol)):
        return None
    return small


def disagreement(got: Any, expected: Any, rtol: float, atol: float, flat: bool = False) -> str:
    """Why ``got`` is not ``expected`` ('' if it is)."""
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return re.sub(r"\s+", " ", f"got {type(got).__name__} {got!r:.120}, expected {expected!r}")
    e = np.asarray(expected, dtype=float)
    if flat:
        g, e = g.ravel(), e.ravel()
    if g.shape != e.shape:
        return f"shape {g.shape}, expected {e.shape}: got {brief(g)}, expected {brief(e)}"
    if not np.allclose(g, e, rtol=rtol, atol=atol):
        return f"got {brief(g)}, expected {brief(e)}"
    return ""


def brief(v: np.ndarray) -> str:
    return re.sub(r"\s+", " ", np.array2string(v, precision=6, separator=", ", threshold=20))


def crash_message(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    first = (str(e).splitlines() or [""])[0][:200]
    return f"{type(e).__name__}: {first}{where}"


MODES = ("reverse", "forward", "jvp", "hessian")


class Truth:
    """What the user's function computes at the program's point, and central differences of
    it: the truth every mode is compared with."""

    def __init__(self, fn: Callable, prog: Program):
        self.fn, self.prog = fn, prog
        self.x = prog.args[prog.wrt]
        self.direction = 0.7 if np.ndim(self.x) == 0 else np.linspace(0.9, -0.6, np.size(self.x))
        self._hessian: Any = "not yet"

    def phi(self, v: Any) -> float:
        return float(np.reshape(self.fn(*replaced(self.prog.args, self.prog.wrt, v)), ()))

    def problem(self) -> str:
        """Why the program cannot be checked here ('' if it can); computes the gradient."""
        try:
            self.value = self.fn(*copy.deepcopy(self.prog.args))
        except Exception as e:  # the user's function itself fails: nothing to check
            return f"function raises {crash_message(e)}"
        if self.prog.output == "nonnumeric":
            return ""
        number = as_number(self.value, self.prog.output)
        if number is None:
            return f"output is {type(self.value).__name__} {np.shape(self.value)}"
        if not (np.isfinite(number) and abs(number) < 1e8):
            return "output not finite"
        try:
            self.grad = reliable(lambda eps: differences(self.phi, self.x, eps), (1e-6, 3e-5), 1e-6)
        except Exception as e:
            return f"function raises near the point: {crash_message(e)}"
        if self.grad is None:
            return "kink"
        self.tangent = np.sum(self.grad * self.direction)
        return ""

    def hessian(self) -> Any:
        if isinstance(self._hessian, str):
            self._hessian = reliable(lambda h: second_differences(self.phi, self.x, h),
                                     (1e-4, 2e-4), 1e-5)
        return self._hessian

    def verdict(self, mode: str, got: Any) -> str | None:
        """'' if ``got`` is right, why not otherwise; None where there is no truth."""
        if self.prog.output == "nonnumeric":
            return f"accepted a {type(self.value).__name__} output, gave " + \
                re.sub(r"\s+", " ", f"{got!r:.100}")
        if mode in ("reverse", "forward"):
            return disagreement(got, self.grad, 1e-5, 1e-6)
        if mode == "jvp":
            if not (isinstance(got, tuple) and len(got) == 2):
                return re.sub(r"\s+", " ", f"jvp gave {got!r:.100}")
            value = disagreement(got[0], self.value, 1e-9, 1e-12, flat=True)
            tangent = disagreement(got[1], self.tangent, 1e-5, 1e-6, flat=True)
            return (f"value {value}" if value else "") + (" " if value and tangent else "") + (
                f"tangent {tangent}" if tangent else "")
        expected = self.hessian()
        return None if expected is None else disagreement(got, expected, 1e-4, 1e-5)


def make_derivative(mode: str, fn: Callable, wrt: int) -> Callable:
    if mode == "reverse":
        return sourcead.grad(fn, wrt=wrt)
    if mode == "forward":
        return sourcead.grad(fn, wrt=wrt, mode="forward")
    if mode == "jvp":
        return sourcead.jvp(fn, wrt=wrt)
    return sourcead.hessian(fn, wrt=wrt)


def run_mode(result: Result, label: str, make: Callable[[], Callable], truth: Truth) -> Callable | None:
    """Build (``make``) and call one derivative on copies of the arguments; record the
    outcome under ``label``; return the derivative for reuse."""
    prog, mode = truth.prog, label.split("(")[0]
    args = copy.deepcopy(prog.args)
    derivative = None
    try:
        derivative = make()
        got = derivative(*args, truth.direction) if mode == "jvp" else derivative(*args)
    except SourceADError as e:
        result.add(label, "REFUSED", (str(e).splitlines() or [""])[0][:200])
        return derivative
    except Exception as e:
        result.add(label, "CRASH", crash_message(e))
        return derivative
    if not same(args, prog.args):
        result.add(label, "MUTATED", f"argument {prog.args!r:.150} became {args!r:.150}")
    why = truth.verdict(mode, got)
    if why is not None:
        result.add(label, "WRONG" if why else "RIGHT", why)
    return derivative


def check(prog: Program, hessian: bool = True) -> Result:
    """Every mode at every step against central differences of the user's function."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            module = load(prog)
        except Exception as e:
            return Result("SKIP", f"module fails to import: {crash_message(e)}")
        try:
            return _check(prog, module, hessian)
        finally:
            sys.modules.pop(module.__name__, None)


def _check(prog: Program, module, hessian: bool) -> Result:
    result = Result("RIGHT")
    modes = [m for m in MODES if (hessian or m != "hessian")
             and not (prog.output == "nonnumeric" and m == "jvp")]
    kept: dict[str, Callable | None] = {}
    first = None
    for step in range(prog.steps):
        if step and hasattr(module, "change"):
            module.change(step)
        fn = target(module, step)
        first = fn if step == 0 else first
        truth = Truth(fn, prog)
        problem = truth.problem()
        if problem:   # no truth here: what the earlier steps found stands
            return result if step else Result("SKIP", f"step {step}: {problem}")
        for mode in modes:
            made = run_mode(result, mode, lambda: make_derivative(mode, fn, prog.wrt), truth)
            if step == 0:
                kept[mode] = made
            elif fn is first and kept.get(mode) is not None:   # built before the change
                run_mode(result, f"{mode}(kept)", lambda: kept[mode], truth)
    return result
