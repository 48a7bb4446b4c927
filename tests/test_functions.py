"""Functions as Python people write them (issue 5): keyword and default arguments,
``*args``/``**kwargs`` passed on, nested ``def`` and closures, lambdas, methods, static and
class methods, ``functools.partial``, walrus, and the everyday expressions. Each is checked
against its hand-derived derivative and against finite differences in every mode: reverse
grad, forward grad, jvp, vjp, and the Hessian (against differences of the gradient)."""
import functools
import inspect
import math

import numpy as np
import pytest

import sourcead

import functions_module as fm
import refused_functions as rf

EXACT = dict(rtol=1e-12, atol=1e-12)
NUMERIC = dict(rtol=1e-6, atol=1e-7)


def check_every_mode(f, args, wrt, gradient, hessian=None):
    """``gradient``/``hessian``: the exact values at ``args`` for argument ``wrt``."""
    value = f(*args)
    numeric = sourcead.numeric_grad(f, *args, wrt=wrt)
    for got in (sourcead.grad(f, wrt=wrt)(*args), sourcead.grad(f, wrt=wrt, mode="forward")(*args)):
        np.testing.assert_allclose(got, gradient, **EXACT)
        np.testing.assert_allclose(got, numeric, **NUMERIC)
    out, tangent = sourcead.jvp(f, wrt=wrt)(*args, np.ones_like(args[wrt]))
    np.testing.assert_allclose(out, value, **EXACT)
    np.testing.assert_allclose(tangent, np.sum(gradient), **EXACT)
    out, grads = sourcead.vjp(f, wrt=wrt)(*args, 1.0)
    np.testing.assert_allclose(out, value, **EXACT)
    np.testing.assert_allclose(grads, gradient, **EXACT)
    if hessian is not None:
        got = sourcead.hessian(f, wrt=wrt)(*args)
        np.testing.assert_allclose(got, hessian, **EXACT)
        second = sourcead.numeric_grad(sourcead.grad(f, wrt=wrt), *args, wrt=wrt)
        np.testing.assert_allclose(got, second, **NUMERIC)


x0, y0 = 1.3, 0.7
sin, cos = math.sin, math.cos
w, K = fm.model.w, fm.Model.K

