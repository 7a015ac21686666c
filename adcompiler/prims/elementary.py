"""Elementary functions: ``math.sin`` ... ``math.erf``, and their NumPy names.

One record each (see :mod:`.record`): the function evaluated, its names in
``math`` and ``numpy``, its derivative rule (beside it), its sympy form and
the interval where the systematic test checks the derivative.  Each is
emitted in the namespace the user's code used (``ns`` parameter).
"""
from __future__ import annotations

import math

from ..core.ir import Const
from .helpers import add, div, fn, mul, neg, one_minus_sq, rdiv, sp, spellings, sq
from .record import register

_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)


def r_sin(b, e, i, g):
    return mul(b, g, fn(b, e, "cos", e.args[0]))


def r_cos(b, e, i, g):
    return neg(b, mul(b, g, fn(b, e, "sin", e.args[0])))


def r_tan(b, e, i, g):
    return mul(b, g, add(b, Const(1.0), sq(b, e.out)))


def r_asin(b, e, i, g):
    return rdiv(b, g, fn(b, e, "sqrt", one_minus_sq(b, e.args[0])))


def r_acos(b, e, i, g):
    return neg(b, rdiv(b, g, fn(b, e, "sqrt", one_minus_sq(b, e.args[0]))))


def r_atan(b, e, i, g):
    return div(b, g, add(b, Const(1.0), sq(b, e.args[0])))


def r_atan2(b, e, i, g):
    y, x = e.args
    denom = add(b, sq(b, x), sq(b, y))
    if i == 0:
        return rdiv(b, mul(b, g, x), denom)
    return neg(b, rdiv(b, mul(b, g, y), denom))


def r_sinh(b, e, i, g):
    return mul(b, g, fn(b, e, "cosh", e.args[0]))


def r_cosh(b, e, i, g):
    return mul(b, g, fn(b, e, "sinh", e.args[0]))


def r_tanh(b, e, i, g):
    return mul(b, g, one_minus_sq(b, e.out))


def r_exp(b, e, i, g):
    return mul(b, g, e.out)


def r_expm1(b, e, i, g):
    return mul(b, g, add(b, e.out, Const(1.0)))


def _log_div(b, e, x, y):
    """math.log raises at 0 already, so its derivative needs no guard; np.log
    gives -inf there, and its derivative then gives inf."""
    return rdiv(b, x, y) if e.param("ns") == "np" else div(b, x, y)


def r_log(b, e, i, g):
    return _log_div(b, e, g, e.args[0])


def r_log1p(b, e, i, g):
    return div(b, g, add(b, Const(1.0), e.args[0]))


def r_log2(b, e, i, g):
    return _log_div(b, e, g, mul(b, e.args[0], Const(math.log(2.0))))


def r_log10(b, e, i, g):
    return _log_div(b, e, g, mul(b, e.args[0], Const(math.log(10.0))))


def r_sqrt(b, e, i, g):
    return rdiv(b, mul(b, Const(0.5), g), e.out)


def r_hypot(b, e, i, g):
    return rdiv(b, mul(b, g, e.args[i]), e.out)


def _gauss(b, e, g, scale: float):
    """``scale * exp(-x**2) * g``: the derivative of erf (scale 2/sqrt(pi))
    and of erfc (its negative)."""
    x = e.args[0]
    bump = b.eqn("exp", neg(b, sq(b, x)), ns="math")
    return mul(b, g, mul(b, Const(scale), bump))


def r_erf(b, e, i, g):
    return _gauss(b, e, g, _TWO_OVER_ROOT_PI)


def r_erfc(b, e, i, g):
    return _gauss(b, e, g, -_TWO_OVER_ROOT_PI)


def _log(x):
    # one argument only: math.log(x, base) is lowered to log(x) / log(base)
    return math.log(x)


def _log_base(b, args, ns):
    """Lowering of ``math.log(x, base)``: ``log(x) / log(base)``."""
    if len(args) != 2:
        return None
    return b.eqn("div", b.eqn("log", args[0], ns=ns), b.eqn("log", args[1], ns=ns))


def _elementary(name, partial, domain, np=None, sympy=None, nargs=1, impl=None, scipy=None,
                **facts):
    """A function of ``math`` (and of ``numpy``, as ``np``, and of
    ``scipy.special``, as ``scipy``)."""
    names = spellings(math=name, np=np)
    if np:  # the Array API standard names each one as the record does (asin, atan2)
        names["array_api"] = name
    if scipy:
        names["scipy.special"] = scipy
    register(name, nargs, impl=impl or getattr(math, name), form="call", op=name,
             partial=partial, dtype="float", domain=domain, memory="fresh",
             spellings=names, sympy=sympy or sp(name), **facts)


_elementary("sin", r_sin, ((-3.0, 3.0),), np="sin")
_elementary("cos", r_cos, ((-3.0, 3.0),), np="cos")
_elementary("tan", r_tan, ((-1.2, 1.2),), np="tan")
_elementary("asin", r_asin, ((-0.9, 0.9),), np="arcsin")
_elementary("acos", r_acos, ((-0.9, 0.9),), np="arccos")
_elementary("atan", r_atan, ((-3.0, 3.0),), np="arctan")
_elementary("sinh", r_sinh, ((-2.0, 2.0),), np="sinh")
_elementary("cosh", r_cosh, ((-2.0, 2.0),), np="cosh")
_elementary("tanh", r_tanh, ((-2.0, 2.0),), np="tanh")
_elementary("exp", r_exp, ((-2.0, 2.0),), np="exp")
_elementary("expm1", r_expm1, ((-2.0, 2.0),), np="expm1",
            sympy=lambda a: sp("exp")(a) - 1)
_elementary("log", r_log, ((0.2, 3.0),), np="log", impl=_log, extra={"lower_call": _log_base})
_elementary("log1p", r_log1p, ((-0.5, 3.0),), np="log1p",
            sympy=lambda a: sp("log")(1 + a))
_elementary("log2", r_log2, ((0.2, 3.0),), np="log2",
            sympy=lambda a: sp("log")(a) / sp("log")(2))
_elementary("log10", r_log10, ((0.2, 3.0),), np="log10",
            sympy=lambda a: sp("log")(a) / sp("log")(10))
_elementary("sqrt", r_sqrt, ((0.2, 3.0),), np="sqrt")
# atan2(y, x) jumps across the negative x axis: checked for x > 0
_elementary("atan2", r_atan2, ((-2.0, 2.0), (0.3, 2.0)), np="arctan2", nargs=2)
_elementary("hypot", r_hypot, ((-2.0, 2.0), (-2.0, 2.0)), np="hypot", nargs=2,
            sympy=lambda a, c: sp("sqrt")(a ** 2 + c ** 2))
_elementary("erf", r_erf, ((-2.0, 2.0),), scipy="erf")
_elementary("erfc", r_erfc, ((-2.0, 2.0),), scipy="erfc")
