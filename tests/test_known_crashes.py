"""Programs that crashed (never gave a wrong number) where they should work, each minimized and
checked in every mode against its exact derivatives and finite differences: reverse and
forward grad, jvp, vjp, jacobian of the gradient in both modes, the Hessian, jvp of the
gradient, and reverse over reverse."""
from __future__ import annotations

import math

import numpy as np
import pytest

import sourcead


def dict_rebuilt_in_branches(x, y):
    # soak seed 5163: `d = None` (to record d before its first assignment) went before the
    # second `if`, wiping the dict the first one built; its adjoint then had no keys
    s = y
    if y > 0.0:
        d = {'p': x * x, 'q': y}
        s = d['p'] * d['q']
    if s < 10.0:
        d = {'p': s * s, 'q': x}
        s = d['p'] * d['q']
    return s


def dict_rebuilt_in_loop(x, y):
    d = {'p': x, 'q': y}
    s = 0.0
    for i in range(3):
        if s < 100.0:
            d = {'p': d['p'] * x, 'q': y}
        s = s + d['p'] * d['q']
    return s


def pop_in_while(x):
    # the Hessian's tangent of the adjoint list `stack_bar = zeros_like(stack)` was a plain
    # 0.0, which has no `append`
    stack = [x, x * x, 3.0 * x]
    s = 0.0
    while stack:
        s = s + stack.pop() * x
    return s


def write_into_array_rebuilt_each_step(x, y):
    # reverse over reverse: the adjoint of `a_bar = with_item(a_bar, i, 0.0, a)` wrote into
    # a plain-zero adjoint shaped like a_bar, itself a plain zero in the steps that skip the
    # read
    s = 0.0
    for i in range(3):
        a = np.ones(3) * x
        a[i] = y * x
        if i == 1:
            s = s + a[0] * x
        s = s + x * y
    return s


def popped_after_a_literal_element_is_read(x, y):
    # the tangent of `st_bar_1 = with_component(st_bar, 0, out_bar, st)` (a rule with no
    # term for the active list) was a plain 0.0, which has no `append`
    st = []
    for i in range(3):
        st.append(x * i + y)
    s = 0.0
    for i in range(2):
        s = s + st.pop() * y
    return s + st[0]


def _exact_dict_branches(x, y):
    """s = x^5 y^2 for y > 0 (and x^2 y < 10), s = x y^2 otherwise: gradient, Hessian."""
    if y > 0.0:
        return ((5 * x ** 4 * y * y, 2 * x ** 5 * y),
                ((20 * x ** 3 * y * y, 10 * x ** 4 * y), (10 * x ** 4 * y, 2 * x ** 5)))
    return (y * y, 2 * x * y), ((0.0, 2 * y), (2 * y, 2 * x))


def _exact_dict_loop(x, y):
    """s = y (x^2 + x^3 + x^4)."""
    p = x * x + x ** 3 + x ** 4
    dp = 2 * x + 3 * x * x + 4 * x ** 3
    return (y * dp, p), ((y * (2 + 6 * x + 12 * x * x), dp), (dp, 0.0))


def _exact_rebuilt(x, y):
    """s = 3 x y + x^2 (the step i == 1 reads a[0] = x)."""
    return (3 * y + 2 * x, 3 * x), ((2.0, 3.0), (3.0, 0.0))


def _exact_popped(x, y):
    """s = (2x + y) y + (x + y) y + y = 3 x y + 2 y^2 + y."""
    return (3 * y, 3 * x + 4 * y + 1), ((0.0, 3.0), (3.0, 4.0))


TWO_ARGUMENTS = [
    (dict_rebuilt_in_branches, (0.7, 0.5), _exact_dict_branches),
    (dict_rebuilt_in_branches, (0.7, -0.5), _exact_dict_branches),
    (dict_rebuilt_in_loop, (0.7, 1.3), _exact_dict_loop),
    (write_into_array_rebuilt_each_step, (0.7, 1.3), _exact_rebuilt),
    (popped_after_a_literal_element_is_read, (0.7, 1.3), _exact_popped),
]
IDS = ["dict_branches_then", "dict_branches_else", "dict_loop", "write_rebuilt", "popped"]


