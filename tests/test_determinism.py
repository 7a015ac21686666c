"""Determinism and safety: byte-identical output, a thread-safe cache, and
compiling never runs the user's code."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import adcompiler.api.reverse_grad as api
import adcompiler.compiler as compiler
from adcompiler import grad, source
from corpus import CORPUS

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILE = Path(__file__).resolve().parent / "corpus.py"


def _fresh_source(fn, wrt):
    """Compile without the API cache."""
    from adcompiler.frontend.source import load_live
    return compiler.compile_grad(load_live(fn), tuple(wrt)).source


def test_same_input_gives_byte_identical_source():
    for fn, _, wrt in CORPUS:
        assert _fresh_source(fn, wrt) == _fresh_source(fn, wrt), fn.__name__


def _cli_output() -> bytes:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONHASHSEED="random")
    names = [arg for fn, _, _ in CORPUS for arg in ("-f", fn.__name__)]
    proc = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(CORPUS_FILE)] + names,
                          cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def test_two_fresh_processes_emit_identical_bytes():
    # different hash seeds: set/dict iteration order must not leak into output
    first, second = _cli_output(), _cli_output()
    assert first == second and first.count(b"\ndef ") >= len(CORPUS)


def test_cache_is_shared_safely_by_threads(module_from_source, monkeypatch):
    mod = module_from_source("from math import sin\n"
                             "def f(x, y):\n"
                             "    s = x\n"
                             "    for i in range(5):\n"
                             "        s = sin(s) * y + x\n"
                             "    return s\n")
    calls = []
    real = api.compile_grad

    def counting(*args, **kwargs):
        calls.append(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "compile_grad", counting)
    start = threading.Barrier(8)
    results, errors = [None] * 8, []

    def work(k):
        try:
            start.wait()
            g = grad(mod.f, wrt=(0, 1))
            results[k] = (g.source, g(0.3, 0.8))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(calls) == 1  # one compilation
    assert all(r == results[0] for r in results)


def test_cli_never_runs_the_module(tmp_path):
    marker = tmp_path / "was_run.txt"
    user = tmp_path / "user.py"
    user.write_text(f"open({str(marker)!r}, 'w').write('ran')\n"
                    "import math\n"
                    "\n"
                    "def f(x):\n"
                    "    return math.sin(x) * x\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(user)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "def f_grad(x):" in proc.stdout
    assert not marker.exists()


def test_cli_does_not_import_sibling_modules(tmp_path):
    # `from helpers import h` is read as text, never imported
    marker = tmp_path / "helpers_ran.txt"
    (tmp_path / "helpers.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n"
                                         "def h(u):\n    return u * u\n")
    user = tmp_path / "main.py"
    user.write_text("from helpers import h\n\ndef f(x):\n    return h(x) + x\n")
    from adcompiler.cli.commands import main
    assert main(["compile", str(user), "-o", str(tmp_path / "out.py")]) == 0
    assert not marker.exists()


def test_api_never_calls_the_function(module_from_source):
    # watch every Python-level call while compiling: neither f nor its helper runs
    mod = module_from_source("from math import sin\n"
                             "def helper(u):\n"
                             "    return u * sin(u)\n"
                             "def f(x):\n"
                             "    return helper(x) * 2.0 + 1.0 / x\n")
    watched = {mod.f.__code__, mod.helper.__code__}
    seen = []

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code in watched:
            seen.append(frame.f_code.co_name)

    sys.setprofile(profiler)
    try:
        src = grad(mod.f).source
    finally:
        sys.setprofile(None)
    assert "def f_grad" in src and seen == []
    grad(mod.f)(0.5)  # calling the derivative does not run f either
