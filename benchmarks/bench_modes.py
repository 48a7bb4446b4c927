"""Forward mode, vector mode and second order, measured in one run.

Prints, for the vectorized Rosenbrock function (n = 100 and n = 1000), the time of the exact
Hessian in vector mode (forward-over-reverse, the generated code run once with n directions)
against n separate Hessian-vector products; and for a map R^2 -> R^1000 the Jacobian by
forward mode (2 passes) against reverse mode (1000 passes). Not a test: figures only.
"""
from __future__ import annotations

import importlib.util
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

import sourcead
from sourcead.api import _specialize, kinds_of_arguments

SOURCE = textwrap.dedent("""
    import numpy as np

    T = np.linspace(0.0, 1.0, 1000)


    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


    def curve(a, b):
        return a * np.sin(T * b) + b * b
""")


def load():
    """The benchmark functions live in a real file, as user code does."""
    path = Path(tempfile.mkdtemp()) / "bench_functions.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("bench_functions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_functions"] = module
    spec.loader.exec_module(module)
    return module


def best_of(fn, repeats: int = 5) -> float:
    """Minimum wall time of several runs: the least disturbed by a shared machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def hessian_vector_products(f, x):
    """The Hessian column by column: one forward-over-reverse pass per direction."""
    kinds = kinds_of_arguments((x,), ["x"], (0,))
    _, gradient = _specialize(f, (0,), kinds, False, False)
    # the gradient's seed (out_bar) is passed too: a parameter left out would be a constant
    seeded = kinds_of_arguments((x, 1.0), ["x", "out_bar"], (0,))
    _, hvp = _specialize(gradient, (0,), seeded, False, False, mode="forward")
    return lambda: np.array([hvp(x, 1.0, e)[1] for e in np.eye(x.size)])


def rosenbrock_hessian(module, n: int) -> None:
    x = np.linspace(-1.2, 1.2, n)
    hessian = sourcead.hessian(module.rosenbrock)
    columns = hessian_vector_products(module.rosenbrock, x)
    np.testing.assert_allclose(hessian(x), columns(), rtol=1e-12, atol=1e-9)
    vector = best_of(lambda: hessian(x), 3)
    separate = best_of(columns, 3)
    print(f"Rosenbrock Hessian, n = {n:>4}: vector mode {vector * 1e3:8.1f} ms, "
          f"{n} Hessian-vector products {separate * 1e3:8.1f} ms, ratio {separate / vector:6.1f}x")


def curve_jacobian(module) -> None:
    a, b = 0.7, 1.3
    forward = sourcead.jacobian(module.curve, wrt=(0, 1), mode="forward")
    reverse = sourcead.jacobian(module.curve, wrt=(0, 1), mode="reverse")
    for f_part, r_part in zip(forward(a, b), reverse(a, b)):
        np.testing.assert_allclose(f_part, r_part, rtol=1e-12)
    t_forward = best_of(lambda: forward(a, b))
    t_reverse = best_of(lambda: reverse(a, b), 3)
    print(f"Jacobian of R^2 -> R^1000: forward {t_forward * 1e3:8.2f} ms, reverse "
          f"{t_reverse * 1e3:8.2f} ms, reverse/forward {t_reverse / t_forward:6.1f}x")


def main() -> None:
    module = load()
    start = time.perf_counter()
    for n in (100, 1000):
        rosenbrock_hessian(module, n)
    curve_jacobian(module)
    print(f"total {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
