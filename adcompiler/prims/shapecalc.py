"""The shape algebra the records' shape rules are written in (a leaf module:
:mod:`adcompiler.arrays.shapes` runs the inference and re-exports these).

A shape is ``()`` for a scalar (a Python number or a 0-d value), a tuple of
dimensions (``int``, a :class:`Sym`, or ``None`` when unknown) for an array,
a :class:`Tup` for a Python tuple of values, or ``None`` when nothing is
known (not even whether it is an array).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.ir import Const

SCALAR = ()


class ShapeNeeded(Exception):
    """A rule needs the rank (or a size) of an operand that shape inference
    does not know; ``args[0]`` is the operand, ``args[1]`` (if any) says why."""


@dataclass(frozen=True)
class Tup:
    """A Python tuple of values (``x.shape``, packed residuals)."""

    items: tuple


@dataclass(frozen=True)
class Sym:
    """A dimension whose size is read from the arguments at run time
    (``adc compile --shapes X=200x3`` compiles shape-generic code): equal to
    itself, never 1 (the emitted entry checks both), and not a number, so
    nothing folds it into a constant (arithmetic on it raises).  ``tag``
    tells apart two dimensions declared with the same size that the code
    does not need equal (``--shapes theta=2,obs=41x2``)."""

    label: str
    tag: str = ""

    def __repr__(self) -> str:  # never valid code: a leak into emitted text is found
        return f"__adc_dim_{self.label}__"


def is_scalar(shape) -> bool:
    return shape == ()


def broadcast(*shapes):
    """The shape of an elementwise result (``None`` if any operand is unknown)."""
    if any(s is None or isinstance(s, Tup) for s in shapes):
        return None
    ndim = max(len(s) for s in shapes)
    out = []
    for k in range(ndim):
        dims = [s[len(s) - ndim + k] for s in shapes if len(s) - ndim + k >= 0]
        sizes = [d for d in dims if d is not None and d != 1]
        if any(d is None for d in dims) and not sizes:
            out.append(None)
        elif sizes:
            out.append(sizes[0])
        else:
            out.append(1)
    return tuple(out)


def join(a, b):
    """What is known of a value that may have shape ``a`` or ``b``."""
    if a == b:
        return a
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and a and b:
        return tuple(x if x == y else None for x, y in zip(a, b))
    return None


def known(shape) -> bool:
    """Every dimension is a number (sizes may be folded into the code)."""
    return isinstance(shape, tuple) and all(isinstance(d, int) for d in shape)


def fixed(shape) -> bool:
    """Every dimension is a number or a :class:`Sym` (shapes can be compared)."""
    return isinstance(shape, tuple) and all(d is not None for d in shape)


def size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def normalize_axis(axis, ndim: int):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def reduced(shape, axis, keepdims):
    if shape is None:
        return None
    axes = normalize_axis(axis, len(shape))
    if keepdims:
        return tuple(1 if k in axes else d for k, d in enumerate(shape))
    return tuple(d for k, d in enumerate(shape) if k not in axes)


def index_items(spec: tuple, atoms: tuple) -> list:
    """Pair each item of an index ``spec`` with its atoms:
    ``[('a', atom) | ('s', (lo, hi, st)) | (None,) | ('...',)]``.

    ``spec`` has one item per subscript element: ``'a'`` (the next atom: an
    int, an int array or a boolean mask), ``('s', start?, stop?, step?)`` (a
    slice; each flag says whether the next atom is that bound), ``None``
    (``np.newaxis``) or ``'...'``."""
    out, k = [], 0
    for item in spec:
        if item == "a":
            out.append(("a", atoms[k]))
            k += 1
        elif isinstance(item, tuple):
            bounds = []
            for present in item[1:]:
                bounds.append(atoms[k] if present else None)
                k += present
            out.append(("s", tuple(bounds)))
        elif item is None:
            out.append((None,))
        else:
            out.append(("...",))
    return out


def index_shape(x, items: list) -> object:
    """Shape of ``x[...]``; ``items`` are :func:`index_items` pairs with
    each atom replaced by ``('int', shape)``, ``('mask', shape)`` or
    ``('?', shape)`` (an array of unknown dtype)."""
    if x is None or isinstance(x, Tup):
        return None
    if any(it[0] in ("int", "mask", "?") and it[1] is None for it in items):
        return None
    if any(it[0] == "?" and it[1] != () for it in items):
        return None
    width = {"s": 1, "int": 1, "?": 1}
    used = sum(len(it[1]) if it[0] == "mask" else width.get(it[0], 0) for it in items)
    rest = [("s", (None, None, None))] * (len(x) - used)
    if any(it[0] == "..." for it in items):
        k = next(i for i, it in enumerate(items) if it[0] == "...")
        items = items[:k] + rest + items[k + 1:]
    else:
        items = items + rest
    out, dim, advanced = [], 0, []  # advanced: (position in out, shape) of ints and arrays
    for kind, *more in items:
        if kind is None:
            out.append(1)
        elif kind == "s":
            out.append(_slice_len(x[dim], more[0]) if dim < len(x) else None)
            dim += 1
        elif kind == "mask":
            advanced.append((len(out), (None,)))
            dim += len(more[0])
        else:
            advanced.append((len(out), more[0]))
            dim += 1
    if dim > len(x):
        return None
    if all(sh == () for _, sh in advanced):  # integers only: basic indexing
        return tuple(out)
    if sum(len(sh) for _, sh in advanced if sh == (None,)) and len(advanced) > 1:
        return None  # a mask with other advanced indices
    sh = _broadcast_all([sh for _, sh in advanced])
    if sh is None:
        return None
    # NumPy: the advanced indices' broadcast shape takes their place when they
    # are adjacent (x[:, i, j]), else it comes first (x[i, :, j], x[0, :, j])
    positions = {pos for pos, _ in advanced}
    pos = positions.pop() if len(positions) == 1 else 0
    return tuple(out[:pos] + list(sh) + out[pos:])


def _broadcast_all(shapes: list):
    """NumPy's broadcast of index shapes, or None when unknown (an unknown
    dimension beside another that is not 1) or impossible."""
    rank = max(len(s) for s in shapes)
    out = []
    for k in range(rank):
        dims = {s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0} - {1}
        if len(dims) > 1:
            return None
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def _slice_len(n, bounds):
    def constant(b) -> bool:
        return b is None or (isinstance(b, Const) and isinstance(b.value, int))
    if not isinstance(n, int) or not all(constant(b) for b in bounds):
        return None
    lo, hi, st = (None if b is None else b.value for b in bounds)
    return len(range(n)[slice(lo, hi, st)])
