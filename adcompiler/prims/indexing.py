"""Indexing ``x[...]``, integer array literals ``np.array([0, 2, 2])``, and
module-level arrays a function reads.

An index is ``index(x, *atoms, spec=...)``; :func:`.shapecalc.index_items`
says how ``spec`` pairs with the atoms (ints, int arrays, boolean masks,
slice bounds, ``None``, ``...``).  Its adjoint scatters ``g`` back
(``index_add`` of :mod:`.adjoint_helpers`), with ``np.add.at`` where an
element may be selected twice.
"""
from __future__ import annotations

import ast

import numpy as np

from .derive import linear
from .shapecalc import ShapeNeeded, Sym, Tup, index_items, index_shape
from .structural import define, uniform


def index_key(spec: tuple, atoms: tuple) -> tuple:
    """The Python subscript of ``spec`` with the atoms' values."""
    parts = []
    for item in index_items(spec, atoms):
        if item[0] == "a":
            parts.append(item[1])
        elif item[0] == "s":
            parts.append(slice(*item[1]))
        else:
            parts.append(None if item[0] is None else Ellipsis)
    return tuple(parts)


def index_node(spec: tuple, atoms: list, rank: int | None = -1) -> ast.expr:
    """The subscript of ``spec`` with the atoms' expressions.  ``rank`` (of
    the array indexed; None: unknown): the Array API standard wants every
    axis indexed, so ``M[0]`` of a 2-d ``M`` is written ``M[0, ...]`` (-1:
    leave it as NumPy reads it; so is an unknown rank, which may be a tuple's)."""
    parts = []
    items = len([i for i in spec if i is not None])
    if rank is not None and rank != -1 and "..." not in spec and items < rank:
        spec = tuple(spec) + ("...",)
    for item in index_items(spec, tuple(atoms)):
        if item[0] == "a":
            parts.append(item[1])
        elif item[0] == "s":
            lo, hi, st = item[1]
            parts.append(ast.Slice(lo, hi, st))
        elif item[0] is None:
            parts.append(ast.Constant(None))
        else:
            parts.append(ast.Constant(Ellipsis))
    return parts[0] if len(parts) == 1 else ast.Tuple(parts, ast.Load())


def _check_unpack(e, x) -> None:
    """``a, b, c = M`` needs M to have exactly 3 rows (Python raises
    otherwise): a known other number is an error, a size read at run time
    (:class:`Sym`) cannot be compiled shape-generic (the caller falls back to
    checked sizes)."""
    n = e.param("unpack")
    if n is None or not isinstance(x, tuple) or not x:
        return
    if isinstance(x[0], Sym):
        raise ShapeNeeded(e.args[0], "unpacking an array needs its number of rows")
    if isinstance(x[0], int) and x[0] != n:
        raise ShapeNeeded(e.args[0], f"cannot unpack an array of {x[0]} rows into {n} names")


def _index_shape(e, args, dtype):
    if isinstance(args[0], Tup):
        return None
    _check_unpack(e, args[0])
    items = []
    for it in index_items(e.param("spec"), tuple(zip(e.args[1:], args[1:]))):
        if it[0] == "a":
            atom, sh = it[1]
            kind = "int" if sh == () else {"b": "mask", "i": "int"}.get(dtype(atom), "?")
            items.append((kind, sh))
        elif it[0] == "s":
            items.append(("s", tuple(None if b is None else b[0] for b in it[1])))
        else:
            items.append(it)
    return index_shape(args[0], items)


def index_may_repeat(e, shape) -> bool:
    """Can an element be selected twice (an integer-array index)?"""
    return any(shape(a) != () for a in e.args[1:])


def _scatter_back(b, e, i, g, shape):
    from ..core.ir import Const
    return b.eqn("index_add", e.args[0], Const(0.0), g, *e.args[1:], spec=e.param("spec"),
                 repeats=index_may_repeat(e, shape))


def _slice(lo, hi, st):
    return ("s", lo is not None, hi is not None, st is not None), \
        tuple(v for v in (lo, hi, st) if v is not None)


def _case(shape, spec_atoms, *extra):
    """A domain case: ``x`` of ``shape`` indexed by spec items with atoms."""
    spec = tuple(s for s, _ in spec_atoms)

    def make(r):
        atoms = tuple(a for _, atoms in spec_atoms for a in (atoms(r) if callable(atoms)
                                                             else atoms))
        return (uniform(r, *shape),) + atoms, {"spec": spec}
    return make


