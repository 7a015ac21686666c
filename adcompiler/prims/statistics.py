"""Spread: ``np.var``/``.var()`` and ``np.std``/``.std()`` with ``axis``,
``ddof`` and ``keepdims``.

With ``c = x - mean(x)`` and ``n`` the count of each average,
``d var = 2 * sum(c * dx) / (n - ddof)`` and ``d std = d var / (2 * std)``.
At zero spread (all averaged elements equal) ``std`` has no derivative (it
is ``|h| * std(t)`` along ``x + h t``, like ``|x|`` at 0); there ``c`` is
exactly 0 and the rules divide by 1 instead of ``std``, so the derivative
emitted is 0: the subgradient at the minimum, finite, without a warning.
"""
from __future__ import annotations

import numpy as np

from ..core.ir import Const
from .reductions import _count, _emit_kws, _shape
from .structural import Signature, define, red_params, uniform


def _centred(b, e, shape):
    """``x - mean(x)`` with the reduced axes kept."""
    p = red_params(e, shape)
    return b.eqn("sub", e.args[0], b.eqn("mean", e.args[0], axis=p["axis"], keepdims=True))


def _dof(b, e, shape):
    """``n - ddof``: the divisor of each variance."""
    n, ddof = _count(b, e, shape), e.param("ddof", 0)
    if not ddof:
        return n
    if isinstance(n, Const):
        return Const(n.value - ddof)
    return b.eqn("sub", n, Const(ddof))


def _safe(b, e):
    """``std`` where it is positive, else 1 (see the module docstring)."""
    return b.eqn("where", b.eqn("gt", e.out, Const(0.0)), e.out, Const(1.0))


def _spread_jvp(scale: float, std: bool):
    def jvp(b, e, tangents, shape):
        t = tangents[0]
        if t is None:
            return None
        p = red_params(e, shape)
        inner = b.eqn("sum", b.eqn("mul", _centred(b, e, shape), t), axis=p["axis"],
                      keepdims=p["keepdims"])
        out = b.eqn("div", inner, _dof(b, e, shape))
        out = b.eqn("div", out, _safe(b, e)) if std else out
        return b.eqn("mul", out, Const(scale)) if scale != 1 else out
    jvp.__qualname__ = f"{'std' if std else 'var'}_jvp"
    return jvp


def _spread_vjp(scale: float, std: bool):
    def vjp(b, e, i, g, shape):
        p = red_params(e, shape)
        share = b.eqn("div", b.eqn("expand_red", g, **p), _dof(b, e, shape))
        if std:
            share = b.eqn("div", share, b.eqn("expand_red", _safe(b, e), **p))
        out = b.eqn("mul", _centred(b, e, shape), share)
        return b.eqn("mul", out, Const(scale)) if scale != 1 else out
    vjp.__qualname__ = f"{'std' if std else 'var'}_vjp"
    return vjp


def _impl(fn):
    def impl(x, axis=None, ddof=0, keepdims=False, **_):
        return fn(x, axis=axis, ddof=ddof, keepdims=keepdims)
    return impl


def _domain():
    def case(shape, axis, ddof, keepdims):
        return lambda r: ((uniform(r, *shape),), {"axis": axis, "ddof": ddof,
                                                  "keepdims": keepdims})
    return (case((5,), None, 0, False), case((3, 4), 1, 1, False), case((3, 4), 0, 0, True),
            case((2, 3, 4), (0, 2), 1, False), case((3, 4), None, 1, True),
            case((2, 3), -1, 0, False))


def _spread_xp(name: str):
    """``xp.var(x, axis=0, correction=1)``: the standard's ``correction``
    is NumPy's ``ddof``."""
    def emit(kit, e, args):
        kws = {}
        if e.param("axis") is not None:
            kws["axis"] = kit.const(e.param("axis"))
        if e.param("ddof", 0):
            kws["correction"] = kit.const(e.param("ddof"))
        if e.param("keepdims"):
            kws["keepdims"] = kit.const(True)
        return kit.call(kit.np(name), args[:1], kws)
    return emit


def _spread(name: str, fn, scale: float, std: bool) -> None:
    define(name, 1, array_only=True, memory="fresh", dtype="float",
           spellings={"np": (name,), "method": (name,), "array_api": (name,)},
           impl=_impl(fn), shape=_shape,
           extra={"lower": Signature(statics={"axis": None, "ddof": 0, "keepdims": False},
                                     ints=("ddof",), bools=("keepdims",)),
                  "emit": _emit_kws(name, {"ddof": 0}),
                  "emit_xp": _spread_xp(name)},
           jvp=_spread_jvp(scale, std), vjp=_spread_vjp(scale, std), domain=_domain())


_spread("var", np.var, 2.0, std=False)
_spread("std", np.std, 1.0, std=True)
