"""Parameters rebound in a branch or a loop (with tuple targets, where normalize names the new
values ``b_new``, ``a_new``, and without), with kinds that change (a number becomes an array)
or not, in the differentiated function itself and in a callee. ``b, a = a + b, b`` in a branch
once gave a wrong value and derivative: the optimizer read ``a_new = b`` as a second name for
``b``, which it took to be bound once (a parameter is bound on entry too), so ``a`` got the
new ``b``. Each case: f, its arguments (every float one differentiated), the exact gradient.
Used by test_silent_wrongs.py."""
import numpy as np

X = np.array([-0.97865432, 0.9348, -0.6373])
Y = np.array([0.4, -1.3, 0.25])


def swap_in_a_branch(a, b):
    if b > 0.5:
        b, a = a + b, b
    return np.sum(b - a * a)


def calls_swap_in_a_branch(x, y):
    return swap_in_a_branch(x, y)


def swap_in_the_other_branch(a, b):
    if b > 0.5:
        a = a * 2.0
    else:
        b, a = a * b, b
    return np.sum(b * a)


def calls_swap_in_the_other_branch(x, y):
    return swap_in_the_other_branch(x, y) + swap_in_the_other_branch(x, y - 1.0)


def swap_with_a_named_value(a, b):
    if b > 0.5:
        c = a + b
        a = b
        b = c
    return np.sum(b - a * a)


def calls_swap_with_a_named_value(x, y):
    return swap_with_a_named_value(x, y)


def rotation_in_a_branch(a, b, c):
    if c > 0.0:
        c, a, b = a * c, b, c
    return np.sum(a * b + c)


def calls_rotation_in_a_branch(x, y, z):
    return rotation_in_a_branch(x, y, z)


def swap_in_a_loop(a, b):
    for k in range(2):
        b, a = a * b, b
    return np.sum(b - a * a)


def calls_swap_in_a_loop(x, y):
    return swap_in_a_loop(x, y)


def swap_of_arrays_in_a_branch(a, b):
    if np.sum(b) > -1.0:
        b, a = a * b, b
    return np.sum(b + a * a)


def calls_swap_of_arrays_in_a_branch(x, v):
    return swap_of_arrays_in_a_branch(x, v) * 2.0


def becomes_an_array_in_a_branch(a, b):
    if b > 0.5:
        b = a * b
    return np.sum(b * b) + np.sum(a)


def calls_becomes_an_array_in_a_branch(x, y):
    return becomes_an_array_in_a_branch(x, y)


def chain_in_a_branch(a, b):
    if b > 0.5:
        a = b
        b = a * b
    return np.sum(a * b)


def calls_chain_in_a_branch(x, y):
    return chain_in_a_branch(x, y)


def swap_in_a_loop_with_a_branch(a, b):
    for k in range(3):
        if k != 1:
            b, a = a + b, b
    return np.sum(b * a)


def calls_swap_in_a_loop_with_a_branch(x, y):
    return swap_in_a_loop_with_a_branch(x, y)


def _swap_in_a_branch(a, b):
    n = np.size(a)
    if b > 0.5:   # sum(a + b - b b)
        return np.ones_like(a), n * (1 - 2 * b)
    return -2 * a, float(n)


def _swap_in_the_other_branch(a, b):
    if b > 0.5:   # sum(2 a b)
        return 2 * b * np.ones_like(a), 2 * np.sum(a)
    return b * b * np.ones_like(a), 2 * b * np.sum(a)   # b' = a b, a' = b: sum(a b^2)


def _calls_swap_in_the_other_branch(x, y):
    first, second = _swap_in_the_other_branch(x, y), _swap_in_the_other_branch(x, y - 1.0)
    return first[0] + second[0], first[1] + second[1]


def _rotation_in_a_branch(a, b, c):
    n = np.size(a)
    if c > 0.0:   # a' = b, b' = c, c' = a c: sum(b c + a c), over a's shape
        return c * np.ones_like(a), n * c, n * b + np.sum(a)
    return b * np.ones_like(a), np.sum(a), float(n)


def _swap_in_a_loop(a, b):
    # b2 = a b^2, a2 = a b: sum(a b^2 - a^2 b^2)
    return b * b - 2 * a * b * b, np.sum(2 * a * b - 2 * a * a * b)


