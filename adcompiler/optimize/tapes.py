"""Tape walks: an adjoint loop that reads a tape back as ``for v in reversed(tape)``.

The reverse transform makes a loop's adjoint run once per primal iteration
and pop, at the top of each adjoint iteration, what that iteration pushed.
When the tape is filled by one run of a top-level loop (one push, directly
in its body) and emptied by one run of a later top-level loop (its body
starts with the tape's only pop, its index unread), the adjoint loop's trip
count is the tape's length.  :func:`walk_tapes` proves that count equal to
the primal loop's and then makes the adjoint loop count ``tape_len(tape)``
instead: ``range(tape_len(t))`` with a ``pop`` per iteration is the same
computation, and a ``while`` loop's trip counter (carried only to bound its
adjoint) is no longer read, so dead-code elimination, which runs next,
removes it.

:func:`walked_loops` recognises the result; the emitter spells such a loop
``for v in reversed(tape)`` (no range iterator, no ``pop()`` call: about
15 % of a scalar loop's gradient).  Every other pass reads ``tape_len`` as
the plain primitive it is (``len`` of the list).
"""
from __future__ import annotations

from collections import Counter

from ..core.ir import (Block, Const, Eqn, ForRange, Function, Names, Var, While, stmt_inputs,
                      sub_blocks)


def walk_tapes(fn: Function) -> Function:
    """``fn`` with each provably walkable adjoint loop bounded by ``tape_len``."""
    tapes = {s.outs[0] for s in fn.body.stmts if isinstance(s, Eqn) and s.prim == "new_tape"}
    if not tapes:
        return fn
    ops = _tape_ops(fn.body)
    names = None
    pusher: dict = {}  # tape -> the top-level loop whose body pushes it
    out: list = []
    for s in fn.body.stmts:
        if isinstance(s, (ForRange, While)):
            tape = _walkable(s, tapes, ops, pusher)
            if tape is not None:
                names = names or Names.for_function(fn)
                n = names.fresh()
                out.append(Eqn((n,), "tape_len", (tape,), (), s.loc))
                s = ForRange(s.outs, Const(0), n, Const(1), s.inits, s.body, s.loc, s.reverse)
            for st in s.body.stmts:
                if isinstance(st, Eqn) and st.prim == "push" and st.args[0] in tapes:
                    pusher[st.args[0]] = s
        out.append(s)
    if names is None:
        return fn
    body = Block(fn.body.params, tuple(out), fn.body.results)
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _tape_ops(block: Block, ops: dict | None = None) -> dict:
    """``{tape: {"push": n, "pop": n, "tape_len": n}}`` over the whole block."""
    ops = {} if ops is None else ops
    for st in block.stmts:
        if type(st) is Eqn:
            if st.prim in _TAPE_OPS:
                counts = ops.setdefault(st.args[0], {"push": 0, "pop": 0, "tape_len": 0})
                counts[st.prim] += 1
        else:
            for sub in sub_blocks(st):
                _tape_ops(sub, ops)
    return ops


def reads_var(block: Block, v: Var) -> bool:
    """Does ``block`` (or a block in it) read ``v``?  The equations' reads
    are compared by name in one comprehension (``v in args`` called Var's
    Python ``__eq__`` for every other variable read: on a long adjoint loop
    body, which reads no index, that was most of the tape walk)."""
    name, var, eqn = v.name, Var, Eqn
    stmts = block.stmts
    if name in [a.name for s in stmts if type(s) is eqn for a in s.args if type(a) is var]:
        return True
    for s in stmts:
        if type(s) is not eqn and (v in stmt_inputs(s)
                                   or any(reads_var(b, v) for b in sub_blocks(s))):
            return True
    return v in block.results


def _walkable(loop, tapes: set, ops: dict, pusher: dict):
    """The tape ``loop`` empties, if ``loop`` may count its length instead."""
    if not isinstance(loop, ForRange) or not loop.body.stmts:
        return None
    pop = loop.body.stmts[0]
    if not (isinstance(pop, Eqn) and pop.prim == "pop"):
        return None
    tape = pop.args[0]
    if (tape not in tapes or tape not in pusher
            or ops.get(tape) != {"push": 1, "pop": 1, "tape_len": 0}
            or reads_var(loop.body, loop.body.params[0])):
        return None
    return tape if _same_trips(pusher[tape], loop) else None


