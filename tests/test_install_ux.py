"""Issue 19, install and dependencies: a light ``import adcompiler``, optional
extras that fail with one line naming the ``pip install``, a portable sympy
child process, and the files a package needs (LICENSE, CHANGELOG, py.typed)."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap

import pytest

import adcompiler
from adcompiler.views import textstyle
from adcompiler.views.compgraph import RenderError
from adcompiler.runtime.extras import MissingExtra, require

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "gradient_descent.py")

# a meta-path finder that makes the named top-level modules uninstallable, as
# in a fresh ``pip install adcompiler`` without the extras
BLOCK = textwrap.dedent("""
    import sys
    class Block:
        def __init__(self, names): self.names = names
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.names:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, Block(BLOCKED))
""")


def run_python(code: str, blocked=(), env_extra=None, timeout=120):
    """Run ``code`` as a script file (adcompiler reads functions' source, so
    not ``python -c``) with the ``blocked`` modules uninstallable."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    prelude = BLOCK.replace("BLOCKED", repr(set(blocked))) if blocked else ""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "script.py")
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(prelude + textwrap.dedent(code))
        return subprocess.run([sys.executable, script], capture_output=True, text=True,
                              env=env, timeout=timeout, cwd=ROOT)


def test_import_loads_no_optional_or_heavy_module():
    r = run_python("""
        import sys, adcompiler
        print(sorted(m for m in ("pygments", "graphviz", "sympy", "matplotlib")
                     if m in sys.modules))
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_package_works_without_pygments_and_graphviz():
    r = run_python("""
        import adcompiler
        from math import sin
        def f(w):
            return w * sin(w)
        print(round(adcompiler.grad(f)(1.0), 12))
        print(adcompiler.wengert(f).to_text(color=True).count("\\x1b[") > 0)
    """, blocked=("pygments", "graphviz"))
    assert r.returncode == 0, r.stderr
    import math
    lines = r.stdout.split()
    assert float(lines[0]) == round(math.sin(1.0) + math.cos(1.0), 12)
    assert lines[1] == "True"  # tables colour with plain ANSI codes


def test_color_always_without_pygments_is_one_line_naming_the_extra():
    r = run_python(f"""
        import sys
        from adcompiler.cli.commands import main
        sys.exit(main(["compile", {EXAMPLE!r}, "--color", "always"]))
    """, blocked=("pygments",))
    assert r.returncode != 0
    assert "Traceback" not in r.stderr and "ModuleNotFoundError" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "pip install 'adcompiler[color]'" in lines[0] and "pygments" in lines[0]


def test_color_auto_without_pygments_prints_plain_code():
    r = run_python(f"""
        import sys
        from adcompiler.cli.commands import main
        sys.exit(main(["compile", {EXAMPLE!r}, "--color", "auto"]))
    """, blocked=("pygments",))
    assert r.returncode == 0, r.stderr
    assert "def J_grad" in r.stdout and "\x1b[" not in r.stdout and r.stderr == ""


def test_require_names_the_extra():
    with pytest.raises(MissingExtra, match=r"pip install 'adcompiler\[color\]'"):
        require("adcompiler_no_such_module", "color", "colour highlighting")
    assert require("adcompiler_no_such_module", "color", "x", strict=False) is None
    assert isinstance(MissingExtra("x"), adcompiler.UsageError)


def test_paint_matches_pygments_console_codes():
    colorize = pytest.importorskip("pygments.console").colorize
    for style in ("bold", "faint", "green", "yellow", "magenta", "cyan"):
        assert textstyle.paint("v₁", style, True) == colorize(style, "v₁")
    assert textstyle.paint("x", "bold+cyan", True) == colorize("cyan", colorize("bold", "x"))


def test_highlight_with_pygments_colours():
    pytest.importorskip("pygments")
    out = textstyle.highlight_python("def f(x):\n    return x\n", True, required=True)
    assert "\x1b[" in out and "return" in out


def _fake_dot(tmp_path, body: str) -> str:
    script = tmp_path / "dot"
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(tmp_path) + os.pathsep + os.environ.get("PATH", "")


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for dot")
def test_dot_is_called_directly_and_its_failure_is_a_clear_error(monkeypatch, tmp_path):
    def f(x):
        return x * x

    g = adcompiler.graph(f)
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, 'cat > "$0.in"; echo "<svg>$1</svg>"'))
    assert g.pipe("svg") == b"<svg>-Tsvg</svg>\n"
    assert (tmp_path / "dot.in").read_text(encoding="utf-8") == g.source
    monkeypatch.setenv("PATH", _fake_dot(tmp_path, 'echo "syntax error in line 1" >&2; exit 1'))
    with pytest.raises(RenderError, match="Graphviz dot failed: syntax error in line 1"):
        g.pipe("png")


def test_swell_worker_is_a_plain_subprocess_not_a_fork(monkeypatch):
    """No ``fork`` and no ``multiprocessing`` (absent or unsafe on some OSes):
    the sympy worker is started by ``subprocess`` and gets the problem pickled."""
    import multiprocessing

    from adcompiler.swellstudy import sympy_worker

    def no_multiprocessing(*args, **kwargs):
        raise AssertionError("swell must not use multiprocessing")

    monkeypatch.setattr(multiprocessing, "get_context", no_multiprocessing)
    monkeypatch.setattr(os, "fork", no_multiprocessing, raising=False)
    sympy_worker.stop()

    def f(x):
        return x * x * x

    row = adcompiler.swell(f, wrt=0, at=(2.0,)).rows[0]
    assert row.sympy["value"] == [12.0] and row.agrees
    worker = sympy_worker.get()  # kept for the next call
    assert worker.alive() and adcompiler.swell(f, wrt=0, at=(1.0,)).rows[0].agrees
    assert sympy_worker.get() is worker


def test_an_overrun_is_reported_and_the_worker_carries_on():
    """The worker stops an overrunning sympy step with its own alarm: the
    step is ``> budget``, and the same process serves the next request."""
    from adcompiler.swellstudy import sympy_worker
    from adcompiler.swellstudy.families import sweep_family
    from adcompiler.swellstudy.sympy_steps import OVER, Budget
    first = sympy_worker.get()
    row = sweep_family("logistic", (14,), Budget(seconds=0.3, simplify_seconds=0.3)).rows[0]
    assert row.sympy["raw"] == OVER and row.sympy["simplify"] == OVER
    if hasattr(__import__("signal"), "setitimer"):
        assert sympy_worker.get() is first and first.alive()


def test_a_worker_that_does_not_answer_is_killed_and_replaced(monkeypatch):
    """The parent's backstop (a long C call, or no SIGALRM): no answer within
    the budget plus the grace kills the worker; a fresh one is started."""
    from adcompiler.swellstudy import sympy_worker
    from adcompiler.swellstudy.families import sweep_family
    from adcompiler.swellstudy.sympy_steps import OVER, Budget
    first = sympy_worker.get()
    monkeypatch.setattr(sympy_worker, "GRACE_SECONDS", -2.7)  # parent waits 0.3 s
    row = sweep_family("logistic", (14,), Budget(seconds=3.0, simplify_seconds=3.0)).rows[0]
    assert row.sympy["raw"] == OVER
    assert not first.alive()
    assert sympy_worker.get().alive()


def test_interrupting_a_step_never_reuses_the_busy_worker(monkeypatch):
    from adcompiler.swellstudy import sympy_steps
    from adcompiler.swellstudy import sympy_worker
    worker = sympy_worker.get()

    def interrupted(self, seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(sympy_worker.Worker, "receive", interrupted)
    import sympy
    x = sympy.Symbol("x")
    problem = sympy_steps.Problem(sympy.sin(x), (x,), {x: 0.5}, sympy_steps.Budget())
    with pytest.raises(KeyboardInterrupt):
        sympy_steps.run_steps(problem)
    assert not worker.alive()


def test_swell_runs_from_an_unguarded_script(tmp_path):
    """A user's script calling swell at top level (no ``__main__`` guard, which
    ``multiprocessing``'s ``spawn`` would re-run in its child)."""
    script = tmp_path / "user.py"
    script.write_text(textwrap.dedent("""
        import adcompiler

        def f(x):
            return x * x * x

        print(adcompiler.swell(f, wrt=0, at=(2.0,)).rows[0].sympy["value"])
    """), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[12.0]" and r.stderr == ""


def _read(name: str) -> str:
    with open(os.path.join(ROOT, name), encoding="utf-8") as fh:
        return fh.read()


def test_package_files():
    assert os.path.exists(os.path.join(ROOT, "adcompiler", "py.typed"))
    assert _read("LICENSE").startswith("MIT License")
    changelog = _read("CHANGELOG.md")
    assert f"## {adcompiler.__version__}" in changelog
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)["project"]
    deps = " ".join(project["dependencies"])
    assert "pygments" not in deps and "graphviz" not in deps
    assert "pygments" in " ".join(project["optional-dependencies"]["color"])
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]
    assert project["version"] == adcompiler.__version__


