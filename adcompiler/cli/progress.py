"""Progress of long work (a large compile, a ``swell`` sweep, the benchmark)
on stderr, one line rewritten in place, only when stderr is a terminal: a
pipe, a file or a test run stays quiet, so the output a program reads never
changes.

Work that ends within :data:`DELAY` seconds shows nothing (no flicker); past
it, a timer shows the current step even when that one step is long (one big
function being compiled).
"""
from __future__ import annotations

import os
import sys
import threading

#: seconds of work before the line first appears
DELAY = 0.5
WIDTH = 78


class Progress:
    """``step(label)`` before each item, ``done()`` at the end (it erases the
    line).  Silent unless ``stream`` is a terminal and ``ADC_PROGRESS`` is not
    ``0``."""

    def __init__(self, total: int, what: str, stream=None, enabled: bool | None = None) -> None:
        self.total = total
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _wanted(self.stream) if enabled is None else enabled
        self.count = 0
        self.label = ""
        self.shown = False
        self._lock = threading.Lock()
        self._timer = None
        if self.enabled:
            self._timer = threading.Timer(DELAY, self._show)
            self._timer.daemon = True
            self._timer.start()

    def step(self, label: str = "") -> None:
        with self._lock:
            self.count += 1
            self.label = label
        if self.shown:
            self._show()

    def _show(self) -> None:
        with self._lock:
            if self._timer is None:  # done() ran
                return
            text = f"{self.what} {self.count}/{self.total}"
            if self.label:
                text += f": {self.label}"
            self.stream.write("\r" + text[:WIDTH].ljust(WIDTH))
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self.shown:
                self.stream.write("\r" + " " * WIDTH + "\r")
                self.stream.flush()
                self.shown = False


def _wanted(stream) -> bool:
    if os.environ.get("ADC_PROGRESS") == "0":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
