"""Integer literals beside floats become float literals: ``4 * l`` -> ``4.0 * l``.

CPython adds, subtracts, multiplies and divides a float and an int by first
converting the int to a float (exactly, for an int of at most 2**53 in
magnitude), so ``4 * l`` and ``4.0 * l`` give the same float for a float
``l``.  The first takes CPython's generic number path (about 24 ns here),
the second its float fast path (about 11 ns): in a scalar loop such as the
logistic map's, whose body is a handful of these, that is a third of the
gradient's time.  The user's own ``4 * l * (1 - l)`` copied into the
gradient and the ``2 * x`` a rule makes of ``x ** 2`` both gain.

Only where the other operand is known to be a float, by the registry's
dtype facts (:class:`adcompiler.arrays.shapes.Inference`): float literals,
what ``math.sin`` and true division return, arithmetic with a float, loop
values that stay floats, and the parameters the caller says are floats.  A
parameter is not assumed to be one: ``grad(f)(3)`` computes with Python's
integers, as ``f(3)`` does (they grow where floats overflow), so ``l = 4 *
l * (1 - l)`` on a parameter keeps its ints in the code every call shares;
the forward code ``grad()`` chooses runs for float arguments only
(api/mode_choice.py) and says so.  Array code is left as it is: NumPy
gains little from it.
"""
from __future__ import annotations

from ..arrays.shapes import SCALAR, Inference
from ..core.ir import Block, Const, Eqn, Function, Var, walk
from ..core.rewrite import map_eqns

CONVERTING = frozenset({"add", "sub", "mul", "div"})  # int operand -> float, exactly
EXACT = 2 ** 53  # every int up to this magnitude is a float exactly


def float_literals(fn: Function, floats: tuple = ()) -> Function:
    """``fn`` with every int literal operand of ``+ - * /`` whose other operand
    is a float written as a float; ``floats``: the names of parameters known
    to be floats (the differentiated ones)."""
    if not _has_int_operand(fn):
        return fn
    body = _block(fn.body, _float_kinds(fn, floats))
    if body is fn.body:
        return fn
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _block(b: Block, kinds: dict) -> Block:
    return map_eqns(b, lambda e: _eqn(e, kinds), lambda sub: _block(sub, kinds), CONVERTING)


def _eqn(e: Eqn, kinds: dict):
    """``e`` (one of :data:`CONVERTING`) itself, or ``(e with its int literal
    a float,)`` (map_eqns)."""
    if len(e.args) != 2:
        return e
    a, b = e.args
    if type(a) is Var and type(b) is Var:  # (the commonest: no literal)
        return e
    if _small_int(a) and kinds.get(b) == "f":
        return (Eqn(e.outs, e.prim, (Const(float(a.value)), b), e.params, e.loc),)
    if _small_int(b) and kinds.get(a) == "f":
        return (Eqn(e.outs, e.prim, (a, Const(float(b.value))), e.params, e.loc),)
    return e


def _small_int(a) -> bool:
    return (isinstance(a, Const) and type(a.value) is int and -EXACT <= a.value <= EXACT)


def _has_int_operand(fn: Function) -> bool:
    return any(isinstance(s, Eqn) and s.prim in CONVERTING and any(map(_small_int, s.args))
               for s in walk(fn.body))


def _float_kinds(fn: Function, floats: tuple) -> dict:
    """``{var: 'f' | 'i' | 'b'}`` where known (scalar code: every parameter a
    scalar)."""
    inference = Inference(dtypes_only=True)
    inference.run(fn, {p.name: SCALAR for p in fn.params},
                  {p.name: "f" for p in fn.params if p.name in floats or p.hint in floats})
    return inference.dtypes
