"""Seed example 2: exact second derivatives of f(x, y) = x*x*y + y + 2 at (3, 4).
Expected Hessian [[2y, 2x], [2x, 0]] = [[8, 6], [6, 0]] exactly, unlike finite differences."""
import numpy as np

import sourcead


def f(x: float, y: float) -> float:
    return x * x * y + y + 2


def f_vec(v):
    # The same f with x = v[0], y = v[1], so hessian returns the full 2x2 matrix.
    return v[0] * v[0] * v[1] + v[1] + 2


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<12} got {got!r:<28} expected {expected!r}")


if __name__ == "__main__":
    d2f_dxx = sourcead.hessian(f, wrt=0)
    d2f_dyy = sourcead.hessian(f, wrt=1)
    d2f_dxdy = sourcead.grad(sourcead.grad(f, wrt=0), wrt=1)  # derivatives are code: differentiate again
    _show("d2f/dx2", d2f_dxx(3.0, 4.0), 8.0)
    _show("d2f/dy2", d2f_dyy(3.0, 4.0), 0.0)
    _show("d2f/dxdy", d2f_dxdy(3.0, 4.0), 6.0)
    hess = sourcead.hessian(f_vec)
    _show("H", hess(np.array([3.0, 4.0])).tolist(), [[8.0, 6.0], [6.0, 0.0]])
    print(sourcead.source(d2f_dxx))
    print(sourcead.source(hess))
