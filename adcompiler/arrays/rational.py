"""An elementwise region of array code as one rational function, normalised.

The chain rule writes the adjoint of the mean cross-entropy of a logistic
model, ``-mean(y log p + (1 - y) log(1 - p))`` with ``p = 1 / (1 + e)``, as
``(c y / p - c (1 - y) / (1 - p)) p p e``: ten passes over N values, where a
person writes ``c (y - p)``.  Read as a rational function of its leaves (the
values the region reads: ``y``, ``p``, ``e``, the scalar ``c``), with ``e``
written through ``p`` (``p = 1 / (1 + e)`` gives ``e = (1 - p) / p``), the
common factors cancel and the polynomial ``c y - c p`` is left.

Numbers here are exact identities over the reals.  Cancelling a factor
``q / q`` removes only a ``0 / 0`` or ``inf / inf`` that the chain rule put
there (the function's own value is unchanged: this is the adjoint), and the
region is rewritten only when the result takes fewer array operations.
Bounded: small regions, few leaves, few terms; anything else is left alone.
"""
from __future__ import annotations

from ..core.ir import Const, Var

#: the largest region, number of leaves and polynomial read (else left alone)
MAX_OPS, MAX_LEAVES, MAX_TERMS = 40, 8, 64
REGION_PRIMS = {"add", "sub", "mul", "div", "neg"}


class TooBig(Exception):
    """The region is beyond the bounds, or not a rational function."""


# ---------------------------------------------------------------- polynomials
# A polynomial is a dict {monomial: coefficient}; a monomial a sorted tuple of
# (leaf index, power); coefficients are Python numbers.
def p_add(a: dict, b: dict, sign=1) -> dict:
    out = dict(a)
    for m, c in b.items():
        v = out.get(m, 0) + sign * c
        if v == 0:
            out.pop(m, None)
        else:
            out[m] = v
    if len(out) > MAX_TERMS:
        raise TooBig
    return out


def _m_mul(m1: tuple, m2: tuple) -> tuple:
    powers = dict(m1)
    for k, e in m2:
        powers[k] = powers.get(k, 0) + e
    return tuple(sorted(powers.items()))


def p_mul(a: dict, b: dict) -> dict:
    if len(a) * len(b) > 4 * MAX_TERMS:
        raise TooBig
    out: dict = {}
    for m1, c1 in a.items():
        for m2, c2 in b.items():
            m = _m_mul(m1, m2)
            out[m] = out.get(m, 0) + c1 * c2
    out = {m: c for m, c in out.items() if c != 0}
    if len(out) > MAX_TERMS:
        raise TooBig
    return out


def _m_div(m: tuple, d: tuple):
    powers = dict(m)
    for k, e in d:
        if powers.get(k, 0) < e:
            return None
        powers[k] -= e
    return tuple(sorted((k, e) for k, e in powers.items() if e))


def p_divide(a: dict, f: dict):
    """``a / f`` if ``f`` divides ``a`` exactly (lexicographic division), else None."""
    lead = max(f)
    rest, quotient = dict(a), {}
    for _ in range(2 * MAX_TERMS):
        if not rest:
            return quotient
        top = max(rest)
        m = _m_div(top, lead)
        if m is None:
            return None
        c = rest[top] / f[lead]
        if c * f[lead] != rest[top]:
            return None  # inexact in floating point: keep the factor
        quotient = p_add(quotient, {m: c})
        rest = p_add(rest, p_mul({m: c}, f), -1)
    return None


def _key(p: dict) -> tuple:
    return tuple(sorted(p.items()))


