"""How the time to build a derivative grows with the size of the function.

Builds (first call of the derivative, which is when sourcead transforms the function) each
family of generated functions at several sizes, in reverse mode (`grad`), forward mode
(`grad(mode="forward")`) and the Hessian (vector mode over the reverse gradient), and prints
the build seconds and the growth ratio per doubling. Linear growth shows as a ratio of about 2.
Times are CPU seconds of this process (``time.process_time``): on a shared machine they
vary less than wall time. Not a test: one run, figures only.

Families:
  chain      straight-line statements on a float, each using the previous two
  array      the same chain on an array, ending in a sum
  fanin      each statement reads the previous one and three older ones
  nest       sin nested n deep: np.sin(np.sin(...np.sin(x)...))
  plus/mul/mixed   one return of n chained operators: x + x + ... (and *, and mixed)
  paren      n levels of parentheses: (((x * 1.01 + x) * 1.01 + x) ...)

Run: python benchmarks/bench_build.py [--quick] [--families chain,nest] [--modes reverse]
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's sourcead
import sourcead  # noqa: E402

_COUNTER = itertools.count()

# ---------------------------------------------------------------- generated functions


def chain_text(n: int) -> str:
    """x1 = sin(x0) * 1.01; x2 = x1 * x1 + x0; ... alternating a few operations."""
    lines = ["def f(x0):"]
    ops = ["np.sin(x{a}) * 1.01", "x{a} * x{a} * 0.5 + x{b}", "np.cos(x{a}) + x{b} * 0.3",
           "x{a} * 0.9 - x{b} * 0.1"]
    for k in range(1, n + 1):
        expr = ops[k % len(ops)].format(a=k - 1, b=max(k - 2, 0))
        lines.append(f"    x{k} = {expr}")
    lines.append(f"    return x{n}")
    return "\n".join(lines) + "\n"


def array_text(n: int) -> str:
    """The chain on an array, reduced to a scalar at the end."""
    return chain_text(n).replace(f"return x{n}", f"return np.sum(x{n})")


def fanin_text(n: int) -> str:
    """Each statement reads its predecessor and three older values (a wide dependency graph)."""
    lines = ["def f(x0):"]
    for k in range(1, n + 1):
        a, b, c, d = k - 1, k // 2, k // 3, max(k - 7, 0)
        lines.append(f"    x{k} = np.tanh(x{a} * 0.5 + x{b} * 0.25) + x{c} * 0.125 - x{d} * 0.0625")
    lines.append(f"    return x{n}")
    return "\n".join(lines) + "\n"


def nest_text(n: int) -> str:
    return "def f(x):\n    return " + "np.sin(" * n + "x" + ")" * n + "\n"


def plus_text(n: int) -> str:
    return "def f(x):\n    return " + " + ".join(["x"] * n) + "\n"


def mul_text(n: int) -> str:
    return "def f(x):\n    return " + " * ".join(["x"] * n) + "\n"


def mixed_text(n: int) -> str:
    ops = itertools.cycle([" + ", " * ", " - ", " * "])
    return "def f(x):\n    return x" + "".join(next(ops) + "x" for _ in range(n - 1)) + "\n"


def paren_text(n: int) -> str:
    expr = "x"
    for _ in range(n):
        expr = f"({expr} * 1.01 + x)"
    return f"def f(x):\n    return {expr}\n"


FAMILIES: dict[str, tuple[Callable[[int], str], list[int], list[int], object]] = {
    # name: (text, sizes, quick sizes, argument)
    "chain": (chain_text, [250, 500, 1000, 2000], [125, 250], 0.3),
    "array": (array_text, [250, 500, 1000, 2000], [125, 250], np.linspace(0.1, 0.4, 3)),
    "fanin": (fanin_text, [250, 500, 1000, 2000], [125, 250], 0.3),
    "nest": (nest_text, [12, 25, 50, 100], [12, 25], 0.3),
    "plus": (plus_text, [75, 150, 300, 600], [75, 150], 0.3),
    "mul": (mul_text, [75, 150, 300, 600], [75, 150], 0.3),
    "mixed": (mixed_text, [75, 150, 300, 600], [75, 150], 0.3),
    "paren": (paren_text, [25, 50, 100, 190], [25, 50], 0.3),   # Python allows 200 levels
}


def make_function(text: str) -> Callable:
    """A brand-new function (new code object, so no cache can answer) with its text registered."""
    namespace = {"np": np}
    filename = f"<bench_build {next(_COUNTER)}>"
    exec(compile(text, filename, "exec"), namespace)
    return sourcead.register_source(namespace["f"], text)


# ---------------------------------------------------------------- building


def build_reverse(f: Callable, x) -> None:
    sourcead.grad(f)(x)


def build_forward(f: Callable, x) -> None:
    sourcead.grad(f, mode="forward")(x)


def build_hessian(f: Callable, x) -> None:
    sourcead.hessian(f)(x)


def build_reverse_over_reverse(f: Callable, x) -> None:
    sourcead.grad(sourcead.grad(f))(x)


MODES = {"reverse": build_reverse, "forward": build_forward, "hessian": build_hessian,
         "rr": build_reverse_over_reverse}
DEFAULT_MODES = ("reverse", "forward", "hessian")


def build_seconds(family: str, n: int, mode: str) -> float | str:
    text_of, _, _, x = FAMILIES[family]
    start = time.process_time()
    try:
        f = make_function(text_of(n))
        start = time.process_time()
        MODES[mode](f, x)
    except Exception as err:  # a figure table, not a test: show the failure and go on
        return f"{type(err).__name__}"
    return time.process_time() - start


def report(family: str, sizes: list[int], modes: list[str], budget: float) -> None:
    """One line per mode: seconds per size, then the ratio of each size to the one before."""
    print(f"{family}: sizes {sizes}")
    for mode in modes:
        cells, times = [], []
        for n in sizes:
            if times and isinstance(times[-1], float) and times[-1] > budget:
                cells.append("   (skip)")
                times.append("skip")
                continue
            t = build_seconds(family, n, mode)
            times.append(t)
            cells.append(f"{t:8.2f}s" if isinstance(t, float) else f"{t:>9}")
        ratios = [f"{b / a:5.2f}" for a, b in zip(times, times[1:])
                  if isinstance(a, float) and isinstance(b, float)]
        print(f"  {mode:8} {' '.join(cells)}   x per step: {' '.join(ratios)}")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small sizes per family")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--modes", default=",".join(DEFAULT_MODES),
                        help=f"any of {', '.join(MODES)} (rr: reverse over reverse)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="skip larger sizes once one build takes longer than this")
    args = parser.parse_args()
    start = time.perf_counter()
    for family in args.families.split(","):
        _, sizes, quick, _ = FAMILIES[family]
        report(family, quick if args.quick else sizes, args.modes.split(","), args.budget)
    print(f"total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
