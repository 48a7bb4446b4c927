"""Benchmark sourcead's generated derivative code against hand-written gradients.

Prints one figure per line with its target: run time of generated / hand-written / plain
function, tape memory per loop iteration, and the cost of building a derivative as the function
grows. Each timing is the minimum over several repeats, which cuts scheduler noise. Not a test.
Run: python benchmarks/bench_core.py   (about 20-40 s)
"""
import ast
import gc
import importlib.util
import math
import sys
import tempfile
import time
import timeit
import tracemalloc
from pathlib import Path

import sourcead

REPEATS = 30  # short interleaved runs; the minimum is the least disturbed one
SLICE = 0.02  # seconds per run
TARGET_VS_HAND = 1.5


# ---------------------------------------------------------------- functions under test

def seed(x: float, y: float) -> float:
    return x * x * y + y + 2


def seed_grad_hand(x, y):
    """The gradient a person writes: the two partials 2xy and x^2 + 1, nothing else."""
    return 2.0 * x * y, x * x + 1.0


def loop(x: float, n: int) -> float:
    for i in range(n):
        x = x * 0.999 + 0.001 * math.sin(x)
    return x


def loop_grad_hand(x, n):
    """Reverse mode by hand: tape each overwritten x in a list, then walk the tape backwards."""
    tape = []
    for i in range(n):
        tape.append(x)
        x = x * 0.999 + 0.001 * math.sin(x)
    x_bar = 1.0
    for i in range(n):
        x = tape.pop()
        x_bar = x_bar * (0.999 + 0.001 * math.cos(x))
    return x_bar


def piecewise(a: float) -> float:
    b = a * 2
    while abs(b) < 1000:
        b = b * 2
    if b > 0:
        c = b
    else:
        c = 100 * b
    return c


def piecewise_grad_hand(a):
    """Reverse mode by hand: count the loop trips and remember the branch, then replay them."""
    b = a * 2.0
    trips = 0
    while abs(b) < 1000:
        b = b * 2.0
        trips += 1
    b_bar = 1.0 if b > 0 else 100.0
    for _ in range(trips):
        b_bar = b_bar * 2.0
    return b_bar * 2.0


# ---------------------------------------------------------------- measuring

def make_timer(fn, args):
    """A timeit.Timer for the statement `fn(a0, a1, ...)` and its loop count.

    The call is compiled by timeit, not wrapped in a lambda, so a tiny function is not drowned
    in wrapper overhead that would pull every ratio towards 1. The loop count makes one run
    last about SLICE seconds.
    """
    names = [f"a{i}" for i in range(len(args))]
    timer = timeit.Timer(f"fn({', '.join(names)})", globals=dict(zip(names, args), fn=fn))
    number, seconds = timer.autorange()  # first count whose run lasts >= 0.2 s
    return timer, max(1, int(number * SLICE / seconds))


def best_times(fns, args):
    """Seconds per call of each fn(*args): minimum over REPEATS short runs, taken in turn.

    Running the functions round-robin rather than one after the other means a slow spell
    of the (virtual) machine hits all of them alike instead of skewing one ratio.
    """
    timers = [make_timer(fn, args) for fn in fns]
    best = [math.inf] * len(fns)
    for _ in range(REPEATS):
        for k, (timer, number) in enumerate(timers):
            best[k] = min(best[k], timer.timeit(number) / number)
    return best


def check_close(label, got, expected):
    """Refuse to time a derivative that is wrong: a fast wrong answer is no result."""
    got_t = got if isinstance(got, tuple) else (got,)
    exp_t = expected if isinstance(expected, tuple) else (expected,)
    if len(got_t) != len(exp_t) or not all(
            math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-12) for g, e in zip(got_t, exp_t)):
        raise AssertionError(f"{label}: generated gradient {got!r} != hand-written {expected!r}")


def fmt_time(seconds):
    """Human units, so the table lines up for both ns-scale and ms-scale functions."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.3f} us"
    return f"{seconds * 1e3:9.3f} ms"


def generated_code_alone(df, f):
    """The derivative compiled straight from sourcead.source(df), in f's globals.

    sourcead.grad may hand back a wrapper that dispatches on argument types before it calls
    the generated code; timing the bare code as well shows which of the two costs what.
    """
    text = sourcead.source(df)
    namespace = dict(f.__globals__)
    exec(compile(text, f"<bench: {f.__name__} derivative>", "exec"), namespace)
    defined = [node.name for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)]
    wanted = f"{f.__name__}_grad"
    return namespace[wanted if wanted in defined else defined[-1]]


def compare_three(title, f, df_generated, df_hand, args):
    """Time generated vs hand-written gradient vs the function; print the two ratios."""
    check_close(title, df_generated(*args), df_hand(*args))
    bare = generated_code_alone(df_generated, f)
    check_close(title + " (bare generated code)", bare(*args), df_hand(*args))
    t_gen, t_hand, t_f, t_bare = best_times((df_generated, df_hand, f, bare), args)
    print(f"{title}")
    print(f"  time  generated {fmt_time(t_gen)}   hand-written {fmt_time(t_hand)}"
          f"   function {fmt_time(t_f)}")
    print(f"  ratio generated/hand-written {t_gen / t_hand:6.2f}   (target <= {TARGET_VS_HAND})")
    print(f"  ratio generated/function     {t_gen / t_f:6.2f}   "
          f"(target: small constant; hand-written/function is {t_hand / t_f:.2f})")
    print(f"  ratio bare generated code/hand-written {t_bare / t_hand:6.2f}   "
          f"(diagnostic: sourcead.source(df) run without grad's wrapper,"
          f" {fmt_time(t_bare).strip()})")


def peak_bytes(fn, args):
    """Peak traced allocation of one call; gc first so earlier garbage does not count."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------------- sections

