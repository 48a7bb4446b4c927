"""A corpus of plain Python functions with hand-derived gradients, for every differentiation mode.

In:  nothing; importing this module defines the functions and fills ``CASES``.
Out: ``CASES``, a list of ``Case`` rows: the function, the point to differentiate at, ``wrt``
     (positions), the exact gradient written out by hand as a function of the arguments (or
     None where no closed form is worth writing), whether the case is also run with ``wrt``
     given by parameter name, and whether finite differences apply (not through stop_gradient).

The functions live at module level in a real file so ``inspect.getsource`` sees them, and
calls between them (including recursion) go through this module's globals.  Every point is
chosen away from kinks (abs, %, //) and branch or loop-exit boundaries, so finite differences
and exact values agree.  Integer arguments (loop counts) are never in ``wrt``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import sourcead


@dataclass(frozen=True)
class Case:
    """One corpus row; ``label`` tells apart several points of the same function."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    wrt: int | tuple[int, ...]
    exact: Callable[..., Any] | None
    by_name: bool = False
    label: str = ""
    marks: tuple[Any, ...] = field(default=())
    numeric: bool = True  # False where finite differences see through stop_gradient

    @property
    def id(self) -> str:
        return f"{self.fn.__name__}-{self.label}" if self.label else self.fn.__name__


CASES: list[Case] = []


def case(fn: Callable[..., Any], args: tuple[Any, ...], wrt: int | tuple[int, ...],
         exact: Callable[..., Any] | None, *, by_name: bool = False, label: str = "",
         marks: tuple[Any, ...] = (), numeric: bool = True) -> None:
    """Register a corpus row (a plain call, not a decorator, so the source stays undecorated)."""
    CASES.append(Case(fn, args, wrt, exact, by_name, label, marks, numeric))


def sign(v: Any) -> Any:
    """Derivative of abs away from 0 (numpy's sign, as a float for a float)."""
    return np.sign(v) if isinstance(v, np.ndarray) else math.copysign(1.0, v)


