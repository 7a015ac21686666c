"""Optimisation passes over the IR, repeated until nothing changes.

* :func:`simplify`: constant folding, exact algebraic identities (``x*1``,
  ``x+0``, ``-(-x)``, ``x + (-y)`` -> ``x - y``; never ``x*0``, which would turn
  a NaN or an infinity into 0) and common-subexpression elimination across the
  primal and adjoint code (an expression computed in an enclosing block is
  reused inside nested blocks);
* :func:`~.dce.dce` (optimize/dce.py): dead code, dead branch outputs and dead
  loop-carried values;
* :func:`prune_tapes`: values pushed on a tape that the adjoint no longer reads.

:func:`finish` runs once on the optimised IR, before emission:
:func:`~adcompiler.optimize.tapes.walk_tapes` (an adjoint loop that empties a
tape counts the tape's length, so a ``while`` loop's trip counter dies), then
DCE.
"""
from __future__ import annotations

import math

from ..core.ir import Block, Const, Eqn, ForRange, Function, If, Var, While, is_number
from .dce import dce
from ..prims.primitives import PRIMS, evaluate, too_big

# not `and`/`or` (`x and y` is y or x, a value since issue 12) nor the builtin
# `max`/`min` (Python keeps the first argument unless the other compares
# greater: max(x, nan) is x, max(nan, x) is nan)
_COMMUTATIVE = {"add", "mul", "eq", "ne", "hypot"}
_NO_CSE = {"new_tape", "push", "pop", "call", "new_checkpoints", "restore"}


#: tests: a round skipped as settled is run anyway and must change nothing
CHECK_SETTLED = False


def optimize(fn: Function, max_rounds: int = 20) -> Function:
    """Rounds of simplify, DCE and tape pruning until one changes nothing.
    A round that left no work for the next one ends the loop at once: its
    simplify was settled (:attr:`_Simplifier.settled`) and prune_tapes changed
    nothing, the only way a round enables another (DCE removes values no
    remaining equation reads, so it enables no rewrite).  The confirming round
    this skips was half of the pass's time on long functions."""
    for _ in range(max_rounds):
        s = _Simplifier()
        cleaned = dce(s.function(fn))
        new = prune_tapes(cleaned)
        if s.settled and new is cleaned:
            assert not CHECK_SETTLED or prune_tapes(dce(simplify(new))) == new, \
                "a round optimize skipped as settled would have changed the IR"
            return new
        if new == fn:
            return new
        fn = new
    return fn


def finish(fn: Function) -> Function:
    """The last passes before emission, run once on optimised IR: tape walks
    (:mod:`.tapes`), then DCE removes the trip counters they no longer read.
    ``stop_gradient`` becomes its argument here (prims/stopgrad.py).
    Not part of :func:`optimize`: after the walk no pass may drop a walked
    loop's ``pop`` (its tape's length is the loop's trip count)."""
    from .tapes import walk_tapes
    from ..prims.stopgrad import drop
    walked = walk_tapes(drop(fn))
    return fn if walked is fn else dce(walked)


