"""Seed example 6 ("detach"): u = stop_gradient(x*x) is a constant, so d(sum(u*x))/dx = u.
Without it, d(sum(x*x))/dx = 2x; both at x = arange(4.0)."""
import numpy as np

import sourcead


def z_sum(x):
    y = x * x
    u = sourcead.stop_gradient(y)
    z = u * x
    return np.sum(z)


def y_sum(x):
    y = x * x
    return np.sum(y)


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<14} got {got!r:<36} expected {expected!r}")


if __name__ == "__main__":
    x = np.arange(4.0)
    dz = sourcead.grad(z_sum)
    dy = sourcead.grad(y_sum)
    _show("d sum(z)/dx", dz(x), x * x)
    _show("d sum(y)/dx", dy(x), 2 * x)
    print(sourcead.source(dz))
