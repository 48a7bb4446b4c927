"""Every refusal names the user's file, the line, shows the line's text and says what to do.

A refused construct must raise a ``sourcead.SourceADError`` subclass, never a wrong value or
an internal exception."""
import inspect

import pytest

import sourcead
from sourcead import NoDerivativeError, SourceADError, UnsupportedSyntaxError

import refused

CASES = [
    (refused.with_try_that_writes, UnsupportedSyntaxError, "try"),
    (refused.with_with, UnsupportedSyntaxError, "with"),
    (refused.with_yield, UnsupportedSyntaxError, "yield"),
    (refused.with_global, UnsupportedSyntaxError, "global"),
    (refused.with_nonlocal, UnsupportedSyntaxError, "nonlocal"),
    (refused.with_del, UnsupportedSyntaxError, "del"),
    (refused.with_lambda, UnsupportedSyntaxError, "used as a value"),
    (refused.with_comprehension, UnsupportedSyntaxError, "list appended to a list"),
    (refused.with_attribute_write, UnsupportedSyntaxError, "write into an attribute"),
    (refused.with_write_into_a_view, UnsupportedSyntaxError, "may share memory"),
    (refused.with_write_into_a_global, UnsupportedSyntaxError, "not a local variable"),
    (refused.with_nested_subscript_write, UnsupportedSyntaxError, "nested subscript"),
    (refused.with_write_into_an_alias, UnsupportedSyntaxError, "may share memory"),
    (refused.with_discarded_call, UnsupportedSyntaxError, "discarded"),
    # called without `values`: its default None is a constant of the specialization, so the
    # append is a call on None whose result is discarded
    (refused.with_list_container, UnsupportedSyntaxError, "value is discarded"),
    (refused.with_list_arithmetic, NoDerivativeError, "in an operation on values"),
    (refused.with_list_alias, UnsupportedSyntaxError, "second name for a list"),
    (refused.with_generator_outside_sum, UnsupportedSyntaxError, "generator expression"),
    (refused.with_set_comprehension, UnsupportedSyntaxError, "set comprehension"),
    (refused.with_unknown_function, NoDerivativeError, "math.gamma"),
    (refused.with_star_args, UnsupportedSyntaxError, "**kwargs"),
    (refused.with_unknown_positional_argument, NoDerivativeError, "argument 3"),
    (refused.with_unknown_keyword, NoDerivativeError, "dtype="),
    # (a norm of order 3 and an implicit einsum, refused here before, are differentiated now:
    # see test_linalg_breadth.py)
    (refused.with_qr_of_r_alone, NoDerivativeError, "mode='r'"),
    (refused.with_einsum_subscripts_computed, NoDerivativeError, "not a string"),
    (refused.with_eig, NoDerivativeError, "np.linalg.eig"),
    (refused.with_write_seen_by_a_second_name, UnsupportedSyntaxError,
     "`ys` read after an in-place change of `xs`"),
    (refused.with_update_seen_by_a_second_name, UnsupportedSyntaxError,
     "`e` read after an in-place change of `d`"),
]


def marked_line(fn) -> tuple[int, str]:
    lines, first = inspect.getsourcelines(fn)
    for k, text in enumerate(lines):
        if "# <-" in text:
            return first + k, text.split("# <-")[0].strip()
    raise AssertionError(f"{fn.__name__} has no marker")


@pytest.mark.parametrize("fn, error, construct", CASES, ids=[c[0].__name__ for c in CASES])
def test_refusal_names_file_line_and_text(fn, error, construct):
    line, text = marked_line(fn)
    with pytest.raises(error) as info:
        sourcead.grad(fn)(1.5)
    message = str(info.value)
    assert "refused.py" in message
    assert f"line {line}" in message
    assert text in message
    assert construct in message
    assert "what to do:" in message
    assert info.value.lineno == line


def test_async_function_is_refused():
    with pytest.raises(SourceADError) as info:
        sourcead.grad(refused.with_async)(1.5)
    assert "refused.py" in str(info.value)


def test_function_without_source_is_refused_with_advice():
    namespace = {}
    exec("def made_by_exec(x):\n    return x * x\n", namespace)
    with pytest.raises(sourcead.SourceNotFoundError) as info:
        sourcead.grad(namespace["made_by_exec"])(2.0)
    assert "made_by_exec" in str(info.value)
    assert "what to do:" in str(info.value)


def test_unknown_parameter_name_in_wrt():
    with pytest.raises(sourcead.UsageError) as info:
        sourcead.grad(refused.helper_of_pairs, wrt="nope")
    assert "nope" in str(info.value)


def test_non_scalar_output_points_to_vjp():
    import numpy as np

    def vector(x):
        return x * 2.0
    with pytest.raises(sourcead.UsageError) as info:
        sourcead.grad(vector)(np.ones(3))
    assert "vjp" in str(info.value)


def test_tuple_passed_to_a_function_is_differentiated():
    # once refused: a tuple of active values handed to a user function
    assert sourcead.grad(refused.with_active_tuple)(1.5) == 1.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_try_whose_except_path_does_not_run_is_differentiated(mode):
    # refused until issue 12: the derivative is the try body's, guarded (test_language_data.py)
    assert sourcead.grad(refused.with_try, mode=mode)(1.5) == 2.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_writes_into_lists_and_dicts_once_refused_are_values(mode):
    # refused until writes no other name sees became new values (tests/test_language_data.py)
    assert sourcead.grad(refused.with_write_into_a_dict, mode=mode)(1.5) == 3.0
    assert sourcead.grad(refused.with_write_into_a_list, mode=mode)(1.5) == 4.0
    assert sourcead.grad(refused.with_loop_over_a_dict, mode=mode)(1.5) == 1.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_write_into_a_dict_argument_leaves_the_callers_dict(mode):
    p = {"w": 1.0}
    assert sourcead.grad(refused.with_write_into_a_dict_argument, wrt=1, mode=mode)(p, 2.0) == 4.0
    assert p == {"w": 1.0}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_loop_over_a_dict_argument_iterates_over_keys_not_positions(mode):
    # {0: 1.0, 1: 0.0} read by position would give d[d[0]] + d[d[1]]: a plausible wrong number
    got = sourcead.grad(refused.with_loop_over_a_dict_argument, wrt=1, mode=mode)({0: 1.0, 1: 0.0}, 2.0)
    assert got == 1.0


@pytest.mark.parametrize("fn, helper, slope", [("dict_comprehension", "with_key", 1.0),
                                               ("loop_over_items", "keys_of", 1.0 + 2 * 0.7)])
def test_a_name_of_yours_spelled_like_a_helper_works(fn, helper, slope):
    # normalize writes these constructs with sourcead's helpers; the module's own function
    # of that name stays the module's, and the helper is renamed in the generated code
    # (this was refused with "rename your `with_key`")
    import helper_names
    f = getattr(helper_names, fn)
    df = sourcead.grad(f)
    assert df(0.7) == pytest.approx(slope, rel=1e-12)
    assert sourcead.grad(f, mode="forward")(0.7) == pytest.approx(slope, rel=1e-12)
    assert sourcead.numeric_grad(f, 0.7) == pytest.approx(slope, rel=1e-6)
    assert sourcead.grad(df)(0.7) == pytest.approx(0.0 if fn == "dict_comprehension" else 2.0)
    assert helper_names.with_key({}, 1, 2) == {} and helper_names.keys_of({1: 2}) == []
