"""Forward mode: tangent statements beside the primal ones, over the whole IR.

``dots`` maps each primal variable to the atom holding its tangent (absent:
zero).  An elementwise equation ``out = p(x0, x1, ...)`` is followed by
``out_dot = sum_i partial_i * xi_dot``, each term built by the one rule table
(:func:`adcompiler.prims.rules.partial_times`, seeded with ``xi_dot``).

* ``If``: the tangents of its outputs become extra outputs;
* loops: the tangents of carried values become extra carried values;
* calls of user functions become calls of ``f_jvp`` (one per callee and set
  of active parameters), which returns the outputs and their tangents, so
  recursion works;
* the tape operations that reverse mode emits: ``push`` also pushes the
  tangents of the pushed values and ``pop`` pops them back, and the tangent of
  a ``pack`` is the ``pack`` of the tangents.  Applying this transform to the
  output of :mod:`adcompiler.transform.reverse` is forward-over-reverse (Hessian-vector
  products), to its own output forward-over-forward (higher derivatives).

A tape created in the function and only pushed and popped there carries
tangents only for the slots whose values vary; a tape that leaves the
function (a residual of ``f_fwd`` popped in ``f_bwd``) carries a tangent for
every slot.  Every call of a function that touches a tape or returns a
residual is transformed, even when no argument varies (see
:func:`must_transform`), so pushes and pops always agree and a residual's
tangent always has the residual's structure.
"""
from __future__ import annotations

from ..core.ir import (Block, Builder, Const, Eqn, ForRange, Function, If, Names, Var, While,
                 derived, stmt_inputs, sub_blocks, substitute, walk)
from ..prims.shapecalc import ShapeNeeded
from ..errors import AdcError, located_refusals
from ..prims.primitives import PRIMS
from ..prims.rules import RULES, partial_times
from . import adjoint_tangents
from .custom import tangent, with_stubs
from .jvp_names import jvp_name

ZERO = Const(0.0)
_TAPE_OPS = ("new_tape", "push", "pop")


def dot_hint(v) -> str:
    return derived(v.hint, "_dot") if isinstance(v, Var) and v.hint else ""


# ---------------------------------------------------------------- activity
class Activity:
    """Which variables vary with the active parameters, and which tape slots
    carry tangents (fixpoint over loops and over the whole function)."""

    def __init__(self, fn: Function, active: list, must) -> None:
        self.must = must
        self.local = local_tapes(fn)
        self.slots: dict = {t: set() for t in self.local}
        self.varied = set(active)
        while True:
            before = (len(self.varied), sum(len(s) for s in self.slots.values()))
            self.block(fn.body)
            if before == (len(self.varied), sum(len(s) for s in self.slots.values())):
                break

    def eqn_varies(self, e: Eqn) -> bool:
        if e.prim == "call":
            return self.must(e.param("fn")) or any(a in self.varied for a in e.args)
        if e.prim == "pack":
            return True  # a residual: its tangent must have its structure
        if e.prim == "pop":
            return True  # handled per slot in :meth:`eqn`
        if e.prim in adjoint_tangents.LINEAR_IN:
            return adjoint_tangents.varies(e, self.varied)
        return PRIMS[e.prim].differentiable and any(a in self.varied for a in e.args)

    def block(self, block: Block) -> None:
        for s in block.stmts:
            if isinstance(s, Eqn):
                self.eqn(s)
            elif isinstance(s, If):
                self.block(s.then)
                self.block(s.orelse)
                for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
                    if a in self.varied or b in self.varied:
                        self.varied.add(o)
            else:
                self.loop(s)

    def eqn(self, e: Eqn) -> None:
        if e.prim == "push" and e.args[0] in self.local:
            self.slots[e.args[0]].update(k for k, a in enumerate(e.args[1:]) if a in self.varied)
        elif e.prim == "pop":
            tape = e.args[0]
            keep = self.slots[tape] if tape in self.local else range(len(e.outs))
            self.varied.update(e.outs[k] for k in keep)
        elif self.eqn_varies(e):
            self.varied.update(e.outs)

    def loop(self, s) -> None:
        carried = s.body.params[1:] if isinstance(s, ForRange) else s.body.params
        while True:
            self.block(s.body)
            changed = False
            for k, p in enumerate(carried):
                if p not in self.varied and (s.inits[k] in self.varied
                                             or s.body.results[k] in self.varied):
                    self.varied.add(p)
                    if isinstance(s, While):
                        self.varied.add(s.cond.params[k])
                    changed = True
            if not changed:
                break
        for k, p in enumerate(carried):
            if p in self.varied:
                self.varied.add(s.outs[k])


