"""Seed example 4: gradient of the vector function y = 2 * dot(x, x) at x = arange(4.0).
Expected y = 28 and grad = 4x = [0, 4, 8, 12], an array of x's shape."""
import numpy as np

import sourcead


def y(x):
    return 2 * np.dot(x, x)


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<8} got {got!r:<36} expected {expected!r}")


if __name__ == "__main__":
    dy = sourcead.grad(y, preserve_result=True)
    grad, value = dy(np.arange(4.0))
    _show("y", value, 28.0)
    _show("dy/dx", grad, np.array([0.0, 4.0, 8.0, 12.0]))
    print(sourcead.source(dy))