# ---------------------------------------------------------------- simplify
class _Simplifier:
    # (its maps and sets are keyed by a variable's name, its identity: a str
    # hashes in C, a Var through its Python __hash__, and these lookups are
    # most of the pass)
    def __init__(self) -> None:
        self.subst: dict = {}  # name -> the atom that replaces the variable
        self.defs: dict = {}  # name -> the equation defining it
        self.bools: set = set()  # branch outputs that may carry a comparison's bool
        self.nums: set = set()  # values known never to be a bool (see numeric)
        self.floats: set = set()  # values known to be floats (see float_valued)
        # False once this round leaves work for another (see optimize): an
        # equation rewritten into another one, which only the next round
        # simplifies, or a loop value found invariant only after its body
        self.settled = True
        self.cse: dict = {}  # primitive -> may its equations be shared (asked once a run)

    def function(self, fn: Function) -> Function:
        return Function(fn.name, fn.params, self.block(fn.body, {}), fn.defaults, fn.filename,
                        fn.source_line)

    def atom(self, a):
        subst = self.subst
        while type(a) is Var and a.name in subst:
            a = subst[a.name]
        return a

    def block(self, block: Block, avail: dict) -> Block:
        avail = dict(avail)
        out: list = []
        for s in block.stmts:
            if type(s) is Eqn:
                self.eqn(s, avail, out)
            else:
                self.stmt(s, avail, out)
        return Block(block.params, tuple(out), tuple(self.atom(a) for a in block.results))

    def stmt(self, s, avail: dict, out: list) -> None:
        if isinstance(s, Eqn):
            self.eqn(s, avail, out)
        elif isinstance(s, If):
            pred = self.atom(s.pred)
            if isinstance(pred, Const):
                taken = s.then if pred.value else s.orelse
                for inner in taken.stmts:
                    self.stmt(inner, avail, out)
                for o, r in zip(s.outs, taken.results):
                    self.subst[o.name] = self.atom(r)
                return
            then, orelse = self.block(s.then, avail), self.block(s.orelse, avail)
            for o, *results in zip(s.outs, then.results, orelse.results):
                if any(self.boolean(r) for r in results):
                    self.bools.add(o.name)
                elif all(self.numeric(r) for r in results):
                    self.nums.add(o.name)
                    if all(self.float_valued(r) for r in results):
                        self.floats.add(o.name)
            out.append(If(s.outs, pred, then, orelse, s.loc))
        elif isinstance(s, ForRange):
            self.invariant_carried(s, s.body.params[1:])
            atoms = [self.atom(a) for a in (s.start, s.stop, s.step)]
            body = self.settle(self.block(s.body, avail), s.body.params[1:])
            out.append(ForRange(s.outs, *atoms, tuple(self.atom(a) for a in s.inits),
                                body, s.loc, s.reverse))
        else:
            self.invariant_carried(s, s.body.params, s.cond.params)
            cond = self.block(s.cond, avail)
            body = self.settle(self.block(s.body, avail), s.body.params)
            out.append(While(s.outs, tuple(self.atom(a) for a in s.inits), cond, body, s.loc))

    def settle(self, body: Block, carried: tuple) -> Block:
        """A carried value the simplified body hands back unchanged was not
        seen by :meth:`invariant_carried` (it read the body before): the next
        round will."""
        if any(r == p for r, p in zip(body.results, carried)):
            self.settled = False
        return body

    def invariant_carried(self, loop, params: tuple, cond_params: tuple = ()) -> None:
        """A carried value that the body hands back unchanged is its initial
        value throughout: read the initial value instead (DCE drops the slot)."""
        for k, p in enumerate(params):
            if self.atom(loop.body.results[k]) == p:
                init = self.atom(loop.inits[k])
                self.subst[p.name] = init
                self.subst[loop.outs[k].name] = init
                if cond_params:
                    self.subst[cond_params[k].name] = init

    def eqn(self, e: Eqn, avail: dict, out: list) -> None:
        subst = self.subst
        for a in e.args:  # (a loop, not any(): this runs for every equation)
            if type(a) is Var and a.name in subst:  # else the same equation
                e = Eqn(e.outs, e.prim, tuple(self.atom(a) for a in e.args), e.params, e.loc)
                break
        outs = e.outs
        if len(outs) == 1:
            first = e.args[0] if e.args else None
            # (fold needs every argument a literal, but for select's predicate)
            repl = None if type(first) is Var and e.prim != "select" else self.fold(e)
            # (identity has nothing for the other primitives, nor for a product
            # of two variables, the commonest equation)
            if repl is None and e.prim in _REWRITTEN and not (
                    e.prim == "mul" and type(first) is Var and type(e.args[1]) is Var):
                repl = self.identity(e)
            if isinstance(repl, Eqn):
                e = repl
                self.settled = False  # the new equation is simplified next round
            elif repl is not None:
                subst[outs[0].name] = repl
                return
        prim = e.prim
        cse = self.cse.get(prim)
        if cse is None:
            cse = self.cse[prim] = prim not in _NO_CSE and PRIMS[prim].pure
        if outs and cse:
            key = _key(e)
            prev = avail.setdefault(key, outs)
            if prev is not outs:
                for o, p in zip(outs, prev):
                    subst[o.name] = p
                return
        defs = self.defs
        for o in outs:
            defs[o.name] = e
        if len(outs) == 1:
            self.classify(e)
        out.append(e)

    def fold(self, e: Eqn):
        if e.prim == "select" and isinstance(e.args[0], Const):
            return e.args[1] if e.args[0].value else e.args[2]
        for a in e.args:  # (most equations read a variable: asked first, no generator)
            if type(a) is not Const:
                return None
        p = PRIMS[e.prim]
        if p.impl is None or p.impl_params or not p.pure:
            return None
        if too_big(e.prim, tuple(a.value for a in e.args)):
            return None  # left to run time: folding would not finish
        try:
            value = evaluate(e.prim, tuple(a.value for a in e.args), dict(e.params))
        except Exception:
            return None
        if isinstance(value, bool) or (is_number(value) and math.isfinite(value)):
            return Const(value)
        return None

    def identity(self, e: Eqn):
        """Exact rewrites only: each keeps NaN and infinity behaviour."""
        repl = self.rewrite(e)
        if repl is not None and e.prim in ("add", "sub", "mul", "div") and \
                any(self.boolean(a) for a in e.args):
            return None  # `b * 1.0` is a float, `b` a bool: the identity changes the type
        return repl

    def defined(self, a):
        """The equation defining ``a`` in this round, or None."""
        return self.defs.get(a.name) if type(a) is Var else None

    def keeps(self, e: Eqn, x, c) -> bool:
        """The user's ``O = X * 1.0`` is a float (array) even for an integer
        ``X`` (item writes into ``O`` keep their fractions): not ``X`` unless
        ``X`` is known to hold floats.  (Temporaries and derivative values
        keep the identity.)"""
        hint = e.outs[0].hint
        user = hint and not hint.startswith("~")
        return not user or self.float_valued(x) or \
            (e.prim != "div" and not isinstance(c.value, float))

    def rewrite(self, e: Eqn):
        """The rewrite :meth:`identity` makes unless an argument is a bool
        (asked only of a candidate, a primitive in :data:`_REWRITTEN`)."""
        prim, args = e.prim, e.args
        const, keeps = _const, self.keeps
        if prim == "mul" and not (type(args[0]) is Const and const(args[0], 1, -1)
                                  or type(args[1]) is Const and const(args[1], 1, -1)):
            return None  # (the commonest case: every rewrite of mul has a constant 1 or -1)
        if (prim == "add" or prim == "sub") and type(args[0]) is Var \
                and type(args[1]) is Var and args[0].name != args[1].name:
            return _negated_operand(self.defs, e)  # (the next commonest: two variables)
        if prim == "add":
            if isinstance(args[0], Var) and args[0] == args[1] and self.numeric(args[0]):
                # exact; 2.0 * x is CPython's fast float product (2 * x converts the int)
                two = Const(2.0) if self.float_valued(args[0]) else Const(2)
                return Eqn(e.outs, "mul", (two, args[0]), (), e.loc)
            if const(args[1], 0) and keeps(e, args[0], args[1]):
                return args[0]
            if const(args[0], 0) and keeps(e, args[1], args[0]):
                return args[1]
            for x, y in (args, args[::-1]):
                d = self.defined(y)
                if d is not None and d.prim == "neg":
                    return Eqn(e.outs, "sub", (x, d.args[0]), (), e.loc)
        if prim == "sub":
            if const(args[1], 0) and keeps(e, args[0], args[1]):
                return args[0]
            if const(args[0], 0) and isinstance(args[0].value, float):
                return Eqn(e.outs, "neg", (args[1],), (), e.loc)
            d = self.defined(args[1])
            if d is not None and d.prim == "neg":
                return Eqn(e.outs, "add", (args[0], d.args[0]), (), e.loc)
        if prim == "mul":
            if const(args[1], 1) and keeps(e, args[0], args[1]):
                return args[0]
            if const(args[0], 1) and keeps(e, args[1], args[0]):
                return args[1]
            if const(args[1], -1) and keeps(e, args[0], args[1]):
                return Eqn(e.outs, "neg", (args[0],), (), e.loc)
            if const(args[0], -1) and keeps(e, args[1], args[0]):
                return Eqn(e.outs, "neg", (args[1],), (), e.loc)
        if prim == "div" and const(args[1], 1) and keeps(e, args[0], args[1]):
            return args[0]
        if prim == "pow" and const(args[1], 1) and keeps(e, args[0], args[1]):
            return args[0]
        if prim == "neg":
            d = self.defined(args[0])
            if d is not None and d.prim == "neg":
                return d.args[0]
            if d is not None and d.prim == "mul":  # -((-a) * b) -> a * b (exact)
                for k in (0, 1):
                    inner = self.defined(d.args[k])
                    if inner is not None and inner.prim == "neg":
                        rest = d.args[1 - k]
                        pair = (inner.args[0], rest) if k == 0 else (rest, inner.args[0])
                        return Eqn(e.outs, "mul", pair, d.params, e.loc)
        if prim == "copy":  # a new buffer matters only to the in-place check
            return args[0]
        if prim == "float" and isinstance(args[0], Const) and is_number(args[0].value):
            return Const(float(args[0].value))
        return None

    def classify(self, e: Eqn) -> None:
        """Record whether ``e``'s result is known never to be a bool, or a
        float (:meth:`float_valued` inline, over the arguments: every
        equation of the function passes here)."""
        out, prim = e.outs[0].name, e.prim
        floats = self.floats
        if prim in _FLOAT_RESULT:
            floats.add(out)
        elif prim in _FLOAT_IF_ANY:
            for a in e.args:
                if type(a) is Var:
                    if a.name in floats:
                        floats.add(out)
                        break
                    hint = a.hint
                    if hint[:1] == "~" and hint.endswith(("_bar", "_dot")):
                        floats.add(out)
                        break
                elif isinstance(a.value, float):
                    floats.add(out)
                    break
        if out in floats or prim in _NEVER_BOOL:
            self.nums.add(out)
        elif prim == "add" or prim == "mul":
            for a in e.args:
                if self.numeric(a):
                    self.nums.add(out)
                    break

    def float_valued(self, a) -> bool:
        """``a`` is known to be a float (array): a float literal, an adjoint or
        tangent, or the result of a primitive that gives floats."""
        if isinstance(a, Const):
            return isinstance(a.value, float)
        return a.name in self.floats or (a.hint.startswith("~") and
                                         a.hint.endswith(("_bar", "_dot")))

    def numeric(self, a) -> bool:
        """``a`` is known never to be a bool: then ``a + a`` is ``2 * a``
        exactly (IEEE doubling is exact; Python's and NumPy's ints too), while
        a NumPy bool (array) adds as logical or (``m + m`` is ``m``).  Known:
        number literals, results of primitives that never give a bool, sums
        and products with such a value, branch outputs that are such values
        on both sides, and adjoints and tangents (the transforms make them
        floats: ``~x_bar``, ``~x_dot``)."""
        if isinstance(a, Const):
            return is_number(a.value)
        return not self.boolean(a) and (a.name in self.nums or self.float_valued(a))

    def boolean(self, a) -> bool:
        """``a`` is the result of a comparison or ``not``: a bool (array)."""
        if type(a) is not Var:
            return False
        d = self.defs.get(a.name)
        return a.name in self.bools or (d is not None and d.prim in _BOOLEAN)


