"""Special functions: ``math.gamma``/``lgamma``, SciPy's ``expit``, ``logit``,
``gammaln``, ``digamma``, ``polygamma``, ``xlogy``, NumPy's ``logaddexp`` and
``sinc``.

One record each (see :mod:`.record`), with its derivative rule beside it.
The rules use the numerically stable forms: ``expit'`` and ``logaddexp'``
are computed from the output (``out * (1 - out)``, ``exp(x - out)``), which
never overflows.

Derivatives that need a function the user's module may lack
(docs/conventions.md, "Special functions"): ``lgamma' = digamma``,
``gamma' = gamma * digamma`` and ``digamma' = polygamma(1, .)`` are written
with ``scipy.special``.  Code that spells them with SciPy imports it
already; for ``math.lgamma`` and ``math.gamma`` the gradient code imports
``scipy.special`` when SciPy is installed at compile time, and the
derivative is refused (a CompileError naming the line) when it is not.
adcompiler itself never imports SciPy: these records evaluate through it
only when called (constant folding, trace views).
"""
from __future__ import annotations

import importlib.util
import math

import numpy as np

from ..core.ir import Const
from ..errors import DerivativeRefused
from .helpers import fn, mul, rdiv, sp
from .record import register

SCIPY = "scipy.special"
_PI = math.pi
#: below this |x|, sinc' is its Taylor series (the quotient form cancels)
_SINC_SERIES = 1e-3


def _number(value):
    """SciPy returns NumPy scalars and 0-d arrays even for Python floats:
    folding and the trace views want a Python float (an array stays one)."""
    return float(value) if np.ndim(value) == 0 else value


def _scipy(name: str):
    """``scipy.special.NAME`` as a record's evaluation, imported on first use."""
    def impl(*args):
        import scipy.special
        return _number(getattr(scipy.special, name)(*args))
    impl.__name__ = name
    return impl


def scipy_installed() -> bool:
    """Can gradient code of ``math.lgamma`` import ``scipy.special``?"""
    try:
        return importlib.util.find_spec("scipy") is not None
    except (ImportError, ValueError):
        return False


def digamma(b, e, x):
    """``digamma(x)`` for the rule of ``e``: SciPy's, in the namespace the
    user's code used if that is SciPy, else (``math``) if SciPy is installed;
    refused otherwise (the math module has no digamma)."""
    if e.param("ns") != SCIPY and not scipy_installed():
        spelled = {"lgamma": "math.lgamma", "gamma": "math.gamma"}[e.prim]
        raise DerivativeRefused(
            f"the derivative of {spelled} needs digamma, which the math module lacks; SciPy "
            "provides it but is not installed: pip install scipy (the gradient code then "
            "imports scipy.special)", e.loc, spelled)
    return b.eqn("digamma", x, ns=SCIPY)


def _plus_one(b, n):
    """``n + 1`` for an order (a constant in derivative rules)."""
    return Const(n.value + 1) if isinstance(n, Const) else b.eqn("add", n, Const(1))


def r_lgamma(b, e, i, g):
    return mul(b, g, digamma(b, e, e.args[0]))


def r_gamma(b, e, i, g):
    return mul(b, g, mul(b, e.out, digamma(b, e, e.args[0])))


def r_digamma(b, e, i, g):
    """digamma' = polygamma(1, x) = zeta(2, x), Hurwitz's zeta: a ufunc, so a
    number on numbers (``polygamma`` returns a 0-d array there)."""
    return mul(b, g, b.eqn("zeta", Const(2), e.args[0], ns=SCIPY))


def r_zeta(b, e, i, g):
    """d/dx zeta(s, x) = -s zeta(s + 1, x).  Only derivative rules build
    ``zeta``, with a constant integer ``s`` (``integer_args``): no partial in s."""
    if i == 0:
        return None
    s, x = e.args
    minus_s = Const(-s.value) if isinstance(s, Const) else b.eqn("neg", s)
    return mul(b, g, mul(b, minus_s, b.eqn("zeta", _plus_one(b, s), x, ns=SCIPY)))


def r_polygamma(b, e, i, g):
    """d/dx polygamma(n, x) = polygamma(n + 1, x); the order ``n`` is an
    integer, so its partial is zero by convention (docs/conventions.md).  A
    constant order is written with Hurwitz's zeta, ``polygamma(k, x) =
    (-1)**(k + 1) k! zeta(k + 1, x)``: a number on numbers, like digamma'."""
    if i == 0:
        return None
    n, x = e.args
    if isinstance(n, Const) and isinstance(n.value, int) and n.value >= 0:
        k = n.value + 1
        scale = Const((-1) ** (k + 1) * math.factorial(k))
        return mul(b, g, mul(b, scale, b.eqn("zeta", Const(k + 1), x, ns=SCIPY)))
    return mul(b, g, b.eqn("polygamma", _plus_one(b, n), x, ns=SCIPY))


def r_expit(b, e, i, g):
    """expit' = out * (1 - out), with 1 - out written expit(-x): no exp to
    overflow, and right to rounding where expit saturates (at x = 40, 1 - out
    is 0.0 in floating point, expit(-40) is 4.2e-18)."""
    return mul(b, g, mul(b, e.out, b.eqn("expit", b.eqn("neg", e.args[0]), ns=SCIPY)))


