"""Derivative rules of the structural array primitives (the array half of the
rule table; :mod:`adcompiler.prims.rules` re-exports it as ``ARRAY_RULES``).

Elementwise primitives keep their scalar rules (``rules.RULES``): their
Jacobian is diagonal, so ``partial * g`` serves both modes, and reverse mode
only has to sum the product back to a broadcast operand's shape
(``unbroadcast``).  Structural primitives mix elements, so each has two maps:

* ``jvp(b, e, tangents, shape)`` -- forward mode: the output tangent from the
  argument tangents (``None`` = zero).  For a linear primitive this is the
  primitive itself applied to the tangent; for a bilinear one (``@``,
  ``outer``) the product rule.
* ``vjp(b, e, i, g, shape)`` -- reverse mode: the contribution of the output
  adjoint ``g`` to argument ``i``'s adjoint (the transpose of the linear map),
  already of argument ``i``'s shape.

``shape(atom)`` gives what :mod:`adcompiler.arrays.shapes` knows (``()`` scalar,
a tuple, ``None`` unknown).  Every rule returns an atom built into ``b``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..core.ir import Builder, Const, Eqn
from ..arrays.shapes import known, size


@dataclass(frozen=True)
class ArrayRule:
    jvp: Callable
    vjp: Callable


class ShapeNeeded(Exception):
    """A rule needs the rank of an operand that shape inference does not know."""


def _ndim(shape, a) -> int:
    s = shape(a)
    if s is None:
        raise ShapeNeeded(a)
    return len(s)


def _params(e: Eqn) -> dict:
    return dict(e.params)


# ---------------------------------------------------------------- linear, one argument
def _same_op_jvp(b: Builder, e: Eqn, tangents, shape):
    """Linear in its first argument: apply the primitive to the tangent."""
    t = tangents[0]
    if t is None:
        return None
    return b.eqn(e.prim, t, *e.args[1:], **_params(e))


def _transpose_vjp(b, e, i, g, shape):
    return b.eqn("transpose", g)


def _trace_vjp(b, e, i, g, shape):
    return b.eqn("mul", g, b.eqn("eye_like", e.args[0]))


def _sum_vjp(b, e, i, g, shape):
    x = e.args[0]
    return b.eqn("unsum", g, x, **_red_params(e, shape))


def _red_params(e, shape) -> dict:
    sx = shape(e.args[0])
    return {"axis": e.param("axis"), "keepdims": e.param("keepdims", False),
            "ndim": None if sx is None else len(sx)}


def _count(b, e, shape):
    """How many elements each output of a mean averages."""
    sx, so = shape(e.args[0]), shape(e.out)
    if known(sx) and known(so):
        # an empty input has an empty gradient: any nonzero count will do
        # (a zero one would divide by zero in the emitted code)
        return Const(float(max(size(sx) // max(size(so), 1), 1)))
    count = b.eqn("div", b.eqn("size", e.args[0]), b.eqn("size", e.out))
    return b.eqn("max", count, Const(1))  # 0 for an empty input (see above)


def _mean_vjp(b, e, i, g, shape):
    scaled = b.eqn("div", g, _count(b, e, shape))
    return b.eqn("unsum", scaled, e.args[0], **_red_params(e, shape))


def _extreme_vjp(b, e, i, g, shape):
    """max/min: the adjoint goes to the extreme elements, split evenly on ties."""
    x = e.args[0]
    p = _red_params(e, shape)
    mask = b.eqn("eq", x, b.eqn("expand_red", e.out, **p))
    ties = b.eqn("sum", mask, axis=e.param("axis"), keepdims=True)
    return b.eqn("div", b.eqn("mul", b.eqn("expand_red", g, **p), mask), ties)


def _extreme_jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    x = e.args[0]
    p = _red_params(e, shape)
    mask = b.eqn("eq", x, b.eqn("expand_red", e.out, **p))
    ties = b.eqn("sum", mask, axis=e.param("axis"), keepdims=e.param("keepdims", False))
    picked = b.eqn("sum", b.eqn("mul", t, mask), axis=e.param("axis"),
                   keepdims=e.param("keepdims", False))
    return b.eqn("div", picked, ties)


def _prod_vjp(b, e, i, g, shape):
    p = _red_params(e, shape)
    both = b.eqn("mul", b.eqn("expand_red", g, **p), b.eqn("expand_red", e.out, **p))
    return b.eqn("div", both, e.args[0])


def _prod_jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    p = _red_params(e, shape)
    ratio = b.eqn("div", t, e.args[0])
    return b.eqn("mul", e.out, b.eqn("sum", ratio, axis=p["axis"], keepdims=p["keepdims"]))


def _norm_vjp(b, e, i, g, shape):
    return b.eqn("div", b.eqn("mul", g, e.args[0]), e.out)


def _norm_jvp(b, e, tangents, shape):
    t = tangents[0]
    if t is None:
        return None
    return b.eqn("div", b.eqn("sum", b.eqn("mul", e.args[0], t), axis=None, keepdims=False), e.out)


def _reshape_vjp(b, e, i, g, shape):
    return b.eqn("reshape_like", g, e.args[0]) if i == 0 else None


def _index_vjp(b, e, i, g, shape):
    if i != 0:
        return None
    return b.eqn("index_add", e.args[0], Const(0.0), g, *e.args[1:], spec=e.param("spec"),
                 repeats=index_may_repeat(e, shape))


def index_may_repeat(e: Eqn, shape) -> bool:
    """Can an element be selected twice (an integer-array index)?"""
    return any(shape(a) != () for a in e.args[1:])


# ---------------------------------------------------------------- bilinear
def _bilinear_jvp(b, e, tangents, shape):
    x, y = e.args
    tx, ty = tangents
    terms = []
    if tx is not None:
        terms.append(b.eqn(e.prim, tx, y))
    if ty is not None:
        terms.append(b.eqn(e.prim, x, ty))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else b.eqn("add", terms[0], terms[1])


def _matmul_vjp(b, e, i, g, shape):
    x, y = e.args
    nx, ny = _ndim(shape, x), _ndim(shape, y)
    if nx > 2 or ny > 2:
        raise ShapeNeeded(x if nx > 2 else y, "@ (matmul) of arrays with more than 2 "
                          "dimensions is not supported")
    if i == 0:
        if nx == 1 and ny == 1:
            return b.eqn("mul", g, y)
        if nx == 2 and ny == 2:
            return b.eqn("matmul", g, b.eqn("transpose", y))
        if nx == 1:
            return b.eqn("matmul", y, g)
        return b.eqn("outer", g, y)
    if nx == 1 and ny == 1:
        return b.eqn("mul", g, x)
    if nx == 1:
        return b.eqn("outer", x, g)
    return b.eqn("matmul", b.eqn("transpose", x), g)


def _outer_vjp(b, e, i, g, shape):
    x, y = e.args
    if i == 0:
        return b.eqn("matmul", g, y)
    return b.eqn("matmul", x, g)


# ---------------------------------------------------------------- several arguments
def _along(axis: int, item) -> tuple:
    """An index spec selecting ``item`` along ``axis`` (negative: from the end)."""
    full = ("s", False, False, False)
    if axis >= 0:
        return (full,) * axis + (item,)
    return ("...", item) + (full,) * (-axis - 1)


def _concat_vjp(b, e, i, g, shape):
    axis = e.param("axis", 0)
    lo = hi = Const(0)
    for k, a in enumerate(e.args[: i + 1]):
        s = shape(a)
        ax = axis if axis >= 0 or s is None else axis % len(s)
        width = Const(s[ax]) if s is not None and isinstance(s[ax], int) else \
            b.eqn("index", b.eqn("shape", a), Const(ax), spec=("a",))
        lo, hi = hi, (width if hi == Const(0) else b.eqn("add", hi, width))
    return b.eqn("index", g, lo, hi, spec=_along(axis, ("s", True, True, False)))


def _stack_vjp(b, e, i, g, shape):
    return b.eqn("index", g, Const(i), spec=_along(e.param("axis", 0), "a"))


def _multi_linear_jvp(b, e, tangents, shape):
    if all(t is None for t in tangents):
        return None
    ts = [t if t is not None else b.eqn("zeros_like", a) for t, a in zip(tangents, e.args)]
    return b.eqn(e.prim, *ts, **_params(e))


ARRAY_RULES = {
    "matmul": ArrayRule(_bilinear_jvp, _matmul_vjp),
    "outer": ArrayRule(_bilinear_jvp, _outer_vjp),
    "transpose": ArrayRule(_same_op_jvp, _transpose_vjp),
    "trace": ArrayRule(_same_op_jvp, _trace_vjp),
    "sum": ArrayRule(_same_op_jvp, _sum_vjp),
    "mean": ArrayRule(_same_op_jvp, _mean_vjp),
    "amax": ArrayRule(_extreme_jvp, _extreme_vjp),
    "amin": ArrayRule(_extreme_jvp, _extreme_vjp),
    "prod": ArrayRule(_prod_jvp, _prod_vjp),
    "norm": ArrayRule(_norm_jvp, _norm_vjp),
    "reshape": ArrayRule(_same_op_jvp, _reshape_vjp),
    "expand_dims": ArrayRule(_same_op_jvp, _reshape_vjp),
    "index": ArrayRule(_same_op_jvp, _index_vjp),
    "concatenate": ArrayRule(_multi_linear_jvp, _concat_vjp),
    "stack": ArrayRule(_multi_linear_jvp, _stack_vjp),
}

