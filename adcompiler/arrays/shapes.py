"""Shape inference over the IR: which values are arrays, and of what shape.

A shape is ``()`` for a scalar (a Python number or a 0-d value), a tuple of
dimensions (``int`` or ``None`` when unknown) for an array, or ``None`` when
nothing is known (not even whether it is an array).  Parameters get their
shapes from the call (the API specialises on its arguments' shapes, like a
JAX trace) or from the command line; everything else follows.

The transforms read it to decide what scalar code never needs: reducing an
adjoint back to a broadcast operand's shape, ``np.zeros_like`` zeros, NumPy
spellings of ``select``.  With every parameter a scalar, every value is a
scalar and the emitted code is exactly the scalar code.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.ir import Block, Const, Eqn, ForRange, Function, If
from ..prims.primitives import PRIMS

SCALAR = ()


@dataclass(frozen=True)
class Tup:
    """A Python tuple of values (``x.shape``, packed residuals)."""

    items: tuple


@dataclass(frozen=True)
class Sym:
    """A dimension whose size is read from the arguments at run time
    (``adc compile --shapes X=200x3`` compiles shape-generic code): equal to
    itself, never 1 (the emitted entry checks both), and not a number, so
    nothing folds it into a constant (arithmetic on it raises)."""

    label: str

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
        known = [d for d in dims if d is not None and d != 1]
        if any(d is None for d in dims) and not known:
            out.append(None)
        elif known:
            out.append(known[0])
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


# ---------------------------------------------------------------- inference
class Inference:
    """Shapes of every variable of one function (``self.shapes``)."""

    def __init__(self, callee_shapes=None) -> None:
        self.shapes: dict = {}
        self.dtypes: dict = {}  # var -> 'b' (boolean) or 'i' (integer) where known
        self.pushed: dict = {}  # tape var -> shapes of the pushed values
        self.callee_shapes = callee_shapes  # fn(key, arg shapes) -> result shapes, or None
        self.filename = "<unknown>"

    def of(self, a):
        if isinstance(a, Const):
            return _const_shape(a.value)
        return self.shapes.get(a)

    def dtype(self, a):
        if isinstance(a, Const):
            v = a.value
            return "b" if isinstance(v, bool) else ("i" if isinstance(v, int) else
                                                    ("f" if isinstance(v, float) else None))
        return self.dtypes.get(a)

    def run(self, fn: Function, params: dict, dtypes: dict | None = None) -> dict:
        self.filename = fn.filename
        for p in fn.params:
            self.shapes[p] = params.get(p.name)
            if dtypes and dtypes.get(p.name):
                self.dtypes[p] = dtypes[p.name]
        self.block(fn.body)
        return self.shapes

    def block(self, block: Block) -> None:
        for s in block.stmts:
            if isinstance(s, Eqn):
                self.eqn(s)
            elif isinstance(s, If):
                self.block(s.then)
                self.block(s.orelse)
                for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
                    self.shapes[o] = _join_branch(self.of(a), self.of(b), a, b)
                    if self.dtype(a) == self.dtype(b) == "f":
                        self.dtypes[o] = "f"
            else:
                self.loop(s)

    def loop(self, s) -> None:
        is_for = isinstance(s, ForRange)
        carried = s.body.params[1:] if is_for else s.body.params
        mirrors = () if is_for else s.cond.params
        if is_for:
            self.shapes[s.body.params[0]] = SCALAR
        current = [self.of(a) for a in s.inits]
        floats = [self.dtype(a) == "f" for a in s.inits]
        for k, p in enumerate(carried):  # optimistic; checked against the results below
            if floats[k]:
                self.dtypes[p] = "f"
                if mirrors:
                    self.dtypes[mirrors[k]] = "f"
        for _ in range(10):
            for k, p in enumerate(carried):
                self.shapes[p] = current[k]
                if mirrors:
                    self.shapes[mirrors[k]] = current[k]
            if not is_for:
                self.block(s.cond)
            self.block(s.body)
            nxt = [_join_branch(c, self.of(r), None, r) for c, r in zip(current, s.body.results)]
            if nxt == current:
                break
            current = nxt
        else:  # pragma: no cover - the lattice is shallow; this is a safety net
            current = [None] * len(current)
        for k, (o, c) in enumerate(zip(s.outs, current)):
            self.shapes[o] = c
            if floats[k] and self.dtype(s.body.results[k]) == "f":
                self.dtypes[o] = "f"
            else:
                self.dtypes.pop(carried[k], None)

    def eqn(self, e: Eqn) -> None:
        args = [self.of(a) for a in e.args]
        rule = _RULES.get(e.prim)
        if e.prim == "push":
            self.pushed[e.args[0]] = args[1:]
            return
        if e.prim == "pop":
            shapes = self.pushed.get(e.args[0], [None] * len(e.outs))
        elif e.prim == "call":
            shapes = self.call(e, args)
        elif e.prim == "index" and not isinstance(args[0], Tup):
            shapes = [self.index(e, args)]
        elif e.prim == "unpack":
            packed = args[0]
            shapes = packed.items if isinstance(packed, Tup) else [None] * len(e.outs)
        elif rule is not None:
            shapes = [rule(e, args)]
        elif _elementwise(e.prim):
            self.check_broadcast(e, args)
            shapes = [broadcast(*args)]
        else:
            shapes = [None] * len(e.outs)
        for o, sh in zip(e.outs, shapes):
            self.shapes[o] = sh
        if PRIMS[e.prim].form == "compare" or e.prim in ("and", "or", "not"):
            self.dtypes[e.outs[0]] = "b"
        elif e.prim in ("len", "size", "ndim", "intarray") or PRIMS[e.prim].dtype == "int":
            self.dtypes[e.outs[0]] = "i"
        elif e.prim == "global":
            self.dtypes[e.outs[0]] = e.param("kind")
        elif e.outs and self.makes_float(e):
            self.dtypes[e.outs[0]] = "f"

    def check_broadcast(self, e: Eqn, args: list) -> None:
        """Operands whose sizes can never broadcast (3 against 4, or two
        sizes declared different) are an error at their line: NumPy would
        raise there, and the gradient must not be emitted for it."""
        fixed_args = [a for a in args if isinstance(a, tuple) and a]
        if len(fixed_args) < 2:
            return
        ndim = max(len(a) for a in fixed_args)
        for k in range(1, ndim + 1):
            dims = {a[-k] for a in fixed_args if len(a) >= k and a[-k] is not None and a[-k] != 1}
            ints, syms = {d for d in dims if isinstance(d, int)}, dims - {d for d in dims if isinstance(d, int)}
            if len(ints) > 1 or len(syms) > 1:
                from ..errors import CompileError
                shown = " and ".join(str(tuple(shown_dim(d) for d in a)) for a in fixed_args)
                where = f": {e.loc.text}" if e.loc.text else ""
                raise CompileError(f"operands of shapes {shown} cannot be broadcast together"
                                   f"{where}", self.filename, e.loc.line, e.loc.col, "shape")

    def makes_float(self, e: Eqn) -> bool:
        """Is the result a float (so ``+=`` of a float into it is allowed)?"""
        p = PRIMS[e.prim]
        if p.dtype == "float" or e.prim in _FLOAT_RESULT:
            return True
        if (p.dtype is None and p.partial is not None) or e.prim in _FOLLOWS_ARGS:
            return any(self.dtype(a) == "f" for a in e.args[:3])
        return False

    def index(self, e: Eqn, args: list):
        from ..prims.npprims import index_items
        _check_unpack(e, args[0])
        items = []
        for it in index_items(e.param("spec"), e.args[1:]):
            if it[0] == "a":
                sh = self.of(it[1])
                kind = "int" if sh == () else {"b": "mask", "i": "int"}.get(self.dtype(it[1]), "?")
                items.append((kind, sh))
            else:
                items.append(it)
        return index_shape(args[0], items)

    def call(self, e: Eqn, args: list) -> list:
        if self.callee_shapes is not None:
            return list(self.callee_shapes(e.param("fn"), tuple(args)))
        if all(is_scalar(a) for a in args):
            return [SCALAR] * len(e.outs)
        return [None] * len(e.outs)


def shown_dim(d):
    """A dimension as the user declared it (a :class:`Sym` carries the size)."""
    return int(d.label) if isinstance(d, Sym) and d.label.isdigit() else d


def _check_unpack(e: Eqn, x) -> None:
    """``a, b, c = M`` needs M to have exactly 3 rows (Python raises
    otherwise): a known other number is an error, a size read at run time
    (:class:`Sym`) cannot be compiled shape-generic (the caller falls back to
    checked sizes)."""
    n = e.param("unpack")
    if n is None or not isinstance(x, tuple) or not x:
        return
    from ..prims.arrayrules import ShapeNeeded
    if isinstance(x[0], Sym):
        raise ShapeNeeded(e.args[0], "unpacking an array needs its number of rows")
    if isinstance(x[0], int) and x[0] != n:
        raise ShapeNeeded(e.args[0], f"cannot unpack an array of {x[0]} rows into {n} names")


def _join_branch(a, b, va, vb):
    """Join two branch values; a ``None`` constant (a value one branch does not
    define) takes the other side's shape."""
    if isinstance(va, Const) and va.value is None:
        return b
    if isinstance(vb, Const) and vb.value is None:
        return a
    return join(a, b)