# ---------------------------------------------------------------- time budgets
needs_alarm = pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"),
                                 reason="no SIGALRM on this platform")


@needs_alarm
def test_a_slow_sympy_call_is_stopped_by_its_budget():
    import time

    import sympy
    from budget import BudgetExceeded, sympy_call
    hard = (2 ** 61 - 1) * (2 ** 89 - 1)  # factorint takes far longer than seconds
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match="sympy's factorint overran its time budget"):
        sympy_call(sympy.factorint, hard, seconds=0.3)
    assert time.monotonic() - start < 2.0


@needs_alarm
def test_budgets_nest_and_the_outer_one_still_fires():
    import time

    from budget import BudgetExceeded, time_budget
    start = time.monotonic()
    with pytest.raises(BudgetExceeded, match="outer"):
        with time_budget(0.5, "outer"):
            with time_budget(5.0, "inner"):
                pass
            while True:  # the outer budget is re-armed after the inner block
                time.sleep(0.01)
    assert time.monotonic() - start < 3.0


HANGING_TESTS = """
import time
import pytest
from hypothesis import given, settings, strategies as st

CALLS = []


@pytest.mark.budget(0.5)
def test_hangs():
    while True:
        time.sleep(0.01)


@pytest.mark.budget(0.5)
@settings(max_examples=50, deadline=None, database=None)
@given(st.integers())
def test_hangs_under_hypothesis_and_swallows_exceptions(n):
    CALLS.append(n)
    try:
        while True:
            time.sleep(0.01)
    except Exception:
        pass


def test_hypothesis_ran_the_hanging_example_once():
    assert len(CALLS) == 1
"""


