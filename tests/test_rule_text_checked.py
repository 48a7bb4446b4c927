"""sourcead.defrule checks its rule text when the rule is defined (issue 11, item 9): a syntax
error or a name the template cannot see is a UsageError at the caller's line, and the table
keeps no broken row."""
from __future__ import annotations

import numpy as np
import pytest

import sourcead
from sourcead.rules.tables import CALLS

import custom_functions as cf

SCALE = 3.0


def opaque(x):
    return x * 2.0


def opaque_pair(x, y):
    return x * y


BROKEN = [
    dict(partials=["1 / (1 + np.exp(-x)"]),                     # an unclosed parenthesis
    dict(partials=["1 / (1 + np.exp(-y))"]),                    # not a parameter
    dict(partials=["np.cos(x) +"]),
    dict(partials=[3.0]),                                       # not text
    dict(tangents={"x": "x_dot *"}, adjoints={"x": "g"}),
    dict(tangents={"x": "x_dot"}, adjoints={"x": "g * (2"}),
    dict(tangents={"x": "g * 2.0"}, adjoints={"x": "g * 2.0"}),  # g is no tangent
    dict(tangents={"x": "x_dot * 2.0"}, adjoints={"x": "x_dot * 2.0"}),  # nor x_dot an adjoint
    dict(tangents={"z": "z_dot"}, adjoints={"z": "g"}),          # not a parameter
]


@pytest.mark.parametrize("text", BROKEN, ids=[str(b) for b in BROKEN])
def test_broken_rule_text_is_refused_where_it_is_written(text):
    before = dict(CALLS)
    with pytest.raises(sourcead.UsageError) as caught:
        sourcead.defrule(opaque, **text)  # the line the error names
    message = str(caught.value)
    assert __file__ in message and "sourcead.defrule(opaque, **text)" in message
    assert opaque not in CALLS and CALLS == before


def test_rules_reading_their_module_parameters_and_helpers_are_accepted():
    sourcead.defrule(opaque, partials=["SCALE - 1.0 + 0.0 * unbroadcast(out, x)"])
    try:
        assert sourcead.grad(lambda_free_user)(1.5) == pytest.approx(2.0 * 2 * 1.5)
    finally:
        del CALLS[opaque]
    sourcead.defrule(opaque_pair, params=("a", "b"), tangents={"a": "a_dot * b", "b": "a * b_dot"},
                     adjoints={"a": "g * b", "b": "g * a"})
    try:
        assert sourcead.grad(pair_user, wrt=(0, 1))(2.0, 3.0) == (3.0, 2.0)
    finally:
        del CALLS[opaque_pair]


def lambda_free_user(x):
    return opaque(x) * x


def pair_user(x, y):
    return opaque_pair(x, y)


def test_the_shipped_rules_still_define():
    sourcead.defrule(cf.softplus, partials=["1 / (1 + np.exp(-x))"])
    assert sourcead.grad(cf.uses_softplus)(np.array([0.5, -1.0])).shape == (2,)