# ---------------------------------------------------------------- fractions
class Frac:
    """``num / prod(factors[k] ** n)``; the factors are monic polynomials."""

    def __init__(self, num: dict, den: dict | None = None) -> None:
        self.num = num
        self.den = den or {}  # factor key -> power

    def __mul__(self, o: "Frac") -> "Frac":
        den = dict(self.den)
        for k, n in o.den.items():
            den[k] = den.get(k, 0) + n
        return Frac(p_mul(self.num, o.num), den).cancelled()

    def __add__(self, o: "Frac") -> "Frac":
        den = {k: max(self.den.get(k, 0), o.den.get(k, 0)) for k in {*self.den, *o.den}}
        a = p_mul(self.num, _power_product(den, self.den))
        b = p_mul(o.num, _power_product(den, o.den))
        return Frac(p_add(a, b), den).cancelled()

    def scaled(self, c) -> "Frac":
        return Frac({m: c * v for m, v in self.num.items()}, dict(self.den))

    def inverse(self) -> "Frac":
        if not self.num:
            raise TooBig  # 1 / 0
        lead = max(self.num)
        c = self.num[lead]
        monic = {m: v / c for m, v in self.num.items()}
        if any(v * c != self.num[m] for m, v in monic.items()):
            raise TooBig
        num = _power_product(self.den, {})
        return Frac({m: v / c for m, v in num.items()}, {_key(monic): 1}).cancelled()

    def cancelled(self) -> "Frac":
        den = {}
        for k, n in sorted(self.den.items()):
            f = dict(k)
            while n and len(f) == 1 and not next(iter(f)):  # a constant factor
                n -= 1
            while n:
                q = p_divide(self.num, f)
                if q is None:
                    break
                self.num, n = q, n - 1
            if n:
                den[k] = n
        self.den = den
        return self


def _power_product(want: dict, have: dict) -> dict:
    """The product of the factors ``want`` has beyond ``have``."""
    out = {(): 1}
    for k, n in sorted(want.items()):
        for _ in range(n - have.get(k, 0)):
            out = p_mul(out, dict(k))
    return out


# ---------------------------------------------------------------- reading
class Region:
    """The region of single-use elementwise operations under ``root``."""

    def __init__(self, s, root, through: bool = False) -> None:
        self.s = s  # the _Simplifier: shapes, kinds, local defs, use counts
        self.through = through  # see through shared affine values (_affine)
        self.leaves: list = []
        self.ops = 0
        self.array_ops = 0
        self.value = self.read(root.outs[0], root)
        if self.array_ops < 3:
            raise TooBig  # nothing to gain

    def leaf(self, a) -> Frac:
        if isinstance(a, Const):
            if isinstance(a.value, bool) or not isinstance(a.value, (int, float)):
                raise TooBig
            return Frac({(): a.value} if a.value else {})
        d = self.s.local.get(a)
        p = sigmoid_of(self.s, a) if d is not None and d.prim == "exp" else None
        if p is not None and self.s.shape(p) == self.s.shape(a):
            k = self.index(p)  # e = (1 - p) / p
            return Frac({(): 1, ((k, 1),): -1}, {_key({((k, 1),): 1}): 1})
        return Frac({((self.index(a), 1),): 1})

    def index(self, a) -> int:
        if a not in self.leaves:
            if len(self.leaves) >= MAX_LEAVES or self.s.kinds.get(a) == "b":
                raise TooBig
            self.leaves.append(a)
        return self.leaves.index(a)

    def read(self, a, top=None) -> Frac:
        """``a`` as a fraction; ``top``: the root's statement (not yet local)."""
        d = top or (self.s.local.get(a) if isinstance(a, Var) else None)
        if d is None or d.prim not in REGION_PRIMS or len(d.outs) != 1 or not self.s.floaty(a):
            return self.leaf(a)
        shared = top is None and self.s.uses.get(a) != 1
        if shared and not (self.through and _affine(d)):
            return self.leaf(a)
        if d.prim == "add" and isinstance(d.args[1], Const) and d.args[1].value == 0:
            raise TooBig  # not optimised yet (an alias): the rules of simplify.py go first
        self.ops += 1
        if self.ops > MAX_OPS:
            raise TooBig
        if self.s.shape(a) and not shared:  # a shared value stays computed for its other uses
            self.array_ops += 1
        args = [self.read(x) for x in d.args]
        if d.prim == "neg":
            return args[0].scaled(-1)
        if d.prim == "add":
            return args[0] + args[1]
        if d.prim == "sub":
            return args[0] + args[1].scaled(-1)
        if d.prim == "mul":
            return args[0] * args[1]
        return args[0] * args[1].inverse()


def _affine(d) -> bool:
    """``1 - p``, ``y + 2``, ``-x``: a value read elsewhere too is seen through
    when it is this cheap (``1 - p`` in the value and in its adjoint), so
    that factors such as ``1 - p`` cancel."""
    return d.prim == "neg" or d.prim in ("add", "sub") and any(
        isinstance(x, Const) for x in d.args)


