"""The training-loop idiom: a new closure over each batch, differentiated at each step.

    python benchmarks/bench_training_loop.py [STEPS]

Prints, in one run: the gradient's own cost per call (``df(w, batch)`` with one derivative
object), the cost per step of ``grad(lambda v: loss(v, batch))(w)`` and of a nested ``def``
per step, the overhead of each above the gradient's own cost, and how much the process grew
over the steps (resident memory, each step with a fresh 1 MB batch). Ratios and growth, not
absolute times, are what to compare (the machine is shared).
"""
from __future__ import annotations

import gc
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import sourcead  # noqa: E402


def loss(w, batch):
    residual = batch @ w - 1.0
    return np.mean(residual ** 2) + 0.01 * np.sum(w * w)


def resident_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def per_step(make_gradient, batches, w) -> float:
    start = time.perf_counter()
    for batch in batches:
        make_gradient(batch)(w)
    return (time.perf_counter() - start) / len(batches)


def main(steps: int = 10_000) -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=128)
    pool = [rng.normal(size=(1024, 128)) for _ in range(8)]   # 1 MB each
    df = sourcead.grad(loss)
    df(w, pool[0])
    start = time.perf_counter()
    for k in range(200):
        df(w, pool[k % 8])
    own = (time.perf_counter() - start) / 200

    def lambda_per_step(batch):
        return sourcead.grad(lambda v: loss(v, batch))

    def def_per_step(batch):
        def step_loss(v):
            return loss(v, batch)
        return sourcead.grad(step_loss)

    for name, make in (("lambda per step", lambda_per_step), ("nested def per step", def_per_step)):
        make(pool[0])(w)  # the first build
        gc.collect()
        before = resident_mb()
        first = time.perf_counter()
        for k in range(steps):
            batch = pool[k % 8] + 0.0   # a fresh 1 MB array each step
            make(batch)(w)
        elapsed = (time.perf_counter() - first) / steps
        gc.collect()
        grown = resident_mb() - before
        print(f"{name:<22} {elapsed * 1e6:9.1f} us/step   over the gradient: "
              f"{(elapsed - own) * 1e6:8.1f} us ({elapsed / own:5.2f}x)   "
              f"memory after {steps} steps: {grown:+7.1f} MB")
    print(f"{'gradient alone':<22} {own * 1e6:9.1f} us/call")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
