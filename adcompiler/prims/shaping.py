"""Shapes without arithmetic: ``np.reshape``/``.reshape``, ``np.expand_dims``,
``np.concatenate``, ``np.stack``; and two elementwise array primitives whose
derivative is an elementwise partial (:mod:`.rules`): ``np.where`` and
``x.copy()``/``np.array(x)``."""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .derive import linear
from .helpers import chosen_side, identity
from .shapecalc import ShapeNeeded, known, size
from .structural import REQUIRED, Signature, define, expand_dims_call, np_call, uniform


# ---------------------------------------------------------------- reshape
def _reshape_shape(e, args, dtype):
    x = args[0]
    dims = []
    for a in e.args[1:]:
        dims.append(a.value if isinstance(a, Const) and isinstance(a.value, int) else None)
    if -1 in dims and known(x) and all(d is not None for d in dims):
        rest = size(tuple(d for d in dims if d != -1))
        dims[dims.index(-1)] = size(x) // rest if rest else None
    return tuple(None if d == -1 else d for d in dims)


def _reshape_emit(kit, e, args):
    dims = args[1] if len(args) == 2 else ast.Tuple(args[1:], ast.Load())
    x = args[0]
    if getattr(kit, "xp", False):
        if len(args) == 2 and kit.dims(e.args[1]) == ():
            dims = ast.Tuple([args[1]], ast.Load())  # the standard's shape is a tuple: (-1,)
        if isinstance(x, ast.Constant):  # and its functions take arrays
            x = ast.Call(kit.np("asarray"), [x], kit.placed())
    return kit.call(kit.np("reshape"), [x, dims])


def _back_to_shape(b, e, i, g, shape):
    """The adjoint of a reshape is ``g`` reshaped to the argument's shape."""
    return b.eqn("reshape_like", g, e.args[0])


define("reshape", -1, array_only=True, memory="view",  # reshape(x, *dims)
       spellings={"np": ("reshape",), "method": ("reshape", "ravel", "flatten"),
                  "array_api": ("reshape", "asarray")},
       impl=lambda x, *dims, **_: np.reshape(x, dims), shape=_reshape_shape,
       extra={"lower": Signature(("a", "newshape"), build="lower_reshape"), "emit": _reshape_emit,
              "shares": (0,)},
       **linear(_back_to_shape),
       domain=(lambda r: ((uniform(r, 3, 4), 2, 6), {}),
               lambda r: ((uniform(r, 3, 4), -1), {}),
               lambda r: ((uniform(r, 6), 3, -1), {}),
               lambda r: ((uniform(r, 2, 3, 2), 12), {})))


# ---------------------------------------------------------------- expand_dims
def _expand_dims_shape(e, args, dtype):
    x = args[0]
    if x is None:
        return None
    axis = e.param("axis") % (len(x) + 1)
    return x[:axis] + (1,) + x[axis:]


define("expand_dims", 1, array_only=True, memory="view",
       spellings={"np": ("expand_dims",), "array_api": ("expand_dims",)},
       impl=lambda x, axis, **_: np.expand_dims(x, axis), shape=_expand_dims_shape,
       extra={"lower": Signature(statics={"axis": REQUIRED}, ints=("axis",)),
              "emit": lambda kit, e, args: expand_dims_call(kit, args[0], e.param("axis"))},
       **linear(_back_to_shape),
       domain=(lambda r: ((uniform(r, 3, 4),), {"axis": 1}),
               lambda r: ((uniform(r, 3),), {"axis": -1}),
               lambda r: ((uniform(r, 3, 4),), {"axis": 0})))


# ---------------------------------------------------------------- concatenate, stack
def _joined_emit(kit, e, args):
    """``np.stack((a, b), axis=...)``; under the array-api backend a number
    among the items becomes a 0-d array first (the standard joins arrays)."""
    kws = {"axis": kit.const(e.param("axis"))} if e.param("axis", 0) != 0 else {}
    if kit.xp:
        args = [ast.Call(kit.np("asarray"), [x], kit.placed()) if kit.rank(a) == 0 else x
                for a, x in zip(e.args, args)]
    return kit.call(kit.np(e.prim), [ast.Tuple(args, ast.Load())], kws)


def _at(e) -> str:
    return f" (line {e.loc.line})" if e.loc.line else ""


def _concatenate_shape(e, args, dtype):
    for a, s in zip(e.args, args):
        if s == ():  # NumPy: "zero-dimensional arrays cannot be concatenated"
            raise ShapeNeeded(a, f"np.concatenate{_at(e)} of a number is not supported (NumPy "
                              "refuses it too): write it as a list, [v], or use np.hstack")
    if any(a is None for a in args):
        return None
    nd = len(args[0])
    axis = e.param("axis", 0) % nd
    dims = [a[axis] for a in args]
    total = sum(dims) if all(isinstance(d, int) for d in dims) else None
    return args[0][:axis] + (total,) + args[0][axis + 1:]


def _stack_shape(e, args, dtype):
    first = args[0]
    if first is None:
        return None
    axis = e.param("axis", 0) % (len(first) + 1)
    return first[:axis] + (len(args),) + first[axis:]