def sigmoid_of(s, e):
    """A value ``p = 1 / (1 + e)`` defined before here, or None."""
    return s.sigmoids.get(e)


def sigmoid_input(local: dict, d):
    """``e`` if the statement ``d`` computes ``1 / (1 + e)``, else None."""
    if d.prim == "div" and _is_one(d.args[0]) and d.args[1] in local:
        q = local[d.args[1]]
        if q.prim == "add" and len(q.args) == 2:
            if _is_one(q.args[0]) and isinstance(q.args[1], Var):
                return q.args[1]
            if _is_one(q.args[1]) and isinstance(q.args[0], Var):
                return q.args[0]
    return None


def _is_one(a) -> bool:
    return isinstance(a, Const) and not isinstance(a.value, bool) and a.value == 1


# ---------------------------------------------------------------- writing
class Writer:
    """Build the normalised fraction back as IR (through the simplifier's
    ``new``), counting the operations on arrays."""

    def __init__(self, s, b, leaves: list) -> None:
        self.s, self.b, self.leaves = s, b, leaves
        self.array_ops = 0

    def op(self, prim: str, *args):
        from .shapes import broadcast
        shape = broadcast(*(self.s.shape(a) for a in args))
        if shape is None:
            raise TooBig
        v = self.s.new(self.b, prim, *args)
        self.s.shapes[v] = shape
        if shape:
            self.array_ops += 1
        return v

    def monomial(self, m: tuple):
        out = None
        for k, n in m:
            for _ in range(n):
                x = self.leaves[k]
                out = x if out is None else self.op("mul", out, x)
        return out

    def poly(self, p: dict):
        """Terms in a fixed order, positive ones first: ``y - p``, not ``-p + y``."""
        terms = sorted(p.items(), key=lambda t: (t[1] < 0, t[0]))
        out = None
        for m, c in terms:
            mono = self.monomial(m)
            mag = abs(c)
            if mono is None:
                term = Const(mag)
            elif mag != 1:
                term = self.op("mul", mono, Const(mag))
            else:
                term = mono
            if out is None:
                out = term if c > 0 else self.op("neg", term)
            else:
                out = self.op("add" if c > 0 else "sub", out, term)
        return Const(0) if out is None else out

    def fraction(self, f: Frac):
        """``scale * (array polynomial) / (denominator)``, the scalar leaves and
        the common coefficient gathered into ``scale`` (applied last, where
        the rules of simplify.py can move it on)."""
        arrays = {k for k, x in enumerate(self.leaves) if self.s.shape(x)}
        common, mag = None, None
        for m, c in f.num.items():
            scal = tuple((k, n) for k, n in m if k not in arrays)
            common = scal if common is None else _m_min(common, scal)
            mag = abs(c) if mag is None or abs(c) == mag else 1
        common, mag = common or (), mag or 1
        rest = {}
        for m, c in f.num.items():
            rest = p_add(rest, {_m_div(m, common): c / mag})
        if any(k not in arrays for m in rest for k, _ in m):
            raise TooBig  # scalars left inside the array polynomial
        out = self.poly(rest)
        for k, n in sorted(f.den.items()):
            for _ in range(n):
                out = self.op("div", out, self.poly(dict(k)))
        scale = self.monomial(common)
        if mag != 1:
            scale = Const(mag) if scale is None else self.op("mul", scale, Const(mag))
        return out if scale is None else self.op("mul", out, scale)


def _m_min(a: tuple, b: tuple) -> tuple:
    pb = dict(b)
    return tuple((k, min(n, pb[k])) for k, n in a if k in pb)


def rewrite(s, e, b):
    """The region under ``e`` written with fewer array operations, or None:
    the better of reading shared affine values as leaves or through them
    (``s * p - s`` keeps ``s = 2y - 1`` whole; ``1 - p`` must be seen
    through to cancel)."""
    best = None
    for through in (False, True):
        trial = b.child()
        try:
            region = Region(s, e, through)
            w = Writer(s, trial, region.leaves)
            out = w.fraction(region.value)
        except (TooBig, ZeroDivisionError, OverflowError):
            continue
        if w.array_ops < region.array_ops and s.shape(out) == s.shape(e.outs[0]) \
                and (best is None or w.array_ops < best[0]):
            best = (w.array_ops, out, trial)
    if best is None:
        return None
    b.stmts.extend(best[2].stmts)
    return best[1]