def _const_shape(value):
    if isinstance(value, tuple):
        return Tup(tuple(_const_shape(v) for v in value))
    return SCALAR


#: the dtype facts of scalar primitives are their records' (``dtype``:
#: 'float' always float, 'int' always integral, None follows the arguments;
#: a record with a ``partial`` is elementwise); these name the array
#: primitives whose records do not say it yet
_FLOAT_RESULT = {"norm", "eye_like", "trace"}
_FOLLOWS_ARGS = {"matmul", "sum", "mean", "outer", "index", "transpose", "reshape", "amax",
                 "amin", "prod", "where", "concatenate", "stack", "expand_dims", "zeros_like",
                 "index_add", "unbroadcast", "unsum", "expand_red", "reshape_like", "copy"}
_ELEMENTWISE_ARRAY = {"where", "copy"}


def _elementwise(prim: str) -> bool:
    """Does ``prim`` broadcast its operands (elementwise result shape)?"""
    p = PRIMS[prim]
    return p.partial is not None or p.form in ("binop", "unary", "compare", "call") \
        or prim in _ELEMENTWISE_ARRAY


# ---------------------------------------------------------------- rules
def _matmul(e, args):
    a, b = args
    if a is None or b is None or isinstance(a, Tup) or isinstance(b, Tup):
        return None
    if len(a) == 1 and len(b) == 1:
        return SCALAR
    if len(a) == 2 and len(b) == 2:
        return (a[0], b[1])
    if len(a) == 1 and len(b) == 2:
        return (b[1],)
    if len(a) == 2 and len(b) == 1:
        return (a[0],)
    return None


