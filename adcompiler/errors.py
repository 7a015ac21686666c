"""The errors a user can see.  Everything the compiler refuses is a
:class:`CompileError` that names the construct and where it is."""
from __future__ import annotations


class AdcError(Exception):
    """Base class of every error adcompiler raises on purpose."""


class CompileError(AdcError):
    """Source that adcompiler cannot differentiate (yet), with its location."""

    def __init__(self, message: str, filename: str = "<unknown>", line: int = 0,
                 col: int = 0, construct: str = "") -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.col = col
        self.construct = construct
        super().__init__(self.format())

    def format(self) -> str:
        """``FILE:LINE:COL: error: MESSAGE``, the form compilers and editors know."""
        return f"{self.filename}:{self.line}:{self.col}: error: {self.message}"


class UsageError(AdcError):
    """A wrong call of the API (bad ``wrt``, not a function, ...)."""
