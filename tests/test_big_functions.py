"""Big functions (issue 11, items 9 and 10): long straight lines, sin nested deep, a return
of hundreds of chained operators, parentheses nested to Python's limit. Each is built in every
mode and compared with exact derivatives (the same text evaluated on second-order dual
numbers, so the arithmetic is the same) and with finite differences. Sizes keep the file to
a few seconds; build time itself is measured by benchmarks/bench_build.py, not here."""
from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest

import sourcead

_NAMES = itertools.count()


class Dual:
    """A value with its first and second derivative along one input: exact references."""

    def __init__(self, v, d=0.0, dd=0.0):
        self.v, self.d, self.dd = v, d, dd

    @staticmethod
    def of(x) -> "Dual":
        return x if isinstance(x, Dual) else Dual(x)

    def __add__(self, other):
        o = Dual.of(other)
        return Dual(self.v + o.v, self.d + o.d, self.dd + o.dd)

    __radd__ = __add__

    def __sub__(self, other):
        o = Dual.of(other)
        return Dual(self.v - o.v, self.d - o.d, self.dd - o.dd)

    def __rsub__(self, other):
        return Dual.of(other) - self

    def __mul__(self, other):
        o = Dual.of(other)
        return Dual(self.v * o.v, self.d * o.v + self.v * o.d,
                    self.dd * o.v + 2 * self.d * o.d + self.v * o.dd)

    __rmul__ = __mul__


def _sin(u: Dual) -> Dual:
    return Dual(math.sin(u.v), math.cos(u.v) * u.d, math.cos(u.v) * u.dd - math.sin(u.v) * u.d ** 2)


def _cos(u: Dual) -> Dual:
    return Dual(math.cos(u.v), -math.sin(u.v) * u.d, -math.sin(u.v) * u.dd - math.cos(u.v) * u.d ** 2)


def _tanh(u: Dual) -> Dual:
    t = math.tanh(u.v)
    s = 1 - t * t
    return Dual(t, s * u.d, s * u.dd - 2 * t * s * u.d ** 2)


DUAL_NP = SimpleNamespace(sin=_sin, cos=_cos, tanh=_tanh, sum=lambda v: v)


def made(text: str):
    """A function made with exec, as generated code is, with its text registered."""
    namespace = {"np": np}
    exec(compile(text, f"<big function {next(_NAMES)}>", "exec"), namespace)
    return sourcead.register_source(namespace["f"], text)


def exact(text: str, x: float) -> Dual:
    """f(x) with its first and second derivative, from the same text on dual numbers."""
    namespace = {"np": DUAL_NP}
    exec(text, namespace)
    return namespace["f"](Dual(x, 1.0, 0.0))


# ---- the functions ------------------------------------------------------------------------

