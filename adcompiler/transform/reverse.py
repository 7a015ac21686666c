"""Reverse mode: the forward sweep, then adjoint statements in reverse order.

``bars`` maps each primal variable to the atom holding its adjoint so far
(absent: zero).  A use of ``x`` contributes ``partial * out_bar`` to
``x_bar``; several uses accumulate (the "total derivative" of the seeds).

Control flow (see docs/design.md, "The tape"):

* ``If``: the adjoint is an ``If`` on the same predicate.  Values a branch's
  adjoint needs from inside the primal branch leave it as extra outputs.
* loops: the adjoint loop runs the iterations backwards.  Each primal
  iteration pushes, on a list used as a stack, exactly the values of that
  iteration which the adjoint of the body reads; the adjoint iteration pops
  them.  Values bound outside the loop are never stored (SSA: they are never
  overwritten), a ``range`` index is recomputed, and a ``while`` loop counts
  its trips.  Memory is linear in the number of iterations, or bounded by
  ``K`` kept states for a checkpointed loop (checkpointing.py).
* calls of user functions: ``f_fwd`` returns the outputs and a residual tuple,
  ``f_bwd`` takes the residuals and output adjoints and returns the argument
  adjoints.  Recursion works because nothing is inlined.
"""
from __future__ import annotations

from ..core.ir import (Block, Builder, Const, Eqn, ForRange, Function, If, Loc, Names, Var, While,
                 bound_vars, derived, ordered_free_vars, substitute)
from ..errors import located_refusals
from ..prims.primitives import PRIMS
from ..prims.rules import partial_times
from .checkpointing import checkpointed, needs_state, snapshots_for
from .tape import counted, tape


# ---------------------------------------------------------------- activity
def activity(fn: Function, active_params) -> set:
    """Variables that depend differentiably on ``active_params``."""
    varied = set(active_params)
    _varied_block(fn.body, varied)
    return varied


def _varied_block(block: Block, varied: set) -> None:
    for s in block.stmts:
        if isinstance(s, Eqn):
            if s.prim == "call" or PRIMS[s.prim].differentiable:
                for a in s.args:  # (a loop, not any(): this runs for every equation)
                    if type(a) is Var and a in varied:
                        varied.update(s.outs)
                        break
        elif isinstance(s, If):
            _varied_block(s.then, varied)
            _varied_block(s.orelse, varied)
            for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
                if a in varied or b in varied:
                    varied.add(o)
        else:
            _varied_loop(s, varied)


def _varied_loop(s, varied: set) -> None:
    body = s.body
    carried = body.params[1:] if isinstance(s, ForRange) else body.params
    mirrors = [s.cond.params] if isinstance(s, While) else []
    for k, p in enumerate(carried):  # (what the first round would find: often no second)
        if s.inits[k] in varied:
            varied.add(p)
            for m in mirrors:
                varied.add(m[k])
    while True:
        _varied_block(body, varied)
        changed = False
        for k, p in enumerate(carried):
            if p not in varied and (s.inits[k] in varied or body.results[k] in varied):
                varied.add(p)
                for m in mirrors:
                    varied.add(m[k])
                changed = True
        if not changed:
            break
    for k, p in enumerate(carried):
        if p in varied:
            varied.add(s.outs[k])


# ---------------------------------------------------------------- transform
def zero_like(v) -> Const:
    return Const(0.0)


