"""Issue 12, security and data: nothing from the input reaches emitted code
except as escaped comments or validated identifiers; emitted comments quote
the right source line; ``adc compile -o`` never replaces a source file."""
import importlib.util
import os
import subprocess
import sys

import pytest

from adcompiler import grad
from adcompiler.cli import commands as cli
from adcompiler.compiler import compile_grad
from adcompiler.frontend.source import load_file, find_static, source_lines
from adcompiler.emit.printer import comment_text
from oracles import central_diff

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: characters that end a line for some reader (str.splitlines, editors, Python)
BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
INJECTED = 'inj\nimport os; os.system("touch PWNED")\n#.py'


def adc(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "adcompiler", *args], capture_output=True,
                          text=True, env=env, cwd=cwd)


def only_comments_mention(text: str, word: str) -> None:
    for line in text.split("\n"):
        if word in line:
            assert line.lstrip().startswith("#"), line


def test_file_name_cannot_inject_code_through_the_cli(tmp_path):
    src = tmp_path / INJECTED
    src.write_text("def f(x):\n    return x * x\n")
    out = tmp_path / "out.py"
    r = adc("compile", str(src), "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    only_comments_mention(text, "os.system")
    assert "inj\\nimport os" in text.splitlines()[0]  # escaped, still readable
    subprocess.run([sys.executable, str(out)], cwd=tmp_path, check=True)
    assert not (tmp_path / "PWNED").exists()


def test_file_name_cannot_inject_code_through_grad(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / INJECTED
    src.write_text("def f(x):\n    return x * x * x\n")
    spec = importlib.util.spec_from_file_location("injected_mod", src)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    g = grad(mod.f)
    assert g(2.0) == pytest.approx(12.0)
    assert not (tmp_path / "PWNED").exists()
    only_comments_mention(g.source, "os.system")


def test_every_emitted_comment_is_one_line():
    assert comment_text("a\nb") == "a\\nb"
    for ch in BREAKS:
        escaped = comment_text(f"x{ch}y")
        assert len(escaped.splitlines()) == 1 and ch not in escaped
        assert comment_text(escaped) == escaped  # idempotent
    assert comment_text("é = λ\t* 2") == "é = λ\t* 2"  # printable text is kept


FORM_FEEDS = ("import math\n"
              "def f(x):\n"
              "    # page\x0cbreak, NEL\x85here, LS\u2028there\n"
              "    y = math.sin(x)  # tail\u2028x = 0\n"
              "    z = y * y\n"
              "    return z * 3.0\n")


def test_source_lines_split_like_python():
    assert source_lines(FORM_FEEDS)[3].startswith("    y = math.sin(x)")
    assert source_lines("a\r\nb\rc\n") == ["a", "b", "c"]
    assert len(source_lines(FORM_FEEDS)) == len(FORM_FEEDS.split("\n")) - 1


def _check_comments(text: str, lines: list) -> None:
    assert not any(ch in text for ch in BREAKS if ch != "\n")
    seen = 0
    for line in text.split("\n"):
        if line.lstrip().startswith(("# line ", "# adjoint of line ")):
            seen += 1
            number = int(line.split("line ")[1].split(":")[0])
            quoted = line.split(": ", 1)[1]
            assert comment_text(lines[number - 1].strip()) == quoted, line
    assert seen


def test_cli_comments_quote_the_right_line(tmp_path):
    src = tmp_path / "ff.py"
    src.write_text(FORM_FEEDS, encoding="utf-8")
    r = adc("compile", str(src))
    assert r.returncode == 0, r.stderr
    assert "y = math.sin(x)" in r.stdout and "z = y * y" in r.stdout
    _check_comments(r.stdout, FORM_FEEDS.split("\n"))


def test_api_comments_quote_the_right_line(module_from_source):
    mod = module_from_source(FORM_FEEDS)
    g = grad(mod.f)
    x = 0.7
    assert g(x) == pytest.approx(central_diff(mod.f, (x,), 0, 1e-6), rel=1e-6)
    assert "y = math.sin(x)" in g.source
    _check_comments(g.source, FORM_FEEDS.split("\n"))


def test_static_compile_quotes_the_right_line(tmp_path):
    src = tmp_path / "ff2.py"
    src.write_text(FORM_FEEDS, encoding="utf-8")
    env = load_file(str(src))
    text = compile_grad(find_static(env, "f"), (0,)).source
    _check_comments(text, FORM_FEEDS.split("\n"))


# ------------------------------------------------------------ -o is the input
SOURCE = "def f(x):\n    return x * x\n"


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_output_equal_to_input_is_refused(tmp_path, spelling):
    src = tmp_path / "mine.py"
    src.write_text(SOURCE)
    out = {"same": str(src), "dotted": str(tmp_path / "." / ".." / tmp_path.name / "mine.py")}
    if spelling == "symlink":
        os.symlink(src, tmp_path / "link.py")
        out[spelling] = str(tmp_path / "link.py")
    if spelling == "hardlink":
        os.link(src, tmp_path / "hard.py")
        out[spelling] = str(tmp_path / "hard.py")
    r = adc("compile", str(src), "-o", out[spelling])
    assert r.returncode == 2
    assert "refusing to overwrite the source" in r.stderr and "Traceback" not in r.stderr
    assert src.read_text() == SOURCE


def test_output_equal_to_a_relative_input_is_refused(tmp_path):
    (tmp_path / "mine.py").write_text(SOURCE)
    r = adc("compile", "mine.py", "-o", "./mine.py", cwd=tmp_path)
    assert r.returncode == 2 and (tmp_path / "mine.py").read_text() == SOURCE


def test_output_equal_to_an_imported_sibling_is_refused(tmp_path):
    (tmp_path / "helpers.py").write_text("def h(x):\n    return x * x\n")
    (tmp_path / "main.py").write_text("from helpers import h\n\ndef f(x):\n    return h(x) + x\n")
    r = adc("compile", str(tmp_path / "main.py"), "-o", str(tmp_path / "helpers.py"))
    assert r.returncode == 2, r.stderr
    assert (tmp_path / "helpers.py").read_text().startswith("def h(x)")


def test_output_to_a_new_file_still_works(tmp_path, capsys):
    src = tmp_path / "mine.py"
    src.write_text(SOURCE)
    assert cli.main(["compile", str(src), "-o", str(tmp_path / "mine_grad.py")]) == 0
    assert "def f_grad(x)" in (tmp_path / "mine_grad.py").read_text()
    assert src.read_text() == SOURCE


@pytest.mark.parametrize("command", [["graph", "-o"], ["swell", "--plot"], ["swell", "--fd-plot"]])
def test_other_outputs_equal_to_the_input_are_refused(tmp_path, command):
    src = tmp_path / "mine.py"
    src.write_text(SOURCE)
    r = adc(command[0], str(src), command[1], str(src))
    assert r.returncode == 2 and "refusing to overwrite the source" in r.stderr
    assert src.read_text() == SOURCE


# ------------------------------------------------------------ source encodings
def test_source_is_decoded_as_python_decodes_it(tmp_path):
    """A coding cookie (PEP 263) or a UTF-8 byte-order mark: Python runs these
    files, so the compiler reads them too, and quotes the right text."""
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\ndef f(x):\n    y = x * x  # caf\xe9\n"
                      b"    return y\n")
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfdef f(x):\n    return x * x * x\n")
    for path, grad_of_2 in ((latin, 4.0), (bom, 12.0)):
        out = tmp_path / f"{path.stem}_grad.py"
        r = adc("compile", str(path), "-o", str(out))
        assert r.returncode == 0, r.stderr
        namespace: dict = {}
        exec(out.read_text(encoding="utf-8"), namespace)
        assert namespace["f_grad"](2.0) == pytest.approx(grad_of_2)
    assert "café" in (tmp_path / "latin_grad.py").read_text(encoding="utf-8")


def test_undecodable_source_is_a_compile_error(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"def f(x):\n    # \xff\xfe\n    return x\n")
    r = adc("compile", str(bad))
    assert r.returncode == 1 and "cannot decode" in r.stderr and "Traceback" not in r.stderr