def straight_line(n: int, ret: str = "{}") -> str:
    """x1 = np.sin(x0) * 1.01; x2 = x1 * x1 * 0.5 + x0; ...: a chain with some fan-in."""
    forms = ["np.sin(x{a}) * 1.01", "x{a} * x{a} * 0.5 + x{b}", "np.cos(x{a}) + x{b} * 0.3",
             "np.tanh(x{a} * 0.5 + x{c} * 0.25) - x{b} * 0.125"]
    lines = ["def f(x0):"]
    for k in range(1, n + 1):
        form = forms[k % len(forms)]
        lines.append(f"    x{k} = " + form.format(a=k - 1, b=max(k - 2, 0), c=k // 2))
    lines.append("    return " + ret.format(f"x{n}"))
    return "\n".join(lines) + "\n"


def nested_sin(depth: int) -> str:
    return "def f(x):\n    return " + "np.sin(" * depth + "x" + ")" * depth + "\n"


def chained(n: int, ops: list[str]) -> str:
    """``x + x + ... + x`` (one return, n terms), cycling through ``ops``."""
    cycle = itertools.cycle(ops)
    return "def f(x):\n    return x" + "".join(f" {next(cycle)} x" for _ in range(n - 1)) + "\n"


def parenthesized(depth: int) -> str:
    expr = "x"
    for _ in range(depth):
        expr = f"({expr} * 1.01 + x)"
    return f"def f(x):\n    return {expr}\n"


# ---- every mode against the exact values --------------------------------------------------

def check_first_order(f, text: str, x: float, rtol: float = 1e-10) -> None:
    want = exact(text, x)
    for got in (sourcead.grad(f)(x), sourcead.grad(f, mode="forward")(x),
                sourcead.jvp(f)(x, 1.0)[1], sourcead.vjp(f)(x, 1.0)[1]):
        assert got == pytest.approx(want.d, rel=rtol, abs=1e-12)
    assert sourcead.grad(f)(x) == pytest.approx(sourcead.numeric_grad(f, x), rel=1e-5, abs=1e-7)


def check_second_order(f, text: str, x: float, rtol: float = 1e-9) -> None:
    want = exact(text, x)
    assert sourcead.hessian(f)(x) == pytest.approx(want.dd, rel=rtol, abs=1e-10)
    assert sourcead.grad(sourcead.grad(f))(x) == pytest.approx(want.dd, rel=rtol, abs=1e-10)


def test_a_long_straight_line_of_scalars_is_exact():
    text = straight_line(100)
    f = made(text)
    check_first_order(f, text, 0.3)
    assert sourcead.hessian(f)(0.3) == pytest.approx(exact(text, 0.3).dd, rel=1e-9)


def test_a_straight_line_reverse_over_reverse():
    text = straight_line(30)
    check_second_order(made(text), text, 0.3)


def test_a_long_straight_line_of_arrays_is_exact_elementwise():
    text = straight_line(60, ret="np.sum({})")
    f = made(text)
    x = np.array([0.1, 0.3, -0.2])
    want = [exact(text, float(v)).d for v in x]
    np.testing.assert_allclose(sourcead.grad(f)(x), want, rtol=1e-10)
    np.testing.assert_allclose(sourcead.grad(f, mode="forward")(x), want, rtol=1e-10)
    np.testing.assert_allclose(sourcead.grad(f)(x), sourcead.numeric_grad(f, x), rtol=1e-5)
    hess = sourcead.hessian(f)(x)
    np.testing.assert_allclose(np.diag(hess), [exact(text, float(v)).dd for v in x], rtol=1e-9)
    np.testing.assert_allclose(hess - np.diag(np.diag(hess)), 0.0, atol=1e-12)


# Sizes just past what raised RecursionError before (about 250 levels; Python itself allows
# 200 nested parentheses): enough to guard the fix, small enough to build quickly.
@pytest.mark.parametrize("depth", [50, 190])
def test_sin_nested_deep_is_exact_to_first_order(depth):
    text = nested_sin(depth)
    check_first_order(made(text), text, 0.7)


@pytest.mark.parametrize("depth", [50, 190])
def test_sin_nested_deep_is_exact_to_second_order(depth):
    text = nested_sin(depth)
    check_second_order(made(text), text, 0.7)


CHAINS = [pytest.param(["+"], 260, id="plus"), pytest.param(["*"], 260, id="times"),
          pytest.param(["+", "*", "-"], 390, id="mixed")]   # (mixed: 260 additions and subtractions)


@pytest.mark.parametrize("ops, n", CHAINS)
def test_hundreds_of_chained_operators_to_first_order(ops, n):
    text = chained(n, ops)
    check_first_order(made(text), text, 1.001)   # (x ** 260 stays near 1)


@pytest.mark.parametrize("ops, n", CHAINS)
def test_hundreds_of_chained_operators_to_second_order(ops, n):
    text = chained(n, ops)
    check_second_order(made(text), text, 1.001)


def test_parentheses_nested_deep_in_every_mode():
    text = parenthesized(130)   # 260 levels of operators
    f = made(text)
    check_first_order(f, text, 0.4)
    check_second_order(f, text, 0.4)


def test_deep_expressions_leave_the_recursion_limit_as_it_was():
    import sys
    before = sys.getrecursionlimit()
    text = chained(260, ["+", "-"])
    assert sourcead.grad(made(text))(1.001) == pytest.approx(exact(text, 1.001).d, rel=1e-10)
    assert sys.getrecursionlimit() == before


def test_deep_functions_built_in_several_threads_at_once():
    import sys
    import threading
    before = sys.getrecursionlimit()
    texts = [chained(260, ops) for ops in (["+"], ["-", "+"], ["*", "+"], ["+", "+", "*"])]
    functions = [made(text) for text in texts]
    results: dict[int, float] = {}

    def build(k: int) -> None:
        results[k] = sourcead.grad(functions[k])(1.001)

    threads = [threading.Thread(target=build, args=(k,)) for k in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k, text in enumerate(texts):
        assert results[k] == pytest.approx(exact(text, 1.001).d, rel=1e-10)
    assert sys.getrecursionlimit() == before
