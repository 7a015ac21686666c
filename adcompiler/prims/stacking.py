"""Joining and repeating: ``np.hstack``, ``np.vstack``, ``np.atleast_1d``,
``np.atleast_2d``, ``np.atleast_3d``, ``np.tile``, ``np.repeat`` (an integer
count), ``np.meshgrid`` of two vectors.

All are linear: :func:`.derive.linear` builds the jvp (the primitive on
the tangents); the transposes cut ``g`` back into the arguments' pieces
(stacks) or sum the copies back (``tile``, ``repeat``).  Their layout
depends on the arguments' ranks, which reverse mode knows (forward mode
needs none: it applies the primitive itself).
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .derive import linear
from .shapecalc import SCALAR
from .shaping import along
from .structural import Signature, define, ndim, np_call, uniform


def dim(b, x, k: int, shape):
    """Dimension ``k`` of ``x``: a constant when known, else read at run time."""
    s = shape(x)
    if s is not None and isinstance(s[k], int):
        return Const(s[k])
    if k == 0:
        return b.eqn("len", x)
    return b.eqn("index", b.eqn("shape", x), Const(k), spec=("a",))


# ---------------------------------------------------------------- hstack, vstack
def _hstack_axis(rank: int) -> int:
    return 0 if rank <= 1 else 1


def _stack_shape(axis_of, promote):
    """Shape rule of a stack: ranks promoted, then joined along ``axis_of(rank)``."""
    def rule(e, args, dtype):
        if any(a is None for a in args):
            return None
        shapes = [promote(a) for a in args]
        axis = axis_of(len(args[0]))
        dims = [s[axis] for s in shapes]
        total = sum(dims) if all(isinstance(d, int) for d in dims) else None
        return shapes[0][:axis] + (total,) + shapes[0][axis + 1:]
    return rule


def _promote_1d(s):
    return (1,) if s == SCALAR else s


def _promote_2d(s):
    return (1, 1) if s == SCALAR else (1,) + s if len(s) == 1 else s


def _stack_bar(axis_of, promoted_width):
    """Argument ``i``'s slice of ``g`` along the joined axis, reshaped back."""
    def bar(b, e, i, g, shape):
        axis = axis_of(ndim(shape, e.args[0]))
        lo = hi = Const(0)
        for a in e.args[: i + 1]:
            width = promoted_width(b, a, axis, shape)
            lo, hi = hi, (width if hi == Const(0) else b.eqn("add", hi, width))
        piece = b.eqn("index", g, lo, hi, spec=along(axis, ("s", True, True, False)))
        return b.eqn("reshape_like", piece, e.args[i])
    bar.__name__ = "stack_bar"
    return bar


def _hwidth(b, a, axis, shape):
    return Const(1) if ndim(shape, a) == 0 else dim(b, a, axis, shape)


def _vwidth(b, a, axis, shape):
    return Const(1) if ndim(shape, a) <= 1 else dim(b, a, 0, shape)


#: the shapes np.atleast_1d/2d/3d give an array of each rank (``-1``: its
#: length), as ``xp.reshape`` targets; None: the array as it is
_PROMOTED = {1: {0: (1,)}, 2: {0: (1, 1), 1: (1, -1)}, 3: {0: (1, 1, 1), 1: (1, -1, 1)}}


def _promoted_xp(kit, atom, x, least: int):
    """``x`` with at least ``least`` dimensions, in standard calls (its rank
    must be known here)."""
    rank = kit.rank(atom)
    if rank is None:
        from ..errors import CompileError
        raise CompileError(f"np.atleast_{least}d/hstack/vstack of an array of unknown rank "
                           "cannot be written in the Array API standard (its shape decides "
                           "the result): compile with its shape known", construct="array-api")
    if rank >= least:
        return x
    if least == 3 and rank == 2:
        return kit.call(kit.np("expand_dims"), [x], {"axis": kit.const(-1)})
    return kit.call(kit.np("reshape"), [x, kit.const(_PROMOTED[least][rank])])


def _joined_xp(name):
    """``np.hstack``/``np.vstack`` as ``xp.concat`` of the promoted arrays:
    along axis 0 (hstack of 1-d arrays, vstack), else 1."""
    least = 1 if name == "hstack" else 2

    def emit(kit, e, args):
        items = [_promoted_xp(kit, a, x, least) for a, x in zip(e.args, args)]
        axis = 0 if name == "vstack" or max(kit.rank(a) for a in e.args) <= 1 else 1
        kws = {"axis": kit.const(axis)} if axis else {}
        return kit.call(kit.np("concat"), [_tuple(items)], kws)
    return emit