CASES = {
    # keywords and defaults
    "keyword calls": (fm.keyword_calls, (x0,), 0, 6 * x0 + 6 * x0 ** 2, 6 + 12 * x0),
    "default arguments of callees": (fm.default_calls, (x0,), 0, 7 * x0, 7.0),
    "keyword-only parameter left to its default": (fm.keyword_only_entry, (x0,), 0, 6 * x0, 6.0),
    # *args and **kwargs
    "*args passed on (first)": (fm.forward_args, (x0, y0), 0, y0 + cos(x0), -sin(x0)),
    "*args passed on (second)": (fm.forward_args, (x0, y0), 1, x0, 0.0),
    "*args with a default left": (fm.forward_args, (x0, y0, 2.0), 0, 2 * y0 + cos(x0), -sin(x0)),
    "**kwargs passed on": (fm.calls_forward_kwargs, (x0,), 0, 6 + cos(x0), -sin(x0)),
    "**kwargs empty": (fm.forward_kwargs, (x0,), 0, 2 + cos(x0), -sin(x0)),
    "*args called from a function": (fm.calls_forward_args, (x0, y0), 0, y0 + cos(x0), -sin(x0)),
    "kw['name'] read": (fm.calls_reads_keyword, (x0,), 0, 2 + x0, 1.0),
    "args[i] read": (fm.indexes_args, (x0, y0), 0, y0 + 2, 0.0),
    "args[i] read (second)": (fm.indexes_args, (x0, y0), 1, x0, 0.0),
    "loop over *args": (fm.sums_args, (x0, y0, 2.0), 1, 2 * y0, 2.0),
    # closures
    "nested def reading a parameter": (fm.outer_nested, (x0, y0), 0, 10 * y0 * x0, 10 * y0),
    "nested def, wrt the captured value": (fm.outer_nested, (x0, y0), 1, 5 * x0 ** 2, 0.0),
    "nested def reading an active local": (fm.closes_over_active, (x0,), 0, 3 * x0 ** 2, 6 * x0),
    "recursive nested def": (fm.nested_recursion, (x0, 3), 0, 4 * x0 ** 3, 12 * x0 ** 2),
    "nested def calling another": (fm.nested_calls_nested, (x0,), 0, 6 * x0, 6.0),
    "closure from a factory": (fm.make_scaled_square(2.0), (x0,), 0, 4 * x0, 4.0),
    "closure called from a function": (fm.calls_closure, (x0,), 0, 12 * x0, 12.0),
    # lambdas
    "inline lambda": (fm.inline_lambda, (x0,), 0, 3 * x0 ** 2, 6 * x0),
    "lambda assigned inside": (fm.assigned_lambda_inside, (x0,), 0, 10 * x0, 10.0),
    "functions passed to a function": (fm.lambda_passed_to_function, (x0,), 0,
                                       3 * x0 ** 2 + 6 * x0 + sin(x0) + x0 * cos(x0),
                                       6 * x0 + 6 + 2 * cos(x0) - x0 * sin(x0)),
    # methods
    "bound method": (fm.model.loss, (x0,), 0, 2 * w * x0 + w * cos(x0) + 2 + K,
                     2 * w - w * sin(x0)),
    "method called by a function": (fm.calls_method, (x0,), 0,
                                    3 * w * x0 ** 2 + w * sin(x0) + w * x0 * cos(x0)
                                    + 2 * (2 + K) * x0,
                                    6 * w * x0 + 2 * w * cos(x0) - w * x0 * sin(x0) + 2 * (2 + K)),
    "static and class methods": (fm.calls_static_and_class_methods, (x0,), 0, 28 * x0, 28.0),
    "method of an object passed as an argument": (
        fm.method_of_an_argument, (fm.model, x0), 1,
        3 * w * x0 ** 2 + w * sin(x0) + w * x0 * cos(x0) + 2 * (2 + K) * x0,
        6 * w * x0 + 2 * w * cos(x0) - w * x0 * sin(x0) + 2 * (2 + K)),
    "static and class methods of an argument": (
        fm.static_and_class_methods_of_an_argument, (fm.model, x0), 1, 14 * x0, 14.0),
    "static method itself": (fm.Model.twice, (x0,), 0, 2.0, 0.0),
    "class method itself": (fm.model.scaled, (x0,), 0, K, 0.0),
    "callable object": (fm.calls_callable_object, (x0,), 0,
                        3 * w * x0 ** 2 + w * sin(x0) + w * x0 * cos(x0) + 2 * (2 + K) * x0 + 1,
                        6 * w * x0 + 2 * w * cos(x0) - w * x0 * sin(x0) + 2 * (2 + K)),
    # partial
    "partial of a user function": (functools.partial(fm.weighted, scale=2.0), (x0, y0), 0,
                                   2 * y0 + cos(x0), -sin(x0)),
    "partial with a positional argument": (functools.partial(fm.weighted, 2.0), (y0,), 0,
                                           2.0, 0.0),
    "partial called inside": (fm.calls_partial, (x0,), 0, 6 * x0 + cos(x0), 6 - sin(x0)),
    "partial made inside": (fm.partial_made_inside, (x0,), 0, math.log(2) * 2 ** x0,
                            math.log(2) ** 2 * 2 ** x0),
    "partial fixing an active value": (fm.partial_fixing_an_active_value, (x0, y0), 0,
                                       2 * x0 * y0 ** 2 + cos(x0) + 2 * y0, 2 * y0 ** 2 - sin(x0)),
    "partial fixing an active value (second)": (fm.partial_fixing_an_active_value, (x0, y0), 1,
                                                2 * x0 ** 2 * y0 + 2 * x0 + cos(y0),
                                                2 * x0 ** 2 - sin(y0)),
    "partial made in a loop": (fm.partial_made_in_a_loop, (x0,), 0, 6 * x0 + 3 * cos(x0),
                               6 - 3 * sin(x0)),
    # walrus
    "walrus": (fm.walrus, (x0,), 0, 8 * x0 ** 3, 24 * x0 ** 2),
    "walrus in a condition": (fm.walrus_in_condition, (x0,), 0, 3 * x0 ** 2, 6 * x0),
    "walrus in a condition, other branch": (fm.walrus_in_condition, (0.5,), 0, 1.0, 2.0),
    # expressions
    "ternary, and, or, not": (fm.ternary_and_or, (x0, y0), 0, 2 * x0 + y0, 2.0),
    "ternary, and, or, not (wrt y)": (fm.ternary_and_or, (x0, y0), 1, x0, 0.0),
    "ternary, other branch": (fm.ternary_and_or, (y0, x0), 0, x0, 0.0),
    "chained comparison true": (fm.chained_comparison, (0.5, y0), 0, 2 * y0, 0.0),
    "chained comparison false": (fm.chained_comparison, (x0, y0), 0, 3 * y0, 0.0),
    "builtins on active values": (fm.builtins_on_active, (x0, y0), 0, 5 + 2 * y0 + 3 * x0 ** 2,
                                  6 * x0),
    "builtins on active values (wrt y)": (fm.builtins_on_active, (x0, y0), 1, 1 + 2 * x0, 0.0),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_mode_exact_and_numeric(case):
    f, args, wrt, gradient, hessian = CASES[case]
    check_every_mode(f, args, wrt, gradient, hessian)



def test_keywords_given_to_the_derivative():
    df = sourcead.grad(fm.keyword_only_entry)
    assert df(x0) == pytest.approx(6 * x0, rel=1e-12)
    assert df(x0, s=2.0) == pytest.approx(4 * x0, rel=1e-12)
    assert sourcead.grad(fm.forward_kwargs)(x0, scale=3.0) == pytest.approx(6 + cos(x0), rel=1e-12)
    assert sourcead.grad(fm.weighted, wrt="scale")(x0, y0, scale=2.0) == pytest.approx(x0 * y0)


def test_wrt_names_a_variadic_parameter():
    with pytest.raises(sourcead.UsageError) as info:
        sourcead.grad(fm.forward_args, wrt="args")
    assert "wrt=0 is the first argument" in str(info.value)


def test_gradient_with_respect_to_an_object_is_refused_with_a_hint():
    with pytest.raises(sourcead.UsageError) as info:
        sourcead.grad(rf.model_argument)(fm.model, x0)
    assert "Model" in str(info.value) and "dict argument" in str(info.value)
    # with respect to the number, the object is a constant
    assert sourcead.grad(rf.model_argument, wrt=1)(fm.model, x0) == pytest.approx(fm.model.w)


def test_methods_of_argument_objects_follow_their_class():
    # the class is part of the specialization: a derivative built for Doubler.apply is never
    # used for Cuber.apply, and each object's attributes are read when it runs
    df = sourcead.grad(fm.applies, wrt=1)
    assert df(fm.Doubler(), x0) == pytest.approx(4 * x0, rel=1e-14)
    assert df(fm.Cuber(), x0) == pytest.approx(4 * x0 ** 3, rel=1e-14)
    assert df(fm.Doubler(), x0) == pytest.approx(4 * x0, rel=1e-14)
    for mode in ("reverse", "forward"):
        hessian = sourcead.hessian(fm.applies, wrt=1)
        assert hessian(fm.Cuber(), x0) == pytest.approx(12 * x0 ** 2, rel=1e-12)
        assert sourcead.grad(fm.applies, wrt=1, mode=mode)(fm.Cuber(), x0) == pytest.approx(
            4 * x0 ** 3, rel=1e-14)
    second = sourcead.grad(sourcead.grad(fm.applies, wrt=1), wrt=1)   # reverse over reverse
    assert second(fm.Cuber(), x0) == pytest.approx(12 * x0 ** 2, rel=1e-12)
    assert second(fm.Doubler(), x0) == pytest.approx(4.0, rel=1e-12)
    (_, _), (_, tangent) = sourcead.jvp(sourcead.jvp(fm.applies, wrt=1), wrt=1)(
        fm.Cuber(), x0, 1.0, 1.0)                                       # forward over forward
    assert tangent == pytest.approx(12 * x0 ** 2, rel=1e-12)
    other = fm.Model(-0.5)
    expected = sourcead.numeric_grad(lambda v: fm.method_of_an_argument(other, v), x0)
    assert sourcead.grad(fm.method_of_an_argument, wrt=1)(other, x0) == pytest.approx(
        expected, rel=1e-7)


def test_object_attributes_are_read_when_the_derivative_runs():
    m = fm.ArrayModel()
    x = np.array([1.0, 2.0, 3.0])
    df = sourcead.grad(m.predict)
    np.testing.assert_allclose(df(x), 2 * m.weights * x, **EXACT)
    m.weights = m.weights * 2.0
    np.testing.assert_allclose(df(x), 2 * m.weights * x, **EXACT)
    np.testing.assert_allclose(sourcead.hessian(m.predict)(x), np.diag(2 * m.weights), **EXACT)


def test_generated_code_reads_like_the_user_wrote_it():
    text = sourcead.source(sourcead.grad(fm.outer_nested), x0, y0)
    assert "def inner_fwd(tape, t, a):" in text
    assert "inner_x = inner_fwd(tape, x, a)" in text
    text = sourcead.source(sourcead.grad(fm.model.loss), x0)
    assert "w_times_x = self.w * x" in text and "twice_fwd(tape, x)" in text
    text = sourcead.source(sourcead.grad(fm.keyword_calls), x0)
    assert "out = scale * x ** 2" in text  # the default is a constant of the specialization
    text = sourcead.source(sourcead.jvp(fm.forward_args), x0, y0)
    assert "def forward_args_jvp(args_0, args_1, args_0_dot):" in text


def test_each_call_shape_is_its_own_specialization():
    # one function called with two different keyword sets in one derivative
    text = sourcead.source(sourcead.grad(fm.keyword_calls), x0)
    assert "def scaled_power_fwd(tape, x, scale):" in text
    assert "def scaled_power_fwd_1(tape, x, power):" in text


def test_reverse_over_reverse_through_closures_and_methods():
    d2 = sourcead.grad(sourcead.grad(fm.closes_over_active))
    assert d2(x0) == pytest.approx(6 * x0, rel=1e-12)


def marked_line(fn) -> tuple[int, str]:
    lines, first = inspect.getsourcelines(fn)
    for k, text in enumerate(lines):
        if "# <-" in text:
            return first + k, text.split("# <-")[0].strip()
    raise AssertionError(f"{fn.__name__} has no marker")


REFUSED = [
    (rf.walrus_read_before, (x0,), 0, sourcead.UnsupportedSyntaxError, "reads before it"),
    (rf.walrus_in_comprehension, (x0,), 0, sourcead.UnsupportedSyntaxError, "comprehension"),
    (rf.nested_def_in_a_branch, (x0,), 0, sourcead.UnsupportedSyntaxError, "inside a block"),
    (rf.decorated_nested_def, (x0,), 0, sourcead.UnsupportedSyntaxError, "decorated"),
    (rf.nested_with_computed_default, (x0,), 0, sourcead.UnsupportedSyntaxError, "default"),
    (rf.kwargs_as_a_container, (x0,), 0, sourcead.UnsupportedSyntaxError, "**kwargs"),
    (rf.nested_name_reassigned, (x0,), 0, sourcead.UnsupportedSyntaxError, "assigned again"),
    (rf.with_class_definition, (x0,), 0, sourcead.UnsupportedSyntaxError, "class definition"),
    (rf.partial_passed_on, (x0,), 0, sourcead.NoDerivativeError, "local value `alias`"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn, args, wrt, error, construct", REFUSED,
                         ids=[r[0].__name__ for r in REFUSED])
def test_refusal_names_file_line_and_text(fn, args, wrt, error, construct, mode):
    line, text = marked_line(fn)
    with pytest.raises(error) as info:
        sourcead.grad(fn, wrt=wrt, mode=mode)(*args)
    message = str(info.value)
    assert "refused_functions.py" in message
    assert f"line {line}" in message
    assert text in message
    assert construct in message
    assert "what to do:" in message
    assert info.value.lineno == line


def test_function_without_source_names_register_source():
    namespace = {}
    exec("def typed_in(x):\n    return x * x\n", namespace)
    with pytest.raises(sourcead.SourceNotFoundError) as info:
        sourcead.grad(namespace["typed_in"])(2.0)
    assert "typed_in" in str(info.value) and "sourcead.register_source" in str(info.value)


def test_with_block_other_than_errstate_is_refused():
    import refused
    with pytest.raises(sourcead.UnsupportedSyntaxError) as info:
        sourcead.grad(refused.with_with, mode="forward")(1.5)
    assert "refused.py" in str(info.value) and "np.errstate" in str(info.value)
