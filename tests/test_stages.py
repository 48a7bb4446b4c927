"""Stage tests: source in, source out, for the normalize stage and the optimizer."""
import importlib.util
import itertools
import textwrap

import astor
import gast
import pytest

from sourcead.naming import plainly
from sourcead.normalize import normalize
from sourcead.parse import parse_function

_counter = itertools.count()


def load(tmp_path, source: str, name: str = "f"):
    path = tmp_path / f"stage_{next(_counter)}.py"
    path.write_text("import numpy as np\nimport math\n\n" + textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def normalized(tmp_path, source: str) -> str:
    tree = normalize(parse_function(load(tmp_path, source)))
    return astor.to_source(gast.gast_to_ast(plainly(tree))).strip()  # `$np` read as `np`


CASES = {
    "nested expressions get descriptive temporaries": (
        """
        def f(x):
            y = np.sin(x) * x
            return y
        """,
        """
        def f(x):
            sin_x = np.sin(x)
            y = sin_x * x
            return y
        """),
    "reassignment in straight-line code gets a new name": (
        """
        def f(x, y):
            x = x * y
            x = x * y
            return x
        """,
        """
        def f(x, y):
            x_1 = x * y
            x_2 = x_1 * y
            return x_2
        """),
    "augmented assignment and tuple unpacking": (
        """
        def f(x, y):
            x += y
            a, b = y, x
            return a * b
        """,
        """
        def f(x, y):
            x_1 = x + y
            a = y
            b = x_1
            out = a * b
            return out
        """),
    "swap through temporaries": (
        """
        def f(x, y):
            x, y = y, x
            return x - y
        """,
        """
        def f(x, y):
            x_new = y
            y_new = x
            x_1 = x_new
            y_1 = y_new
            out = x_1 - y_1
            return out
        """),
    "break becomes a flag that guards the rest of the body": (
        """
        def f(x, n):
            for i in range(n):
                if x > 3.0:
                    break
                x = x * 2.0
            return x
        """,
        """
        def f(x, n):
            broke = False
            for i in range(n):
                x_gt_3p0 = x > 3.0
                if x_gt_3p0:
                    broke = True
                if not broke:
                    x = x * 2.0
                if broke:
                    break
            return x
        """),
    "while test is a name recomputed at the end of the body": (
        """
        def f(x):
            while x < 10.0:
                x = x * 2.0
            return x
        """,
        """
        def f(x):
            x_lt_10p0 = x < 10.0
            while x_lt_10p0:
                x = x * 2.0
                x_lt_10p0 = x < 10.0
            return x
        """),
    "early return sets the result and a flag": (
        """
        def f(x):
            if x > 0:
                return x
            return -x
        """,
        """
        def f(x):
            returned = False
            out = None
            x_gt_0 = x > 0
            if x_gt_0:
                out = x
                returned = True
            if not returned:
                out = -x
                returned = True
            return out
        """),
    "for over an array iterates over indices": (
        """
        def f(xs):
            s = 0.0
            for v in xs:
                s = s + v
            return s
        """,
        """
        def f(xs):
            s = 0.0
            len_xs = len(xs)
            for i in range(len_xs):
                v = xs[i]
                s = s + v
            return s
        """),
    "ternary and boolean operators keep short-circuit order": (
        """
        def f(x):
            y = x if x > 0 and x < 1 else 2 * x
            return y
        """,
        """
        def f(x):
            x_gt_0_and_x_lt_1 = x > 0
            if x_gt_0_and_x_lt_1:
                x_gt_0_and_x_lt_1 = x < 1
            if x_gt_0_and_x_lt_1:
                y = x
            else:
                y = 2 * x
            return y
        """),
}


@pytest.mark.parametrize("source, expected", CASES.values(), ids=list(CASES))
def test_normalize(tmp_path, source, expected):
    assert normalized(tmp_path, source) == textwrap.dedent(expected).strip()
