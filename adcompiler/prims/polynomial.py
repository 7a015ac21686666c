"""``np.polyval(p, x)`` (coefficients highest power first) and
``np.interp(x, xp, fp)``.

``polyval`` is linear in ``p``: ``p``'s adjoint is ``g`` against the powers
of ``x`` (a Vandermonde matrix); in ``x`` its derivative is the polynomial
with coefficients ``polyder(p) = p[:-1] * [n-1, ..., 1]``.

``interp`` is linear in ``fp`` (each output mixes the two values around it)
and piecewise linear in ``x``: its slope is that of the segment ``x`` lies
in (the right one at a knot) and 0 outside ``[xp[0], xp[-1]]`` where it is
constant.  Its derivative with respect to the knots ``xp`` is refused.
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .shapecalc import ShapeNeeded, broadcast
from .stacking import dim
from .structural import Signature, define, np_call, uniform

_FULL = ("s", False, False, False)


def _slice(b, v, lo, hi):
    """``v[lo:hi]`` with constant bounds (None: open)."""
    atoms = [Const(k) for k in (lo, hi) if k is not None]
    return b.eqn("index", v, *atoms, spec=(("s", lo is not None, hi is not None, False),))


def _at(b, v, k: int):
    return b.eqn("index", v, Const(k), spec=("a",))


# ---------------------------------------------------------------- polyval
def _exponents(b, p, shape, lowest: int):
    """``[n - 1, ..., lowest]`` for ``n`` coefficients: ``np.arange(n - 1, lowest - 1, -1)``
    (a known ``n``), else ``np.flip(np.arange(lowest, len(p)))``."""
    n = dim(b, p, 0, shape)
    if isinstance(n, Const):
        return b.eqn("arange", Const(n.value - 1), Const(lowest - 1), Const(-1))
    return b.eqn("flip", b.eqn("arange", Const(lowest), n), axis=None)


def _polyder(b, p, shape):
    """``p[:-1] * [n - 1, ..., 1]``: the derivative's coefficients."""
    return b.eqn("mul", _slice(b, p, None, -1), _exponents(b, p, shape, 1))


def _polyval_jvp(b, e, tangents, shape):
    (p, x), (tp, tx) = e.args, tangents
    terms = []
    if tp is not None:
        terms.append(b.eqn("polyval", tp, x))
    if tx is not None:
        terms.append(b.eqn("mul", b.eqn("polyval", _polyder(b, p, shape), x), tx))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else b.eqn("add", terms[0], terms[1])


def _polyval_vjp(b, e, i, g, shape):
    p, x = e.args
    if i == 1:
        return b.eqn("mul", g, b.eqn("polyval", _polyder(b, p, shape), x))
    column = b.eqn("reshape", x, Const(-1), Const(1))
    powers = b.eqn("pow", column, _exponents(b, p, shape, 0))
    return b.eqn("matmul", b.eqn("reshape", g, Const(-1)), powers)


def _polyval_shape(e, args, dtype):
    p, x = args
    if p is not None and len(p) != 1:
        raise ShapeNeeded(e.args[0], "np.polyval needs a 1-d array of coefficients")
    return x


def _polyval_xp(kit, e, args):
    """Horner's rule, ``(p[0] * x + p[1]) * x + p[2]``, for a number of
    coefficients known when compiling (the standard has no polyval); when
    ``p`` or ``x`` is an expression (written once): the sum of the powers."""
    shape = kit.dims(e.args[0])
    n = shape[0] if shape else None
    if not isinstance(n, int) or n < 1:
        from ..errors import CompileError
        raise CompileError("np.polyval has no Array API spelling for a number of coefficients "
                           "read at run time (Horner's rule is written out for a known one)",
                           construct="array-api")
    p, x = args
    if not all(isinstance(a, (ast.Name, ast.Constant)) for a in args):
        # each written once: sum(p * x[..., None] ** [n-1, ..., 0], axis=-1)
        powers = ast.Call(kit.np("arange"), [kit.const(n - 1), kit.const(-1), kit.const(-1)],
                          kit.placed())
        column = kit.call(kit.np("expand_dims"), [ast.Call(kit.np("asarray"), [x],
                                                           kit.placed())],
                          {"axis": kit.const(-1)})
        terms = ast.BinOp(p, ast.Mult(), kit.call(kit.np("pow"), [column, powers]))
        return kit.call(kit.np("sum"), [terms], {"axis": kit.const(-1)})

    def coefficient(k):
        return ast.Subscript(p, kit.const(k), ast.Load())
    out = coefficient(0)
    for k in range(1, n):
        out = ast.BinOp(ast.BinOp(out, ast.Mult(), x), ast.Add(), coefficient(k))
    return out if n > 1 else ast.BinOp(out, ast.Add(), ast.BinOp(x, ast.Mult(),
                                                                  kit.const(0.0)))


