"""Random programs written the way users write code, in the six classes where a derivative
tool is most tempted to be silently wrong (issue 11), and the soak that checks them
(the check itself is tests/trust_check.py).

``program(seed)`` writes the source of a module and says how to differentiate it. The class
is ``CLASSES[seed % 6]``:

- ``closure``: a value the function reads changes between calls: a ``nonlocal`` set by a
  setter, a module global (``global`` in a helper, or ``module.VAR = ...``, or an array
  global written in place), ``__defaults__`` / ``__kwdefaults__``, a function-valued global
  or closure variable rebound, a new ``lambda w: loss(w, batch)`` per step;
- ``decorator``: ``functools.wraps`` wrappers (scale, shift, square, clip, compose, transform
  the input, call the inner function twice), decorators with arguments, class decorators,
  stacked, on the function or on a helper it calls;
- ``names``: functions, parameters, locals, globals, list locals and methods named like the
  helpers generated code uses (``sourcead.runtime.HELPERS`` and ``np``, ``tape``, ``out_bar``,
  ``x_bar``, ``x_dot``, ``sin_x`` ...);
- ``output``: functions returning None, a string, a bool, a list, a tuple, an int, an int or
  float array (all must be refused), or a size-1 float array (accepted like a scalar);
- ``alias``: ``+= -= *= /= **=`` on arrays (in place) and floats (rebinding) through names,
  tuples, lists, dicts, attributes, calls, returns and views; slice writes, ``out=``
  arguments, mutating methods, loops;
- ``deadpath``: a value (cumsum, @, indexing, np.array of values, lists, reshape, sort,
  linalg ...) whose only use is after an early return, in a branch not taken or in a loop
  that runs zero times.

The module defines ``f`` (or ``target(step)`` returning the function of step ``step``) and,
for programs whose state changes, ``change(step)``, run before each step after the first.

``trust_check.check(program)`` runs reverse ``grad``, ``grad(mode="forward")``, ``jvp`` and
``hessian`` on fresh copies of the arguments (for changing state: derivatives built at step 0
and new ones) and classifies the program against central differences of the user's function:
RIGHT, REFUSED, WRONG, CRASH, MUTATED (or SKIP, where there is no reliable truth).

Soak: ``python tests/random_trust_programs.py START COUNT [--class NAME] [--no-hessian]
[--verbose] [--kinds]`` prints one line per WRONG, CRASH or MUTATED program and a table per
class; ``python tests/random_trust_programs.py --show SEED`` prints a program and its result.
"""
from __future__ import annotations

import collections
import random
import re
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

if __name__ == "__main__":   # the soak checks the sourcead of the checkout it sits in
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sourcead.runtime import HELPERS  # noqa: E402
from trust_check import BAD, OUTCOMES, SEVERITY, Program, Result, Timeout, check  # noqa: E402

CLASSES = ("closure", "decorator", "names", "output", "alias", "deadpath")
# names generated code uses besides the runtime helpers
GENERATED_NAMES = ("np", "math", "tape", "out", "out_bar", "out_dot", "x_bar", "y_bar", "x_dot",
                   "y_dot", "f_grad", "f_jvp", "g_grad", "sin_x", "x_times_y", "tanh_x",
                   "dispatch", "directions", "like", "t", "_", "v_bar", "g_bar", "sum_x")
HELPER_NAMES = tuple(sorted(HELPERS)) + GENERATED_NAMES


# ---------------------------------------------------------------- expressions

class Gen:
    """A seeded source of smooth, bounded expressions over names the caller offers."""

    S_UNARY = ("np.sin({})", "np.tanh({})", "np.cos({})", "math.exp(math.tanh({}))",
               "math.sin({})", "np.arctan({})", "(-{})")
    A_UNARY = ("np.sin({})", "np.tanh({})", "np.cos({})", "np.exp(np.tanh({}))", "np.arctan({})")
    BINARY = ("({} + {})", "({} - {})", "({} * {})", "({} / (1.0 + {b} * {b}))")
    REDUCE = ("np.sum({})", "np.mean({})", "np.sum({} ** 2)", "np.dot({0}, {0})",
              "np.sum(np.tanh({}))", "np.linalg.norm({})", "np.max({})", "np.prod(np.cos({}))")

    def __init__(self, rng: random.Random, n: int):
        self.rng, self.n = rng, n

    def pick(self, options):
        return self.rng.choice(list(options))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def const(self, lo: float = 0.3, hi: float = 1.7) -> str:
        return f"{self.rng.uniform(lo, hi):.3f}"

    def vector(self, lo: float = -1.2, hi: float = 1.2, n: int | None = None) -> str:
        return "np.array([" + ", ".join(self.const(lo, hi) for _ in range(n or self.n)) + "])"

    def scalar(self, leaves, depth: int = 2) -> str:
        kind = "leaf" if depth == 0 else self.pick(("leaf", "unary", "binary", "binary"))
        if kind == "leaf":
            return self.pick(list(leaves) + [self.const()])
        if kind == "unary":
            return self.pick(self.S_UNARY).format(self.scalar(leaves, depth - 1))
        a, b = self.scalar(leaves, depth - 1), self.scalar(leaves, depth - 1)
        return self.binary(a, b)

    def binary(self, a: str, b: str) -> str:
        """``a op b``; never ``e - e``, an exact zero whose norm has no derivative (the
        truth, a constant, says 0; the chain rule says NaN)."""
        template = self.pick(self.BINARY)
        return (template if a != b else template.replace("-", "+")).format(a, b, b=b)

    def array(self, arrays, scalars, depth: int = 2) -> str:
        """An elementwise expression of one of ``arrays`` (all of length n) and ``scalars``."""
        kind = "leaf" if depth == 0 else self.pick(("leaf", "unary", "unary", "binary"))
        if kind == "leaf":
            arr = self.pick(arrays)
            return self.pick((arr, f"{arr} * {self.pick(list(scalars) + [self.const()])}",
                              f"({arr} + {self.const(-0.5, 0.5)})"))
        if kind == "unary":
            return self.pick(self.A_UNARY).format(self.array(arrays, scalars, depth - 1))
        a = self.array(arrays, scalars, depth - 1)
        b = self.pick((self.array(arrays, scalars, depth - 1), self.scalar(scalars, 1)))
        return self.binary(a, b)

    def reduce(self, arr: str) -> str:
        template = self.pick(self.REDUCE)
        simple = re.fullmatch(r"[\w.]+|\w+\(.*\)|\(.*\)", arr) and arr.count("(") < 2
        return template.format(arr if simple or "**" not in template else f"({arr})")

    def body(self, arrays, scalars, steps: int | None = None, prefix: str = "u") -> list[str]:
        """A few ordinary statements, then a ``return`` of a scalar that depends on
        ``arrays[0]`` and on every scalar in ``scalars``."""
        arrays, scalars, lines = list(arrays), list(scalars), []
        given = arrays[1:]
        for k in range(self.rng.randint(0, 2) if steps is None else steps):
            if self.chance(0.6):
                lines.append(f"{prefix}{k} = {self.array(arrays, scalars)}")
                arrays.append(f"{prefix}{k}")
            else:
                lines.append(f"{prefix}s{k} = {self.reduce(self.array(arrays, scalars, 1))}")
                scalars.append(f"{prefix}s{k}")
        total = [self.reduce(self.array(arrays[-1:] + arrays[:1], scalars, 1))] + [
            self.reduce(a) for a in given] + [f"{s} * {self.const()}" for s in scalars]
        return lines + ["return " + " + ".join(total)]


