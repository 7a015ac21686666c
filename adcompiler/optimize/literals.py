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
from ..core.ir import Block, Const, Eqn, ForRange, Function, If, Var, While, walk

CONVERTING = frozenset({"add", "sub", "mul", "div"})  # int operand -> float, exactly
EXACT = 2 ** 53  # every int up to this magnitude is a float exactly


def float_literals(fn: Function, floats: tuple = ()) -> Function:
    """``fn`` with every int literal operand of ``+ - * /`` whose other operand
    is a float written as a float; ``floats``: the names of parameters known
    to be floats (the differentiated ones)."""
    if not _has_int_operand(fn):
        return fn
    kinds = _float_kinds(fn, floats)
    body = _block(fn.body, kinds)
    if body is fn.body:
        return fn
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _block(block: Block, kinds: dict) -> Block:
    """``block`` rewritten, the same object when nothing in it changes: most
    blocks have no literal to rewrite, and rebuilding every statement of a
    10 000-line body was half of this pass."""
    out = None
    for k, s in enumerate(block.stmts):
        new = _eqn(s, kinds) if type(s) is Eqn else _nested(s, kinds)
        if new is not s and out is None:
            out = list(block.stmts[:k])
        if out is not None:
            out.append(new)
    return block if out is None else Block(block.params, tuple(out), block.results)


def _eqn(e: Eqn, kinds: dict) -> Eqn:
    if e.prim not in CONVERTING or len(e.args) != 2:
        return e
    a, b = e.args
    if type(a) is Var and type(b) is Var:  # (the commonest: no literal)
        return e
    if _small_int(a) and kinds.get(b) == "f":
        return Eqn(e.outs, e.prim, (Const(float(a.value)), b), e.params, e.loc)
    if _small_int(b) and kinds.get(a) == "f":
        return Eqn(e.outs, e.prim, (a, Const(float(b.value))), e.params, e.loc)
    return e


def _nested(s, kinds: dict):
    """A control-flow statement with its blocks rewritten (the same object
    when none changes)."""
    if isinstance(s, Eqn):
        return _eqn(s, kinds)
    if isinstance(s, If):
        then, orelse = _block(s.then, kinds), _block(s.orelse, kinds)
        if then is s.then and orelse is s.orelse:
            return s
        return If(s.outs, s.pred, then, orelse, s.loc)
    body = _block(s.body, kinds)
    if isinstance(s, ForRange):
        return s if body is s.body else ForRange(s.outs, s.start, s.stop, s.step, s.inits,
                                                  body, s.loc, s.reverse)
    cond = _block(s.cond, kinds)
    if body is s.body and cond is s.cond:
        return s
    return While(s.outs, s.inits, cond, body, s.loc)


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
