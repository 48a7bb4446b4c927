"""Random programs (the generator of test_random_programs) in every mode: forward mode equals
reverse mode, and the Hessian (forward-over-reverse) equals reverse-over-reverse and
differences of the gradient. This is how wrong second derivatives show up before users see
them."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings

import sourcead
import test_random_programs as programs

SETTINGS = settings(deadline=None, derandomize=True, max_examples=30, database=None,
                    report_multiple_bugs=False, suppress_health_check=list(HealthCheck))


def check_modes(program) -> None:
    f = programs.load_function(program.source)
    args = program.args
    try:
        with np.errstate(all="ignore"):
            value = f(*args)
    except (ArithmeticError, ValueError):
        assume(False)
    assume(np.all(np.isfinite(value)))
    reverse = sourcead.grad(f, wrt=(0, 1))(*args)
    forward = sourcead.grad(f, wrt=(0, 1), mode="forward")(*args)
    for r, w in zip(reverse, forward):
        np.testing.assert_allclose(w, r, rtol=1e-9, atol=1e-12, err_msg=program.source)
    if np.ndim(args[1]) != 0:
        return
    hessian = sourcead.hessian(f, wrt=1)(*args)
    twice = sourcead.grad(sourcead.grad(f, wrt=1), wrt=1)(*args)
    np.testing.assert_allclose(twice, hessian, rtol=1e-7, atol=1e-9, err_msg=program.source)
    gradient = sourcead.grad(f, wrt=1)
    eps = 1e-6
    moved = [list(args), list(args)]
    moved[0][1], moved[1][1] = args[1] + eps, args[1] - eps
    difference = (gradient(*moved[0]) - gradient(*moved[1])) / (2 * eps)
    assume(abs(difference) < 1e6)
    np.testing.assert_allclose(hessian, difference, rtol=1e-4, atol=1e-4, err_msg=program.source)


@SETTINGS
@given(programs.programs())
def test_random_scalar_programs_in_every_mode(program) -> None:
    check_modes(program)


@settings(SETTINGS, max_examples=15)
@given(programs.programs(arrays=True))
def test_random_array_programs_in_every_mode(program) -> None:
    check_modes(program)