def indent(lines: list[str], levels: int = 1) -> list[str]:
    return ["    " * levels + line if line else line for line in lines]


@dataclass
class Spec:
    kind: str
    lines: list[str]
    args: tuple
    wrt: int = 0
    steps: int = 1
    output: str = "number"
    header: list[str] = field(default_factory=lambda: ["import math", "import numpy as np"])


def point(g: Gen) -> tuple[np.ndarray, float]:
    """x: n generic values in (-1.2, 1.2); y: a float in (0.3, 1.5)."""
    x = np.array([g.rng.uniform(-1.2, 1.2) for _ in range(g.n)])
    return x + 0.0123456789 * np.arange(1, g.n + 1), g.rng.uniform(0.3, 1.5)


def f_and_args(g: Gen, body: list[str], extra: str = "") -> tuple[list[str], tuple, int]:
    x, y = point(g)
    lines = [f"def f(x, y{extra}):"] + indent(body)
    return lines, (x, y), g.pick((0, 0, 1))


# ---------------------------------------------------------------- 1. closures over changing state

def closure_program(g: Gen) -> Spec:
    kind = g.pick(("nonlocal", "nonlocal_array", "global_stmt", "module_attr", "global_array",
                   "global_array_rebind", "defaults", "kwdefaults", "helper_defaults",
                   "default_array_inplace", "function_global", "function_closure",
                   "function_user_rebind", "per_step_lambda", "per_step_def",
                   "per_step_partial", "per_step_default", "per_step_late_binding"))
    if kind.startswith("per_step"):
        return per_step_program(g, kind)
    values = [g.const(-1.6, 1.6) for _ in range(3)]
    vectors = [g.vector(-1.5, 1.5) for _ in range(3)]
    builder = {
        "nonlocal": lambda: nonlocal_lines(g, values, "lam", ["x"], ["y", "lam"]),
        "nonlocal_array": lambda: nonlocal_lines(g, vectors, "lam", ["x", "(x * lam)"], ["y"]),
        "global_stmt": lambda: global_lines(g, values, "set_scale(SCALES[step])"),
        "module_attr": lambda: global_lines(g, values, "sys.modules[__name__].SCALE = SCALES[step]"),
        "global_array": lambda: global_array_lines(g, vectors, ["W[:] = WS[step]"]),
        "global_array_rebind": lambda: global_array_lines(g, vectors, ["global W", "W = WS[step]"]),
        "defaults": lambda: default_lines(g, values, ", c={}", "f.__defaults__ = (C[step],)"),
        "kwdefaults": lambda: default_lines(g, values, ", *, c={}",
                                            'f.__kwdefaults__ = {"c": C[step]}'),
        "helper_defaults": lambda: helper_default_lines(g, values),
        "default_array_inplace": lambda: default_array_lines(g, vectors),
        "function_global": lambda: function_global_lines(g),
        "function_closure": lambda: function_closure_lines(g),
        "function_user_rebind": lambda: function_user_lines(g),
    }[kind]
    lines, args, wrt = builder()
    return Spec(kind, lines, args, wrt, steps=3, header=["import math", "import sys",
                                                        "import numpy as np"])


def nonlocal_lines(g: Gen, values, var, arrays, scalars):
    f, args, wrt = f_and_args(g, g.body(arrays, scalars))
    lines = [f"def make({var}):"] + indent(f) + indent([
        f"def set_{var}(v):", f"    nonlocal {var}", f"    {var} = v", f"return f, set_{var}"])
    return lines + ["", "", f"LAMS = [{', '.join(values)}]", f"f, set_{var} = make(LAMS[0])", "",
                    "", "def change(step):", f"    set_{var}(LAMS[step])"], args, wrt


