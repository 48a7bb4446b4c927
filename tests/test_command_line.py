"""The command line prints the code a call runs: with ``--args`` examples, exactly what
``sourcead.source`` gives after a call with arguments of those kinds and shapes; and
``sourcead.source`` works on every object the API returns, before and after a call."""
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import sourcead
from sourcead.__main__ import main

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = textwrap.dedent('''
    import math
    import numpy as np


    def layer_loss(W, b, x):
        h = np.tanh(x @ W + b)
        return np.sum(h ** 2)


    def scaled(W: np.ndarray, b: np.ndarray, scale: float):
        z = W * scale + b
        return np.sum(np.exp(z)) / scale


    def repeated(x, n: int, flip: bool = False):
        total = 0.0
        for _ in range(n):
            total = total + np.sum(np.sin(x))
        if flip:
            total = -total
        return total


    def smooth(x, y, eps=1e-3):
        return np.sum(np.sqrt(x * x + y + eps))


    def needs_keyword(x, *, y):
        return np.sum(x * y)
''')


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cli_program.py"
    path.write_text(PROGRAM)
    spec = importlib.util.spec_from_file_location("cli_program_for_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return path, module


def printed(capsys, *argv) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def derivative(f, wrt, mode, order):
    return sourcead.hessian(f, wrt=wrt) if order == 2 else sourcead.grad(f, wrt=wrt, mode=mode)


CASES = [  # (function, --args, the arguments of a call like them, --wrt, --mode, --order)
    ("layer_loss", "W=(4,3) b=(3,) x=(5,4)", lambda r: (r((4, 3)), r((3,)), r((5, 4))),
     "W,b", "reverse", 1),
    ("layer_loss", "(4,3) (3,) (5,4)", lambda r: (r((4, 3)), r((3,)), r((5, 4))),
     None, "reverse", 1),
    ("layer_loss", "W=(4,3) b=(1,3) x=(5,4)", lambda r: (r((4, 3)), r((1, 3)), r((5, 4))),
     "b", "reverse", 1),
    ("layer_loss", "W=(4,3) b=(3,) x=(5,4)", lambda r: (r((4, 3)), r((3,)), r((5, 4))),
     "W", "forward", 1),
    ("layer_loss", "W=(4,3) b=(3,) x=(5,4)", lambda r: (r((4, 3)), r((3,)), r((5, 4))),
     "W,b", "forward", 1),
    ("layer_loss", "W=(4,3) b=(3,) x=(5,4)", lambda r: (r((4, 3)), r((3,)), r((5, 4))),
     "b", "reverse", 2),
    ("layer_loss", "W=(4,3) b=(3,) x=(5,4)", lambda r: (r((4, 3)), r((3,)), r((5, 4))),
     "W,b", "reverse", 2),
    ("scaled", "W=(4,3) b=(3,)", lambda r: (r((4, 3)), r((3,)), 1.5), "W,scale", "reverse", 1),
    ("scaled", "W=(4,3) b=(3,)", lambda r: (r((4, 3)), r((3,)), 1.5), "scale", "reverse", 2),
    ("scaled", "W=(4,3) b=(3,) scale=0.7", lambda r: (r((4, 3)), r((3,)), 0.7), "W",
     "forward", 1),
    ("repeated", "x=(6,) n=int", lambda r: (r((6,)), 3), "x", "reverse", 1),
    ("repeated", "x=(6,) n=3 flip=bool", lambda r: (r((6,)), 3, True), "x", "reverse", 2),
    ("repeated", "x=float n=2", lambda r: (0.3, 2), "x", "forward", 1),
    ("smooth", "x=(2,3) y=(3,)", lambda r: (r((2, 3)) ** 2 + 1, r((3,)) ** 2 + 1), "x,y",
     "reverse", 1),
    ("smooth", "x=(2,3) y=float", lambda r: (r((2, 3)) ** 2 + 1, 1.2), "y", "reverse", 2),
]


@pytest.mark.parametrize("name, examples, make_args, wrt, mode, order", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[3]}-{c[4]}-{c[5]}" for c in CASES])
def test_printed_code_is_what_a_call_runs(program, capsys, name, examples, make_args, wrt,
                                          mode, order):
    path, module = program
    argv = [f"{path}:{name}", "--args", examples, "--mode", mode, "--order", str(order)]
    text = printed(capsys, *argv + (["--wrt", wrt] if wrt else []))
    rng = np.random.default_rng(0)
    args = make_args(lambda shape: rng.standard_normal(shape))
    wrt_value = tuple(wrt.split(",")) if wrt and "," in wrt else (wrt or 0)
    df = derivative(getattr(module, name), wrt_value, mode, order)
    df(*args)
    assert text == sourcead.source(df)


def test_examples_print_the_specialized_code_not_the_generic_form(program, capsys):
    path, _ = program
    generic = printed(capsys, f"{path}:layer_loss", "--wrt", "W,b")
    special = printed(capsys, f"{path}:layer_loss", "--wrt", "W,b", "--args",
                      "W=(784,256) b=(256,) x=(32,784)")
    assert "unbroadcast(" in generic
    assert "unbroadcast(" not in special and "x.T @" in special


def test_left_out_parameters_come_from_annotations_and_defaults(program, capsys):
    path, module = program
    text = printed(capsys, f"{path}:scaled", "--wrt", "scale", "--args", "W=(2,2) b=(2,2)")
    df = sourcead.grad(module.scaled, wrt="scale")
    df(np.ones((2, 2)), np.ones((2, 2)), 2.0)
    assert text == sourcead.source(df)
    text = printed(capsys, f"{path}:smooth", "--args", "(3,) (3,)")   # eps: its default
    df = sourcead.grad(module.smooth)
    df(np.ones(3), np.ones(3))
    assert text == sourcead.source(df)


def test_an_array_of_any_shape_gives_code_for_every_shape(program, capsys):
    path, module = program
    text = printed(capsys, f"{path}:layer_loss", "--wrt", "W,b", "--args",
                   "W=array b=array x=array")
    assert "unbroadcast(x_matmul_W_plus_b_bar, b)" in text
    namespace = {}
    exec(compile(text, "<printed>", "exec"), namespace)
    rng = np.random.default_rng(1)
    for shapes in [((4, 3), (3,), (5, 4)), ((4, 3), (1, 3), (5, 4)), ((4, 1), (2, 3), (2, 4))]:
        W, b, x = (rng.standard_normal(s) for s in shapes)
        expected = sourcead.grad(module.layer_loss, wrt=(0, 1))(W, b, x)
        for got, want in zip(namespace["layer_loss_grad"](W, b, x), expected):
            np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("examples, message", [
    ("W=(4,3) b=(3,) x=(5,4", "parentheses"),
    ("W=(4,3) b=(3,) x=(5,(4))", "parentheses"),
    ("W=(4,3) b=(3,) x=matrix", "'matrix' is not an example"),
    ("W=(4,-3) b=(3,) x=(5,4)", "is not an example"),
    ("W=(4,3.5) b=(3,) x=(5,4)", "is not an example"),
    ("W=(4,3) b=(3,) y=(5,4)", "has no parameter 'y'"),
    ("W=(4,3) W=(3,) x=(5,4)", "given twice"),
    ("W=(4,3) (3,) (5,4)", "positional examples first"),
    ("(4,3) (3,) (5,4) (1,)", "4 examples given by position"),
    ("W=(4,3) b=(3,)", "parameter 'x' needs an example"),
    ("=3", "cannot read --args"),
])
def test_bad_examples_are_a_usage_error(program, capsys, examples, message):
    path, _ = program
    with pytest.raises(SystemExit) as exit_:
        main([f"{path}:layer_loss", "--args", examples])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and message in err and "Traceback" not in err


def test_keyword_only_parameters_are_a_usage_error(program, capsys):
    path, _ = program
    with pytest.raises(SystemExit) as exit_:
        main([f"{path}:needs_keyword", "--args", "x=(3,)"])
    assert exit_.value.code == 2 and "keyword-only" in capsys.readouterr().err


def test_bad_examples_exit_2_without_a_traceback(program):
    path, _ = program
    result = subprocess.run([sys.executable, "-m", "sourcead", f"{path}:layer_loss", "--args",
                             "W=(4,3 b=(3,)"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--args" in result.stderr
    assert result.stdout == ""


# ---- source() on every object the API returns -----------------------------------------------

def _loss(W, b, x):
    return np.sum(np.tanh(x @ W + b) ** 2)


def _vector(x, y):
    return np.sin(x) * y + x


_W, _B, _X = np.full((3, 2), 0.3), np.full(2, 0.1), np.full((4, 3), 0.2)
_V = np.linspace(0.1, 0.9, 5)

MAKERS = {  # name: (derivative, arguments of a call, arguments source() is given)
    "grad": (lambda: sourcead.grad(_loss, wrt=(0, 1)), (_W, _B, _X), (_W, _B, _X)),
    "grad forward": (lambda: sourcead.grad(_loss, mode="forward"), (_W, _B, _X), (_W, _B, _X)),
    "grad forward two": (lambda: sourcead.grad(_loss, wrt=(0, 1), mode="forward"),
                         (_W, _B, _X), (_W, _B, _X)),
    "grad preserve_result": (lambda: sourcead.grad(_loss, preserve_result=True), (_W, _B, _X),
                             (_W, _B, _X)),
    "jvp": (lambda: sourcead.jvp(_vector), (_V, 2.0, _V), (_V, 2.0)),
    "vjp": (lambda: sourcead.vjp(_vector), (_V, 2.0, _V), (_V, 2.0, _V)),
    "vjp of a number": (lambda: sourcead.vjp(_loss), (_W, _B, _X, 1.0), (_W, _B, _X)),
    "jacobian": (lambda: sourcead.jacobian(_vector), (_V, 2.0), (_V, 2.0)),
    "jacobian two": (lambda: sourcead.jacobian(_vector, wrt=(0, 1)), (_V, 2.0), (_V, 2.0)),
    "jacobian reverse": (lambda: sourcead.jacobian(_vector, mode="reverse"), (_V, 2.0),
                         (_V, 2.0)),
    "hessian": (lambda: sourcead.hessian(_loss), (_W, _B, _X), (_W, _B, _X)),
    "hessian two": (lambda: sourcead.hessian(_loss, wrt=(0, 1)), (_W, _B, _X), (_W, _B, _X)),
}


@pytest.mark.parametrize("name", MAKERS)
def test_source_of_every_derivative_before_and_after_a_call(name):
    make, call_args, source_args = MAKERS[name]
    df = make()
    before = sourcead.source(df)
    explicit = sourcead.source(df, *source_args)
    df(*call_args)
    assert sourcead.source(df) == explicit   # what the call ran
    assert sourcead.source(make()) == before
    compile(before, "<source>", "exec")
    compile(explicit, "<source>", "exec")


@pytest.mark.parametrize("name", ["jacobian reverse", "vjp"])
def test_source_of_a_pullback_is_the_pullback(name):
    make, _, source_args = MAKERS[name]
    text = sourcead.source(make(), *source_args)
    assert "def _vector_vjp(" in text or "_bar" in text
