"""Fresh names for a pass that only adds variables: :meth:`Names.for_function`
without its set of every name.

``Names.for_function(fn)`` starts counting past the highest ``v<digits>``
name ``fn`` binds and keeps the set of its names, so that a fresh name is
never one already taken.  A name past the highest is never taken, and
neither is any later one (the counter only grows), so that set is asked
only ever to answer no: here it starts empty, the walk gathers names into
one list per block (a comprehension) instead of a set, a name at a time, and
only the longest names are read as numbers.  The names made are the same,
in the same order.
"""
from __future__ import annotations

from ..core.ir import Block, Eqn, Function, Names, sub_blocks


def names_past(fn: Function) -> Names:
    """A :class:`Names` making the names ``Names.for_function(fn)`` would."""
    found = [v.name for v in fn.params]
    _bound(fn.body, found)
    names = Names()
    names.counter = _highest(found)
    return names


def _highest(found: list) -> int:
    """The highest number of a ``v<digits>`` name in ``found`` (0 if none).
    Most are such names, numbered without leading zeros, and the longest is
    then the highest: only the names of the greatest length are converted
    to ints, unless one of them is not such a name."""
    size = max(map(len, found), default=0)
    top = [n for n in found if len(n) == size]
    if all(n[:1] == "v" and n[1:].isdigit() and n[1:2] != "0" for n in top) and size > 1:
        return max(map(int, [n[1:] for n in top]))
    digits = filter(str.isdigit, [n[1:] for n in found if n[:1] == "v"])
    return max(map(int, digits), default=0)


def _bound(block: Block, found: list) -> None:
    """Add the name of every variable ``block`` binds (nested blocks too)."""
    eqn = Eqn
    stmts = block.stmts
    found += [p.name for p in block.params]
    found += [o.name for s in stmts for o in s.outs]
    for s in stmts:
        if type(s) is not eqn:
            for sub in sub_blocks(s):
                _bound(sub, found)
