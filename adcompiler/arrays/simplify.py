"""Algebraic simplification of the elementwise array code of a derivative.

Reverse mode writes each adjoint as the chain rule spells it: the logistic
loss ``log(1 + exp(-z))`` gets ``(1 / (1 + e)) * e`` with ``e = exp(-z)``,
then a product with the sign, then a negation, all over arrays of N
elements, where a person writes ``s / (1 + exp(z))`` once.  Each rewrite
below removes a pass over an array (or moves it to a smaller one) and holds
in exact arithmetic; ``tests/test_numpy_simplify.py`` proves every one with
sympy and checks the gradients against central differences.

* ``(1 / (1 + exp(u))) * exp(u)`` is ``1 / (1 + exp(-u))``: one quotient
  instead of a quotient and a product, and no ``inf / inf`` when ``exp(u)``
  overflows (the logistic function, the softplus and log-sigmoid adjoints);
* ``x * (1 / q)`` is ``x / q`` (one pass, rounded once);
* scalar factors gather into one scalar: ``(x * a) * b`` is ``x * (a * b)``,
  ``-(x * a)`` is ``x * (-a)``, ``(x * a) / b`` is ``x * (a / b)``;
* a negation goes into a denominator ``c + y`` for free (``-c - y``), also
  through a linear map: ``-(X.T @ (s / (1 + e)))`` is ``X.T @ (s / (-1 - e))``;
* a negation or scalar factor on an operand of a linear map (``@``,
  ``np.outer``, ``np.sum``) moves to the map's result when that is smaller
  (``X.T @ -g`` is ``-(X.T @ g)``: d negations instead of N), or for
  ``np.outer`` to the smaller operand;
* what no rule simplifies, :mod:`.rational` tries as one rational function
  (the mean cross-entropy's adjoint becomes ``p - y``).

Only values used once (or, for a factor, read only by linear maps), defined
in the same block, are rewritten, so no value anyone else reads changes and
no work moves into a loop; float arrays, or arrays of a dtype not declared
(the rewrites hold for integers; booleans, which NumPy will not negate, are
left alone).  Array code only: scalar code is left to the scalar optimiser.
"""
from __future__ import annotations

from ..core.ir import (Block, Builder, Const, Eqn, Function, Names, Var, stmt_inputs,
                       sub_blocks, uses, walk)
from ..core.rewrite import map_eqns
from .rational import REGION_PRIMS, rewrite, sigmoid_input
from .shapes import Sym

#: linear maps a scalar factor of one operand can be moved through
_LINEAR = {"matmul", "outer", "sum"}
#: no effects: a result nobody reads is dropped by DCE, with its reads
_PURE = _LINEAR | {"add", "sub", "mul", "div", "neg", "exp", "log", "log1p", "transpose"}


