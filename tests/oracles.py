"""Independent oracles for derivatives: none of them uses adcompiler.

* :func:`dual_grad` runs the user's *original* function on dual numbers
  (forward mode by operator overloading), with ``math``/``numpy`` scalar
  functions swapped for dual-aware ones in the function's globals;
* :func:`central_diff` is the classic central difference;
* :func:`sympy_grad` differentiates a straight-line function symbolically.
"""
from __future__ import annotations

import builtins
import math
import types

import numpy as np
import sympy

from budget import SYMPY_SECONDS, time_budget


class Irregular(ArithmeticError):
    """A value computed from the inputs became infinite or NaN on the way,
    or ``max``/``min`` chose between tied values (a kink: docs/conventions.md
    gives ties their own convention, which dual numbers do not follow)."""


class Dual:
    __slots__ = ("v", "d")
    #: how many computed values were infinite or NaN (constants lifted as
    #: they are, ``inf`` sentinels among them, do not count)
    nonfinite = 0
    #: how many ``max``/``min`` calls chose among tied values, one of them a dual
    ties = 0

    def __init__(self, v, d=0.0):
        self.v, self.d = v, d
        if isinstance(v, float) and not math.isfinite(v):
            Dual.nonfinite += 1

    @staticmethod
    def lift(x):
        if isinstance(x, Dual):
            return x
        const = Dual.__new__(Dual)
        const.v, const.d = x, 0.0
        return const

    def __add__(self, o):
        o = Dual.lift(o)
        return Dual(self.v + o.v, self.d + o.d)

    __radd__ = __add__

    def __sub__(self, o):
        o = Dual.lift(o)
        return Dual(self.v - o.v, self.d - o.d)

    def __rsub__(self, o):
        return Dual.lift(o) - self

    def __mul__(self, o):
        o = Dual.lift(o)
        return Dual(self.v * o.v, self.d * o.v + self.v * o.d)

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Dual.lift(o)
        return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))

    def __rtruediv__(self, o):
        return Dual.lift(o) / self

    def __pow__(self, o):
        o = Dual.lift(o)
        val = self.v ** o.v
        d = 0.0
        if self.d != 0.0:
            d += o.v * self.v ** (o.v - 1) * self.d
        if o.d != 0.0:
            d += val * math.log(self.v) * o.d
        return Dual(val, d)

    def __rpow__(self, o):
        return Dual.lift(o) ** self

    def __neg__(self):
        return Dual(-self.v, -self.d)

    def __pos__(self):
        return self

    def __abs__(self):
        return Dual(abs(self.v), self.d * (1.0 if self.v > 0 else -1.0 if self.v < 0 else 0.0))

    def _cmp(op):
        return lambda self, o: op(self.v, Dual.lift(o).v)

    import operator as _op
    __lt__, __le__, __gt__, __ge__ = _cmp(_op.lt), _cmp(_op.le), _cmp(_op.gt), _cmp(_op.ge)
    __eq__, __ne__ = _cmp(_op.eq), _cmp(_op.ne)
    __hash__ = None

    def __bool__(self):
        return bool(self.v)

    def __float__(self):
        return float(self.v)

    def __int__(self):
        return int(self.v)

    def __index__(self):
        return int(self.v)

    def __round__(self, n=None):
        return round(self.v, n) if n is not None else round(self.v)

    def __floordiv__(self, o):
        return self.v // Dual.lift(o).v

    def __mod__(self, o):
        o = Dual.lift(o)  # a % b == a - b * floor(a / b)
        return Dual(self.v % o.v, self.d - (self.v // o.v) * o.d)

    def __rmod__(self, o):
        return Dual.lift(o) % self

    def __repr__(self):
        return f"Dual({self.v!r}, {self.d!r})"


def _unary(f, df):
    def g(x):
        if isinstance(x, Dual):
            return Dual(f(x.v), df(x.v) * x.d)
        return f(x)
    return g


def _binary(f, dfx, dfy):
    def g(x, y):
        if isinstance(x, Dual) or isinstance(y, Dual):
            x, y = Dual.lift(x), Dual.lift(y)
            return Dual(f(x.v, y.v), dfx(x.v, y.v) * x.d + dfy(x.v, y.v) * y.d)
        return f(x, y)
    return g


def _log(x, base=None):
    if base is None:
        return _ln(x)
    return _ln(x) / _ln(base)


_ln = _unary(math.log, lambda x: 1 / x)

DUAL_FUNCS = {
    "sin": _unary(math.sin, math.cos), "cos": _unary(math.cos, lambda x: -math.sin(x)),
    "tan": _unary(math.tan, lambda x: 1 / math.cos(x) ** 2),
    "asin": _unary(math.asin, lambda x: 1 / math.sqrt(1 - x * x)),
    "acos": _unary(math.acos, lambda x: -1 / math.sqrt(1 - x * x)),
    "atan": _unary(math.atan, lambda x: 1 / (1 + x * x)),
    "sinh": _unary(math.sinh, math.cosh), "cosh": _unary(math.cosh, math.sinh),
    "tanh": _unary(math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "exp": _unary(math.exp, math.exp), "expm1": _unary(math.expm1, math.exp),
    "log": _log, "log1p": _unary(math.log1p, lambda x: 1 / (1 + x)),
    "log2": _unary(math.log2, lambda x: 1 / (x * math.log(2))),
    "log10": _unary(math.log10, lambda x: 1 / (x * math.log(10))),
    "sqrt": _unary(math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    "atan2": _binary(math.atan2, lambda y, x: x / (x * x + y * y), lambda y, x: -y / (x * x + y * y)),
    "hypot": _binary(math.hypot, lambda x, y: x / math.hypot(x, y), lambda x, y: y / math.hypot(x, y)),
    "pow": lambda x, y: Dual.lift(x) ** y if isinstance(x, Dual) or isinstance(y, Dual) else math.pow(x, y),
    "fabs": abs,
    "floor": lambda x: math.floor(Dual.lift(x).v), "ceil": lambda x: math.ceil(Dual.lift(x).v),
    "pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf,
}
_NP_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arctan2": "atan2",
               "power": "pow", "absolute": "fabs", "abs": "fabs"}


def _dual_module(name):
    mod = types.SimpleNamespace(**DUAL_FUNCS)
    if name == "numpy":
        for a, b in _NP_ALIASES.items():
            setattr(mod, a, DUAL_FUNCS[b])
        mod.maximum = lambda a, b: a if a >= b else b
        mod.minimum = lambda a, b: a if a <= b else b
    return mod


def dualize(fn, seen=None):
    """A copy of ``fn`` whose globals see dual-aware math (recursively for
    user helpers)."""
    seen = {} if seen is None else seen
    if fn in seen:
        return seen[fn]
    g = dict(fn.__globals__)
    new = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    seen[fn] = new
    for name, value in list(g.items()):
        if value is math:
            g[name] = _dual_module("math")
        elif value is np:
            g[name] = _dual_module("numpy")
        elif isinstance(value, types.FunctionType) and value.__module__ not in ("math", "numpy"):
            if value is fn:
                g[name] = new
            else:
                g[name] = dualize(value, seen)
        elif callable(value):
            for mod, table in ((math, DUAL_FUNCS), (np, None)):
                for key in list(DUAL_FUNCS) + list(_NP_ALIASES):
                    if getattr(mod, key, None) is value:
                        g[name] = DUAL_FUNCS[_NP_ALIASES.get(key, key)]
    # float(dual) would drop the derivative (float() must return a float)
    g.setdefault("float", _dual_float)
    g.setdefault("max", _watching_ties(builtins.max))
    g.setdefault("min", _watching_ties(builtins.min))
    return new


def _watching_ties(pick):
    """Builtin ``max``/``min`` that count a choice among tied values."""
    def choose(*args, **kwargs):
        items = list(args[0]) if len(args) == 1 else list(args)
        best = pick(items, **kwargs)
        tied = [v for v in items if v == best]
        if len(tied) > 1 and any(isinstance(v, Dual) for v in tied):
            Dual.ties += 1
        return best
    return choose


def _dual_float(v):
    return v if isinstance(v, Dual) else float(v)


def dual_grad(fn, args, wrt, regular=False):
    """d fn / d args[i] for each i in wrt, by dual numbers.  ``regular``:
    raise :class:`Irregular` when a value computed from the inputs was
    infinite or NaN on the way (where a result that does not depend on it,
    a constant returned, has derivative 0 for dual numbers but reverse
    mode multiplies a zero adjoint by an infinite partial: NaN, as in every
    reverse-mode system), or when ``max``/``min`` broke a tie (dual numbers
    take the first of the tied values, adcompiler splits the derivative)."""
    dfn = dualize(fn)
    out = []
    before = Dual.nonfinite, Dual.ties
    for i in wrt:
        xs = [Dual(a, 1.0 if j == i else 0.0) for j, a in enumerate(args)]
        r = dfn(*xs)
        out.append(r.d if isinstance(r, Dual) else 0.0)
    if regular and (Dual.nonfinite, Dual.ties) != before:
        raise Irregular(f"{fn.__name__}: an intermediate value overflowed, or max/min met a tie")
    return out


def central_diff(fn, args, i, h=1e-6):
    """Central differences of ``fn`` in argument ``i``: one per element of an array.

    A number (or a 0-d array) gives ``(f(x + h) - f(x - h)) / 2h``, whatever
    ``fn`` returns; a NumPy array argument (any dtype: it is read as float) gives an
    array of its shape, one difference per element, of a scalar ``fn``.  The
    one home of this oracle for the test modules.
    """
    if not isinstance(args[i], np.ndarray):
        a = list(args)
        a[i] = args[i] + h
        up = fn(*a)
        a[i] = args[i] - h
        down = fn(*a)
        return (up - down) / (2 * h)
    x = np.asarray(args[i], dtype=float)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        a_up, a_down = list(args), list(args)
        a_up[i], a_down[i] = up, down
        out[idx] = (fn(*a_up) - fn(*a_down)) / (2 * h)
    return out if x.shape else float(out)


def sympy_grad(expr_fn, args, wrt, names=None):
    """Derivatives of a sympy-expressible function of symbols."""
    syms = sympy.symbols(names or [f"x{i}" for i in range(len(args))])
    expr = expr_fn(*syms)
    point = dict(zip(syms, args))
    with time_budget(SYMPY_SECONDS, "sympy"):
        return [float(sympy.diff(expr, syms[i]).evalf(subs=point)) for i in wrt]
