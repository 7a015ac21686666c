"""The independent oracle: central differences with a step check, every
evaluation under a time budget.

Nothing here imports adcompiler.  For each input coordinate the function is
evaluated at ``x ± h``, ``x ± h/2`` and ``x ± h3`` (a small step).  The
coordinate counts as *smooth* only if (1) the central estimates for ``h``
and ``h/2`` agree, (2) the one-sided slopes left and right of ``x`` agree
and (3) the estimate at ``h3`` agrees too; a branch switch, a kink
(``abs`` at 0, ``max`` at a tie) or a jump (``floor``) within the step fails
one of them, and that coordinate is skipped -- and counted, so a run reports
how much it could not check.  Smooth coordinates are compared with the
Richardson extrapolation of the two central estimates.
"""
from __future__ import annotations

import contextlib
import math
import signal
import time

import numpy as np

EPS = np.finfo(float).eps


class Timeout(BaseException):
    """A budget ran out (BaseException: user code cannot swallow it)."""


@contextlib.contextmanager
def budget(seconds: float):
    """Raise :class:`Timeout` in the block after ``seconds`` (main thread,
    POSIX); budgets nest by keeping the outer one's remaining time."""
    def expire(signum, frame):
        raise Timeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    outer = signal.getitimer(signal.ITIMER_REAL)[0]
    start = time.monotonic()
    if outer and outer < seconds:  # the outer budget ends first: it fires
        signal.signal(signal.SIGALRM, previous)
        previous = None
    else:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if previous is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if outer:
                left = outer - (time.monotonic() - start)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


def copy_args(args) -> list:
    return [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]


def as_float(value):
    """The function's result as a float, or None if it is not a finite real."""
    if isinstance(value, (bool, np.bool_)):
        value = float(value)
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    return float(value)


class Partial:
    """The oracle's estimate for one parameter: ``value`` (float or array)
    and ``smooth`` (bool or bool array: which coordinates were checkable)."""

    def __init__(self, value, smooth, noise) -> None:
        self.value, self.smooth, self.noise = value, smooth, noise


def _coordinate(call, args, i, index, f0):
    """(estimate, smooth, noise) for d f / d args[i][index] (index None: scalar)."""
    x = args[i] if index is None else args[i][index]
    # the step grows with |x| (rounding) but is capped: at x = 1e8 a relative
    # step of 1000 skips whole periods of sin(x) (a false alarm once), while
    # x + 1e-2 still has eight significant digits of step there
    h = 1e-5 * min(max(1.0, abs(float(x))), 1e3)

    def at(step):
        moved = copy_args(args)
        if index is None:
            moved[i] = float(x) + step
        else:
            moved[i] = moved[i].astype(float)
            moved[i][index] = float(x) + step
        return call(moved)

    up, down, up2, down2 = at(h), at(-h), at(h / 2), at(-h / 2)
    if any(v is None or not math.isfinite(v) for v in (up, down, up2, down2, f0)):
        return math.nan, False, 0.0
    c1, c2 = (up - down) / (2 * h), (up2 - down2) / h
    # h3: a small step, so that a staircase is not mistaken for a slope:
    # floor(x) at x = 1e8 (where h = 1000), or floor(g(x)) where g is steep;
    # at h3 the function moves by about 0.1 at most
    h3 = max(min(h / 4, 1e-4, 0.1 / max(1.0, abs(c2))), 1e4 * EPS * max(1.0, abs(float(x))))
    up3, down3 = at(h3), at(-h3)
    values = (up, down, up2, down2, up3, down3, f0)
    if any(v is None or not math.isfinite(v) for v in values):
        return math.nan, False, 0.0
    big = 64 * EPS * max(1.0, *(abs(v) for v in values))
    noise = big / h
    c3 = (up3 - down3) / (2 * h3)
    right, left = (up2 - f0) / (h / 2), (f0 - down2) / (h / 2)
    scale = max(1.0, abs(c2))
    smooth = abs(c1 - c2) <= 1e-3 * scale + 4 * noise and \
        abs(right - left) <= 1e-2 * scale + 8 * noise and \
        abs(c3 - c2) <= 1e-2 * scale + 4 * big / h3
    # a slope that differs left and right of x by less than the kink test
    # (a small kink, e.g. in a tiny derivative) widens the tolerance by it
    return (4 * c2 - c1) / 3, bool(smooth), noise + abs(c1 - c2) / 10 + abs(right - left) / 10