def _close(got, expected, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)


@pytest.mark.parametrize("f, args, exact", TWO_ARGUMENTS, ids=IDS)
def test_first_order_in_every_mode(f, args, exact):
    gradient, _ = exact(*args)
    numeric = tuple(sourcead.numeric_grad(f, *args, wrt=k) for k in (0, 1))
    _close(gradient, numeric, rtol=1e-6, atol=1e-7)
    _close(sourcead.grad(f, wrt=(0, 1))(*args), gradient)
    _close(sourcead.grad(f, wrt=(0, 1), mode="forward")(*args), gradient)
    value, tangent = sourcead.jvp(f, wrt=(0, 1))(*args, 0.3, -0.8)
    assert value == f(*args)
    _close(tangent, 0.3 * gradient[0] - 0.8 * gradient[1])
    value, grads = sourcead.vjp(f, wrt=(0, 1))(*args, 2.0)
    _close(grads, (2 * gradient[0], 2 * gradient[1]))
    for mode in ("forward", "reverse"):
        _close(sourcead.jacobian(f, wrt=1, mode=mode)(*args), gradient[1])


@pytest.mark.parametrize("f, args, exact", TWO_ARGUMENTS, ids=IDS)
def test_second_order_in_every_mode(f, args, exact):
    _, hessian = exact(*args)
    for i in (0, 1):
        first = sourcead.grad(f, wrt=i)
        for j in (0, 1):
            numeric = sourcead.numeric_grad(first, *args, wrt=j)
            _close(hessian[i][j], numeric, rtol=1e-6, atol=1e-7)
            _close(sourcead.grad(first, wrt=j)(*args), hessian[i][j])  # reverse over reverse
            _close(sourcead.grad(first, wrt=j, mode="forward")(*args), hessian[i][j])
            direction = (1.0, 0.0) if j == 0 else (0.0, 1.0)
            _close(sourcead.jvp(first, wrt=(0, 1))(*args, *direction)[1], hessian[i][j])
            for mode in ("forward", "reverse"):
                _close(sourcead.jacobian(first, wrt=j, mode=mode)(*args), hessian[i][j])
        _close(sourcead.hessian(f, wrt=i)(*args), hessian[i][i])
    _close(sourcead.hessian(f, wrt=(0, 1))(*args), hessian)


X = 0.7


def test_a_users_pop_in_a_while_loop_in_every_mode():
    # s = 3x * x + x^2 * x + x * x = 4 x^2 + x^3
    first, second, third = 8 * X + 3 * X * X, 8 + 6 * X, 6.0
    assert sourcead.numeric_grad(pop_in_while, X) == pytest.approx(first, rel=1e-8)
    assert sourcead.grad(pop_in_while)(X) == pytest.approx(first, rel=1e-14)
    assert sourcead.grad(pop_in_while, mode="forward")(X) == pytest.approx(first, rel=1e-14)
    assert sourcead.jvp(pop_in_while)(X, 0.5)[1] == pytest.approx(0.5 * first, rel=1e-14)
    assert sourcead.vjp(pop_in_while)(X, 2.0)[1] == pytest.approx(2 * first, rel=1e-14)
    gradient = sourcead.grad(pop_in_while)
    assert sourcead.numeric_grad(gradient, X) == pytest.approx(second, rel=1e-7)
    assert sourcead.hessian(pop_in_while)(X) == pytest.approx(second, rel=1e-14)
    assert sourcead.jvp(gradient)(X, 1.0)[1] == pytest.approx(second, rel=1e-14)
    assert sourcead.grad(gradient)(X) == pytest.approx(second, rel=1e-14)
    assert sourcead.grad(gradient, mode="forward")(X) == pytest.approx(second, rel=1e-14)
    assert sourcead.jacobian(gradient, mode="reverse")(X) == pytest.approx(second, rel=1e-14)
    assert sourcead.hessian(gradient)(X) == pytest.approx(third, rel=1e-12)
    assert sourcead.grad(sourcead.grad(gradient))(X) == pytest.approx(third, rel=1e-12)


