"""Scatter-adds under the array-api backend (emit/backend.py): the adjoint of
``x[i]`` where ``i`` is an integer *array* (``x[idx]`` with repeated
indices, ``x[np.argmax(x)]``) adds ``g`` into ``x_bar`` at those indices.
NumPy spells that ``np.add.at``; the standard has no scatter at all and
array_api_strict and Dask refuse an item write at an array index.  So it
is written as a product with a one-hot matrix, which every library
computes where its arrays are (lazily on Dask)::

    x_bar += xp.tensordot(xp.astype(xp.reshape(i, (-1, 1)) == xp.arange(
        x.shape[0], device=dev), dtype), g, axes=([0], [0]))

``(len(i), n)`` numbers: fine for the indices a program gathers, costly for
millions of them.  A boolean mask (``x[x > 0]``) scatters by the running
count of its true elements (:func:`_masked`).  Only one array index among
full slices is written so; any other index of an array (two array
indices, a slice with bounds beside the array) is refused by name.
"""
from __future__ import annotations

import ast

from ..core.ir import Const, Eqn, Var
from ..emit import backend
from ..errors import CompileError

_FULL = ("s", False, False, False)


def needed(em, e: Eqn) -> bool:
    """Does the adjoint ``e`` (index_add) index with an array (so that the
    standard cannot write it as ``x_bar[i] += g``)?"""
    if e.param("repeats"):
        return True
    arrays = _arrays_of(em)
    shapes = em.own.shapes or {}
    return any(isinstance(a, Var) and (shapes.get(a) not in ((), None) or a in arrays)
               for a in e.args[3:])


def _arrays_of(em) -> set:
    found = getattr(em, "_adc_array_atoms", None)
    if found is None:
        found = backend.array_atoms(em.fn)
        em._adc_array_atoms = found
    return found


def refusal(e: Eqn, why: str) -> CompileError:
    line = getattr(getattr(e, "loc", None), "line", 0) or 0
    return CompileError(f"np.add.at (the adjoint of indexing {why}) has no Array API "
                        "spelling: the array-api backend writes only one integer-array index "
                        "among full slices (use the numpy backend, or index that way)",
                        line=line, construct="array-api")


def contribution(em, e: Eqn) -> ast.expr:
    """``xp.tensordot(onehot, g, axes=([0], [k]))`` moved to axis ``k``:
    ``g`` added at the index along axis ``k``."""
    x, _, g = e.args[:3]
    spec, atoms = tuple(e.param("spec")), e.args[3:]
    arrays = [k for k, item in enumerate(spec) if item == "a"]
    rest = [item for k, item in enumerate(spec) if k not in arrays]
    if len(arrays) != 1 or any(item not in (_FULL, "...") for item in rest) \
            or ("..." in spec and spec.index("...") < arrays[0]):
        raise refusal(e, "with more than one array, or beside a bounded slice")
    k, index = arrays[0], atoms[0]
    if index in getattr(em.ex, "masks", ()) or getattr(em, "kinds", {}).get(index) == "b":
        return _masked(em, e, k, index)
    if isinstance(index, Const):
        raise refusal(e, "with a constant")
    rank = (em.own.shapes or {}).get(index)
    if not isinstance(rank, tuple) or len(rank) > 1:
        raise refusal(e, "with an integer array of more than one dimension")
    n = ast.Subscript(ast.Attribute(em.expr(x), "shape", ast.Load()), ast.Constant(k),
                      ast.Load())
    arange = ast.Call(backend.xp_name("arange"), [n], backend.on_device())
    if not rank:  # one index: g lacks the axis; a row of the one-hot matrix times g
        return _one(em, e, k, index, arange)
    column = _call("reshape", [em.expr(index), ast.Tuple([_neg1(), ast.Constant(1)],
                                                         ast.Load())])
    onehot = _call("astype", [ast.Compare(column, [ast.Eq()], [arange]), backend.like_dtype()])
    grad = em.expr(g)
    axes = ast.Tuple([ast.List([ast.Constant(0)], ast.Load()),
                      ast.List([ast.Constant(k)], ast.Load())], ast.Load())
    out = ast.Call(backend.xp_name("tensordot"), [onehot, grad], [ast.keyword("axes", axes)])
    if k:
        out = _call("moveaxis", [out, ast.Constant(0), ast.Constant(k)])
    return out


