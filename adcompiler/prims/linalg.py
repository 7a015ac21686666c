"""Linear algebra: ``@``/``np.dot``, ``.T``, ``np.outer``, ``np.trace``,
``np.linalg.norm`` (the vector 2-norm).  One record each (see
:mod:`.structural` for the facts a record holds)."""
from __future__ import annotations

import ast

import numpy as np

from .derive import bilinear, linear
from .shapecalc import SCALAR, ShapeNeeded, Tup, known, size
from .structural import Signature, attribute, define, ndim, np_call, uniform


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


define("transpose", 1, array_only=True, memory="view",
       spellings={"np": ("transpose",), "method": ("transpose",), "attr": "T"},
       impl=lambda x, **_: np.transpose(x),
       shape=lambda e, args, dtype: None if args[0] is None else tuple(reversed(args[0])),
       extra={"lower": Signature(), "emit": attribute("T")},
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


define("outer", 2, array_only=True, memory="fresh", spellings={"np": ("outer",)},
       impl=lambda a, b, **_: np.outer(a, b), shape=_outer_shape,
       extra={"lower": Signature(("a", "b")), "emit": np_call("outer")},
       **bilinear(_outer_left, _outer_right),
       domain=(lambda r: ((uniform(r, 3), uniform(r, 2)), {}),
               lambda r: ((uniform(r, 1), uniform(r, 4)), {})))


# ---------------------------------------------------------------- trace
def _trace_bar(b, e, i, g, shape):
    return b.eqn("mul", g, b.eqn("eye_like", e.args[0]))


define("trace", 1, array_only=True, memory="value", dtype="float",
       spellings={"np": ("trace",)}, impl=lambda x, **_: np.trace(x),
       shape=lambda e, args, dtype: SCALAR,
       extra={"lower": Signature(), "emit": np_call("trace")},
       **linear(_trace_bar),
       domain=(lambda r: ((uniform(r, 3, 3),), {}), lambda r: ((uniform(r, 1, 1),), {})))


# ---------------------------------------------------------------- norm
def _norm_jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    inner = b.eqn("sum", b.eqn("mul", e.args[0], t), axis=None, keepdims=False)
    return b.eqn("div", inner, e.out)


def _norm_vjp(b, e, i, g, shape):
    return b.eqn("div", b.eqn("mul", g, e.args[0]), e.out)


define("norm", 1, array_only=True, memory="value", dtype="float",
       spellings={"np": ("linalg.norm",)}, impl=lambda x, **_: np.linalg.norm(x),
       shape=lambda e, args, dtype: SCALAR,
       extra={"lower": Signature(("x",), label="np.linalg.norm"),
              "emit": np_call("linalg.norm")},
       jvp=_norm_jvp, vjp=_norm_vjp,
       domain=(lambda r: ((uniform(r, 4),), {}), lambda r: ((uniform(r, 1),), {}),
               lambda r: ((uniform(r, 2, 3),), {})))