def _key(e: Eqn):
    """:class:`_Simplifier`'s common-subexpression key, what makes two pure
    equations the same computation: the primitive, the arguments (variables
    by name; commutative ones in a fixed order: variables first, by name,
    then literals by ``repr``), the parameters and the number of outputs."""
    args = e.args
    if len(args) == 2:  # (the commonest case: no generator, no sorted())
        a, b = args
        a = a.name if type(a) is Var else a
        b = b.name if type(b) is Var else b
        if e.prim in _COMMUTATIVE:  # (no tuples built to compare: most are add or mul)
            if type(a) is str:
                if type(b) is str and a > b:
                    a, b = b, a
            elif type(b) is str or repr(a) > repr(b):
                a, b = b, a
        if not e.params and len(e.outs) == 1:  # (a flat key: no other has 3 items)
            return (e.prim, a, b)
        return (e.prim, (a, b), e.params, len(e.outs))
    if len(args) == 1:  # (sin, cos, neg: no generator)
        a = args[0]
        return (e.prim, (a.name if type(a) is Var else a,), e.params, len(e.outs))
    if e.prim in _COMMUTATIVE:
        args = tuple(sorted(args, key=lambda a: (isinstance(a, Const), repr(a))))
    return (e.prim, tuple(a.name if type(a) is Var else a for a in args), e.params,
            len(e.outs))


