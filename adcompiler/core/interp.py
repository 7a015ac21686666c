"""An interpreter of the IR on Python numbers that records what it does.

Every executed Wengert entry becomes a :class:`Step`: its value, the steps it
read, and where it ran (which loop iteration, which branch, which call).
Loops are run, not unrolled in the IR, so each iteration's entries appear
with the iteration they belong to.  The steps form the dynamic evaluation
trace (the "tape" of the seeds) that the tangent and adjoint sweeps of
:mod:`adcompiler.views.evaltrace` walk.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import AdcError
from .ir import Const, Eqn, ForRange, Function, If, While
from ..prims.primitives import PRIMS, evaluate
from ..views.textstyle import Notation
from .wengert_list import Entry, WengertList


class EvaluationError(AdcError):
    """The function failed on the given inputs (a math domain error...)."""


@dataclass(frozen=True)
class Context:
    """Where a step ran: one loop iteration, one branch, or one call."""

    kind: str  # loop | branch | call
    stmt: object
    wengert: WengertList
    number: int  # iteration number (loops), 1/0 taken branch, call serial
    detail: object = None  # index value (for), predicate value (if), args (call)


@dataclass
class Step:
    """One executed entry: ``deps`` are ``(argument position, step id)``
    pairs of the steps it read; ``copy`` steps pass a value on unchanged
    (φ entries, branch merges, call arguments and results)."""

    id: int
    wengert: WengertList
    entry: Entry
    value: object
    deps: tuple
    context: tuple
    copy: bool = False


def eval_eqn(eqn: Eqn, values: list):
    """The value of one primitive application on Python values."""
    prim, params = eqn.prim, dict(eqn.params)
    if prim == "pack":
        return tuple(values)
    if prim == "unpack":
        return tuple(values[0])
    if prim == "new_tape":
        return []
    if prim == "push":
        values[0].append(tuple(values[1:]))
        return None
    if prim == "check":
        assert values[0], eqn.param("msg")
        return None
    if prim == "pop":
        item = values[0].pop()
        return item if len(eqn.outs) > 1 else item[0]
    if PRIMS[prim].impl_params:  # an array primitive: NumPy values, params as keywords
        return PRIMS[prim].impl(*values, **params)
    return evaluate(prim, tuple(values), params)


class Interpreter:
    """Runs IR functions (``functions``: key -> Function) and records steps."""

    def __init__(self, functions: dict, wengerts: dict, max_steps: int = 200_000) -> None:
        self.functions = functions
        self.wengerts = wengerts
        self.max_steps = max_steps
        self.steps: list = []
        self.calls = 0

    def run(self, key: str, args: list) -> list:
        """Run function ``key`` on argument values; returns ``[(value, step id)]``."""
        return self.call(key, [(v, None) for v in args], ())

    # ------------------------------------------------------------ recording
    def record(self, w: WengertList, var, value, deps, ctx, copy=False) -> tuple:
        if len(self.steps) >= self.max_steps:
            raise EvaluationError(f"the trace is longer than {self.max_steps} steps; "
                                  "trace a smaller input")
        step = Step(len(self.steps), w, w.by_var[var], value, tuple(deps), ctx, copy)
        self.steps.append(step)
        return value, step.id

    def copy(self, w, var, source: tuple, ctx) -> tuple:
        value, sid = source
        return self.record(w, var, value, () if sid is None else ((0, sid),), ctx, True)

    # ------------------------------------------------------------ execution
    def call(self, key: str, args: list, ctx: tuple) -> list:
        fn: Function = self.functions[key]
        w = self.wengerts[key]
        env: dict = {}
        for p, arg in zip(fn.params, args):
            env[p] = self.copy(w, p, arg, ctx)
        self.block(fn.body, env, w, ctx)
        return [read(env, r) for r in fn.body.results]

    def block(self, block, env: dict, w, ctx: tuple) -> None:
        for s in block.stmts:
            if isinstance(s, Eqn):
                self.eqn(s, env, w, ctx)
            elif isinstance(s, If):
                self.if_(s, env, w, ctx)
            elif isinstance(s, ForRange):
                self.for_(s, env, w, ctx)
            else:
                self.while_(s, env, w, ctx)

    def eqn(self, s: Eqn, env: dict, w, ctx: tuple) -> None:
        reads = [read(env, a) for a in s.args]
        if s.prim == "call":
            self.calls += 1
            inner = ctx + (Context("call", s, w, self.calls, tuple(v for v, _ in reads)),)
            results = self.call(s.param("fn"), reads, inner)
            for o, r in zip(s.outs, results):
                env[o] = self.copy(w, o, r, ctx)
            return
        try:
            value = eval_eqn(s, [v for v, _ in reads])
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise EvaluationError(f"line {s.loc.line}: {w.entry_text(w.by_var[s.outs[0]], _ASCII)}"
                                  f" failed on {[v for v, _ in reads]}: {exc}") from None
        deps = [(i, sid) for i, (_, sid) in enumerate(reads) if sid is not None]
        if len(s.outs) == 1:
            env[s.outs[0]] = self.record(w, s.outs[0], value, deps, ctx)
        else:
            for o, v in zip(s.outs, value or ()):
                env[o] = self.record(w, o, v, deps, ctx)

    def if_(self, s: If, env: dict, w, ctx: tuple) -> None:
        pred = read(env, s.pred)[0]
        branch = s.then if pred else s.orelse
        inner = ctx + (Context("branch", s, w, 1 if pred else 0, pred),)
        self.block(branch, env, w, inner)
        for o, r in zip(s.outs, branch.results):
            env[o] = self.copy(w, o, read(env, r), ctx)

    def for_(self, s: ForRange, env: dict, w, ctx: tuple) -> None:
        start, stop, step = (read(env, a)[0] for a in (s.start, s.stop, s.step))
        indices = range(start, stop, step)
        carried = [read(env, a) for a in s.inits]
        idx, params = s.body.params[0], s.body.params[1:]
        for k, i in enumerate(reversed(indices) if s.reverse else indices):
            inner = ctx + (Context("loop", s, w, k, i),)
            env[idx] = self.record(w, idx, i, (), inner)
            for p, c in zip(params, carried):
                env[p] = self.copy(w, p, c, inner)
            self.block(s.body, env, w, inner)
            carried = [read(env, r) for r in s.body.results]
        for o, c in zip(s.outs, carried):
            env[o] = self.copy(w, o, c, ctx)

    def while_(self, s: While, env: dict, w, ctx: tuple) -> None:
        carried = [read(env, a) for a in s.inits]
        k = 0
        while True:
            inner = ctx + (Context("loop", s, w, k),)
            for p, c in zip(s.cond.params, carried):
                env[p] = self.copy(w, p, c, inner)
            self.block(s.cond, env, w, inner)
            if not read(env, s.cond.results[0])[0]:
                break
            for p, c in zip(s.body.params, s.cond.params):
                env[p] = self.copy(w, p, env[c], inner)
            self.block(s.body, env, w, inner)
            carried = [read(env, r) for r in s.body.results]
            k += 1
        for o, c in zip(s.outs, carried):
            env[o] = self.copy(w, o, c, ctx)


def read(env: dict, atom) -> tuple:
    """(value, step id or None) of an atom."""
    if isinstance(atom, Const):
        return atom.value, None
    return env[atom]


_ASCII = Notation(unicode=False)  # error messages are plain text