class _Simplifier:
    def __init__(self, fn: Function, shapes: dict, kinds: dict) -> None:
        self.shapes = shapes
        self.kinds = kinds
        self.names = Names.for_function(fn)
        self.uses = uses(fn.body)
        self.local: dict = {}  # var -> its Eqn, in the block being rewritten
        self.sigmoids: dict = {}  # e -> p = 1 / (1 + e) in the block (rational.py)
        self.readers = _readers(fn.body)
        #: values read once, by an elementwise operation (not a region's root)
        self.inner = {a for e in walk(fn.body) if isinstance(e, Eqn) and e.prim in REGION_PRIMS
                      for a in e.args if isinstance(a, Var) and self.uses.get(a) == 1}

    # ------------------------------------------------------------ walking
    def block(self, blk: Block) -> Block:
        outer, self.local = self.local, {}
        outer_sigmoids, self.sigmoids = self.sigmoids, {}
        out = map_eqns(blk, self.eqn, self.block)
        self.local, self.sigmoids = outer, outer_sigmoids
        return out

    def eqn(self, e: Eqn) -> list:
        new = None
        out = e.outs[0] if len(e.outs) == 1 else None
        if out is not None and self.floaty(out) and \
                (self.float_array(out) or e.prim in _LINEAR and self.shape(out) == ()):
            b = Builder(self.names, e.loc)
            rule = getattr(self, "r_" + e.prim, None)
            value = rule(e, b) if rule is not None else None
            if value is None and e.prim in REGION_PRIMS and self.float_array(out) \
                    and out not in self.inner:
                value = self.rational(e, b)
            if value is not None:
                new = b.stmts + [value]
        for s in new or [e]:
            if len(s.outs) == 1:
                self.local[s.outs[0]] = s
                x = sigmoid_input(self.local, s)
                if x is not None:
                    self.sigmoids.setdefault(x, s.outs[0])
        for s in new or ():  # reads added, and those of the replaced statement gone
            for a in s.args:
                if isinstance(a, Var):
                    self.uses[a] = self.uses.get(a, 0) + 1
        if new:
            for a in e.args:
                self.release(a)
        return new or [e]

    def release(self, a) -> None:
        """One read of ``a`` fewer; a value nobody reads any more is dead code
        (dropped by the next DCE), so its own reads are released too."""
        todo = [a]
        while todo:
            v = todo.pop()
            if not isinstance(v, Var) or v not in self.uses:
                continue
            self.uses[v] -= 1
            d = self.local.get(v)
            if self.uses[v] == 0 and d is not None and d.prim in _PURE:
                todo.extend(d.args)

    # ------------------------------------------------------------ facts
    def shape(self, a):
        return () if isinstance(a, Const) else self.shapes.get(a)

    def float_array(self, v) -> bool:
        s = self.shape(v)
        return isinstance(s, tuple) and len(s) > 0 and self.floaty(v)

    def floaty(self, v) -> bool:
        """Float, or of a dtype not declared (``adc compile`` without
        ``--arrays``: the rewrites hold for integers too, only booleans differ)."""
        return self.kinds.get(v) in ("f", None)

    def scalar(self, a) -> bool:
        if isinstance(a, Const):
            return isinstance(a.value, (int, float)) and not isinstance(a.value, bool)
        return self.shape(a) == () and self.kinds.get(a) != "b"

    def once(self, a, prim=None, linear=False):
        """The local Eqn defining ``a`` if ``a`` is read only once (and by
        ``prim``); ``linear``: or read only by linear maps (each then takes
        the factor over)."""
        d = self.local.get(a) if isinstance(a, Var) else None
        if d is None or (prim is not None and d.prim != prim):
            return None
        if self.uses.get(a, 0) == 1 or linear and self.readers.get(a) == _LINEAR_ONLY:
            return d
        return None

    def new(self, b: Builder, prim: str, *args, like=None, **params):
        """``b.eqn`` recording the result's shape and kind (those of ``like``)."""
        v = b.eqn(prim, *args, **params)
        self.shapes[v] = () if like is None else self.shape(like)
        self.kinds[v] = "f" if like is None or self.kinds.get(like) == "f" else None
        return v

    def scalar_op(self, b: Builder, prim: str, *args):
        """A scalar ``-k``, ``k * c``, ``k / c``, with a number folded into a
        quotient's numerator: ``(1.0 / n) * 2`` is ``2.0 / n``, ``-(2.0 / n)``
        is ``-2.0 / n`` (one operation, as a person writes the mean's factor)."""
        k, c = args[0], args[1] if len(args) > 1 else Const(-1)
        if prim == "mul" and isinstance(k, Const):
            k, c = c, k
        d = self.local.get(k) if isinstance(k, Var) else None
        if prim in ("neg", "mul") and isinstance(c, Const) and self.scalar(c) and d is not None \
                and d.prim == "div" and isinstance(d.args[0], Const) and self.scalar(d.args[0]) \
                and self.uses.get(k) == 1:
            return self.new(b, "div", Const(d.args[0].value * c.value), d.args[1])
        return self.new(b, prim, *args)

    def scaled(self, a, linear=False):
        """``(x, op, c)`` when ``a = x op c`` is an array ``x`` times a scalar
        (``op`` 'mul' or 'div'; ``c`` None for a negation), read only here
        (``linear``: or only by linear maps)."""
        d = self.once(a, linear=linear)
        if d is None or not self.floaty(a):
            return None
        if d.prim == "neg" and self.shape(d.args[0]):
            return d.args[0], "neg", None
        if d.prim in ("mul", "div") and len(d.args) == 2:
            x, c = d.args
            if d.prim == "mul" and self.scalar(x) and not self.scalar(c):
                x, c = c, x
            if self.shape(x) and self.scalar(c):
                return x, d.prim, c
        return None

    def apply(self, b: Builder, x, op: str, c, like, out=None, loc=None):
        """``x op c`` (a negation when ``op`` is 'neg'), as ``out`` if given."""
        args = (x,) if op == "neg" else (x, c)
        if out is not None:
            return Eqn(out, op, args, (), loc)
        return self.new(b, op, *args, like=like)

    # ------------------------------------------------------------ rules
    def r_mul(self, e: Eqn, b: Builder):
        return self.logistic(e, b) or self.reciprocal(e, b) or self.gather(e, b)

    def r_div(self, e: Eqn, b: Builder):
        return self.gather(e, b)

    def r_neg(self, e: Eqn, b: Builder):
        return self.negated_denominator(e, b) or self.negated_factor(e, b)

    def negated_denominator(self, e: Eqn, b: Builder):
        """``-(x / (c + y))`` -> ``x / (-c - y)`` for a number ``c``: the
        negation costs nothing (a subtraction instead of an addition); also
        through a linear map: ``-(A @ (x / (c + y)))`` -> ``A @ (x / (-c - y))``."""
        inner = self.absorbed(e.args[0], b)
        if inner is not None:
            return Eqn(e.outs, "div", inner, (), e.loc)
        lin = self.once(e.args[0])
        if lin is None or lin.prim not in _LINEAR:
            return None
        for k, a in enumerate(lin.args[:1] if lin.prim == "sum" else lin.args[:2]):
            inner = self.absorbed(a, b)
            if inner is not None:
                args = list(lin.args)
                args[k] = self.new(b, "div", *inner, like=a)
                return Eqn(e.outs, lin.prim, tuple(args), lin.params, e.loc)
        return None

    def absorbed(self, a, b: Builder):
        """``(x, -c - y)`` when ``a = x / (c + y)`` (both read only once)."""
        d = self.once(a, "div")
        q = self.once(d.args[1], "add") if d is not None else None
        if q is None or not self.shape(d.args[1]) or not self.floaty(a):
            return None
        c, y = q.args if isinstance(q.args[0], Const) else q.args[::-1]
        if not (isinstance(c, Const) and self.scalar(c)) or isinstance(y, Const):
            return None
        return d.args[0], self.new(b, "sub", Const(-c.value), y, like=d.args[1])

    def negated_factor(self, e: Eqn, b: Builder):
        inner = self.scaled(e.args[0])
        if inner is None or inner[1] == "neg":
            return None  # -(-x) is the optimiser's
        x, op, c = inner
        return Eqn(e.outs, op, (x, self.scalar_op(b, "neg", c)), (), e.loc)

    def rational(self, e: Eqn, b: Builder):
        """The region of elementwise operations ending at ``e`` normalised as
        one rational function (:mod:`.rational`), when that takes fewer passes."""
        out = rewrite(self, e, b)
        if out is None:
            return None
        last = b.stmts[-1] if b.stmts else None
        if last is not None and last.outs == (out,):  # the last operation makes e's value
            b.stmts.pop()
            return Eqn(e.outs, last.prim, last.args, last.params, e.loc)
        return Eqn(e.outs, "add", (out, Const(0)), (), e.loc)

    def logistic(self, e: Eqn, b: Builder):
        """``(c / (1 + exp(u))) * exp(u)`` -> ``c / (1 + exp(-u))`` (scalar ``c``)."""
        for p, ex in (e.args, e.args[::-1]):
            dp = self.once(p, "div")
            if dp is None or not self.scalar(dp.args[0]):
                continue
            dq = self.once(dp.args[1], "add")
            de = self.local.get(ex) if isinstance(ex, Var) else None
            if dq is None or de is None or de.prim != "exp" or self.uses.get(ex) != 2:
                continue
            if not (_one(dq.args[0]) and dq.args[1] == ex or _one(dq.args[1]) and dq.args[0] == ex):
                continue
            u = de.args[0]
            minus = self.new(b, "neg", u, like=ex)
            flipped = self.new(b, "exp", minus, like=ex, **dict(de.params))
            denom = self.new(b, "add", Const(1.0), flipped, like=ex)
            return Eqn(e.outs, "div", (dp.args[0], denom), dp.params, e.loc)
        return None

    def reciprocal(self, e: Eqn, b: Builder):
        """``x * (c / q)`` -> ``x / q``, or ``(x / q) * c`` for a scalar ``c``
        other than 1 (which the rules for scalar factors move on)."""
        for x, p in (e.args, e.args[::-1]):
            dp = self.once(p, "div")
            if dp is None or not self.shape(p) or not self.scalar(dp.args[0]) \
                    or dp.args[1] == x:  # (c / q) * q: not c where q is 0 or infinite
                continue
            if _one(dp.args[0]):
                return Eqn(e.outs, "div", (x, dp.args[1]), dp.params, e.loc)
            if self.shape(x) and self.floaty(x):
                quotient = self.new(b, "div", x, dp.args[1], like=e.outs[0])
                return Eqn(e.outs, "mul", (quotient, dp.args[0]), (), e.loc)
        return None

    def gather(self, e: Eqn, b: Builder):
        """``(x op1 a) op2 b`` with scalars ``a``, ``b`` -> ``x * (a op b)``."""
        a, c = e.args
        if e.prim == "mul" and self.scalar(a) and not self.scalar(c):
            a, c = c, a
        if not self.scalar(c):
            return None
        inner = self.scaled(a)
        if inner is None:
            return None
        x, op, k = inner
        if op == "neg":
            k, op = self.scalar_op(b, "neg", c), e.prim
        elif op == "mul":
            k = self.scalar_op(b, e.prim, k, c)
        elif e.prim == "mul":  # (x / k) * c
            k, op = self.scalar_op(b, "div", c, k), "mul"
        else:  # (x / k) / c
            k = self.scalar_op(b, "mul", k, c)
        if op == "div":
            return Eqn(e.outs, "div", (x, k), (), e.loc)
        return Eqn(e.outs, "mul", (x, k), (), e.loc)

    def linear(self, e: Eqn, b: Builder):
        """A scalar factor of an operand applied to the smaller result instead."""
        out = _elements(self.shape(e.outs[0]))
        for k, a in enumerate(e.args[:2] if e.prim != "sum" else e.args[:1]):
            inner = self.scaled(a, linear=True)
            if inner is None or out is None:
                continue
            x, op, c = inner
            if e.prim == "outer":
                other = e.args[1 - k]
                small = _elements(self.shape(other))
                if small is not None and small < _elements(self.shape(a)) \
                        and self.floaty(other):
                    args = list(e.args)
                    args[k], args[1 - k] = x, self.apply(b, other, op, c, other)
                    return Eqn(e.outs, e.prim, tuple(args), e.params, e.loc)
                continue
            size = _elements(self.shape(a))
            if size is None or out >= size:
                continue
            args = tuple(x if j == k else y for j, y in enumerate(e.args))
            core = self.new(b, e.prim, *args, like=e.outs[0], **dict(e.params))
            core = b.named(core, e.outs[0].hint)  # w_bar = X.T @ g; w_bar *= c
            return self.apply(b, core, op, c, e.outs[0], e.outs, e.loc)
        return None

    r_matmul = r_outer = r_sum = linear