def _transpose(e, args):
    return None if args[0] is None else tuple(reversed(args[0]))


def _outer(e, args):
    a, b = args
    if a is None or b is None:
        return (None, None)

    def flat(s):  # np.outer flattens its operands
        return size(s) if known(s) else s[0] if len(s) == 1 else None
    return (flat(a), flat(b))


def _reduce(e, args):
    return reduced(args[0], e.param("axis"), e.param("keepdims", False))


def _reshape(e, args):
    x = args[0]
    dims = []
    for a in e.args[1:]:
        dims.append(a.value if isinstance(a, Const) and isinstance(a.value, int) else None)
    if -1 in dims and known(x) and all(d is not None for d in dims):
        rest = size(tuple(d for d in dims if d != -1))
        dims[dims.index(-1)] = size(x) // rest if rest else None
    return tuple(None if d == -1 else d for d in dims)


def _expand_dims(e, args):
    x = args[0]
    if x is None:
        return None
    axis = e.param("axis") % (len(x) + 1)
    return x[:axis] + (1,) + x[axis:]


def _concatenate(e, args):
    if any(a is None for a in args):
        return None
    nd = len(args[0])
    axis = e.param("axis", 0) % nd
    dims = [a[axis] for a in args]
    total = sum(dims) if all(isinstance(d, int) for d in dims) else None
    return args[0][:axis] + (total,) + args[0][axis + 1:]


