"""Random programs in the six classes of issue 11 (tests/random_trust_programs.py): closures
over changing state, decorated functions, names like sourcead's helpers, non-numeric outputs,
aliases with in-place operators, values used only on paths that do not run.

Every program is differentiated in every mode (reverse ``grad``, ``mode="forward"``, ``jvp``,
``hessian``; for changing state, derivatives built before the change too) on copies of its
arguments, and compared with central differences of the user's function: each must be right
or refused with a ``SourceADError``; never a wrong number, another exception, or a changed
argument. The soak runs many more seeds outside the suite:
``python tests/random_trust_programs.py 0 6000``.
"""
from __future__ import annotations

import collections

import numpy as np
import pytest

import random_trust_programs as trust
import sourcead
import trust_check as checker

SEEDS = range(180)           # 30 programs of each class (the class is CLASSES[seed % 6])


@pytest.mark.parametrize("seed", SEEDS)
def test_random_program_is_right_or_refused(seed):
    prog = trust.program(seed)
    result = checker.check(prog, hessian=seed // 6 % 3 == 0)   # a third of each class: slow
    assert result.outcome not in checker.BAD, (
        f"seed {seed} [{prog.cls}/{prog.kind}] {result.outcome} {result.message}\n"
        f"{prog.source}args = {prog.args!r}, wrt = {prog.wrt}")


def test_every_class_is_generated_and_mostly_checked():
    """The programs run as written, and few are skipped (a kink, or a failing function)."""
    checkable = collections.Counter()
    for seed in range(120):
        prog = trust.program(seed)
        module = checker.load(prog)
        for step in range(prog.steps):
            if step and hasattr(module, "change"):
                module.change(step)
            truth = checker.Truth(checker.target(module, step), prog)
            checkable[prog.cls] += truth.problem() == "" and step == prog.steps - 1
    for cls in trust.CLASSES:
        assert checkable[cls] >= 18, checkable


# ---------------------------------------------------------------- the checker itself

SQUARES = checker.Program(seed=-1, cls="alias", kind="checker", args=(np.array([1.0, 2.0]), 0.5),
                        source="import numpy as np\n\n\ndef f(x, y):\n"
                               "    return np.sum(x * x) * y\n")


def _with_derivative(monkeypatch, derivative):
    monkeypatch.setattr(checker, "make_derivative", lambda mode, fn, wrt: derivative(mode))


def test_checker_finds_right_derivatives():
    result = checker.check(SQUARES)
    assert result.outcome == "RIGHT", result
    assert set(result.modes) == set(checker.MODES)


def test_checker_finds_a_wrong_number(monkeypatch):
    real = checker.make_derivative

    def off_by_one(mode):
        d = real(mode, checker.load(SQUARES).f, 0)
        return (lambda *a: d(*a) + 1.0) if mode == "reverse" else d
    _with_derivative(monkeypatch, off_by_one)
    result = checker.check(SQUARES)
    assert result.outcome == "WRONG" and result.modes["reverse"] == "WRONG", result


def test_checker_finds_a_changed_argument(monkeypatch):
    def halving(mode):
        def d(x, y, *rest):
            x *= 0.5
            return 2 * x * y
        return d
    _with_derivative(monkeypatch, halving)
    assert checker.check(SQUARES, hessian=False).modes["reverse"] in ("MUTATED", "WRONG")


def test_checker_tells_refusals_from_crashes(monkeypatch):
    def refusing(mode):
        def d(*args):
            raise (sourcead.SourceADError("no") if mode == "reverse" else KeyError("x_bar"))
        return d
    _with_derivative(monkeypatch, refusing)
    result = checker.check(SQUARES)
    assert result.modes["reverse"] == "REFUSED" and result.modes["forward"] == "CRASH", result


def test_checker_refuses_to_accept_a_non_numeric_output(monkeypatch):
    prog = checker.Program(seed=-1, cls="output", kind="checker", args=(np.array([1.0, 2.0]), 0.5),
                         output="nonnumeric",
                         source="import numpy as np\n\n\ndef f(x, y):\n    s = np.sum(x)\n")
    _with_derivative(monkeypatch, lambda mode: lambda *a: 0.0)
    assert checker.check(prog).outcome == "WRONG"


def test_checker_reads_the_function_after_each_change(monkeypatch):
    """A function whose truth changes between steps: a derivative frozen at step 0 is wrong."""
    prog = checker.Program(seed=-1, cls="closure", kind="checker", args=(1.0,), steps=2, source=(
        "LAM = [1.0, 5.0]\nk = [0]\n\n\ndef f(x):\n    return LAM[k[0]] * x * x\n\n\n"
        "def change(step):\n    k[0] = step\n"))
    frozen = {"reverse": lambda x: 2.0 * x, "forward": lambda x: 2.0 * x,
              "jvp": lambda x, t: (x * x, 2.0 * x * t)}
    _with_derivative(monkeypatch, frozen.get)
    result = checker.check(prog, hessian=False)
    assert result.outcome == "WRONG" and result.modes["reverse(kept)"] == "WRONG", result