def local_tapes(fn: Function) -> set:
    """Tapes created in ``fn`` that never leave it (only pushed and popped)."""
    made = {s.outs[0] for s in walk(fn.body) if isinstance(s, Eqn) and s.prim == "new_tape"}
    escaped = {a for a in fn.body.results if isinstance(a, Var)}
    for s in walk(fn.body):
        reads = stmt_inputs(s)
        if isinstance(s, Eqn) and s.prim in ("push", "pop", "tape_len"):
            reads = reads[1:]
        escaped.update(a for a in reads if isinstance(a, Var))
        for sub in sub_blocks(s):
            escaped.update(a for a in sub.results if isinstance(a, Var))
    return made - escaped


# ---------------------------------------------------------------- transform
class Tangent:
    """Builds the primal and tangent statements of one function."""

    def __init__(self, names: Names, act: Activity, callee_name, shape=None) -> None:
        self.names = names
        self.shape = shape or (lambda a: None)  # primal shapes (array code), else unknown
        self.act = act
        self.varied = act.varied
        self.callee_name = callee_name  # (fn, mask) -> name of its jvp function
        self.calls: set = set()  # (fn, mask) pairs this function needs
        # tangents that are an exact zero standing for "no tangent" on some
        # path (a branch or a first iteration without one); see :meth:`term`
        self.maybe_zero: set = set()

    def dot(self, dots: dict, a):
        return dots.get(a, ZERO) if isinstance(a, Var) else ZERO

    def array_dot(self, b: Builder, dots: dict, a):  # carried or merged: zeros for an array
        return adjoint_tangents.zero_tangent(b, a, self.dot(dots, a), self.shape)

    def block(self, block: Block, dots: dict, b: Builder) -> None:
        for s in block.stmts:
            b.loc = s.loc
            if isinstance(s, Eqn):
                self.eqn(s, dots, b)
            elif isinstance(s, If):
                self.if_(s, dots, b)
            else:
                self.loop(s, dots, b)

    # ------------------------------------------------------------ equations
    def eqn(self, e: Eqn, dots: dict, b: Builder) -> None:
        handler = {"call": self.call, "push": self.push, "pop": self.pop, "pack": self.pack,
                   "unpack": self.unpack, "getitem": self.getitem}.get(e.prim)
        if handler is not None:
            handler(e, dots, b)
            return
        b.emit(e)
        if len(e.outs) != 1 or e.out not in self.varied:
            return
        if PRIMS[e.prim].jvp is not None:
            self.array_eqn(e, dots, b)
            return
        if e.prim in adjoint_tangents.LINEAR_IN:  # array adjoint code (forward over reverse)
            return adjoint_tangents.set_tangent(b, e, dots, dot_hint(e.out))
        if e.prim not in RULES and PRIMS[e.prim].differentiable:
            raise AdcError(f"forward mode does not support the primitive {e.prim!r} yet; "
                           "use reverse mode (grad)")
        terms, absent = [], True
        for i, a in enumerate(e.args):
            if isinstance(a, Var) and a in dots:
                term = self.term(b, e, i, dots[a])
                if term is not None:
                    terms.append(term)
                    absent = absent and self.zero_maybe(dots[a])
        if not terms:
            return
        total = terms[0]
        for t in terms[1:]:
            total = b.eqn("add", total, t)
        total = adjoint_tangents.broadcast_up(b, e, dots, total, self.shape)
        dots[e.out] = b.named(total, dot_hint(e.out))
        if absent and isinstance(dots[e.out], Var):
            self.maybe_zero.add(dots[e.out])

    def zero_maybe(self, t) -> bool:
        return isinstance(t, Const) or t in self.maybe_zero

    def term(self, b: Builder, e: Eqn, i: int, t):
        """``partial_i * t``.  Where the partial can be infinite (``sqrt'(0)``)
        and ``t`` may be a zero that stands for "no tangent", the product is
        guarded: an absent tangent contributes exactly nothing, as in reverse
        mode, instead of ``0 * inf = nan``."""
        start = len(b.stmts)
        term = partial_times(b, e, i, t)
        if term is None or not self.zero_maybe(t) or isinstance(t, Const):
            return term
        if any(isinstance(s, Eqn) and s.param("ieee") for s in b.stmts[start:]):
            return b.eqn("select", t, term, ZERO)
        return term

    def array_eqn(self, e: Eqn, dots: dict, b: Builder) -> None:
        """A structural array primitive: its linear (jvp) rule from its
        record.  Forward mode needs no shapes for most of them; a rule that
        does raises a clear error."""
        tangents = [dots.get(a) if isinstance(a, Var) else None for a in e.args]
        if all(t is None for t in tangents):
            return
        try:
            out = PRIMS[e.prim].jvp(b, e, tangents, self.shape)
        except ShapeNeeded:
            err = AdcError(f"forward mode of {e.prim!r} needs array shapes it does not have "
                           "yet; use reverse mode (grad)")
            err.cli_message = str(err).replace("(grad)", "(--mode reverse)")
            raise err from None
        if out is not None:
            dots[e.out] = b.named(out, dot_hint(e.out))

    def call(self, e: Eqn, dots: dict, b: Builder) -> None:
        fn = e.param("fn")
        mask = tuple(isinstance(a, Var) and a in self.varied for a in e.args)
        if not any(mask) and not self.act.must(fn):
            b.emit(e)
            return
        self.calls.add((fn, mask))
        dot_outs = tuple(self.names.fresh(dot_hint(o)) for o in e.outs)
        arg_dots = tuple(self.dot(dots, a) for a, m in zip(e.args, mask) if m)
        b.emit(Eqn(e.outs + dot_outs, "call", e.args + arg_dots,
                   (("fn", self.callee_name(fn, mask)),), e.loc))
        dots.update(zip(e.outs, dot_outs))

    def tape_slots(self, tape, n: int) -> list:
        return sorted(self.act.slots[tape]) if tape in self.act.local else list(range(n))

    def push(self, e: Eqn, dots: dict, b: Builder) -> None:
        vals = e.args[1:]
        extra = tuple(self.dot(dots, vals[k]) for k in self.tape_slots(e.args[0], len(vals)))
        b.emit(Eqn((), "push", e.args + extra, e.params, e.loc))

    def pop(self, e: Eqn, dots: dict, b: Builder) -> None:
        slots = self.tape_slots(e.args[0], len(e.outs))
        extra = tuple(self.names.fresh(dot_hint(e.outs[k])) for k in slots)
        b.emit(Eqn(e.outs + extra, "pop", e.args, e.params, e.loc))
        dots.update((e.outs[k], x) for k, x in zip(slots, extra))

    def pack(self, e: Eqn, dots: dict, b: Builder) -> None:
        b.emit(e)
        if e.out in self.varied:
            dots[e.out] = b.eqn("pack", *(self.dot(dots, a) for a in e.args),
                                hint=dot_hint(e.out))

    def unpack(self, e: Eqn, dots: dict, b: Builder) -> None:
        b.emit(e)
        if e.args[0] in dots:
            outs = tuple(self.names.fresh(dot_hint(o)) for o in e.outs)
            b.emit(Eqn(outs, "unpack", (dots[e.args[0]],), e.params, e.loc))
            dots.update(zip(e.outs, outs))

    def getitem(self, e: Eqn, dots: dict, b: Builder) -> None:
        b.emit(e)
        if e.args[0] in dots:
            dots[e.out] = b.eqn("getitem", dots[e.args[0]], hint=dot_hint(e.out),
                                index=e.param("index"))

    # ------------------------------------------------------------ branches
    def if_(self, s: If, dots: dict, b: Builder) -> None:
        slots = [k for k, o in enumerate(s.outs) if o in self.varied]
        blocks = []
        for blk in (s.then, s.orelse):
            local = dict(dots)
            cb = b.child()
            self.block(blk, local, cb)
            extra = tuple(self.array_dot(cb, local, blk.results[k]) for k in slots)
            blocks.append(cb.block(blk.results + extra))
        outs = tuple(self.names.fresh(dot_hint(s.outs[k])) for k in slots)
        b.emit(If(s.outs + outs, s.pred, blocks[0], blocks[1], s.loc))
        dots.update((s.outs[k], o) for k, o in zip(slots, outs))
        for j, o in enumerate(outs):
            if any(self.zero_maybe(blk.results[len(s.outs) + j]) for blk in blocks):
                self.maybe_zero.add(o)

    # ------------------------------------------------------------ loops
    def loop(self, s, dots: dict, b: Builder) -> None:
        is_for = isinstance(s, ForRange)
        off = 1 if is_for else 0
        carried = s.body.params[off:]
        slots = [k for k, p in enumerate(carried) if p in self.varied]
        params = tuple(self.names.fresh(dot_hint(carried[k])) for k in slots)
        starts_zero = [self.zero_maybe(self.dot(dots, s.inits[k])) for k in slots]
        self.maybe_zero.update(p for p, z in zip(params, starts_zero) if z)
        while True:  # a carried tangent the body may hand back as "none" may be one
            local = dict(dots)
            local.update((carried[k], p) for k, p in zip(slots, params))
            cb = b.child()
            self.block(s.body, local, cb)
            extra = tuple(self.array_dot(cb, local, s.body.results[k]) for k in slots)
            late = [p for p, r in zip(params, extra)
                    if self.zero_maybe(r) and p not in self.maybe_zero]
            if not late:
                break
            self.maybe_zero.update(late)  # and transform the body again
        body = cb.block(s.body.results + extra, s.body.params + params)
        inits = s.inits + tuple(self.array_dot(b, dots, s.inits[k]) for k in slots)
        outs = tuple(self.names.fresh(dot_hint(s.outs[k])) for k in slots)
        if is_for:
            b.emit(ForRange(s.outs + outs, s.start, s.stop, s.step, inits, body, s.loc,
                            s.reverse))
        else:
            mirror = tuple(self.names.fresh(dot_hint(carried[k])) for k in slots)
            cond = Block(s.cond.params + mirror, s.cond.stmts, s.cond.results)
            b.emit(While(s.outs + outs, inits, cond, body, s.loc))
        dots.update((s.outs[k], o) for k, o in zip(slots, outs))
        self.maybe_zero.update(o for o, z, r in zip(outs, starts_zero, extra)
                               if z or self.zero_maybe(r))


