"""The command line never shows a traceback, and says what is wrong the way a
compiler does (issue 19, "CLI").  The bad-input corpus (tests/bad_inputs/)
covers files; this file covers options, outputs, encodings, the notes of a
plain ``adc compile`` and the examples' own commands."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import adcompiler
from adcompiler import UsageError
from adcompiler.cli.commands import build_parser, compile_file, main
from adcompiler.cli.help import EXAMPLES
from adcompiler.cli.diagnostics import caret_line
from adcompiler.cli.progress import Progress

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = sorted((ROOT / "examples").glob("*.py"))


def adc(*args, cwd=None):
    """``python -m adcompiler ARGS`` as a user runs it (a real process: a
    traceback would show on its stderr)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("ADC_TRACEBACK", None)
    return subprocess.run([sys.executable, "-m", "adcompiler", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT, env=env, timeout=120)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(textwrap.dedent(text).encode(encoding))
    return path


SCALAR = """\
def f(x, w):
    return x * w
"""

ARRAYS = """\
import numpy as np


def f(w, X):
    return np.sum(X @ w)
"""


# ---------------------------------------------------------------- options
def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"adc (adcompiler) {adcompiler.__version__}"


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_every_subcommand_has_examples_and_file_help(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "examples:\n  adc " + command in out
    words = " ".join(out.split())
    assert "positional arguments: FILE" in words and "never" in words.split("FILE", 2)[2]


def test_every_subcommand_is_described():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(EXAMPLES)


def test_compile_epilogue_commands_run(tmp_path, capsys, monkeypatch):
    """The examples in ``adc compile --help`` work on a file they fit."""
    write(tmp_path, "model.py", """\
        import numpy as np


        def loss(w, b, X):
            return np.sum((X @ w + b) ** 2)


        def f(x, y):
            return x * x * y


        def cost(x, *args):
            a, b = args
            return a * x * x + b
        """)
    monkeypatch.chdir(tmp_path)
    for line in EXAMPLES["compile"].splitlines()[1:]:
        argv = shlex.split(line.split("|")[0], comments=True)
        code, out, err = run_main(argv[1:], capsys)
        assert code == 0, (line, err)
    assert (tmp_path / "loss_grad.py").exists()


def test_output_dash_writes_the_module_to_stdout(tmp_path):
    path = write(tmp_path, "m.py", SCALAR)
    r = adc("compile", path, "-o", "-", "--color", "always")
    assert r.returncode == 0, r.stderr
    assert r.stdout == compile_file(str(path), [], None)
    assert "\x1b[" not in r.stdout and not (tmp_path / "-").exists()


@pytest.mark.parametrize("where,reason", [
    ("missing/out.py", "does not exist"),
    (".", "Is a directory"),
    ("m.py/out.py", "Not a directory"),  # unwritable: a file stands where a folder should
])
def test_output_that_cannot_be_written(tmp_path, where, reason):
    path = write(tmp_path, "m.py", SCALAR)
    r = adc("compile", path, "-o", tmp_path / where)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{path}: error: cannot write ") and reason in r.stderr
    assert r.stderr.count("\n") == 1


@pytest.mark.parametrize("shapes,bad", [("w=3x", "''"), ("X=3xq!", "'q!'"), ("=3", "parameter")])
def test_malformed_shapes(tmp_path, shapes, bad):
    path = write(tmp_path, "m.py", ARRAYS)
    r = adc("compile", path, "--shapes", shapes)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "--shapes" in r.stderr and bad in r.stderr


def test_wrt_twice_is_refused_like_the_api(tmp_path, capsys):
    path = write(tmp_path, "m.py", SCALAR)
    assert main(["compile", str(path), "--wrt", "x,x"]) == 1
    assert f"{path}:1:1: error: wrt names parameter 'x' twice" in capsys.readouterr().err
    assert main(["compile", str(path), "--wrt", "x,0"]) == 1
    assert main(["compile", str(path), "--wrt", ""]) == 1
    assert "error: wrt is empty" in capsys.readouterr().err
    with pytest.raises(UsageError):
        adcompiler.grad(lambda_free_f, wrt=("x", "x"))


def lambda_free_f(x, w):
    return x * w


def test_wrong_function_suggests_the_closest(tmp_path, capsys):
    path = write(tmp_path, "m.py", SCALAR + "\n\ndef loss(a):\n    return a\n")
    assert main(["compile", str(path), "-f", "los"]) == 1
    err = capsys.readouterr().err
    assert "no top-level function named 'los'; did you mean 'loss'? (functions: f, loss)" in err
    assert main(["wengert", str(path), "-f", "zzz"]) == 1
    err = capsys.readouterr().err
    assert "did you mean" not in err and "(functions: f, loss)" in err


# ---------------------------------------------------------------- diagnostics
def test_error_shows_the_line_and_a_caret(tmp_path, capsys):
    path = write(tmp_path, "m.py", "def f(x):\n    y = x + {'a': x}['a']\n    return y\n")
    assert main(["compile", str(path)]) == 1
    head, line, caret = capsys.readouterr().err.rstrip("\n").split("\n")
    assert head.startswith(f"{path}:2:13: error: dict literal")
    assert line == "        y = x + {'a': x}['a']"
    assert caret == " " * 16 + "^" and line[len(caret) - 1] == "{"


def test_caret_counts_characters_not_bytes(tmp_path, capsys):
    """The AST's columns count UTF-8 bytes: the caret still lands under the
    construct after non-ASCII text."""
    path = write(tmp_path, "m.py", "def f(x):\n    é = x; d = {'é': é}\n    return x\n")
    assert main(["compile", str(path)]) == 1
    _, line, caret = capsys.readouterr().err.rstrip("\n").split("\n")
    assert line[len(caret) - 1] == "{"


def test_caret_keeps_tabs():
    assert caret_line("\tx = {1: 2}", 6, chars=True) == "\t    ^"
    assert caret_line("x", 0, chars=True) == ""


def test_invalid_syntax_is_said_once(tmp_path, capsys):
    path = write(tmp_path, "m.py", "def f(x):\n    return x +* x\n")
    assert main(["compile", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:2:15: error: invalid syntax\n")
    assert err.count("invalid syntax") == 1


def test_shape_hint_is_worded_for_the_command_line(tmp_path, capsys):
    path = write(tmp_path, "m.py", ARRAYS)
    assert main(["compile", str(path)]) == 1
    err = capsys.readouterr().err
    assert "--shapes X=N for a vector, X=NxD for a matrix" in err
    assert "call the gradient" not in err
    with pytest.raises(adcompiler.CompileError, match="call the gradient with arrays"):
        from adcompiler.cli.commands import compile_file as cf
        cf(str(path), ["f"], None)  # the API-facing message is unchanged


def test_internal_error_is_one_line(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, "m.py", SCALAR)
    import adcompiler.cli.commands as cli

    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(cli, "compile_file", broken)
    monkeypatch.delenv("ADC_TRACEBACK", raising=False)
    assert main(["compile", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("adc: internal error (RuntimeError: boom)") and err.count("\n") == 1
    monkeypatch.setenv("ADC_TRACEBACK", "1")
    with pytest.raises(RuntimeError):
        main(["compile", str(path)])


# ---------------------------------------------------------------- encodings
LATIN = "# -*- coding: latin-1 -*-\n# café\ndef f(x):\n    return x * x  # né\n"


def test_coding_line_is_honoured(tmp_path):
    latin = write(tmp_path, "latin.py", LATIN, encoding="latin-1")
    utf8 = write(tmp_path, "utf8.py", LATIN.replace("latin-1", "utf-8"))
    r = adc("compile", latin, "-o", "-")
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace("latin.py", "X") == adc("compile", utf8, "-o", "-").stdout.replace(
        "utf8.py", "X")
    assert "é" in r.stdout


def test_utf8_bom_is_accepted_and_columns_stay_right(tmp_path, capsys):
    good = tmp_path / "bom.py"
    good.write_bytes(b"\xef\xbb\xbf" + SCALAR.encode())
    assert main(["compile", str(good), "-o", "-"]) == 0
    assert "def f_grad(x, w):" in capsys.readouterr().out
    bad = tmp_path / "bombad.py"
    bad.write_bytes(b"\xef\xbb\xbfd = {1: 2}\ndef f(x):\n    return x\n" )
    plain = write(tmp_path, "plainbad.py", "d = {1: 2}\ndef f(x):\n    y = {1: x}\n    return x\n")
    bad.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert main(["compile", str(bad)]) == 1
    err_bom = capsys.readouterr().err
    assert main(["compile", str(plain)]) == 1
    assert err_bom.replace("bombad", "X") == capsys.readouterr().err.replace("plainbad", "X")


def test_not_utf8_points_at_the_byte(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_bytes(b"def f(x):\n    return x  # caf\xe9\n")
    assert main(["compile", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:2:20: error: cannot decode the file: byte 0xe9 is not valid "
                          "utf-8")
    assert "coding" in err


def test_api_reads_coding_lines_too(tmp_path):
    """The API's comments come from the file: a latin-1 file works there too."""
    path = write(tmp_path, "latin_api.py", LATIN, encoding="latin-1")
    import importlib.util
    spec = importlib.util.spec_from_file_location("latin_api", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert adcompiler.grad(mod.f)(3.0) == 6.0
    assert "x * x" in adcompiler.grad(mod.f).source


# ---------------------------------------------------------------- plain compile
HELPERS = """\
def constant():
    return 2.0


def label(name):
    return name + "!"


def f(x):
    return x * x


def g(x, y):
    return x * y
"""


def test_plain_compile_skips_what_it_cannot_differentiate(tmp_path, capsys):
    path = write(tmp_path, "m.py", HELPERS)
    assert main(["compile", str(path), "-o", "-"]) == 0
    out, err = capsys.readouterr()
    assert "def f_grad(x):" in out and "def g_grad(x, y):" in out
    assert "constant_grad" not in out and "label_grad" not in out
    notes = [l for l in err.splitlines() if ": note: " in l]
    assert notes[0].startswith(f"{path}:1:1: note: skipped constant: constant has no parameters")
    assert notes[1].startswith(f"{path}:6:") and "skipped label:" in notes[1]
    assert len(notes) == 2
    ns: dict = {}
    exec(out, ns)
    assert ns["g_grad"](3.0, 4.0) == 4.0


def test_named_functions_still_fail_hard(tmp_path, capsys):
    path = write(tmp_path, "m.py", HELPERS)
    assert main(["compile", str(path), "-f", "f", "-f", "constant"]) == 1
    assert ": error: constant has no parameters" in capsys.readouterr().err


def test_plain_compile_with_nothing_compilable_fails(tmp_path, capsys):
    path = write(tmp_path, "m.py", 'def a():\n    return 1.0\n\n\ndef b(s):\n    return s + "x"\n')
    assert main(["compile", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:1:1: error: a has no parameters")
    assert "note: skipped b:" in err


def _docstring_commands(path: Path) -> list:
    """The ``adc compile ...`` commands an example's docstring shows."""
    text = path.read_text()
    doc = text.split('"""')[1] if text.startswith('"""') else ""
    commands = []
    for line in doc.splitlines():
        m = re.search(r"(?:\badc|python -m adcompiler) (compile .*)", line)
        if m:
            commands.append(shlex.split(m.group(1), comments=True))
    return commands


def run_main(argv, capsys) -> tuple:
    """(exit code, stdout, stderr) of ``adc ARGV`` in this process."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_example_commands_work_as_written(path, capsys, monkeypatch):
    """Every ``adc compile`` an example's docstring shows runs and prints
    importable code; a plain ``adc compile examples/X.py`` compiles what it
    can, or (array code without --shapes) says which --shapes to give."""
    monkeypatch.chdir(ROOT)
    for argv in _docstring_commands(path):
        code, out, err = run_main(argv, capsys)
        assert code == 0, (argv, err)
        compile(out, str(path), "exec")
    code, out, err = run_main(["compile", path.relative_to(ROOT), "-o", "-"], capsys)
    if code:
        assert code == 1 and "--shapes" in err, err
    else:
        compile(out, str(path), "exec")
        assert all(": note: skipped " in line or line.startswith("    ")
                   for line in err.splitlines()), err


#: examples whose functions take structures (dicts) of parameters: the command
#: line cannot know a structure, only a call can (docs/supported.md)
API_ONLY = {"mlp_dict_params"}


def test_most_examples_compile_plainly(capsys):
    files = [p for p in EXAMPLE_FILES if p.stem not in API_ONLY]
    ok = [p.stem for p in files if main(["compile", str(p), "-o", "-"]) == 0]
    capsys.readouterr()
    assert len(ok) >= len(files) - 1, ok


# ---------------------------------------------------------------- progress
class FakeTerminal:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr("adcompiler.cli.progress.DELAY", 60.0)  # the timer never fires by itself
    monkeypatch.delenv("ADC_PROGRESS", raising=False)
    term = FakeTerminal(True)
    p = Progress(2, "swell f", term)
    p.step("n=1")
    assert term.text == ""  # short work shows nothing
    p._show()  # what the timer does after DELAY: the step in progress, even a long one
    assert "swell f 1/2: n=1" in term.text
    p.step("n=2")
    assert "swell f 2/2: n=2" in term.text
    p.done()
    assert term.text.endswith("\r" + " " * 78 + "\r")
    p._show()  # a timer firing after done() writes nothing
    assert term.text.endswith("\r" + " " * 78 + "\r")

    pipe = FakeTerminal(False)
    q = Progress(1, "x", pipe)
    q.step()
    q._show()
    q.done()
    assert pipe.text == "" and q._timer is None
    monkeypatch.setenv("ADC_PROGRESS", "0")
    assert not Progress(1, "x", FakeTerminal(True)).enabled


def test_progress_timer_shows_a_long_step(monkeypatch):
    import time
    monkeypatch.setattr("adcompiler.cli.progress.DELAY", 0.05)
    term = FakeTerminal(True)
    p = Progress(1, "compiling", term)
    p.step("big")
    deadline = time.monotonic() + 10
    while "compiling 1/1: big" not in term.text and time.monotonic() < deadline:
        time.sleep(0.01)
    p.done()
    assert "compiling 1/1: big" in term.text


def test_compile_is_quiet_when_stderr_is_not_a_terminal(tmp_path):
    path = write(tmp_path, "m.py", SCALAR)
    r = adc("compile", path)
    assert r.returncode == 0 and r.stderr == ""


@pytest.mark.parametrize("argv", [["graph", "{f}", "-o", "{tmp}/missing/g.dot"],
                                  ["swell", "{f}", "--plot", "{tmp}/missing/p.png"]])
def test_other_outputs_that_cannot_be_written(tmp_path, argv):
    path = write(tmp_path, "m.py", SCALAR)
    r = adc(*[a.format(f=path, tmp=tmp_path) for a in argv])
    assert r.returncode == 1 and "Traceback" not in r.stderr and "internal error" not in r.stderr
    target = argv[-1].format(tmp=tmp_path)
    assert r.stderr == f"adc: error: {target}: No such file or directory\n"


def test_binary_file_is_one_diagnostic_without_excerpt(tmp_path, capsys):
    path = tmp_path / "blob.py"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\xe9\x90\n\x00")
    assert main(["compile", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:1:10: error: cannot decode the file: byte 0xe9")
    assert err.count("\n") == 1


def test_wrong_wrt_suggests_the_closest(tmp_path, capsys):
    path = write(tmp_path, "m.py", "def f(weight, x):\n    return weight * x\n")
    assert main(["compile", str(path), "--wrt", "wieght"]) == 1
    assert ("no parameter 'wieght' to differentiate with respect to; did you mean 'weight'? "
            "(parameters: weight, x)") in capsys.readouterr().err


def test_ascii_terminal_gets_escapes_not_a_crash(tmp_path):
    path = write(tmp_path, "m.py", "def f(x):\n    return x * x  # café\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="ascii")
    for command in ("compile", "wengert"):
        r = subprocess.run([sys.executable, "-m", "adcompiler", command, str(path)],
                           capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "caf\\xe9" in r.stdout


def test_every_subcommand_on_every_corpus_file_is_a_diagnostic(capsys):
    """No corpus file or example makes any subcommand fail internally
    (exit 3) or print a traceback."""
    files = sorted((ROOT / "tests" / "bad_inputs").glob("*.py")) + EXAMPLE_FILES
    for path in files:
        for extra in (["compile"], ["compile", "--mode", "forward"], ["compile", "--order", "2"],
                      ["wengert", "-f", "f"], ["trace", "-f", "f", "--at", "1.5"],
                      ["graph", "-f", "f"]):
            try:
                code = main([extra[0], str(path), *extra[1:]])
            except SystemExit as exc:  # argparse
                code = exc.code
            err = capsys.readouterr().err
            assert code in (0, 1, 2) and "Traceback" not in err, (path, extra, err)


def test_function_named_twice_is_compiled_once(tmp_path, capsys):
    path = write(tmp_path, "m.py", SCALAR)
    assert main(["compile", str(path), "-f", "f", "-f", "f", "-o", "-"]) == 0
    assert capsys.readouterr().out == compile_file(str(path), ["f"], None)


def test_coding_that_is_not_a_text_encoding(tmp_path, capsys):
    path = write(tmp_path, "m.py", "# coding: hex\ndef f(x):\n    return x\n")
    assert main(["compile", str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"{path}:1:1: error: cannot decode the file: "
                                              "'hex' is not a text encoding")
