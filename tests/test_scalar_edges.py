"""Functions of floats spelled with ``math``, at the edges of their domains (issue 11, item
7): where NumPy gives inf or nan with a warning, the derivative gives what NumPy gives; it
never raises ZeroDivisionError or "math domain error" because Python floats were used."""
import math
import warnings

import numpy as np
import pytest

import sourcead
from sourcead.numeric import numeric_jacobian


def sqrt_of(x):
    return math.sqrt(x)


def arcsine(x):
    return math.asin(x)


def arccosine_twice(x):
    return math.acos(x) * 2.0


def root_by_power(x):
    return x ** 0.5


def power(x, y):
    return x ** y


def hyperbolic_arccosine(x):
    return math.acosh(x)


CASES = [  # (function, argument, what NumPy gives for the derivative)
    (sqrt_of, 0.0, np.inf),
    (arcsine, 1.0, np.inf),
    (arcsine, -1.0, np.inf),
    (arccosine_twice, 1.0, -np.inf),
    (root_by_power, 0.0, np.inf),
    (hyperbolic_arccosine, 1.0, np.inf),
]


def _numpy(f, x):
    """The same derivative computed by NumPy's rules on NumPy numbers."""
    with np.errstate(all="ignore"):
        return {sqrt_of: 0.5 / np.sqrt(x), arcsine: 1 / np.sqrt(1 - np.float64(x) ** 2),
                arccosine_twice: -2 / np.sqrt(1 - np.float64(x) ** 2),
                root_by_power: 0.5 * np.float64(x) ** -0.5,
                hyperbolic_arccosine: 1 / np.sqrt(np.float64(x) ** 2 - 1)}[f]


@pytest.mark.parametrize("f, x, expected", CASES)
def test_edges_give_what_numpy_gives(f, x, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_equal(_numpy(f, x), expected)
        for got in (sourcead.grad(f)(x), sourcead.grad(f, mode="forward")(x),
                    sourcead.jvp(f)(x, 1.0)[1], sourcead.vjp(f)(x, 1.0)[1]):
            assert type(got) is float
            np.testing.assert_equal(got, expected)


def test_power_with_respect_to_the_exponent_at_zero():
    """0 ** y is 0 for every y > 0, so its slope in y is exactly 0 (the formula
    ``out * log(x)`` gives 0 * -inf = NaN there); x ** 0 is 1 for every x, so its slope in x
    is 0 at x = 0 too (``y * x ** (y - 1)`` gives 0 * inf)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # and no "divide by zero" warning on the way
        for mode in ("reverse", "forward"):
            assert sourcead.grad(power, wrt=1, mode=mode)(0.0, 2.5) == 0.0
            assert sourcead.grad(power, wrt=0, mode=mode)(0.0, 2.5) == 0.0
            assert sourcead.grad(power, wrt=(0, 1), mode=mode)(0.0, 0.0) == (0.0, 0.0)
            assert sourcead.grad(power, wrt=(0, 1), mode=mode)(2.0, 0.0) == (0.0, math.log(2.0))
            got = sourcead.grad(power, wrt=(0, 1), mode=mode)(0.0, 2.5)
            assert got == (0.0, 0.0) and all(type(g) is float for g in got)
        assert sourcead.vjp(power, wrt=(0, 1))(0.0, 2.5, 1.0)[1] == (0.0, 0.0)


def test_the_curvature_of_a_power_at_zero():
    """The second derivative of x ** y in x at 0 where y is 0 or 1 is 0, not 0 * inf; where it
    is not (y = 3) and in y, the Hessian is exact."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for y in (0.0, 1.0):
            def f(x):
                return np.power(x, y)
            assert sourcead.grad(sourcead.grad(f))(0.0) == 0.0
            assert sourcead.hessian(f)(0.0) == 0.0
        def cube(x):
            return np.power(x, y3)
        y3 = 3.0
        assert sourcead.grad(sourcead.grad(cube))(2.0) == 12.0
    x, y = 1.5, 2.5
    exact = ((y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * math.log(x))),
             (x ** (y - 1) * (1 + y * math.log(x)), x ** y * math.log(x) ** 2))
    np.testing.assert_allclose(sourcead.hessian(power, wrt=(0, 1))(x, y), exact, rtol=1e-13)


