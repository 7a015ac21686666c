"""Derivative rules: the one table that forward and reverse mode both read.

For an elementwise primitive ``out = p(x0, x1, ...)`` the rule for argument
``i`` builds, as IR, the product of the local partial derivative
``d out / d xi`` with a seed ``g``:

* forward mode seeds it with ``xi_dot`` and sums over ``i`` to get ``out_dot``;
* reverse mode seeds it with ``out_bar`` and adds the result to ``xi_bar``.

Because the local Jacobian of an elementwise primitive is diagonal, the same
expression serves both directions, so there is one copy of each rule.
A rule returns ``None`` when the partial is identically zero.
"""
from __future__ import annotations

import math

from ..core.ir import Builder, Const, Eqn
from .primitives import PRIMS


def _fn(b: Builder, eqn: Eqn, name: str, *args):
    """Call an elementary function in the namespace the user's code used."""
    return b.eqn(name, *args, ns=eqn.param("ns", "math"))


def _neg(b, x):
    return b.eqn("neg", x)


def _mul(b, x, y):
    return b.eqn("mul", x, y)


def _div(b, x, y):
    return b.eqn("div", x, y)


def _rdiv(b, x, y):
    """x / y where y may reach 0 at the edge of a domain: inf/nan, never a
    crash (``ieee=True`` asks the emitter for IEEE division on Python floats)."""
    return b.eqn("div", x, y, ieee=True)


def _add(b, x, y):
    return b.eqn("add", x, y)


def _sq(b, x):
    return b.eqn("mul", x, x)


def _one_minus_sq(b, x):
    return b.eqn("sub", Const(1.0), _sq(b, x))


def r_add(b, e, i, g):
    return g


def r_sub(b, e, i, g):
    return g if i == 0 else _neg(b, g)


def r_mul(b, e, i, g):
    return _mul(b, g, e.args[1 - i])


def r_div(b, e, i, g):
    x, y = e.args
    div = _rdiv if e.param("ieee") else _div  # IEEE division stays IEEE (forward over reverse)
    if i == 0:
        return div(b, g, y)
    return _neg(b, div(b, _mul(b, g, e.out), y))


def r_mod(b, e, i, g):
    # a % b == a - b * (a // b), and a // b is piecewise constant
    if i == 0:
        return g
    return _neg(b, _mul(b, g, b.eqn("floordiv", e.args[0], e.args[1])))


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
            return _mul(b, g, _mul(b, y, power))
        # y * x ** (y - 1), taken as 0 where y == 0 (x ** 0 is constant), +inf at
        # x = 0 for 0 < y < 1
        slope = _mul(b, y, b.eqn("pow", x, b.eqn("sub", y, Const(1)), ieee=True))
        return _mul(b, g, b.eqn("select", b.eqn("eq", y, Const(0)), Const(0.0), slope))
    # d/dy x**y = x**y * log(x); taken as 0 where x == 0 (the limit from x > 0 for y > 0)
    logx = b.eqn("select", b.eqn("gt", x, Const(0)), _fn(b, e, "log", x), Const(0.0))
    return _mul(b, g, _mul(b, e.out, logx))


def r_neg(b, e, i, g):
    return _neg(b, g)


def r_float(b, e, i, g):
    return g


def r_abs(b, e, i, g):
    return _mul(b, g, b.eqn("sign", e.args[0], ns=e.param("ns", "")))


def r_sin(b, e, i, g):
    return _mul(b, g, _fn(b, e, "cos", e.args[0]))


def r_cos(b, e, i, g):
    return _neg(b, _mul(b, g, _fn(b, e, "sin", e.args[0])))


def r_tan(b, e, i, g):
    return _mul(b, g, _add(b, Const(1.0), _sq(b, e.out)))


def r_asin(b, e, i, g):
    return _rdiv(b, g, _fn(b, e, "sqrt", _one_minus_sq(b, e.args[0])))


def r_acos(b, e, i, g):
    return _neg(b, _rdiv(b, g, _fn(b, e, "sqrt", _one_minus_sq(b, e.args[0]))))


def r_atan(b, e, i, g):
    return _div(b, g, _add(b, Const(1.0), _sq(b, e.args[0])))


def r_atan2(b, e, i, g):
    y, x = e.args
    denom = _add(b, _sq(b, x), _sq(b, y))
    if i == 0:
        return _rdiv(b, _mul(b, g, x), denom)
    return _neg(b, _rdiv(b, _mul(b, g, y), denom))


def r_sinh(b, e, i, g):
    return _mul(b, g, _fn(b, e, "cosh", e.args[0]))


def r_cosh(b, e, i, g):
    return _mul(b, g, _fn(b, e, "sinh", e.args[0]))


def r_tanh(b, e, i, g):
    return _mul(b, g, _one_minus_sq(b, e.out))


