"""Golden generated source for examples/: the generated code is the product, so a change in
what users read must be deliberate. Set SOURCEAD_UPDATE_GOLDEN=1 to rewrite the files after
an intended change (and read the diff)."""
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import sourcead

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = [
    ("seed01_polynomial", "f", (0, 1), "grad", (3.0, 4.0)),
    ("seed01_polynomial", "f", (0, 1), "forward", (3.0, 4.0)),
    ("seed02_hessian", "f", (0,), "hessian", (3.0, 4.0)),
    ("seed03_sin_square", "z", 0, "grad", (3.0,)),
    ("seed04_dot", "y", 0, "grad", (np.arange(4.0),)),
    ("seed06_stop_gradient", "z_sum", 0, "grad", (np.arange(4.0),)),
    ("seed07_control_flow", "f_scalar", 0, "grad", (0.37,)),
    ("seed07_control_flow", "f_vector", 0, "grad", (np.array([0.3, -0.2]),)),
    ("seed08_sum_over_paths", "e", (0, 1), "grad", (2.0, 1.0)),
]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _derivative(fn, wrt, kind):
    if kind == "hessian":
        return sourcead.hessian(fn, wrt=wrt)
    return sourcead.grad(fn, wrt=wrt, mode="forward" if kind == "forward" else "reverse")


@pytest.mark.parametrize("module, function, wrt, kind, args", CASES,
                         ids=[f"{c[0]}.{c[1]}.{c[3]}" for c in CASES])
def test_generated_source_matches_golden(module, function, wrt, kind, args):
    fn = getattr(_load(module), function)
    text = sourcead.source(_derivative(fn, wrt, kind), *args)
    path = GOLDEN / f"{module}.{function}.{kind}.py"
    if os.environ.get("SOURCEAD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
