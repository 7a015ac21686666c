"""Which primitive a called Python object is: ``math.sin`` -> ``("sin",
"math")``, ``np.exp`` -> ``("exp", "np")``, ``abs`` -> ``("abs", "")``.
The one place the lowering reads the spellings of scalar primitives."""
from __future__ import annotations

import builtins
import math

import numpy as np

from ..prims.primitives import BUILTIN_NAMES, MATH_NAMES, NUMPY_NAMES


def _prim_table() -> dict:
    table = {}
    for py, prim in MATH_NAMES.items():
        table[id(getattr(math, py))] = (prim, "math")
    for py, prim in NUMPY_NAMES.items():
        if hasattr(np, py):
            table[id(getattr(np, py))] = (prim, "np")
    for py, prim in BUILTIN_NAMES.items():
        table[id(getattr(builtins, py))] = (prim, "")
    return table


_PRIM_BY_ID = _prim_table()

#: builtins the lowering treats as syntax (loops over them, ``len`` of a tuple)
_SPECIAL_BUILTINS = {id(range): "range", id(len): "len", id(enumerate): "enumerate",
                     id(zip): "zip"}


def primitive_of(obj):
    """``(primitive name, namespace)`` of a called object, or None."""
    return _PRIM_BY_ID.get(id(obj))


def special_builtin_of(obj):
    """``"range"``, ``"len"``, ``"enumerate"``, ``"zip"`` or None."""
    return _SPECIAL_BUILTINS.get(id(obj))
