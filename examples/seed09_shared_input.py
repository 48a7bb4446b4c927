"""Seed example 9: y = (x1 + x2) * x2, where x2 reaches y along two paths.
Expected dy/dx1 = x2 and dy/dx2 = x1 + 2*x2 (here at x1 = 2, x2 = 5: 5 and 12)."""
import sourcead


def y(x1: float, x2: float) -> float:
    return (x1 + x2) * x2


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<8} got {got!r:<24} expected {expected!r}")


if __name__ == "__main__":
    dy = sourcead.grad(y, wrt=(0, 1))
    dy_dx1, dy_dx2 = dy(2.0, 5.0)
    _show("dy/dx1", dy_dx1, 5.0)
    _show("dy/dx2", dy_dx2, 12.0)
    print(sourcead.source(dy))