def _stack(e, args):
    first = args[0]
    if first is None:
        return None
    axis = e.param("axis", 0) % (len(first) + 1)
    return first[:axis] + (len(args),) + first[axis:]


def index_shape(x, items: list) -> object:
    """Shape of ``x[...]``; ``items`` are :func:`npprims.index_items` pairs with
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
    out, dim, fancy = [], 0, []
    for kind, *more in items:
        if kind is None:
            out.append(1)
        elif kind == "s":
            out.append(_slice_len(x[dim], more[0]) if dim < len(x) else None)
            dim += 1
        elif kind == "mask":
            fancy.append((len(out), (None,)))
            dim += len(more[0])
        elif more[0] == ():
            dim += 1
        else:
            fancy.append((len(out), more[0]))
            dim += 1
    if dim > len(x) or len(fancy) > 1:
        return None
    if fancy:
        pos, sh = fancy[0]
        out = out[:pos] + list(sh) + out[pos:]
    return tuple(out)


def _slice_len(n, bounds):
    if not isinstance(n, int) or not all(b is None or (isinstance(b, Const) and isinstance(b.value, int))
                            for b in bounds):
        return None
    lo, hi, st = (None if b is None else b.value for b in bounds)
    return len(range(n)[slice(lo, hi, st)])


_RULES = {
    "matmul": _matmul, "transpose": _transpose, "outer": _outer,
    "trace": lambda e, a: SCALAR, "norm": lambda e, a: SCALAR,
    "sum": _reduce, "mean": _reduce, "amax": _reduce, "amin": _reduce, "prod": _reduce,
    "reshape": _reshape, "expand_dims": _expand_dims, "concatenate": _concatenate,
    "stack": _stack, "len": lambda e, a: SCALAR, "size": lambda e, a: SCALAR,
    "ndim": lambda e, a: SCALAR,
    "shape": lambda e, a: None if a[0] is None else Tup(tuple(SCALAR for _ in a[0])),
    "zeros_like": lambda e, a: a[0], "eye_like": lambda e, a: a[0],
    "index_add": lambda e, a: a[0], "unbroadcast": lambda e, a: a[1],
    "unsum": lambda e, a: e.param("shape") if e.param("shape") is not None else a[1],
    "reshape_like": lambda e, a: a[1],
    "expand_red": lambda e, a: _expand_red(e, a[0]),
    "pack": lambda e, a: Tup(tuple(a)),
    "intarray": lambda e, a: (len(e.param("values")),),
    "global": lambda e, a: e.param("shape"),
    "new_tape": lambda e, a: None,
}


def _expand_red(e, g):
    axis, keepdims, ndim = e.param("axis"), e.param("keepdims", False), e.param("ndim")
    if keepdims or g is None:
        return g
    if axis is None:
        return g if g == () else None
    axes = normalize_axis(axis, ndim)
    out = list(g)
    for a in axes:
        out.insert(a, 1)
    return tuple(out)


def _getitem(e, args):
    x = args[0]
    if isinstance(x, Tup):
        k = e.param("index")
        return x.items[k] if isinstance(k, int) and -len(x.items) <= k < len(x.items) else None
    return None


_RULES["getitem"] = _getitem


def infer(fn: Function, params: dict, callee_shapes=None, dtypes: dict | None = None) -> dict:
    """``{var: shape}`` for every variable of ``fn`` given ``{param name: shape}``
    (and, optionally, ``{param name: 'b' | 'i' | 'f'}``: boolean, integer or
    float values)."""
    return Inference(callee_shapes).run(fn, params, dtypes)


def infer_with_dtypes(fn: Function, params: dict, callee_shapes=None,
                      dtypes: dict | None = None) -> tuple:
    """``(shapes, {var: dtype letter})``."""
    inf = Inference(callee_shapes)
    return inf.run(fn, params, dtypes), inf.dtypes
