"""``np.einsum`` with explicit subscripts (``'ij,jk->ik'``, a constant).

The primitive is linear in each operand: its jvp is the sum, over the
operands that have a tangent, of the einsum with that operand replaced by
its tangent; the adjoint of operand ``i`` is an einsum too, with ``g`` in
the output's place and ``i``'s subscripts as the output
(``'ik,jk->ij'`` for the left operand of ``'ij,jk->ik'``).  An index only
operand ``i`` has (summed there alone) is broadcast back (``unsum``).
Refused, with a message: implicit output (no ``->``), ``...``, and an index
repeated within one operand (a diagonal).
"""
from __future__ import annotations

import ast

import numpy as np

from .shapecalc import ShapeNeeded
from .structural import Signature, define, uniform


def parse(subscripts: str) -> tuple:
    """``('ij,jk->ik')`` -> ``(('ij', 'jk'), 'ik')``, or ValueError saying why not."""
    if "->" not in subscripts:
        raise ValueError("needs explicit output subscripts ('ij,jk->ik')")
    if "." in subscripts:
        raise ValueError("with '...' is not supported")
    ins, out = subscripts.replace(" ", "").split("->")
    ins = tuple(ins.split(","))
    for s in ins + (out,):
        if not all(c.isalpha() for c in s):
            raise ValueError(f"subscripts {s!r} must be letters")
        if len(set(s)) != len(s):
            raise ValueError(f"with an index repeated in {s!r} (a diagonal) is not supported")
    if not set(out) <= set("".join(ins)):
        raise ValueError("has an output index that no operand has")
    return ins, out


def _lower(lowering, node, args, keywords, env, b):
    """``np.einsum('ij,jk->ik', a, b)``: the subscripts a constant string."""
    label = "np.einsum"
    if keywords or not args:
        raise lowering.sf.error(f"{label} takes constant subscripts and operands only", node,
                                label)
    subscripts = lowering.static(args[0], env, label, "the subscripts")
    if not isinstance(subscripts, str):
        raise lowering.sf.error(f"{label} needs constant subscripts ('ij,jk->ik')", node, label)
    try:
        ins, out = parse(subscripts)
    except ValueError as exc:
        raise lowering.sf.error(f"{label} {exc}", node, label) from None
    if len(ins) != len(args) - 1:
        raise lowering.sf.error(f"{label}: {len(ins)} operands in the subscripts, "
                                f"{len(args) - 1} given", node, label)
    operands = [lowering.lw.scalar(a, env, b) for a in args[1:]]
    return b.eqn("einsum", *operands, subscripts=",".join(ins) + "->" + out)


def _shape(e, args, dtype):
    ins, out = parse(e.param("subscripts"))
    if any(a is None for a in args):
        return None
    dims: dict = {}
    for s, shape, atom in zip(ins, args, e.args):
        if len(s) != len(shape):
            raise ShapeNeeded(atom, f"np.einsum subscripts {s!r} for an array of "
                              f"{len(shape)} dimensions")
        for c, d in zip(s, shape):
            if isinstance(dims.get(c), int) and isinstance(d, int) and dims[c] != d:
                raise ShapeNeeded(atom, f"np.einsum index {c!r} has sizes {dims[c]} and {d} "
                                  "(broadcasting within einsum is not supported)")
            dims[c] = d if dims.get(c) is None else dims[c]
    return tuple(dims[c] for c in out)


def _jvp(b, e, tangents, shape):
    terms = []
    for i, t in enumerate(tangents):
        if t is not None:
            args = list(e.args)
            args[i] = t
            terms.append(b.eqn("einsum", *args, subscripts=e.param("subscripts")))
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = b.eqn("add", total, t)
    return total


def _vjp(b, e, i, g, shape):
    ins, out = parse(e.param("subscripts"))
    others = [s for k, s in enumerate(ins) if k != i]
    seen = set(out).union(*others)
    kept = "".join(c for c in ins[i] if c in seen)
    rest = [a for k, a in enumerate(e.args) if k != i]
    if out:
        share = b.eqn("einsum", g, *rest, subscripts=",".join([out] + others) + "->" + kept)
    elif rest:  # a scalar output: g times the einsum of the other operands
        same = len(rest) == 1 and others[0] == kept  # 'ij,ij->': that operand itself
        share = b.eqn("mul", g, rest[0] if same else
                      b.eqn("einsum", *rest, subscripts=",".join(others) + "->" + kept))
    else:
        share = g
    alone = tuple(k for k, c in enumerate(ins[i]) if c not in seen)
    if not alone:
        return share
    return b.eqn("unsum", share, e.args[i], axis=alone, keepdims=False, ndim=len(ins[i]))


def _emit(kit, e, args):
    return kit.call(kit.np("einsum"), [ast.Constant(e.param("subscripts"))] + list(args))


def _case(subscripts, *shapes):
    return lambda r: (tuple(uniform(r, *s) for s in shapes), {"subscripts": subscripts})


define("einsum", -1, array_only=True, memory="view", spellings={"np": ("einsum",)},
       impl=lambda *xs, subscripts, **_: np.einsum(subscripts, *xs), shape=_shape,
       extra={"lower": Signature(build=_lower, label="np.einsum"), "emit": _emit},
       jvp=_jvp, vjp=_vjp,
       domain=(_case("ij,jk->ik", (2, 3), (3, 4)), _case("i,i->", (4,), (4,)),
               _case("ij->ji", (2, 3)), _case("ij->", (2, 3)),
               _case("bij,bjk->bik", (2, 3, 2), (2, 2, 3)),
               _case("ij,j,k->ik", (2, 3), (3,), (2,)), _case("ij,kj->ik", (2, 3), (1, 3))))
