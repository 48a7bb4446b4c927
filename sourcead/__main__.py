"""Command line: print the generated derivative source of a function in a file.

    python -m sourcead FILE.py:FUNCTION [--mode reverse|forward] [--wrt x,y] [--order 1|2]
                                        [--args "W=(784,256) b=(256,) x=float"]

With ``--args`` (see ``sourcead.cli``), the code printed is the one a call with arguments like
those examples runs: ``sourcead.source(derivative, *examples)``. Without it, parameters
annotated ``float`` are treated as Python scalars (plain arithmetic), ``np.ndarray`` as arrays
of any shape; others as values of unknown shape (broadcasting-safe code).
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from .api import grad, hessian, source
from .cli import ArgsError, example_arguments
from .errors import SourceADError


def load_function(spec: str):
    """``path/to/file.py:name`` -> the function object (the file is imported as a module)."""
    path, _, func_name = spec.rpartition(":")
    if not path or not func_name:
        raise SystemExit(f"sourcead: expected FILE.py:FUNCTION, got {spec!r}")
    file = Path(path)
    if not file.is_file():
        raise SystemExit(f"sourcead: no such file: {path}")
    sys.path.insert(0, str(file.parent.resolve()))
    module_spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[file.stem] = module
    module_spec.loader.exec_module(module)
    if not hasattr(module, func_name):
        raise SystemExit(f"sourcead: {path} has no function {func_name!r}")
    return getattr(module, func_name)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sourcead",
                                     description="Print the derivative sourcead generates.")
    parser.add_argument("target", help="FILE.py:FUNCTION")
    parser.add_argument("--mode", default="reverse", choices=["reverse", "forward"])
    parser.add_argument("--wrt", default=None,
                        help="comma-separated parameter names or positions (default: the first)")
    parser.add_argument("--order", type=int, default=1, choices=[1, 2],
                        help="2: the Hessian's code (forward mode over the reverse gradient)")
    parser.add_argument("--args", default=None, metavar="EXAMPLES",
                        help='example arguments, to print the code a call with arguments like '
                             'them runs: "W=(784,256) b=(256,) x=float" (a shape is a float64 '
                             'array; also int, bool, array, numbers; names may be left out, in '
                             'parameter order). Parameters left out take their default or what '
                             'their annotation says')
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    fn = load_function(args.target)
    try:
        examples = () if args.args is None else example_arguments(args.args, fn)
    except ArgsError as err:
        parser.error(f"--args: {err}")   # exits with status 2, after the usage line
    wrt = _parse_wrt(args.wrt)
    try:
        derivative = hessian(fn, wrt=wrt) if args.order == 2 else grad(fn, wrt=wrt, mode=args.mode)
        print(source(derivative, *examples), end="")
    except SourceADError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


def _parse_wrt(text: str | None):
    if text is None:
        return 0
    items = tuple(int(t) if t.strip().isdigit() else t.strip() for t in text.split(","))
    return items[0] if len(items) == 1 else items


if __name__ == "__main__":
    sys.exit(main())
