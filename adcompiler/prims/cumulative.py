"""Running and shifting along an axis: ``np.cumsum``/``.cumsum()``,
``np.cumprod``/``.cumprod()``, ``np.diff``, ``np.roll``, ``np.flip``.

All but ``cumprod`` are linear, so :func:`.derive.linear` builds their
derivative from the transpose alone: a cumulative sum's transpose is the
cumulative sum taken backwards, a difference's is a difference of the
zero-padded adjoint, a roll's the opposite roll, a flip's the same flip.
"""
from __future__ import annotations

import numpy as np

from ..core.ir import Const
from .derive import linear
from .shapecalc import ShapeNeeded, known, size
from .structural import Signature, define, ndim, uniform


def emit_call(np_name: str, positional: tuple = (), keywords: dict | None = None):
    """``np.NAME(x, *positional params, kw=param)``, keywords left out when
    they have their default (``keywords``: name -> default)."""
    def emit(kit, e, args):
        pos = list(args) + [kit.const(e.param(p)) for p in positional]
        kws = {k: kit.const(e.param(k, d)) for k, d in (keywords or {}).items()
               if e.param(k, d) != d}
        return kit.call(kit.np(np_name), pos, kws)
    return emit


def running_xp(std_name: str):
    """``xp.cumulative_sum(x, axis=k)``; without an axis NumPy runs over the
    flattened array: ``xp.cumulative_sum(xp.reshape(x, (-1,)))`` (just ``x``
    when it is known to be 1-d)."""
    def emit(kit, e, args):
        x, axis = args[0], e.param("axis")
        if axis is not None:
            return kit.call(kit.np(std_name), [x], {"axis": kit.const(axis)})
        if kit.rank(e.args[0]) != 1:
            x = kit.call(kit.np("reshape"), [x, kit.const((-1,))])
        return kit.call(kit.np(std_name), [x])
    return emit


def axis_cases(*cases):
    """Domain cases ``(shape, params)``: one float array argument each."""
    return tuple((lambda s, p: lambda r: ((uniform(r, *s),), dict(p)))(s, p)
                 for s, p in cases)


# ---------------------------------------------------------------- cumsum, cumprod
def _running_shape(e, args, dtype):
    """The input's shape, or its size flattened when ``axis`` is None."""
    x = args[0]
    if x is None or e.param("axis") is not None:
        return x
    return (size(x),) if known(x) else (None,)


def _backwards_cumsum(b, g, axis):
    """``out[k] = sum(g[j] for j >= k)`` along ``axis``: ``total - cumsum + g``."""
    total = b.eqn("sum", g, axis=axis, keepdims=True)
    return b.eqn("add", b.eqn("sub", total, b.eqn("cumsum", g, axis=axis)), g)


def _cumsum_bar(b, e, i, g, shape):
    return b.eqn("reshape_like", _backwards_cumsum(b, g, e.param("axis")), e.args[0])


_RUNNING = Signature(statics={"axis": None}, ints=("axis",))
_RUNNING_CASES = axis_cases(((5,), {"axis": None}), ((3, 4), {"axis": 1}),
                            ((2, 3), {"axis": None}), ((3, 4), {"axis": -2}),
                            ((2, 3, 2), {"axis": 1}))

define("cumsum", 1, array_only=True, memory="fresh",
       spellings={"np": ("cumsum",), "method": ("cumsum",),
                  "array_api": ("cumulative_sum", "reshape")},
       impl=lambda x, axis=None, **_: np.cumsum(x, axis=axis), shape=_running_shape,
       extra={"lower": _RUNNING, "emit": emit_call("cumsum", keywords={"axis": None}),
              "emit_xp": running_xp("cumulative_sum")},
       **linear(_cumsum_bar), domain=_RUNNING_CASES)


def _flat_or_same(b, e, t):
    """``t`` laid out like the output: flattened when ``axis`` is None."""
    return b.eqn("reshape", t, Const(-1)) if e.param("axis") is None else t


