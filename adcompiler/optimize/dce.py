"""Dead-code elimination: dead statements, dead branch outputs and dead
loop-carried values (part of :func:`~adcompiler.optimize.passes.optimize`,
and the last step of ``finish``).

One backward walk per block keeps a *live* set: the variables that code after
the current statement (or after the block) still reads.  A statement none of
whose outputs is live, and which has no effect (``push``, ``check``), goes.
Walking back past a statement also takes its outputs out of the set (in SSA
nothing before a definition reads it), so at a block's top the set holds
what the block reads from outside it: a branch's or a loop's free variables
come out of the walk itself, with no second walk of the block to find them
(on a 10 000-statement loop body that second walk was most of the pass).
The set holds names, a variable's identity: a str hashes in C, a Var through
its Python ``__hash__``.
"""
from __future__ import annotations

from ..core.ir import Block, Eqn, ForRange, Function, If, Var, While, sub_blocks, uses


def dce(fn: Function) -> Function:
    body = _dce_block(fn.body, set())
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


_EFFECTS = ("push", "check")


def _is_effect(s) -> bool:
    if type(s) is Eqn:
        return s.prim in _EFFECTS
    return any(_is_effect(x) for b in sub_blocks(s) for x in b.stmts)


def _dce_block(block: Block, live: set) -> Block:
    """``block`` with its dead statements removed.  ``live`` (names): on
    entry, the outer variables needed after the block; on return, also those
    the kept statements read from outside the block (and its parameters read)."""
    var, add, discard = Var, live.add, live.discard
    _read(block.results, live)
    kept: list = []
    for s in reversed(block.stmts):
        if type(s) is Eqn:
            outs = s.outs
            if len(outs) == 1:  # (the commonest case, first)
                name = outs[0].name
                if name in live:
                    discard(name)
                elif s.prim not in _EFFECTS:
                    continue
            elif any(o.name in live for o in outs) or s.prim in _EFFECTS:
                for o in outs:
                    discard(o.name)
            else:
                continue
            for a in s.args:
                if type(a) is var:
                    add(a.name)
            kept.append(s)
            continue
        new = _dce_if(s, live) if type(s) is If else _dce_loop(s, live)
        for o in s.outs:
            discard(o.name)
        if new is not None:
            kept.append(new)
    kept.reverse()
    return Block(block.params, tuple(kept), block.results)


def _dce_if(s: If, live: set):
    keep = [k for k, o in enumerate(s.outs) if o.name in live]
    if not keep and not _is_effect(s):
        return None
    # both branches in the one set: neither reads what the other binds
    then = _dce_block(_trim(s.then, keep), live)
    orelse = _dce_block(_trim(s.orelse, keep), live)
    if type(s.pred) is Var:
        live.add(s.pred.name)
    return If(tuple(s.outs[k] for k in keep), s.pred, then, orelse, s.loc)


def _trim(block: Block, keep: list) -> Block:
    return Block(block.params, block.stmts, tuple(block.results[k] for k in keep))


def _dce_loop(s, live: set):
    """A carried value stays if it is live after the loop or read by the
    body (or a while loop's condition) as it is kept: a fixpoint."""
    is_for = type(s) is ForRange
    n = len(s.inits)
    off = 1 if is_for else 0
    needed = {k for k in range(n) if s.outs[k].name in live} | _pushed_slots(s.body, off)
    # (its own parameters included)
    cond_reads = set() if is_for else {v.name for v in uses(s.cond)}
    while True:
        reads: set = set()  # the body's free variables and reads of its parameters
        body = _dce_block(_trim(s.body, sorted(needed)), reads)
        seen = reads if is_for else reads | cond_reads
        more = {k for k in range(n) if s.body.params[off + k].name in seen}
        if not is_for:
            more |= {k for k in range(n) if s.cond.params[k].name in seen}
        if more <= needed:
            break
        needed |= more
    if not needed and not any(_is_effect(x) for x in body.stmts):
        return None
    keep = sorted(needed)
    params = s.body.params[:off] + tuple(s.body.params[off + k] for k in keep)
    body = Block(params, body.stmts, body.results)
    inits = tuple(s.inits[k] for k in keep)
    outs = tuple(s.outs[k] for k in keep)
    _read(inits, live)
    live.update(reads.difference(p.name for p in s.body.params))  # dropped ones: unread
    if is_for:
        _read((s.start, s.stop, s.step), live)
        return ForRange(outs, s.start, s.stop, s.step, inits, body, s.loc, s.reverse)
    cond = Block(tuple(s.cond.params[k] for k in keep), s.cond.stmts, s.cond.results)
    free: set = set()
    cond = _dce_block(cond, free)
    live.update(free.difference(p.name for p in s.cond.params))
    return While(outs, inits, cond, body, s.loc)


def _pushed_slots(body: Block, off: int) -> set:
    """The carried slots whose parameter an effect of ``body`` reads (a loop
    of the forward sweep pushes its carried values): every walk keeps the
    effects, so these belong to the fixpoint of :func:`_dce_loop`, and
    starting from them spares the walk that would find them (on a long
    loop body, the forward sweep's values are dead after it)."""
    slot = {p.name: k for k, p in enumerate(body.params[off:])}
    found: set = set()
    for s in body.stmts:
        if type(s) is Eqn and s.prim in _EFFECTS:
            found.update(slot[a.name] for a in s.args if type(a) is Var and a.name in slot)
    return found


def _read(atoms, live: set) -> None:
    live.update(a.name for a in atoms if type(a) is Var)
