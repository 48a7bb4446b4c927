"""Seed example 5: gradients of dot(x, x) and of sum(x) at x = arange(4.0).
Expected 2x = [0, 2, 4, 6] and a vector of ones."""
import numpy as np

import sourcead


def dot_self(x):
    return np.dot(x, x)


def total(x):
    return np.sum(x)


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<12} got {got!r:<36} expected {expected!r}")


if __name__ == "__main__":
    x = np.arange(4.0)
    d_dot = sourcead.grad(dot_self)
    d_sum = sourcead.grad(total)
    _show("d dot/dx", d_dot(x), 2 * x)
    _show("d sum/dx", d_sum(x), np.ones(4))
    print(sourcead.source(d_dot))
    print(sourcead.source(d_sum))
