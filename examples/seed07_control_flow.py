"""Seed example 7: a while loop and an if whose path depends on the input a.
f is piecewise linear, so df/da == f(a)/a, for a scalar a and elementwise for a vector a."""
import numpy as np

import sourcead


def f_scalar(a: float) -> float:
    # For a scalar, norm(b) is abs(b) and sum(b) is b.
    b = a * 2
    while abs(b) < 1000:
        b = b * 2
    if b > 0:
        c = b
    else:
        c = 100 * b
    return c


def f_vector(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<12} got {got!r:<44} expected {expected!r}")


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    df = sourcead.grad(f_scalar)
    for a in rng.normal(size=3):
        a = float(a)
        _show(f"a={a:+.3f}", df(a), f_scalar(a) / a)
    a_vec = rng.normal(size=3)
    # sum(c) = k * sum(a) with one scalar k for the whole path, so the gradient is k everywhere.
    _show("vector a", sourcead.grad(f_vector)(a_vec), np.full(3, f_vector(a_vec) / np.sum(a_vec)))
    print(sourcead.source(df))