def _same_trips(primal, adjoint: ForRange) -> bool:
    """Does ``adjoint`` run exactly as many times as ``primal``?  A ``for``
    adjoint of a ``for`` loop has its bounds; a ``while`` loop's adjoint runs
    ``range(0, trips, 1)`` over a carried counter that starts at 0 and goes
    up by 1 per iteration."""
    if isinstance(primal, ForRange):
        return (adjoint.start, adjoint.stop, adjoint.step) == (primal.start, primal.stop,
                                                               primal.step)
    if adjoint.start != Const(0) or adjoint.step != Const(1) or adjoint.stop not in primal.outs:
        return False
    k = primal.outs.index(adjoint.stop)
    if primal.inits[k] != Const(0):
        return False
    param, result = primal.body.params[k], primal.body.results[k]
    return any(isinstance(st, Eqn) and st.outs == (result,) and st.prim == "add"
               and set(st.args) == {param, Const(1)} for st in primal.body.stmts)


def walked_loops(block: Block) -> dict:
    """``{id(loop): pop}`` for the top-level loops of ``block`` that
    :func:`walk_tapes` bounded by their tape's length: each may be written
    ``for <pop's outputs> in reversed(tape)``."""
    lens = {s.outs[0]: s.args[0] for s in block.stmts
            if isinstance(s, Eqn) and s.prim == "tape_len"}
    out = {}
    for s in block.stmts:
        if not (isinstance(s, ForRange) and isinstance(s.stop, Var) and s.stop in lens
                and s.start == Const(0) and s.step == Const(1) and s.body.stmts):
            continue
        pop = s.body.stmts[0]
        if (isinstance(pop, Eqn) and pop.prim == "pop" and pop.args[0] == lens[s.stop]
                and not reads_var(s.body, s.body.params[0])):
            out[id(s)] = pop
    return out


def makes_tape(block: Block) -> bool:
    """Does ``block`` (or a block in it) create a tape?  (A loop, not a
    generator over :func:`walk`: optimize asks it every round.)"""
    for s in block.stmts:
        if type(s) is Eqn:
            if s.prim == "new_tape":
                return True
        elif any(makes_tape(b) for b in sub_blocks(s)):
            return True
    return False


def tape_census(fn: Function) -> tuple:
    """``(local, pops, counts)`` in one walk of ``fn`` (prune_tapes asks it
    after every optimize round): the tapes created in ``fn`` that never leave
    it (transform/forward.py's ``local_tapes``), the pop of each (the last
    met in :func:`walk`'s order) and how many times each variable is read
    (core/ir.py's ``uses``, by name).  A tape leaves when it is read other than as
    the tape of a ``push``, ``pop`` or ``tape_len`` (an argument, a block's
    result): when it has more reads than such uses."""
    census = _Census()
    census.visit(fn.body)
    counts, own = Counter(census.names), census.own
    local = {t for t in census.made if counts.get(t.name, 0) == own.get(t, 0)}
    return local, {t: pop for t, pop in census.pops.items() if t in local}, counts


class _Census:
    """The walk of :func:`tape_census` (a class, not a closure calling itself:
    that is a reference cycle, left to the cyclic collector).  The names read
    are gathered by one comprehension per block and counted by ``Counter``
    (both in C; a Var hashes in Python, its name in C)."""

    __slots__ = ("made", "own", "names", "pops")

    def __init__(self) -> None:
        self.made: list = []
        self.own: dict = {}  # tape -> reads of it as the tape of push/pop/tape_len
        self.names: list = []  # the name of every variable read, once per read
        self.pops: dict = {}

    def visit(self, b: Block) -> None:
        var, eqn, names = Var, Eqn, self.names
        stmts = b.stmts
        names += [a.name for s in stmts if type(s) is eqn for a in s.args if type(a) is var]
        for s in stmts:
            if type(s) is eqn:
                prim = s.prim
                if prim in _TAPE_OPS:
                    tape = s.args[0]
                    self.own[tape] = self.own.get(tape, 0) + 1
                    if prim == "pop":
                        self.pops[tape] = s
                elif prim == "new_tape":
                    self.made.append(s.outs[0])
                continue
            names += [a.name for a in stmt_inputs(s) if type(a) is var]
            for sub in sub_blocks(s):
                self.visit(sub)
        names += [a.name for a in b.results if type(a) is var]


_TAPE_OPS = ("push", "pop", "tape_len")
