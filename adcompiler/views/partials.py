"""Local partial derivatives of one Wengert entry, from the one rule table.

``rules.partial_times(b, eqn, i, g)`` builds ``∂out/∂argᵢ · g`` as IR.  Seeded
with ``g = 1`` it builds the local partial itself; that small IR is evaluated
on the entry's values (for the trace tables) or printed as an expression (for
the graph's edge labels).  No derivative rule is written a second time here.
"""
from __future__ import annotations

from ..core.ir import Block, Builder, Const, Eqn, Function, Names, Var
from ..optimize.passes import optimize
from ..errors import AdcError
from ..prims.primitives import PRIMS
from ..prims.rules import partial_times
from ..core.wengert_list import const_text, op_text

_CACHE: dict = {}


def partial_ir(eqn: Eqn, i: int):
    """``(stmts, result atom)`` computing ``∂eqn.out/∂eqn.args[i]``, simplified
    by the compiler's optimiser; ``None`` where the partial is zero."""
    key = (eqn, i)
    if key not in _CACHE:
        if len(_CACHE) > 4096:  # a bound for long interactive sessions
            _CACHE.clear()
        _CACHE[key] = _build(eqn, i)
    return _CACHE[key]


def _build(eqn: Eqn, i: int):
    if eqn.prim == "call" or len(eqn.outs) != 1:
        return None
    if PRIMS[eqn.prim].structural:  # np.sum, @, x[i]: no scalar local partial
        raise AdcError(f"{eqn.prim} mixes array elements: its local partial is not a "
                       "number (the partials of the views follow scalar code)")
    inputs = tuple(dict.fromkeys(a for a in eqn.args + eqn.outs if isinstance(a, Var)))
    b = Builder(Names(taken=tuple(v.name for v in inputs)))
    result = partial_times(b, eqn, i, Const(1.0))
    if result is None:
        return None
    fn = optimize(Function("partial", inputs, Block((), tuple(b.stmts), (result,))))
    return fn.body.stmts, fn.body.results[0]


def partial_value(eqn: Eqn, i: int, args: list, out: object):
    """The value of ``∂out/∂argᵢ`` at the entry's argument and output values."""
    from ..core.interp import eval_eqn
    built = partial_ir(eqn, i)
    if built is None:
        return None
    stmts, result = built
    env = {a: v for a, v in zip(eqn.args, args) if isinstance(a, Var)}
    env[eqn.outs[0]] = out
    for s in stmts:
        env[s.outs[0]] = eval_eqn(s, [env[a] if isinstance(a, Var) else a.value for a in s.args])
    return env[result] if isinstance(result, Var) else result.value


def partial_text(eqn: Eqn, i: int, name, nota) -> tuple:
    """``(text, precedence)`` of the partial as an expression of the entry's
    variables (``name(var)`` spells them), or ``None`` where it is zero."""
    built = partial_ir(eqn, i)
    if built is None:
        return None
    stmts, result = built
    defs = {s.outs[0]: s for s in stmts}

    def render(atom):
        if isinstance(atom, Const):
            text = const_text(atom.value)
            return text, (7 if text.startswith("-") else 9)
        if atom in defs:
            d = defs[atom]
            return op_text(d.prim, [render(a) for a in d.args], nota, dict(d.params))
        return name(atom), 9

    return render(result)


def times(factor: str, part: tuple, nota) -> str:
    """``factor`` times a partial ``(text, precedence)``, written as a person
    would: ``v̇₁`` for a partial of 1, ``v̇₋₁ / v₋₁`` for ``1 / v₋₁``."""
    text, prec = part
    if text == "1":
        return factor
    if text.startswith("1 / ") and prec >= 6:
        rest = text[4:]
        return f"{factor} / {rest}" if " " not in rest else f"{factor} / ({rest})"
    return f"{factor} {nota.times} {text if prec >= 6 else '(' + text + ')'}"
