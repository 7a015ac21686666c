"""Short tracebacks for the errors users are meant to read.

A :class:`~adcompiler.errors.CompileError` is raised deep in the compiler
(lowering, shape inference, ...), about twenty frames below the user's call.
Those frames say nothing to the user, whose code is what the message is
about; so the public entry points re-raise an :class:`AdcError` with its
traceback cut at the entry point: the user sees their own call, one line of
adcompiler and the message.  Set ``ADC_FULL_TRACEBACK=1`` to keep every frame
(when debugging adcompiler itself).
"""
from __future__ import annotations

import functools
import os

from ..errors import AdcError

FULL = "ADC_FULL_TRACEBACK"


def user_error(err: AdcError) -> AdcError:
    """``err`` without the internal frames it has collected so far."""
    return err if os.environ.get(FULL) else err.with_traceback(None)


def user_facing(fn):
    """``fn`` whose AdcErrors arrive with a short traceback (see module doc)."""
    @functools.wraps(fn)
    def entry_point(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AdcError as err:
            raise user_error(err) from None
    return entry_point
