"""Arithmetic primitives: the operators, ``abs``, ``max``/``min`` and ``float``.

Each record holds all the pipeline knows of the primitive (see
:mod:`.record`); its derivative rule sits beside it.  IEEE division and
power (``ieee=True``: derivative code dividing by a value that reaches 0 at
the edge of a domain, ``sqrt'(0)``) are formulas over other primitives
(:mod:`.formula`): evaluation, emitted scalar code and array code read them
from here.
"""
from __future__ import annotations

import ast
import math
import operator

from ..core.ir import Const
from .formula import X, Y
from .helpers import div, fn, identity, mul, neg, rdiv, sp, spellings, zero
from .record import REGISTRY, register

INF = math.inf
#: ``a / b`` where a zero ``b`` gives ``a * inf`` (±inf, or nan for 0/0)
#: instead of Python's ZeroDivisionError
IEEE_DIV = ("select", Y, ("div", X, Y), ("mul", X, INF))
#: ``x ** e`` where ``0 ** negative`` is +inf instead of ZeroDivisionError
IEEE_POW = ("select", ("or", X, ("ge", Y, 0)), ("pow", X, Y), INF)
#: where the systematic test (tests/test_registry_systematic.py) checks
#: derivatives: one (low, high) interval per argument
ANY, ANY2 = ((-2.0, 2.0),), ((-2.0, 2.0), (-2.0, 2.0))


def r_sub(b, e, i, g):
    return g if i == 0 else neg(b, g)


def r_mul(b, e, i, g):
    return mul(b, g, e.args[1 - i])


def r_div(b, e, i, g):
    y = e.args[1]
    quotient = rdiv if e.param("ieee") else div  # IEEE division stays IEEE (forward over reverse)
    if i == 0:
        return quotient(b, g, y)
    return neg(b, quotient(b, mul(b, g, e.out), y))


def r_mod(b, e, i, g):
    # a % b == a - b * (a // b), and a // b is piecewise constant
    if i == 0:
        return g
    return neg(b, mul(b, g, b.eqn("floordiv", e.args[0], e.args[1])))


def r_pow(b, e, i, g):
    x, y = e.args
    if i == 0:
        if isinstance(y, Const):
            if y.value == 0:
                return None
            expo = b.eqn("sub", y, Const(1))
            # x ** (y - 1) at x = 0 with y < 1 is +inf (Python would raise);
            # math.pow keeps its spelling (it raises where ** would go complex)
            power = b.eqn("pow", x, expo, **dict(e.params)) if y.value >= 1 \
                else b.eqn("pow", x, expo, ieee=True)
            return mul(b, g, mul(b, y, power))
        # y * x ** (y - 1), taken as 0 where y == 0 (x ** 0 is constant), +inf at
        # x = 0 for 0 < y < 1
        slope = mul(b, y, b.eqn("pow", x, b.eqn("sub", y, Const(1)), ieee=True))
        return mul(b, g, b.eqn("select", b.eqn("eq", y, Const(0)), Const(0.0), slope))
    # d/dy x**y = x**y * log(x); taken as 0 where x == 0 (the limit from x > 0 for y > 0)
    logx = b.eqn("select", b.eqn("gt", x, Const(0)), fn(b, e, "log", x), Const(0.0))
    return mul(b, g, mul(b, e.out, logx))


def r_neg(b, e, i, g):
    return neg(b, g)


def r_abs(b, e, i, g):
    return mul(b, g, b.eqn("sign", e.args[0], ns=e.param("ns", "")))


def r_max(b, e, i, g):
    x, y = e.args
    if i == 0 and e.param("ns", "") == "":  # builtin max keeps x unless y > x (NaN y)
        return mul(b, g, b.eqn("keep_weight", y, x))
    mine, other = (x, y) if i == 0 else (y, x)
    return mul(b, g, b.eqn("max_weight", mine, other))


def r_min(b, e, i, g):
    x, y = e.args
    if i == 0 and e.param("ns", "") == "":  # builtin min keeps x unless y < x (NaN y)
        return mul(b, g, b.eqn("keep_weight", x, y))
    mine, other = (x, y) if i == 0 else (y, x)
    return mul(b, g, b.eqn("max_weight", other, mine))