def test_the_recorded_name_is_bound_before_the_branch_that_may_assign_it():
    text = sourcead.source(sourcead.grad(dict_rebuilt_in_branches, wrt=(0, 1)), 0.7, 0.5)
    assert text.count("d = None") == 1
    assert "    d = None\n    if y_gt_0p0:\n" in text


def test_a_forward_mode_gradient_is_differentiated_again():
    # grad(..., mode="forward") loops over directions in sourcead's own api.py: differentiating
    # it refused "a statement whose value is discarded" in api.py
    first = sourcead.grad(pop_in_while, mode="forward")
    second, third = 8 + 6 * X, 6.0
    assert sourcead.grad(first, mode="forward")(X) == pytest.approx(second, rel=1e-14)
    assert sourcead.grad(first)(X) == pytest.approx(second, rel=1e-14)
    assert sourcead.hessian(first)(X) == pytest.approx(third, rel=1e-12)
    args = (0.7, 0.5)
    _, hessian = _exact_dict_branches(*args)
    mixed = sourcead.grad(dict_rebuilt_in_branches, wrt=0, mode="forward")
    _close(sourcead.jacobian(mixed, wrt=1)(*args), hessian[0][1])
    _close(sourcead.jvp(mixed, wrt=(0, 1))(*args, 0.0, 1.0)[1], hessian[0][1])
    _close(sourcead.grad(mixed, wrt=(0, 1))(*args), hessian[0])


def closure_reads_a_value_the_loop_overwrote(x, y):
    # a wrong number (soak seed 6299): `inner` receives the current s, so the record of s
    # is pushed before inner's forward sweep pushes its own; the adjoint popped s first,
    # taking one of inner's records for it
    s = y
    def inner(u):
        return u * s
    for i in range(2):
        s = s * x[i]
    s = inner(s + 1.0)
    return s


def test_a_callee_pops_its_records_before_the_caller_restores_its_argument():
    x, y = np.array([0.7, -1.3]), 0.9
    f = closure_reads_a_value_the_loop_overwrote
    p = x[0] * x[1]
    v = np.array([x[1], x[0]])
    s = y * p  # f = s^2 + s
    grad_x, grad_y = (2 * s + 1) * y * v, (2 * s + 1) * p
    h_xx = 2 * y * y * np.outer(v, v) + (2 * s + 1) * y * np.array([[0.0, 1.0], [1.0, 0.0]])
    h_xy, h_yy = 2 * p * y * v + (2 * s + 1) * v, 2 * p * p
    _close(sourcead.numeric_grad(f, x, y, wrt=0), grad_x, rtol=1e-7, atol=1e-8)
    _close(sourcead.numeric_grad(f, x, y, wrt=1), grad_y, rtol=1e-7, atol=1e-8)
    for mode in ("reverse", "forward"):
        got_x, got_y = sourcead.grad(f, wrt=(0, 1), mode=mode)(x, y)
        _close(got_x, grad_x)
        _close(got_y, grad_y)
        _close(sourcead.jacobian(f, mode=mode)(x, y), grad_x)
    _close(sourcead.jvp(f, wrt=(0, 1))(x, y, np.array([0.3, 0.1]), -0.5)[1],
           np.dot(grad_x, [0.3, 0.1]) - 0.5 * grad_y)
    _close(sourcead.vjp(f, wrt=(0, 1))(x, y, 2.0)[1][1], 2 * grad_y)
    _close(sourcead.hessian(f)(x, y), h_xx)
    _close(sourcead.hessian(f, wrt=1)(x, y), h_yy)
    first_y = sourcead.grad(f, wrt=1)
    _close(sourcead.grad(first_y, wrt=1)(x, y), h_yy)            # reverse over reverse
    _close(sourcead.grad(first_y, wrt=0)(x, y), h_xy)
    _close(sourcead.jacobian(sourcead.grad(f), wrt=1)(x, y), h_xy)
    _close(sourcead.jvp(first_y, wrt=1)(x, y, 1.0)[1], h_yy)
    _close(sourcead.numeric_grad(first_y, x, y, wrt=0), h_xy, rtol=1e-6, atol=1e-7)


