"""Item writes ``out[idx] = v``: the functional primitive ``setitem``.

``setitem(x, v, *atoms, spec=...)`` is a new array equal to ``x`` with the
indexed part replaced by ``v`` (broadcast), the index read as ``index``
reads it (:func:`.shapecalc.index_items`).  Its rules are those of JAX's
``x.at[idx].set(v)``: it is linear in ``(x, v)`` jointly, so

* jvp: ``setitem(x_dot, v_dot)`` (an absent tangent stands as zeros);
* vjp for ``x``: ``setitem(g, 0.0)``, the adjoint with the overwritten part
  zeroed (those elements of ``x`` never reach the result);
* vjp for ``v``: the indexed part of ``g``, summed back to ``v``'s shape.

Neither adjoint reads ``x`` or ``v``, so reverse mode stores nothing for a
write.  The lowering (:mod:`adcompiler.frontend.lower_writes`) proves that
emitting it as NumPy's in-place ``out[idx] = v`` is the same program
(:mod:`adcompiler.arrays.inplace`); the emitter writes in place when the old
value is dead and copies otherwise (:mod:`adcompiler.arrays.emit`).
"""
from __future__ import annotations

import numpy as np

from ..core.ir import Const
from .indexing import index_key
from .structural import define, uniform


def _setitem(x, v, *atoms, spec, **_):
    out = np.array(x, copy=True)
    out[index_key(spec, atoms)] = v
    return out


def _jvp(b, e, tangents, shape):
    tx, tv = tangents[0], tangents[1]
    if tx is None and tv is None:
        return None
    x_dot = tx if tx is not None else b.eqn("zeros_like", e.args[0], as_float=True)
    v_dot = tv if tv is not None else Const(0.0)
    return b.eqn("setitem", x_dot, v_dot, *e.args[2:], **dict(e.params))


def _vjp(b, e, i, g, shape):
    if i == 0:
        return b.eqn("setitem", g, Const(0.0), *e.args[2:], **dict(e.params))
    if i == 1:  # a copy of the part (unless one element): g is then zeroed there in place
        fresh = {} if _one_element(e, shape) else {"fresh": True}
        part = b.eqn("index", g, *e.args[2:], spec=e.param("spec"), **fresh)
        return b.eqn("unbroadcast", part, e.args[1])
    return None


def _one_element(e, shape) -> bool:
    """Does the index pick one element (``M[i, j]``: a number, never a view)?"""
    spec, x = e.param("spec"), shape(e.args[0])
    return (isinstance(x, tuple) and len(spec) == len(x) and all(s == "a" for s in spec)
            and all(shape(a) == () for a in e.args[2:]))


def _case(shape, vshape, spec, atoms):
    def make(r):
        v = uniform(r, *vshape) if vshape is not None else np.array(r.uniform(0.5, 1.5))
        got = tuple(a(r) if callable(a) else a for a in atoms)
        return (uniform(r, *shape), v) + got, {"spec": spec}
    return make


define("setitem", -1, array_only=True, memory="fresh", impl=_setitem,
       shape=lambda e, args, dtype: args[0],
       jvp=_jvp, vjp=_vjp,
       domain=(_case((5,), None, ("a",), (2,)),
               _case((5,), None, ("a",), (-1,)),
               _case((3, 4), (4,), ("a",), (1,)),
               _case((3, 4), (3,), (("s", False, False, False), "a"), (2,)),
               _case((3, 4), None, ("a", "a"), (2, 0)),
               _case((6,), (2,), (("s", True, True, False),), (1, 3)),
               _case((4, 3), (1, 3), (("s", True, False, True),), (0, 2)),
               _case((4, 3), None, ("a",), (lambda r: np.array([True, False, True, False]),)),
               _case((2, 3), (3,), ("a",), (lambda r: np.array([[True, False, True],
                                                                [False, True, False]]),))))
