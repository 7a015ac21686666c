"""Scalar-only spellings applied to arrays: refused, as Python would refuse
them when the function runs.

In array code the lowering reads ``math.sin(a)`` as the elementwise ``sin``
primitive, and the emitted code would call ``np.sin``.  Python calls
``math.sin`` itself, which takes one number: an array of more than one
element raises ``TypeError``.  The builtins ``max(a, b)`` and ``min(a, b)``
compare ``b > a``, whose truth value is ambiguous for such arrays
(``ValueError``).  A gradient of code that cannot run would be a gradient of
something else, so such a call is refused at its line, with the NumPy
spelling that does what was probably meant.  (An array of exactly one
element does run; its shape is rarely known to be ``(1,)`` when compiling,
and NumPy 2 deprecates the conversion, so it is refused too.)
"""
from __future__ import annotations

from ..core.ir import Const, Eqn, Function, walk
from ..errors import CompileError
from ..prims.primitives import PRIMS
from .shapes import infer, shown_dim

#: builtin spellings that compare their arguments (``ns`` is '' for a builtin)
_COMPARING = {"max": "np.maximum", "min": "np.minimum"}


def check_scalar_spellings(program, key: str, ctx, shapes: dict) -> None:
    """Raise CompileError for the first ``math.f(array)`` or builtin
    ``max``/``min`` of arrays in the entry ``key`` of ``program`` (``shapes``:
    its inferred shapes) or in a helper it calls with arrays."""
    _check(program.functions[key], shapes, program.sources[key].filename)
    for other, fn in sorted(program.functions.items()):
        params = ctx.callee_param_shapes(other) if other != key else None
        if params and other in program.sources:
            _check(fn, infer(fn, params, ctx.callee_shapes), program.sources[other].filename)


def _check(fn: Function, shapes: dict, filename: str) -> None:
    for s in walk(fn.body):
        if not isinstance(s, Eqn) or not s.outs or not s.loc.line:
            continue
        ns = s.param("ns", None)
        if ns == "math":
            spelled, instead = f"math.{_spelling(s.prim, 'math')}", f"np.{_spelling(s.prim, 'np')}"
        elif ns == "" and s.prim in _COMPARING:
            spelled, instead = f"{s.prim}(...)", _COMPARING[s.prim]
        else:
            continue
        for a in s.args:
            shape = () if isinstance(a, Const) else shapes.get(a)
            if isinstance(shape, tuple) and shape:
                what = "(" + ", ".join(str(shown_dim(d)) for d in shape) \
                    + ("," if len(shape) == 1 else "") + ")"
                hint = a.hint or "an argument"
                raise CompileError(
                    f"{spelled} takes numbers, but {hint} is an array of shape {what} here: "
                    f"Python would raise an error when it runs; use {instead} for arrays",
                    filename, s.loc.line, s.loc.col, spelled)


def _spelling(prim: str, ns: str) -> str:
    """The record's first spelling of ``prim`` in namespace ``ns``."""
    names = (getattr(PRIMS.get(prim), "spellings", None) or {}).get(ns) or prim
    return names if isinstance(names, str) else names[0]
