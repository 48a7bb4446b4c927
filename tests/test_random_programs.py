"""Property test: reverse-mode gradients of random small programs agree with finite differences.

Hypothesis writes the source text of a function ``f(x0, x1, x2)``: straight-line arithmetic
(+ - * /, sin/cos/tanh/exp from math and numpy), reassignment, augmented and tuple assignment,
``if``/``elif``/``else`` on comparisons of computed values, ``for`` loops over ``range(k)``,
counter-bounded ``while`` loops (sometimes ``and`` a computed comparison), ``break``,
``continue``, early ``return``, and calls to a generated helper function ``g(a, b)``.
Values stay in safe domains by construction: a division is always ``/ (1.0 + v * v)``, exp
only ever sees ``tanh(...)``, and everything assigned inside a loop is squashed through a
bounded function so repetition cannot overflow.

Each program is written to its own .py file (so ``inspect.getsource`` works) and imported.
Examples are skipped (``assume``) where the value is not finite or where the point sits too close
to a branch: there the finite differences taken with two different steps disagree.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Sequence

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import sourcead
from sourcead.numeric import numeric_grad

INPUTS = ("x0", "x1", "x2")
CONSTANTS = ("0.5", "1.5", "2.0", "0.25", "3")
UNARY = ("math.sin({})", "math.cos({})", "np.sin({})", "np.cos({})", "math.tanh({})",
         "np.tanh({})", "math.exp(math.tanh({}))", "np.exp(np.tanh({}))", "(-{})")
BOUNDED = UNARY[:-1]  # everything except negation keeps |value| <= e
NP_BOUNDED = ("np.sin({})", "np.cos({})", "np.tanh({})", "np.exp(np.tanh({}))")
NP_UNARY = NP_BOUNDED + ("(-{})", "np.sum({})")
BINARY = ("({} + {})", "({} - {})", "({} * {})", "({} / (1.0 + {b} * {b}))")
# Distinct irrational-looking offsets keep points generic: with equal inputs a comparison such
# as ``x0 > x1`` would sit exactly on its tie, a kink that central differences average away.
GENERIC_OFFSETS = (0.0123456789, -0.0271828183, 0.0314159265)
TMP_DIR = Path(tempfile.mkdtemp(prefix="sourcead_random_programs_"))

Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass(frozen=True)
class Program:
    source: str
    args: tuple[Any, float, float]  # x0 is a float, or a vector for array programs


# ---------------------------------------------------------------- generating source text

@dataclass(frozen=True)
class Scope:
    """What the statement being generated may use: readable names, assignable targets, how
    much nesting is left, whether it sits in a loop, and a helper function it may call."""

    draw: Draw
    names: tuple[str, ...]
    targets: tuple[str, ...]
    depth: int
    in_loop: bool = False
    helper: str | None = None
    arrays: bool = False  # x0 is a vector: numpy functions only, conditions on np.sum

    @property
    def unary(self) -> tuple[str, ...]:
        return NP_UNARY if self.arrays else UNARY

    @property
    def bounded(self) -> tuple[str, ...]:
        return NP_BOUNDED if self.arrays else BOUNDED

    def pick(self, options: Sequence[str]) -> str:
        return self.draw(st.sampled_from(list(options)))

    def inner(self, **changes: Any) -> "Scope":
        return replace(self, depth=self.depth - 1, **changes)


def gen_expr(sc: Scope, depth: int) -> str:
    """An expression over ``sc.names``; ``depth`` bounds its nesting."""
    kinds = ["leaf"] if depth == 0 else ["leaf", "unary", "binary"]
    kinds += ["call"] if depth > 0 and sc.helper else []
    kind = sc.pick(kinds)
    if kind == "leaf":
        return sc.pick(sc.names + CONSTANTS[:2])
    if kind == "unary":
        return sc.pick(sc.unary).format(gen_expr(sc, depth - 1))
    left, right = gen_expr(sc, depth - 1), gen_expr(sc, depth - 1)
    if kind == "call":
        return f"{sc.helper}({left}, {right})"
    return sc.pick(BINARY).format(left, right, b=right)


def gen_bounded(sc: Scope) -> str:
    """An expression whose magnitude is at most e, safe to repeat in a loop."""
    return sc.pick(sc.bounded).format(gen_expr(sc, 2))


def gen_scalar(sc: Scope, depth: int) -> str:
    """An expression that is a float even when ``x0`` is a vector."""
    return f"np.sum({gen_expr(sc, depth)})" if sc.arrays else gen_expr(sc, depth)


def gen_condition(sc: Scope) -> str:
    return f"{gen_scalar(sc, 1)} {sc.pick(('>', '<', '>=', '<='))} {gen_scalar(sc, 1)}"


def gen_block(sc: Scope) -> list[str]:
    """One to three statements; compound statements only while ``sc.depth`` allows."""
    lines: list[str] = []
    for _ in range(sc.draw(st.integers(1, 3))):
        kinds = ["assign", "assign", "swap", "return"]
        kinds += ["if", "for", "while"] if sc.depth > 0 else []
        kinds += ["break", "continue"] if sc.in_loop else []
        lines += GENERATORS[sc.pick(kinds)](sc)
    return lines


def gen_assign(sc: Scope) -> list[str]:
    """``t = e`` or ``t op= e``; in a loop, and for ``*=``, the right-hand side is bounded.

    With arrays only ``=``: ``v += e`` on an array aliased by another name updates both in
    Python, which is the in-place semantics sourcead does not model (and need not).
    """
    op = sc.pick(("=",) if sc.arrays else ("=", "=", "+=", "-=", "*="))
    value = gen_bounded(sc) if sc.in_loop or op == "*=" else gen_expr(sc, 2)
    return [f"{sc.pick(sc.targets)} {op} {value}"]


def gen_swap(sc: Scope) -> list[str]:
    """Tuple assignment, e.g. ``x0, t1 = t1, sin(x0)`` (all right sides read old values)."""
    first, second = sc.draw(st.lists(st.sampled_from(sc.targets), min_size=2, max_size=2,
                                     unique=True))
    make = (lambda: gen_bounded(sc)) if sc.in_loop else (lambda: gen_expr(sc, 1))
    return [f"{first}, {second} = {make()}, {make()}"]


def gen_if(sc: Scope) -> list[str]:
    lines = [f"if {gen_condition(sc)}:"] + _indent(gen_block(sc.inner()))
    if sc.draw(st.booleans()):
        lines += [f"elif {gen_condition(sc)}:"] + _indent(gen_block(sc.inner()))
    if sc.draw(st.booleans()):
        lines += ["else:"] + _indent(gen_block(sc.inner()))
    return lines


def gen_for(sc: Scope) -> list[str]:
    counter = f"i{sc.depth}"
    body = gen_block(sc.inner(names=sc.names + (counter,), in_loop=True))
    return [f"for {counter} in range({sc.draw(st.integers(1, 3))}):"] + _indent(body)


def gen_while(sc: Scope) -> list[str]:
    """A counter-bounded while; sometimes the condition also tests a computed value."""
    counter = f"n{sc.depth}"
    test = f"{counter} < {sc.draw(st.integers(1, 3))}"
    if sc.draw(st.booleans()):
        test += f" and {gen_condition(sc)}"
    # The counter is bumped first so that a later ``continue`` or ``break`` cannot skip it.
    body = [f"{counter} += 1"] + gen_block(sc.inner(in_loop=True))
    return [f"{counter} = 0", f"while {test}:"] + _indent(body)


def gen_jump(keyword: str) -> Callable[[Scope], list[str]]:
    """``if <comparison>: break`` (or continue, or return <expr>)."""
    def gen(sc: Scope) -> list[str]:
        value = f" {gen_scalar(sc, 2)}" if keyword == "return" else ""
        return [f"if {gen_condition(sc)}:", f"    {keyword}{value}"]
    return gen


GENERATORS: dict[str, Callable[[Scope], list[str]]] = {
    "assign": gen_assign, "swap": gen_swap, "if": gen_if, "for": gen_for, "while": gen_while,
    "break": gen_jump("break"), "continue": gen_jump("continue"), "return": gen_jump("return")}


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def gen_function(sc: Scope, name: str, n_locals: int) -> list[str]:
    """``def name(params)``: fresh locals (top level only, so always defined), a block, a return."""
    body: list[str] = []
    for t in range(n_locals):
        body.append(f"t{t} = {gen_expr(sc, 2)}")
        sc = replace(sc, names=sc.names + (f"t{t}",), targets=sc.targets + (f"t{t}",))
    body += gen_block(sc)
    body.append(f"return {gen_scalar(sc, 2)} + {gen_scalar(sc, 1)}")
    return [f"def {name}({', '.join(sc.targets[:len(sc.targets) - n_locals])}):"] + _indent(body)


@st.composite
def programs(draw: Draw, arrays: bool = False) -> Program:
    """A module: imports, sometimes a helper ``g(a, b)``, and ``f(x0, x1, x2)`` (which may call g).

    With ``arrays`` the argument x0 is a vector of 3 and every value may be broadcast.
    """
    lines = ["import math", "import numpy as np", "", ""]
    helper = None
    if draw(st.integers(0, 3)) == 0:
        scope = Scope(draw, ("a", "b"), ("a", "b"), depth=1, arrays=arrays)
        lines += gen_function(scope, "g", 0) + ["", ""]
        helper = "g"
    main = Scope(draw, INPUTS, INPUTS, depth=2, helper=helper, arrays=arrays)
    lines += gen_function(main, "f", draw(st.integers(0, 2)))
    return Program("\n".join(lines) + "\n", gen_point(draw, arrays))


def gen_point(draw: Draw, arrays: bool) -> tuple[Any, float, float]:
    """Grid values moved by distinct offsets; x0 is a vector of 3 when ``arrays``."""
    grid = st.integers(-1500, 1500)
    x0, x1, x2 = (draw(grid) / 1000.0 + offset for offset in GENERIC_OFFSETS)
    if arrays:
        x0 = np.array([x0, draw(grid) / 1000.0 - 0.0052, draw(grid) / 1000.0 + 0.0077])
    return x0, x1, x2


# ---------------------------------------------------------------- loading and checking

def load_function(source: str) -> Callable[..., Any]:
    """Write ``source`` to a file named after its hash and import it as a fresh module."""
    name = "sourcead_randprog_" + hashlib.sha1(source.encode()).hexdigest()[:16]
    if name not in sys.modules:
        path = TMP_DIR / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].f


def _close(got: Any, expected: Any, rtol: float, atol: float) -> bool:
    return bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def reliable_numeric_grad(f: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Finite differences, skipping the example if two step sizes disagree (a branch is near)."""
    small = numeric_grad(f, *args, wrt=(0, 1))
    large = numeric_grad(f, *args, wrt=(0, 1), eps=3e-5)
    assume(all(np.all(np.isfinite(v)) for v in small + large))
    assume(all(_close(s, g, 1e-6, 1e-7) for s, g in zip(small, large)))
    return small


