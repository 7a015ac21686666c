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


define("polyval", 2, array_only=True, memory="fresh", dtype="float",
       spellings={"np": ("polyval",)}, impl=lambda p, x, **_: np.polyval(p, x),
       shape=_polyval_shape, extra={"lower": Signature(("p", "x")), "emit": np_call("polyval")},
       jvp=_polyval_jvp, vjp=_polyval_vjp,
       domain=(lambda r: ((uniform(r, 4), uniform(r, 5)), {}),
               lambda r: ((uniform(r, 3), uniform(r, 2, 3)), {}),
               lambda r: ((uniform(r, 1), uniform(r, 3)), {}),
               lambda r: ((uniform(r, 3), np.array(uniform(r, 1)[0])), {})))
