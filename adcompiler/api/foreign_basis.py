"""Jacobians and Hessians of another library's arrays (array_api.py): the
unit tangents or cotangents they are seeded with, their zeros and the
stacking of the columns, all in the caller's library, dtype and device (so
a Dask Jacobian stays lazy and a GPU one stays on the GPU).  NumPy
arguments keep the NumPy assembly of the modules that call this."""
from __future__ import annotations

import math

from . import array_api


def like_of(values):
    """The first of ``values`` that is another library's array, else None."""
    return next((v for v in values if array_api.is_foreign(v)), None)


def _space(like):
    from array_api_compat import array_namespace, device
    return array_namespace(like), {"dtype": like.dtype, "device": device(like)}


def zeros(shape: tuple, like):
    """A zero tangent of ``shape`` (0.0 for a scalar)."""
    if shape == ():
        return 0.0
    xp, placed = _space(like)
    return xp.zeros(shape, **placed)


def unit(shape: tuple, k: int, like):
    """The ``k``-th unit array of ``shape`` (row-major), 1.0 for a scalar."""
    if shape == ():
        return 1.0
    xp, placed = _space(like)
    n = math.prod(shape)
    hot = xp.arange(n, device=placed["device"]) == k
    return xp.reshape(xp.astype(hot, placed["dtype"]), shape)


def basis(shape: tuple, like):
    """Every unit array of ``shape`` in turn."""
    for k in range(max(math.prod(shape), 1)):
        yield unit(shape, k, like)


def stack(cols: list, out_shape: tuple, arg_shape: tuple, like):
    """Columns (one per element of the argument, each of ``out_shape``) as
    one array of shape ``out_shape + arg_shape``."""
    if arg_shape == ():
        return cols[0]
    xp, placed = _space(like)
    parts = [xp.broadcast_to(xp.asarray(c, **placed), tuple(out_shape)) for c in cols]
    return xp.reshape(xp.stack(parts, axis=-1), tuple(out_shape) + tuple(arg_shape))


def rows(bars: list, out_shape: tuple, arg_shape: tuple, like):
    """Rows (one per element of the output, each of ``arg_shape``): the
    reverse Jacobian, of shape ``out_shape + arg_shape``."""
    xp, placed = _space(like)
    if out_shape == ():
        return bars[0]
    parts = [xp.reshape(xp.asarray(b, **placed), (-1,)) if arg_shape else
             xp.reshape(xp.asarray(b, **placed), (1,)) for b in bars]
    return xp.reshape(xp.stack(parts, axis=0), tuple(out_shape) + tuple(arg_shape))


def size(value) -> int:
    return math.prod(tuple(getattr(value, "shape", ())))
