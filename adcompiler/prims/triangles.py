"""The index arrays of a triangle: ``np.triu_indices(n, k=0, m=None)`` and
``np.tril_indices(n, k=0, m=None)``.

NumPy returns a pair ``(rows, cols)`` of integer arrays.  The primitive is
that pair, seen as a ``(2, L)`` integer array (the emitted code keeps
NumPy's tuple: ``iu = np.triu_indices(n, 1)``, read as ``iu[0]`` and
``iu[1]``), and the lowering returns its two rows as a tuple, so
``M[np.triu_indices(3)]``, ``iu = np.triu_indices(n, 1); x[iu]`` and
``rows, cols = np.tril_indices(n)`` index as NumPy does.  Integer arrays:
no derivative of their own (the indexing they feed is differentiated).
"""
from __future__ import annotations

import numpy as np

from ..core.ir import Const, Var
from .shapecalc import ShapeNeeded
from .structural import IndexArrays, Signature, define

_ARGS = ("n", "k", "m")


def _lower(name: str):
    label = f"np.{name}"

    def build(lowering, node, args, keywords, env, b):
        vals = dict(zip(_ARGS, args))
        for kw in keywords:
            if kw.arg not in _ARGS or kw.arg in vals:
                raise lowering.sf.error(f"{label} does not take the keyword argument "
                                        f"{kw.arg!r} here", node, "keyword arguments")
            vals[kw.arg] = kw.value
        if len(args) > 3 or "n" not in vals:
            raise lowering.sf.error(f"{label} takes n, k=0 and m=None", node, label)
        atoms = [lowering.lw.scalar(vals[p], env, b) if p in vals else Const(d)
                 for p, d in zip(_ARGS, (None, 0, None))]
        for p, atom in zip(_ARGS, atoms):
            if isinstance(atom, Const) and atom.value is not None and type(atom.value) is not int:
                raise lowering.sf.error(f"{p} of {label} must be an integer", node, label)
        pair = b.eqn(name, *atoms)
        return IndexArrays(b.eqn("index", pair, Const(part), spec=("a",)) for part in (0, 1))
    return build


def _shape(name: str):
    def rule(e, args, dtype):
        for a in e.args:
            if isinstance(a, Var) and dtype(a) == "f":
                raise ShapeNeeded(a, f"the arguments of np.{name} must be integers")
        if all(isinstance(a, Const) for a in e.args):
            return _impl(name)(*(a.value for a in e.args)).shape
        return (2, None)
    return rule


def _impl(name: str):
    fn = getattr(np, name)
    return lambda n, k, m, **_: np.array(fn(n, k, m))


def _emit(name: str):
    """``np.triu_indices(n)``, with ``k`` and ``m`` only when given."""
    def emit(kit, e, args):
        n, k, m = args
        has_m = not _const(e.args[2], None)
        has_k = has_m or not _const(e.args[1], 0)
        return kit.call(kit.np(name), [n] + [k] * has_k + [m] * has_m)
    return emit


def _const(atom, value) -> bool:
    return isinstance(atom, Const) and type(atom.value) is type(value) and atom.value == value


for _name in ("triu_indices", "tril_indices"):
    define(_name, 3, differentiable=False, array_only=True, memory="fresh", dtype="int",
           spellings={"np": (_name,)}, impl=_impl(_name), shape=_shape(_name),
           extra={"lower": Signature(build=_lower(_name), label=f"np.{_name}"),
                  "emit": _emit(_name)})
