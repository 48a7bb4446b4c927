"""Seed example 11: an input that does not influence the output gets an explicit zero
of its own type and shape (0.0 for a float, zeros for an array), never None."""
import numpy as np

import sourcead


def f(x: float, unused: float) -> float:
    return x * x


def g(x, unused):
    return np.sum(x * x)


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<14} got {got!r:<32} expected {expected!r}")


if __name__ == "__main__":
    df = sourcead.grad(f, wrt=(0, 1))
    _show("df/d(x, unused)", df(3.0, 4.0), (6.0, 0.0))
    dg = sourcead.grad(g, wrt=(0, 1))
    dx, dunused = dg(np.arange(3.0), np.ones((2, 2)))
    _show("dg/dx", dx, 2 * np.arange(3.0))
    _show("dg/dunused", dunused, np.zeros((2, 2)))
    print(sourcead.source(dg))