def check_program(program: Program) -> None:
    """Reverse-mode gradient w.r.t. (x0, x1) against finite differences, plus type and value."""
    f = load_function(program.source)
    args = program.args
    value = f(*args)
    assume(math.isfinite(value) and abs(value) < 1e6)
    expected = reliable_numeric_grad(f, args)
    grads, preserved = sourcead.grad(f, wrt=(0, 1), preserve_result=True)(*args)
    report = f"\n{program.source}args={args!r}\nnumeric={expected}\ngot={grads}"
    assert np.shape(grads[0]) == np.shape(args[0]), report
    assert isinstance(grads[1], float), report
    assert all(_close(g, e, 1e-5, 1e-6) for g, e in zip(grads, expected)), report
    assert _close(preserved, value, 1e-12, 1e-12), report
    assert not isinstance(args[0], np.ndarray) or np.array_equal(args[0], program.args[0])


# No shrinking: with several distinct core bugs, shrinking ran for minutes.  The report prints
# the whole failing program instead, which is small enough to read.
SETTINGS = settings(deadline=None, derandomize=True, report_multiple_bugs=False,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@settings(SETTINGS, max_examples=60)
@given(programs())
def test_random_program_gradient_matches_numeric(program: Program) -> None:
    check_program(program)


@settings(SETTINGS, max_examples=25)
@given(programs(arrays=True))
def test_random_array_program_gradient_matches_numeric(program: Program) -> None:
    check_program(program)


@settings(SETTINGS, max_examples=20)
@given(st.booleans().flatmap(lambda arrays: programs(arrays=arrays)))
def test_generated_programs_are_valid_python(program: Program) -> None:
    """Guards the generator itself: every program compiles and evaluates without the core."""
    f = load_function(program.source)
    assert np.ndim(f(*program.args)) == 0
