"""Random programs over the newer constructs, and the check that runs every mode on them.

``program(seed)`` writes the source of ``f(x, y)`` (x a vector of 4, y a float) that mixes:
writes into arrays (``a[i] = v``, ``a[i] += v``, ``a[i:j] = v``, ``a[mask] = v``, rows
``H[r] = ...``, sometimes into the parameter ``x`` itself) inside loops and branches, read
back from the same array; branches on data; ``break``/``continue``/``return`` in loops; nested
loops; lists built by ``append`` and comprehensions, ``sum`` of them, dict literals; calls to
helpers with defaults and keywords, a nested ``def`` closing over a variable that changes, and
a lambda. Indices always stay in 0..3 (rows in 0..2), and everything a loop assigns goes
through a bounded function, so values stay tame and finite differences meaningful.

``check(source, args)`` differentiates it in every mode and returns a short status
("ok", or "skip: ..." where the point sits on a kink); it raises AssertionError on a wrong
derivative and lets any other exception through.

Soak outside the suite with ``python tests/random_programs_more.py FIRST COUNT``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import random
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

import sourcead
from sourcead.errors import SourceADError

N = 4  # length of x and of the local array a; H has 3 rows of N
BOUNDED = ("math.sin({})", "math.tanh({})", "np.cos({})", "np.tanh({})", "math.exp(math.tanh({}))")
ARRAY_BOUNDED = ("np.sin({})", "np.tanh({})", "np.cos({})")
BINARY = ("({} + {})", "({} - {})", "({} * {})", "({} / (1.0 + {b} * {b}))")
TMP_DIR = Path(tempfile.mkdtemp(prefix="sourcead_random_more_"))


@dataclass(frozen=True)
class Scope:
    """What a statement may use: loop variables (name, lowest value), nesting left, whether
    it sits in a loop, and which optional features the program has."""

    rng: random.Random
    loops: tuple[str, ...] = ()
    depth: int = 2
    in_loop: bool = False
    features: frozenset[str] = frozenset()

    def pick(self, options):
        return self.rng.choice(list(options))

    def inner(self, **changes: Any) -> "Scope":
        return replace(self, depth=self.depth - 1, **changes)


# ---------------------------------------------------------------- expressions

def index(sc: Scope) -> str:
    """An integer expression always in 0..N-1."""
    if sc.loops and sc.rng.random() < 0.8:
        v = sc.pick(sc.loops)
        return sc.pick((v, f"{N - 1} - {v}", f"({v} + 1) % {N}", f"({v} + {v}) % {N}"))
    return str(sc.rng.randrange(N))


def scalar_leaf(sc: Scope) -> str:
    options = ["y", "s", "t", "0.5", "1.5", "a[{}]", "a[{}]", "x[{}]", "np.sum(a) * 0.25"]
    if "H" in sc.features:
        options.append(f"H[{sc.rng.randrange(3)}, {{}}]")
    leaf = sc.pick(options)
    return leaf.format(index(sc)) if "{}" in leaf else leaf


def scalar_expr(sc: Scope, depth: int) -> str:
    kinds = ["leaf"] if depth == 0 else ["leaf", "unary", "binary", "binary"]
    if depth > 0 and sc.features & {"g", "h", "inner", "sq"}:
        kinds.append("call")
    kind = sc.pick(kinds)
    if kind == "leaf":
        return scalar_leaf(sc)
    if kind == "unary":
        return sc.pick(BOUNDED + ("(-{})",)).format(scalar_expr(sc, depth - 1))
    if kind == "call":
        return call(sc, depth - 1)
    left, right = scalar_expr(sc, depth - 1), scalar_expr(sc, depth - 1)
    return sc.pick(BINARY).format(left, right, b=right)


def call(sc: Scope, depth: int) -> str:
    """A call to a helper: positional, keyword, default or not; a closure; a lambda."""
    which = sc.pick(sorted(sc.features & {"g", "h", "inner", "sq"}))
    e1, e2 = scalar_expr(sc, depth), scalar_expr(sc, depth)
    if which == "g":
        return sc.pick((f"g({e1}, {e2})", f"g({e1}, {e2}, c=1.5)", f"g(v={e2}, u={e1})",
                        f"g({e1}, c=-0.5, v={e2})"))
    if which == "h":
        arr = sc.pick(("a * x", "a[1:3] * y", "x * 0.5", "np.sin(a)"))  # fresh: `h(a)` may return a
        return sc.pick((f"h({arr})", f"h({arr}, k={e1})", f"h({arr}, {e1})"))
    return f"{which}({e1})"


def bounded(sc: Scope) -> str:
    return sc.pick(BOUNDED).format(scalar_expr(sc, 2))


def array_expr(sc: Scope, length: int) -> str:
    """An array of ``length`` elements read from a, x (or a row of H when length is N)."""
    start = sc.rng.randrange(N - length + 1)
    parts = [f"a[{start}:{start + length}]", f"x[{start}:{start + length}]"]
    if length == N:
        parts += ["a", "x"] + (["H[{}]".format(sc.rng.randrange(3))] if "H" in sc.features else [])
    base = sc.pick(parts)
    scale = sc.pick(("y", "s", scalar_leaf(sc), "0.5"))
    return sc.pick(ARRAY_BOUNDED).format(f"{base} * {scale}")


# ---------------------------------------------------------------- statements

def block(sc: Scope) -> list[str]:
    lines: list[str] = []
    for _ in range(sc.rng.randint(1, 3)):
        kinds = ["scalar", "write", "write", "write", "slice", "mask"]
        kinds += ["row"] if "H" in sc.features else []
        kinds += ["append"] if "xs" in sc.features else []
        kinds += ["if", "for", "for", "while"] if sc.depth > 0 else []
        kinds += ["jump"] if sc.in_loop else []
        kinds += ["comprehension", "dict"] if not sc.in_loop else []
        lines += STATEMENTS[sc.pick(kinds)](sc)
    return lines


def st_scalar(sc: Scope) -> list[str]:
    target = sc.pick(("s", "t"))
    if sc.in_loop:
        return [sc.pick((f"{target} = {bounded(sc)}", f"{target} = {target} + {bounded(sc)}",  # `s += v`: see the report (seed 10)
                         f"{target} = {target} * {bounded(sc)}"))]
    return [f"{target} = {scalar_expr(sc, 2)}"]


def st_write(sc: Scope) -> list[str]:
    """``a[i] = v``, ``a[i] op= v``, reading the same array; into x only if the program may."""
    arr = "x" if "write_x" in sc.features and sc.rng.random() < 0.3 else "a"
    i = index(sc)
    value = bounded(sc) if sc.in_loop else scalar_expr(sc, 2)
    return [sc.pick((f"{arr}[{i}] = {value}", f"{arr}[{i}] += {bounded(sc)}",
                     f"{arr}[{i}] -= {bounded(sc)}", f"{arr}[{i}] *= {bounded(sc)}",
                     f"{arr}[{i}] = {arr}[{index(sc)}] * {bounded(sc)}"))]


def st_slice(sc: Scope) -> list[str]:
    length = sc.rng.randint(1, N - 1)
    start = sc.rng.randrange(N - length + 1)
    value = sc.pick((array_expr(sc, length), bounded(sc)))
    op = sc.pick(("=", "=", "+="))
    return [f"a[{start}:{start + length}] {op} {value}"]


def st_mask(sc: Scope) -> list[str]:
    source = sc.pick(("a", "x"))
    mask = f"{source} {sc.pick(('>', '<'))} {sc.pick(('0.2', '-0.3', 'y'))}"
    value = sc.pick((bounded(sc), f"a[{mask}] * 0.5", f"np.tanh(a[{mask}] * {scalar_leaf(sc)})"))
    return [f"a[{mask}] = {value}"]


def st_row(sc: Scope) -> list[str]:
    r = sc.rng.randrange(3)
    if sc.loops and sc.rng.random() < 0.6:
        v = sc.pick(sc.loops)
        r = sc.pick((f"{v} % 3", f"({v} + 1) % 3"))
    op = sc.pick(("=", "=", "+="))
    return [f"H[{r}] {op} {array_expr(sc, N)}"]


def st_append(sc: Scope) -> list[str]:
    return [f"xs.append({bounded(sc)})"]


def st_comprehension(sc: Scope) -> list[str]:
    k = "k"
    inner_sc = replace(sc, loops=sc.loops + (k,))
    cond = sc.pick(("", f" if {k} != 2", f" if a[{k}] > 0.0"))
    return [f"zs = [{bounded(inner_sc)} for {k} in range({N}){cond}]",
            f"t = t + sum(zs) * 0.5"]


def st_dict(sc: Scope) -> list[str]:
    return [f"d = {{'p': {scalar_expr(sc, 1)}, 'q': {scalar_expr(sc, 1)}}}",
            f"s = d['p'] * {sc.pick(('0.5', 'd[' + repr('q') + ']'))} + {scalar_leaf(sc)}"]


def condition(sc: Scope) -> str:
    return f"{scalar_expr(sc, 1)} {sc.pick(('>', '<'))} {scalar_expr(sc, 1)}"


def st_if(sc: Scope) -> list[str]:
    lines = [f"if {condition(sc)}:"] + indent(block(sc.inner()))
    if sc.rng.random() < 0.5:
        lines += ["else:"] + indent(block(sc.inner()))
    return lines


def st_for(sc: Scope) -> list[str]:
    v = f"i{len(sc.loops)}"
    header = sc.pick((f"range({N})", f"range(1, {N})", "range(2)", f"reversed(range({N}))"))
    if sc.loops and sc.rng.random() < 0.4:
        header = f"range({sc.loops[-1]})"  # a triangular nested loop
    body = block(sc.inner(loops=sc.loops + (v,), in_loop=True))
    return [f"for {v} in {header}:"] + indent(body)


def st_while(sc: Scope) -> list[str]:
    n = f"n{len(sc.loops)}"
    test = f"{n} < {sc.rng.randint(1, 3)}"
    if sc.rng.random() < 0.5:
        test += f" and {condition(sc)}"
    body = [f"{n} += 1"] + block(sc.inner(loops=sc.loops + (n,), in_loop=True))
    return [f"{n} = 0", f"while {test}:"] + indent(body)


def st_jump(sc: Scope) -> list[str]:
    keyword = sc.pick(("break", "break", "continue", "return"))
    if keyword == "return":
        keyword = f"return np.sum(a * a) + s * {scalar_expr(sc, 1)}"
    return [f"if {condition(sc)}:", f"    {keyword}"]


STATEMENTS: dict[str, Callable[[Scope], list[str]]] = {
    "scalar": st_scalar, "write": st_write, "slice": st_slice, "mask": st_mask, "row": st_row,
    "append": st_append, "comprehension": st_comprehension, "dict": st_dict, "if": st_if,
    "for": st_for, "while": st_while, "jump": st_jump}


def indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


# ---------------------------------------------------------------- whole programs

HELPERS = {
    "g": ["def g(u, v, c=0.5):", "    return u * c + math.sin(v) * u"],
    "h": ["def h(arr, k=1.0):", "    b = np.zeros(len(arr))",
          "    for j in range(len(arr)):", "        b[j] = math.tanh(arr[j] * k)",
          "    return np.sum(b * arr)"],
}


def program(seed: int) -> tuple[str, tuple[np.ndarray, float]]:
    """The source of a module defining ``f(x, y)``, and a point to differentiate it at."""
    rng = random.Random(seed)
    features = {name for name in ("g", "h", "inner", "sq", "H", "xs", "write_x")
                if rng.random() < 0.35}
    sc = Scope(rng, features=frozenset(features), depth=rng.choice((1, 2, 2, 3)))
    lines = ["import math", "import numpy as np", "", ""]
    for name in ("g", "h"):
        if name in features:
            lines += HELPERS[name] + ["", ""]
    body = [sc.pick(("a = x.copy()", "a = np.zeros(4)", "a = x * 0.5", "a = np.ones(4) * y")),
            "s = y", "t = 0.5"]
    if "H" in features:
        body.append("H = np.zeros((3, 4))")
    if "xs" in features:
        body.append("xs = []")
    if "inner" in features:
        body += ["def inner(u):", "    return math.tanh(u * s) + t"]
    if "sq" in features:
        body.append("sq = lambda u, c=0.25: u * u * c + y")
    for _ in range(rng.randint(1, 3)):
        body += block(sc)
    result = "np.sum(a * a) + s * t" + (" + np.sum(H * H)" if "H" in features else "") \
        + (" + sum(xs)" if "xs" in features else "")
    body.append(f"return {result}")
    lines += ["def f(x, y):"] + indent(body)
    x = np.array([rng.uniform(-1.2, 1.2) for _ in range(N)])
    return "\n".join(lines) + "\n", (x, rng.uniform(-1.2, 1.2) + 0.0123)


def load(source: str) -> Callable[..., Any]:
    """Import ``source`` from a file named after its hash (so its source can be read)."""
    name = "sourcead_randmore_" + hashlib.sha1(source.encode()).hexdigest()[:16]
    if name not in sys.modules:
        path = TMP_DIR / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].f


# ---------------------------------------------------------------- checking

def _fd(fn: Callable, x: Any, eps: float) -> Any:
    """Central differences of ``fn`` at ``x`` (a float or an array, any output shape)."""
    if np.ndim(x) == 0:
        return (np.asarray(fn(x + eps)) - np.asarray(fn(x - eps))) / (2 * eps)
    cols = []
    for k in range(np.size(x)):
        e = np.zeros_like(x)
        e.flat[k] = eps
        cols.append((np.asarray(fn(x + e)) - np.asarray(fn(x - e))) / (2 * eps))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(cols[0]) + np.shape(x))


def _reliable_fd(fn: Callable, x: Any, steps=(1e-6, 3e-5), tol=1e-6) -> Any | None:
    """Differences with two steps, or None where they disagree (a kink is near)."""
    small, large = (_fd(fn, x, eps) for eps in steps)
    if not (np.all(np.isfinite(small)) and np.allclose(small, large, rtol=tol, atol=tol)):
        return None
    return small


def _close(got: Any, expected: Any, rtol: float, atol: float, what: str, report: str) -> None:
    assert np.shape(got) == np.shape(expected), f"{what}: shape {np.shape(got)}\n{report}"
    assert np.allclose(got, expected, rtol=rtol, atol=atol), \
        f"{what}:\n got {got!r}\n expected {expected!r}\n{report}"


def check(source: str, args: tuple[np.ndarray, float], second_order: bool = True,
          twice: bool = False) -> str:
    """Every mode against finite differences and each other; the arguments never change."""
    f = load(source)
    x, y = args
    report = f"{source}args = ({x!r}, {y!r})"
    value = f(x.copy(), y)
    if not (np.isfinite(value) and abs(value) < 1e6):
        return "skip: value"
    fx = _reliable_fd(lambda v: f(v, y), x.copy())
    fy = _reliable_fd(lambda v: f(x.copy(), v), y)
    if fx is None or fy is None:
        return "skip: kink"
    before = x.copy()
    (gx, gy), kept = sourcead.grad(f, wrt=(0, 1), preserve_result=True)(x, y)
    assert np.array_equal(x, before), f"grad changed x\n{report}"
    _close(kept, value, 1e-12, 1e-12, "preserved value", report)
    _close(gx, fx, 1e-5, 1e-6, "reverse grad x", report)
    _close(gy, fy, 1e-5, 1e-6, "reverse grad y", report)
    fwx, fwy = sourcead.grad(f, wrt=(0, 1), mode="forward")(x, y)
    _close(fwx, gx, 1e-9, 1e-10, "forward grad x", report)
    _close(fwy, gy, 1e-9, 1e-10, "forward grad y", report)
    direction = np.array([0.3, -0.5, 0.7, 0.2])
    v, tangent = sourcead.jvp(f, wrt=0)(x, y, direction)
    _close(v, value, 1e-12, 1e-12, "jvp value", report)
    _close(tangent, np.dot(gx, direction), 1e-9, 1e-10, "jvp tangent", report)
    v, grads = sourcead.vjp(f, wrt=(0, 1))(x, y, 2.0)
    _close(grads[0], 2 * gx, 1e-9, 1e-10, "vjp x", report)
    _close(grads[1], 2 * gy, 1e-9, 1e-10, "vjp y", report)
    assert np.array_equal(x, before), f"a derivative changed x\n{report}"
    if second_order:
        check_second_order(f, x, y, report, twice)
        assert np.array_equal(x, before), f"a second derivative changed x\n{report}"
    return "ok"


def check_second_order(f: Callable, x: np.ndarray, y: float, report: str, twice: bool) -> None:
    """Hessians (forward over reverse) against differences of the reverse gradient."""
    gy = sourcead.grad(f, wrt=1)
    gx = sourcead.grad(f, wrt=0)
    hyy = sourcead.hessian(f, wrt=1)(x, y)
    expected = _reliable_fd(lambda v: gy(x.copy(), v), y, tol=1e-4)
    if expected is not None:
        _close(hyy, expected, 1e-4, 1e-5, "hessian y", report)
    hxx = sourcead.hessian(f, wrt=0)(x, y)
    expected = _reliable_fd(lambda v: gx(v, y), x.copy(), tol=1e-4)
    if expected is not None:
        _close(hxx, expected, 1e-4, 1e-5, "hessian x", report)
    if twice:
        try:
            rr = sourcead.grad(sourcead.grad(f, wrt=1), wrt=1)(x, y)
        except SourceADError as e:
            assert "hessian" in str(e), f"reverse over reverse refused: {e}\n{report}"
        else:
            _close(rr, hyy, 1e-7, 1e-9, "reverse over reverse y", report)


def soak(first: int, count: int) -> None:
    """Check ``count`` programs from seed ``first``; print one line per failure and a tally."""
    import collections
    import traceback
    tally: collections.Counter[str] = collections.Counter()
    for seed in range(first, first + count):
        source, args = program(seed)
        try:
            status = check(source, args, twice=seed % 5 == 0)
        except AssertionError as e:
            status = "WRONG"
            print(f"seed {seed}: WRONG {str(e).splitlines()[0]}", flush=True)
        except SourceADError as e:
            status = "refused"
            print(f"seed {seed}: refused {str(e).splitlines()[0]}", flush=True)
        except Exception as e:  # a crash inside generated code or the core
            status = "CRASH"
            last = traceback.extract_tb(e.__traceback__)[-1]
            print(f"seed {seed}: CRASH {type(e).__name__}: {e} at {last.filename}:{last.lineno}",
                  flush=True)
        tally[status.split(":")[0]] += 1
    print(dict(tally), flush=True)


if __name__ == "__main__":
    soak(int(sys.argv[1]), int(sys.argv[2]))
