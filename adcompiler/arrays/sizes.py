"""Integer values that are array sizes, followed through shape inference.

``np.zeros(len(x))`` or ``n = obs.shape[0] - 1; np.zeros((n + 1, 2))``
builds a buffer whose size is one of the arguments' dimensions.  Knowing it
lets the specialiser drop ``unbroadcast`` between the buffer and the
arguments and the emitter prove who owns a buffer.  A size is an ``int``
(the API compiles for the call's shapes), a :class:`Sym` (a dimension read
at run time, ``adc compile --shapes``), or an :class:`Offset` of a symbol
(``obs.shape[0] - 1``), which is a size again only once the offset is back
to 0 (``n + 1``).  Everything else is not tracked (``None``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..core.ir import Const, Var
from ..prims.shapecalc import Sym, Tup

#: the builders whose integer arguments are sizes (``np.zeros(n)``, ...)
SIZED = frozenset({"zeros", "ones", "full", "eye"})


@dataclass(frozen=True)
class Offset:
    """``sym + off`` with ``off != 0``: not a size itself (it may be 1)."""

    sym: Sym
    off: int


def _split(v):
    """``(symbol or None, integer offset)`` of a tracked integer value."""
    if isinstance(v, Offset):
        return v.sym, v.off
    if isinstance(v, Sym):
        return v, 0
    return None, v


def _make(sym, off):
    if sym is None:
        return off
    return sym if off == 0 else Offset(sym, off)


def _arith(prim: str, a, b):
    if a is None or b is None or isinstance(a, tuple) or isinstance(b, tuple):
        return None
    (sa, oa), (sb, ob) = _split(a), _split(b)
    if prim == "add" and (sa is None or sb is None):
        return _make(sa or sb, oa + ob)
    if prim == "sub" and sb is None:
        return _make(sa, oa - ob)
    if sa is not None or sb is not None:
        return None
    if prim == "mul":
        return oa * ob
    if prim in ("floordiv", "mod") and ob > 0:
        return oa // ob if prim == "floordiv" else oa % ob
    return None


class Sizes:
    """``{var: tracked value}`` of one inference run."""

    def __init__(self) -> None:
        self.values: dict = {}

    def of(self, a):
        if isinstance(a, Const):
            v = a.value
            return v if type(v) is int else None
        return self.values.get(a)

    def note(self, e, shapes: list) -> None:
        """Record the value of ``e``'s output when it is a size (or a tuple
        of sizes: ``x.shape``); ``shapes`` are its operands' shapes."""
        value = None
        if e.prim == "shape" and isinstance(shapes[0], tuple):
            value = tuple(shapes[0])
        elif e.prim == "len" and isinstance(shapes[0], tuple) and shapes[0]:
            value = shapes[0][0]
        elif e.prim in ("index", "getitem"):
            value = self._item(e)
        elif e.prim in ("add", "sub", "mul", "floordiv", "mod") and len(e.args) == 2:
            value = _arith(e.prim, self.of(e.args[0]), self.of(e.args[1]))
        elif e.prim == "unpack" and isinstance(self.of(e.args[0]), tuple):
            for o, v in zip(e.outs, self.of(e.args[0])):
                self._set(o, v)
            return
        self._set(e.outs[0] if e.outs else None, value)

    def _set(self, out, value) -> None:
        if out is None:
            return
        if value is None:
            self.values.pop(out, None)
        else:
            self.values[out] = value

    def _item(self, e):
        """``x.shape[k]`` with a constant ``k``."""
        items = self.of(e.args[0])
        if e.prim == "getitem":
            k = e.param("index")
        elif e.param("spec") == ("a",) and len(e.args) == 2:
            k = self.of(e.args[1]) if isinstance(e.args[1], Const) else None
        else:
            k = None
        if isinstance(items, tuple) and type(k) is int and -len(items) <= k < len(items):
            return items[k]
        return None

    def sized(self, e):
        """``e`` with each argument whose value is a known size (or ``x.shape``)
        replaced by a constant holding it, for the shape rules of the builders
        and of slices (``x[:n]`` with a known ``n``; never emitted)."""
        if e.prim not in SIZED and e.prim != "index":
            return e
        args = []
        for a in e.args:
            v = self.values.get(a) if isinstance(a, Var) else None
            if e.prim == "index" and type(v) is not int:
                args.append(a)  # a slice's length needs numbers
            elif isinstance(v, (int, Sym)) or (isinstance(v, tuple) and v and e.prim != "eye"):
                args.append(Const(v))
            else:
                args.append(a)
        return replace(e, args=tuple(args))


def tuple_item(shape, e):
    """Shape of ``t[k]`` for a Python tuple ``t`` (``x.shape[0]``)."""
    if not isinstance(shape, Tup) or e.param("spec") != ("a",) or len(e.args) != 2:
        return None
    k = e.args[1]
    if not isinstance(k, Const) or type(k.value) is not int:
        return None
    n = len(shape.items)
    return shape.items[k.value] if -n <= k.value < n else None
