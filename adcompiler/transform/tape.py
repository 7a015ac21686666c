"""The tape of a reverse-mode loop: each primal iteration pushes exactly the
values its adjoint iteration reads, which pops them (docs/design.md, "The
tape"); cheap arithmetic is recomputed instead of stored, and a ``while``
loop counts its trips so that its adjoint can run them back."""
from __future__ import annotations

import heapq

from ..core.ir import (Block, Builder, Const, Eqn, Loc, Names, Var, While, ordered_free_vars,
                       substitute)

#: primitives cheap enough to recompute in the adjoint instead of storing
_CHEAP = {"add", "sub", "mul", "neg", "lt", "le", "gt", "ge", "eq", "ne", "not", "and", "or"}
#: ... and those recomputed when every operand is itself free (bound outside
#: the loop, the range index, or free): reading an array the loop never writes
#: (SSA: a value bound outside the loop is the same in every iteration) and
#: arithmetic on what it reads stores nothing at all
_FREE = _CHEAP | {"index", "pow"}


def counted(names: Names, s: While) -> tuple:
    """The same loop with a trip counter as its last carried value."""
    cn, bn, out = (names.fresh("~trips") for _ in range(3))
    b = Builder(names, s.loc)
    nxt = b.eqn("add", bn, Const(1), hint="~trips")
    cond = Block(s.cond.params + (cn,), s.cond.stmts, s.cond.results)
    body = Block(s.body.params + (bn,), s.body.stmts + tuple(b.stmts),
                 s.body.results + (nxt,))
    loop = While(s.outs + (out,), s.inits + (Const(0),), cond, body, s.loc)
    return loop, body


def tape(names: Names, tapes: list, body: Block, primal_stmts: list, adj_body: Block,
         idx=None, aidx=None, renamed: bool = True) -> tuple:
    """Push what the adjoint body reads from the primal body; pop it back.
    Cheap arithmetic on stored values is recomputed rather than stored.
    ``renamed``: False when ``adj_body`` still reads the primal loop's index
    ``idx`` where it means its own ``aidx`` (renamed here, in the one
    substitution that also reads the popped values: a walk of the adjoint
    body saved).  The sets and maps of a loop body's values are keyed by
    name, a variable's identity (a str hashes in C, a Var in Python: a
    10 000-statement body is looked up here several times per value)."""
    level = {p.name for p in body.params}
    level.update([o.name for st in primal_stmts for o in st.outs])
    skip = idx.name if idx is not None else None
    residuals = [v for v in _reads_of(adj_body, level) if v.name != skip]
    residuals, recompute = rematerialize(residuals, primal_stmts, level, skip)
    if not residuals and not recompute:
        if not renamed and idx is not None:
            adj_body = substitute(adj_body, {idx: aidx})
        return primal_stmts, adj_body
    order = {v.name: k for k, v in enumerate(body.params)}
    first = len(body.params)
    for k, st in enumerate(primal_stmts):
        for o in st.outs:
            order[o.name] = first + k
    residuals.sort(key=lambda v: order[v.name])
    prefix: list = []
    mapping = {idx.name: aidx} if idx is not None else {}  # name -> the atom read instead
    if residuals:
        stack = names.fresh("~tape")
        tapes.append(Eqn((stack,), "new_tape", (), (), Loc(role="tape")))
        where = max(order[r.name] for r in residuals) - first + 1
        where = max(where, 0)
        loc = primal_stmts[where - 1].loc if where else Loc()
        push = Eqn((), "push", (stack,) + tuple(residuals), (), loc)
        primal_stmts = primal_stmts[:where] + [push] + primal_stmts[where:]
        popped = tuple(names.fresh(v.hint) for v in residuals)
        prefix.append(Eqn(popped, "pop", (stack,), (), Loc(role="adjoint")))
        mapping.update(zip([r.name for r in residuals], popped))
    for e in sorted(recompute, key=lambda e: order[e.outs[0].name]):
        out = names.fresh(e.outs[0].hint)
        args = tuple(mapping.get(a.name, a) if type(a) is Var else a for a in e.args)
        prefix.append(Eqn((out,), e.prim, args, e.params, e.loc))
        mapping[e.outs[0].name] = out
    if renamed and idx is not None:
        mapping.pop(idx.name, None)
    adj = _substituted(adj_body, mapping)
    return primal_stmts, Block(adj.params, tuple(prefix) + adj.stmts, adj.results)


