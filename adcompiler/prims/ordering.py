"""Order: ``np.sort(x, axis)`` (not the in-place ``x.sort()``), and the index
builders ``np.argsort``/``.argsort()``, ``np.argmax``/``np.argmin`` (and
their methods), whose integer results index arrays (``x[np.argsort(x)]``,
``x[np.argmax(x)]``) and carry no derivative.

``sort`` permutes its argument: its jvp gathers the tangent by the sorting
permutation, its vjp by the inverse permutation (``argsort`` of the
``argsort``).  Both use a stable sort, so tied elements keep one consistent
order (at a tie ``sort`` has no derivative; this picks one of its
one-sided ones).
"""
from __future__ import annotations

import numpy as np

from .shapecalc import known, reduced, size
from .structural import Signature, define, uniform


def _flat_shape(e, args, dtype):
    """``x``'s shape, or its size flattened when ``axis`` is None."""
    x = args[0]
    if x is None or e.param("axis") is not None:
        return x
    return (size(x),) if known(x) else (None,)


def _call(np_name: str, defaults: dict):
    """``np.NAME(x, kw=...)``, keywords left out when they have their default."""
    def emit(kit, e, args):
        kws = {k: kit.const(e.param(k, d)) for k, d in defaults.items() if e.param(k, d) != d}
        return kit.call(kit.np(np_name), list(args), kws)
    return emit


def _call_xp(std_name: str, defaults: dict):
    """``xp.sort(x, axis=k)``/``xp.argsort``/``xp.argmax``.  NumPy's
    ``axis=None`` of sort and argsort (the flattened array) is
    ``xp.reshape(x, (-1,))`` there (argmax takes it as NumPy does);
    ``kind='stable'`` is the standard's default (``stable=True``)."""
    flattens = defaults.get("axis") == -1

    def emit(kit, e, args):
        x, axis = args[0], e.param("axis", defaults.get("axis"))
        kws = {} if axis == defaults.get("axis") or axis is None else {"axis": kit.const(axis)}
        if axis is None and flattens and kit.rank(e.args[0]) != 1:
            x = kit.call(kit.np("reshape"), [x, kit.const((-1,))])
        return kit.call(kit.np(std_name), [x], kws)
    return emit


# ---------------------------------------------------------------- index builders
define("argsort", 1, differentiable=False, array_only=True, memory="value", dtype="int",
       spellings={"np": ("argsort",), "method": ("argsort",),
                  "array_api": ("argsort", "reshape")},
       impl=lambda x, axis=-1, kind=None, **_: np.argsort(x, axis=axis, kind=kind),
       shape=_flat_shape,
       extra={"lower": Signature(statics={"axis": -1, "kind": None}, strings=("kind",)),
              "emit": _call("argsort", {"axis": -1, "kind": None}),
              "emit_xp": _call_xp("argsort", {"axis": -1, "kind": None})})

for _name in ("argmax", "argmin"):
    define(_name, 1, differentiable=False, array_only=True, memory="value", dtype="int",
           spellings={"np": (_name,), "method": (_name,), "array_api": (_name,)},
           impl=(lambda f: lambda x, axis=None, **_: f(x, axis=axis))(getattr(np, _name)),
           shape=lambda e, args, dtype: reduced(args[0], e.param("axis"), False),
           extra={"lower": Signature(statics={"axis": None}, ints=("axis",)),
                  "emit": _call(_name, {"axis": None})})


# ---------------------------------------------------------------- gather
def _gather_xp(kit, e, args):
    """``xp.take`` (of a 1-d array, or the flattened one) or
    ``xp.take_along_axis`` (2024.12; Dask has none)."""
    axis = e.param("axis")
    ranks = {kit.rank(e.args[0]), kit.rank(e.args[1])} - {None}  # the same, when 1-d
    if axis is None or ranks == {1}:
        a = args[0]
        if axis is None and ranks != {1}:
            a = kit.call(kit.np("reshape"), [a, kit.const((-1,))])
        return kit.call(kit.np("take"), [a, args[1]], {"axis": kit.const(0)})
    return kit.call(kit.np("take_along_axis"), list(args), {"axis": kit.const(axis)})


def _gather_emit(kit, e, args):
    axis = e.param("axis")
    if axis is None:  # the flattened array, gathered
        return kit.call(kit.np("take"), list(args))
    return kit.call(kit.np("take_along_axis"), list(args), {"axis": kit.const(axis)})


define("gather", 2, differentiable=False, array_only=True, memory="fresh",
       impl=lambda a, idx, axis=-1, **_: (np.take(a, idx) if axis is None
                                          else np.take_along_axis(a, idx, axis=axis)),
       spellings={"array_api": ("take", "take_along_axis", "reshape")},
       shape=lambda e, args, dtype: args[1], extra={"emit": _gather_emit, "emit_xp": _gather_xp})


# ---------------------------------------------------------------- sort
def _order(b, e):
    return b.eqn("argsort", e.args[0], axis=e.param("axis"), kind="stable")


def _sort_jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    return b.eqn("gather", t, _order(b, e), axis=e.param("axis"))


def _sort_vjp(b, e, i, g, shape):
    """``g`` gathered by the inverse permutation (flattened: reshaped back)."""
    axis = e.param("axis")
    inverse = b.eqn("argsort", _order(b, e), axis=-1 if axis is None else axis, kind="stable")
    back = b.eqn("gather", g, inverse, axis=axis)
    return back if axis is not None else b.eqn("reshape_like", back, e.args[0])


define("sort", 1, array_only=True, memory="fresh",
       spellings={"np": ("sort",), "array_api": ("sort", "reshape")},
       impl=lambda x, axis=-1, **_: np.sort(x, axis=axis, kind="stable"), shape=_flat_shape,
       extra={"lower": Signature(statics={"axis": -1}), "emit": _call("sort", {"axis": -1}),
              "emit_xp": _call_xp("sort", {"axis": -1})},
       jvp=_sort_jvp, vjp=_sort_vjp,
       domain=(lambda r: ((uniform(r, 5),), {"axis": -1}),
               lambda r: ((uniform(r, 3, 4),), {"axis": 0}),
               lambda r: ((uniform(r, 3, 4),), {"axis": None}),
               lambda r: ((uniform(r, 2, 3, 2),), {"axis": 1})))
