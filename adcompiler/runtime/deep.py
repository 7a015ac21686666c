"""Deeply nested input (a sum of thousands of terms, a function of ten
thousand statements) nests the compiler's recursion (AST walks, lowering of
nested expressions, printing) deeper than Python's default limit of 1000
frames, though Python itself compiles such code.

:func:`deep` runs a compilation step normally and, only if it raises
``RecursionError``, once more in a thread with a large stack and a high
recursion limit.  Ordinary input pays nothing; the steps it wraps are pure
(nothing is cached before they return), so running one twice is safe.
"""
from __future__ import annotations

import functools
import sys
import threading

STACK_BYTES = 512 * 1024 * 1024  # reserved, not touched: pages are committed on use
RECURSION_LIMIT = 100_000  # about 5x what a 10,000-term sum needs
_LOCK = threading.Lock()


def deep(fn):
    """Decorator: retry ``fn`` with a deep stack when it runs out of recursion."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RecursionError:
            if getattr(_STATE, "inside", False):
                raise  # already on the deep stack: really too deep
        return _on_deep_stack(fn, args, kwargs)

    return wrapper


_STATE = threading.local()


def _on_deep_stack(fn, args, kwargs):
    result: dict = {}

    def run():
        _STATE.inside = True
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller's thread below
            result["error"] = exc

    with _LOCK:  # the limit and the stack size are process-wide settings
        old_stack, old_limit = threading.stack_size(), sys.getrecursionlimit()
        threading.stack_size(STACK_BYTES)
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        try:
            worker = threading.Thread(target=run, name="adcompiler-deep")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(old_stack)
            sys.setrecursionlimit(old_limit)
    if "error" in result:
        raise result["error"]
    return result["value"]
