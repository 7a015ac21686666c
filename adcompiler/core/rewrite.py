"""The block walk that rewriting passes share (arrays/specialize.py,
arrays/simplify.py): each equation becomes the statements a pass returns
for it, and control flow is rebuilt around the rewritten blocks."""
from __future__ import annotations

from .ir import Block, Eqn, ForRange, If, While


def map_eqns(block: Block, eqn, nested) -> Block:
    """``block`` with each equation replaced by the statements ``eqn(e)``
    returns and each nested block (a branch, a loop body or condition) by
    ``nested(b)``: the walk that rewriting passes share."""
    out: list = []
    for s in block.stmts:
        if isinstance(s, Eqn):
            out.extend(eqn(s))
        elif isinstance(s, If):
            out.append(If(s.outs, s.pred, nested(s.then), nested(s.orelse), s.loc))
        elif isinstance(s, ForRange):
            out.append(ForRange(s.outs, s.start, s.stop, s.step, s.inits, nested(s.body),
                                s.loc, s.reverse))
        else:
            out.append(While(s.outs, s.inits, nested(s.cond), nested(s.body), s.loc))
    return Block(block.params, tuple(out), block.results)
