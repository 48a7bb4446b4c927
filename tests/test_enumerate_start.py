"""``enumerate(xs, start)`` in loops and generators (issue 12's everyday programs: a
discounted cash flow counts periods from 1); refused before as "no derivative rule for
enumerate(...)". Exact values in every mode."""
import pytest

import sourcead
import enumerate_start_functions as es

FLOWS = [100.0, 100.0, 1100.0]
RATE = 0.05


@pytest.mark.parametrize("f", [es.discounted, es.discounted_loop])
def test_periods_counted_from_one(f):
    first = sum(-t * cf / (1 + RATE) ** (t + 1) for t, cf in enumerate(FLOWS, 1))
    second = sum(t * (t + 1) * cf / (1 + RATE) ** (t + 2) for t, cf in enumerate(FLOWS, 1))
    assert f(RATE, FLOWS) == pytest.approx(sum(cf / 1.05 ** t for t, cf in enumerate(FLOWS, 1)))
    for mode in ("reverse", "forward"):
        assert sourcead.grad(f, mode=mode)(RATE, FLOWS) == pytest.approx(first, rel=1e-14)
    assert sourcead.hessian(f)(RATE, FLOWS) == pytest.approx(second, rel=1e-13)
    assert sourcead.grad(sourcead.grad(f))(RATE, FLOWS) == pytest.approx(second, rel=1e-13)
    assert sourcead.grad(f, wrt=1)(RATE, FLOWS) == pytest.approx(
        [1 / 1.05, 1 / 1.05 ** 2, 1 / 1.05 ** 3], rel=1e-14)


def test_a_start_read_from_a_global_after_it_changes():
    weights = [1.0, 2.0]
    grad = sourcead.grad(es.weighted_from_a_global)
    assert grad(1.5, weights) == pytest.approx(2 * 1.5 + 2.0 * 3 * 1.5 ** 2, rel=1e-14)
    es.FIRST = 0
    try:
        assert grad(1.5, weights) == pytest.approx(0.0 + 2.0, rel=1e-14)
    finally:
        es.FIRST = 2
