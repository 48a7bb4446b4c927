"""Every Python block in the README runs, as a new user would paste it (the generated-code
blocks too: they are plain Python with NumPy and math)."""
import math
import re
from pathlib import Path

import numpy as np
import pytest

import sourcead

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{k}" for k in range(len(BLOCKS))])
def test_block_runs(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "readme_block.py"  # a real file, so sourcead can read its functions
    path.write_text("import math\nimport numpy as np\nimport sourcead\n" + block)
    namespace = {"__name__": "readme_block"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)


def test_readme_examples_give_the_numbers_it_claims():
    def f(x: float, y: float) -> float:
        return x * x * y + y + 2
    assert sourcead.grad(f, wrt=(0, 1))(3.0, 4.0) == (24.0, 10.0)
    def g(x: float) -> float:
        return math.sin(x) * x
    third = sourcead.grad(sourcead.grad(sourcead.grad(g)))(1.3)
    assert third == pytest.approx(-1.3 * math.cos(1.3) - 3 * math.sin(1.3), rel=1e-14)


def test_readme_excerpts_of_generated_code_are_what_sourcead_generates():
    """``py`` blocks are excerpts of generated code (not runnable alone): each line of one
    is in the code sourcead generates for the function it quotes."""
    import sys
    sys.path.insert(0, str(README.parent / "tests"))
    import models
    excerpts = re.findall(r"```py\n(.*?)```", README.read_text(), re.S)
    assert excerpts
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal((4, 3)),
            rng.standard_normal(3), rng.standard_normal((6, 5)), np.eye(3)[[0, 1, 2, 0, 1, 2]])
    generated = sourcead.source(sourcead.grad(models.mlp, wrt=(0, 1, 2, 3)), *args)
    lines = [line.strip() for line in generated.splitlines()]
    for excerpt in excerpts:
        for line in excerpt.strip().splitlines():
            assert line.strip() in lines, line


def _command_line_section() -> str:
    text = README.read_text()
    return text[text.index("## Command line"):text.index("## What is supported")]


def test_readme_command_line_commands_run_and_print_what_it_shows():
    """The commands of the Command line section run (from the checkout's root, as the first
    lines of the README); the code block after them is the end of the first one's output."""
    import shlex
    import subprocess
    import sys
    section = _command_line_section()
    commands = re.findall(r"```bash\n(.*?)```", section, re.S)[0].strip().splitlines()
    assert len(commands) >= 3
    outputs = []
    for line in commands:
        argv = shlex.split(line, comments=True)
        assert argv[:3] == ["python", "-m", "sourcead"] and "--args" in argv, line
        run = subprocess.run([sys.executable] + argv[1:], cwd=README.parent,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    shown = re.findall(r"```text\n(.*?)```", section, re.S)[0]
    assert outputs[0].endswith(shown)
