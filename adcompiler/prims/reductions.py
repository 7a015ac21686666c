"""Reductions: ``np.sum``, ``np.mean``, ``np.max``, ``np.min``, ``np.prod``
(functions and methods).  Params ``axis`` (None, an int or a tuple) and
``keepdims``.  The adjoint of a reduction broadcasts ``g`` back over the
reduced axes (``unsum``, ``expand_red`` of :mod:`.adjoint_helpers`)."""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .adjoint_helpers import dtype_source
from .derive import linear
from .shapecalc import known, reduced, size
from .structural import Signature, define, red_params, uniform

_SIGNATURE = {"axis": None, "keepdims": False}


def _shape(e, args, dtype):
    return reduced(args[0], e.param("axis"), e.param("keepdims", False))


def _emit(np_name: str):
    """``np.NAME(x, axis=..., keepdims=True)``, defaults left out."""
    return _emit_kws(np_name, {})


def _emit_kws(np_name: str, more: dict):
    """As :func:`_emit`, with more keyword params (name -> default, left out
    when it has it): ``np.var(x, axis=0, ddof=1)``."""
    def emit(kit, e, args):
        kws = {}
        if e.param("axis") is not None:
            kws["axis"] = kit.const(e.param("axis"))
        kws.update({k: kit.const(e.param(k, d)) for k, d in more.items() if e.param(k, d) != d})
        if e.param("keepdims"):
            kws["keepdims"] = kit.const(True)
        x = args[0]
        if kit.xp and kit.rank(e.args[0]) == 0:  # np.sum(2.5): the standard's takes an array
            x = ast.Call(kit.np("asarray"), [x], kit.placed())
        return kit.call(kit.np(np_name), [x], kws)
    return emit


def _impl(fn):
    def impl(x, axis=None, keepdims=False, **_):
        return fn(x, axis=axis, keepdims=keepdims)
    return impl


def _domain():
    """Several shapes and axes (a tuple of axes, keepdims, a whole 1-d sum)."""
    def case(shape, axis, keepdims):
        return lambda r: ((uniform(r, *shape),), {"axis": axis, "keepdims": keepdims})
    return (case((3, 4), 1, True), case((3, 4), None, False), case((3, 4), 0, False),
            case((2, 3, 4), (0, 2), False), case((5,), None, True), case((2, 3, 2), -1, False))


def _reduction(name, fn, np_names, methods, label="", **rules):
    define(name, 1, array_only=True, memory="fresh",
           spellings={"np": np_names, "method": methods, "array_api": np_names[:1]},
           impl=_impl(fn), shape=_shape,
           extra={"lower": Signature(statics=dict(_SIGNATURE), bools=("keepdims",),
                                     label=label or f"np.{name}"),
                  "emit": _emit(np_names[0])},
           domain=_domain(), **rules)


# ---------------------------------------------------------------- sum, mean
def _sum_bar(b, e, i, g, shape):
    return b.eqn("unsum", g, e.args[0], **red_params(e, shape), **dtype_source(g, e.args[0], shape))


def _count(b, e, shape):
    """How many elements each output of a mean averages."""
    sx, so = shape(e.args[0]), shape(e.out)
    if known(sx) and known(so):
        # an empty input has an empty gradient: any nonzero count will do
        # (a zero one would divide by zero in the emitted code)
        return Const(float(max(size(sx) // max(size(so), 1), 1)))
    count = b.eqn("div", b.eqn("size", e.args[0]), b.eqn("size", e.out))
    return b.eqn("max", count, Const(1))  # 0 for an empty input (see above)


def _mean_bar(b, e, i, g, shape):
    scaled = b.eqn("div", g, _count(b, e, shape))
    keep = dtype_source(g, e.args[0], shape)
    return b.eqn("unsum", scaled, e.args[0], **red_params(e, shape), **keep)


_reduction("sum", np.sum, ("sum",), ("sum",), **linear(_sum_bar))
_reduction("mean", np.mean, ("mean",), ("mean",), **linear(_mean_bar))


# ---------------------------------------------------------------- max, min
def _picked(b, e, shape):
    """The mask of the extreme elements, as numbers of ``x``'s dtype (a
    float32 ``x`` keeps float32 tie weights), and the reduction's params."""
    p = red_params(e, shape)
    mask = b.eqn("eq", e.args[0], b.eqn("expand_red", e.out, **p))
    return p, b.eqn("mask_like", mask, e.args[0])


def _extreme_jvp(b, e, tangents, shape):
    """The tangent of the extreme elements, averaged over ties."""
    t = tangents[0]
    if t is None:
        return None
    p, mask = _picked(b, e, shape)
    ties = b.eqn("sum", mask, axis=p["axis"], keepdims=p["keepdims"])
    picked = b.eqn("sum", b.eqn("mul", t, mask), axis=p["axis"], keepdims=p["keepdims"])
    return b.eqn("div", picked, ties)


def _extreme_vjp(b, e, i, g, shape):
    """The adjoint goes to the extreme elements, split evenly on ties."""
    p, mask = _picked(b, e, shape)
    ties = b.eqn("sum", mask, axis=p["axis"], keepdims=True)
    return b.eqn("div", b.eqn("mul", b.eqn("expand_red", g, **p), mask), ties)


_reduction("amax", np.max, ("max", "amax"), ("max",), label="np.max",
           jvp=_extreme_jvp, vjp=_extreme_vjp)
_reduction("amin", np.min, ("min", "amin"), ("min",), label="np.min",
           jvp=_extreme_jvp, vjp=_extreme_vjp)


# ---------------------------------------------------------------- prod
def _prod_jvp(b, e, tangents, shape):
    """prod * sum(t / x) (the domain keeps x away from 0)."""
    t = tangents[0]
    if t is None:
        return None
    p = red_params(e, shape)
    ratio = b.eqn("div", t, e.args[0])
    return b.eqn("mul", e.out, b.eqn("sum", ratio, axis=p["axis"], keepdims=p["keepdims"]))


def _prod_vjp(b, e, i, g, shape):
    p = red_params(e, shape)
    both = b.eqn("mul", b.eqn("expand_red", g, **p), b.eqn("expand_red", e.out, **p))
    return b.eqn("div", both, e.args[0])


_reduction("prod", np.prod, ("prod",), ("prod",), jvp=_prod_jvp, vjp=_prod_vjp)