# ---------------------------------------------------------------- drivers
@located_refusals
def _tangent_function(fn: Function, mask: tuple, name: str, must, callee_name,
                      shape=None) -> tuple:
    """``name(*params, *dots of the active params) -> (*outs, *out dots)`` and
    the set of (callee, mask) pairs it calls.  ``shape(var)``: the primal
    shapes of array code (the structural jvp rules that need them)."""
    names = Names.for_function(fn)
    active = [p for p, m in zip(fn.params, mask) if m]
    act = Activity(fn, active, must)
    dot_params = tuple(names.fresh(derived(p.hint or p.name, "_dot")) for p in active)
    dots = dict(zip(active, dot_params))
    t = Tangent(names, act, callee_name, shape)
    b = Builder(names)
    t.block(fn.body, dots, b)
    results = fn.body.results + tuple(t.dot(dots, r) for r in fn.body.results)
    defaults = fn.defaults + tuple((p.name, ZERO) for p in dot_params) if fn.defaults else ()
    out = Function(name, fn.params + dot_params, b.block(results), defaults, fn.filename,
                   fn.source_line)
    return out, t.calls


def must_transform(funcs: dict):
    """``must(name)``: calls of this function are transformed even when no
    argument varies, because it uses a tape (directly or through a call) or
    returns a residual tuple.  Pushes and pops of a tape then always agree,
    and the tangent of a residual always has the residual's structure (a
    residual without tangents would be stood for by a scalar zero)."""
    return _MustTransform(funcs)