def _joined(name, axis_of, promote, width, cases):
    define(name, -1, array_only=True, memory="fresh",
           spellings={"np": (name,), "array_api": ("concat", "reshape")},
           impl=lambda *xs, **_: getattr(np, name)(xs), shape=_stack_shape(axis_of, promote),
           extra={"lower": Signature(("tup",), sequence=True),
                  "emit": lambda kit, e, args: kit.call(kit.np(name), [_tuple(args)]),
                  "emit_xp": _joined_xp(name)},
           **linear(_stack_bar(axis_of, width), argnums=None), domain=cases)


def _reps_tuple(reps) -> tuple:
    return tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)


def _tuple(args):
    return ast.Tuple(list(args), ast.Load())


def _arrays(*shapes):
    return lambda r: (tuple(uniform(r, *s) if s else np.array(uniform(r, 1)[0])
                            for s in shapes), {})


_joined("hstack", _hstack_axis, _promote_1d, _hwidth,
        (_arrays((3,), (2,)), _arrays((2, 3), (2, 1), (2, 2)), _arrays((), (3,)),
         _arrays((2, 1, 3), (2, 2, 3))))
_joined("vstack", lambda rank: 0, _promote_2d, _vwidth,
        (_arrays((3,), (3,)), _arrays((2, 3), (3,), (1, 3)), _arrays((1, 2), (3, 2))))


# ---------------------------------------------------------------- atleast_nd
def _back(b, e, i, g, shape):
    return b.eqn("reshape_like", g, e.args[0])


def _atleast(name: str, promote) -> None:
    fn = getattr(np, name)
    define(name, 1, array_only=True, memory="view",
           spellings={"np": (name,), "array_api": ("reshape", "expand_dims")},
           impl=lambda x, **_: fn(x),
           shape=lambda e, args, dtype: None if args[0] is None else promote(args[0]),
           extra={"lower": Signature(("arys",)), "emit": np_call(name), "shares": (0,),
                  "emit_xp": lambda kit, e, args: _promoted_xp(kit, e.args[0], args[0],
                                                               int(name[-2]))},
           **linear(_back),
           domain=(_arrays(()), _arrays((3,)), _arrays((2, 3))))


_atleast("atleast_1d", _promote_1d)
_atleast("atleast_2d", _promote_2d)
_atleast("atleast_3d", lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s))


# ---------------------------------------------------------------- tile
def _reps(e, rank: int) -> tuple:
    """``reps`` and the rank both padded to the same length (NumPy's rule)."""
    reps = e.param("reps")
    reps = tuple(reps) if isinstance(reps, tuple) else (reps,)
    d = max(len(reps), rank)
    return (1,) * (d - len(reps)) + reps, d - rank


def _tile_shape(e, args, dtype):
    x = args[0]
    if x is None:
        return None
    reps, pad = _reps(e, len(x))
    dims = (1,) * pad + x
    return tuple(r * s if isinstance(s, int) else None for r, s in zip(reps, dims))


def _tile_bar(b, e, i, g, shape):
    """``g`` as ``(r0, s0, r1, s1, ...)``, summed over the copies."""
    x = e.args[0]
    rank = ndim(shape, x)
    reps, pad = _reps(e, rank)
    dims = [Const(1)] * pad + [dim(b, x, k, shape) for k in range(rank)]
    split = b.eqn("reshape", g, *[a for r, s in zip(reps, dims) for a in (Const(r), s)])
    summed = b.eqn("sum", split, axis=tuple(range(0, 2 * len(reps), 2)), keepdims=False)
    return b.eqn("reshape_like", summed, x)


define("tile", 1, array_only=True, memory="fresh",
       spellings={"np": ("tile",), "array_api": ("tile",)},
       impl=lambda x, reps, **_: np.tile(x, reps), shape=_tile_shape,
       extra={"lower": Signature(("A",), {"reps": 1}),
              "emit": lambda kit, e, args: kit.call(kit.np("tile"),
                                                    [args[0], kit.const(e.param("reps"))]),
              "emit_xp": lambda kit, e, args: kit.call(kit.np("tile"), [args[0], kit.const(
                  _reps_tuple(e.param("reps")))])},  # the standard's reps: a tuple
       **linear(_tile_bar),
       domain=(lambda r: ((uniform(r, 3),), {"reps": 2}),
               lambda r: ((uniform(r, 2, 3),), {"reps": (2, 1)}),
               lambda r: ((uniform(r, 3),), {"reps": (2, 2)}),
               lambda r: ((uniform(r, 2, 1, 2),), {"reps": (3, 1)})))


# ---------------------------------------------------------------- repeat
def _repeat_shape(e, args, dtype):
    x, n, axis = args[0], e.param("repeats"), e.param("axis")
    if x is None:
        return None
    if axis is None:
        total = 1
        for d in x:
            total = total * d if isinstance(d, int) and isinstance(total, int) else None
        return (total * n if total is not None else None,)
    axis %= len(x)
    d = x[axis]
    return x[:axis] + ((d * n if isinstance(d, int) else None),) + x[axis + 1:]