define("polyval", 2, array_only=True, memory="fresh", dtype="float",
       spellings={"np": ("polyval",), "array_api": ("arange", "asarray", "expand_dims", "pow",
                                                     "sum")},
       impl=lambda p, x, **_: np.polyval(p, x),
       shape=_polyval_shape, extra={"lower": Signature(("p", "x")), "emit": np_call("polyval"),
                                    "emit_xp": _polyval_xp},
       jvp=_polyval_jvp, vjp=_polyval_vjp,
       domain=(lambda r: ((uniform(r, 4), uniform(r, 5)), {}),
               lambda r: ((uniform(r, 3), uniform(r, 2, 3)), {}),
               lambda r: ((uniform(r, 1), uniform(r, 3)), {}),
               lambda r: ((uniform(r, 3), np.array(uniform(r, 1)[0])), {})))


# ---------------------------------------------------------------- interp
define("searchsorted", 2, differentiable=False, array_only=True, memory="value", dtype="int",
       spellings={"np": ("searchsorted",), "array_api": ("searchsorted",)},
       impl=lambda a, v, side="left", **_: np.searchsorted(a, v, side=side),
       shape=lambda e, args, dtype: args[1],
       extra={"lower": Signature(("a", "v"), {"side": "left"}, strings=("side",)),
              "emit": lambda kit, e, args: kit.call(
                  kit.np("searchsorted"), list(args),
                  {} if e.param("side") == "left" else {"side": kit.const(e.param("side"))})})


def _segment(b, e):
    """The segment ``j`` (``xp[j] <= x < xp[j + 1]``, clamped to the first
    and last) each ``x`` lies in."""
    x, xp = e.args[0], e.args[1]
    return b.eqn("searchsorted", _slice(b, xp, 1, -1), x, side="right")


def _select(b, cond, then, other):
    return b.eqn("where", cond, then, other)


def _slope(b, e):
    """``diff(fp) / diff(xp)`` of each ``x``'s segment; 0 outside the knots."""
    x, xp, fp = e.args
    steps = b.eqn("div", b.eqn("diff", fp, n=1, axis=-1), b.eqn("diff", xp, n=1, axis=-1))
    slope = b.eqn("index", steps, _segment(b, e), spec=("a",))
    return _select(b, b.eqn("lt", x, _at(b, xp, 0)), Const(0.0),
                   _select(b, b.eqn("gt", x, _at(b, xp, -1)), Const(0.0), slope))


def _no_knots(e):
    return ShapeNeeded(e.args[1], "the derivative of np.interp with respect to the knots xp "
                       "is not supported (with respect to x and fp it is)")


def _interp_jvp(b, e, tangents, shape):
    tx, txp, tfp = tangents
    if txp is not None:
        raise _no_knots(e)
    terms = []
    if tfp is not None:
        terms.append(b.eqn("interp", e.args[0], e.args[1], tfp))
    if tx is not None:
        terms.append(b.eqn("mul", _slope(b, e), tx))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else b.eqn("add", terms[0], terms[1])


def _interp_vjp(b, e, i, g, shape):
    if i == 1:
        raise _no_knots(e)
    if i == 0:
        return b.eqn("mul", g, _slope(b, e))
    # fp: each output mixes fp[j] and fp[j + 1] with weights 1 - t and t
    x, xp = e.args[0], e.args[1]
    j = _segment(b, e)
    k = b.eqn("add", j, Const(1))
    lo, hi = (b.eqn("index", xp, a, spec=("a",)) for a in (j, k))
    t = b.eqn("div", b.eqn("sub", x, lo), b.eqn("sub", hi, lo))
    t = _select(b, b.eqn("lt", t, Const(0.0)), Const(0.0),
                _select(b, b.eqn("gt", t, Const(1.0)), Const(1.0), t))
    fp = e.args[2]
    left = b.eqn("index_add", fp, Const(0.0), b.eqn("mul", g, b.eqn("sub", Const(1.0), t)), j,
                 spec=("a",), repeats=True)
    return b.eqn("index_add", fp, left, b.eqn("mul", g, t), k, spec=("a",), repeats=True)


def _interp_case(x_shape):
    knots = np.array([0, 1, 3, 4])  # integers: fixed inputs (no derivative in xp)
    return lambda r: ((r.uniform(-0.5, 4.5, size=x_shape), knots, uniform(r, 4)), {})


define("interp", 3, array_only=True, memory="fresh", dtype="float",
       spellings={"np": ("interp",)}, impl=lambda x, xp, fp, **_: np.interp(x, xp, fp),
       shape=lambda e, args, dtype: args[0],
       extra={"lower": Signature(("x", "xp", "fp")), "emit": np_call("interp")},
       jvp=_interp_jvp, vjp=_interp_vjp,
       domain=(_interp_case(7), _interp_case((2, 3)), _interp_case(1)))