def _cumprod_jvp(b, e, tangents, shape):
    """``out * cumsum(t / x)`` (the derivative divides by ``x``: an element
    exactly 0 gives nan, as the derivative of ``np.prod`` does)."""
    t = tangents[0]
    if t is None:
        return None
    ratio = b.eqn("cumsum", b.eqn("div", t, e.args[0]), axis=e.param("axis"))
    return b.eqn("mul", e.out, ratio)


def _cumprod_vjp(b, e, i, g, shape):
    """``x_bar[j] = sum(g[k] * out[k] for k >= j) / x[j]``."""
    back = _backwards_cumsum(b, b.eqn("mul", g, e.out), e.param("axis"))
    return b.eqn("div", b.eqn("reshape_like", back, e.args[0]), e.args[0])


define("cumprod", 1, array_only=True, memory="fresh",
       spellings={"np": ("cumprod",), "method": ("cumprod",),
                  "array_api": ("cumulative_prod", "reshape")},
       impl=lambda x, axis=None, **_: np.cumprod(x, axis=axis), shape=_running_shape,
       extra={"lower": _RUNNING, "emit": emit_call("cumprod", keywords={"axis": None}),
              "emit_xp": running_xp("cumulative_prod")},
       jvp=_cumprod_jvp, vjp=_cumprod_vjp, domain=_RUNNING_CASES)


# ---------------------------------------------------------------- diff
def _diff_shape(e, args, dtype):
    x = args[0]
    if x is None:
        return None
    axis, n = e.param("axis", -1) % len(x), e.param("n", 1)
    d = x[axis]
    return x[:axis] + ((max(d - n, 0) if isinstance(d, int) else None),) + x[axis + 1:]


def _diff_bar(b, e, i, g, shape):
    """The transpose of ``n`` differences: ``(-1)**n * diff(pad(g, n), n)``,
    ``g`` padded with ``n`` zeros at both ends of the axis."""
    nd = ndim(shape, e.args[0])
    n, axis = e.param("n", 1), e.param("axis", -1) % nd
    width = tuple((n, n) if k == axis else (0, 0) for k in range(nd))
    back = b.eqn("diff", b.eqn("pad", g, pad_width=width), n=n, axis=axis)
    return back if n % 2 == 0 else b.eqn("neg", back)


define("diff", 1, array_only=True, memory="fresh",
       spellings={"np": ("diff",), "array_api": ("diff",)},
       impl=lambda x, n=1, axis=-1, **_: np.diff(x, n=n, axis=axis), shape=_diff_shape,
       extra={"lower": Signature(statics={"n": 1, "axis": -1}, ints=("n", "axis")),
              "emit": emit_call("diff", keywords={"n": 1, "axis": -1})},
       **linear(_diff_bar),
       domain=axis_cases(((5,), {"n": 1, "axis": -1}), ((3, 4), {"n": 1, "axis": 0}),
                         ((6,), {"n": 2, "axis": -1}), ((2, 5), {"n": 3, "axis": 1}),
                         ((4, 2, 3), {"n": 1, "axis": -2})))


# ---------------------------------------------------------------- pad (zeros)
def _pad_widths(e, nd: int) -> tuple:
    """``pad_width`` as NumPy reads it: one ``(before, after)`` per axis."""
    return tuple(tuple(int(v) for v in w)
                 for w in np.broadcast_to(np.array(e.param("pad_width")), (nd, 2)))


def _pad_shape(e, args, dtype):
    x = args[0]
    if x is None:
        return None
    return tuple(d + lo + hi if isinstance(d, int) else None
                 for d, (lo, hi) in zip(x, _pad_widths(e, len(x))))


def _pad_bar(b, e, i, g, shape):
    """The inside of ``g``: ``g[lo:-hi, ...]`` on every axis."""
    spec, atoms = [], []
    for lo, hi in _pad_widths(e, ndim(shape, e.args[0])):
        spec.append(("s", lo > 0, hi > 0, False))
        atoms += ([Const(lo)] if lo else []) + ([Const(-hi)] if hi else [])
    return b.eqn("index", g, *atoms, spec=tuple(spec))


def _pad_impl(x, pad_width=0, mode="constant", **_):
    return np.pad(x, pad_width)