@needs_alarm
def test_every_test_runs_under_a_budget_that_nothing_swallows(tmp_path):
    """The conftest hook fails a test that would hang (budget 0.5 s); inside a
    hypothesis test, even code catching Exception cannot swallow the overrun,
    and hypothesis does not shrink (re-run) the slow example."""
    import time
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    for name in ("conftest.py", "budget.py"):  # the suite's own hook, unchanged
        shutil.copy(os.path.join(tests_dir, name), tmp_path / name)
    (tmp_path / "test_hang.py").write_text(HANGING_TESTS, encoding="utf-8")
    start = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "no:xdist", "-W", "ignore", str(tmp_path)],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert "2 failed, 1 passed" in r.stdout, r.stdout + r.stderr
    assert "BudgetExceeded: test test_hang.py::test_hangs overran its time budget of 0.5 s" \
        in r.stdout
    assert time.monotonic() - start < 30


# ---------------------------------------------------------------- floors
def test_numpy_python_functions_are_library_code_not_helpers(module_from_source):
    """NumPy 1.24 (the floor) implements np.linalg.inv as a Python function of
    module ``numpy.linalg``; it was inlined as a user helper and failed with
    '<__array_function__ internals>: decorators other than @grad'."""
    mod = module_from_source(textwrap.dedent("""
        def lib(x):
            return x * 3.0

        lib.__module__ = "numpy.linalg"

        def f(x):
            return lib(x)
    """))
    with pytest.raises(adcompiler.CompileError, match=r":8:12: error: the function lib is "
                                                      "not supported"):
        adcompiler.grad(mod.f)(1.0)


def test_pyproject_floors_are_the_ones_ci_runs():
    """The declared floors are exactly what .ci/run installs for its floor run."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    floors = {d.split(">=")[0]: d.split(">=")[1] for d in deps if ">=" in d}
    ci = _read(os.path.join(".ci", "run"))
    for package in ("numpy", "sympy"):
        assert f"{package}=={floors[package]}" in ci, package


def test_ci_runs_exactly_the_readme_test_command():
    readme = _read("README.md")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0] == "pip install -e . && adc compile examples/gradient_descent.py"
    assert block[1].startswith("pip install -e '.[test]' && python -m pytest")
    assert block[1] in _read(os.path.join(".ci", "run")).splitlines()