def _lower_pow(b, args, ns):
    """``math.pow`` keeps its own spelling (it raises where ``**`` would go
    complex); ``pow(x, y)`` and ``np.power`` are ``**``."""
    if len(args) != 2:
        return None
    return b.eqn("pow", *args, ns="math") if ns == "math" else b.eqn("pow", *args)


def _ufunc(prim, **params):
    """Lowering of NumPy's name for an operator (``np.add(x, y)``,
    ``np.negative(x)``): the operator itself, whose emitted spelling works
    on numbers and arrays alike.  ``np.divide`` keeps NumPy's IEEE result on
    Python floats (``1.0 / 0.0`` is ``inf``, not ZeroDivisionError)."""
    def lower(b, args, ns):
        if ns != "np" or len(args) != REGISTRY[prim].nargs:
            return None
        return b.eqn(prim, *args, **params)
    return lower


def _variadic(prim):
    """Lowering of builtin ``max(a, b, c, ...)``: ``max(max(a, b), c) ...``."""
    def lower(b, args, ns):
        if ns != "" or len(args) <= 2:
            return None
        acc = args[0]
        for a in args[1:]:
            acc = b.eqn(prim, acc, a, ns=ns)
        return acc
    return lower


def _binop(name, impl, op, partial, domain=ANY2, memory="fresh", **facts):
    register(name, 2, impl=impl, form="binop", op=op, partial=partial, domain=domain,
             memory=memory, **facts)


_binop("add", operator.add, ast.Add, identity, sympy=operator.add, spellings=spellings(np="add", array_api="add"),
       extra={"lower_call": _ufunc("add")})
_binop("sub", operator.sub, ast.Sub, r_sub, sympy=operator.sub,
       spellings=spellings(np="subtract", array_api="subtract"), extra={"lower_call": _ufunc("sub")})
_binop("mul", operator.mul, ast.Mult, r_mul, sympy=operator.mul,
       spellings=spellings(np="multiply", array_api="multiply"), extra={"lower_call": _ufunc("mul")})
_binop("div", operator.truediv, ast.Div, r_div, sympy=operator.truediv, dtype="float",
       domain=((-2.0, 2.0), (0.5, 2.0)), formula={"ieee": IEEE_DIV},
       spellings=spellings(np=("divide", "true_divide"), array_api="divide"),
       extra={"lower_call": _ufunc("div", ieee=True)})
_binop("pow", operator.pow, ast.Pow, r_pow, sympy=operator.pow,
       spellings=spellings(math="pow", np="power", builtin="pow", array_api="pow"),
       domain=((0.5, 2.0), (-1.5, 1.5)), formula={"ieee": IEEE_POW},
       extra={"lower_call": _lower_pow})
# a % b is a - b * floor(a / b): slope 1 in a (jumps where a / b is an integer)
_binop("mod", operator.mod, ast.Mod, r_mod, domain=((1.2, 1.8), (1.0, 1.1)), memory="value")
_binop("floordiv", operator.floordiv, ast.FloorDiv, zero, differentiable=False, domain=None,
       memory="value")
register("neg", 1, impl=operator.neg, form="unary", op=ast.USub, partial=r_neg,
         sympy=operator.neg, domain=ANY, memory="fresh", spellings=spellings(np="negative", array_api="negative"),
         extra={"lower_call": _ufunc("neg")})
register("float", 1, impl=float, form="call", op="float", partial=identity,
         spellings=spellings(builtin="float"), sympy=lambda a: a, dtype="float", domain=ANY,
         memory="view")
register("abs", 1, impl=abs, form="call", op="abs", partial=r_abs,
         spellings=spellings(math="fabs", np=("abs", "absolute"), builtin="abs",
                             array_api="abs"),
         sympy=sp("Abs"), domain=ANY, memory="fresh")
register("max", 2, impl=max, form="call", op="max", partial=r_max,
         spellings=spellings(np="maximum", builtin="max", array_api="maximum"), sympy=sp("Max"), domain=ANY2,
         extra={"lower_call": _variadic("max")}, memory="fresh")
register("min", 2, impl=min, form="call", op="min", partial=r_min,
         spellings=spellings(np="minimum", builtin="min", array_api="minimum"), sympy=sp("Min"), domain=ANY2,
         extra={"lower_call": _variadic("min")}, memory="fresh")
