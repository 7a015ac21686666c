"""Tangents of the helpers that reverse mode writes into array adjoint code
(:mod:`adcompiler.prims.adjoint_helpers`), for forward over reverse.

They are never differentiated in reverse mode (reverse over reverse is not
supported), so their records say ``differentiable=False``; but each is
linear in the adjoint values it moves (jointly, in the positions listed),
so its tangent is the same helper applied to their tangents, an absent
tangent standing as an exact zero.
"""
from __future__ import annotations

from ..core.ir import Const, Eqn, Var

#: helper -> positions of the arguments it is linear in (jointly)
LINEAR_IN = {
    "index_add": (1, 2),  # index_add(like, base, g, *index): base + g scattered
    "unbroadcast": (0,),  # unbroadcast(g, like): g summed to like's shape
    "unsum": (0,),  # unsum(g, x): g broadcast back over a reduction's axes
    "expand_red": (0,),  # expand_red(g): reduced axes re-inserted
    "reshape_like": (0,),  # reshape_like(g, x)
}


def varies(e: Eqn, varied: set) -> bool:
    """Does the output of helper ``e`` vary (an argument it is linear in does)?"""
    return any(isinstance(e.args[k], Var) and e.args[k] in varied for k in LINEAR_IN[e.prim])


def set_tangent(b, e: Eqn, dots: dict, hint: str) -> None:
    """``dots[e.out]``: the tangent of helper ``e``'s output, if it has one."""
    t = tangent(b, e, dots)
    if t is not None:
        dots[e.out] = b.named(t, hint)


def tangent(b, e: Eqn, dots: dict):
    """The tangent of ``e``'s output, or None when no linear argument has one."""
    linear = LINEAR_IN[e.prim]
    got = {k: dots[e.args[k]] for k in linear if isinstance(e.args[k], Var) and e.args[k] in dots}
    if not got:
        return None
    if e.prim == "index_add" and 2 not in got:
        return got[1]  # nothing scattered varies: the base's tangent
    args = tuple(got.get(k, Const(0.0)) if k in linear else a for k, a in enumerate(e.args))
    return b.eqn(e.prim, *args, **dict(e.params))


def broadcast_up(b, e, dots, total, shape):
    """The tangent ``total`` of an elementwise equation ``e``, with ``e``'s
    output shape: in ``v + X`` with ``X`` constant the tangent ``v_dot`` has
    ``v``'s smaller shape (a reduction after it would count it once, not once
    per row; ``.T`` or ``@`` of a scalar tangent would fail), so it is added
    to zeros of the output's shape where no active argument has that shape.
    In array code an unknown output shape (``A = 0`` then ``A = A + v`` in a
    loop: a number on entry, an array after) cannot be proven equal to the
    tangent's, so the tangent is broadcast there too; scalar code knows no
    shapes at all (not even a constant's) and its tangents are numbers."""
    out = shape(e.out)
    if out == () or out is None and shape(Const(0.0)) is None:
        return total
    if isinstance(out, tuple) and any(
            shape(a) == out for a in e.args if isinstance(a, Var) and a in dots):
        return total
    return b.eqn("add", b.eqn("zeros_like", e.out, as_float=True), total)


def zero_tangent(b, primal, dot, shape):
    """``dot`` itself, or, when it is the exact zero that stands for "no
    tangent" and ``primal`` is known to be an array, zeros of its shape:
    a tangent carried by a loop or merged by a branch must be an array
    where its primal is one (the emitter updates it in place)."""
    if not isinstance(dot, Const) or not isinstance(primal, Var):
        return dot
    s = shape(primal)
    if s is None or s == () or not isinstance(s, tuple):
        return dot
    return b.eqn("zeros_like", primal, as_float=True)