def r_exp(b, e, i, g):
    return _mul(b, g, e.out)


def r_expm1(b, e, i, g):
    return _mul(b, g, _add(b, e.out, Const(1.0)))


def _log_div(b, e, x, y):
    """math.log raises at 0 already, so its derivative needs no guard; np.log
    gives -inf there, and its derivative then gives inf."""
    return _rdiv(b, x, y) if e.param("ns") == "np" else _div(b, x, y)


def r_log(b, e, i, g):
    return _log_div(b, e, g, e.args[0])


def r_log1p(b, e, i, g):
    return _div(b, g, _add(b, Const(1.0), e.args[0]))


def r_log2(b, e, i, g):
    return _log_div(b, e, g, _mul(b, e.args[0], Const(math.log(2.0))))


def r_log10(b, e, i, g):
    return _log_div(b, e, g, _mul(b, e.args[0], Const(math.log(10.0))))


def r_sqrt(b, e, i, g):
    return _rdiv(b, _mul(b, Const(0.5), g), e.out)


def r_hypot(b, e, i, g):
    return _rdiv(b, _mul(b, g, e.args[i]), e.out)


def r_max(b, e, i, g):
    x, y = e.args
    if i == 0 and e.param("ns", "") == "":  # builtin max keeps x unless y > x (NaN y)
        return _mul(b, g, b.eqn("keep_weight", y, x))
    mine, other = (x, y) if i == 0 else (y, x)
    return _mul(b, g, b.eqn("max_weight", mine, other))


def r_min(b, e, i, g):
    x, y = e.args
    if i == 0 and e.param("ns", "") == "":  # builtin min keeps x unless y < x (NaN y)
        return _mul(b, g, b.eqn("keep_weight", x, y))
    mine, other = (x, y) if i == 0 else (y, x)
    return _mul(b, g, b.eqn("max_weight", other, mine))


def _chosen_side(prim: str):
    """Rule of ``select(c, x, y)`` / ``np.where(c, x, y)``: the derivative
    flows to the side that was taken (the condition has none)."""
    def rule(b, e, i, g):
        if i == 0:
            return None
        zero = Const(0.0)
        c = e.args[0]
        return b.eqn(prim, c, g, zero) if i == 1 else b.eqn(prim, c, zero, g)
    return rule


def r_and(b, e, i, g):
    """``a and b`` is ``b`` where ``a`` is true, else ``a``."""
    zero = Const(0.0)
    a = e.args[0]
    return b.eqn("select", a, zero, g) if i == 0 else b.eqn("select", a, g, zero)


def r_or(b, e, i, g):
    """``a or b`` is ``a`` where ``a`` is true, else ``b``."""
    zero = Const(0.0)
    a = e.args[0]
    return b.eqn("select", a, g, zero) if i == 0 else b.eqn("select", a, zero, g)


r_select = _chosen_side("select")
r_where = _chosen_side("where")


def r_sign(b, e, i, g):
    return None


RULES = {
    "add": r_add, "sub": r_sub, "mod": r_mod, "mul": r_mul, "div": r_div, "pow": r_pow, "neg": r_neg,
    "float": r_float, "copy": r_float, "abs": r_abs, "sin": r_sin, "cos": r_cos, "tan": r_tan,
    "asin": r_asin, "acos": r_acos, "atan": r_atan, "atan2": r_atan2, "sinh": r_sinh,
    "cosh": r_cosh, "tanh": r_tanh, "exp": r_exp, "expm1": r_expm1, "log": r_log,
    "log1p": r_log1p, "log2": r_log2, "log10": r_log10, "sqrt": r_sqrt,
    "hypot": r_hypot, "max": r_max, "min": r_min, "select": r_select, "sign": r_sign,
    "where": r_where, "and": r_and, "or": r_or,
}

#: structural array primitives (reductions, linear algebra, shapes, indexing):
#: ``jvp``/``vjp`` pairs, see :mod:`adcompiler.prims.arrayrules`
from .arrayrules import ARRAY_RULES  # noqa: E402

#: primitives whose derivative is handled structurally by the transforms
STRUCTURAL = {"call", "getitem", "pack", "unpack", "new_tape", "push", "pop"}


def missing_rules() -> list:
    """Differentiable primitives without a rule (a test keeps this empty)."""
    return sorted(name for name, p in PRIMS.items()
                  if p.differentiable and name not in RULES and name not in STRUCTURAL
                  and name not in ARRAY_RULES)


def partial_times(b: Builder, eqn: Eqn, i: int, g):
    """``d eqn.out / d eqn.args[i]`` times ``g``, as IR built into ``b``."""
    prim = PRIMS[eqn.prim]
    if not prim.differentiable:
        return None
    return RULES[eqn.prim](b, eqn, i, g)
