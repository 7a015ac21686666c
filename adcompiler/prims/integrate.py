"""``np.trapezoid(y, x=None, dx=1.0, axis=-1)`` (``np.trapz`` before NumPy
2.0), and ``np.linspace(start, stop, num)`` (``num`` a constant).

The trapezoid rule is ``sum(w * y)`` along the axis with weights ``w`` from
the spacing (half a step at each end): linear in ``y``, and linear in
``diff(x)`` with coefficients ``s = (y[1:] + y[:-1]) / 2``.  ``linspace`` is
linear in its two ends.  ``x`` must have ``y``'s rank, or be 1-d with
``axis=-1`` (NumPy's other layouts are refused by name).
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .derive import linear
from .shaping import along
from .structural import Signature, define, ndim, uniform

_TRAPEZOID = getattr(np, "trapezoid", None) or getattr(np, "trapz")
_NP_NAME = _TRAPEZOID.__name__


def _slice(b, y, lo, hi):
    """``y[lo:hi]`` along the axis (a bound None is left out)."""
    item = ("s", lo is not None, hi is not None, False)
    atoms = [Const(v) for v in (lo, hi) if v is not None]
    return lambda axis: b.eqn("index", y, *atoms, spec=along(axis, item))


def _mean_pairs(b, y, axis):
    """``(y[1:] + y[:-1]) / 2`` along ``axis``."""
    pair = b.eqn("add", _slice(b, y, 1, None)(axis), _slice(b, y, None, -1)(axis))
    return b.eqn("mul", pair, Const(0.5))


def _axes(e, shape, a):
    """The axis in ``a``'s own numbering (``x`` 1-d: its only one)."""
    return -1 if ndim(shape, a) == 1 else e.param("axis")


def _end_weights(b, ones, nd: int, axis: int):
    """``(pad(ones, (1, 0)) + pad(ones, (0, 1))) / 2`` along ``axis`` (of ``nd``)."""
    def padded(lo, hi):
        width = tuple((lo, hi) if k == axis % nd else (0, 0) for k in range(nd))
        return b.eqn("pad", ones, pad_width=width)
    return b.eqn("mul", b.eqn("add", padded(1, 0), padded(0, 1)), Const(0.5))


def _weights(b, e, shape):
    """The trapezoid weights of the points along the axis."""
    y, axis = e.args[0], e.param("axis")
    if len(e.args) == 2:
        x = e.args[1]
        steps = b.eqn("diff", x, n=1, axis=_axes(e, shape, x))
        return _end_weights(b, steps, ndim(shape, x), _axes(e, shape, x))
    gaps = b.eqn("diff", y, n=1, axis=axis)
    ones = b.eqn("add", b.eqn("zeros_like", gaps), Const(1.0))
    weights = _end_weights(b, ones, ndim(shape, y), axis)
    return b.eqn("mul", weights, Const(float(e.param("dx", 1.0))))


def _jvp(b, e, tangents, shape):
    terms = []
    if tangents[0] is not None:
        terms.append(b.eqn("trapezoid", tangents[0], *e.args[1:], **dict(e.params)))
    if len(e.args) == 2 and tangents[1] is not None:
        axis = e.param("axis")
        steps = b.eqn("diff", tangents[1], n=1, axis=-1 if axis == -1 else axis)
        terms.append(b.eqn("sum", b.eqn("mul", steps, _mean_pairs(b, e.args[0], axis)),
                           axis=axis, keepdims=False))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else b.eqn("add", terms[0], terms[1])


def _vjp(b, e, i, g, shape):
    axis = e.param("axis")
    red = {"axis": axis, "keepdims": False, "ndim": ndim(shape, e.args[0])}
    spread = b.eqn("expand_red", g, **red)
    if i == 0:
        return b.eqn("mul", spread, _weights(b, e, shape))
    # x: the transpose of diff applied to g * s, summed down to x's shape
    share = b.eqn("mul", spread, _mean_pairs(b, e.args[0], axis))
    nd = ndim(shape, e.args[0])
    width = tuple((1, 1) if k == axis % nd else (0, 0) for k in range(nd))
    back = b.eqn("neg", b.eqn("diff", b.eqn("pad", share, pad_width=width), n=1, axis=axis))
    return b.eqn("unbroadcast", back, e.args[1])


def _shape(e, args, dtype):
    from .shapecalc import ShapeNeeded, reduced
    y = args[0]
    if y is None:
        return None
    if len(args) == 2 and args[1] is not None and len(args[1]) != len(y) and (
            len(args[1]) != 1 or e.param("axis") != -1):
        raise ShapeNeeded(e.args[1], f"np.{_NP_NAME} with x of {len(args[1])} dimensions "
                          "needs x of y's rank, or 1-d x and axis=-1")
    return reduced(y, e.param("axis"), False)


def _lower(lowering, node, args, keywords, env, b):
    """``np.trapezoid(y, x=None, dx=1.0, axis=-1)``."""
    label = f"np.{_NP_NAME}"
    names = ("y", "x", "dx", "axis")
    if len(args) > len(names):
        raise lowering.sf.error(f"too many arguments to {label}", node, label)
    vals = dict(zip(names, args))
    for kw in keywords:
        if kw.arg not in names or kw.arg in vals:
            raise lowering.sf.error(f"{label} does not take the keyword argument {kw.arg!r} "
                                    "here", node, "keyword arguments")
        vals[kw.arg] = kw.value
    if "y" not in vals:
        raise lowering.sf.error(f"{label} is missing its argument 'y'", node, label)
    axis = lowering.static(vals["axis"], env, label, "axis") if "axis" in vals else -1
    dx = lowering.static(vals["dx"], env, label, "dx") if "dx" in vals else 1.0
    if not isinstance(axis, int) or not isinstance(dx, (int, float)):
        raise lowering.sf.error(f"{label} needs a constant integer axis and a constant dx",
                                node, label)
    operands = [lowering.lw.scalar(vals[p], env, b) for p in ("y", "x") if p in vals]
    params = {"axis": axis} if len(operands) == 2 else {"axis": axis, "dx": dx}
    return b.eqn("trapezoid", *operands, **params)


