"""Seed example 8 (sum over paths): e = (a + b) * (b + 1) at a = 2, b = 1.
Expected e = 6, de/da = 2, de/db = 1*2 + 1*3 = 5."""
import sourcead


def e(a: float, b: float) -> float:
    c = a + b
    d = b + 1
    return c * d


def _show(label, got, expected):
    """Print a computed value beside the number seed-examples.md gives, so a mismatch is visible."""
    print(f"{label:<8} got {got!r:<24} expected {expected!r}")


if __name__ == "__main__":
    de = sourcead.grad(e, wrt=("a", "b"), preserve_result=True)
    (de_da, de_db), value = de(2.0, 1.0)
    _show("e", value, 6.0)
    _show("de/da", de_da, 2.0)
    _show("de/db", de_db, 5.0)
    print(sourcead.source(de))
