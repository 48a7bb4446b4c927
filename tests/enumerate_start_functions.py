"""Loops and generators counting from another start (test_enumerate_start)."""


def discounted(rate, flows):
    return sum(cf / (1.0 + rate) ** t for t, cf in enumerate(flows, start=1))


def discounted_loop(rate, flows):
    total = 0.0
    for t, cf in enumerate(flows, 1):
        total = total + cf / (1.0 + rate) ** t
    return total


FIRST = 2


def weighted_from_a_global(x, weights):
    return sum(w * x ** k for k, w in enumerate(weights, FIRST))