def vec(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# ---------------------------------------------------------------- arithmetic, constants, reuse

def seed_poly(x, y):
    return x * x * y + y + 2


case(seed_poly, (3.0, 4.0), (0, 1), lambda x, y: (2 * x * y, x * x + 1), by_name=True)


def mul_div_mix(x, y):
    return (x * y) / (x + y)


case(mul_div_mix, (1.3, 0.7), (0, 1),
     lambda x, y: (y * y / (x + y) ** 2, x * x / (x + y) ** 2))


def sub_neg(x, y):
    return -x - (y - 3.0) * x


case(sub_neg, (1.3, -0.7), (0, 1), lambda x, y: (2.0 - y, -x))


def reciprocal(x, y):
    return x / y + 1.0 / x


case(reciprocal, (1.3, -0.7), (0, 1), lambda x, y: (1 / y - 1 / x ** 2, -x / y ** 2))


def pow_const_exponent(x):
    return x ** 3 + x ** -0.5


case(pow_const_exponent, (1.7,), 0, lambda x: 3 * x ** 2 - 0.5 * x ** -1.5)


def pow_const_base(x):
    return 2.0 ** x + x ** 2


case(pow_const_base, (0.6,), 0, lambda x: 2.0 ** x * math.log(2.0) + 2 * x)


def pow_both(x, y):
    return x ** y


case(pow_both, (1.7, 2.3), (0, 1),
     lambda x, y: (y * x ** (y - 1), x ** y * math.log(x)), by_name=True)


def abs_builtin(x, y):
    return abs(x * y) + abs(y)


case(abs_builtin, (1.5, -2.0), (0, 1),
     lambda x, y: (sign(x * y) * y, sign(x * y) * x + sign(y)))


def modulo(x, y):
    return (x % y) * x


case(modulo, (5.3, 2.0), (0, 1), lambda x, y: (x % y + x, -math.floor(x / y) * x))


def floordiv(x, y):
    return (x // y) * x + y


case(floordiv, (5.3, 2.0), (0, 1), lambda x, y: (x // y, 1.0))


def constants(x):
    return 3.0 * x + 2 - x / 4 + 1e-3


case(constants, (0.9,), 0, lambda x: 2.75)


def constant_output(x):
    return 3.0


case(constant_output, (0.9,), 0, lambda x: 0.0)


def cancelling(x, y):
    return x * y - y * x + x


case(cancelling, (1.3, -0.7), (0, 1), lambda x, y: (1.0, 0.0))


def reuse_many(x):
    a = x * x
    b = a * x
    c = a + b + a * b
    return c


case(reuse_many, (0.9,), 0, lambda x: 2 * x + 3 * x ** 2 + 5 * x ** 4)


def reassign(x, y):
    x = x * y
    x = x * y
    x = x + y
    return x * x


def _reassign_grad(x, y):
    g = x * y * y + y
    return 2 * g * y * y, 2 * g * (2 * x * y + 1)


case(reassign, (1.3, -0.7), (0, 1), _reassign_grad, by_name=True)


def swap_tuple(x, y):
    a, b = x, y * 2
    a, b = b, a * b
    return a + b * a


case(swap_tuple, (1.3, -0.7), (0, 1), lambda x, y: (4 * y * y, 2 + 8 * x * y))


def unpack_tuple(x, y):
    t = (x + y, x - y)
    p, q = t
    return p * q


case(unpack_tuple, (1.3, -0.7), (0, 1), lambda x, y: (2 * x, -2 * y))


def aug_assign(x, y):
    s = 0.0
    s += x * x
    s -= y
    s *= x
    s /= y
    return s


case(aug_assign, (1.3, -0.7), (0, 1), lambda x, y: (3 * x * x / y - 1, -x ** 3 / y ** 2))


def int_local(x):
    k = 3
    y = x * k
    k = k + 1
    y = y * k
    return y


case(int_local, (0.5,), 0, lambda x: 12.0)


# ---------------------------------------------------------------- math module

def math_trig(x):
    return math.sin(x) * math.cos(x) + math.tan(x)


case(math_trig, (0.7,), 0,
     lambda x: math.cos(x) ** 2 - math.sin(x) ** 2 + 1 / math.cos(x) ** 2)


def math_exp_log(x):
    return math.exp(x) * math.log(x)


case(math_exp_log, (1.7,), 0, lambda x: math.exp(x) * (math.log(x) + 1 / x))


def math_sqrt_tanh(x):
    return math.sqrt(x) + math.tanh(x)


case(math_sqrt_tanh, (1.7,), 0, lambda x: 0.5 / math.sqrt(x) + 1 - math.tanh(x) ** 2)


def math_atan_log1p_expm1(x):
    return math.atan(x) + math.log1p(x) + math.expm1(x)


case(math_atan_log1p_expm1, (0.4,), 0,
     lambda x: 1 / (1 + x * x) + 1 / (1 + x) + math.exp(x))


def math_composite(x, y):
    return math.exp(math.sin(x * y))


def _math_composite_grad(x, y):
    outer = math.exp(math.sin(x * y)) * math.cos(x * y)
    return outer * y, outer * x


case(math_composite, (0.8, 1.1), (0, 1), _math_composite_grad)


def math_quotient(x):
    return math.log(1.0 + x * x) / math.sqrt(2.0 + math.cos(x))


def _math_quotient_grad(x):
    u, v = math.log(1 + x * x), math.sqrt(2 + math.cos(x))
    du, dv = 2 * x / (1 + x * x), -math.sin(x) / (2 * v)
    return (du * v - u * dv) / v ** 2


case(math_quotient, (0.9,), 0, _math_quotient_grad)


# ---------------------------------------------------------------- numpy on floats

def np_scalar_a(x):
    return np.sin(x) + np.cos(x) + np.tan(x) + np.exp(x)


case(np_scalar_a, (0.7,), 0,
     lambda x: math.cos(x) - math.sin(x) + 1 / math.cos(x) ** 2 + math.exp(x))


def np_scalar_b(x):
    return np.log(x) + np.sqrt(x) + np.tanh(x) + np.arctan(x)


case(np_scalar_b, (1.7,), 0,
     lambda x: 1 / x + 0.5 / math.sqrt(x) + 1 - math.tanh(x) ** 2 + 1 / (1 + x * x))


def np_scalar_c(x):
    return np.log1p(x) * np.expm1(x) + np.abs(x) + np.power(x, 3.0)


case(np_scalar_c, (-0.4,), 0,
     lambda x: (math.expm1(x) / (1 + x) + math.log1p(x) * math.exp(x) + sign(x) + 3 * x * x))


def np_power_both(x, y):
    return np.power(x, y)


case(np_power_both, (1.7, 2.3), (0, 1),
     lambda x, y: (y * x ** (y - 1), x ** y * math.log(x)), by_name=True)


# ---------------------------------------------------------------- numpy on arrays, broadcasting

def vec_sin_times(v):
    return np.sum(np.sin(v) * v)


case(vec_sin_times, (vec(0.3, 1.2, -2.1, 0.8),), 0, lambda v: np.cos(v) * v + np.sin(v))


def vec_elementwise_a(v):
    return np.sum(np.exp(v) + np.log(v) + np.sqrt(v) + np.tanh(v))


case(vec_elementwise_a, (vec(0.3, 1.2, 2.1, 0.8),), 0,
     lambda v: np.exp(v) + 1 / v + 0.5 / np.sqrt(v) + 1 - np.tanh(v) ** 2)


def vec_elementwise_b(v):
    return np.sum(np.tan(v) + np.arctan(v) + np.log1p(v) + np.expm1(v) + np.abs(v) + np.cos(v))


case(vec_elementwise_b, (vec(-0.5, 0.3, 1.1, -0.2),), 0,
     lambda v: (1 / np.cos(v) ** 2 + 1 / (1 + v * v) + 1 / (1 + v) + np.exp(v)
                + np.sign(v) - np.sin(v)))


def vec_power(v, p):
    return np.sum(np.power(v, p))


case(vec_power, (vec(0.3, 1.2, 2.1), 2.5), (0, 1),
     lambda v, p: (p * v ** (p - 1), float(np.sum(v ** p * np.log(v)))))


def vec_pow_operator(v):
    return np.sum(v ** 2 * 0.5 + 3.0 ** v)


case(vec_pow_operator, (vec(0.3, -1.2, 2.1),), 0, lambda v: v + 3.0 ** v * math.log(3.0))


def broadcast_scalar(v, s):
    return np.sum(v * s + s)


case(broadcast_scalar, (vec(0.3, -1.2, 2.1, 0.5), 1.7), (0, 1),
     lambda v, s: (np.full(v.shape, s), float(np.sum(v)) + v.size), by_name=True)


def broadcast_row(m, r):
    return np.sum(np.sin(m + r) * r)


def _broadcast_row_grad(m, r):
    dm = np.cos(m + r) * r
    return dm, np.sum(dm + np.sin(m + r), axis=0)


case(broadcast_row, (np.array([[0.1, 0.5, -0.3], [1.2, -0.7, 0.4]]), vec(0.2, -0.6, 0.9)),
     (0, 1), _broadcast_row_grad)


def broadcast_column(m, c):
    return np.sum(m * c * c)


case(broadcast_column, (np.array([[0.1, 0.5, -0.3], [1.2, -0.7, 0.4]]), np.array([[0.6], [-1.1]])),
     (0, 1), lambda m, c: (np.broadcast_to(c * c, m.shape),
                           np.sum(m, axis=1, keepdims=True) * 2 * c))


def broadcast_divide(v, w):
    return np.sum(v / (1.0 + w * w))


case(broadcast_divide, (np.array([[0.1, 0.5, -0.3], [1.2, -0.7, 0.4]]), vec(0.2, -0.6, 0.9)),
     (0, 1), lambda v, w: (np.broadcast_to(1 / (1 + w * w), v.shape),
                           np.sum(-v * 2 * w / (1 + w * w) ** 2, axis=0)))


def dot_vectors(x, y):
    return np.dot(x, y) * 2.0 + np.dot(x, x)


case(dot_vectors, (vec(0.3, -1.2, 2.1), vec(1.5, 0.4, -0.8)), (0, 1),
     lambda x, y: (2 * y + 2 * x, 2 * x))


def matmul_vectors(x, y):
    return (x @ y) * (x @ x)


case(matmul_vectors, (vec(0.3, -1.2, 2.1), vec(1.5, 0.4, -0.8)), (0, 1),
     lambda x, y: (y * (x @ x) + 2 * x * (x @ y), x * (x @ x)))


def sum_ratio(x, y):
    return np.sum(x * y) / np.sum(y)


def _sum_ratio_grad(x, y):
    s = np.sum(y)
    return y / s, x / s - np.sum(x * y) / s ** 2


case(sum_ratio, (vec(0.3, -1.2, 2.1), vec(1.5, 0.4, 0.8)), (0, 1), _sum_ratio_grad)


def math_of_array_sum(v):
    return math.exp(np.sum(v) / 4.0)


case(math_of_array_sum, (vec(0.3, -1.2, 2.1, 0.5),), 0,
     lambda v: np.full(v.shape, math.exp(np.sum(v) / 4.0) / 4.0))


def array_aug_assign(v):
    s = v * 0.0
    s += v * v
    s = s * 2.0
    return np.sum(s)


case(array_aug_assign, (vec(0.3, -1.2, 2.1),), 0, lambda v: 4 * v)


# ---------------------------------------------------------------- branches

def if_else(x):
    if x > 0.0:
        y = x * x * x
    else:
        y = -2.0 * x
    return y


case(if_else, (1.3,), 0, lambda x: 3 * x * x, label="then")
case(if_else, (-0.8,), 0, lambda x: -2.0, label="else")


def if_elif_else(x, y):
    if x > y:
        r = x * y
    elif x > 0.0:
        r = x * x * y
    else:
        r = y - x
    return r


case(if_elif_else, (2.0, 1.0), (0, 1), lambda x, y: (y, x), label="if", by_name=True)
case(if_elif_else, (0.5, 1.0), (0, 1), lambda x, y: (2 * x * y, x * x), label="elif")
case(if_elif_else, (-0.5, 1.0), (0, 1), lambda x, y: (-1.0, 1.0), label="else")


def if_on_computed(x):
    s = math.sin(x)
    if s * s > 0.25:
        r = s * x
    else:
        r = s + x
    return r


case(if_on_computed, (1.0,), 0, lambda x: math.sin(x) + x * math.cos(x), label="then")
case(if_on_computed, (0.2,), 0, lambda x: math.cos(x) + 1, label="else")


def bool_flag(x):
    negative = x < 0.0
    y = x * x
    if negative:
        y = -y
    return y


case(bool_flag, (-1.3,), 0, lambda x: -2 * x)


def ternary(x):
    y = x * x if x > 1.0 else 2.0 * x
    return y


case(ternary, (1.5,), 0, lambda x: 2 * x, label="then")
case(ternary, (0.5,), 0, lambda x: 2.0, label="else")


def chained_comparison(x, y):
    if 0.0 < x < y:
        return x * y
    return x + y


case(chained_comparison, (0.5, 1.5), (0, 1), lambda x, y: (y, x))


def bool_operators(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    else:
        r = x - y
    if not (x > 5.0 or y > 5.0):
        r = r * 2.0
    return r


case(bool_operators, (0.5, 1.5), (0, 1), lambda x, y: (2 * y, 2 * x), label="and")
case(bool_operators, (0.5, -1.5), (0, 1), lambda x, y: (2.0, -2.0), label="or")


def return_in_branch(x):
    if x > 1.0:
        return x * x
    elif x > 0.0:
        return math.exp(x)
    return -x


case(return_in_branch, (1.5,), 0, lambda x: 2 * x, label="first")
case(return_in_branch, (0.5,), 0, lambda x: math.exp(x), label="second")
case(return_in_branch, (-0.5,), 0, lambda x: -1.0, label="fallthrough")


# ---------------------------------------------------------------- loops

def while_data_dependent(x):
    y = x
    while y < 10.0:
        y = y * 1.5
    return y * x


# f = x**2 * 1.5**k with k locally constant, so df/dx = 2 f / x.
case(while_data_dependent, (1.3,), 0, lambda x: 2 * while_data_dependent(x) / x, label="loops")
case(while_data_dependent, (20.0,), 0, lambda x: 2 * x, label="no_iteration")


def while_counter(x, n):
    i = 0
    y = x
    while i < n:
        y = y * x
        i += 1
    return y


case(while_counter, (1.1, 4), 0, lambda x, n: (n + 1) * x ** n)


def while_true_break_continue(x):
    i = 0
    s = 0.0
    while True:
        i += 1
        if i > 6:
            break
        if i == 3:
            continue
        s = s + x ** i
    return s


case(while_true_break_continue, (0.7,), 0,
     lambda x: 1 + 2 * x + 4 * x ** 3 + 5 * x ** 4 + 6 * x ** 5)


def newton_sqrt(a):
    r = a
    i = 0
    while i < 5:
        r = 0.5 * (r + a / r)
        i = i + 1
    return r


case(newton_sqrt, (2.0,), 0, None)


def for_range_n(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** i
    return s


case(for_range_n, (0.7, 5), 0, lambda x, n: sum(i * x ** (i - 1) for i in range(1, n)),
     by_name=True)


def for_range_start_stop_step(x, a, b, step):
    p = 1.0
    for i in range(a, b, step):
        p = p * (x + i)
    return p


# range(1, 8, 3) = 1, 4, 7: p = (x+1)(x+4)(x+7).
case(for_range_start_stop_step, (0.3, 1, 8, 3), 0,
     lambda x, a, b, s: (x + 4) * (x + 7) + (x + 1) * (x + 7) + (x + 1) * (x + 4))


def for_range_negative_step(x):
    y = 1.0
    for i in range(3, 0, -1):
        y = y * x + i
    return y


# Horner: x**3 + 3x**2 + 2x + 1.
case(for_range_negative_step, (0.6,), 0, lambda x: 3 * x * x + 6 * x + 2)


def for_const_list(x):
    s = 0.0
    for c in [0.5, 1.0, 2.0]:
        s = s + math.sin(c * x)
    return s


case(for_const_list, (0.8,), 0, lambda x: sum(c * math.cos(c * x) for c in (0.5, 1.0, 2.0)))


def for_over_array(v, x):
    s = 0.0
    for e in v:
        s = s + math.sin(e) * x * x
    return s


case(for_over_array, (vec(0.3, -1.2, 2.1), 1.4), (0, 1),
     lambda v, x: (np.cos(v) * x * x, 2 * x * float(np.sum(np.sin(v)))))


def nested_loops(x, n):
    s = 0.0
    for i in range(n):
        for j in range(3):
            s = s + x ** j * i
    return s


case(nested_loops, (0.7, 4), 0, lambda x, n: n * (n - 1) / 2 * (1 + 2 * x))


def nested_loops_carried(x, n):
    s = x
    for i in range(n):
        for j in range(i):
            s = s * 0.9 + math.sin(s) * x
    return s


case(nested_loops_carried, (0.7, 4), 0, None)


def loop_over_array_state(v, n):
    for i in range(n):
        v = np.sin(v) * 1.5
    return np.sum(v)


case(loop_over_array_state, (vec(0.3, -1.2, 2.1), 3), 0, None)


def break_loop(x):
    for i in range(100):
        x = x * 1.1
        if x > 5.0:
            break
    return x * x


# The result is (x0 * 1.1**k)**2 with k locally constant, so df/dx0 = 2 f / x0.
case(break_loop, (1.3,), 0, lambda x: 2 * break_loop(x) / x)


def continue_loop(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s


case(continue_loop, (0.7, 6), 0, lambda x, n: 1 + 3 * x ** 2 + 5 * x ** 4)


def return_in_loop(x):
    y = x
    for i in range(20):
        y = y * 2.0
        if y > 50.0:
            return y * x
    return -y


# Returns x**2 * 2**6 at x = 1.3, so df/dx = 2 f / x.
case(return_in_loop, (1.3,), 0, lambda x: 2 * return_in_loop(x) / x, label="early")
case(return_in_loop, (1e-9,), 0, lambda x: -2.0 ** 20, label="exhausted")


# ---------------------------------------------------------------- calls to user functions

def square(a):
    return a * a


def mix(a, b):
    return math.sin(a) * b


def call_helpers(x, y):
    return square(x) * mix(x, y)


case(call_helpers, (0.8, 1.3), (0, 1),
     lambda x, y: (2 * x * math.sin(x) * y + x * x * math.cos(x) * y, x * x * math.sin(x)))


def call_nested(x):
    return square(mix(x, x) + 1.0)


case(call_nested, (0.8,), 0,
     lambda x: 2 * (x * math.sin(x) + 1) * (math.sin(x) + x * math.cos(x)))


def call_keywords(x, y):
    return mix(b=y, a=x) + square(a=y)


case(call_keywords, (0.8, 1.3), (0, 1), lambda x, y: (math.cos(x) * y, math.sin(x) + 2 * y))


def call_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + square(x + i)
    return s


case(call_in_loop, (0.3, 4), 0, lambda x, n: sum(2 * (x + i) for i in range(n)))


def recursive_power(x, n):
    if n == 0:
        return 1.0
    return x * recursive_power(x, n - 1)


case(recursive_power, (1.3, 5), 0, lambda x, n: n * x ** (n - 1), by_name=True)


def fast_power(x, n):
    if n == 0:
        return 1.0
    half = fast_power(x, n // 2)
    if n % 2 == 0:
        return half * half
    return half * half * x


case(fast_power, (1.3, 11), 0, lambda x, n: n * x ** (n - 1))


# ------------------------------------------------------- stop_gradient, ints, unused inputs

def stop_gradient_scalar(x, y):
    z = sourcead.stop_gradient(x * y) * x
    return z


# Finite differences see stop_gradient as the identity, so only the exact value applies.
case(stop_gradient_scalar, (1.3, -0.7), (0, 1), lambda x, y: (x * y, 0.0), numeric=False)


def stop_gradient_array(v):
    y = v * v
    u = sourcead.stop_gradient(y)
    z = u * v
    return np.sum(z)


case(stop_gradient_array, (vec(0.3, -1.2, 2.1),), 0, lambda v: v * v, numeric=False)


def int_argument(x, k):
    return x * k + k


case(int_argument, (0.9, 3), 0, lambda x, k: float(k))


def int_argument_branch(x, n):
    if n > 2:
        return x * n
    return x


case(int_argument_branch, (0.5, 3), 0, lambda x, n: float(n))


def unused_float(x, y):
    return x * 2.0


case(unused_float, (0.9, 4.0), (0, 1), lambda x, y: (2.0, 0.0))


def unused_array(x, v):
    return x * x


case(unused_array, (0.9, np.ones((2, 2))), (0, 1), lambda x, v: (2 * x, np.zeros((2, 2))))


# ---------------------------------------------------------------- edge cases of the rules

SCALE = 2.5


def module_constants(x):
    return x * math.pi + x * SCALE + math.e


case(module_constants, (0.9,), 0, lambda x: math.pi + SCALE)


def cube_of_negative(x):
    return x ** 3 + x ** 2.0


# A constant exponent must not drag log(x) (NaN for x < 0) into the gradient.
case(cube_of_negative, (-1.3,), 0, lambda x: 3 * x * x + 2 * x)


case(for_range_n, (-0.7, 5), 0, lambda x, n: sum(i * x ** (i - 1) for i in range(1, n)),
     label="negative_x")
case(for_range_n, (0.7, 0), 0, lambda x, n: 0.0, label="zero_trips")


def np_power_negative_base(v):
    return np.sum(np.power(v, 2.0) + v ** 3)


case(np_power_negative_base, (vec(-0.3, -1.2, 2.1),), 0, lambda v: 2 * v + 3 * v * v)


def abs_of_array(v):
    return np.sum(abs(v) * v)


case(abs_of_array, (vec(-0.3, -1.2, 2.1),), 0, lambda v: 2 * np.abs(v))


def outer_broadcast(c, r):
    return np.sum(np.sin(c + r) * c)


def _outer_broadcast_grad(c, r):
    inner = np.cos(c + r) * c
    return np.sum(inner + np.sin(c + r), axis=1, keepdims=True), np.sum(inner, axis=0)


case(outer_broadcast, (np.array([[0.2], [-0.5], [1.1]]), vec(0.3, -0.8, 0.6, 1.4)), (0, 1),
     _outer_broadcast_grad)


def branch_then_fallthrough(x):
    y = x * 2.0
    if y > 1.0:
        y = y * y
    else:
        return -y
    y = y + x
    return y


case(branch_then_fallthrough, (0.8,), 0, lambda x: 8 * x + 1, label="fall")
case(branch_then_fallthrough, (0.3,), 0, lambda x: -2.0, label="return")


def break_first_iteration(x, n):
    s = x
    for i in range(n):
        if s > 0.0:
            break
        s = s * s
    return s * x


case(break_first_iteration, (0.8, 5), 0, lambda x, n: 2 * x)


def float_loop_variable(x):
    s = 0.0
    for c in [0.5, 1.5]:
        for d in [2.0, -1.0]:
            s = s + c * d * x * x + c * x
    return s


# s = x^2 * sum(c) * sum(d) + 2 x * sum(c) with sum(c) = 2, sum(d) = 1: 2 x^2 + 4 x.
case(float_loop_variable, (0.8,), 0, lambda x: 2 * 2.0 * x + 2 * 2.0)


def helper_with_loop(a, n):
    r = a
    for i in range(n):
        r = math.sin(r) + a
    return r


def call_helper_with_loop_twice(x, y):
    return helper_with_loop(x, 3) * helper_with_loop(y * x, 2)


case(call_helper_with_loop_twice, (0.8, 1.3), (0, 1), None)


def helper_early_return(a):
    for i in range(10):
        a = a * 1.5
        if a > 3.0:
            return a
    return -a


def call_early_return_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + helper_early_return(x + i * 0.1)
    return s


# helper(a) = a * 1.5**k(a) with k locally constant: x=1.0 -> 1.0, 1.1, 1.2 all need k=3.
case(call_early_return_in_loop, (1.0, 3), 0, lambda x, n: n * 1.5 ** 3)


def tree_recursion(x, n):
    if n < 2:
        return x
    return tree_recursion(x, n - 1) + math.sin(tree_recursion(x, n - 2))


case(tree_recursion, (0.7, 5), 0, None)


def ping(x, n):
    if n == 0:
        return x
    return pong(x * 1.1, n - 1)


def pong(x, n):
    if n == 0:
        return x
    return ping(math.sin(x), n - 1)


case(ping, (0.7, 5), 0, None)


def call_in_branch_in_loop(x, n):
    s = x
    for i in range(n):
        if i % 2 == 0:
            s = square(s) * 0.5
        else:
            s = mix(s, x)
    return s


case(call_in_branch_in_loop, (0.9, 4), 0, None)


def array_state_with_branch(v, n):
    for i in range(n):
        if np.sum(v) > 1.0:
            v = v * 0.5
        else:
            v = np.exp(v) * v
    return np.dot(v, v)


case(array_state_with_branch, (vec(0.3, -0.2, 0.4), 4), 0, None)


def reuse_argument_after_loop(x, y):
    z = x
    for i in range(3):
        z = z * y + x
    return z * x + y


case(reuse_argument_after_loop, (0.8, 1.3), (0, 1), None)


def return_in_loop_in_branch(x):
    if x > 0.0:
        n = 0
        while n < 3:
            n += 1
            if x > 1.0:
                return x * 7.0
            x = x * 2.0
    return -x


# x = 0.3 doubles twice to 1.2 and returns 7 * 4 * x0 from inside the loop inside the branch.
case(return_in_loop_in_branch, (0.3,), 0, lambda x: 28.0, label="loop_return")
case(return_in_loop_in_branch, (-0.3,), 0, lambda x: -1.0, label="skip_branch")


def return_in_for_in_else(x):
    if x > 0.0:
        y = x
    else:
        for i in range(2):
            return x * 5.0
    return x * 2.0


case(return_in_for_in_else, (-0.3,), 0, lambda x: 5.0, label="loop_return")
case(return_in_for_in_else, (0.3,), 0, lambda x: 2.0, label="then")


def loop_variable_after_loop(x):
    for i in range(3):
        y = x * i
    return y * i + x * i


# After the loop i = 2 and y = 2 x, so f = 4 x + 2 x.
case(loop_variable_after_loop, (0.7,), 0, lambda x: 6.0)


def ignores_first(a, b):
    return np.sum(b * 2.0)


def overwrites_second(a, b):
    b = 1.5
    return np.sum(a * b)


def call_helper_unused_array_parameter(v, w):
    return ignores_first(v, w) + np.sum(v * w)


case(call_helper_unused_array_parameter, (vec(0.3, -1.2), vec(0.7, 0.4)), (0, 1),
     lambda v, w: (w, 2.0 + v))


def call_helper_overwritten_array_parameter(v, w):
    return overwrites_second(v, w)


case(call_helper_overwritten_array_parameter, (vec(0.3, -1.2), vec(0.7, 0.4)), (0, 1),
     lambda v, w: (np.full(2, 1.5), np.zeros(2)))


def float_overwritten_by_array_in_loop(v, y):
    for i in range(1):
        y = np.tanh(v)
    return np.sum(v)


# y does not reach the output, so its gradient is the float 0.0, whatever y later holds.
case(float_overwritten_by_array_in_loop, (vec(0.5, 1.0, 2.0), 0.3), (0, 1),
     lambda v, y: (np.ones(3), 0.0))


def float_overwritten_by_array_in_branch(v, y):
    if np.sum(v) > 0.0:
        y = np.tanh(v)
    return np.sum(v)


case(float_overwritten_by_array_in_branch, (vec(0.5, 1.0, 2.0), 0.3), (0, 1),
     lambda v, y: (np.ones(3), 0.0))


def array_parameter_rebound_to_float_in_loop(v, y):
    s = y
    for i in range(2):
        y = np.sum(y * v)
        v = s
        s = v * y
    return s


# v holds the array only in the first trip; s = y**4 * sum(v)**2 at the end.
case(array_parameter_rebound_to_float_in_loop, (vec(-0.49, -0.07, 0.94), -0.8), (0, 1),
     lambda v, y: (np.full(3, 2 * y ** 4 * np.sum(v)), 4 * y ** 3 * np.sum(v) ** 2))


def array_parameter_rebound_to_float_in_branch(v, y, z):
    if z <= 2.0:
        z = y
        v = y
    t = v
    v = z
    return np.sum(t)


case(array_parameter_rebound_to_float_in_branch, (vec(1.4, -0.02, -0.8), -0.46, 1.08),
     (0, 1, 2), lambda v, y, z: (np.zeros(3), 1.0, 0.0))


def np_sum_of_float(v, y):
    return np.sum(y) * 2.0 + np.sum(v)


# The sum of a float is that float: its gradient must stay a float, not a 0-d array.
case(np_sum_of_float, (vec(0.3, -1.2), 0.7), (0, 1), lambda v, y: (np.ones(2), 2.0))


# ---- shapes: which values share a shape (the kinds' anchors) ---------------------------------
# An array's mask, a callee's result, slices of one array and matrix products each name a
# shape; a wrong "same shape" would drop a needed sum over broadcast axes.

MAT = np.array([[1.0, -1.0, 2.0], [3.0, 4.0, -5.0], [0.5, 1.5, -0.25]])
XM = np.array([[0.2, -0.4, 1.0], [0.7, 0.1, -0.3], [-0.5, 0.9, 0.4], [0.3, 0.3, -0.8]])


def masked_by_a_matrix(x, A):
    return np.sum(np.where(A > 0.0, x, 0.0) * A)


case(masked_by_a_matrix, (vec(1.0, 2.0, 3.0), MAT.copy()), (0, 1),
     lambda x, A: (np.sum(np.where(A > 0, A, 0.0), axis=0),
                   np.where(A > 0, 1.0, 0.0) * x + np.zeros((3, 3))))


def times_a_matrix_mask(x, A):
    m = A > 0.0
    return np.sum(x * m * x)


case(times_a_matrix_mask, (vec(1.0, -2.0, 0.5), MAT.copy()), 0,
     lambda x, A: 2 * x * np.sum(A > 0, axis=0))


def times_a_matrix_sign(x, A):
    return np.sum(x * np.sign(A) * x)


case(times_a_matrix_sign, (vec(1.0, -2.0, 0.5), MAT.copy()), 0,
     lambda x, A: 2 * x * np.sum(np.sign(A), axis=0))


def matrix_times_vector(a, b):
    t = a @ b
    return t


def callee_result_beside_a_parameter_named_like_its_local(x, W, t):
    s = matrix_times_vector(W, x)
    u = s * t
    return np.sum(u * u)


def _callee_result_grads(x, W, t):
    s = W @ x
    u = s * t
    ds = np.sum(2 * u * t, axis=0)
    return W.T @ ds, np.outer(ds, x), 2 * u * s


case(callee_result_beside_a_parameter_named_like_its_local,
     (vec(1.0, 0.5, -0.3), XM[:2].copy(), np.arange(8.0).reshape(4, 2) / 4), (0, 1, 2),
     _callee_result_grads)


def slices_of_one_length(x):
    d = x[1:] - x[:-1]
    return np.sum(d * d)


def _slices_of_one_length_grad(x):
    d = np.diff(x)
    g = np.zeros_like(x)
    g[1:] += 2 * d
    g[:-1] -= 2 * d
    return g


case(slices_of_one_length, (vec(0.3, -1.2, 0.9, 0.45, 2.0),), 0, _slices_of_one_length_grad)


def slices_that_broadcast(x):
    return np.sum(x[:1] * x[1:] * x[:-1])


def _slices_that_broadcast_grad(x):
    g = np.zeros_like(x)
    g[0] = np.sum(x[1:] * x[:-1])
    g[1:] += x[0] * x[:-1]
    g[:-1] += x[0] * x[1:]
    return g


case(slices_that_broadcast, (vec(0.3, -1.2, 0.9, 0.45),), 0, _slices_that_broadcast_grad)


def product_broadcast_against_a_column(x, c):
    v = XM @ x
    return np.sum(v * c * v)


case(product_broadcast_against_a_column, (vec(0.5, -1.0, 2.0), np.array([[1.0], [-2.0], [0.5]])),
     (0, 1),
     lambda x, c: (XM.T @ (2 * (XM @ x) * np.sum(c)), np.full((3, 1), np.sum((XM @ x) ** 2))))


def mean_of_a_loss(w, y):
    z = XM @ w
    return np.mean(y * np.log(1.0 + z * z))


case(mean_of_a_loss, (vec(0.4, -0.2, 0.9), vec(1.0, 0.0, 1.0, 1.0)), (0, 1),
     lambda w, y: (XM.T @ (y * 2 * (XM @ w) / (1 + (XM @ w) ** 2)) / 4,
                   np.log(1 + (XM @ w) ** 2) / 4))


# ---- adjoints kept as one number (the adjoint of a full sum is the same in every element) ----

def number_adjoint_meets_an_array_one(x):
    v = np.sin(x)
    u = v * 2.0
    return np.sum(u) + np.dot(v, v)


case(number_adjoint_meets_an_array_one, (vec(0.3, -1.2, 0.9),), 0,
     lambda x: np.cos(x) * (2.0 + 2.0 * np.sin(x)))


def number_adjoint_in_a_branch(x, c):
    v = x * 3.0
    if c > 0:
        s = np.sum(v)
    else:
        s = np.sum(v * v)
    return s


case(number_adjoint_in_a_branch, (vec(0.3, -1.2), 1.0), 0, lambda x, c: np.full(2, 3.0),
     label="sum")
case(number_adjoint_in_a_branch, (vec(0.3, -1.2), -1.0), 0, lambda x, c: 18.0 * x, label="square")


def number_adjoint_summed_down(x, col):
    return np.mean(x * col - 2.0 * x)


case(number_adjoint_summed_down, (vec(0.3, -1.2, 0.9), np.array([[0.5], [-2.0]])), (0, 1),
     lambda x, col: (np.full(3, (np.sum(col) - 4.0) / 6), np.full((2, 1), np.sum(x) / 6)))


def part_read_in_a_loop_before_its_twin(x, n):
    s = 0.0
    for i in range(n):
        a = x[1:]
        s = s + np.sum(a * a)
    b = x[:-1]
    return s + np.sum(b * b * b)


def _part_read_in_a_loop_grad(x, n):
    g = np.zeros_like(x)
    g[1:] += 2 * n * x[1:]
    g[:-1] += 3 * x[:-1] ** 2
    return g


# the adjoint loop may not read b for a's shape: the reverse sweep reaches it after b is undone
case(part_read_in_a_loop_before_its_twin, (vec(0.3, -1.2, 0.9, 0.5), 2), 0, _part_read_in_a_loop_grad)