class _MustTransform:
    """The ``must`` of :func:`must_transform`, memoised (a class: a closure
    calling itself is a reference cycle, and this one would hold the
    module's IR until the cyclic collector ran)."""

    __slots__ = ("funcs", "memo")

    def __init__(self, funcs: dict) -> None:
        self.funcs, self.memo = funcs, {}

    def __call__(self, name: str) -> bool:
        memo = self.memo
        if name not in memo:
            memo[name] = False  # recursion: assume no until shown otherwise
            fn = self.funcs.get(name)
            if fn is not None:
                memo[name] = any(isinstance(s, Eqn) and (s.prim in _TAPE_OPS or (
                    s.prim == "call" and self(s.param("fn")))) for s in walk(fn.body)) or \
                    _returns_residual(fn, self)
        return memo[name]


def _returns_residual(fn: Function, must) -> bool:
    defs: dict = {}
    for s in walk(fn.body):
        for o in s.outs:
            defs[o] = s
    return any(_residual(r, defs, must) for r in fn.body.results)


def _residual(a, defs: dict, must) -> bool:
    s = defs.get(a)
    if isinstance(s, Eqn):
        return s.prim == "pack" or (s.prim == "call" and must(s.param("fn")))
    if isinstance(s, If):
        k = s.outs.index(a)
        return _residual(s.then.results[k], defs, must) or \
            _residual(s.orelse.results[k], defs, must)
    return False