_LINEAR_ONLY = "linear only"


def _readers(body: Block) -> dict:
    """var -> ``_LINEAR_ONLY`` when every statement reading it is a linear map
    of the same block (a factor it carries can move into each of them)."""
    out: dict = {}
    _visit_readers(body, 0, out)
    return {v: _LINEAR_ONLY for v, k in out.items() if k != "no"}


def _visit_readers(b: Block, depth: int, out: dict) -> None:
    """Record in ``out`` where each variable of ``b`` is read: the block's key
    while every read is a linear map's, else ``"no"``.  (Module level, not a
    closure calling itself: that is a reference cycle, left to the cyclic
    collector; see core/gcpause.py.)"""
    for s in b.stmts:
        for a in stmt_inputs(s):
            if isinstance(a, Var):
                ok = isinstance(s, Eqn) and s.prim in _LINEAR and a in s.args[:2]
                key = (depth, id(b))
                prev = out.get(a)
                out[a] = key if ok and prev in (None, key) else "no"
        for sub in sub_blocks(s):
            _visit_readers(sub, depth + 1, out)
    for a in b.results:
        if isinstance(a, Var):
            out[a] = "no"


def _one(a) -> bool:
    return isinstance(a, Const) and not isinstance(a.value, bool) and a.value == 1


def _elements(shape):
    """An estimate of the number of elements (a run-time size counts as the
    size it was declared with), for choosing where a factor goes; None if
    unknown."""
    if not isinstance(shape, tuple):
        return None
    n = 1
    for d in shape:
        if isinstance(d, Sym):
            d = int(d.label) if d.label.isdigit() else 2
        if not isinstance(d, int):
            return None
        n *= d
    return n


def simplify_arrays(fn: Function, shapes: dict, kinds: dict) -> Function:
    """``fn`` with the rewrites above (``shapes``/``kinds`` from inference;
    the new values' entries are added to them)."""
    body = _Simplifier(fn, shapes, kinds).block(fn.body)
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)