def global_lines(g: Gen, values, change: str):
    use_helper = g.chance(0.5)
    helper = ["def scaled(u):", "    return u * SCALE", "", ""] if use_helper else []
    arrays = ["x", "scaled(x)"] if use_helper else ["x", "x * SCALE"]
    f, args, wrt = f_and_args(g, g.body(arrays, ["y"] if use_helper else ["y", "SCALE"]))
    return [f"SCALES = [{', '.join(values)}]", "SCALE = SCALES[0]", "", "",
            "def set_scale(v):", "    global SCALE", "    SCALE = v", "", ""] + helper + f + [
        "", "", "def change(step):", f"    {change}"], args, wrt


def global_array_lines(g: Gen, vectors, change: list[str]):
    f, args, wrt = f_and_args(g, g.body(["x", "(x * W)", "(x + W)"], ["y", "np.sum(W)"]))
    return [f"WS = [{', '.join(vectors)}]", "W = WS[0].copy()", "", ""] + f + [
        "", "", "def change(step):"] + indent(change), args, wrt


def default_lines(g: Gen, values, params: str, change: str):
    f, args, wrt = f_and_args(g, g.body(["x", "x * c"], ["y", "c"]), params.format(values[0]))
    return [f"C = [{', '.join(values)}]", "", ""] + f + ["", "", "def change(step):",
                                                        f"    {change}"], args, wrt


def helper_default_lines(g: Gen, values):
    helper = ["def helper(u, c=C[0]):", f"    return c * {g.array(['u'], ['c'])}"]
    f, args, wrt = f_and_args(g, g.body(["x", "helper(x * y)", "helper(x)"], ["y"]))
    return [f"C = [{', '.join(values)}]", "", ""] + helper + ["", ""] + f + [
        "", "", "def change(step):", "    helper.__defaults__ = (C[step],)"], args, wrt


def default_array_lines(g: Gen, vectors):
    f, args, wrt = f_and_args(g, g.body(["x", "x * w", "(x - w)"], ["y"]), ", w=WS[0].copy()")
    return [f"WS = [{', '.join(vectors)}]", "", ""] + f + [
        "", "", "def change(step):", "    f.__defaults__[0][:] = WS[step]"], args, wrt


SOFT = ["def soft(u):", "    return u / (1.0 + u * u)", "", ""]


def function_global_lines(g: Gen):
    order = ["np.tanh", "np.sin", "soft", "np.arctan"]
    g.rng.shuffle(order)
    f, args, wrt = f_and_args(g, g.body(["x", f"act(x * {g.const()})", "act(x * y)"], ["y"]))
    return SOFT + [f"ACTS = [{', '.join(order[:3])}]", "act = ACTS[0]", "", ""] + f + [
        "", "", "def change(step):", "    global act", "    act = ACTS[step]"], args, wrt


def function_closure_lines(g: Gen):
    order = ["np.tanh", "np.sin", "soft", "np.cos"]
    g.rng.shuffle(order)
    f, args, wrt = f_and_args(g, g.body(["x", "fn(x)", "fn(x * y)"], ["y"]))
    lines = ["def make(fn):"] + indent(f) + indent(
        ["def set_fn(v):", "    nonlocal fn", "    fn = v", "return f, set_fn"])
    return SOFT + [f"FNS = [{', '.join(order[:3])}]", ""] + lines + [
        "", "", "f, set_fn = make(FNS[0])", "", "", "def change(step):",
        "    set_fn(FNS[step])"], args, wrt


def function_user_lines(g: Gen):
    helpers = []
    for name in ("g", "g_alt", "g_other"):
        helpers += [f"def {name}(u):", f"    return {g.array(['u'], [], 2)}", "", ""]
    f, args, wrt = f_and_args(g, g.body(["x", "g(x)", "g(x * y)"], ["y"]))
    return helpers + ["G_CHOICES = [g, g_alt, g_other]", "", ""] + f + [
        "", "", "def change(step):", "    global g", "    g = G_CHOICES[step]"], args, wrt


def per_step_program(g: Gen, kind: str) -> Spec:
    """``grad(lambda w: loss(w, batch))`` in a loop over batches: a new closure per step."""
    loss = ["def loss(w, batch):"] + indent(g.body(["w", "(w - batch)", "(w * batch)"], []))
    batches = [g.vector(-1.5, 1.5) for _ in range(3)]
    make = {
        "per_step_lambda": ["batch = BATCHES[step]", "return lambda w: loss(w, batch)"],
        "per_step_def": ["batch = BATCHES[step]", "def step_loss(w):",
                         f"    return loss(w, batch) + {g.const()} * np.sum(w * w)",
                         "return step_loss"],
        "per_step_partial": ["return functools.partial(loss, batch=BATCHES[step])"],
        "per_step_default": ["batch = BATCHES[step]", "return lambda w, b=batch: loss(w, b)"],
        "per_step_late_binding": ["fns = []", "for k in range(3):",
                                  "    fns.append(lambda w: loss(w, BATCHES[k]) * (k + 1))",
                                  "return fns[step]"],
    }[kind]
    x, _ = point(g)
    lines = [f"BATCHES = [{', '.join(batches)}]", "", ""] + loss + ["", "",
                                                                   "def target(step):"] + indent(make)
    return Spec(kind, lines, (x,), 0, steps=3,
                header=["import functools", "import math", "import numpy as np"])


# ---------------------------------------------------------------- 2. decorated functions

