"""The bad-input corpus (tests/bad_inputs/): every case must fail with its
documented error, through the API and through the command line, and never
with anything else (an internal traceback, a wrong gradient)."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import adcompiler
from adcompiler import CompileError, UsageError, grad
from adcompiler.cli.commands import main

HERE = Path(__file__).parent
CORPUS = sorted((HERE / "bad_inputs").glob("*.py"))
ROOT = HERE.parent


def header(path: Path) -> dict:
    """The ``# key: value`` lines at the top of a corpus file."""
    meta = {}
    # bytes: some cases are deliberately not UTF-8, or start with a BOM
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    for line in text.splitlines():
        if not line.startswith("# ") or ":" not in line:
            break
        key, value = line[2:].split(":", 1)
        meta[key.strip()] = value.strip()
    return meta


def expected(meta: dict, path: str) -> tuple:
    """(error class, message fragment, line or None) for the 'api' or 'cli' path."""
    cls = getattr(adcompiler, meta.get(f"{path}-expect", meta["expect"]))
    message = meta.get(f"{path}-message", meta["message"])
    line = meta.get(f"{path}-line", meta["line"]) if cls is CompileError else None
    return cls, message, (int(line) if line is not None else None)


def import_file(path: Path):
    spec = importlib.util.spec_from_file_location(f"bad_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wrt_of(meta: dict):
    raw = meta.get("wrt")
    if raw is None:
        return 0
    return int(raw) if raw.lstrip("-").isdigit() else raw


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 50


#: cases the API can load (files with syntax errors are the CLI's alone)
IMPORTABLE = [p for p in CORPUS if header(p).get("api") != "skip"]


def test_only_syntax_errors_are_cli_only():
    """A case the API cannot load is a syntax error, or says why (``# why:``)."""
    for p in set(CORPUS) - set(IMPORTABLE):
        meta = header(p)
        assert meta["expect"] == "CompileError"
        assert "syntax" in meta["message"] or meta.get("why"), p


@pytest.mark.parametrize("path", IMPORTABLE, ids=[p.stem for p in IMPORTABLE])
def test_api_refuses(path):
    meta = header(path)
    mod = import_file(path)
    target = eval(meta.get("api-target", meta.get("function", "f")), vars(mod))
    cls, message, line = expected(meta, "api")
    with pytest.raises(cls) as info:
        grad(target, wrt=wrt_of(meta)).source
    assert type(info.value) is cls
    assert message in str(info.value)
    if line is not None:
        assert (info.value.filename, info.value.line) == (str(path), line)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_cli_refuses(path, capsys):
    meta = header(path)
    argv = ["compile", str(path), "-f", meta.get("function", "f")]
    if "wrt" in meta:
        argv += ["--wrt", meta["wrt"]]
    cls, message, line = expected(meta, "cli")
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{path}:{line}:") and ": error: " in err, err
    assert re.match(rf"{re.escape(str(path))}:{line}:\d+: error: ", err), err
    assert message in err
    assert "Traceback" not in err


SUBPROCESS_SAMPLE = ["syntax_error", "try_statement", "wrong_wrt_name", "async_def",
                     "not_utf8", "circular_import", "wrt_not_literal", "numpy_missing_module"]


@pytest.mark.parametrize("name", SUBPROCESS_SAMPLE)
def test_cli_process_exit_code(name):
    """The real ``python -m adcompiler`` on a sample (the in-process test above
    covers every file through the same ``main``)."""
    path = HERE / "bad_inputs" / f"{name}.py"
    meta = header(path)
    argv = [sys.executable, "-m", "adcompiler", "compile", str(path)]
    if "wrt" in meta:
        argv += ["--wrt", meta["wrt"]]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{path}:{expected(meta, 'cli')[2]}:")
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- API only
def plain(x, y):
    return x * y


class Model:
    def loss(self, w):
        return w * w

    @classmethod
    def make(cls, w):
        return w * w


exec_namespace: dict = {}
exec("def made_by_exec(x):\n    return x * x\n", exec_namespace)

API_CASES = [
    ("wrt name unknown", lambda: grad(plain, wrt="z"), UsageError, "no parameter named 'z'"),
    ("wrt index too large", lambda: grad(plain, wrt=2), UsageError, "out of range"),
    ("wrt index too small", lambda: grad(plain, wrt=-3), UsageError, "out of range"),
    ("wrt float", lambda: grad(plain, wrt=1.0), UsageError, "parameter index or name"),
    ("wrt bool", lambda: grad(plain, wrt=True), UsageError, "parameter index or name"),
    ("wrt None", lambda: grad(plain, wrt=None), UsageError, "parameter index or name"),
    ("wrt empty", lambda: grad(plain, wrt=()), UsageError, "wrt is empty"),
    ("wrt repeated", lambda: grad(plain, wrt=(0, "x")), UsageError, "twice"),
    ("number", lambda: grad(3.0).source, UsageError, "is not a Python function"),
    ("string", lambda: grad("plain").source, UsageError, "is not a Python function"),
    ("module", lambda: grad(types).source, UsageError, "is not a Python function"),
    ("builtin", lambda: grad(abs).source, UsageError, "builtin"),
    ("math builtin", lambda: grad(__import__("math").sin).source, UsageError, "builtin"),
    ("numpy ufunc", lambda: grad(__import__("numpy").sin).source, UsageError, ""),
    # (a method bound to an instance is supported: tests/test_python_forms.py)
    ("class method", lambda: grad(Model.make).source, UsageError, "bound method of a class"),
    ("class", lambda: grad(Model).source, UsageError, "class"),
    ("lambda", lambda: grad(lambda x: x * x).source, CompileError, "lambda"),
    ("made by exec", lambda: grad(exec_namespace["made_by_exec"]).source, CompileError,
     "source of made_by_exec is not available"),
    ("functools.partial", lambda: grad(__import__("functools").partial(plain, 1.0)).source,
     UsageError, ""),
]


@pytest.mark.parametrize("name,call,cls,message", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_only_cases(name, call, cls, message):
    with pytest.raises(cls) as info:
        call()
    assert message in str(info.value)
