"""Per-call timing with :mod:`timeit`.

:func:`interleaved` times the columns of one table row together: in rounds,
each round times every column once for about a millisecond, and each
column keeps its best round.  A column timed after another, even as the
best of many repeats, sees other machine conditions (the other core's load
changes within seconds on a shared machine), and the ratios within a row are
what the targets compare; interleaved, every column sees the same
conditions.  :func:`per_call` times one call on its own (the benchmarks
that compare nothing within a row)."""
from __future__ import annotations

import timeit

SLOW = 0.5  # seconds: a call this slow is measured once, not repeated
BATCH = 1e-3  # seconds of calls in one timed batch (a round's slot for one column)
BUDGET = 0.8  # seconds of calls (timed and untimed) one column gets in a row
MIN_SAMPLES = 5  # rounds a slow column (a call longer than a batch) still gets


def _timer(call, args: tuple) -> timeit.Timer:
    """A timer of ``call(a0, a1, ...)`` with the arguments bound as names
    (no ``*args`` unpacking or lambda added to a sub-microsecond call)."""
    names = [f"a{k}" for k in range(len(args))]
    scope = dict(zip(names, args), call=call)
    return timeit.Timer(f"call({', '.join(names)})", globals=scope)


def per_call(call, args: tuple, repeat: int = 100) -> float:
    """Seconds per ``call(*args)``: the best of ``repeat`` runs of about 2 ms
    each (many short runs: on a shared machine, where the scheduler's slices
    are a few milliseconds, some of them run undisturbed)."""
    timer = _timer(call, args)
    number, total = timer.autorange()
    if total / number > SLOW:
        return total / number
    each = total / number
    number = max(1, number // 100)
    repeat = max(5, min(repeat, int(1.0 / (each * number))))  # about a second a cell at most
    return min(timer.repeat(repeat, number)) / number


def interleaved(columns: dict, budget: float = BUDGET, batch: float = BATCH,
                min_samples: int = MIN_SAMPLES) -> dict:
    """``{name: seconds per call}`` for ``columns = {name: (call, args)}``,
    the best batch of each column over rounds that visit every column in
    turn (the order rotated each round, so no column always follows the
    same one).  Each timed batch follows one untimed call of its column: the
    first call after other columns ran pays for what they left behind (about
    1 ms more for a JAX or PyTorch call, measured here), which a call in a
    loop does not.  A column whose call is shorter than ``batch`` runs in
    every round (``budget / batch`` rounds); a slower one runs one call a
    batch in as many rounds, spread evenly over them, as fit in ``budget``
    (at least ``min_samples``); a call slower than :data:`SLOW` is measured
    once."""
    timers = {name: _timer(call, args) for name, (call, args) in columns.items()}
    number, best, samples = _plan(timers, budget, batch, min_samples)
    rounds = max(samples.values(), default=0)
    names = list(timers)
    for r in range(rounds):
        start = r % len(names)
        for name in names[start:] + names[:start]:
            if _due(r, samples[name], rounds):
                timers[name].timeit(1)  # untimed: the first call after other columns is slow
                seconds = timers[name].timeit(number[name]) / number[name]
                best[name] = min(best[name], seconds)
    return best


def _plan(timers: dict, budget: float, batch: float, min_samples: int) -> tuple:
    """Per column: calls per batch, the calibration's seconds per call (the
    first figure of its best), and how many batches it gets."""
    number, best, samples = {}, {}, {}
    for name, timer in timers.items():
        number[name], best[name] = _calibrate(timer, batch)
        if best[name] >= SLOW:
            samples[name] = 0  # the calibration's one call is its measurement
        else:
            cost = best[name] * (number[name] + 1)  # a batch and its untimed call
            samples[name] = max(min_samples, int(budget / max(cost, batch)))
    return number, best, samples


def _calibrate(timer: timeit.Timer, batch: float) -> tuple:
    """(calls per batch, seconds per call): tenfold counts until a run takes
    a tenth of ``batch``, then as many calls as fill ``batch``."""
    number = 1
    while True:
        seconds = timer.timeit(number)
        if seconds >= batch / 10:
            break
        number *= 10
    each = seconds / number
    return max(1, int(batch / each)), each


def _due(r: int, samples: int, rounds: int) -> bool:
    """Whether a column of ``samples`` batches runs in round ``r`` of
    ``rounds``: ``samples`` of the rounds, evenly spaced."""
    return (r + 1) * samples // rounds > r * samples // rounds


def fmt_time(seconds: float) -> str:
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f} µs"
    if us < 10_000:
        return f"{us:,.0f} µs"
    return f"{us / 1000:,.0f} ms"
