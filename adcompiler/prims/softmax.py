"""``scipy.special.logsumexp``, ``softmax`` and ``log_softmax`` (``axis``;
``keepdims`` for logsumexp), spelled in the ``scipy.special`` namespace only:
emitted code calls SciPy only when the user's code did (it imports it).

Their values here are computed with NumPy in the stable form (the maximum
along the axis subtracted first), so adcompiler never imports SciPy.  With
``s = softmax(a)`` (stable; for softmax its own output) the rules are:

* ``logsumexp``: jvp ``sum(t * s)``, vjp ``g * s`` (``g`` spread back over
  the axis);
* ``softmax``: jvp ``s * (t - sum(t * s))``, vjp ``s * (g - sum(g * s))``;
* ``log_softmax``: jvp ``t - sum(t * s)``, vjp ``g - s * sum(g)``;

every ``sum`` along the axis with ``keepdims=True``.
"""
from __future__ import annotations

import ast

import numpy as np

from ..emit.globalnames import global_name, module_import
from .shapecalc import reduced
from .structural import Signature, define, ndim, uniform

SCIPY = "scipy.special"


def _lse(a, axis=None, keepdims=False, **_):
    a = np.asarray(a, dtype=float)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.item()


def _log_softmax(a, axis=None, **_):
    return np.asarray(a, dtype=float) - _lse(a, axis=axis, keepdims=True)


def _softmax(a, axis=None, **_):
    return np.exp(_log_softmax(a, axis=axis))


def _along(b, x, axis):
    return b.eqn("sum", x, axis=axis, keepdims=True)


def _probs(b, e, shape):
    """``s = softmax(a)`` along the axis: the record's own output for softmax,
    else the softmax record (the user's code imports scipy.special already)."""
    if e.prim == "softmax":
        return e.out
    return b.eqn("softmax", e.args[0], axis=e.param("axis"))


def _jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    s, axis = _probs(b, e, shape), e.param("axis")
    mean = _along(b, b.eqn("mul", t, s), axis)
    if e.prim == "logsumexp":
        return b.eqn("sum", b.eqn("mul", t, s), axis=axis, keepdims=e.param("keepdims", False))
    centred = b.eqn("sub", t, mean)
    return b.eqn("mul", s, centred) if e.prim == "softmax" else centred


def _vjp(b, e, i, g, shape):
    s, axis = _probs(b, e, shape), e.param("axis")
    if e.prim == "logsumexp":
        red = {"axis": axis, "keepdims": e.param("keepdims", False),
               "ndim": ndim(shape, e.args[0])}
        return b.eqn("mul", b.eqn("expand_red", g, **red), s)
    if e.prim == "softmax":
        return b.eqn("mul", s, b.eqn("sub", g, _along(b, b.eqn("mul", g, s), axis)))
    return b.eqn("sub", g, b.eqn("mul", s, _along(b, g, axis)))


def _emit(kit, e, args):
    kit.em.need(module_import(SCIPY))
    fn = ast.Attribute(ast.Attribute(global_name("scipy"), "special", ast.Load()), e.prim,
                       ast.Load())
    kws = {}
    if e.param("axis") is not None:
        kws["axis"] = kit.const(e.param("axis"))
    if e.param("keepdims", False):
        kws["keepdims"] = kit.const(True)
    return kit.call(fn, list(args), kws)


def _emit_xp(kit, e, args):
    """The standard has no scipy.special: the stable forms in its calls,
    ``m + xp.log(xp.sum(xp.exp(x - m), axis))`` with ``m = xp.max(x, axis,
    keepdims=True)`` (the maximum shifts the exponentials: no overflow),
    softmax ``xp.exp(x - lse)``, log_softmax ``x - lse``."""
    x, axis = args[0], e.param("axis")
    red = {} if axis is None else {"axis": kit.const(axis)}

    def call(name, value, keep):
        return kit.call(kit.np(name), [value], {**red, **({"keepdims": kit.const(True)}
                                                          if keep else {})})
    m = call("max", x, True)
    keep = e.prim != "logsumexp" or e.param("keepdims", False)
    total = call("sum", kit.call(kit.np("exp"), [ast.BinOp(x, ast.Sub(), m)]), keep)
    lse = ast.BinOp(kit.call(kit.np("log"), [total]), ast.Add(),
                    m if keep else call("max", x, False))
    if e.prim == "logsumexp":
        return lse
    if e.prim == "log_softmax":
        return ast.BinOp(x, ast.Sub(), lse)
    return kit.call(kit.np("exp"), [ast.BinOp(x, ast.Sub(), lse)])


def _shape(e, args, dtype):
    if args[0] is None:
        return None
    if e.prim != "logsumexp":
        return args[0]
    return reduced(args[0], e.param("axis"), e.param("keepdims", False))


def _case(shape, **params):
    return lambda r: ((r.uniform(-2, 2, size=shape),), params)


_DOMAIN = (_case((5,)), _case((3, 4), axis=1), _case((3, 4), axis=0), _case((2, 3), axis=-1))
_LSE_DOMAIN = _DOMAIN + (_case((3, 4), axis=1, keepdims=True), _case((3, 4), keepdims=True),
                         lambda r: ((uniform(r, 4) * 800.0,), {}))

for _name, _impl, _statics, _dom in (
        ("logsumexp", _lse, {"axis": None, "keepdims": False}, _LSE_DOMAIN),
        ("softmax", _softmax, {"axis": None}, _DOMAIN),
        ("log_softmax", _log_softmax, {"axis": None}, _DOMAIN)):
    define(_name, 1, array_only=True, memory="fresh", dtype="float",
           spellings={SCIPY: (_name,), "array_api": ("max", "sum", "exp", "log")},
           impl=_impl, shape=_shape,
           extra={"lower": Signature(("a",), _statics, bools=("keepdims",),
                                     label=f"scipy.special.{_name}"),
                  "emit": _emit, "emit_xp": _emit_xp},
           jvp=_jvp, vjp=_vjp, domain=_dom)
