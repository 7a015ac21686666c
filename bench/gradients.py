"""The main table: per-call time of ``f`` and of every backend's gradient,
each gradient checked against the hand-written one before it is timed.  The
columns of a row (and the floors compared with them, bench/floors.py) are
timed together, interleaved (bench/timing.py): the targets are ratios within
a row."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from . import floors
from .peers import APPROXIMATE, BACKENDS, Unavailable, to_arrays
from .timing import interleaved
from .workloads import WORKLOADS

EXACT_RTOL = 1e-9  # every AD backend agrees with the hand-written one to rounding
FD_RTOL = 1e-4


@dataclass
class Cell:
    status: str  # 'ok', or why there is no time: 'unsupported: ...', 'WRONG: ...'
    seconds: float | None = None


@dataclass
class Row:
    name: str
    kind: str
    f_seconds: float | None
    cells: dict = field(default_factory=dict)
    notes: str = ""
    loop: bool = False  # a loop workload (the JIT's targets)
    floors: dict = field(default_factory=dict)  # bench/floors.py's, timed with the row


def agree(got, ref, rtol: float) -> str | None:
    """None when the gradients match, else a description of the difference."""
    got, ref = to_arrays(got), to_arrays(ref)
    if len(got) != len(ref):
        return f"{len(got)} gradients, expected {len(ref)}"
    for g, r in zip(got, ref):
        if g.shape != r.shape:
            return f"shape {g.shape}, expected {r.shape}"
        scale = max(1.0, float(np.max(np.abs(r))) if r.size else 1.0)
        err = float(np.max(np.abs(g - r))) if r.size else 0.0
        if not err <= rtol * scale:
            return f"max error {err:.2e} (scale {scale:.2e})"
    return None


def check_backend(builder, wl, args, ref, label: str) -> tuple:
    """(cell, column): the backend's gradient checked against ``ref``; the
    column ``(call, call_args)`` to time, None when there is nothing to time."""
    try:
        call, call_args = builder(wl, args)
        got = call(*call_args)
    except Unavailable as exc:
        return Cell(str(exc)), None
    except Exception as exc:  # a peer failing on a workload is a result, not a crash
        return Cell(f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"), None
    problem = agree(got, ref, FD_RTOL if label in APPROXIMATE else EXACT_RTOL)
    if problem:
        return Cell(f"WRONG: {problem}"), None
    return Cell("ok"), (call, call_args)


def run(quick: bool = False, only: str | None = None, log=sys.stderr) -> list:
    """The rows of the table; with ``quick``, checked and not timed."""
    rows = []
    for wl in WORKLOADS:
        if only and only.lower() not in wl.name.lower():
            continue
        args = wl.make_args(quick)
        ref = wl.hand(*args)
        row = Row(wl.name, wl.kind, None, notes=wl.notes, loop=wl.loop)
        columns = {}
        for label, builder in BACKENDS:
            row.cells[label], column = check_backend(builder, wl, args, ref, label)
            if column is not None:
                columns[label] = column
        if not quick:
            _time_row(row, wl, args, columns)
        for label in row.cells:
            print(f"  {wl.name}: {label}: {_brief(row.cells[label], row.f_seconds)}", file=log)
        for name, seconds in row.floors.items():
            print(f"  {wl.name}: floor: {name}: {seconds * 1e6:.3f} us", file=log)
        rows.append(row)
    return rows


def _time_row(row: Row, wl, args, columns: dict) -> None:
    """Time ``f``, the checked cells and the row's floors interleaved, and
    fill in their seconds."""
    extra = floors.columns(wl, args, columns)
    times = interleaved({"f": (wl.f, args), **columns, **extra})
    row.f_seconds = times["f"]
    for label in columns:
        row.cells[label].seconds = times[label]
    row.floors = floors.from_times(times)


def _brief(cell: Cell, f_seconds) -> str:
    if cell.seconds is None:
        return cell.status
    ratio = f" ({cell.seconds / f_seconds:.2f}x f)" if f_seconds else ""
    return f"{cell.seconds * 1e6:.3f} us{ratio}"


def problems(rows: list) -> list:
    """Cells that show a wrong gradient or a crash (the smoke test's failures)."""
    return [(r.name, label, c.status) for r in rows for label, c in r.cells.items()
            if c.status.startswith(("WRONG", "error"))]
