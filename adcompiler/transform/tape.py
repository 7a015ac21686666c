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
    body saved)."""
    level = set(body.params)
    for st in primal_stmts:
        level.update(st.outs)
    residuals = [v for v in ordered_free_vars(adj_body) if v in level and v != idx]
    residuals, recompute = rematerialize(residuals, primal_stmts, level, idx)
    if not residuals and not recompute:
        if not renamed and idx is not None:
            adj_body = substitute(adj_body, {idx: aidx})
        return primal_stmts, adj_body
    order = {v: k for k, v in enumerate(body.params)}
    for k, st in enumerate(primal_stmts):
        for o in st.outs:
            order[o] = len(body.params) + k
    residuals.sort(key=order.get)
    prefix: list = []
    mapping = {idx: aidx} if idx is not None else {}
    if residuals:
        stack = names.fresh("~tape")
        tapes.append(Eqn((stack,), "new_tape", (), (), Loc(role="tape")))
        where = max(order[r] for r in residuals) - len(body.params) + 1
        where = max(where, 0)
        loc = primal_stmts[where - 1].loc if where else Loc()
        push = Eqn((), "push", (stack,) + tuple(residuals), (), loc)
        primal_stmts = primal_stmts[:where] + [push] + primal_stmts[where:]
        popped = tuple(names.fresh(v.hint) for v in residuals)
        prefix.append(Eqn(popped, "pop", (stack,), (), Loc(role="adjoint")))
        mapping.update(zip(residuals, popped))
    for e in sorted(recompute, key=lambda e: order[e.outs[0]]):
        out = names.fresh(e.outs[0].hint)
        args = tuple(mapping.get(a, a) if isinstance(a, Var) else a for a in e.args)
        prefix.append(Eqn((out,), e.prim, args, e.params, e.loc))
        mapping[e.outs[0]] = out
    if renamed:
        mapping.pop(idx, None)
    adj = substitute(adj_body, mapping)
    return primal_stmts, Block(adj.params, tuple(prefix) + adj.stmts, adj.results)


def rematerialize(residuals: list, primal_stmts: list, level: set, idx) -> tuple:
    """Swap stored values for the operands they are cheaply computed from,
    whenever that does not store more values per iteration.  Latest first,
    each value once: linear in the size of the body."""
    free = _free_values(primal_stmts, level, idx)
    defs = {st.outs[0]: (k, st) for k, st in enumerate(primal_stmts)
            if isinstance(st, Eqn) and len(st.outs) == 1
            and (st.prim in _CHEAP or st.outs[0] in free)}
    stored = dict.fromkeys(residuals)
    recompute: list = []
    heap = [(-defs[r][0], r.name, r) for r in residuals if r in defs]
    heapq.heapify(heap)
    seen = set()
    while heap:
        _, _, r = heapq.heappop(heap)
        if r in seen or r not in stored:
            continue
        seen.add(r)
        e = defs[r][1]
        leaves = [a for a in dict.fromkeys(e.args)
                  if isinstance(a, Var) and a in level and a != idx]
        if sum(1 for a in leaves if a not in stored and a not in free) > 1:
            continue  # would store more values than it saves
        del stored[r]
        recompute.append(e)
        for a in leaves:
            if a not in stored:
                stored[a] = None
                if a in defs:
                    heapq.heappush(heap, (-defs[a][0], a.name, a))
    return list(stored), recompute


def _free_values(primal_stmts: list, level: set, idx) -> set:
    """Values of the body computed (by :data:`_FREE` primitives) from values
    bound outside the loop and the range index alone: the adjoint recomputes
    them for nothing stored (Rosenbrock's ``x[i + 1] - x[i] ** 2``)."""
    free: set = set()
    for st in primal_stmts:
        if type(st) is Eqn and st.prim in _FREE and len(st.outs) == 1:
            for a in st.args:  # (a loop, not all(): no generator per statement)
                if type(a) is Var and a in level and a != idx and a not in free:
                    break
            else:
                free.add(st.outs[0])
    return free