def _is_mask(kit, a) -> bool:
    return a in getattr(kit.em, "masks", ()) or getattr(kit.em, "kinds", {}).get(a) == "b"


def _take_xp(kit, e, args):
    """``xp.take(x, i, axis=k)`` for one integer-array index among full
    slices (``M[i]``, ``M[:, i]``): the standard's subscripts take integer
    arrays only beside integers; a 0-d one (``np.argmax(v)``) is taken as
    ``xp.reshape(i, (1,))`` and its axis squeezed.  None: a subscript does."""
    spec, atoms = tuple(e.param("spec")), e.args[1:]
    arrays = [k for k, item in enumerate(spec) if item == "a"]
    full = ("s", False, False, False)
    if len(arrays) != 1 or len(spec) < 2 and kit.rank(e.args[0]) in (1, None) or any(
            item != full for k, item in enumerate(spec) if k != arrays[0]):
        return None
    index, k = atoms[0], arrays[0]
    zero_d = index in getattr(kit.em, "arrays0", ())
    if _is_mask(kit, index):  # alone it indexes; beside more axes, its true positions
        if k == 0 and None not in (kit.rank(index), kit.rank(e.args[0])) and \
                kit.rank(index) < kit.rank(e.args[0]):
            where = ast.Subscript(kit.call(kit.np("nonzero"), [args[1]]), kit.const(0),
                                  ast.Load())
            return kit.call(kit.np("take"), [args[0], where], {"axis": kit.const(0)})
        return None
    if kit.rank(index) != 1 and not zero_d:
        return None
    i = args[1]
    if zero_d:
        i = kit.call(kit.np("reshape"), [i, kit.const((1,))])
    out = kit.call(kit.np("take"), [args[0], i], {"axis": kit.const(k)})
    return kit.call(kit.np("squeeze"), [out], {"axis": kit.const(k)}) if zero_d else out


def _index_emit(kit, e, args):
    """``x[...]``; ``x[...].copy()`` when the adjoint of an item write asks
    for the part as a new array (``fresh=True``, see prims/writes.py)."""
    rank = kit.rank(e.args[0]) if getattr(kit, "xp", False) else -1
    if rank not in (None, -1):  # a boolean mask indexes as many axes as it has
        rank -= sum((kit.rank(a) or 1) - 1 for a in e.args[1:] if _is_mask(kit, a))
    taken = _take_xp(kit, e, args) if getattr(kit, "xp", False) else None
    node = taken if taken is not None else \
        ast.Subscript(args[0], index_node(e.param("spec"), args[1:], rank), ast.Load())
    if e.param("fresh"):
        return kit.copy(node)
    return node


define("index", -1, array_only=True, memory="view",  # x[...]: index(x, *atoms), params spec
       impl=lambda x, *atoms, spec, **_: x[index_key(spec, atoms)], shape=_index_shape,
       extra={"emit": _index_emit, "shares": (0,)},
       spellings={"array_api": ("take", "reshape", "squeeze", "nonzero")},  # and subscripts
       **linear(_scatter_back),
       domain=(_case((3, 4), [_slice(1, None, None), ("a", (0,))]),
               _case((5,), [("a", lambda r: (np.array([0, 2, 2, 4]),))]),
               _case((4, 3), [("a", lambda r: (np.array([True, False, True, True]),))]),
               _case((3, 4), [(None, ()), ("...", ()), _slice(None, None, -2)]),
               _case((2, 3, 4), [("a", (1,)), ("...", ()), ("a", (-1,))]),
               _case((6,), [_slice(-1, 0, -2)])))

define("intarray", 0, differentiable=False, array_only=True,  # params values
       memory="value", dtype="int", impl=lambda values, **_: np.array(values),
       shape=lambda e, args, dtype: (len(e.param("values")),),
       spellings={"array_api": ("asarray",)},  # on the caller's device
       extra={"emit": lambda kit, e, args: kit.call(kit.np("array"), [ast.List(
           [kit.const(v) for v in e.param("values")], ast.Load())]),
              "emit_xp": lambda kit, e, args: ast.Call(kit.np("asarray"), [ast.List(
                  [kit.const(v) for v in e.param("values")], ast.Load())],
                  [kw for kw in kit.placed() if kw.arg == "device"])})

# a module-level array the function reads (params name, shape, kind): emitted
# as that name, read when the derivative runs (never copied, never updated)
define("global", 0, differentiable=False, array_only=True, memory="value",
       shape=lambda e, args, dtype: e.param("shape"))
