"""Turn the measurements into docs/benchmarks.md and its plots."""
from __future__ import annotations

import datetime
import os
import platform

from .peers import BACKENDS
from .timing import BATCH, BUDGET, MIN_SAMPLES, SLOW

OURS = "adcompiler"
WRAPPED, JIT = "adcompiler grad()", "adcompiler jit=True"
NOT_PEERS = {"hand-written", OURS, WRAPPED, JIT}
WRAPPER_LIMIT = 0.1e-6  # seconds grad() may add to the emitted function
JIT_LIMIT = 0.2  # a loop with the JIT: below this multiple of f
SCALAR_LIMIT = 2.0  # through grad(): every scalar workload and loop, at most this multiple of f
NUMPY_LIMIT = 1.0  # through grad(): NumPy workloads, at most this multiple of hand-written
SEED_LIMIT = 0.005  # seconds per seed example (issue 18)
LINEAR_EXPONENT = 1.15  # a fitted exponent up to this counts as linear
BIG_N, BIG_LIMIT = 10_000, 3.0  # a function of BIG_N statements compiles in BIG_LIMIT s

#: how the gradient table is timed (bench/timing.py's interleaved)
METHOD = (f"The columns of a row, and the floors the Targets table compares with them, "
          f"are timed together, interleaved: in each round every column runs for about "
          f"{BATCH * 1e3:.0f} ms after one untimed call, in an order rotated each round, and "
          f"each column keeps its best round ({BUDGET / BATCH:.0f} rounds; a call longer than {BATCH * 1e3:.0f} ms "
          f"runs once in each of fewer rounds, spread evenly, about {BUDGET:.1f} s in all and "
          f"at least {MIN_SAMPLES} times; one longer than {SLOW:.1f} s, once), so every "
          "column of a row sees the same load of the machine.")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def fmt_seconds(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.2f} µs" if us < 10 else (f"{us:,.0f} µs" if us < 1e5 else f"{us / 1e3:,.0f} ms")


def cell_text(cell, f_seconds) -> str:
    if cell.seconds is None:
        return "ok" if cell.status == "ok" else cell.status.replace("|", "\\|")
    text = fmt_seconds(cell.seconds)
    return f"{text} · **{cell.seconds / f_seconds:.2g}×**" if f_seconds else text


def gradient_table(rows: list) -> list:
    labels = [label for label, _ in BACKENDS]
    out = ["| workload | f | " + " | ".join(labels) + " |",
           "|---|---:|" + "---:|" * len(labels)]
    for r in rows:
        f = fmt_seconds(r.f_seconds) if r.f_seconds else "—"
        cells = [cell_text(r.cells[label], r.f_seconds) for label in labels]
        out.append(f"| {r.name} | {f} | " + " | ".join(cells) + " |")
    return out


def _ratio(row, label, base=None):
    cell = row.cells.get(label)
    if cell is None or cell.seconds is None:
        return None
    ref = row.f_seconds if base is None else row.cells[base].seconds
    return cell.seconds / ref if ref else None


def targets(rows: list, seeds: list, growth: dict, floors: dict | None = None) -> list:
    """(target, figure, met[, measured reason]) for each target of issue 18:
    through ``grad()`` every scalar workload at most 2x f, loops at most 2x f
    without the JIT and below 0.2x f with it, NumPy workloads at most 1.0x
    hand-written, ``grad()`` within 0.1 µs of the emitted function; compile
    time below.  ``floors``: bench/floors.py's measurements, for the reasons."""
    out = []
    floors = floors or {}
    for r in rows:
        ours, wrapped = _ratio(r, OURS), _ratio(r, WRAPPED)
        if ours is None or wrapped is None:
            out.append((f"{r.name}: compiled by adcompiler", r.cells[OURS].status, False))
            continue
        if r.kind == "numpy":
            vs_hand = _ratio(r, WRAPPED, "hand-written")
            out.append((f"{r.name}: grad() ≤ {NUMPY_LIMIT}× hand-written", f"{vs_hand:.2f}×",
                        vs_hand <= NUMPY_LIMIT, _numpy_reason(r, floors.get(r.name, {}))))
            continue
        kind = "loop" if r.loop else "scalar workload"
        out.append((f"{r.name}: grad() ≤ {SCALAR_LIMIT}× f ({kind})", f"{wrapped:.2f}×",
                    wrapped <= SCALAR_LIMIT, _scalar_reason(r, ours)))
        out += _wrapper_and_jit(r, floors.get(r.name, {}))
    return out + compile_targets(seeds, growth)