def _reads_of(block: Block, level: set) -> list:
    """The variables named in ``level`` that ``block`` reads, in the order
    of :func:`ordered_free_vars` (none is bound in ``block``: SSA).  Of a
    block of equations alone (an adjoint loop body, mostly) by two
    comprehensions rather than a walk statement by statement."""
    stmts, var = block.stmts, Var
    if any(type(s) is not Eqn for s in stmts):
        return [v for v in ordered_free_vars(block) if v.name in level]
    pairs = [(a.name, a) for s in stmts for a in s.args if type(a) is var and a.name in level]
    pairs += [(a.name, a) for a in block.results if type(a) is var and a.name in level]
    first = dict(reversed(pairs))  # name -> the variable first read under it
    return [first[name] for name in dict.fromkeys([name for name, _ in pairs])]


def _substituted(block: Block, mapping: dict) -> Block:
    """:func:`substitute` with ``mapping`` keyed by name, for the adjoint
    body's own equations (most of it, looked up by name); a nested branch or
    loop goes through :func:`substitute` itself."""
    if not mapping:
        return block
    var, eqn = Var, Eqn
    stmts = []
    for s in block.stmts:
        if type(s) is eqn:
            for a in s.args:
                if type(a) is var and a.name in mapping:
                    s = Eqn(s.outs, s.prim, _mapped(s.args, mapping), s.params, s.loc)
                    break
        else:
            alone = Block((), (s,), ())
            s = substitute(alone, _by_var(alone, mapping)).stmts[0]
        stmts.append(s)
    results = tuple(mapping.get(a.name, a) if type(a) is var else a for a in block.results)
    return Block(block.params, tuple(stmts), results)


def _mapped(args: tuple, mapping: dict) -> tuple:
    """``args`` with each variable in ``mapping`` (by name) replaced."""
    if len(args) == 2:  # (most: no generator)
        a, b = args
        return (mapping.get(a.name, a) if type(a) is Var else a,
                mapping.get(b.name, b) if type(b) is Var else b)
    return tuple(mapping.get(a.name, a) if type(a) is Var else a for a in args)


def _by_var(block: Block, mapping: dict) -> dict:
    """``mapping`` keyed by the variables ``block`` reads under those names
    (:func:`substitute` looks up variables)."""
    return {v: mapping[v.name] for v in ordered_free_vars(block) if v.name in mapping}


def rematerialize(residuals: list, primal_stmts: list, level: set, skip) -> tuple:
    """Swap stored values for the operands they are cheaply computed from,
    whenever that does not store more values per iteration.  Latest first,
    each value once: linear in the size of the body.  ``level``: the names
    the body binds; ``skip``: the range index's name (never stored)."""
    free = _free_values(primal_stmts, level, skip)
    defs = {st.outs[0].name: (k, st) for k, st in enumerate(primal_stmts)
            if type(st) is Eqn and len(st.outs) == 1
            and (st.prim in _CHEAP or st.outs[0].name in free)}
    stored = {r.name: r for r in residuals}
    recompute: list = []
    heap = [(-defs[r.name][0], r.name, r) for r in residuals if r.name in defs]
    heapq.heapify(heap)
    seen = set()
    while heap:
        _, name, r = heapq.heappop(heap)
        if name in seen or name not in stored:
            continue
        seen.add(name)
        e = defs[name][1]
        leaves: dict = {}
        missing = 0  # leaves neither stored already nor free (a loop: no generators)
        for a in e.args:
            if type(a) is Var:
                a_name = a.name
                if a_name in level and a_name != skip and a_name not in leaves:
                    leaves[a_name] = a
                    if a_name not in stored and a_name not in free:
                        missing += 1
        if missing > 1:
            continue  # would store more values than it saves
        del stored[name]
        recompute.append(e)
        for a, v in leaves.items():
            if a not in stored:
                stored[a] = v
                if a in defs:
                    heapq.heappush(heap, (-defs[a][0], a, v))
    return list(stored.values()), recompute


def _free_values(primal_stmts: list, level: set, skip) -> set:
    """Names of the values of the body computed (by :data:`_FREE` primitives)
    from values bound outside the loop and the range index alone: the adjoint
    recomputes them for nothing stored (Rosenbrock's ``x[i + 1] - x[i] **
    2``).  ``level``, ``skip``: as for :func:`rematerialize`."""
    free: set = set()
    for st in primal_stmts:
        if type(st) is Eqn and st.prim in _FREE and len(st.outs) == 1:
            for a in st.args:  # (a loop, not all(): no generator per statement)
                if type(a) is Var and a.name in level and a.name != skip \
                        and a.name not in free:
                    break
            else:
                free.add(st.outs[0].name)
    return free
