"""In a loop body, what still reads a carried value's old version runs before
its new version is computed, so the new one can take the old one's name.

The forward code of ``s = sin(s) + 0.5 * s`` computes the new ``s`` and then
its tangent, ``s_dot *= cos(s) + 0.5``, which reads the *old* ``s``: the
emitter must keep both alive and writes ``s_1 = ...; ...; s = s_1``, a copy
per iteration (and a name a reader has to follow).  Moving the tangent's
statements above the new ``s`` gives what a person writes::

    s_dot *= math.cos(s) + 0.5
    s = math.sin(s) + 0.5 * s

A statement moves only when that is sure to change nothing but the order:
it is a pure equation (no tape, no check, no call of a helper), of the same
source line as the new value (so each line's comment still heads its own
statements), and it reads neither the new value nor anything computed after
it that stays there.  The body is reordered only when that leaves the old
value unread after its successor's definition: otherwise the copy stays and
so does the source order.
"""
from __future__ import annotations

from collections import Counter

from ..core.ir import (Block, Eqn, ForRange, Function, If, Var, While, free_vars, reads_in,
                       stmt_inputs)
from ..prims.primitives import PRIMS

_STAYS = frozenset({"call", "check"})  # a helper may have effects; a check must not move


def schedule_loops(fn: Function) -> Function:
    """``fn`` with each loop body ordered as above (nested blocks too)."""
    body = _block(fn.body)
    if body is fn.body:
        return fn
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _block(block: Block) -> Block:
    """``block`` with its statements' nested blocks scheduled (the same object
    when nothing changed)."""
    out, changed = [], False
    for s in block.stmts:
        new = s if type(s) is Eqn else _stmt(s)  # (most are equations: no call)
        changed = changed or new is not s
        out.append(new)
    return Block(block.params, tuple(out), block.results) if changed else block


def _stmt(s):
    """A branch or loop with its blocks scheduled (itself when none changes)."""
    if isinstance(s, If):
        then, orelse = _block(s.then), _block(s.orelse)
        if then is s.then and orelse is s.orelse:
            return s
        return If(s.outs, s.pred, then, orelse, s.loc)
    body = _carried_first(_block(s.body), 1 if isinstance(s, ForRange) else 0)
    if body is s.body:
        return s
    if isinstance(s, ForRange):
        return ForRange(s.outs, s.start, s.stop, s.step, s.inits, body, s.loc, s.reverse)
    return While(s.outs, s.inits, s.cond, body, s.loc)


def _carried_first(body: Block, offset: int) -> Block:
    """The loop ``body`` with, for each carried value in turn, its old
    version's last readers moved above its new version where that frees the
    old name (:func:`_reorder`)."""
    stmts, changed = list(body.stmts), False
    reads = None  # _Reads of the body: the same after any reordering
    for param, result in zip(body.params[offset:], body.results):
        if isinstance(result, Var) and result != param:
            reads = _Reads(body) if reads is None else reads
            moved = _reorder(stmts, param, result, body.results, reads)
            if moved is not None:
                stmts, changed = moved, True
    return Block(body.params, tuple(stmts), body.results) if changed else body


def _reorder(stmts: list, old: Var, new: Var, results: tuple, reads: "_Reads"):
    """``stmts`` with the movable statements after ``new``'s definition moved
    just above it, or None when ``old`` would still be read after it."""
    made = reads.defs.get(new.name)
    if made is None or old in results:
        return None
    at = next(k for k in range(len(stmts) - 1, -1, -1) if stmts[k] is made)
    if not any(reads.reads(s, old) for s in stmts[at + 1:]):
        return None  # no copy to save
    line = stmts[at].loc.line
    moved, kept, stays = [], [], set(stmts[at].outs)
    for s in stmts[at + 1:]:
        if _movable(s, line) and not any(a in stays for a in s.args):
            moved.append(s)
        else:
            kept.append(s)
            stays.update(s.outs)
    if not moved or any(reads.reads(s, old) for s in kept):
        return None
    return stmts[:at] + moved + [stmts[at]] + kept


class _Reads:
    """Where the emitted code reads a value: a statement reads ``old`` when
    it does, or when it reads a value of its own source line that is read
    once and computed from ``old`` -- the emitter writes such a value inline
    where it is read, so ``old`` is read there."""

    def __init__(self, body: Block) -> None:
        # (keyed by name, a variable's identity: a str hashes in C, and a
        # 10 000-statement body is counted here)
        var = Var
        self.counts = Counter([a.name for a in reads_in(body) if type(a) is var])
        eqn = Eqn  # (a comprehension: a loop of statements in Python was half of this)
        self.defs = {o.name: s for s in body.stmts if type(s) is eqn for o in s.outs}

    def reads(self, s, old: Var) -> bool:
        line = s.loc.line
        if any(self._reaches(a, old, line) for a in stmt_inputs(s)):
            return True
        if isinstance(s, Eqn):
            return False
        blocks = (s.then, s.orelse) if isinstance(s, If) else \
            (s.body,) if isinstance(s, ForRange) else (s.cond, s.body)
        return any(old in free_vars(b) for b in blocks)

    def _reaches(self, a, old: Var, line: int) -> bool:
        todo = [a]
        while todo:  # through inlined values of one line: a short walk
            a = todo.pop()
            if a == old:
                return True
            e = self.defs.get(a.name) if type(a) is Var else None
            if e is not None and len(e.outs) == 1 and e.loc.line == line \
                    and self.counts.get(a.name) == 1:
                todo.extend(e.args)
        return False


def _movable(s, line: int) -> bool:
    return (isinstance(s, Eqn) and s.loc.line == line and PRIMS[s.prim].pure
            and s.prim not in _STAYS)
