"""Linear algebra: ``@``/``np.dot``, ``.T``, ``np.outer``, ``np.trace``,
``np.linalg.norm`` (2-norm of all entries or along
``axis``, Frobenius, and the vector 1- and 2-norms).  One record each (see
:mod:`.structural` for the facts a record holds)."""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .derive import bilinear, linear
from .shapecalc import SCALAR, ShapeNeeded, Tup, known, reduced, size
from .structural import Signature, attribute, define, ndim, np_call, red_params, uniform


# ---------------------------------------------------------------- matmul
def _matmul_shape(e, args, dtype):
    a, b = args
    if a is None or b is None or isinstance(a, Tup) or isinstance(b, Tup):
        return None
    if len(a) == 1 and len(b) == 1:
        return SCALAR
    if len(a) == 2 and len(b) == 2:
        return (a[0], b[1])
    if len(a) == 1 and len(b) == 2:
        return (b[1],)
    if len(a) == 2 and len(b) == 1:
        return (a[0],)
    return None


def _ranks(e, shape) -> tuple:
    x, y = e.args
    nx, ny = ndim(shape, x), ndim(shape, y)
    if nx > 2 or ny > 2:
        raise ShapeNeeded(x if nx > 2 else y, "@ (matmul) of arrays with more than 2 "
                          "dimensions is not supported")
    return nx, ny


def _matmul_left(b, e, g, shape):
    """x_bar of x @ y."""
    y = e.args[1]
    nx, ny = _ranks(e, shape)
    if nx == 1 and ny == 1:
        return b.eqn("mul", g, y)
    if nx == 2 and ny == 2:
        return b.eqn("matmul", g, b.eqn("transpose", y))
    if nx == 1:
        return b.eqn("matmul", y, g)
    return b.eqn("outer", g, y)


def _matmul_right(b, e, g, shape):
    """y_bar of x @ y."""
    x = e.args[0]
    nx, ny = _ranks(e, shape)
    if nx == 1 and ny == 1:
        return b.eqn("mul", g, x)
    if nx == 1:
        return b.eqn("outer", x, g)
    return b.eqn("matmul", b.eqn("transpose", x), g)


define("matmul", 2, form="binop", op=ast.MatMult, array_only=True, memory="fresh",
       spellings={"np": ("dot", "matmul"), "method": ("dot",)},  # and x @ y (form binop)
       impl=lambda a, b, **_: a @ b, shape=_matmul_shape,
       extra={"lower": Signature(("a", "b"))},
       **bilinear(_matmul_left, _matmul_right),
       domain=(lambda r: ((uniform(r, 3, 4), uniform(r, 4, 2)), {}),
               lambda r: ((uniform(r, 4), uniform(r, 4, 2)), {}),
               lambda r: ((uniform(r, 3, 4), uniform(r, 4)), {}),
               lambda r: ((uniform(r, 4), uniform(r, 4)), {})))


# ---------------------------------------------------------------- transpose
def _transpose_bar(b, e, i, g, shape):
    return b.eqn("transpose", g)


def _transpose_xp(kit, e, args):
    """The standard's ``.T`` is for 2-d arrays only: a 1-d (or 0-d) array is
    itself, more dimensions are reversed by ``xp.permute_dims``."""
    rank = kit.rank(e.args[0])
    if rank is not None and rank < 2:
        return args[0]
    if rank is not None and rank > 2:
        return kit.call(kit.np("permute_dims"), [args[0], kit.const(tuple(range(rank))[::-1])])
    return attribute("T")(kit, e, args)


define("transpose", 1, array_only=True, memory="view",
       spellings={"np": ("transpose",), "method": ("transpose",), "attr": "T",
                  "array_api": ("T", "permute_dims")},
       impl=lambda x, **_: np.transpose(x),
       shape=lambda e, args, dtype: None if args[0] is None else tuple(reversed(args[0])),
       extra={"lower": Signature(), "emit": attribute("T"), "emit_xp": _transpose_xp},
       **linear(_transpose_bar),
       domain=(lambda r: ((uniform(r, 3, 4),), {}), lambda r: ((uniform(r, 5),), {})))


# ---------------------------------------------------------------- outer
def _outer_shape(e, args, dtype):
    a, b = args
    if a is None or b is None:
        return (None, None)

    def flat(s):  # np.outer flattens its operands
        return size(s) if known(s) else s[0] if len(s) == 1 else None
    return (flat(a), flat(b))


def _outer_left(b, e, g, shape):
    return b.eqn("matmul", g, e.args[1])


def _outer_right(b, e, g, shape):
    return b.eqn("matmul", e.args[0], g)


def _outer_xp(kit, e, args):
    """``xp.linalg.outer(a, b)``: of 1-d arrays there, so others (np.outer
    flattens them) are reshaped first."""
    flat = [x if kit.rank(a) == 1 else kit.call(kit.np("reshape"), [x, kit.const((-1,))])
            for a, x in zip(e.args, args)]
    return kit.call(kit.np("linalg.outer"), flat)


define("outer", 2, array_only=True, memory="fresh",
       spellings={"np": ("outer",), "array_api": ("linalg.outer", "reshape")},
       impl=lambda a, b, **_: np.outer(a, b), shape=_outer_shape,
       extra={"lower": Signature(("a", "b")), "emit": np_call("outer"), "emit_xp": _outer_xp},
       **bilinear(_outer_left, _outer_right),
       domain=(lambda r: ((uniform(r, 3), uniform(r, 2)), {}),
               lambda r: ((uniform(r, 1), uniform(r, 4)), {})))


