"""Primitives defined by an expression over other primitives.

``sign``, the tie weights of ``max``/``min`` and IEEE division and power are
not new operations: each is a small expression of comparisons, ``select``
and arithmetic (``sign(x) = 1.0 if x > 0 else -1.0 if x < 0 else 0.0``).  Its
record holds that expression once, as a tree, and every back end reads it:

* :func:`evaluate` runs it on Python numbers (constant folding, the trace
  views' interpreter), taking only the chosen side of a ``select``;
* the emitter writes it as a Python expression on scalars
  (``select`` -> ``a if c else b``);
* array code expands it into IR (:func:`expand`), where ``select`` becomes
  ``np.where``.

A tree is a nested tuple ``(prim, *children)``; a child is another tree, an
argument (:data:`X`, :data:`Y`: the primitive's first and second argument)
or a Python number.  A record's ``formula`` maps a variant to its tree:
``""`` is the primitive itself, any other key is the name of a parameter
that switches the variant on (``div`` with ``ieee=True``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Arg:
    """Argument ``index`` of the primitive a formula defines."""

    index: int


X, Y, Z = Arg(0), Arg(1), Arg(2)


def tree_of(record, params: dict, arrays: bool = False):
    """The tree that defines ``record`` under ``params`` (None: use the
    primitive as it is).  Array code skips the parameter variants: they ask
    for IEEE behaviour that NumPy arrays already have."""
    formula = record.formula or {}
    for key, tree in formula.items():
        if key and params.get(key):
            return None if arrays else tree
    return formula.get("")


def fold(tree, arg, const, node):
    """Fold ``tree`` bottom-up: ``arg(index)`` for an argument, ``const(value)``
    for a number, ``node(prim, children)`` for an operation (children left
    to right, already folded)."""
    if isinstance(tree, Arg):
        return arg(tree.index)
    if not isinstance(tree, tuple):
        return const(tree)
    return node(tree[0], [fold(t, arg, const, node) for t in tree[1:]])


def evaluate(tree, args: tuple, apply):
    """``tree`` on Python values, ``apply(prim, values)`` for each operation.
    ``select``, ``and`` and ``or`` evaluate only the side they return (the
    other may raise: ``a / b`` at ``b == 0``)."""
    def ev(t):
        if isinstance(t, Arg):
            return args[t.index]
        if not isinstance(t, tuple):
            return t
        prim, *kids = t
        if prim == "select":
            return ev(kids[1]) if ev(kids[0]) else ev(kids[2])
        if prim in ("and", "or"):
            first = ev(kids[0])
            return first if bool(first) == (prim == "or") else ev(kids[1])
        return apply(prim, tuple(ev(k) for k in kids))
    return ev(tree)


def reads(tree) -> Counter:
    """How often ``tree`` mentions each argument (an argument read twice must
    not be an inlined expression: it would be evaluated twice)."""
    counts: Counter = Counter()
    fold(tree, lambda k: counts.update([k]), lambda v: None, lambda p, kids: None)
    return counts


def expand(tree, b, args: list, rename: dict, outs: tuple, loc):
    """``tree`` as IR over the atoms ``args``: the inner operations built into
    ``b``, the outermost returned as the equation defining ``outs``; each
    operation renamed through ``rename`` (array code: ``{'select': 'where'}``)."""
    from ..core.ir import Const, Eqn
    prim, *kids = tree
    atoms = [fold(k, lambda i: args[i], Const,
                  lambda p, xs: b.eqn(rename.get(p, p), *xs)) for k in kids]
    return Eqn(outs, rename.get(prim, prim), tuple(atoms), (), loc)
