"""Per-call timing with :mod:`timeit`: ``autorange`` picks the loop count, the
best of many short repeats is kept (the least disturbed by the other core's
work).  Sub-microsecond figures move by about ±30 % between runs, so the
report compares ratios measured in the same run only."""
from __future__ import annotations

import timeit

SLOW = 0.5  # seconds: a call this slow is measured once, not repeated


def per_call(call, args: tuple, repeat: int = 100) -> float:
    """Seconds per ``call(*args)``: the best of ``repeat`` runs of about 2 ms
    each (many short runs: on a shared machine, where the scheduler's slices
    are a few milliseconds, some of them run undisturbed)."""
    names = [f"a{k}" for k in range(len(args))]
    scope = dict(zip(names, args), call=call)
    timer = timeit.Timer(f"call({', '.join(names)})", globals=scope)
    number, total = timer.autorange()
    if total / number > SLOW:
        return total / number
    each = total / number
    number = max(1, number // 100)
    repeat = max(5, min(repeat, int(1.0 / (each * number))))  # about a second a cell at most
    return min(timer.repeat(repeat, number)) / number


def fmt_time(seconds: float) -> str:
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f} µs"
    if us < 10_000:
        return f"{us:,.0f} µs"
    return f"{us / 1000:,.0f} ms"
