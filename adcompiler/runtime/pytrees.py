"""Arguments that are structures (pytrees): dicts, lists and tuples, nested,
of NumPy arrays and numbers (JAX's convention; frontend/pytrees.py compiles them).

A top-level list or tuple of numbers (or of lists of numbers) stays what it
was before pytrees: a vector or matrix, converted to a float array
(realargs.py).  A dict is always a structure, and so is a list or tuple that
holds an array or a dict somewhere.
"""
from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .realargs import as_real, complex_error, float_gradient

_CONTAINERS = (dict, list, tuple)


def is_tree(value) -> bool:
    if isinstance(value, dict):
        return True
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, (dict, np.ndarray)) or
                   (isinstance(v, (list, tuple)) and is_tree(v)) for v in value)
    return False


def spec(value, where: str):
    """The structure of ``value`` and the kind of each leaf: what the compiled
    code depends on (``('leaf', description)`` or ``(kind, keys, children)``)."""
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise UsageError(f"{where} has the key {key!r}: keys of a dict of parameters "
                                 "must be strings or integers")
        return ("dict", tuple(value), tuple(spec(v, f"{where}[{k!r}]") for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return (kind, tuple(range(len(value))),
                tuple(spec(v, f"{where}[{k}]") for k, v in enumerate(value)))
    return ("leaf", _leaf_kind(value, where))


def _leaf_kind(value, where: str):
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            raise complex_error(where)
        if value.dtype.kind not in "biuf":
            raise UsageError(f"{where} is an array of {value.dtype}: a structure of parameters "
                             "holds arrays of numbers and numbers")
        return ("array", value.shape, value.dtype.char)
    if isinstance(value, np.bool_):  # made a float when differentiated
        return ("B",)
    if isinstance(value, bool):
        return ("b",)
    if isinstance(value, (int, np.integer)):
        return ("i",)
    if isinstance(value, (float, np.floating)):
        return ("f",)
    if isinstance(value, (complex, np.complexfloating)):
        raise complex_error(where)
    raise UsageError(f"{where} is a {type(value).__name__}: a structure of parameters holds "
                     "NumPy arrays and numbers (in dicts, lists and tuples)")


def flat_values(value) -> list:
    """The leaves of ``value`` in the order of :func:`spec`."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in flat_values(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in flat_values(v)]
    return [value]


def made_real(value, where: str):
    """``value`` with its integer and boolean arrays as float64 (realargs.py's
    rule, leaf by leaf, for a differentiated structure)."""
    if isinstance(value, dict):
        return {k: made_real(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [made_real(v, f"{where}[{k}]") for k, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, np.ndarray):
        return as_real(value, where)
    if isinstance(value, np.bool_):
        return float(value)
    return value


def needs_real(value) -> bool:
    """Does :func:`made_real` change anything in ``value``?"""
    return any(isinstance(v, np.bool_) or (isinstance(v, np.ndarray) and v.dtype.kind in "biu")
               for v in flat_values(value))


def float_leaves(value):
    """A gradient structure with every leaf a float (array), as realargs.py's
    :func:`float_gradient` for one."""
    if isinstance(value, dict):
        return {k: float_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        return [float_leaves(v) for v in value]
    if isinstance(value, tuple):
        return tuple(float_leaves(v) for v in value)
    return float_gradient(value)