def _masked(em, e: Eqn, k: int, mask) -> ast.expr:
    """The adjoint of ``x[mask]`` (``g``: the selected elements in order,
    then the axes after the mask's): element ``j`` of the flattened mask
    takes ``g[cumulative_sum(mask)[j] - 1]`` where the mask is true::

        xp.where(mask, xp.reshape(xp.take(xp.concat([g, zeros]), xp.clip(
            xp.cumulative_sum(xp.reshape(xp.astype(mask, xp.int64), (-1,))) - 1,
            0), axis=0), x.shape), 0.0)

    (a zero row after ``g``: an all-false mask selects nothing, yet the
    take needs an element).  The mask covers all of ``x``'s axes, or its
    first (1-d)."""
    x, _, g = e.args[:3]
    shapes = em.own.shapes or {}
    rank, mrank = len(shapes.get(x) or ()), len(shapes.get(mask) or ())
    if k or not (mrank == rank or mrank == 1):
        raise refusal(e, "with a boolean mask over some of the axes")
    xs = ast.Attribute(em.expr(x), "shape", ast.Load())
    rest = [ast.Subscript(xs, ast.Constant(j), ast.Load()) for j in range(mrank, rank)]
    zero = ast.Call(backend.xp_name("zeros"), [ast.Tuple([ast.Constant(1)] + rest, ast.Load())],
                    backend.placed())
    flat = _call("reshape", [_call("astype", [em.expr(mask), backend.xp_name("int64")]),
                             ast.Tuple([_neg1()], ast.Load())])
    where = _call("clip", [ast.BinOp(_call("cumulative_sum", [flat]), ast.Sub(),
                                     ast.Constant(1)), ast.Constant(0)])
    padded = _call("concat", [ast.List([em.expr(g), zero], ast.Load())])
    taken = ast.Call(backend.xp_name("take"), [padded, where],
                     [ast.keyword("axis", ast.Constant(0))])
    values = _call("reshape", [taken, xs])
    cond = em.expr(mask)
    if mrank < rank:
        cond = _call("reshape", [cond, ast.Tuple([_neg1()] + [ast.Constant(1)] * (rank - mrank),
                                                 ast.Load())])
    return _call("where", [cond, values, ast.Constant(0.0)])


def _one(em, e: Eqn, k: int, index, arange: ast.expr) -> ast.expr:
    """``xp.astype(i == xp.arange(n), dtype) * g`` for one index ``i`` (0-d)
    along axis ``k``, the row reshaped to ``(n, 1, ...)`` over the axes after
    ``k``, and ``g`` given back its axis ``k``."""
    x, _, g = e.args[:3]
    shapes = em.own.shapes or {}
    after = len(shapes.get(x) or ()) - k - 1
    row = _call("astype", [ast.Compare(em.expr(index), [ast.Eq()], [arange]),
                           backend.like_dtype()])
    if after > 0:
        row = _call("reshape", [row, ast.Tuple([_neg1()] + [ast.Constant(1)] * after,
                                               ast.Load())])
    grad = em.expr(g)
    if shapes.get(g) not in ((), None) and not isinstance(g, Const):
        grad = ast.Call(backend.xp_name("expand_dims"), [grad],
                        [ast.keyword("axis", ast.Constant(k))])
    return ast.BinOp(row, ast.Mult(), grad)


def _call(name: str, args: list) -> ast.expr:
    return ast.Call(backend.xp_name(name), args, [])


def _neg1() -> ast.expr:
    return ast.UnaryOp(ast.USub(), ast.Constant(1))


def without_newaxes(em, e: Eqn) -> tuple:
    """``(spec, axes)``: the index of the item write ``e`` without its
    ``None`` items, and the axes of ``g`` they made (squeezed from ``g``):
    array_api_strict allows ``np.newaxis`` in reading subscripts only, so
    ``x_bar[:, None] += g`` is written ``x_bar[:] += xp.squeeze(g, axis=1)``."""
    from ..prims.shapecalc import index_items
    spec = tuple(e.param("spec"))
    shapes = em.own.shapes or {}
    rank = len(shapes.get(e.args[0]) or ())
    consumed = sum(1 for item in spec if item not in (None, "..."))
    axes, k = [], 0
    for item in index_items(spec, tuple(e.args[3:])):
        if item[0] is None:
            axes.append(k)
            k += 1
        elif item[0] == "...":
            k += rank - consumed
        elif item[0] == "s":  # a slice keeps its axis; an integer drops it
            k += 1
        elif shapes.get(item[1]) != ():
            raise refusal(e, "with np.newaxis beside an array")
    return tuple(item for item in spec if item is not None), tuple(axes)