def r_logit(b, e, i, g):
    """logit'(p) = 1 / (p (1 - p)): inf at p = 0 and 1, as logit itself."""
    p = e.args[0]
    return rdiv(b, g, mul(b, p, b.eqn("sub", Const(1.0), p)))


def r_xlogy(b, e, i, g):
    """xlogy(x, y) = x log(y), 0 where x == 0.  d/dx = log(y) (-inf at y = 0,
    nan for y < 0: NumPy's log, which does not raise); d/dy = x / y, exactly
    0 where x == 0 (xlogy(0, y) is 0 for every y)."""
    x, y = e.args
    if i == 0:
        return mul(b, g, b.eqn("log", y, ns="np"))
    slope = rdiv(b, mul(b, g, x), y)
    return b.eqn("select", b.eqn("eq", x, Const(0)), Const(0.0), slope)


def r_logaddexp(b, e, i, g):
    """d/dx log(exp(x) + exp(y)) = exp(x - out): x - out <= 0, no overflow."""
    return mul(b, g, fn(b, e, "exp", b.eqn("sub", e.args[i], e.out)))


def r_sinc(b, e, i, g):
    """sinc'(x) = (cos(pi x) - sinc(x)) / x; near 0, where that quotient
    cancels (and is 0/0 at 0), its Taylor series -pi^2 x / 3 + pi^4 x^3 / 30,
    exact to rounding for |x| < 1e-3 and right in its own derivatives at 0
    (second order: -pi^2 / 3)."""
    x = e.args[0]
    near = b.eqn("lt", fn(b, e, "abs", x), Const(_SINC_SERIES))
    x2 = mul(b, x, x)
    series = mul(b, x, b.eqn("add", Const(-_PI ** 2 / 3), mul(b, x2, Const(_PI ** 4 / 30))))
    denom = b.eqn("select", near, Const(1.0), x)  # no 0/0 where the series is taken
    far = b.eqn("div", b.eqn("sub", fn(b, e, "cos", mul(b, Const(_PI), x)), e.out), denom)
    return mul(b, g, b.eqn("select", near, series, far))


# ---------------------------------------------------------------- evaluations
def _numpy(name: str):
    """``np.NAME`` as a record's evaluation (a Python float on numbers)."""
    function = getattr(np, name)

    def impl(*args):
        return _number(function(*args))
    impl.__name__ = name
    return impl


def _sympy(form):
    """A sympy form that needs the module (sympy loads only for the swell study)."""
    def build(*args):
        import sympy
        return form(sympy, *args)
    return build


def _special(name, nargs, impl, partial, domain, sympy, **names):
    register(name, nargs, impl=impl, form="call", op=name, partial=partial, dtype="float",
             domain=domain, memory="fresh", spellings=names, sympy=sympy)


_special("gamma", 1, math.gamma, r_gamma, ((0.3, 4.0),), sp("gamma"),
         math="gamma", **{SCIPY: "gamma"})
_special("lgamma", 1, math.lgamma, r_lgamma, ((0.3, 4.0),), sp("loggamma"),
         math="lgamma", **{SCIPY: "gammaln"})
_special("digamma", 1, _scipy("digamma"), r_digamma, ((0.3, 4.0),), sp("digamma"),
         **{SCIPY: ("digamma", "psi")})
_special("expit", 1, _scipy("expit"), r_expit, ((-4.0, 4.0),),
         _sympy(lambda s, x: 1 / (1 + s.exp(-x))), **{SCIPY: "expit"})
_special("logit", 1, _scipy("logit"), r_logit, ((0.1, 0.9),),
         _sympy(lambda s, p: s.log(p / (1 - p))), **{SCIPY: "logit"})
_special("xlogy", 2, _scipy("xlogy"), r_xlogy, ((-2.0, 2.0), (0.2, 3.0)),
         _sympy(lambda s, x, y: x * s.log(y)), **{SCIPY: "xlogy"})
_special("logaddexp", 2, _numpy("logaddexp"), r_logaddexp, ((-3.0, 3.0), (-3.0, 3.0)),
         _sympy(lambda s, x, y: s.log(s.exp(x) + s.exp(y))), np="logaddexp",
         array_api="logaddexp")
_special("sinc", 1, _numpy("sinc"), r_sinc, ((-2.0, 2.0),),
         _sympy(lambda s, x: s.sinc(s.pi * x)), np="sinc")


def _orders(rng):
    """polygamma(n, x): an integer order (see ``integer_args``), x > 0."""
    return rng.choice((0, 1, 2)), rng.uniform(0.3, 3.0)


def _zeta_orders(rng):
    return rng.choice((2, 3, 4)), rng.uniform(0.3, 3.0)


# Hurwitz's zeta(s, x), for derivative rules only (no spelling: a user's
# scipy.special.zeta(s) of one argument is Riemann's, a different function)
register("zeta", 2, impl=_scipy("zeta"), form="call", op="zeta", partial=r_zeta,
         dtype="float", domain=_zeta_orders, memory="fresh", sympy=sp("zeta"),
         extra={"integer_args": (0,)})
register("polygamma", 2, impl=_scipy("polygamma"), form="call", op="polygamma",
         partial=r_polygamma, dtype="float", domain=_orders, memory="fresh",
         spellings={SCIPY: "polygamma"}, sympy=sp("polygamma"),
         extra={"integer_args": (0,)})
