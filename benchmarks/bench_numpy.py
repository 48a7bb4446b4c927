"""NumPy gradients: generated / hand-written time, measured in one run (target <= 1.10).

Logistic regression (X 1000x100), a 784-256-10 MLP with softmax cross-entropy (batch 256),
Rosenbrock (n = 1e3 and 1e6). Each generated gradient is checked against the hand-written one
before it is timed; the two are timed in turn, many short rounds, and the minimum of each is
kept (the machine is shared: the least disturbed round is the truest). Not a test: figures only.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this checkout's sourcead, not an installed one
import models  # noqa: E402  (the functions, written as a user would)

import sourcead  # noqa: E402


def logistic_grad(w, b, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    r = (p - y) / y.size
    return X.T @ r, np.sum(r)


def mlp_grad(W1, b1, W2, b2, X, labels):
    a = X @ W1 + b1
    h = np.tanh(a)
    logits = h @ W2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / np.sum(e, axis=1, keepdims=True)
    d_logits = (p * np.sum(labels, axis=1, keepdims=True) - labels) / X.shape[0]
    d_h = d_logits @ W2.T
    d_a = d_h * (1 - h * h)
    return X.T @ d_a, np.sum(d_a, axis=0), h.T @ d_logits, np.sum(d_logits, axis=0)


def rosen_grad(x):
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * d - 2 * (1 - x[:-1])
    g[1:] += 200.0 * d
    return g


def interleaved(fns, seconds: float, rounds: int = 40) -> list[float]:
    """Per-call time of each function: the minimum over ``rounds`` short batches, taken in
    turn (a, b, a, b, ...) so that a busy moment on a shared machine hits both alike."""
    batch = []
    for fn in fns:  # calls per batch: about seconds / rounds each
        start = time.perf_counter()
        fn()
        batch.append(max(1, int(seconds / rounds / max(time.perf_counter() - start, 1e-7))))
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(batch[k]):
                fn()
            best[k] = min(best[k], (time.perf_counter() - start) / batch[k])
    return best


def compare(label, f, hand, args, wrt, seconds=2.0):
    generated = sourcead.grad(f, wrt=wrt).specialize(*args)
    got, want = generated(*args), hand(*args)
    for g, w in zip(got if isinstance(wrt, tuple) else (got,), want if isinstance(wrt, tuple) else (want,)):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
    t_gen, t_hand = interleaved([lambda: generated(*args), lambda: hand(*args)], seconds)
    print(f"{label:<28} generated {t_gen * 1e3:8.3f} ms   hand-written {t_hand * 1e3:8.3f} ms   "
          f"ratio {t_gen / t_hand:5.2f}   (target <= 1.10)")


def main() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 100))
    y = (rng.random(1000) > 0.5).astype(float)
    compare("logistic regression", models.logistic, logistic_grad,
            (rng.standard_normal(100) * 0.1, 0.1, X, y), (0, 1))
    Xm = rng.standard_normal((256, 784))
    labels = np.eye(10)[rng.integers(0, 10, 256)]
    params = (rng.standard_normal((784, 256)) * 0.05, np.zeros(256),
              rng.standard_normal((256, 10)) * 0.05, np.zeros(10))
    compare("MLP 784-256-10, batch 256", models.mlp, mlp_grad, params + (Xm, labels), (0, 1, 2, 3))
    for n in (1000, 1000000):
        compare(f"Rosenbrock n = {n:.0e}", models.rosen, rosen_grad, (np.linspace(-1, 1, n),), 0)


if __name__ == "__main__":
    main()