DECORATOR_OPS = {   # what a wrapper does with the wrapped call ({call}) or a second call ({again})
    "scaled": ["return {c} * {call}"],
    "shifted": ["return {call} + {c}"],
    "squared": ["return {call} ** 2"],
    "clipped": ["return np.clip({call}, -{c}, {c} + 0.5)"],
    "smoothed": ["return np.tanh({call})", "return np.log1p({call} ** 2)", "return np.sin({call})"],
    "rescaled_input": ["return {again}"],
    "twice": ["return {call} + {c} * {again}", "first = {call}\nreturn first * {again}"],
}


def decorator_lines(g: Gen, op: str, name: str) -> tuple[list[str], str, str]:
    """A decorator doing ``op`` (its definition, the text after ``@``, a tag): made with
    ``functools.wraps`` (or a plain wrapper), with arguments, or a class."""
    style = g.pick(("wraps", "wraps", "plain", "factory", "class", "register"))
    if style == "register":
        return [f"def {name}(fn):", "    REGISTRY.append(fn)", "    return fn"], name, style
    inner = "self.fn" if style == "class" else "fn"
    if g.chance(0.5):
        params, call = "*args, **kwargs", f"{inner}(*args, **kwargs)"
        again = f"{inner}({g.pick(('args[0] * {c}', 'np.sin(args[0])', 'args[0] + {c}'))}, " \
                "*args[1:], **kwargs)"
    else:
        params, call = "x, *args", f"{inner}(x, *args)"
        again = f"{inner}({g.pick(('x * {c}', 'np.sin(x)', 'x + {c}', 'x * x'))}, *args)"
    value = "c" if style == "factory" else g.const()
    text = g.pick(DECORATOR_OPS[op]).format(call=call, again=again, c="{c}").format(c=value)
    body, tag = text.split("\n"), f"{op}/{style}"
    if style == "class":
        cls = name.title().replace("_", "")
        return [f"class {cls}:", "    def __init__(self, fn):",
                "        functools.update_wrapper(self, fn)", "        self.fn = fn", "",
                f"    def __call__(self, {params}):"] + indent(body, 2), cls, tag
    wrapper = (["@functools.wraps(fn)"] if style != "plain" else []) + [
        f"def wrapper({params}):"] + indent(body) + ["return wrapper"]
    if style == "factory":
        return [f"def {name}_by(c):", "    def decorate(fn):"] + indent(wrapper, 2) + [
            "    return decorate"], f"{name}_by({g.const()})", tag
    return [f"def {name}(fn):"] + indent(wrapper), name, tag


def decorator_program(g: Gen) -> Spec:
    where = g.pick(("function", "function", "helper", "both"))
    lines, stacks, tags = ["REGISTRY = []", "", ""], {"function": [], "helper": []}, []
    count = g.pick((1, 1, 2, 3))
    for k in range(count):
        op = g.pick(DECORATOR_OPS)
        definition, at, tag = decorator_lines(g, op, op + ("" if k == 0 else str(k + 1)))
        tags.append(tag)
        lines += definition + ["", ""]
        place = where if where != "both" else ("function", "helper")[k % 2]
        stacks[place].append("@" + at)
    arrays = ["x"]
    if where != "function":
        helper_body = g.body(["u"], ["v"], steps=g.rng.randint(0, 1), prefix="h")
        lines += stacks["helper"] + ["def h(u, v):"] + indent(helper_body) + ["", ""]
        arrays.append(g.pick(("h(x, y) * x", f"h(x * {g.const()}, y) + x", "x * h(np.sin(x), y)")))
    f, args, wrt = f_and_args(g, g.body(arrays, ["y"]))
    kind = "+".join(tags) + f"@{where}"
    return Spec(kind, lines + stacks["function"] + f, args, wrt,
                header=["import functools", "import math", "import numpy as np"])


# ---------------------------------------------------------------- 3. names like the helpers'

NAME_ROLES = ("function", "function", "param", "local", "local", "global", "callee_param",
              "kwarg", "local_list", "method")


def names_program(g: Gen) -> Spec:
    names = g.rng.sample(HELPER_NAMES, g.pick((1, 1, 2, 3)))
    pre: list[str] = []
    body: list[str] = []
    arrays, scalars, params, values, roles = ["x"], ["y"], [], [], []
    for i, name in enumerate(names):
        role = g.pick(NAME_ROLES)
        roles.append(f"{name}:{role}")
        is_array = g.chance(0.6)
        if role == "function":
            pre += [f"def {name}(u):", f"    return {g.array(['u'], [], 2)}", "", ""]
            (arrays if is_array else scalars).append(f"{name}(x)" if is_array else f"{name}(y)")
        elif role == "param":
            params.append(name)
            values.append(np.array([g.rng.uniform(-1.2, 1.2) for _ in range(g.n)]) if is_array
                          else g.rng.uniform(0.3, 1.4))
            (arrays if is_array else scalars).append(name)
        elif role == "local":
            body.append(f"{name} = {g.array(arrays, scalars) if is_array else g.scalar(scalars)}")
            (arrays if is_array else scalars).append(name)
        elif role == "global":
            pre += [f"{name} = {g.vector() if is_array else g.const()}", "", ""]
            (arrays if is_array else scalars).append(name)
        elif role in ("callee_param", "kwarg"):
            pre += [f"def helper{i}({name}, v):", f"    return {g.array([name], ['v'])}", "", ""]
            call = f"helper{i}(x, y)" if role == "callee_param" else f"helper{i}(v=y, {name}=x)"
            arrays.append(call)
        elif role == "local_list":
            body += [f"{name} = []", "for k in range(3):",
                     f"    {name}@append({g.reduce(g.array(arrays, scalars, 1))} * (k + 1))"]
            scalars.append(f"sum({name})")
        else:
            pre += [f"class Model{i}:", f"    def {name}(self, u):",
                    f"        return {g.array(['u'], [], 2)}", "", "", f"MODEL{i} = Model{i}()", "", ""]
            arrays.append(f"MODEL{i}.{name}(x)")
    x, y = point(g)
    extra = "".join(f", {p}" for p in params)
    lines = pre + [f"def f(x, y{extra}):"] + indent(body + g.body(arrays, scalars))
    header = ["import math", "import numpy as np"]
    if "np" in names or "math" in names:   # the user's module spells the modules otherwise
        lines = [re.sub(r"\bmath\.", "pymath.", re.sub(r"\bnp\.", "numpy.", ln)) for ln in lines]
        header = ["import math as pymath", "import numpy"]
    lines = [ln.replace("@append(", ".append(") for ln in lines]   # a list named np keeps it
    args = (x, y) + tuple(values)
    return Spec(",".join(roles), lines, args, g.rng.randrange(len(args)), header=header)