class Reverser:
    """Builds forward sweep and adjoint sweep of one function."""

    def __init__(self, names: Names, varied: set, shapes: dict | None = None) -> None:
        self.names = names
        self.varied = varied
        self.shapes = shapes  # None: every value is a scalar (see shapes.py)
        self.loop_depth = 0  # loops around the statement being transformed
        self.tapes: list = []  # new_tape equations for the function's top
        self.fwd_calls: set = set()  # callees needing an _fwd/_bwd pair
        # adjoints that are an exact zero standing for "no adjoint" on some
        # path (a branch that does not use the value); see :meth:`guarded`
        self.maybe_zero: set = set()
        self.top_loops: set = set()  # ids of the loops that may be checkpointed
        self.filename = ""
        self.bar_hints: dict = {}  # a value's hint -> its adjoint's (_bar_hint)

    def shape(self, a):
        if self.shapes is None or isinstance(a, Const):
            return ()
        return self.shapes.get(a)

    def zero(self, v, b: Builder):
        """The zero adjoint of ``v``: ``0.0``, or an array of zeros like ``v``."""
        if self.shape(v) == ():
            return zero_like(v)
        return b.eqn("zeros_like", v, as_float=True, hint=_bar_hint(v))

    def contribution(self, b: Builder, e: Eqn, i: int, g):
        """Argument ``i``'s share of the output adjoint ``g``, of its shape."""
        record = PRIMS[e.prim]
        if record.vjp is not None:
            return record.vjp(b, e, i, g, self.shape)
        start = len(b.stmts)
        # (partial_times, its record already read: this runs for every use of a value)
        rule = record.partial if record.differentiable else None
        c = rule(b, e, i, g) if rule is not None else partial_times(b, e, i, g)
        if c is None or self.shapes is None or \
                self.shape(e.args[i]) == () and self.shape(e.out) == ():  # scalars
            return self.guarded(b, g, c, start)
        a = e.args[i]
        return b.eqn("unbroadcast", c, a)

    def guarded(self, b: Builder, g, c, start: int):
        """``c = partial * g`` where the partial can be infinite (``sqrt'(0)``)
        and ``g`` may be a zero standing for "no adjoint" (a branch that did
        not use the value): such a ``g`` contributes exactly nothing, never
        ``0 * inf = nan``.  The result may then be such a zero too."""
        if c is None or g not in self.maybe_zero:
            return c
        if any(isinstance(s, Eqn) and s.param("ieee") for s in b.stmts[start:]):
            c = b.eqn("select", g, c, Const(0.0))
        if isinstance(c, Var):
            self.maybe_zero.add(c)
        return c

    def index_bar(self, e: Eqn, bars: dict, g, ab: Builder) -> None:
        """``x[idx]``: add ``g`` into ``x_bar`` at ``idx`` (in place when the
        emitter can), never building a whole zero array per use."""
        from ..prims.indexing import index_may_repeat
        x = e.args[0]
        old = bars.get(x)
        # the first operand only gives the shape: in a loop, the adjoint so far
        # has it too, and reading it instead keeps x off the loop's tape (a
        # buffer written row by row would otherwise be stored whole at every
        # iteration)
        like = old if (self.loop_depth and isinstance(old, Var)
                       and _same_shape(self.shape(old), self.shape(x))) else x
        bars[x] = ab.eqn("index_add", like, Const(0.0) if old is None else old, g, *e.args[1:],
                         spec=e.param("spec"), repeats=index_may_repeat(e, self.shape),
                         hint=_bar_hint(x))

    def active(self, a) -> bool:
        return isinstance(a, Var) and a in self.varied

    def add_bar(self, bars: dict, v, contrib, b: Builder) -> None:
        """``v_bar += contrib``, naming the result after ``v``."""
        if self.active(v):
            self.add_active_bar(bars, v, contrib, b)

    def add_active_bar(self, bars: dict, v: Var, contrib, b: Builder) -> None:
        """:meth:`add_bar` of a ``v`` known to be active (an equation's
        arguments were just asked)."""
        if contrib is None:
            return
        hint = self.bar_hints.get(v.hint)
        if hint is None:  # (one per user name: this runs for every use of a value)
            hint = self.bar_hints[v.hint] = _bar_hint(v)
        old = bars.get(v)
        if old is None:
            bars[v] = b.named(contrib, hint)
        else:
            bars[v] = b.eqn("add", old, contrib, hint=hint)
        if contrib in self.maybe_zero and (old is None or old in self.maybe_zero):
            self.maybe_zero.add(bars[v])

    def block(self, block: Block, bars: dict, ab: Builder) -> list:
        """Transform ``block``: returns its new primal statements and appends
        the adjoint statements (in reverse order) to ``ab``."""
        primal: list = []
        last = made = None  # the statements of one source line share a Loc: one adjoint Loc
        for s in reversed(block.stmts):
            if s.loc is not last or ab.loc is not made:
                last, loc = s.loc, s.loc
                made = ab.loc = Loc(loc.line, loc.col, loc.text, "adjoint")
            primal.append(self.stmt(s, bars, ab))
        out: list = []
        for part in reversed(primal):
            out.extend(part)
        return out

    def stmt(self, s, bars: dict, ab: Builder) -> list:
        if isinstance(s, Eqn):
            return self.eqn(s, bars, ab)
        if isinstance(s, If):
            return self.if_(s, bars, ab)
        return self.loop(s, bars, ab)

    # ------------------------------------------------------------ equations
    def eqn(self, e: Eqn, bars: dict, ab: Builder) -> list:
        if e.prim == "call":
            return self.call(e, bars, ab)
        g = bars.get(e.outs[0]) if len(e.outs) == 1 else None
        if g is None:
            return [e]
        if e.prim == "index" and self.active(e.args[0]):
            self.index_bar(e, bars, g, ab)
            return [e]
        if e.prim in ("add", "mul") and e.args[0] == e.args[1] and self.active(e.args[0]):
            self.add_bar(bars, e.args[0], _doubled(self, ab, e, g), ab)  # x + x, x * x
            return [e]
        args = list(enumerate(e.args))
        if e.prim == "setitem":  # read g at the written part before zeroing it there,
            args.reverse()  # so that the zeroing may write into g (emit/emitter.py)
        varied = self.varied
        for i, a in args:
            if type(a) is Var and a in varied:  # (self.active, inline: every argument)
                self.add_active_bar(bars, a, self.contribution(ab, e, i, g), ab)
        return [e]

    def call(self, e: Eqn, bars: dict, ab: Builder) -> list:
        fn = e.param("fn")
        gs = [bars.get(o) for o in e.outs]
        if not any(self.active(a) for a in e.args) or all(g is None for g in gs):
            return [e]
        self.fwd_calls.add(fn)
        res = self.names.fresh(derived(fn, "_res"))
        fwd = Eqn(e.outs + (res,), "call", e.args, (("fn", fn + "_fwd"),), e.loc)
        seeds = [g if g is not None else self.zero(o, ab) for g, o in zip(gs, e.outs)]
        arg_bars = ab.eqn("call", res, *seeds, nouts=len(e.args), fn=fn + "_bwd")
        arg_bars = arg_bars if isinstance(arg_bars, tuple) else (arg_bars,)
        for a, c in zip(e.args, arg_bars):
            self.add_bar(bars, a, c, ab)
        return [fwd]

    # ------------------------------------------------------------ branches
    def if_(self, s: If, bars: dict, ab: Builder) -> list:
        seeds = [(k, bars.get(o)) for k, o in enumerate(s.outs) if bars.get(o) is not None]
        if not seeds:
            return [s]
        branches = []
        for blk in (s.then, s.orelse):
            local = dict(bars)
            cb = ab.child()
            for k, g in seeds:
                self.add_bar(local, blk.results[k], g, cb)
            stmts = self.block(blk, local, cb)
            branches.append((blk, local, cb, stmts))
        inside = bound_vars(s.then) | bound_vars(s.orelse)
        touched: dict = {}
        for _, local, _, _ in branches:
            for v, bar in local.items():
                if v not in inside and bar is not bars.get(v):
                    touched.setdefault(v)
        touched = list(touched)
        adj_blocks = [cb.block(tuple(local.get(v) or self.zero(v, cb) for v in touched))
                      for _, local, cb, _ in branches]
        # values the adjoint branches read from inside the primal branches leave as outputs
        exports = []
        for (_, _, _, stmts), adj in zip(branches, adj_blocks):
            mine = bound_vars(Block((), tuple(stmts), ()))
            exports.append([v for v in ordered_free_vars(adj) if v in mine])
        new_outs = []
        mapping = {}
        for blk, mine in zip((s.then, s.orelse), exports):
            for v in mine:
                if v in blk.results:  # already leaves the branch as an output
                    mapping[v] = s.outs[blk.results.index(v)]
        for v in exports[0] + exports[1]:
            if v not in mapping:
                mapping[v] = self.names.fresh(v.hint)
                new_outs.append(v)
        exported = tuple(mapping[v] for v in new_outs)

        def results(blk, own):
            return blk.results + tuple(v if v in own else Const(None) for v in new_outs)

        then_primal = Block((), tuple(branches[0][3]), results(s.then, set(exports[0])))
        else_primal = Block((), tuple(branches[1][3]), results(s.orelse, set(exports[1])))
        primal = If(s.outs + exported, s.pred, then_primal, else_primal, s.loc)
        outs = tuple(self.names.fresh(_bar_hint(v)) for v in touched)
        ab.emit(If(outs, s.pred, substitute(adj_blocks[0], mapping),
                   substitute(adj_blocks[1], mapping), ab.loc))
        for v, o in zip(touched, outs):
            bars[v] = o
            if any(local.get(v) is None or local[v] in self.maybe_zero
                   for _, local, _, _ in branches):
                self.maybe_zero.add(o)
        return [primal]

    # ------------------------------------------------------------ loops
    def loop(self, s, bars: dict, ab: Builder) -> list:
        if not any(bars.get(o) is not None for o in s.outs):
            return [s]
        is_for = isinstance(s, ForRange)
        body = s.body
        if not is_for:  # count the trips so the adjoint can run them back
            s, body = counted(self.names, s)
        idx = body.params[0] if is_for else None
        carried = body.params[1:] if is_for else body.params
        slots = [k for k, p in enumerate(carried) if p in self.varied]
        outer = [v for v in ordered_free_vars(body) if v in self.varied]

        slot_params = [self.names.fresh(_bar_hint(carried[k])) for k in slots]
        outer_params = [self.names.fresh(_bar_hint(v)) for v in outer]
        for p, init in zip(slot_params + outer_params,
                           [bars.get(s.outs[k]) for k in slots] + [bars.get(v) for v in outer]):
            if init is None or init in self.maybe_zero:  # starts as "no adjoint"
                self.maybe_zero.add(p)
        ntapes = len(self.tapes)
        self.loop_depth += 1
        while True:  # an adjoint the body hands back as "none" may be one next time
            cb = ab.child()
            local = dict(zip(outer, outer_params))
            for k, sp in zip(slots, slot_params):
                self.add_bar(local, body.results[k], sp, cb)
            primal_stmts = self.block(body, local, cb)
            ends = [local.get(carried[k]) for k in slots] + [local.get(v) for v in outer]
            late = [p for p, r in zip(slot_params + outer_params, ends)
                    if (r is None or r in self.maybe_zero) and p not in self.maybe_zero]
            if not late:
                break
            self.maybe_zero.update(late)
            del self.tapes[ntapes:]  # built again with the body
        self.loop_depth -= 1
        kept = [(v, p) for v, p in zip(outer, outer_params) if local.get(v) is not p]
        results = tuple(local.get(carried[k]) or self.zero(s.outs[k], cb) for k in slots) + \
            tuple(local[v] for v, _ in kept)
        aidx = self.names.fresh(idx.hint if idx is not None else "")
        params = (aidx,) + tuple(slot_params) + tuple(p for _, p in kept)
        adj_body = cb.block(results, params)
        before: list = []
        snapshots = snapshots_for(s, id(s) in self.top_loops, self.filename)
        if idx is not None and snapshots is not None:  # (else tape renames idx)
            adj_body = substitute(adj_body, {idx: aidx})
        if snapshots is not None and needs_state(body, primal_stmts, adj_body):
            before, new_body, adj_body = checkpointed(self.names, s, primal_stmts, adj_body,
                                                      aidx, snapshots)
        else:
            primal_stmts, adj_body = tape(self.names, self.tapes, body, primal_stmts,
                                          adj_body, idx, aidx, renamed=snapshots is not None)
            new_body = Block(body.params, tuple(primal_stmts), body.results)
        inits = tuple(bars.get(s.outs[k]) or self.zero(s.outs[k], ab) for k in slots) + \
            tuple(bars.get(v) or self.zero(v, ab) for v, _ in kept)
        outs = tuple(self.names.fresh(_bar_hint(carried[k])) for k in slots) + \
            tuple(self.names.fresh(_bar_hint(v)) for v, _ in kept)
        if is_for:
            primal = ForRange(s.outs, s.start, s.stop, s.step, s.inits, new_body, s.loc)
            ab.emit(ForRange(outs, s.start, s.stop, s.step, inits, adj_body, ab.loc, reverse=True))
        else:
            primal = While(s.outs, s.inits, s.cond, new_body, s.loc)
            ab.emit(ForRange(outs, Const(0), s.outs[-1], Const(1), inits, adj_body, ab.loc))
        for (v, _), o in zip(kept, outs[len(slots):]):
            bars[v] = o
        for k, o in zip(slots, outs):
            self.add_bar(bars, s.inits[k], o, ab)
        return before + [primal]