def sum_of_powers(x, y):
    return np.sum(x ** y) + np.sum(np.power(y, x) * 2.0)


def test_a_zero_base_does_not_poison_the_other_elements():
    """In forward and vector mode every element's tangent is the sum of partial * tangent
    over all inputs: one partial of 0 * inf = NaN made every element of the gradient NaN."""
    x, y = np.array([0.0, 1.0, 2.0]), np.array([0.0, 3.0, 0.5])
    expected_x = np.array([0.0, 3.0, 0.5 * 2.0 ** -0.5]) + 2.0 * y ** x * np.log(
        np.where(y == 0, 1.0, y)) * np.array([0.0, 1.0, 1.0])
    expected_y = np.array([0.0, 0.0, 2.0 ** 0.5 * np.log(2.0)]) + 2.0 * np.array(
        [0.0, 1.0 * 3.0 ** 0.0, 2.0 * 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mode in ("reverse", "forward"):
            gx, gy = sourcead.grad(sum_of_powers, wrt=(0, 1), mode=mode)(x, y)
            np.testing.assert_allclose(gx, expected_x, rtol=1e-14, err_msg=mode)
            np.testing.assert_allclose(gy, expected_y, rtol=1e-14, err_msg=mode)
    inner = np.array([0.5, 1.0, 2.0])   # away from 0 the Hessian matches differences
    numeric = numeric_jacobian(
        lambda x: np.asarray(sourcead.grad(sum_of_powers)(x, inner)), inner.copy())
    np.testing.assert_allclose(sourcead.hessian(sum_of_powers)(inner, inner), numeric,
                               rtol=1e-5, atol=1e-6)


def test_regular_points_keep_plain_float_code():
    """Away from the edges nothing changes: the code is plain math, and exact."""
    assert sourcead.grad(sqrt_of)(4.0) == 0.25
    assert "math.sqrt" in sourcead.source(sourcead.grad(sqrt_of), 4.0)
    assert sourcead.hessian(sqrt_of)(4.0) == pytest.approx(-1 / 32, rel=1e-15)


def test_the_function_raising_is_not_hidden():
    """Outside the function's own domain the user's function raises; so does the derivative
    when NumPy cannot give a value either (here: an error that is not a float edge)."""
    def checks(x):
        if x < 0.0:
            raise ValueError("negative input")
        return x * x
    with pytest.raises((sourcead.SourceADError, ValueError)) as info:   # (refused, or raised)
        sourcead.grad(checks)(-1.0)
    assert isinstance(info.value, sourcead.SourceADError) or str(info.value) == "negative input"


def norm_plus_sum(x):
    return np.linalg.norm(x) + np.sum(x)


def row_norms(x):
    return np.sum(np.linalg.norm(x, axis=1) * np.array([1.0, 2.0]))


@pytest.mark.parametrize("f, x, expected", [
    (norm_plus_sum, np.zeros(3), np.ones(3)),
    (row_norms, np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [1.2, 1.6]])),
])
def test_the_2_norm_at_the_zero_vector_has_slope_zero(f, x, expected):
    """The 2-norm has no gradient at 0; sourcead gives 0 there (the least subgradient, what
    ``np.sign`` gives for ``abs`` and central differences find), never 0 / 0 = NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "invalid value" warning either
        got = {"reverse": sourcead.grad(f)(x), "forward": sourcead.grad(f, mode="forward")(x),
               "vjp": sourcead.vjp(f)(x, 1.0)[1]}
    for mode, value in got.items():
        np.testing.assert_array_equal(value, expected, err_msg=mode)
    np.testing.assert_allclose(sourcead.numeric_grad(f, x), expected, atol=1e-6)