def _pad_lower_check(e, args, dtype):
    if e.param("mode", "constant") != "constant" or e.param("constant_values", 0) != 0:
        raise ShapeNeeded(e.args[0], "np.pad is supported with zeros only (mode='constant', "
                          "constant_values=0)")
    return _pad_shape(e, args, dtype)


def _pad_xp(kit, e, args):
    """``np.pad(x, w)`` (zeros) as ``xp.concat`` of ``x`` and blocks of
    ``xp.zeros`` along each padded axis (the standard has no pad); the
    blocks' other sizes are ``x.shape[j]``, plus the padding of the axes
    already padded."""
    import ast
    rank = kit.rank(e.args[0])
    if rank is None:
        from ..errors import CompileError
        raise CompileError("np.pad of an array of unknown rank cannot be written in the Array "
                           "API standard", construct="array-api")
    widths = _pad_widths(e, rank)
    out = args[0]
    for k, (lo, hi) in enumerate(widths):
        if not lo and not hi:
            continue

        def dims(w, k=k):
            out = []
            for j in range(rank):
                d = ast.Subscript(ast.Attribute(args[0], "shape", ast.Load()), kit.const(j),
                                  ast.Load())
                if j < k and sum(widths[j]):
                    d = ast.BinOp(d, ast.Add(), kit.const(sum(widths[j])))
                out.append(kit.const(w) if j == k else d)
            return ast.Tuple(out, ast.Load())
        parts = [ast.Call(kit.np("zeros"), [dims(w)], kit.placed()) for w in (lo,) if w] + \
            [out] + [ast.Call(kit.np("zeros"), [dims(w)], kit.placed()) for w in (hi,) if w]
        out = kit.call(kit.np("concat"), [ast.List(parts, ast.Load())],
                       {"axis": kit.const(k)} if k else {})
    return out


define("pad", 1, array_only=True, memory="fresh",
       spellings={"np": ("pad",), "array_api": ("concat", "zeros")},
       impl=_pad_impl, shape=_pad_lower_check,
       extra={"lower": Signature(("array",), {"pad_width": 0, "mode": "constant",
                                              "constant_values": 0},
                               strings=("mode",)),
              "emit": emit_call("pad", positional=("pad_width",)), "emit_xp": _pad_xp},
       **linear(_pad_bar),
       domain=axis_cases(((4,), {"pad_width": 1}), ((3, 4), {"pad_width": ((1, 0), (2, 3))}),
                         ((2, 3), {"pad_width": (0, 2)})))


# ---------------------------------------------------------------- roll, flip
def _opposite(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


def _roll_bar(b, e, i, g, shape):
    return b.eqn("roll", g, shift=_opposite(e.param("shift")), axis=e.param("axis"))


define("roll", 1, array_only=True, memory="fresh",
       spellings={"np": ("roll",), "array_api": ("roll",)},
       impl=lambda x, shift, axis=None, **_: np.roll(x, shift, axis=axis),
       shape=lambda e, args, dtype: args[0],
       extra={"lower": Signature(statics={"shift": 0, "axis": None}),
              "emit": emit_call("roll", positional=("shift",), keywords={"axis": None})},
       **linear(_roll_bar),
       domain=axis_cases(((5,), {"shift": 2, "axis": None}), ((3, 4), {"shift": -1, "axis": 1}),
                         ((3, 4), {"shift": 5, "axis": None}),
                         ((2, 3, 4), {"shift": (1, 2), "axis": (0, 2)})))


def _flip_bar(b, e, i, g, shape):
    return b.eqn("flip", g, axis=e.param("axis"))


define("flip", 1, array_only=True, memory="view",
       spellings={"np": ("flip",), "array_api": ("flip",)},
       impl=lambda x, axis=None, **_: np.flip(x, axis=axis),
       shape=lambda e, args, dtype: args[0],
       extra={"lower": Signature(("m",), {"axis": None}),
              "emit": emit_call("flip", keywords={"axis": None}), "shares": (0,)},
       **linear(_flip_bar),
       domain=axis_cases(((5,), {"axis": None}), ((3, 4), {"axis": 0}),
                         ((2, 3, 4), {"axis": (0, 2)}), ((3, 4), {"axis": -1})))
