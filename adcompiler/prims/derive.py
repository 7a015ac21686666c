"""Derivative rules that derive themselves from the primitive.

A structural record's derivative is a pair (see :mod:`.record`):
``jvp(b, e, tangents, shape)`` maps the argument tangents to the output
tangent, ``vjp(b, e, i, g, shape)`` maps the output adjoint ``g`` to
argument ``i``'s share (the transpose of that linear map).  For the two
commonest kinds only half of it has to be written:

* a **linear** primitive (a sum, a transpose, a reshape, an index, a
  concatenation) is its own derivative: its jvp is the primitive applied to
  the tangents, so :func:`linear` needs only the transpose;
* a **bilinear** primitive (``@``, ``np.outer``) obeys the product rule,
  ``d(x * y) = dx * y + x * dy``, each term the primitive itself:
  :func:`bilinear` needs only the transpose of each half.

Both return ``{'jvp': ..., 'vjp': ...}`` to pass to ``register``.
"""
from __future__ import annotations

from typing import Callable, Optional


def linear(transpose: Callable, argnums: Optional[tuple] = (0,)) -> dict:
    """The rules of a primitive linear in the arguments ``argnums`` (None:
    all of them) and constant in the others (dimensions, indices).

    ``transpose(b, e, i, g, shape)`` gives argument ``i``'s adjoint; the jvp
    applies the primitive to the tangents, an absent tangent of a linear
    argument standing as zeros."""

    def linear_args(e) -> range | tuple:
        return range(len(e.args)) if argnums is None else argnums

    def jvp(b, e, tangents, shape):
        lin = linear_args(e)
        if all(tangents[i] is None for i in lin):
            return None
        args = list(e.args)
        for i in lin:
            t = tangents[i]
            args[i] = t if t is not None else b.eqn("zeros_like", e.args[i])
        return b.eqn(e.prim, *args, **dict(e.params))

    def vjp(b, e, i, g, shape):
        return transpose(b, e, i, g, shape) if i in linear_args(e) else None

    jvp.__qualname__ = vjp.__qualname__ = f"linear({transpose.__name__})"
    return {"jvp": jvp, "vjp": vjp}


def bilinear(left: Callable, right: Callable) -> dict:
    """The rules of a primitive ``p(x, y)`` linear in each argument.

    The jvp is the product rule ``p(dx, y) + p(x, dy)`` built from ``p``
    itself; ``left(b, e, g, shape)`` and ``right(b, e, g, shape)`` are the
    transposes of ``dx -> p(dx, y)`` and ``dy -> p(x, dy)``."""

    def jvp(b, e, tangents, shape):
        x, y = e.args
        tx, ty = tangents
        terms = []
        if tx is not None:
            terms.append(b.eqn(e.prim, tx, y, **dict(e.params)))
        if ty is not None:
            terms.append(b.eqn(e.prim, x, ty, **dict(e.params)))
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else b.eqn("add", terms[0], terms[1])

    def vjp(b, e, i, g, shape):
        return (left if i == 0 else right)(b, e, g, shape)

    jvp.__qualname__ = vjp.__qualname__ = f"bilinear({left.__name__}, {right.__name__})"
    return {"jvp": jvp, "vjp": vjp}