def _repeat_bar(b, e, i, g, shape):
    """``g`` with each run of copies on an axis of its own, summed over it."""
    x, n, axis = e.args[0], e.param("repeats"), e.param("axis")
    if axis is None:
        runs = b.eqn("reshape", g, Const(-1), Const(n))
        return b.eqn("reshape_like", b.eqn("sum", runs, axis=1, keepdims=False), x)
    rank = ndim(shape, x)
    axis %= rank
    dims = [dim(b, x, k, shape) for k in range(rank)]
    runs = b.eqn("reshape", g, *dims[:axis], Const(-1), Const(n), *dims[axis + 1:])
    return b.eqn("sum", runs, axis=axis + 1, keepdims=False)


define("repeat", 1, array_only=True, memory="fresh",
       spellings={"np": ("repeat",), "method": ("repeat",), "array_api": ("repeat",)},
       impl=lambda x, repeats, axis=None, **_: np.repeat(x, repeats, axis=axis),
       shape=_repeat_shape,
       extra={"lower": Signature(statics={"repeats": 1, "axis": None}, ints=("repeats",)),
              "emit": lambda kit, e, args: kit.call(
                  kit.np("repeat"), [args[0], kit.const(e.param("repeats"))],
                  {} if e.param("axis") is None else {"axis": kit.const(e.param("axis"))})},
       **linear(_repeat_bar),
       domain=(lambda r: ((uniform(r, 4),), {"repeats": 3, "axis": None}),
               lambda r: ((uniform(r, 2, 3),), {"repeats": 2, "axis": 1}),
               lambda r: ((uniform(r, 2, 3),), {"repeats": 2, "axis": None}),
               lambda r: ((uniform(r, 2, 3, 2),), {"repeats": 3, "axis": -3})))


# ---------------------------------------------------------------- meshgrid
def _grid_axis(e) -> int:
    """The axis along which grid ``k`` varies (its own vector's)."""
    k, ij = e.param("k"), e.param("indexing", "xy") == "ij"
    return k if ij else 1 - k


def _grid_shape(e, args, dtype):
    from .shapecalc import ShapeNeeded
    for a, s in zip(e.args, args):
        if s is not None and len(s) != 1:
            raise ShapeNeeded(a, "np.meshgrid of arrays that are not vectors is not supported")
    if any(s is None for s in args):
        return (None, None)
    n = (args[0][0], args[1][0])
    return n if e.param("indexing", "xy") == "ij" else n[::-1]


def _grid_jvp(b, e, tangents, shape):
    """Grid ``k`` is linear in vector ``k`` (the other gives only a length)."""
    k = e.param("k")
    if tangents[k] is None:
        return None
    args = list(e.args)
    args[k] = tangents[k]
    return b.eqn("meshgrid", *args, **dict(e.params))


def _grid_vjp(b, e, i, g, shape):
    if i != e.param("k"):
        return None
    return b.eqn("sum", g, axis=1 - _grid_axis(e), keepdims=False)


def _lower_meshgrid(lowering, node, args, keywords, env, b):
    """``X, Y = np.meshgrid(x, y, indexing='xy')``: one primitive per grid."""
    label = "np.meshgrid"
    extra = [kw for kw in keywords if kw.arg != "indexing"]
    if len(args) != 2 or extra:
        raise lowering.sf.error(f"{label} of two vectors (and indexing=) is supported", node,
                                label)
    indexing = "xy"
    for kw in keywords:
        indexing = lowering.static(kw.value, env, label, "indexing")
    if indexing not in ("xy", "ij"):
        raise lowering.sf.error(f"{label} takes indexing='xy' or 'ij'", node, label)
    x, y = (lowering.lw.scalar(a, env, b) for a in args)
    return tuple(b.eqn("meshgrid", x, y, k=k, indexing=indexing) for k in (0, 1))


def _grid_emit(kit, e, args):
    kws = {} if e.param("indexing") == "xy" else {"indexing": kit.const("ij")}
    return ast.Subscript(kit.call(kit.np("meshgrid"), list(args), kws), kit.const(e.param("k")),
                         ast.Load())


define("meshgrid", 2, array_only=True, memory="fresh",
       spellings={"np": ("meshgrid",), "array_api": ("meshgrid",)},
       impl=lambda x, y, k, indexing="xy", **_: np.meshgrid(x, y, indexing=indexing)[k],
       shape=_grid_shape,
       extra={"lower": Signature(build=_lower_meshgrid, label="np.meshgrid"),
              "emit": _grid_emit,  # torch gives views that share elements: copied
              "emit_xp": lambda kit, e, args: kit.copy(_grid_emit(kit, e, args))},
       jvp=_grid_jvp, vjp=_grid_vjp,
       domain=tuple((lambda k, ix: lambda r: ((uniform(r, 3), uniform(r, 2)),
                                              {"k": k, "indexing": ix}))(k, ix)
                    for k in (0, 1) for ix in ("xy", "ij")))