def partials(fn, args, wrt, seconds: float = 10.0) -> dict:
    """``{i: Partial}`` for each parameter index in ``wrt``."""
    def call(moved):
        try:
            return as_float(fn(*moved))
        except Exception:  # noqa: BLE001 -- f fails at this point: no estimate
            return None

    with budget(seconds):
        f0 = call(copy_args(args))
        out = {}
        for i in wrt:
            a = args[i]
            if isinstance(a, np.ndarray):
                est, ok, noise = (np.zeros(a.shape), np.zeros(a.shape, bool),
                                  np.zeros(a.shape))
                for index in np.ndindex(a.shape):
                    est[index], ok[index], noise[index] = _coordinate(call, args, i, index, f0)
                out[i] = Partial(est, ok, noise)
            else:
                out[i] = Partial(*_coordinate(call, args, i, None, f0))
    return out


def second_partial(fn, args, i, j, seconds: float = 10.0):
    """(d2 f / d args[i] d args[j], smooth, noise) for scalar parameters, by
    second differences at steps h and h/2.  Smooth only if both steps agree
    and the one-sided stencils (right of and left of the point) agree with
    them: a branch switch at the point that leaves f and f' continuous
    (``log(1 + x*x)`` for x > 0, ``0`` below) is caught there."""
    def call(di, dj):
        moved = list(args)
        moved[i] = float(moved[i]) + di
        moved[j] = float(moved[j]) + dj
        try:
            v = as_float(fn(*moved))
        except Exception:  # noqa: BLE001 -- f fails here: no estimate
            return None
        return v if v is not None and math.isfinite(v) else None

    def stencil(h, weights):
        vals = [(w, call(di * h, dj * h)) for w, di, dj in weights]
        if any(v is None for _, v in vals):
            return None, 0.0
        return sum(w * v for w, v in vals) / (h * h), \
            64 * EPS * max(1.0, *(abs(v) for _, v in vals)) / (h * h)

    if i == j:
        central = [(1, 1, 0), (-2, 0, 0), (1, -1, 0)]
        right = [(1, 2, 0), (-2, 1, 0), (1, 0, 0)]
        left = [(1, 0, 0), (-2, -1, 0), (1, -2, 0)]
    else:
        central = [(0.25, 1, 1), (-0.25, 1, -1), (-0.25, -1, 1), (0.25, -1, -1)]
        right = [(1, 1, 1), (-1, 1, 0), (-1, 0, 1), (1, 0, 0)]
        left = [(1, 0, 0), (-1, -1, 0), (-1, 0, -1), (1, -1, -1)]
    with budget(seconds):
        # capped at 0.01: at x = -1e4 a step of 0.1 skipped oscillations of
        # sin(x) * x and the absolute smoothness test passed (a false alarm)
        h = 1e-3 * min(max(1.0, abs(float(args[i])), abs(float(args[j]))), 10.0)
        (e1, n1), (e2, n2) = stencil(h, central), stencil(h / 2, central)
        (r, nr), (lf, nl) = stencil(h / 2, right), stencil(h / 2, left)
    if None in (e1, e2, r, lf):
        return math.nan, False, 0.0
    scale = max(1.0, abs(e2))
    noise = n1 + n2 + nr + nl
    smooth = abs(e1 - e2) <= 2e-3 * scale + 4 * noise and \
        abs(r - lf) <= 2e-2 * scale + 4 * noise
    return (4 * e2 - e1) / 3, smooth, n1 + n2 + abs(e1 - e2) / 10


def numpy_mismatch(got, want) -> str:
    """Why the array-api backend's ``got`` is not NumPy's ``want`` (``''``:
    it is): float64 numbers equal to rounding (1e-9 of the largest
    magnitude), not float32 ones, which the 1e-5 of the differences lets
    through."""
    g, w = np.asarray(got), np.asarray(want)
    if g.dtype.kind == "f" and w.dtype.kind == "f" and g.dtype.itemsize < w.dtype.itemsize:
        return f"precision: {g.dtype} where NumPy gives {w.dtype}"
    g, w = g.astype(float), w.astype(float)
    finite = np.abs(w[np.isfinite(w)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    bad = ~((np.abs(g - w) <= 1e-9 * scale) | (g == w) | (np.isnan(g) & np.isnan(w)))
    if bad.any():
        where = tuple(np.argwhere(bad)[0]) if g.shape else ()
        return f"precision: {g[where]!r} != NumPy's {w[where]!r}"
    return ""