def along(axis: int, item) -> tuple:
    """An index spec selecting ``item`` along ``axis`` (negative: from the end)."""
    full = ("s", False, False, False)
    if axis >= 0:
        return (full,) * axis + (item,)
    return ("...", item) + (full,) * (-axis - 1)


def _concatenate_bar(b, e, i, g, shape):
    """Argument ``i``'s slice of ``g`` along the axis."""
    axis = e.param("axis", 0)
    lo = hi = Const(0)
    for a in e.args[: i + 1]:
        s = shape(a)
        ax = axis if axis >= 0 or s is None else axis % len(s)
        width = Const(s[ax]) if s is not None and isinstance(s[ax], int) else \
            b.eqn("index", b.eqn("shape", a), Const(ax), spec=("a",))
        lo, hi = hi, (width if hi == Const(0) else b.eqn("add", hi, width))
    return b.eqn("index", g, lo, hi, spec=along(axis, ("s", True, True, False)))


def _stack_bar(b, e, i, g, shape):
    return b.eqn("index", g, Const(i), spec=along(e.param("axis", 0), "a"))


_JOINED = Signature(("arrays",), {"axis": 0}, ints=("axis",), sequence=True)

define("concatenate", -1, array_only=True, memory="fresh",
       spellings={"np": ("concatenate",), "array_api": {"concatenate": "concat"}},
       impl=lambda *xs, axis=0, **_: np.concatenate(xs, axis=axis), shape=_concatenate_shape,
       extra={"lower": _JOINED, "emit": _joined_emit},
       **linear(_concatenate_bar, argnums=None),
       domain=(lambda r: ((uniform(r, 2, 3), uniform(r, 2, 2)), {"axis": 1}),
               lambda r: ((uniform(r, 2), uniform(r, 3), uniform(r, 1)), {"axis": 0}),
               lambda r: ((uniform(r, 1, 3), uniform(r, 2, 3)), {"axis": -2})))
define("stack", -1, array_only=True, memory="fresh",
       spellings={"np": ("stack",), "array_api": ("stack", "asarray")},
       impl=lambda *xs, axis=0, **_: np.stack(xs, axis=axis), shape=_stack_shape,
       extra={"lower": _JOINED, "emit": _joined_emit},
       **linear(_stack_bar, argnums=None),
       domain=(lambda r: ((uniform(r, 3), uniform(r, 3)), {"axis": 1}),
               lambda r: ((uniform(r, 2, 3), uniform(r, 2, 3), uniform(r, 2, 3)), {"axis": 0}),
               lambda r: ((uniform(r, 2, 3), uniform(r, 2, 3)), {"axis": -1})))


# ---------------------------------------------------------------- elementwise
def _where_xp(kit, e, args):
    """``xp.where(c, a, b)``; of two numbers (a tie weight, ``sign``) the
    standard wants one an array: ``xp.asarray(a, dtype=dtype, device=dev)``;
    a condition that is a Python bool (``s > 0`` of a number) becomes a 0-d
    boolean array on the caller's device (the standard's condition is one)."""
    args = list(args)
    if all(kit.rank(a) == 0 for a in e.args[1:]):
        args[1] = ast.Call(kit.np("asarray"), [args[1]], kit.placed())
    if kit.rank(e.args[0]) == 0:
        args[0] = ast.Call(kit.np("asarray"), [args[0]], [kw for kw in kit.placed()
                                                           if kw.arg == "device"])
    return kit.call(kit.np("where"), args)


# np.where(cond, a, b): broadcasting; the derivative flows to the side taken
define("where", 3, elementwise=True, array_only=True, memory="fresh",
       partial=chosen_side("where"),
       spellings={"np": ("where",), "array_api": ("where", "asarray")},
       impl=lambda c, a, b, **_: np.where(c, a, b),
       extra={"lower": Signature(("condition", "x", "y")), "emit": np_call("where"),
              "emit_xp": _where_xp},
       domain=(lambda r: ((r.uniform(size=4) > 0.5, uniform(r, 4), uniform(r, 4)), {}),
               lambda r: ((r.uniform(size=(2, 3)) > 0.5, uniform(r, 2, 3), uniform(r, 3)), {}),
               lambda r: ((r.uniform(size=(3, 1)) > 0.5, uniform(r, 1, 4), uniform(r, 3, 4)),
                          {})))


def _copy_emit(kit, e, args):
    """``np.copy(x)``; ``xp.asarray(x, copy=True)`` under the array-api backend."""
    return kit.copy(args[0]) if getattr(kit, "xp", False) else np_call("copy")(kit, e, args)


def _copy(x):
    """A new buffer for an array; a Python number (folding) is itself."""
    return x.copy() if isinstance(x, np.ndarray) else x


# x.copy(), np.array(x): the same value in a new buffer.  Only the check of
# in-place operators (inplace.py) tells it from x; the optimiser folds it
# away (so its impl is a plain one, which folding may call)
define("copy", 1, elementwise=True, memory="fresh",
       spellings={"method": ("copy",), "array_api": ("asarray",)},
       partial=identity, array_only=True,
       domain=(lambda r: ((uniform(r, 3),), {}), lambda r: ((uniform(r, 2, 3),), {})),
       impl=_copy, impl_params=False, extra={"emit": _copy_emit})