def _doubled(rev, b: Builder, e: Eqn, g):
    """``x + x`` and ``x * x`` give ``x`` two equal shares: ``2.0 * share``,
    exactly their sum (doubling a float is exact; an active value and its
    adjoint are floats), so that ``x_bar`` is not written ``x_bar += t``
    twice."""
    c = rev.contribution(b, e, 0, g)
    if c is None:
        return None
    total = b.eqn("mul", Const(2.0), c)  # 2.0 * x: CPython's fast float product
    if c in rev.maybe_zero:
        rev.maybe_zero.add(total)
    return total


def _bar_hint(v: Var) -> str:
    return derived(v.hint, "_bar") if v.hint else ""


# ---------------------------------------------------------------- drivers
@located_refusals
def reverse_function(fn: Function, wrt: tuple, with_value: bool = False,
                     shapes: dict | None = None, seeded: bool = False, aux: int = 0) -> tuple:
    """The fused gradient function of an entry point and the set of callees it
    needs as fwd/bwd pairs (``shapes``: see shapes.py).  The callees it calls
    as they are are read off the optimised result (compiler.primal_callees).
    ``seeded``: a vector-Jacobian product instead: one cotangent parameter per
    output (after the primal parameters, no defaults) seeds the sweep, and
    the function returns the outputs, then the cotangents of ``wrt``.
    ``aux``: how many trailing outputs are auxiliary (``has_aux``): returned
    last, as they are, never differentiated."""
    names = Names.for_function(fn)
    varied = activity(fn, [fn.params[i] for i in wrt])
    rev = Reverser(names, varied, shapes)
    rev.top_loops = {id(s) for s in fn.body.stmts if isinstance(s, ForRange)}
    rev.filename = fn.filename
    outs = fn.body.results[:len(fn.body.results) - aux]
    if len(outs) != 1 and not seeded:
        raise ValueError("gradients need a function with one output")
    seeds = tuple(names.fresh(_bar_hint(o) if isinstance(o, Var) and o.hint else "~out_bar")
                  for o in outs) if seeded else (Const(1.0),)
    bars: dict = {}
    ab = Builder(names)
    for o, g in zip(outs, seeds):
        rev.add_bar(bars, o, g, ab)
    primal = rev.block(fn.body, bars, ab)
    grads = tuple(bars.get(fn.params[i]) or rev.zero(fn.params[i], ab) for i in wrt)
    results = (outs if with_value or seeded else ()) + grads + fn.body.results[len(outs):]
    body = Block((), tuple(rev.tapes) + tuple(primal) + tuple(ab.stmts), results)
    params, defaults = (fn.params + seeds, ()) if seeded else (fn.params, fn.defaults)
    grad = Function(fn.name, params, body, defaults, fn.filename, fn.source_line)
    return grad, rev.fwd_calls


