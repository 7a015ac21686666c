"""The rule for argument and gradient types (docs/conventions.md, "Integer
and boolean inputs"; "Complex inputs").

* A differentiated argument that is an integer or a boolean array, a list
  or tuple of numbers, or a NumPy boolean is differentiated as if it were
  real-valued: the emitted code receives it converted to a float64 array (or
  ``float``).  Otherwise ``np.zeros_like(x)`` accumulators truncate and
  in-place updates of integer arrays raise ``UFuncTypeError``.  A Python
  ``int``/``bool`` or NumPy integer scalar is passed unchanged: it may be a
  ``range`` bound or an index, and scalar arithmetic on it gives the values
  the equal float would; only its gradient is made a float.
* Every gradient returned is a Python ``float`` (or a NumPy float scalar) or a
  float array, never a ``bool`` or an ``int``: ``d/dy (x > 0) * y`` is
  ``1.0``, not ``True``.
* Complex numbers are refused: the derivative of a non-holomorphic function
  (``abs``, ``x.real``) needs a convention (conjugate or not, Wirtinger
  derivatives) that adcompiler does not implement, and ``math`` functions
  raise on complex arguments anyway.
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError

_INTEGRAL = (bool, int, np.bool_, np.integer)
_COMPLEX = (complex, np.complexfloating)


def complex_error(name: str) -> UsageError:
    return UsageError(
        f"argument {name} is complex: complex arguments are not supported (adcompiler "
        "differentiates real-valued functions of real arguments; a complex derivative needs "
        "a convention, conjugate or Wirtinger, that it does not implement)")


def needs_conversion(value) -> bool:
    """Whether :func:`as_real` may change ``value`` (decided by type alone,
    so that a plan made for one call holds for every call with the same types)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biuc"
    return isinstance(value, _COMPLEX + (list, tuple, np.bool_))


def as_real(value, name: str):
    """``value`` as a float, or a float64 array, when it is integral or boolean."""
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind == "c":
            raise complex_error(name)
        return value.astype(np.float64) if kind in "biu" else value
    if isinstance(value, (list, tuple)):
        try:
            arr = np.asarray(value)
        except ValueError:  # ragged: not an array of numbers, leave it alone
            return value
        if arr.dtype.kind == "c":
            raise complex_error(name)
        return arr.astype(np.float64) if arr.dtype.kind in "biuf" else value
    if isinstance(value, _COMPLEX):
        raise complex_error(name)
    if isinstance(value, np.bool_):  # `-b` raises on a NumPy bool
        return float(value)
    return value


def refuse_complex(names, values) -> None:
    """Refuse complex scalars and arrays anywhere in a call's arguments."""
    for name, value in zip(names, values):
        if isinstance(value, _COMPLEX) or (isinstance(value, np.ndarray)
                                           and value.dtype.kind == "c"):
            raise complex_error(name)


def float_gradient(value):
    """A gradient as a float (array); a complex gradient (the function
    produced complex numbers, e.g. a negative number to a fractional power)
    is refused."""
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind == "f":
            return value
        if kind in "biu":
            return value.astype(np.float64)
        if kind == "c":
            raise _complex_result()
        return value
    if isinstance(value, _INTEGRAL):
        return float(value)
    if isinstance(value, _COMPLEX):
        raise _complex_result()
    return value


def _complex_result() -> UsageError:
    return UsageError("the gradient is complex: the function produced complex numbers (for "
                      "example a negative number to a fractional power); complex values are "
                      "not supported")
