"""Binomial checkpointing of a loop's state (Griewank's revolve schedule).

A gradient compiled with ``checkpoints=K`` does not store a tape entry per
iteration of a checkpointed loop.  The primal loop offers the state it starts
each iteration with (``snapshots.append((i, *state))``) and this object keeps
only the positions of the revolve schedule; the adjoint loop, at iteration
``i``, asks for the latest kept state at or before ``i``
(``j, *state = snapshots.restore(i)``), runs the loop's body forward from
``j`` to ``i`` (offering again the states it passes, some of which are kept)
and then recomputes iteration ``i`` and its adjoint.  At most ``K`` states
are kept at once, and the number of recomputed iterations is the minimum any
such schedule can reach (Griewank and Walther, "Algorithm 799: revolve",
ACM TOMS 26, 2000): ``tests/test_checkpoints.py`` checks both against a
brute-force search.

The emitted code imports this module (``import adcompiler.runtime.checkpoints``);
it has no dependency beyond the standard library.
"""
from __future__ import annotations

from functools import lru_cache
from math import comb


def _binomial(c: int, t: int) -> int:
    """How many steps ``c`` kept states reverse with each step run at most
    ``t + 1`` times: ``C(c + t, c)`` (0 for ``t < 0``)."""
    return comb(c + t, c) if t >= 0 else 0


def _repetitions(steps: int, kept: int) -> int:
    """The least ``t`` with ``_binomial(kept, t) >= steps``."""
    t = 0
    while _binomial(kept, t) < steps:
        t += 1
    return t


@lru_cache(maxsize=1 << 14)
def split(steps: int, kept: int, primal: bool) -> int:
    """Where to keep the next state, as an offset from the kept state a
    segment of ``steps`` iterations starts at, ``kept`` states being
    available (the start's own included, ``kept >= 2``, ``steps >= 2``).

    ``primal``: the segment's iterations up to its end are run anyway by the
    primal loop, so the right part costs nothing to reach (the optimum then
    places the split further right than when it must be recomputed)."""
    t = _repetitions(steps, kept)
    if primal:
        m = min(_binomial(kept, t - 1), steps - _binomial(kept - 1, t - 1) + 1, steps - 1)
    else:
        m = max(_binomial(kept, t - 2), steps - _binomial(kept - 1, t))
    return max(m, 1)


#: values kept as they are (immutable); anything else is copied when handed
#: out, so that the recomputation may not change a kept state in place
_SCALARS = frozenset((float, int, bool, complex, type(None)))


def _handed_out(item: tuple) -> tuple:
    for value in item:
        if type(value) not in _SCALARS:
            return tuple(_copied(v) for v in item)
    return item


def _copied(value):
    """A copy of a NumPy array (or anything with ``.copy()``); other values
    (tuples of numbers, ...) as they are."""
    copy = None if type(value) in _SCALARS else getattr(value, "copy", None)
    return value if copy is None else copy()


class Revolve:
    """The kept states of one checkpointed loop over ``steps`` (a ``range``),
    with at most ``snapshots`` of them at once."""

    def __init__(self, snapshots: int, steps: range) -> None:
        if snapshots < 1:
            raise ValueError(f"checkpoints must be at least 1, not {snapshots}")
        self.limit = snapshots
        self.start, self.step = steps.start, steps.step
        self.kept: list = []  # (position, (index, *state)), positions increasing
        self.peak = 0  # the most states kept at once
        self._plan(self._chain(0, len(steps), snapshots, primal=True))

    def _plan(self, positions: list) -> None:
        """Keep the states at ``positions`` (increasing) when they are offered;
        ``want`` is the loop index of the next one (one comparison per step)."""
        self.plan = [self.start + p * self.step for p in reversed(positions)]
        self.want = self.plan.pop() if self.plan else None

    def _chain(self, at: int, steps: int, kept: int, primal: bool) -> list:
        """Positions to keep from ``at`` on: the right-hand descent of revolve."""
        if kept >= steps:  # room for every state: keep them all, recompute nothing
            return list(range(at, at + steps))
        plan = [at]
        while steps > 1 and kept > 1:
            m = split(steps, kept, primal)
            at, steps, kept = at + m, steps - m, kept - 1
            plan.append(at)
        return plan

    def append(self, item: tuple) -> None:
        """The state ``item = (index, *values)`` an iteration starts with:
        kept when the schedule says so.  Kept as it is, like a tape entry:
        the emitted code never writes in place into a value it pushed."""
        if item[0] == self.want:
            kept = self.kept
            kept.append(((item[0] - self.start) // self.step, item))
            if len(kept) > self.peak:
                self.peak = len(kept)
            self.want = self.plan.pop() if self.plan else None

    def restore(self, index: int) -> tuple:
        """``(j, *state)``: the latest kept state at or before iteration
        ``index``, from which the caller runs forward to ``index``.  States
        after ``index`` are done with and dropped."""
        at = (index - self.start) // self.step
        kept = self.kept
        if kept[-1][0] == at:  # kept: nothing to recompute, and done with after this
            self.want = None
            return _handed_out(kept.pop()[1])
        while kept[-1][0] > at:
            kept.pop()
        start, item = kept[-1]
        free = self.limit - len(kept) + 1
        if free == 1:  # no room to keep a state on the way
            self.want = None
        else:
            self._plan(self._chain(start, at + 1 - start, free, primal=False)[1:])
        return _handed_out(item)