@located_refusals
def reverse_callee(fn: Function, shapes: dict | None = None) -> tuple:
    """``fn_fwd(*args) -> (*outs, res)`` and ``fn_bwd(res, *out_bars) -> arg_bars``."""
    names = Names.for_function(fn)
    varied = activity(fn, fn.params)
    rev = Reverser(names, varied, shapes)
    rev.top_loops = {id(s) for s in fn.body.stmts if isinstance(s, ForRange)}
    rev.filename = fn.filename
    bars: dict = {}
    ab = Builder(names)
    seeds = tuple(names.fresh(_bar_hint(o) if isinstance(o, Var) and o.hint else "~out_bar")
                  for o in fn.body.results)
    for o, g in zip(fn.body.results, seeds):
        rev.add_bar(bars, o, g, ab)
    primal = rev.block(fn.body, bars, ab)
    arg_bars = tuple(bars.get(p) or rev.zero(p, ab) for p in fn.params)
    adj = Block((), tuple(ab.stmts), arg_bars)
    top = bound_vars(Block(fn.params, tuple(rev.tapes) + tuple(primal), ()))
    residuals = [v for v in ordered_free_vars(adj) if v in top]
    fb = Builder(names)
    res_param = names.fresh(derived(fn.name, "_res"))
    bb = Builder(names)
    if not residuals:
        res = Const(None)
        mapping = {}
    elif len(residuals) == 1:
        res = residuals[0]
        mapping = {residuals[0]: res_param}
    else:
        res = fb.eqn("pack", *residuals, hint=derived(fn.name, "_res"))
        unpacked = bb.eqn("unpack", res_param, nouts=len(residuals))
        mapping = dict(zip(residuals, unpacked))
        bb.stmts[-1] = Eqn(tuple(Var(u.name, r.hint) for u, r in zip(unpacked, residuals)),
                           "unpack", (res_param,))
        mapping = dict(zip(residuals, bb.stmts[-1].outs))
    fwd_body = Block((), tuple(rev.tapes) + tuple(primal) + tuple(fb.stmts),
                     fn.body.results + (res,))
    adj = substitute(adj, mapping)
    bwd_body = Block((), tuple(bb.stmts) + adj.stmts, adj.results)
    fwd = Function(fn.name + "_fwd", fn.params, fwd_body, (), fn.filename, fn.source_line)
    bwd = Function(fn.name + "_bwd", (res_param,) + seeds, bwd_body, (), fn.filename,
                   fn.source_line)
    return fwd, bwd, rev.fwd_calls


def _same_shape(a, b) -> bool:
    """Shapes of an adjoint and its primal value: every share of an adjoint
    is summed back to the value's shape, so they agree unless a known
    dimension says otherwise (then the value's own shape is read)."""
    if a is None:  # an adjoint made by this transform: its shape is not inferred yet
        return True
    return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
            and all(x is None or y is None or x == y for x, y in zip(a, b)))