def _emit(kit, e, args):
    kws = {} if e.param("axis") == -1 else {"axis": kit.const(e.param("axis"))}
    if len(args) == 1 and e.param("dx", 1.0) != 1.0:
        kws["dx"] = kit.const(e.param("dx"))
    return kit.call(kit.np(_NP_NAME), list(args), kws)


def _case(y, x, **params):
    return lambda r: ((uniform(r, *y),) + ((np.cumsum(uniform(r, *x), axis=-1),) if x else ()),
                      {"axis": -1, **params})


define("trapezoid", -1, array_only=True, memory="fresh", dtype="float",
       spellings={"np": (_NP_NAME,)},
       impl=lambda y, x=None, axis=-1, dx=1.0, **_: _TRAPEZOID(y, x, dx=dx, axis=axis),
       shape=_shape, extra={"lower": Signature(build=_lower, label=f"np.{_NP_NAME}"),
                            "emit": _emit},
       jvp=_jvp, vjp=_vjp,
       domain=(_case((5,), None, dx=1.0), _case((3, 4), None, dx=0.5),
               _case((5,), (5,)), _case((3, 4), (4,)), _case((3, 4), (3, 4)),
               _case((4, 3), None, dx=2.0, axis=0), _case((4, 3), (4, 3), axis=0)))


# ---------------------------------------------------------------- linspace
def _linspace_bar(b, e, i, g, shape):
    """``sum(g * (1 - t))`` to the start, ``sum(g * t)`` to the stop, with
    ``t = linspace(0, 1, num)``."""
    t = b.eqn("linspace", Const(0.0), Const(1.0), num=e.param("num"))
    share = b.eqn("mul", g, t if i == 1 else b.eqn("sub", Const(1.0), t))
    return b.eqn("sum", share, axis=None, keepdims=False)


def _linspace_xp(kit, e, args):
    """``xp.linspace(0.0, 1.0, 5, dtype=dtype, device=dev)``; computed ends
    (the standard's take Python numbers) as ``a + (z - a) * xp.linspace(0.0,
    1.0, num, ...)``."""
    num = kit.const(e.param("num"))
    if all(isinstance(a, Const) for a in e.args):
        return ast.Call(kit.np("linspace"), list(args) + [num], kit.placed())
    t = ast.Call(kit.np("linspace"), [ast.Constant(0.0), ast.Constant(1.0), num], kit.placed())
    a, z = args
    return ast.BinOp(a, ast.Add(), ast.BinOp(ast.BinOp(z, ast.Sub(), a), ast.Mult(), t))


def _arange_xp(kit, e, args):
    """``xp.arange(3, device=dev)``; of floats also ``dtype=dtype``."""
    floats = any(isinstance(a, Const) and isinstance(a.value, float) for a in e.args)
    kws = kit.placed() if floats else [kw for kw in kit.placed() if kw.arg == "device"]
    return ast.Call(kit.np("arange"), list(args), kws)


define("linspace", 2, array_only=True, memory="fresh", dtype="float",
       impl=lambda a, z, num=50, **_: np.linspace(a, z, num),
       shape=lambda e, args, dtype: (e.param("num"),),
       spellings={"np": ("linspace",), "array_api": ("linspace",)},
       extra={"lower": Signature(("start", "stop"), {"num": 50}, ints=("num",)),
              "emit": lambda kit, e, args: kit.call(kit.np("linspace"),
                                                    list(args) + [kit.const(e.param("num"))]),
              "emit_xp": _linspace_xp},
       **linear(_linspace_bar, argnums=None),
       domain=(lambda r: ((np.array(r.uniform(-1, 0)), np.array(r.uniform(1, 2))), {"num": 5}),
               lambda r: ((np.array(r.uniform(-1, 0)), 2.0), {"num": 3}),
               lambda r: ((0.0, np.array(r.uniform(1, 2))), {"num": 1})))


# ---------------------------------------------------------------- arange
def _arange_shape(e, args, dtype):
    """Known length for constant bounds; a computed bound must be an integer
    (a computed float would carry a derivative this record does not give)."""
    from ..core.ir import Var
    from .shapecalc import ShapeNeeded
    for a in e.args:
        if isinstance(a, Var) and dtype(a) != "i":
            raise ShapeNeeded(a, "np.arange of a computed value that may be a float is not "
                              "supported (use integers: start + step * np.arange(n))")
    if all(isinstance(a, Const) for a in e.args):
        return (len(np.arange(*(a.value for a in e.args))),)
    return (None,)


def _lower_arange(lowering, node, args, keywords, env, b):
    if keywords or not 1 <= len(args) <= 3:
        raise lowering.sf.error("np.arange takes one to three positional arguments here",
                                node, "np.arange")
    return b.eqn("arange", *[lowering.lw.scalar(a, env, b) for a in args])


define("arange", -1, differentiable=False, array_only=True, memory="fresh",
       spellings={"np": ("arange",), "array_api": ("arange",)},
       impl=lambda *xs, **_: np.arange(*xs),
       shape=_arange_shape, extra={"lower": Signature(build=_lower_arange, label="np.arange"),
                                   "emit": lambda kit, e, args: kit.call(kit.np("arange"),
                                                                         list(args)),
                                   "emit_xp": _arange_xp})
