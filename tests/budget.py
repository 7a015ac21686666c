"""Time budgets for the tests: nothing the suite calls (sympy above all, whose
``evalf``/``simplify`` once ran for 11 minutes) may hang it.

:func:`time_budget` arms ``SIGALRM`` for a block and raises
:class:`BudgetExceeded` inside it when the time is up; budgets nest (an inner
budget restores what is left of the outer one).  ``conftest.py`` runs every
test under :data:`TEST_SECONDS` (``@pytest.mark.budget(s)`` changes it), and
the sympy oracles run each sympy call under :data:`SYMPY_SECONDS`.  Where
there is no ``SIGALRM`` (Windows) or off the main thread the block runs
unbounded.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

TEST_SECONDS = 120.0
SYMPY_SECONDS = 30.0


class BudgetExceeded(BaseException):
    """A block overran its time budget (raised where the block was).

    A ``BaseException``, like ``KeyboardInterrupt``: code that catches
    ``Exception`` (sympy, the code under test) cannot swallow it, and
    hypothesis stops at once instead of shrinking the example, which would
    run the slow call again and again."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float, what: str = "the block"):
    """Run the ``with`` block for at most ``seconds``."""
    if not _can_alarm():
        yield
        return

    def expire(signum, frame):
        raise BudgetExceeded(f"{what} overran its time budget of {seconds:g} s")

    old_handler = signal.signal(signal.SIGALRM, expire)
    # after the first alarm, again every second: even code that swallows the
    # exception cannot run on unbounded
    outer_left, _ = signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if outer_left:
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def sympy_call(fn, *args, seconds: float = SYMPY_SECONDS, **kwargs):
    """``fn(*args, **kwargs)`` (a sympy call) within ``seconds``."""
    with time_budget(seconds, f"sympy's {getattr(fn, '__name__', 'call')}"):
        return fn(*args, **kwargs)
