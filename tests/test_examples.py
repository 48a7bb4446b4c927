"""Every script in examples/ runs and prints the numbers seed-examples.md gives: each line
``label  got X  expected Y`` is compared numerically (a few values print over several lines
and are checked by test_seed_examples instead)."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))
LINE = re.compile(r"\bgot (.+?)\s+expected (.+)$")
NAMESPACE = {"np": np, "array": np.array, "float64": np.float64}


def _value(text: str):
    try:
        return eval(text, dict(NAMESPACE))
    except SyntaxError:  # a value printed over several lines
        return None


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_example_prints_the_expected_numbers(script):
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    compared = 0
    for line in run.stdout.splitlines():
        match = LINE.search(line)
        if not match:
            continue
        got, expected = _value(match.group(1)), _value(match.group(2))
        if got is None or expected is None:
            continue
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                                   rtol=1e-12, atol=1e-12, err_msg=line)
        compared += 1
    assert compared >= 1
    assert "def " in run.stdout  # and it shows the generated source
