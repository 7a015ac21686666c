"""Item writes NumPy would do differently from ``setitem``: refused by name.

``setitem`` (:mod:`adcompiler.prims.writes`) replaces the indexed part of
its array by a value.  NumPy's ``out[idx] = v`` agrees with it except:

* an integer-array ("fancy") index that repeats an element: NumPy keeps
  the last write, so the result depends on the order of the writes;
  refused (whether it repeats is known only at run time);
* a float written into an integer or boolean array: NumPy truncates it,
  and the gradient through it would silently be wrong;
* a value that does not broadcast to the indexed part: NumPy raises;
* a number (``x[0] = ...`` of a float): Python raises.

Checked on the lowered code (with shapes and dtypes), at the write's line.
"""
from __future__ import annotations

from ..core.ir import Const, Eqn, Function, walk
from ..errors import CompileError
from ..prims.primitives import PRIMS
from ..prims.shapecalc import index_items, index_shape
from .shapes import shown_dim

CONSTRUCT = "item assignment"


def check_writes(fn: Function, shapes: dict, dtypes: dict, ops: dict, filename: str) -> None:
    """Raise CompileError for the first write (``ops``: ``{out var name:
    (name, line, col, 'item')}`` from lowering) NumPy would do differently."""
    producers = {s.outs[0]: s for s in walk(fn.body) if isinstance(s, Eqn) and s.outs}
    for s in walk(fn.body):
        if not (isinstance(s, Eqn) and s.prim == "setitem" and s.outs[0].name in ops):
            continue
        name, line, col = ops[s.outs[0].name][:3]
        nested = (ops[s.outs[0].name][4:] or (0,))[0]  # M[i][j] read as M[i, j]

        def fail(text: str):
            raise CompileError(text, filename, line, col, CONSTRUCT)

        def shape(a):
            return () if isinstance(a, Const) else shapes.get(a)

        def dtype(a):
            if isinstance(a, Const):
                v = a.value
                return "b" if isinstance(v, bool) else "i" if isinstance(v, int) else \
                    "f" if isinstance(v, float) else None
            if dtypes.get(a) is None and a in producers:  # np.arange(n): integers
                e = producers[a]
                record = PRIMS.get(e.prim)
                if (record is not None and not record.differentiable and record.dtype is None
                        and e.args and all(dtype(b) == "i" for b in e.args)):
                    return "i"
            return dtypes.get(a)

        x, v = s.args[:2]
        if shape(x) == ():
            fail(f"{name} is a number, not an array: it has no items to assign")
        for atom in s.args[2:2 + nested]:
            if shape(atom) != () or dtype(atom) in ("b", "f"):
                fail(f"{name}[i][j] = ... where i is not an integer: {name}[i] is then a "
                     f"copy, and NumPy would write into the copy, leaving {name} unchanged; "
                     f"write {name}[i, j] = ...")
        items = []
        for it in index_items(s.param("spec"), tuple(s.args[2:])):
            if it[0] != "a":
                items.append(it)
                continue
            atom = it[1]
            sh, kind = shape(atom), dtype(atom)
            if sh != () and kind != "b":
                fail(f"{name}[...] = ... with an integer-array index is not supported: an "
                     "element listed twice is written twice and NumPy keeps the last write, "
                     "so the result depends on the order; write the items in a loop, or use "
                     "a boolean mask")
            items.append(("int", ()) if sh == () else ("mask", sh))
        if dtype(x) in ("i", "b") and dtype(v) not in ("i", "b"):
            what = "an integer" if dtype(x) == "i" else "a boolean"
            fail(f"{name} is {what} array: NumPy would truncate the value written into it "
                 f"(and its derivative would be lost); build {name} as floats "
                 f"(np.zeros(..., dtype=float))")
        _check_broadcast(name, shape(v), index_shape(shape(x), items), fail)


def _check_broadcast(name: str, value, part, fail) -> None:
    """``v`` must broadcast to the indexed part (sizes known on both sides)."""
    if not isinstance(value, tuple) or not isinstance(part, tuple):
        return
    shown = "(" + ", ".join("?" if d is None else str(shown_dim(d)) for d in value) + \
        ("," if len(value) == 1 else "") + ")"
    target = "(" + ", ".join("?" if d is None else str(shown_dim(d)) for d in part) + \
        ("," if len(part) == 1 else "") + ")"
    message = (f"{name}[...] = ...: a value of shape {shown} cannot be written into a part of "
               f"shape {target}")
    if len(value) > len(part):
        fail(message)
    for d, p in zip(reversed(value), reversed(part)):
        if d is not None and p is not None and d != 1 and d != p:
            fail(message)
