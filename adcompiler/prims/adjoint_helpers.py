"""Helpers that adjoint code needs.  They never appear in user code, so they
are never differentiated (grad of an emitted gradient is not supported), but
the IR interpreter can run them (``impl``) and emission spells them.

* ``index_add(x, base, g, *atoms, spec, repeats)``: ``base`` plus ``g``
  scattered into zeros like ``x`` at the index (``np.add.at`` when an element
  may repeat); emitted as statements that update ``base`` in place when the
  function owns it (:func:`adcompiler.arrays.emit.index_add`);
* ``unbroadcast(g, like)``: ``g`` summed down to the shape of ``like``;
* ``unsum(g, x, axis, keepdims, ndim)`` or ``unsum(g, shape=...)``: ``g``
  broadcast back over a reduction's axes (``fresh``: a writable copy);
* ``expand_red(g, axis, keepdims, ndim)``: ``g`` with reduced axes
  re-inserted as size 1;
* ``reshape_like(g, x)``: ``np.reshape(g, np.shape(x))``;
* ``mask_like(m, x)``: the boolean mask ``m`` as numbers of ``x``'s dtype
  (``m.astype(x.dtype)``): a tie weight of a float32 ``np.max`` stays
  float32, where ``1.0 * m`` would make it float64.
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const
from .indexing import index_key
from .shapecalc import normalize_axis
from .structural import define, expand_dims_call


def _index_add(x, base, g, *atoms, spec, repeats=False, **_):
    out = np.zeros(np.shape(x)) + base
    np.add.at(out, index_key(spec, atoms), g)
    return out


def _unbroadcast(g, like, **_):
    shape = np.shape(like)
    g = np.sum(g, axis=tuple(range(np.ndim(g) - len(shape))))
    axes = tuple(k for k, n in enumerate(shape) if n == 1 and np.shape(g)[k] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g


def _expand_red(g, axis=None, keepdims=False, ndim=None, **_):
    if keepdims or axis is None:
        return g
    return np.expand_dims(g, axis)


def _unsum(g, x=None, shape=None, **red):
    target = shape if shape is not None else np.shape(x)
    return np.broadcast_to(_expand_red(g, **red), target).copy()


def _expand_red_shape(e, args, dtype):
    g = args[0]
    axis, keepdims, ndim = e.param("axis"), e.param("keepdims", False), e.param("ndim")
    if keepdims or g is None:
        return g
    if axis is None:
        return g if g == () else None
    if ndim is None:  # forward mode builds it without shapes
        return None
    out = list(g)
    for a in normalize_axis(axis, ndim):
        out.insert(a, 1)
    return tuple(out)


def _expand_red_emit(kit, e, g):
    axis = e.param("axis")
    if e.param("keepdims") or axis is None:
        return g
    return expand_dims_call(kit, g, axis)


def _unsum_emit(kit, e, args):
    shape = e.param("shape")
    if shape == () and not e.param("fresh"):
        # np.broadcast_to(g, ()) is a read-only 0-d array, but a scalar
        # adjoint is accumulated in place (``s_bar += ...``): a float instead
        return kit.call(kit.builtin("float"), [_expand_red_emit(kit, e, args[0])])
    g = args[0]
    if getattr(kit, "xp", False):  # g may be a Python number: the standard's functions
        # take arrays
        # (of the caller's dtype and device: torch would make a float a float32)
        g = ast.Call(kit.np("asarray"), [g], kit.placed())
    g = _expand_red_emit(kit, e, g)
    if _fills_like(kit, e) and isinstance(args[1], ast.Name):
        # a number spread over x, in x's dtype (float32 stays float32); not
        # when x is an expression only this would compute (a whole matmul
        # for its dtype): then np.full as before
        return kit.call(kit.np("full_like"), [args[1], g])
    target = kit.const(shape) if shape is not None else kit.shape(args[1], e.args[1])
    if e.param("fresh"):  # returned to the user: a writable array of its own
        # g as it came (the standard's full takes a Python number: a copy there)
        if (e.param("keepdims") or e.param("axis") is None) and not getattr(kit, "xp", False):
            return kit.call(kit.np("full"), [target, g])
        return kit.copy(kit.call(kit.np("broadcast_to"), [g, target]))
    return kit.call(kit.np("broadcast_to"), [g, target])


def _fills_like(kit, e) -> bool:
    """Is ``unsum(c, x)`` a number ``c`` spread over all of a float ``x``
    (kept by the rule for its dtype, :func:`dtype_source`)?  Then it is
    ``np.full_like(x, c)``: NumPy's ``np.full(shape, c)`` is float64."""
    if getattr(kit, "xp", False) or len(e.args) < 2 or not isinstance(e.args[0], Const):
        return False
    x = e.args[1]
    is_float = getattr(kit.em, "is_float", None)
    return kit.dims(x) == e.param("shape") and is_float is not None and is_float(x)


def dtype_source(g, x, shape) -> dict:
    """The params that keep ``x`` in ``unsum(g, x)`` when ``g`` is a
    number: with its shape given, specialisation leaves ``x`` there, and
    emission takes its dtype (``np.full_like``).  An array ``g`` carries
    its own dtype: ``x`` is dropped once its shape is known, as before."""
    sx = shape(x)
    if isinstance(g, Const) and sx is not None and all(isinstance(d, int) for d in sx):
        return {"shape": sx}
    return {}


def _unsum_shape(e, args, dtype):
    return e.param("shape") if e.param("shape") is not None else args[1]


def _mask_like_emit(kit, e, args):
    """``m.astype(x.dtype)`` (``xp.astype(m, x.dtype)``)."""
    dtype = ast.Attribute(args[1], "dtype", ast.Load())
    if getattr(kit, "xp", False):
        return kit.call(kit.np("astype"), [args[0], dtype])
    return kit.call(ast.Attribute(args[0], "astype", ast.Load()), [dtype])


define("index_add", -1, differentiable=False, memory="fresh", impl=_index_add,
       shape=lambda e, args, dtype: args[0])
define("unbroadcast", 2, differentiable=False, memory="view", impl=_unbroadcast,
       spellings={"array_api": ()},  # its helper is written for either backend
       shape=lambda e, args, dtype: args[1],
       extra={"emit": lambda kit, e, args: kit.call(kit.helper("_unbroadcast"), args),
              "shares": (0,)})
define("unsum", -1, differentiable=False, memory="view", impl=_unsum, shape=_unsum_shape,
       spellings={"array_api": ("asarray", "expand_dims", "broadcast_to")},
       extra={"emit": _unsum_emit, "shares": (0,)})
define("expand_red", 1, differentiable=False, memory="view", impl=_expand_red,
       spellings={"array_api": ("expand_dims",)},
       shape=_expand_red_shape,
       extra={"emit": lambda kit, e, args: _expand_red_emit(kit, e, args[0]), "shares": (0,)})
define("mask_like", 2, differentiable=False, memory="fresh",
       spellings={"array_api": ("astype",)},
       impl=lambda m, x, **_: np.asarray(m).astype(np.result_type(x)),
       shape=lambda e, args, dtype: args[0],
       extra={"emit": _mask_like_emit})
define("reshape_like", 2, differentiable=False, memory="view",
       spellings={"array_api": ("reshape",)},
       impl=lambda g, x, **_: np.reshape(g, np.shape(x)),
       shape=lambda e, args, dtype: args[1],
       extra={"emit": lambda kit, e, args: kit.call(
           kit.np("reshape"), [args[0], kit.shape(args[1])]),
              "shares": (0,)})
