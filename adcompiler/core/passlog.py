"""The named passes of the pipeline, and a log of what each one produced.

Every pass (compiler.py, transform/composite.py) hands its result to
:func:`adcompiler.compiler.observed` under one of the names in :data:`PASSES`;
inside :func:`recording` each function is kept as that pass left it.
``adc compile --dump-ir --after PASS`` prints the log with :func:`render`,
the way a compiler's "print after pass" option does: the IR after every run
of the pass, in pipeline order.  Outside :func:`recording` nothing is kept.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from ..errors import UsageError
from .ir import Function
from .pretty import pformat

#: every pass ``adc compile --dump-ir --after PASS`` can show, in pipeline order
PASSES = {
    "lower": "source to IR, every function of the program",
    "inline": "array code, the user's helpers inlined into the entry",
    "reverse": "the reverse-mode transform, a gradient or f_fwd/f_bwd of a helper",
    "forward": "the forward-mode (tangent) transform, also over reverse-mode code for an HVP",
    "optimize": "folding, exact identities, CSE, DCE, tape pruning, after every transform",
    "algebra": "scalar code, adjoint expressions collected and factored, then optimize",
    "specialize": "array code, shape-aware rewrites for the known shapes, then optimize",
    "finish": "once before emission, tape walks (a loop reading its tape back), a last DCE, "
              "in scalar code int literals beside floats written as floats",
    "emit": "the IR handed to the emitter, the default",
}

#: what ``--dump-ir`` shows without ``--after``
DEFAULT = "emit"


@dataclass
class PassEvent:
    """One function as one pass left it; ``types(fn)`` gives its ``(shapes,
    kinds)`` maps (array code) or is None; computed only when printed."""

    name: str
    fn: Function
    types: object = None

    def text(self) -> str:
        shapes = kinds = None
        if self.types is not None:
            try:
                shapes, kinds = self.types(self.fn)
            except Exception:  # noqa: BLE001 - types are a courtesy of the dump
                shapes = kinds = None
        return pformat(self.fn, shapes, kinds)


class PassLog:
    """The passes run while :func:`recording` is active, in order."""

    def __init__(self) -> None:
        self.events: list = []


_LOG: PassLog | None = None


@contextlib.contextmanager
def recording():
    """Log every pass of the compilations run inside (for ``--dump-ir``)."""
    global _LOG
    saved, _LOG = _LOG, PassLog()
    try:
        yield _LOG
    finally:
        _LOG = saved


def record(name: str, fn: Function, types=None) -> None:
    assert name in PASSES, f"pass {name!r}: give every pass a name and a line in PASSES"
    lap(name)
    if _LOG is not None:
        _LOG.events.append(PassEvent(name, fn, types))


_LAPS: dict | None = None  # phase -> CPU seconds, inside timing()
_LAST = 0.0


@contextlib.contextmanager
def timing():
    """CPU seconds spent in each pass (summed over its runs) by the
    compilations run inside: the per-phase breakdown of compile time
    (bench/growth.py).  A pass is charged the time since the previous pass
    ended; the emitter's phases after ``emit`` are ``write`` (IR to
    Python AST), ``globals`` (the walk renaming shadowed module names, and the
    imports) and ``print`` (AST to text)."""
    global _LAPS, _LAST
    saved = _LAPS, _LAST
    _LAPS, _LAST = {}, time.process_time()
    try:
        yield _LAPS
    finally:
        _LAPS, _LAST = saved


def lap(phase: str) -> None:
    """Charge the CPU time since the last lap to ``phase`` (inside :func:`timing`)."""
    global _LAST
    if _LAPS is not None:
        now = time.process_time()
        _LAPS[phase] = _LAPS.get(phase, 0.0) + now - _LAST
        _LAST = now


def mark() -> int:
    """A position in the log (see :func:`forget`)."""
    return len(_LOG.events) if _LOG is not None else 0


def forget(start: int, stop: int | None = None) -> None:
    """Drop the events logged between two marks: a compilation whose result
    is not emitted (a failed attempt, the fallback not taken)."""
    if _LOG is not None:
        del _LOG.events[start:stop]


def restart() -> None:
    """Forget everything logged so far (the command line compiles again)."""
    forget(0)


def render(log: PassLog, after: str = DEFAULT) -> str:
    """The IR after every run of pass ``after``, each function under a
    ``# after PASS`` line.  A pass that never ran is a :class:`UsageError`
    naming the passes that did."""
    if after not in PASSES:
        raise UsageError(f"unknown pass {after!r} for --after; the passes are "
                         f"{', '.join(PASSES)}")
    chosen = [e for e in log.events if e.name == after]
    if not chosen:
        ran = [p for p in PASSES if any(e.name == p for e in log.events)]
        raise UsageError(f"the pass {after!r} did not run in this compilation (it ran: "
                         f"{', '.join(ran) or 'nothing'})")
    return "\n\n".join(f"# after {after}\n{e.text()}" for e in chosen) + "\n"
