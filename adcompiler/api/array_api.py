"""Arguments from another array library: ``grad(f)(x)`` with PyTorch
tensors, Dask, CuPy, JAX or ``array_api_strict`` arrays compiles ``f`` with
the array-api emission backend (emit/backend.py), cached per library and
shapes, and runs the emitted code on the caller's arrays (no conversion to
NumPy).  NumPy arrays and numbers keep the plain NumPy code.

The choice is automatic: a call is *foreign* when one of its arguments is an
array of the Array API standard (``array_api_compat.is_array_api_obj``)
that is not a NumPy array.
"""
from __future__ import annotations

import numpy as np

from ..emit import backend

#: argument types that are never foreign (the common case, checked cheaply)
PLAIN = frozenset((float, int, bool, complex, np.ndarray, str, type(None), dict, list, tuple,
                   np.float64, np.float32, np.int64, np.int32, np.bool_))


def is_foreign(value) -> bool:
    """Is ``value`` an Array API array of a library other than NumPy?"""
    if type(value) in PLAIN or isinstance(value, (np.ndarray, np.generic)):
        return False
    try:
        from array_api_compat import is_array_api_obj
    except ImportError:  # pragma: no cover - a runtime dependency
        return False
    return is_array_api_obj(value)


def backend_of(args: tuple, kwargs: dict) -> str:
    """The emission backend for a call with these arguments."""
    if any(map(is_foreign, args)) or any(map(is_foreign, kwargs.values())):
        return backend.ARRAY_API
    return backend.NUMPY


def key_of(value):
    """What the compiled code depends on for one foreign array: its type,
    shape and dtype."""
    return (type(value), tuple(value.shape), str(value.dtype))


def stand_in(value):
    """A read-only NumPy array of ``value``'s shape and kind of dtype, for
    the shape signature (arrays/context.py reads NumPy arrays); ``value``
    itself is never converted."""
    if not is_foreign(value):
        return value
    from array_api_compat import array_namespace
    xp = array_namespace(value)
    shape = tuple(value.shape)
    if any(not isinstance(d, int) for d in shape):
        from ..errors import UsageError
        raise UsageError(f"an argument of unknown shape {shape} (a Dask array with unknown "
                         "chunk sizes?): compute its chunk sizes first (x.compute_chunk_sizes())")
    if xp.isdtype(value.dtype, "bool"):
        dtype = np.bool_
    elif xp.isdtype(value.dtype, "integral"):
        dtype = np.int64
    else:
        dtype = np.float64
    return np.broadcast_to(np.zeros((), dtype), shape)


def stand_ins(args: tuple, kwargs: dict) -> tuple:
    return (tuple(map(stand_in, args)), {k: stand_in(v) for k, v in kwargs.items()})


def plain(types: tuple) -> bool:
    """Are these argument types all NumPy's or Python's (no foreign array)?"""
    return PLAIN.issuperset(types)


#: what a library's namespace lacks or computes differently from the
#: standard (array_api_compat 1.16): the emitted call -> what the user wrote
_GAPS = {"dask": {"xp.linalg.det(": "np.linalg.det", "xp.linalg.slogdet(": "np.linalg.slogdet",
                  "xp.linalg.eigh(": "np.linalg.eigvalsh (its derivative uses eigh)",
                  "xp.linalg.cholesky(": "np.linalg.cholesky (Dask's gives the upper factor)",
                  "xp.take_along_axis(": "np.sort along an axis of a 2-d array",
                  "xp.take(xp.concat([": "the gradient of x[mask] (boolean indexing: "
                                         "Dask's chunks become unknown)"}}


def check_library(source: str, args: tuple, kwargs: dict) -> None:
    """Refuse by name, before running it, code that calls what the caller's
    library does not have (or gets wrong): a clear error instead of an
    AttributeError inside the emitted code, or a wrong gradient."""
    values = [a for a in list(args) + list(kwargs.values()) if is_foreign(a)]
    if not values:
        return
    from array_api_compat import is_dask_array, is_torch_array
    from ..errors import UsageError
    library = "dask" if any(map(is_dask_array, values)) else \
        "torch" if any(map(is_torch_array, values)) else None
    flat = "".join(source.split())  # (the printer may break a line inside a name)
    for needle, what in _GAPS.get(library, {}).items():
        if needle in flat:
            raise UsageError(f"{what} is not available for {library} arrays (array_api_compat's "
                             f"{library} namespace has no standard {needle[3:-1]}): compute it "
                             "with NumPy arrays, or another library's")
    if library == "torch" and _negative_step(flat):
        raise UsageError("a slice with a negative step (x[::-1]) is not available for torch "
                         "tensors (PyTorch has none): use np.flip(x), or NumPy arrays")


def _negative_step(flat: str) -> bool:
    """Does the code (without blanks) take a slice with a negative step?"""
    import re
    for inside in re.findall(r"\[([^\[\]]*)\]", flat):
        for part in inside.split(","):
            pieces = part.split(":")
            if len(pieces) == 3 and pieces[2].startswith("-"):
                return True
    return False
