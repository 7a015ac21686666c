"""Progress of long work (a large compile, a ``swell`` sweep, the benchmark)
on stderr, one line rewritten in place, only when stderr is a terminal: a
pipe, a file or a test run stays quiet, so the output a program reads never
changes."""
from __future__ import annotations

import os
import sys
import time

#: seconds of work before the line first appears (short work shows nothing)
DELAY = 0.5


class Progress:
    """``with``-less progress: ``step(label)`` before each item, ``done()`` at
    the end (it erases the line).  Silent unless ``stream`` is a terminal and
    ``ADC_PROGRESS`` is not ``0``."""

    def __init__(self, total: int, what: str, stream=None, enabled: bool | None = None) -> None:
        self.total = total
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _wanted(self.stream) if enabled is None else enabled
        self.count = 0
        self.start = time.monotonic()
        self.shown = False

    def step(self, label: str = "") -> None:
        self.count += 1
        if not self.enabled or time.monotonic() - self.start < DELAY and not self.shown:
            return
        text = f"{self.what} {self.count}/{self.total}" + (f": {label}" if label else "")
        self.stream.write("\r" + text[:78].ljust(78))
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()
            self.shown = False


def _wanted(stream) -> bool:
    if os.environ.get("ADC_PROGRESS") == "0":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
