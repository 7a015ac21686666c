"""The block walk that rewriting passes share (arrays/specialize.py,
arrays/simplify.py, optimize/literals.py): each equation becomes the statements a pass returns
for it, and control flow is rebuilt around the rewritten blocks."""
from __future__ import annotations

from .ir import Block, Eqn, ForRange, If, While


def map_eqns(block: Block, eqn, nested, only: frozenset | None = None) -> Block:
    """``block`` with each equation replaced by the statements ``eqn(e)``
    returns and each nested block (a branch, a loop body or condition) by
    ``nested(b)``: the walk that rewriting passes share.  ``eqn(e)`` may
    return ``e`` itself to keep it (no tuple built: most equations); ``only``:
    the primitives ``eqn`` may rewrite (the others are kept without a call).
    What a pass leaves as it was stays the same object, and so does a block
    where nothing changed: most passes rewrite few statements of a long
    function, and rebuilding every other one cost more than the rewriting."""
    out = None
    for k, s in enumerate(block.stmts):
        if type(s) is Eqn:
            new = s if only is not None and s.prim not in only else eqn(s)
            if new is s:
                if out is not None:
                    out.append(s)
                continue
        else:
            new = (_nested(s, nested),)
        if out is None and (len(new) != 1 or new[0] is not s):
            out = list(block.stmts[:k])
        if out is not None:
            out.extend(new)
    return block if out is None else Block(block.params, tuple(out), block.results)


def _nested(s, nested):
    """A branch or loop with its blocks mapped by ``nested`` (itself when none
    changes)."""
    if isinstance(s, If):
        then, orelse = nested(s.then), nested(s.orelse)
        if then is s.then and orelse is s.orelse:
            return s
        return If(s.outs, s.pred, then, orelse, s.loc)
    if isinstance(s, ForRange):
        body = nested(s.body)
        return s if body is s.body else ForRange(s.outs, s.start, s.stop, s.step, s.inits,
                                                  body, s.loc, s.reverse)
    cond, body = nested(s.cond), nested(s.body)
    if cond is s.cond and body is s.body:
        return s
    return While(s.outs, s.inits, cond, body, s.loc)
