"""``stop_gradient(x)``: the value of ``x``, derivative zero.

Not differentiable by definition, so activity analysis in both modes stops
at it (no adjoint flows back through it, no tangent forward).  The
transforms keep the equation so that a transform applied to another's
output (forward over reverse) still sees it; ``finish``, just before
emission, replaces it by its argument (:func:`drop`), so the emitted code
uses the value as is.
"""
from __future__ import annotations

from ..core.ir import Block, Eqn, Function, substitute
from .record import register

register("stop_gradient", 1, impl=lambda x: x, form="call", op="stop_gradient",
         differentiable=False, memory="view", spellings={"adcompiler": "stop_gradient"})


def drop(fn: Function) -> Function:
    """``fn`` with every ``stop_gradient`` replaced by its argument."""
    mapping: dict = {}
    body = _drop_block(fn.body, mapping)
    if not mapping:
        return fn
    for k, v in list(mapping.items()):  # chains: stop_gradient(stop_gradient(x))
        while v in mapping:
            v = mapping[v]
        mapping[k] = v
    return Function(fn.name, fn.params, substitute(body, mapping), fn.defaults, fn.filename,
                    fn.source_line)


def _drop_block(block: Block, mapping: dict) -> Block:
    from ..core.ir import ForRange, If
    out = []
    for s in block.stmts:
        if isinstance(s, Eqn):
            if s.prim == "stop_gradient":
                mapping[s.outs[0]] = s.args[0]
                continue
            out.append(s)
        elif isinstance(s, If):
            out.append(If(s.outs, s.pred, _drop_block(s.then, mapping),
                          _drop_block(s.orelse, mapping), s.loc))
        elif isinstance(s, ForRange):
            out.append(ForRange(s.outs, s.start, s.stop, s.step, s.inits,
                                _drop_block(s.body, mapping), s.loc, s.reverse))
        else:
            out.append(type(s)(s.outs, s.inits, _drop_block(s.cond, mapping),
                               _drop_block(s.body, mapping), s.loc))
    return Block(block.params, tuple(out), block.results)
