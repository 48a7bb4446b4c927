"""Seed example 1: reverse-mode gradient of f(x, y) = x*x*y + y + 2 at (3, 4).
Expected: f = 42, df/dx = 2xy = 24, df/dy = x^2 + 1 = 10."""
import sourcead


def f(x: float, y: float) -> float:
    return x * x * y + y + 2


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<10} got {got!r:<24} expected {expected!r}")


if __name__ == "__main__":
    df = sourcead.grad(f, wrt=(0, 1), preserve_result=True)
    (dx, dy), value = df(3.0, 4.0)
    _show("f", value, 42.0)
    _show("df/dx", dx, 24.0)
    _show("df/dy", dy, 10.0)
    print(sourcead.source(df))