# ---------------------------------------------------------------- trace
def _trace_bar(b, e, i, g, shape):
    return b.eqn("mul", g, b.eqn("eye_like", e.args[0]))


define("trace", 1, array_only=True, memory="value", dtype="float",
       spellings={"np": ("trace",), "array_api": ("linalg.trace",)},
       impl=lambda x, **_: np.trace(x),
       shape=lambda e, args, dtype: SCALAR,
       extra={"lower": Signature(), "emit": np_call("trace"),
              "emit_xp": np_call("linalg.trace")},
       **linear(_trace_bar),
       domain=(lambda r: ((uniform(r, 3, 3),), {}), lambda r: ((uniform(r, 1, 1),), {})))


# ---------------------------------------------------------------- norm
def _norm_shape(e, args, dtype):
    """``reduced`` over ``axis``; refuses the norms the rules do not know."""
    x, order, axis = args[0], e.param("ord"), e.param("axis")
    if order not in (None, 1, 2, "fro"):
        raise ShapeNeeded(e.args[0], f"np.linalg.norm with ord={order!r} is not supported "
                          "(ord=None, 'fro', 1 or 2 is)")
    if x is None:
        return None
    vector = isinstance(axis, int) or (axis is None and len(x) == 1)
    if order in (1, 2) and not vector:
        raise ShapeNeeded(e.args[0], f"the matrix norm np.linalg.norm(..., ord={order!r}) is "
                          "not supported (the vector norms along an axis are)")
    if order == "fro" and vector:
        raise ShapeNeeded(e.args[0], "ord='fro' is a matrix norm: a 2-d array is needed")
    return reduced(x, axis, e.param("keepdims", False))


def _positive(b, out):
    """The norm where positive, else 1: at 0 (every entry 0) the 2-norm has no
    derivative; its numerator is then 0, so the emitted derivative is 0 (a
    subgradient), without a 0/0."""
    return b.eqn("where", b.eqn("gt", out, Const(0.0)), out, Const(1.0))


def _sign(b, x):
    """``np.sign(x)`` as two selections (the IR interpreter evaluates the
    scalar ``sign`` on numbers only): 0 at 0, a subgradient of ``|x|``."""
    negative = b.eqn("where", b.eqn("lt", x, Const(0.0)), Const(-1.0), Const(0.0))
    return b.eqn("where", b.eqn("gt", x, Const(0.0)), Const(1.0), negative)


def _norm_jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    axis, keep = e.param("axis"), e.param("keepdims", False)
    if e.param("ord") == 1:
        return b.eqn("sum", b.eqn("mul", _sign(b, e.args[0]), t), axis=axis,
                     keepdims=keep)
    inner = b.eqn("sum", b.eqn("mul", e.args[0], t), axis=axis, keepdims=keep)
    return b.eqn("div", inner, _positive(b, e.out))


def _norm_vjp(b, e, i, g, shape):
    p = red_params(e, shape)
    if e.param("ord") == 1:
        return b.eqn("mul", _sign(b, e.args[0]), b.eqn("expand_red", g, **p))
    share = b.eqn("div", g, _positive(b, e.out))
    return b.eqn("mul", e.args[0], b.eqn("expand_red", share, **p))


def _norm_emit(kit, e, args):
    """``np.linalg.norm(x, ord, axis=..., keepdims=True)``, defaults left out."""
    pos = list(args) + ([kit.const(e.param("ord"))] if e.param("ord") is not None else [])
    kws = {"axis": kit.const(e.param("axis"))} if e.param("axis") is not None else {}
    if e.param("keepdims"):
        kws["keepdims"] = kit.const(True)
    return kit.call(kit.np("linalg.norm"), pos, kws)


def _norm_xp(kit, e, args):
    """``xp.linalg.vector_norm(x, axis=..., keepdims=True, ord=1)``: every
    norm the rules know is one (the Frobenius norm and NumPy's default of a
    matrix are the 2-norm of all entries, ``axis=None``)."""
    kws = {"axis": kit.const(e.param("axis"))} if e.param("axis") is not None else {}
    if e.param("keepdims"):
        kws["keepdims"] = kit.const(True)
    if e.param("ord") == 1:
        kws["ord"] = kit.const(1)
    return kit.call(kit.np("linalg.vector_norm"), list(args), kws)


def _norm_case(shape, order, axis, keepdims=False):
    return lambda r: ((r.uniform(-1.5, 1.5, size=shape),),
                      {"ord": order, "axis": axis, "keepdims": keepdims})


define("norm", 1, array_only=True, memory="fresh", dtype="float",
       spellings={"np": ("linalg.norm",), "array_api": ("linalg.vector_norm",)},
       impl=lambda x, ord=None, axis=None, keepdims=False, **_: np.linalg.norm(
           x, ord, axis=axis, keepdims=keepdims),
       shape=_norm_shape,
       extra={"lower": Signature(("x",), {"ord": None, "axis": None, "keepdims": False},
                                 bools=("keepdims",), strings=("ord",), label="np.linalg.norm"),
              "emit": _norm_emit, "emit_xp": _norm_xp},
       jvp=_norm_jvp, vjp=_norm_vjp,
       domain=(_norm_case((4,), None, None), _norm_case((1,), None, None),
               _norm_case((2, 3), None, None), _norm_case((3, 4), None, 1),
               _norm_case((3, 4), 2, 0, True), _norm_case((3, 4), 1, -1),
               _norm_case((5,), 1, None), _norm_case((2, 3), "fro", None),
               _norm_case((2, 3, 4), None, (0, 2))))