def _negated_operand(defs: dict, e: Eqn):
    """:meth:`_Simplifier.rewrite` of ``a + b`` or ``a - b``, two different
    variables (``defs``: name -> defining equation): only a negated operand
    (``a + -c`` is ``a - c``, ``a - -c`` is ``a + c``, ``-c + b`` is ``b - c``)
    has a rewrite, the constant ones need a literal."""
    a, b = e.args
    d = defs.get(b.name)
    if d is not None and d.prim == "neg":
        return Eqn(e.outs, "sub" if e.prim == "add" else "add", (a, d.args[0]), (), e.loc)
    if e.prim == "add":
        d = defs.get(a.name)
        if d is not None and d.prim == "neg":
            return Eqn(e.outs, "sub", (b, d.args[0]), (), e.loc)
    return None


def _const(a, *values) -> bool:
    return isinstance(a, Const) and is_number(a.value) and a.value in values


_BOOLEAN = {"lt", "le", "gt", "ge", "eq", "ne", "not"}
#: the primitives :meth:`_Simplifier.rewrite` has rewrites for
_REWRITTEN = {"add", "sub", "mul", "div", "pow", "neg", "copy", "float"}
#: primitives whose result is never a bool (NumPy's bool + bool and bool * bool are)
_NEVER_BOOL = {"div", "sub", "neg", "pow", "mod", "floordiv", "float", "int", "round", "floor",
               "ceil", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
               "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "atan2", "hypot",
               "max_weight", "keep_weight", "sum", "mean", "norm"}
