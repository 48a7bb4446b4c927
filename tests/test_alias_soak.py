"""The alias class of the trust soak (``random_trust_programs.py``, issue 11 item 14): random
programs that change arrays in place (``+= -= *= /= **=``, slice writes, ``out=``, ``fill``,
``copyto``, ``sort``) and rebind floats, through second names, tuples, lists, dicts,
attributes, calls, returns and views, in loops. Each is differentiated in every mode
(reverse and forward ``grad``, ``jvp``, ``hessian``) on copies of its arguments and compared
with central differences of the user's function: the derivative is right or refused with
the line, never wrong, never a crash, and it never changes an argument (MUTATED).

At scale, outside the suite: ``python tests/random_trust_programs.py 0 5000 --class alias``.
"""
from __future__ import annotations

import collections

import pytest

from random_trust_programs import checked, class_of
from trust_check import BAD

SEEDS = [seed for seed in range(6 * 100) if class_of(seed) == "alias"]


@pytest.mark.parametrize("seed", SEEDS)
def test_an_alias_program_is_right_or_refused_and_leaves_its_arguments_alone(seed):
    prog, result = checked(seed)
    assert result.outcome not in BAD, (
        f"seed {seed} [{prog.kind}]: {result.outcome} {result.message}\n{prog.source}")


def test_most_alias_programs_are_differentiated_not_refused():
    # what shares memory and is not read afterwards is differentiated exactly: refusing
    # every in-place operation would pass the test above
    outcomes = collections.Counter(checked(seed)[1].outcome for seed in SEEDS[:40])
    assert outcomes["RIGHT"] >= 12, outcomes