# ---------------------------------------------------------------- 4. outputs that are not numbers

NONNUMERIC_RETURNS = {   # how the value ``s`` (a float computed from x and y) is returned
    "none_no_return": None,
    "none_explicit": ["return None"],
    "none_bare": ["return"],
    "string": ["return str(s)", "return f'{s:.4f}'", "return 'loss=' + repr(s)"],
    "bool": ["return s > 0.25", "return bool(s < 100.0)", "return np.sum(x) > s"],
    "list": ["return [s, s * 2.0]", "return [s]", "return list(x * s)"],
    "tuple": ["return s, np.sum(x)", "return (s,)", "return (s, 'done')"],
    "int": ["return len(x)", "return int(np.argmax(x * s))", "return np.argmax(x * s)",
            "return int(s * 100)", "return round(s)", "return np.sum(x > 0) + 0"],
    "int_array": ["return np.argsort(x * s)", "return (x * s > 0).astype(int)",
                  "return np.array([len(x)])", "return np.arange(3) * 2"],
    "float_array": ["return x * s", "return np.array([s, s * s])", "return np.outer(x, x) * s"],
}
SIZE1_RETURNS = ["return np.array([s])", "return np.sum(x * x, keepdims=True) * s",
                 "return x[1:2] ** 2 * s", "return np.reshape(s, (1, 1))",
                 "return (x @ np.ones((len(x), 1))) * s", "return np.atleast_1d(s)",
                 "return np.array([[s]]) + x[:1]"]


def output_program(g: Gen) -> Spec:
    kind = g.pick(list(NONNUMERIC_RETURNS) + ["size1", "size1", "none_other_path"])
    lines = [ln.replace("return ", "s = ", 1) for ln in g.body(["x"], ["y"])]
    if kind == "size1":
        lines.append(g.pick(SIZE1_RETURNS))
        output = "size1"
    elif kind == "none_other_path":      # returns None only on a branch that does not run
        lines += [g.pick(("if s > 1e6:", "if np.sum(x * x) > 1e3:", "if y < -10.0:")),
                  "    return None", "return s"]
        output = "number"
    else:
        ending = NONNUMERIC_RETURNS[kind]
        lines += [] if ending is None else [g.pick(ending)]
        output = "nonnumeric"
    f, args, wrt = f_and_args(g, lines)
    return Spec(kind, f, args, wrt, output=output)


# ---------------------------------------------------------------- 5. aliases and in-place operators

VIEWS = ("[1:]", "[::2]", "[:-1]", ".reshape(-1)", "[None]", ".T", ".view()", "[::-1]")
HOLDER = ["class Holder:", "    def __init__(self, v):", "        self.v = v", "", ""]


def augmented(g: Gen, target_is_array: bool = True, in_loop: bool = False,
              names: bool = True) -> str:
    """``op= value`` for an array (in place in NumPy) or a float (rebinding); the value may
    read x and y if ``names``."""
    op = g.pick(("+=", "-=", "*=") if in_loop else ("+=", "-=", "*=", "*=", "/=", "**="))
    if op == "**=":
        return "**= 2"
    if op == "/=":
        return f"/= {g.pick((g.const(0.8, 2.0), '(1.0 + y * y)') if names else (g.const(0.8, 2.0),))}"
    if op == "*=" and in_loop:
        return f"*= {g.const(0.5, 0.95)}"
    options = [g.const()] + (["y"] if names else []) + (
        ["np.sin(x)", "x"] if target_is_array and names else [])
    return f"{op} {g.pick(options)}"