def _swap_of_arrays_in_a_branch(a, b):
    if np.sum(b) > -1.0:   # sum(a b + b b)
        return b, a + 2 * b
    return 2 * a, np.ones_like(b)


def _becomes_an_array_in_a_branch(a, b):
    if b > 0.5:   # sum(a^2 b^2) + sum(a)
        return 2 * a * b * b + 1.0, 2 * b * np.sum(a * a)
    return np.ones_like(a), 2 * b


def _chain_in_a_branch(a, b):
    if b > 0.5:   # a' = b, b' = b^2: b^3
        return np.zeros_like(a), 3 * b * b
    return b * np.ones_like(a), np.sum(a)


def _swap_in_a_loop_with_a_branch(a, b):
    # k=0: b1 = a + b, a1 = b; k=2: b2 = a1 + b1 = a + 2b, a2 = b1 = a + b:
    # sum((a + 2b)(a + b))
    return 2 * a + 3 * b, np.sum(3 * a + 4 * b)


def _times(exact, factor):
    return lambda *args: tuple(factor * g for g in exact(*args))


CASES = [
    (swap_in_a_branch, (X, 1.2), _swap_in_a_branch),
    (swap_in_a_branch, (X, 0.3), _swap_in_a_branch),
    (swap_in_a_branch, (0.4, 1.2), _swap_in_a_branch),
    (calls_swap_in_a_branch, (X, 1.2), _swap_in_a_branch),
    (calls_swap_in_a_branch, (X, 0.3), _swap_in_a_branch),
    (calls_swap_in_a_branch, (0.4, 1.2), _swap_in_a_branch),
    (swap_in_the_other_branch, (X, 0.3), _swap_in_the_other_branch),
    (calls_swap_in_the_other_branch, (X, 1.2), _calls_swap_in_the_other_branch),
    (calls_swap_in_the_other_branch, (0.4, 0.3), _calls_swap_in_the_other_branch),
    (swap_with_a_named_value, (X, 1.2), _swap_in_a_branch),
    (calls_swap_with_a_named_value, (X, 1.2), _swap_in_a_branch),
    (rotation_in_a_branch, (X, 0.8, 1.1), _rotation_in_a_branch),
    (calls_rotation_in_a_branch, (X, 0.8, 1.1), _rotation_in_a_branch),
    (calls_rotation_in_a_branch, (X, 0.8, -1.1), _rotation_in_a_branch),
    (calls_rotation_in_a_branch, (0.3, 0.8, 1.1), _rotation_in_a_branch),
    (swap_in_a_loop, (X, 1.2), _swap_in_a_loop),
    (calls_swap_in_a_loop, (X, 1.2), _swap_in_a_loop),
    (calls_swap_in_a_loop, (0.4, 1.2), _swap_in_a_loop),
    (swap_of_arrays_in_a_branch, (X, Y), _swap_of_arrays_in_a_branch),
    (calls_swap_of_arrays_in_a_branch, (X, Y), _times(_swap_of_arrays_in_a_branch, 2.0)),
    (calls_swap_of_arrays_in_a_branch, (X, Y - 2.0), _times(_swap_of_arrays_in_a_branch, 2.0)),
    (becomes_an_array_in_a_branch, (X, 1.2), _becomes_an_array_in_a_branch),
    (calls_becomes_an_array_in_a_branch, (X, 1.2), _becomes_an_array_in_a_branch),
    (calls_becomes_an_array_in_a_branch, (X, 0.3), _becomes_an_array_in_a_branch),
    (chain_in_a_branch, (X, 1.2), _chain_in_a_branch),
    (calls_chain_in_a_branch, (X, 1.2), _chain_in_a_branch),
    (calls_chain_in_a_branch, (X, 0.3), _chain_in_a_branch),
    (swap_in_a_loop_with_a_branch, (X, 1.2), _swap_in_a_loop_with_a_branch),
    (calls_swap_in_a_loop_with_a_branch, (X, 1.2), _swap_in_a_loop_with_a_branch),
    (calls_swap_in_a_loop_with_a_branch, (0.4, 1.2), _swap_in_a_loop_with_a_branch),
]
