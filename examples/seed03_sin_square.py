"""Seed example 3: z(x) = sin(x**2) at x = 3, differentiated in reverse and in forward mode.
Both must give dz/dx = 2x*cos(x^2) ~ -5.46761419."""
import math

import sourcead


def z(x: float) -> float:
    return math.sin(x ** 2)


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<16} got {got!r:<24} expected {expected!r}")


if __name__ == "__main__":
    expected = 2 * 3.0 * math.cos(3.0 ** 2)
    dz_reverse = sourcead.grad(z)
    _show("reverse dz/dx", dz_reverse(3.0), expected)
    print(sourcead.source(dz_reverse))
    dz_forward = sourcead.grad(z, mode="forward")
    z_jvp = sourcead.jvp(z)
    _show("forward dz/dx", dz_forward(3.0), expected)
    _show("jvp (z, dz)", z_jvp(3.0, 1.0), (math.sin(9.0), expected))
    print(sourcead.source(dz_forward))
