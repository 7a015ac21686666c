"""The errors a user can see.  Everything the compiler refuses is a
:class:`CompileError` that names the construct and where it is."""
from __future__ import annotations

import functools


class AdcError(Exception):
    """Base class of every error adcompiler raises on purpose.

    Parameters:
        message: what went wrong, in one line.

    Returns:
        (an exception class) catch it to handle any adcompiler refusal.

    Example:
        >>> try:
        ...     adcompiler.grad(len)
        ... except adcompiler.AdcError as err:
        ...     print(type(err).__name__)
        UsageError
    """


class CompileError(AdcError):
    """Source that adcompiler cannot differentiate (yet), with its location.

    Parameters:
        message: what is not supported and why.
        filename, line, col: where, in the user's file.
        construct: the construct refused (``"while"``, ``"lambda"``...).

    Returns:
        (an exception class) ``str(err)`` is ``FILE:LINE:COL: error: MESSAGE``.

    Example:
        >>> def f(x):
        ...     return str(x)
        >>> adcompiler.grad(f)(1.0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        adcompiler.errors.CompileError: <doctest ...>:2:12: error: the function str is not supported
    """

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
    """A wrong call of the API (bad ``wrt``, not a function, ...).

    Parameters:
        message: what is wrong with the call.

    Returns:
        (an exception class)

    Example:
        >>> def f(x):
        ...     return x * x
        >>> adcompiler.grad(f, wrt="y")
        Traceback (most recent call last):
        ...
        adcompiler.errors.UsageError: f has no parameter named 'y' (it has x)
    """


class DerivativeRefused(AdcError):
    """A derivative rule cannot write this derivative (``math.lgamma``'s
    needs ``digamma``, which only SciPy provides).  Rules know the
    equation's line, not its file: the transform drivers
    (:func:`located_refusals`) turn it into a :class:`CompileError` there.

    Parameters:
        message: what cannot be differentiated and the workaround.
        loc: the equation's location (``adcompiler.core.ir.Loc``).
        construct: the function refused (``"math.lgamma"``).
    """

    def __init__(self, message: str, loc, construct: str = "") -> None:
        self.message = message
        self.loc = loc
        self.construct = construct
        super().__init__(f"line {loc.line}: {message}")

    def located(self, filename: str) -> CompileError:
        return CompileError(self.message, filename, self.loc.line, self.loc.col, self.construct)


def located_refusals(driver):
    """Decorate a transform driver whose first argument is the IR function:
    a rule's :class:`DerivativeRefused` leaves it as a :class:`CompileError`
    naming that function's file and the line."""
    @functools.wraps(driver)
    def run(fn, *args, **kwargs):
        try:
            return driver(fn, *args, **kwargs)
        except DerivativeRefused as exc:
            raise exc.located(fn.filename) from None
    return run


def not_a_sequence(e, filename: str) -> CompileError:
    """``len``, indexing or a ``for`` loop on a number (the IR equation
    ``e``): Python raises TypeError there, so no derivative is emitted.
    Both the scalar transforms and the array shape inference refuse it."""
    what = "indexing" if e.prim == "index" else "this loop (or len())"
    where = f" ({e.loc.text.strip()})" if e.loc.text else ""
    return CompileError(f"{what} gets a number, not an array, a list or a tuple{where}: Python "
                        "raises TypeError there", filename, e.loc.line, e.loc.col,
                        "not a sequence")