def compile_targets(seeds: list, growth: dict) -> list:
    """(target, figure, met, measured reason) for compile time (issue 18):
    every seed example under 5 ms, time linear in size, 10,000 statements
    under 3 s (wall clock; the CPU time is shown beside it, the machine may
    be shared).  The reason of a target not met is the measured CPU time of
    each compile phase (bench/growth.py, core/passlog.timing)."""
    slowest = max(seeds, key=lambda s: s["seconds"])
    cpu = slowest.get("cpu_seconds")
    out = [(f"compile < {SEED_LIMIT * 1e3:.0f} ms for every seed example",
            f"slowest {slowest['name']}: {slowest['seconds'] * 1e3:.1f} ms"
            + (f" (CPU {cpu * 1e3:.1f} ms)" if cpu is not None else ""),
            slowest["seconds"] < SEED_LIMIT, _phases_reason(slowest.get("phases"), 1e3, "ms"))]
    for kind, g in growth.items():
        e = g["time_exponent"]
        out.append((f"compile time grows linearly ({kind})", f"exponent {e:.2f}",
                    e <= LINEAR_EXPONENT, _growth_reason(g.get("phase_exponents"))))
        big = [p for p in g["points"] if p["n"] == BIG_N]
        if big:
            p = big[0]
            cpu = f" (CPU {p['cpu_seconds']:.1f} s)" if p.get("cpu_seconds") is not None else ""
            out.append((f"{BIG_N:,} statements compile in < {BIG_LIMIT:.0f} s ({kind})",
                        f"{p['seconds']:.1f} s{cpu}", p["seconds"] < BIG_LIMIT,
                        _phases_reason(p.get("phases"), 1, "s")))
    return out


#: the compile phases in pipeline order (core/passlog.py's passes, then the
#: emitter's write, globals and print, and the seeds' load of the emitted text)
PHASES = ("parse", "lower", "inline", "optimize", "reverse", "forward", "algebra",
          "specialize", "finish", "emit", "write", "globals",
          "print", "load")


def _phases_reason(phases: dict | None, scale: float, unit: str) -> str:
    """The CPU time of each phase that takes at least 1 % of the compile,
    in pipeline order, and which one is the largest."""
    if not phases:
        return ""
    total = sum(phases.values())
    digits = 1 if unit == "s" else 2
    shown = ", ".join(f"{k} {phases[k] * scale:.{digits}f} {unit}" for k in PHASES
                      if phases.get(k, 0) >= 0.01 * total)
    top = max(phases, key=phases.get)
    return (f"CPU time by phase: {shown}; the largest is {top} "
            f"({phases[top] / total:.0%} of {total * scale:.{digits}f} {unit})")


