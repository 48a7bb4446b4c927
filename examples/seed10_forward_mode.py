"""Seed example 10: forward mode of f(x, y) = sin(x) + x*y with respect to x.
Expected cos(x) + y (here at x = 1, y = 2: cos(1) + 2 ~ 2.5403023)."""
import math

import sourcead


def f(x: float, y: float) -> float:
    return math.sin(x) + x * y


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<14} got {got!r:<40} expected {expected!r}")


if __name__ == "__main__":
    expected = math.cos(1.0) + 2.0
    df = sourcead.grad(f, wrt=0, mode="forward")
    f_jvp = sourcead.jvp(f, wrt=0)
    _show("df/dx", df(1.0, 2.0), expected)
    _show("jvp (f, df)", f_jvp(1.0, 2.0, 1.0), (math.sin(1.0) + 2.0, expected))
    print(sourcead.source(f_jvp))