#: primitives whose result is a float (array) whatever their arguments
_FLOAT_RESULT = {"div", "float", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
                 "tanh", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "atan2",
                 "hypot", "max_weight", "keep_weight", "mean", "norm"}
#: ... and those whose result is a float when an argument is
_FLOAT_IF_ANY = {"add", "sub", "mul", "neg", "pow"}


def simplify(fn: Function) -> Function:
    return _Simplifier().function(fn)


# ---------------------------------------------------------------- tapes
def prune_tapes(fn: Function) -> Function:
    """Drop pushed values whose pop result is unused, and unused tapes.  Only
    tapes created and used up in this function: a tape that leaves it (a
    residual of ``f_fwd``, popped in ``f_bwd``) is left alone."""
    from .tapes import makes_tape, tape_census
    if not makes_tape(fn.body):
        return fn  # no tape (most functions): its use counts were the cost of this pass
    local, pops, counts = tape_census(fn)
    plan: dict = {t: [] for t in local}
    for tape, pop in pops.items():
        plan[tape] = [k for k, o in enumerate(pop.outs) if counts.get(o.name, 0) > 0]
    if all(len(plan[t]) == len(pops[t].outs) for t in pops) and set(pops) == local:
        return fn

    body = _prune_block(fn.body, plan)
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _prune_block(b: Block, plan: dict) -> Block:
    """``b`` with each tape in ``plan`` keeping only the pushed positions listed."""
    out = []
    for s in b.stmts:
        if isinstance(s, Eqn) and s.prim in ("push", "pop", "new_tape"):
            tape = s.outs[0] if s.prim == "new_tape" else s.args[0]
            if tape not in plan:
                out.append(s)
                continue
            keep = plan[tape]
            if not keep:
                continue
            if s.prim == "push":
                s = Eqn((), "push", (tape,) + tuple(s.args[1 + k] for k in keep), (), s.loc)
            elif s.prim == "pop":
                s = Eqn(tuple(s.outs[k] for k in keep), "pop", s.args, (), s.loc)
            out.append(s)
            continue
        out.append(_map_blocks(s, lambda sub: _prune_block(sub, plan)))
    return Block(b.params, tuple(out), b.results)


def _map_blocks(s, f):
    if isinstance(s, If):
        return If(s.outs, s.pred, f(s.then), f(s.orelse), s.loc)
    if isinstance(s, ForRange):
        return ForRange(s.outs, s.start, s.stop, s.step, s.inits, f(s.body), s.loc, s.reverse)
    if isinstance(s, While):
        return While(s.outs, s.inits, f(s.cond), f(s.body), s.loc)
    return s