def closure_rebinds_its_only_active_read(x, y):
    # soak seed 8623: `t = inner(1.5)` passes t (its only active argument) and rebinds it;
    # the adjoint unpacked `t_bar_inner, = inner_adj(...)`, but one adjoint comes back bare
    t = x * y
    def inner(u):
        return math.tanh(u * y) + t
    if y < 1.0:  # (in a branch the name stays t: straight-line code would rename it)
        t = inner(1.5)
    return t * x


def test_a_call_that_rebinds_its_only_active_argument_in_every_mode():
    x, y = 0.7, -0.4
    f = closure_rebinds_its_only_active_read   # (tanh(1.5 y) + x y) x
    sech2 = 1.0 / math.cosh(1.5 * y) ** 2
    grad_x, grad_y = math.tanh(1.5 * y) + 2 * x * y, x * (1.5 * sech2 + x)
    h_xx, h_xy = 2 * y, 1.5 * sech2 + 2 * x
    _close(sourcead.numeric_grad(f, x, y, wrt=0), grad_x, rtol=1e-7, atol=1e-8)
    for mode in ("reverse", "forward"):
        _close(sourcead.grad(f, mode=mode)(x, y), grad_x)
        _close(sourcead.grad(f, wrt=(0, 1), mode=mode)(x, y), (grad_x, grad_y))
    _close(sourcead.vjp(f)(x, y, 2.0)[1], 2 * grad_x)
    _close(sourcead.hessian(f)(x, y), h_xx)
    first = sourcead.grad(f)
    _close(sourcead.grad(first)(x, y), h_xx)                     # reverse over reverse
    _close(sourcead.grad(first, wrt=1)(x, y), h_xy)
    _close(sourcead.jvp(first, wrt=(0, 1))(x, y, 0.0, 1.0)[1], h_xy)


def dict_constant_then_rebuilt(x, y):
    # soak seed 9352: in the gradient, the first d does not depend on x, so in vector mode
    # (the Hessian's) its tangent is a plain zero, and `d_dot['p']` failed on it
    s = y
    if y > 0.0:
        d = {'p': -y, 'q': math.sin(y)}
        s = d['p'] * d['q']
    d = {'p': x[0] * x[1], 'q': x[2]}
    return d['p'] * d['p'] * 0.5 + s * d['q']


def test_a_dict_whose_tangent_is_a_plain_zero_in_vector_mode():
    x, y = np.array([0.7, -1.3, 0.4]), 0.9
    f = dict_constant_then_rebuilt   # (x0 x1)^2 / 2 - y sin(y) x2
    p = x[0] * x[1]
    exact = np.array([[x[1] ** 2, 2 * p, 0.0], [2 * p, x[0] ** 2, 0.0], [0.0, 0.0, 0.0]])
    _close(sourcead.hessian(f)(x, y), exact)
    gradient = sourcead.grad(f)
    numeric = np.array([sourcead.numeric_grad(lambda v, j=j: gradient(v, y)[j], x) for j in range(3)])
    _close(exact, numeric, rtol=1e-6, atol=1e-7)
    _close(sourcead.jacobian(gradient)(x, y), exact)