def alias_snippet(g: Gen, kind: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(module lines, statements, arrays the result uses, scalars the result uses)."""
    aug, faug, c = augmented(g), augmented(g, False), g.const()
    inner = augmented(g, names=False)   # in a function of its own: no x or y there
    part = re.sub(r" (np\.sin\(x\)|x)$", " y", aug)   # for a view or a slice: no array of n
    view = g.pick(VIEWS)
    snippets = {
        "param_inplace": ([], [f"x {aug}"], ["x"], []),
        "name_alias": ([], ["a = x", f"a {aug}"], [g.pick(("x", "a"))], []),
        "tuple_alias": ([], [f"p = (x, {c})", "t, s = p", f"t {aug}"], ["x"], ["s"]),
        "tuple_float": ([], ["p = (x * y, y)", "a, b = p", "b = y", "for i in range(2):",
                             f"    y {augmented(g, False, True)}"], ["a"], ["b", "y"]),
        "list_alias": ([], g.pick((["xs = [x, y]", "a = xs[0]", f"a {aug}"],
                                   ["xs = [x, y]", f"xs[0] {aug}"])), ["x"], ["xs[1]"]),
        "nested_alias": ([], ["p = [x]", "q = p", f"q[0] {aug}"], ["x", "p[0]"], []),
        "dict_alias": ([], ['d = {"w": x, "s": y}', 'w = d["w"]', f"w {aug}"],
                       ["x", 'd["w"]'], ['d["s"]']),
        "attribute": (HOLDER, ["h = Holder(x)", f"h.v {aug}"], ["x", "h.v"], []),
        "callee_inplace": (["def shrink(a):", f"    a {inner}", "    return np.sum(a)", "", ""],
                           ["c = shrink(x)"], ["x"], ["c"]),
        "callee_returns_arg": (["def shrink(a):", f"    a {inner}", "    return a", "", ""],
                               ["c = shrink(x)"], ["x", "c"], []),
        "return_alias": (["def ident(a):", "    return a", "", ""],
                         ["b = ident(x)", f"b {aug}"], ["x"], []),
        "view_then_inplace": ([], [f"c = x{view}", f"x {aug}"], ["x"], ["np.sum(c ** 2)"]),
        "inplace_on_view": ([], [f"c = x{view}", f"c {part}"], ["x"], ["np.sum(np.sin(c))"]),
        "slice_write": ([], g.pick((["a = x", f"a[1:] = a[1:] * {c}"], ["a = x", "a[0] = y"],
                                    ["c = x[1:]", "c[0] = y * 0.5"], ["a = x", f"a[:2] {part}"])),
                        ["x"], []),
        "out_arg": ([], g.pick(([f"np.multiply(x, {c}, out=x)"], ["a = x", "np.add(a, y, out=a)"],
                                ["np.sin(x, out=x)"], ["a = x", "b = a", "np.tanh(a, out=b)"],
                                ["np.clip(x, -0.5, 0.5, out=x)"])), ["x"], []),
        "out_fresh": ([], ["a = np.empty_like(x)", f"np.multiply(x, {c}, out=a)"], ["a", "x"], []),
        "method": ([], g.pick((["a = x", f"a.fill({c})"], ["a = x", "np.copyto(a, np.sin(x) * y)"],
                               ["a = x", "a.sort()"], ["x.sort()"], ["np.put(x, [0], y)"],
                               ["x[...] = np.tanh(x)"], ["a = x", "a.clip(-0.5, 0.5, out=a)"])),
                   ["x"], []),
        "method_fresh": ([], g.pick((["a = x * 1.0", "a.sort()"], ["a = x.copy()", f"a.fill({c})"],
                                     ["a = np.zeros_like(x)", "np.copyto(a, np.sin(x) * y)"])),
                         ["a", "x"], []),
        "loop_inplace": ([], [g.pick(("a = x", "a = x.copy()")), f"for i in range({g.pick((1, 2, 3))}):",
                              f"    a {augmented(g, True, True)}"], ["x", "a"], []),
        "float_rebind": ([], g.pick((["b = y", f"y {faug}"], ["e = x[0]", "e *= 2.0"])),
                         ["x"], g.pick((["b", "y"], ["y"]))),
        "fresh_inplace": ([], [f"a = {g.array(['x'], ['y'], 1)}", f"a {aug}"], ["a"], []),
        "array_rhs": ([], [g.pick(("a = x * 1.0", "a = x")), g.pick(("a += x", "a *= np.sin(x)",
                                                                      "a -= x * y"))], ["a", "x"], []),
    }
    if kind == "float_rebind" and snippets[kind][1][0].startswith("e ="):
        snippets[kind] = ([], snippets[kind][1], ["x"], ["e", "y"])
    return snippets[kind]


ALIAS_KINDS = ("param_inplace", "name_alias", "tuple_alias", "tuple_float", "list_alias",
               "nested_alias", "dict_alias", "attribute", "callee_inplace", "callee_returns_arg",
               "return_alias", "view_then_inplace", "inplace_on_view", "slice_write", "out_arg",
               "out_fresh", "method", "method_fresh", "loop_inplace", "float_rebind",
               "fresh_inplace", "array_rhs")


def alias_program(g: Gen) -> Spec:
    kind = g.pick(ALIAS_KINDS)
    module, stmts, arrays, scalars = alias_snippet(g, kind)
    before = [f"u = {g.array(['x'], ['y'], 1)}"] if g.chance(0.4) else []
    body = before + stmts + g.body(arrays + (["u"] if before else []), scalars + ["y"],
                                   steps=g.rng.randint(0, 1), prefix="v")
    f, args, wrt = f_and_args(g, body)
    return Spec(kind, module + f, args, wrt)


# ---------------------------------------------------------------- 6. values used only on paths that do not run

DEAD_VALUES = {   # a value computed from x (length n) and y, and an expression using it
    "cumsum": ("np.cumsum(x)", "np.sum({v})"), "cumprod": ("np.cumprod(x)", "np.sum({v})"),
    "matvec": ("x @ W", "np.sum({v} ** 2)"), "matvec_left": ("W @ x", "np.sum(np.sin({v}))"),
    "dot": ("np.dot(W, x)", "np.sum({v})"), "index": ("x[{i}]", "{v} * 2.0"),
    "slice": ("x[1:]", "np.sum({v})"), "fancy": ("x[[0, 2]]", "np.sum({v})"),
    "mask": ("x[x > 0.0]", "np.sum({v})"), "array_of_values": ("np.array([x[0], y])", "np.sum({v})"),
    "list": ("[x[0], x[1] * y]", "sum({v})"), "list_index": ("[x[0], x[1] * y]", "{v}[1]"),
    "reshape": ("np.reshape(x, (-1, 1))", "np.sum({v} @ {v}.T)"), "sort": ("np.sort(x)", "{v}[0]"),
    "norm": ("np.linalg.norm(x)", "{v}"), "inv": ("np.linalg.inv(np.outer(x, x) + 3.0 * np.eye(len(x)))",
                                                  "np.sum({v})"),
    "solve": ("np.linalg.solve(np.outer(x, x) + 2.0 * np.eye(len(x)), x)", "np.sum({v})"),
    "det": ("np.linalg.det(np.eye(len(x)) + np.outer(x, x))", "{v}"),
    "eigvalsh": ("np.linalg.eigvalsh(np.outer(x, x) + np.eye(len(x)) * np.arange(1.0, len(x) + 1.0))",
                 "np.sum({v})"),
    "concatenate": ("np.concatenate([x, x * y])", "np.sum({v} ** 2)"),
    "stack": ("np.stack([x, x * y])", "np.sum({v}[1])"), "outer": ("np.outer(x, x)", "np.trace({v})"),
    "diff": ("np.diff(x)", "np.sum({v})"), "prod": ("np.prod(x)", "{v}"), "max": ("np.max(x)", "{v}"),
    "flip": ("np.flip(x)", "{v}[0]"), "roll": ("np.roll(x, 1)", "np.sum({v} * x)"),
    "tile": ("np.tile(x, 2)", "np.sum({v})"), "where": ("np.where(x > 0.0, x, 0.0)", "np.sum({v})"),
    "take": ("np.take(x, [0, 1])", "np.sum({v})"), "kron": ("np.kron(x, x)", "np.sum({v})"),
    "einsum": ("np.einsum('i,i->', x, x)", "{v}"), "tuple": ("(x, y)", "np.sum({v}[0]) * {v}[1]"),
    "dict": ("{{'a': x, 'b': y}}", "np.sum({v}['a']) * {v}['b']"), "var": ("np.var(x)", "{v}"),
    "std": ("np.std(x)", "{v}"), "expand_dims": ("np.expand_dims(x, 0)", "np.sum({v})"),
    "broadcast_to": ("np.broadcast_to(x, (2, len(x)))", "np.sum({v})"),
    "r_": ("np.r_[x, x]", "np.sum({v})"), "sqrt_float": ("math.sqrt(y)", "{v}"),
    "comprehension": ("[v * v for v in x]", "sum({v})"), "matmul_matrix": ("np.outer(x, x) @ W", "np.sum({v})"),
}
TRUE_CONDITIONS = ("x[0] > -5.0", "np.sum(x * x) < 100.0", "y < 50.0", "len(x) > 0",
                   "np.max(x) < 10.0")
FALSE_CONDITIONS = ("x[0] < -5.0", "np.sum(x * x) > 100.0", "y > 50.0", "len(x) == 0",
                    "np.max(x) > 10.0")


def deadpath_program(g: Gen) -> Spec:
    value = g.pick(DEAD_VALUES)
    define, use = DEAD_VALUES[value]
    define = define.format(i=g.rng.randrange(g.n))
    use = use.format(v="v")
    live = [ln.replace("return ", "s = ", 1) for ln in g.body(["x"], ["y"], prefix="w")]
    shape = g.pick(("early_return", "branch_not_taken", "else_not_taken", "loop_zero",
                    "while_zero", "break_first", "callee_early_return", "defined_in_dead_branch"))
    true, false = g.pick(TRUE_CONDITIONS), g.pick(FALSE_CONDITIONS)
    module: list[str] = []
    dead = {
        "early_return": [f"v = {define}"] + live + [f"if {true}:", "    return s", f"return {use} + s"],
        "branch_not_taken": [f"v = {define}"] + live + [f"if {false}:", f"    s = s + {use}", "return s"],
        "else_not_taken": [f"v = {define}"] + live + [f"if {true}:", "    s = s * 1.5", "else:",
                                                      f"    s = s + {use}", "return s"],
        "loop_zero": [f"v = {define}"] + live + [
            f"for i in {g.pick(('range(0)', 'range(len(x) - len(x))', 'range(3, 3)', 'x[:0]'))}:",
            f"    s = s + {use}", "return s"],
        "while_zero": [f"v = {define}"] + live + ["k = 0", f"while k < 0 and {true}:",
                                                  f"    s = s + {use}", "    k += 1", "return s"],
        "break_first": [f"v = {define}"] + live + ["for i in range(3):", f"    if {true}:",
                                                   "        break", f"    s = s + {use}", "return s"],
        "defined_in_dead_branch": live + [f"if {false}:", f"    v = {define}", f"    s = s + {use}",
                                          "return s"],
    }
    if shape == "callee_early_return":
        module = ["def part(v, x, y):", f"    if {true}:", "        return np.sum(x) * y",
                  f"    return {use}", "", ""]
        body = [f"v = {define}"] + live + ["return s + part(v, x, y)"]
    else:
        body = dead[shape]
    if "W" in define:
        module = [f"W = np.array([{', '.join(g.vector() for _ in range(g.n))}])", "", ""] + module
    f, args, wrt = f_and_args(g, body)
    return Spec(f"{value}@{shape}", module + f, args, wrt)


# ---------------------------------------------------------------- whole programs

GENERATORS: dict[str, Callable[[Gen], Spec]] = {
    "closure": closure_program, "decorator": decorator_program, "names": names_program,
    "output": output_program, "alias": alias_program, "deadpath": deadpath_program}


def class_of(seed: int) -> str:
    return CLASSES[seed % len(CLASSES)]


def program(seed: int) -> Program:
    """The program of ``seed`` (its class is ``CLASSES[seed % 6]``)."""
    cls = class_of(seed)
    rng = random.Random(seed)
    spec = GENERATORS[cls](Gen(rng, rng.choice((3, 4))))
    source = "\n".join(spec.header + ["", ""] + spec.lines) + "\n"
    return Program(seed, cls, spec.kind, source, spec.args, spec.wrt, spec.steps, spec.output)


# ---------------------------------------------------------------- the soak

def _alarm(signum, frame):
    raise Timeout()


def checked(seed: int, hessian: bool = True, seconds: int = 0) -> tuple[Program, Result]:
    """The program of ``seed`` and its result (TIMEOUT after ``seconds`` if nonzero)."""
    prog = program(seed)
    if seconds:
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(seconds)
    try:
        return prog, check(prog, hessian)
    except Timeout:
        return prog, Result("TIMEOUT", f"over {seconds} s")
    finally:
        if seconds:
            signal.alarm(0)


def soak(seeds, hessian: bool = True, seconds: int = 120, quiet: bool = False,
         verbose: bool = False, kinds: bool = False) -> dict:
    """Check ``seeds``; print each bad program as it is found (``verbose``: every bad mode),
    then a table per class."""
    tally: dict[str, collections.Counter] = {c: collections.Counter() for c in CLASSES}
    by_kind: dict[tuple[str, str], collections.Counter] = collections.defaultdict(
        collections.Counter)
    modes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    skips: collections.Counter = collections.Counter()
    for seed in seeds:
        prog, result = checked(seed, hessian, seconds)
        tally[prog.cls][result.outcome] += 1
        by_kind[prog.cls, kind_group(prog)][result.outcome] += 1
        for mode, outcome in result.modes.items():
            modes[mode][outcome] += 1
        if result.outcome == "SKIP":
            skips[f"{prog.cls}: {re.sub(r'[0-9.e+-]{4,}', '#', result.message)[:90]}"] += 1
        if result.outcome in BAD + ("TIMEOUT",) and not quiet:
            print(f"seed {seed} [{prog.cls}/{prog.kind}] {result.outcome} {result.message}",
                  flush=True)
            for mode, outcome in result.modes.items() if verbose else ():
                if outcome in BAD and not result.message.startswith(mode + ":"):
                    print(f"    {mode}: {outcome} {result.messages[mode]}", flush=True)
    print_table(tally, modes, skips)
    if kinds:
        print("\nper kind:")
        for (cls, kind), rows in sorted(by_kind.items()):
            print(f"  {cls:9} {kind:34}" + "".join(f" {o}={rows[o]}" for o in OUTCOMES if rows[o]))
    return tally


def kind_group(prog: Program) -> str:
    """The kind of a program without its details: the roles of names, the styles of
    decorators, the value of a dead path."""
    if prog.cls == "deadpath":
        return prog.kind.split("@")[0]
    if prog.cls == "names":
        return "+".join(sorted({role.split(":")[1] for role in prog.kind.split(",")}))
    if prog.cls == "decorator":
        tags, where = prog.kind.split("@")
        return "+".join(sorted({t.split("/")[-1] for t in tags.split("+")})) + "@" + where
    return prog.kind


def print_table(tally, modes, skips) -> None:
    print(f"\n{'class':10}" + "".join(f"{o:>9}" for o in OUTCOMES) + f"{'total':>9}")
    for name, rows in [(c, tally[c]) for c in CLASSES if tally[c]] + [
            ("all", sum(tally.values(), collections.Counter()))]:
        print(f"{name:10}" + "".join(f"{rows[o]:9d}" for o in OUTCOMES)
              + f"{sum(rows.values()):9d}")
    print("\nper mode (its worst outcome in each program; (kept): built before the change):")
    for mode, rows in sorted(modes.items()):
        print(f"  {mode:14}" + "".join(f" {o}={rows[o]}" for o in SEVERITY if rows[o]))
    if skips:
        print("\nskipped:")
        for reason, count in skips.most_common(12):
            print(f"  {count:6d}  {reason}")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("start", type=int, nargs="?", default=0)
    parser.add_argument("count", type=int, nargs="?", default=600)
    parser.add_argument("--class", dest="cls", choices=CLASSES)
    parser.add_argument("--show", type=int, metavar="SEED", help="print a program and its result")
    parser.add_argument("--no-hessian", action="store_true")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per program")
    parser.add_argument("--quiet", action="store_true", help="only the table")
    parser.add_argument("--verbose", action="store_true", help="every bad mode of a program")
    parser.add_argument("--kinds", action="store_true", help="a table per kind of program too")
    opts = parser.parse_args(argv)
    if opts.show is not None:
        prog, result = checked(opts.show, not opts.no_hessian)
        print(f"# seed {prog.seed}: class {prog.cls}, kind {prog.kind}, wrt {prog.wrt}, "
              f"steps {prog.steps}, output {prog.output}")
        print(prog.source)
        print(f"# args = {prog.args!r}")
        print(f"# {result.outcome} {result.message}")
        for mode, outcome in result.modes.items():
            print(f"# {mode}: {outcome} {result.messages[mode]}")
        return
    seeds = range(opts.start, opts.start + opts.count)
    if opts.cls:
        offset = (CLASSES.index(opts.cls) - opts.start) % len(CLASSES)
        seeds = range(opts.start + offset, opts.start + offset + len(CLASSES) * opts.count,
                      len(CLASSES))
    soak(seeds, not opts.no_hessian, opts.timeout, opts.quiet, opts.verbose, opts.kinds)


if __name__ == "__main__":
    main(sys.argv[1:])