def jvp_module(funcs: dict, entry: str, mask: tuple, name: str, finish,
               custom: dict | None = None, shape=None) -> list:
    """The tangent version of ``entry`` (named ``name``) and of every function
    it needs, then the untransformed functions still called.  ``finish``
    post-processes each new function (optimisation).  ``custom``: the custom
    functions (key -> frontend.custom_rules.Custom), whose tangent functions
    their rules give (transform/custom.py); ``shape(var)`` gives the entry's
    primal shapes in array code (helpers are inlined there)."""
    must = must_transform(funcs)
    names: dict = {}
    custom = custom or {}
    known = with_stubs(funcs, custom)  # opaque custom functions have no IR of their own

    def callee_name(fn: str, m: tuple) -> str:
        if (fn, m) not in names:
            names[(fn, m)] = jvp_name(known, fn, m)
        return names[(fn, m)]

    def tangent_function(fn: Function, m: tuple, fname: str, must, callee_name,
                         shape=None) -> tuple:
        if fn.name in custom:  # from the user's rules
            return tangent(funcs, custom[fn.name], fn.name, m, fname), set()
        return _tangent_function(fn, m, fname, must, callee_name, shape)

    top, todo = tangent_function(known[entry], mask, name, must, callee_name, shape)
    out = [finish(top)]
    done: set = set()
    todo = sorted(todo)
    while todo:
        key = todo.pop(0)
        if key in done:
            continue
        done.add(key)
        fn, more = tangent_function(known[key[0]], key[1], callee_name(*key), must,
                                    callee_name)
        out.append(finish(fn))
        todo += sorted(more)
    return out + primal_closure(out, funcs)


def primal_closure(out: list, funcs: dict) -> list:
    """Untransformed functions that the functions in ``out`` still call."""
    have = {fn.name for fn in out}
    extra: list = []
    queue = list(out)
    while queue:
        fn = queue.pop(0)
        for s in walk(fn.body):
            if isinstance(s, Eqn) and s.prim == "call" and s.param("fn") not in have and \
                    s.param("fn") in funcs:  # not: an opaque custom function, emitted as written
                callee = funcs[s.param("fn")]
                have.add(callee.name)
                extra.append(callee)
                queue.append(callee)
    return extra


def seeded(fn: Function, nparams: int, with_value: bool, name: str) -> Function:
    """A tangent function of one active input with its tangent parameter fixed
    to 1.0: the derivative of every output with respect to that input."""
    body = fn.body
    if len(fn.params) > nparams:
        body = substitute(body, {fn.params[nparams]: Const(1.0)})
    nout = len(body.results) // 2
    results = body.results if with_value else body.results[nout:]
    primal = {p.name for p in fn.params[:nparams]}
    defaults = tuple(d for d in fn.defaults if d[0] in primal)
    return Function(name, fn.params[:nparams], Block((), body.stmts, results), defaults,
                    fn.filename, fn.source_line)
