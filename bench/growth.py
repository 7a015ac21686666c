"""Compile time and memory as a function of program size, the compile time of
each seed example, and the memory the tape of a long loop takes.

Programs of 10 … 10 000 statements are generated as source text, written to a
temporary file and compiled the way ``adc compile`` does (parse, lower,
reverse, optimise, emit, print), so every pass is in the figure.
"""
from __future__ import annotations

import math
import os
import tempfile
import time
import tracemalloc
from math import cos, sin

import numpy as np

from adcompiler.compiler import compile_grad
from adcompiler.core import passlog
from adcompiler.frontend.source import load_file, load_live
from adcompiler.cli.commands import compile_file
from adcompiler.cli.progress import Progress

SIZES = (10, 100, 1000, 3000, 10_000)
#: compiles timed per size (the best kept: the compile is deterministic, the
#: machine's other load is not), at every size alike
REPEAT = 3
QUICK_SIZES = (10, 30)


def straight_line(n: int) -> str:
    """``n`` assignments, each reading the two previous values."""
    lines = ["from math import sin", "", "", "def f(x):", "    a0 = x", "    a1 = x * x"]
    for k in range(2, n):
        lines.append(f"    a{k} = sin(a{k - 1}) * {1 + k % 7} + a{k - 2} * x")
    lines.append(f"    return a{n - 1}")
    return "\n".join(lines) + "\n"


def loop_body(n: int) -> str:
    """One loop whose body has ``n`` assignments to two carried values."""
    lines = ["from math import sin", "", "", "def f(x):", "    a = x", "    b = x * x",
             "    for i in range(3):"]
    for k in range(n):
        target, other = ("a", "b") if k % 2 else ("b", "a")
        lines.append(f"        {target} = sin({other}) * {1 + k % 7} + {target} * x")
    lines.append("    return a + b")
    return "\n".join(lines) + "\n"


def _compile_text(text: str, directory: str, tag: str, phases: dict | None = None) -> str:
    """Compile ``f`` of ``text`` as ``adc compile FILE -f f`` does: the file
    parsed (passing the text bypasses the parsed-file cache, so each run
    parses), then the command's own work on it (cli/commands.py's
    ``compile_file``).  ``phases``: filled with the CPU seconds of each phase
    (:func:`timed`)."""
    path = os.path.join(directory, f"gen_{tag}.py")
    with open(path, "w") as fh:
        fh.write(text)
    with passlog.timing() as laps:
        load_file(path, text)
        passlog.lap("parse")
        out = compile_file(path, ["f"], None)
    if phases is not None:
        phases.update(laps)
    return out


def timed(compile_once, runs: int) -> tuple:
    """(best wall seconds, best CPU seconds, phases of the run with the best
    CPU time) of ``compile_once(phases)`` run ``runs`` times."""
    best = cpu = math.inf
    phases: dict = {}
    for _ in range(runs):
        laps: dict = {}
        start, start_cpu = time.perf_counter(), time.process_time()
        compile_once(laps)
        best = min(best, time.perf_counter() - start)
        took = time.process_time() - start_cpu
        if took < cpu:
            cpu, phases = took, laps
    return best, cpu, phases


def measure_size(kind: str, n: int, directory: str) -> dict:
    text = (straight_line if kind == "straight-line" else loop_body)(n)
    tag = f"{kind}_{n}"
    out = _compile_text(text, directory, tag)
    best, cpu, phases = timed(lambda laps: _compile_text(text, directory, tag, laps), REPEAT)
    tracemalloc.start()
    _compile_text(text, directory, tag)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"kind": kind, "n": n, "seconds": best, "cpu_seconds": cpu, "peak_bytes": peak,
            "emitted_lines": out.count("\n"), "phases": phases}


def phase_exponents(points: list) -> dict:
    """Growth exponent of each phase's CPU time (see :func:`growth_exponent`)."""
    names = set().union(*(p.get("phases", {}) for p in points))
    return {name: growth_exponent([{"n": p["n"], "t": max(p["phases"].get(name, 0), 1e-6)}
                                   for p in points if "phases" in p], "t")
            for name in sorted(names)}


def growth_exponent(points: list, key: str) -> float:
    """Least-squares slope of log(key) against log(n) over the sizes ≥ 100
    (below that, fixed costs dominate)."""
    pts = [(p["n"], p[key]) for p in points if p["n"] >= 100] or [(p["n"], p[key]) for p in points]
    if len(pts) < 2:
        return float("nan")
    xs, ys = np.log([n for n, _ in pts]), np.log([v for _, v in pts])
    return float(np.polyfit(xs, ys, 1)[0])


def compile_growth(quick: bool = False) -> dict:
    sizes = QUICK_SIZES if quick else SIZES
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("straight-line", "loop body"):
            progress = Progress(len(sizes), f"compile growth, {kind}")
            points = []
            try:
                for n in sizes:
                    progress.step(f"size {n}")
                    points.append(measure_size(kind, n, tmp))
            finally:
                progress.done()
            out[kind] = {"points": points,
                         "time_exponent": growth_exponent(points, "seconds"),
                         "phase_exponents": phase_exponents(points),
                         "memory_exponent": growth_exponent(points, "peak_bytes")}
    return out


# ---------------------------------------------------------------- seed examples
def seed_examples() -> list:
    """(name, function, wrt) of every worked example of the seed notes."""
    from . import seeds
    return seeds.EXAMPLES


def seed_compile_times(repeat: int = 5) -> list:
    """Fresh (uncached) compile time of each seed example, best of ``repeat``
    (wall clock, and the process's CPU time: the machine may be shared), and
    the phases of its fastest run."""
    rows = []
    for name, fn, wrt in seed_examples():
        def once(laps, fn=fn, wrt=wrt):
            with passlog.timing() as got:
                compile_grad(load_live(fn), wrt).load()
                passlog.lap("load")
            laps.update(got)
        best, cpu, phases = timed(once, repeat)
        rows.append({"name": name, "seconds": best, "cpu_seconds": cpu, "phases": phases})
    return rows


# ---------------------------------------------------------------- tape memory
def tape_loop(x, n=100_000):
    s = x
    for i in range(n):
        s = s + 0.00001 * sin(s)
    return s


def tape_loop_hand(x, n=100_000):
    s, d = x, 1.0
    for i in range(n):
        d *= 1.0 + 0.00001 * cos(s)
        s = s + 0.00001 * sin(s)
    return d


def tape_memory(n: int = 100_000) -> dict:
    """Peak memory per iteration of the gradient of a loop of ``n`` iterations
    (the tape), its time against ``f`` and the hand-written forward-mode loop."""
    from adcompiler.api.reverse_grad import compiled
    grad = compiled(tape_loop).load()
    got, ref = grad(0.5, n), tape_loop_hand(0.5, n)
    if not math.isclose(got, ref, rel_tol=1e-9):
        raise AssertionError(f"tape loop gradient {got} differs from hand-written {ref}")
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    grad(0.5, n)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    times = {}
    for label, fn in (("f", tape_loop), ("adcompiler", grad), ("hand-written", tape_loop_hand)):
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            fn(0.5, n)
            best = min(best, time.perf_counter() - start)
        times[label] = best
    return {"n": n, "peak_bytes": peak, "bytes_per_iteration": peak / n, "seconds": times,
            "gradient": got}