def bench_seed():
    df = sourcead.grad(seed, wrt=(0, 1))
    compare_three("seed f(x, y) = x*x*y + y + 2, grad wrt (x, y) at (3, 4)",
                  seed, df, seed_grad_hand, (3.0, 4.0))


def bench_loop():
    df = sourcead.grad(loop, wrt=0)
    compare_three("1000-step scalar loop x = 0.999 x + 0.001 sin(x), grad wrt x",
                  loop, df, loop_grad_hand, (0.5, 1000))


def bench_piecewise():
    df = sourcead.grad(piecewise)
    compare_three("piecewise-linear control flow (seed example 7, scalar a = 0.37)",
                  piecewise, df, piecewise_grad_hand, (0.37,))


def bench_tape_memory(steps=100_000):
    """Extra peak memory of the gradient over the function, per loop iteration.

    One taped float per iteration costs a 24-byte float object plus an 8-byte list slot.
    """
    df = sourcead.grad(loop, wrt=0)
    df(0.5, 10)  # build now: a lazy first-call transformation must not count as tape
    base = peak_bytes(loop, (0.5, steps))
    per_iter_gen = (peak_bytes(df, (0.5, steps)) - base) / steps
    per_iter_hand = (peak_bytes(loop_grad_hand, (0.5, steps)) - base) / steps
    print(f"tape memory of a {steps:,}-step scalar loop (peak of gradient minus peak of function)")
    print(f"  generated    {per_iter_gen:7.1f} bytes/iteration = {per_iter_gen / 32:5.2f} floats"
          f"   (target ~1 float = 32 bytes)")
    print(f"  hand-written {per_iter_hand:7.1f} bytes/iteration = {per_iter_hand / 32:5.2f} floats")


def straight_line_source(statements):
    """A deterministic straight-line function of x, y with `statements` assignments.

    Each line mixes a product, a sum and a math call on earlier temporaries, so the derivative
    has real work in every line and the values stay bounded.
    """
    lines = ["import math", "", "", "def big(x: float, y: float) -> float:", "    t0 = x * y"]
    for i in range(1, statements):
        j = i // 2
        kind = i % 3
        if kind == 0:
            lines.append(f"    t{i} = t{i - 1} * 0.999 + 0.001 * math.sin(t{j})")
        elif kind == 1:
            lines.append(f"    t{i} = t{i - 1} + 0.001 * x * t{j}")
        else:
            lines.append(f"    t{i} = t{i - 1} * 0.5 + math.cos(y * 0.01) * 0.5")
    lines.append(f"    return t{statements - 1}")
    return "\n".join(lines) + "\n"


def import_fresh(path, name):
    """Import a file under a never-used module name, giving a new function the cache cannot know."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_seconds(directory, statements, tries=3, budget=6.0):
    """Min over up to `tries` of the time of grad(f) plus its first call, each on a fresh module.

    The first call is included in case the derivative is built lazily on first use. Tries
    stop once `budget` seconds are spent, so a slow transformer cannot blow the 60 s limit.
    """
    times = []
    for attempt in range(tries):
        # A new file and name per try: no cache keyed on code, file or text can answer.
        name = f"_bench_straight{statements}_{attempt}"
        path = Path(directory) / f"{name}.py"
        path.write_text(f"# try {attempt}\n" + straight_line_source(statements))
        big = import_fresh(path, name).big
        start = time.perf_counter()
        df = sourcead.grad(big, wrt=(0, 1))
        df(0.5, 1.5)
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return min(times)


def bench_build_time():
    with tempfile.TemporaryDirectory() as directory:
        t200 = build_seconds(directory, 200)
        t400 = build_seconds(directory, 400)
    print("time to build the derivative of a straight-line function (grad + first call)")
    print(f"  200 statements {t200 * 1e3:8.1f} ms")
    print(f"  400 statements {t400 * 1e3:8.1f} ms")
    print(f"  ratio 400/200  {t400 / t200:8.2f}      (target ~2: linear growth)")


def main():
    """Run every section; a failing section prints its error and the rest still run."""
    start = time.perf_counter()
    failed = 0
    for section in (bench_seed, bench_loop, bench_piecewise, bench_tape_memory, bench_build_time):
        try:
            section()
        except Exception as exc:  # report and go on: one core bug must not hide the other figures
            failed += 1
            print(f"{section.__name__}: FAILED {type(exc).__name__}: {exc}")
        print()
    print(f"total {time.perf_counter() - start:.1f} s, {failed} section(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
