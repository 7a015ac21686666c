"""Which emitted calls may write their result into their operand's buffer.

``np.exp(t)`` allocates a new array; when ``t`` is a float temporary this
function owns and never reads again, ``np.exp(t, out=t)`` reuses its buffer
(one allocation fewer; the same numbers).  NumPy's ufuncs take ``out=``; the
Array API standard has no ``out=``, so code for it keeps the new array.
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Eqn, Var
from . import backend


def inplace_ufunc(value, e: Eqn, own) -> bool:
    """Is ``value`` (the emitted expression of ``e``) a call of a one-operand
    NumPy ufunc on a name, from a float array to a float array of the same
    shape, that the operand's buffer may hold (owned: not a parameter, a
    global or a view; see :meth:`emit.liveness.Ownership.may_update`)?"""
    if backend.array_api() or own.shapes is None or len(e.args) != 1 or len(e.outs) != 1:
        return False
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and isinstance(value.func.value, ast.Name) and len(value.args) == 1
            and not value.keywords and isinstance(value.args[0], ast.Name)):
        return False
    fn = getattr(np, value.func.attr, None)
    if not (isinstance(fn, np.ufunc) and fn.nin == 1 and fn.nout == 1):
        return False
    a, out = e.args[0], e.outs[0]
    return (isinstance(a, Var) and a in own.floats and out in own.floats
            and own.shapes.get(a) != () and own.may_update(a, out))