def phase_table(growth: dict) -> list:
    """Markdown lines: the CPU time of each compile phase at the largest size
    of each generated program (core/passlog.timing)."""
    big = {kind: max(g["points"], key=lambda p: p["n"]) for kind, g in growth.items()}
    big = {k: p for k, p in big.items() if p.get("phases")}
    if not big:
        return []
    names = [k for k in PHASES if any(k in p["phases"] for p in big.values())]
    lines = ["", "CPU time of each compile phase at the largest size (`core/passlog.py`'s "
             "`timing`: a pass is charged the time since the previous one ended; `write` is "
             "IR to Python AST, `print` AST to text):", "",
             "| program | n | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for kind, p in big.items():
        lines.append(f"| {kind} | {p['n']:,} | " + " | ".join(
            _ms(p["phases"].get(k, 0.0)) for k in names) + " |")
    return lines


def _growth_reason(exponents: dict | None) -> str:
    """The phases whose CPU time grows fastest with the program's size."""
    if not exponents:
        return ""
    worst = sorted(exponents.items(), key=lambda kv: -kv[1])[:3]
    return "fastest-growing phases (CPU time exponent): " + ", ".join(
        f"{k} {e:.2f}" for k, e in worst)


def _scalar_reason(r, ours: float) -> str:
    """Where the time of ``grad()`` goes: the emitted code, the wrapper."""
    hand = _ratio(r, "hand-written")
    extra = r.cells[WRAPPED].seconds - r.cells[OURS].seconds
    hand_text = f" (hand-written {hand:.2f}× f)" if hand is not None else ""
    return (f"the emitted gradient alone costs {ours:.2f}× f{hand_text}; grad() adds "
            f"{extra * 1e6:+.2f} µs ({extra / r.f_seconds:+.2f}× f)")


def _numpy_reason(r, floors: dict) -> str:
    emitted = _ratio(r, OURS, "hand-written")
    extra = r.cells[WRAPPED].seconds - r.cells[OURS].seconds
    tests, guard = floors.get("array tests"), floors.get("guard")
    tested = "" if tests is None else (
        f"; testing each array argument's type, dtype and shape (the code is specialised "
        f"to them) costs {tests * 1e6:.2f} µs")
    if guard is not None:
        tested += (f"; the whole guard (those tests, the globals the code read, the result) "
                   f"{guard * 1e6:.2f} µs, calling the instance the rest")
    return (f"the emitted gradient alone costs {emitted:.2f}× hand-written; grad() adds "
            f"{extra * 1e6:+.2f} µs{tested}")


def _wrapper_and_jit(r, floors: dict) -> list:
    """The call overhead of ``grad()`` over the emitted function, and (for
    loops) the JIT's time as a multiple of f, with ``jax.jit`` beside it."""
    out = []
    wrapped, emitted = r.cells.get(WRAPPED), r.cells[OURS]
    if wrapped is not None and wrapped.seconds is not None:
        extra = wrapped.seconds - emitted.seconds
        floor, guard = floors.get("instance"), floors.get("guard")
        reason = "" if floor is None else (
            f"calling any instance of a Python class that only forwards the call costs "
            f"{floor * 1e6:+.2f} µs here (measured with a bare functools.partial subclass, "
            "what grad() returns); the guard's tests of the argument types and globals, "
            + ("the rest" if guard is None else
               f"{guard * 1e6:.2f} µs (its copy of the emitted code called directly)"))
        out.append((f"{r.name}: grad() within 0.1 µs of the emitted function",
                    f"{extra * 1e6:+.2f} µs", extra <= WRAPPER_LIMIT, reason))
    jit = _ratio(r, JIT)
    if r.loop and jit is not None:
        jax = r.cells.get("jax.jit(grad)")
        versus = ""
        if jax is not None and jax.seconds is not None:
            versus = f" (jax.jit {jax.seconds / r.cells[JIT].seconds:.2g}× slower)"
        reason = ""
        if "numba call" in floors:
            call, fn = floors["numba call"], floors["f by numba"]
            reason = (f"a numba function's call from Python alone costs {call * 1e6:.2f} µs "
                      f"= {call / r.f_seconds:.2f}× f before any work; f itself compiled "
                      f"by numba costs {fn * 1e6:.2f} µs = {fn / r.f_seconds:.2f}× f, and "
                      "the gradient computes f's values and their derivatives besides")
        out.append((f"{r.name}: grad(f, jit=True) below {JIT_LIMIT}× f", f"{jit:.3f}×{versus}",
                    jit < JIT_LIMIT, reason))
    return out


def _ms(seconds) -> str:
    return "" if seconds is None else f"{seconds * 1e3:,.1f} ms"


def markdown(rows, seeds, growth, tape, versions, plots: dict, floors: dict | None = None) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    vers = ", ".join(f"{k} {v}" for k, v in versions.items())
    lines = ["# Benchmarks", "",
             "Produced by `python -m bench` (peers: `pip install -e '.[bench]'`); "
             "`python -m bench --quick` checks every gradient without timing.", "",
             f"- date: {now}", f"- machine: {machine()}", f"- versions: {vers}", "",
             "## Gradient per call", "",
             f"Time per call and, in bold, as a multiple of the time of `f` itself. {METHOD} "
             "Every gradient was checked against the hand-written "
             "one before it was timed (to 1e-9 relative; central differences to 1e-4). "
             "`adcompiler` is the emitted function grad() runs (what `adc compile -o` "
             "writes; `--mode forward` for the loops of one scalar, where grad() "
             "chooses forward mode); "
             "`adcompiler grad()` is the same behind the `grad` wrapper; "
             "`adcompiler jit=True` is `grad(f, jit=True)`, the emitted code compiled by "
             "numba (scalar and loop code; `pip install -e '.[jit]'`). JAX runs in "
             "float64 with its arrays prepared once; PyTorch on CPU with leaf tensors "
             "prepared once. Sub-microsecond times move by about ±30 % between runs: "
             "compare ratios within one run.", ""]
    lines += gradient_table(rows)
    if plots.get("gradients"):
        lines += ["", f"![gradient time as a multiple of f]({plots['gradients']})"]
    timed = any(r.f_seconds for r in rows)
    lines += ["", "## Targets", ""]
    if timed:
        lines += ["Targets of issue 18, measured in this run; where one is not met, the "
                  "last column gives the measured reason (bench/floors.py measures the "
                  "floors it names; a compile row gives the CPU time of each compile "
                  "phase, bench/growth.py).", "",
                  "| target | figure | met | measured reason (where not met) |",
                  "|---|---|---|---|"]
        for t, fig, ok, *why in targets(rows, seeds, growth, floors):
            why = why[0] if why and not ok else ""
            lines.append(f"| {t} | {fig.replace('|', chr(92) + '|')} | "
                         f"{'yes' if ok else '**no**'} | {why} |")
    else:
        lines.append("Not judged: `--quick` checks gradients and does not time them.")
    lines += ["", "## Compile time", "", "Fresh compile (lower, reverse, optimise, emit, "
              "load), best of 5, of each worked example of the seed notes (wall clock, and "
              "the CPU time of the process: the machine may be shared):", "",
              "| seed example | compile | CPU |", "|---|---:|---:|"]
    lines += [f"| {s['name']} | {s['seconds'] * 1e3:.1f} ms | {_ms(s.get('cpu_seconds'))} |"
              for s in seeds]
    lines += ["", "Generated functions of n statements (`bench/growth.py`), compiled from "
              "source text to printed gradient as `adc compile FILE -f f` does (best of "
              "3 compiles, after one untimed); peak memory by `tracemalloc`. The exponent "
              "is the least-squares slope of log(time) against log(n) for n ≥ 100.", "",
              "| program | n | compile | CPU | peak memory | emitted lines |",
              "|---|---:|---:|---:|---:|---:|"]
    for kind, g in growth.items():
        for p in g["points"]:
            lines.append(f"| {kind} | {p['n']:,} | {p['seconds'] * 1e3:,.1f} ms | "
                         f"{_ms(p.get('cpu_seconds'))} | "
                         f"{p['peak_bytes'] / 2**20:,.1f} MiB | {p['emitted_lines']:,} |")
    for kind, g in growth.items():
        lines.append(f"\n- {kind}: time exponent **{g['time_exponent']:.2f}**, "
                     f"memory exponent **{g['memory_exponent']:.2f}**")
    if plots.get("growth"):
        lines += ["", f"![compile time against program size]({plots['growth']})"]
    lines += phase_table(growth)
    s = tape["seconds"]
    lines += ["", "## Tape memory", "",
              f"The gradient of a loop of {tape['n']:,} iterations "
              "(`s = s + 0.00001 * sin(s)`, `bench/growth.py`) pushes one float per "
              f"iteration: peak {tape['peak_bytes'] / 2**20:.2f} MiB, "
              f"**{tape['bytes_per_iteration']:.1f} bytes per iteration** "
              "(8 for the list slot, 24 for the float). "
              f"Time: f {s['f'] * 1e3:.1f} ms, adcompiler {s['adcompiler'] * 1e3:.1f} ms "
              f"({s['adcompiler'] / s['f']:.1f}× f), hand-written forward mode "
              f"{s['hand-written'] * 1e3:.1f} ms.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- plots
def plot_gradients(rows, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [label for label, _ in BACKENDS if label != WRAPPED]
    markers = "os^vD<>PX*"
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(rows) + 1.8))
    for k, label in enumerate(labels):
        xs, ys = [], []
        for i, r in enumerate(rows):
            ratio = _ratio(r, label)
            if ratio is not None:
                xs.append(ratio)
                ys.append(len(rows) - 1 - i + (k - len(labels) / 2) * 0.06)
        ax.scatter(xs, ys, marker=markers[k % len(markers)], label=label,
                   s=70 if label == OURS else 30, zorder=3 if label == OURS else 2)
    for i, r in enumerate(rows):
        if r.cells[OURS].seconds is None:
            ax.annotate("adcompiler: " + r.cells[OURS].status.split(":")[0], (1.0, len(rows) - 1 - i),
                        xytext=(6, 6), textcoords="offset points", fontsize=7, color="C1")
    ax.axvline(1.0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r.name for r in reversed(rows)])
    ax.set_xlabel("gradient time ÷ time of f (log scale; lower is better)")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_growth(growth: dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for kind, g in growth.items():
        ns = [p["n"] for p in g["points"]]
        ax.loglog(ns, [p["seconds"] for p in g["points"]], "o-",
                  label=f"{kind} (exponent {g['time_exponent']:.2f})")
    ns = [p["n"] for p in next(iter(growth.values()))["points"]]
    first = next(iter(growth.values()))["points"][0]["seconds"]
    ax.loglog(ns, [first * n / ns[0] for n in ns], ":", color="grey", label="linear")
    ax.set_xlabel("statements in the function")
    ax.set_ylabel("compile time (s)")
    ax.legend(fontsize=8)
    ax.grid(which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
