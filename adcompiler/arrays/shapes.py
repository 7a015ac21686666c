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


from ..core.ir import Block, Const, Eqn, ForRange, Function, If
from ..prims.primitives import PRIMS
from .sizes import Sizes, tuple_item

# the shape algebra lives with the records' shape rules (a leaf module)
from ..prims.shapecalc import (SCALAR, Sym, Tup, broadcast, fixed, is_scalar,  # noqa: F401
                               join, known, size)


# ---------------------------------------------------------------- inference
class Inference:
    """Shapes of every variable of one function (``self.shapes``)."""

    def __init__(self, callee_shapes=None, dtypes_only: bool = False) -> None:
        self.dtypes_only = dtypes_only  # only which values are floats, ints, booleans
        self.shapes: dict = {}
        self.dtypes: dict = {}  # var -> 'b' (boolean) or 'i' (integer) where known
        self.pushed: dict = {}  # tape var -> shapes of the pushed values
        self.callee_shapes = callee_shapes  # fn(key, arg shapes) -> result shapes, or None
        self.sizes = Sizes()  # integer values that are sizes: len(x), x.shape[0] - 1
        self.filename = "<unknown>"
        self.kinds: dict = {}  # primitive -> _dtype_kind(primitive), for this run

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
                if self.dtypes_only:
                    self.eqn_dtype(s)
                else:
                    self.eqn(s)
            elif isinstance(s, If):
                self.block(s.then)
                self.block(s.orelse)
                for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
                    self.shapes[o] = _join_branch(self.of(a), self.of(b), a, b)
                    if self.dtype(a) == self.dtype(b) == "f":
                        self.dtypes[o] = "f"
                    else:  # (a loop's body walked again may have said otherwise)
                        self.dtypes.pop(o, None)
            else:
                self.loop(s)

    def loop(self, s) -> None:
        is_for = isinstance(s, ForRange)
        carried = s.body.params[1:] if is_for else s.body.params
        mirrors = () if is_for else s.cond.params
        if is_for:
            self.shapes[s.body.params[0]] = SCALAR
        floats = [self.dtype(a) == "f" for a in s.inits]
        while True:  # optimistic: a carried float that comes back otherwise is not one
            for k, p in enumerate(carried):
                for v in (p, mirrors[k]) if mirrors else (p,):
                    if floats[k]:
                        self.dtypes[v] = "f"
                    else:
                        self.dtypes.pop(v, None)
            current = self.loop_shapes(s, carried, mirrors, is_for)
            lost = [k for k, r in enumerate(s.body.results)
                    if floats[k] and self.dtype(r) != "f"]
            if not lost:
                break
            for k in lost:  # and walk the body again without the assumption
                floats[k] = False
        for k, (o, c) in enumerate(zip(s.outs, current)):
            self.shapes[o] = c
            if floats[k]:
                self.dtypes[o] = "f"
            else:
                self.dtypes.pop(o, None)

    def loop_shapes(self, s, carried: tuple, mirrors: tuple, is_for: bool) -> list:
        """The carried values' shapes: the body walked until they settle
        (once, when only dtypes are asked for)."""
        current = [self.of(a) for a in s.inits]
        if self.dtypes_only:
            if not is_for:
                self.block(s.cond)
            self.block(s.body)
            return current
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
                return current
            current = nxt
        return [None] * len(current)  # pragma: no cover - the lattice is shallow; a safety net

    def eqn(self, e: Eqn) -> None:
        if not self.dtypes_only:
            self.eqn_shapes(e)
        self.eqn_dtype(e)

    def eqn_shapes(self, e: Eqn) -> None:
        args = [self.of(a) for a in e.args]
        rule = PRIMS[e.prim].shape
        if e.prim in ("len", "index") and args and args[0] == ():
            self.not_a_sequence(e)
        if e.prim == "push":
            self.pushed[e.args[0]] = args[1:]
            return
        if e.prim in ("pop", "restore"):
            shapes = self.pushed.get(e.args[0], [None] * len(e.outs))
        elif e.prim == "call":
            shapes = self.call(e, args)
        elif e.prim == "unpack":
            packed = args[0]
            shapes = packed.items if isinstance(packed, Tup) else [None] * len(e.outs)
        elif e.prim == "index" and isinstance(args[0], Tup):  # x.shape[0]
            shapes = [tuple_item(args[0], e)]
        elif rule is not None:
            if e.prim == "matmul":
                self.check_contraction(e, args)
            shapes = [rule(self.sizes.sized(e), args, self.dtype)]
        elif e.prim in _CORE_RULES:
            shapes = [_CORE_RULES[e.prim](e, args)]
        elif _elementwise(e.prim):
            self.check_broadcast(e, args)
            shapes = [broadcast(*args)]
        else:
            shapes = [None] * len(e.outs)
        for o, sh in zip(e.outs, shapes):
            self.shapes[o] = sh
        self.sizes.note(e, args)

    def eqn_dtype(self, e: Eqn) -> None:
        # (every equation of a function passes here: the primitive's kind is
        # looked up once per run, and the common cases decided first)
        if not e.outs:
            return
        known = self.kinds.get(e.prim)
        if known is None:
            known = self.kinds[e.prim] = _dtype_kind(e.prim)
        kind, floats = known
        out, dtypes = e.outs[0], self.dtypes
        if kind in ("b", "i"):
            dtypes[out] = kind
        elif kind == "global":
            dtypes[out] = e.param("kind")
        elif kind == "part" and dtypes.get(e.args[0]) in ("i", "b"):
            dtypes[out] = dtypes[e.args[0]]  # c[:, 0] of integers: integers
        elif kind != "push" and (floats == "always" or self.makes_float(e, floats)):
            dtypes[out] = "f"
        elif floats == "any" and self.of_ints(e):  # np.sum(X) of integers: integers
            dtypes[out] = "f" if e.prim in _FLOAT_OF_INTS else "i"
        else:  # unknown (a loop's body walked again may have said otherwise)
            dtypes.pop(out, None)

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
                err = CompileError(f"operands of shapes {shown} cannot be broadcast together"
                                   f"{where}", self.filename, e.loc.line, e.loc.col, "shape")
                if not ints and len({d.label for d in syms}) == 1:
                    err.tie = syms  # declared the same size: the code needs them equal
                raise err

    def check_contraction(self, e: Eqn, args: list) -> None:
        """``a @ b`` needs ``a``'s last dimension equal to ``b``'s first (of
        a vector) or second to last: two symbols declared with the same size
        there are tied (see :meth:`check_broadcast`)."""
        a, b = args
        if not (isinstance(a, tuple) and isinstance(b, tuple) and a and b):
            return
        inner = {a[-1], b[0] if len(b) == 1 else b[-2]}
        if len(inner) == 2 and all(isinstance(d, Sym) for d in inner) \
                and len({d.label for d in inner}) == 1:
            from ..errors import CompileError
            err = CompileError("the inner dimensions of @ must be equal", self.filename,
                               e.loc.line, e.loc.col, "shape")
            err.tie = inner
            raise err

    def not_a_sequence(self, e: Eqn) -> None:
        """``len``, indexing or a ``for`` loop on a number: Python raises
        TypeError there, so no gradient is emitted for it."""
        from ..errors import not_a_sequence
        raise not_a_sequence(e, self.filename)

    def makes_float(self, e: Eqn, floats: str) -> bool:
        """Is the result a float (so ``+=`` of a float into it is allowed)?
        ``floats``: always, when an operand is (``any``), or not by itself
        (``''``) -- from the record (:func:`_dtype_kind`)."""
        if floats == "always":
            return True
        if floats == "any":
            for a in e.args[:3]:
                if (isinstance(a.value, float) if type(a) is Const
                        else self.dtypes.get(a) == "f"):
                    return True
        return bool(e.param("as_float"))

    def of_ints(self, e: Eqn) -> bool:
        """Are ``e``'s operands integers (known integer or boolean values,
        and integer or structural constants, at least one integer), so that
        a result following them (``X + 1``, ``np.sum(X, axis=0)``, ``X @ Y``)
        is integers too, as in NumPy?  Unknown dtypes stay unknown."""
        dtypes, some = self.dtypes, False
        for a in e.args:
            if type(a) is Const:
                if isinstance(a.value, (float, complex)) or isinstance(a.value, tuple) and any(
                        not isinstance(x, int) for x in a.value):
                    return False
                some = some or type(a.value) is int
                continue
            kind = dtypes.get(a)
            if kind not in ("i", "b"):
                return False
            some = some or kind == "i"
        return some

    def call(self, e: Eqn, args: list) -> list:
        if self.callee_shapes is not None:
            return list(self.callee_shapes(e.param("fn"), tuple(args)))
        if all(is_scalar(a) for a in args):
            return [SCALAR] * len(e.outs)
        return [None] * len(e.outs)


def shown_dim(d):
    """A dimension as the user declared it (a :class:`Sym` carries the size)."""
    return int(d.label) if isinstance(d, Sym) and d.label.isdigit() else d


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


# the dtype facts are the records' (``dtype``: 'float' always float, 'int'
# always integral, None follows the arguments, for an elementwise record (one
# with a ``partial``) or an array one); a record with a ``partial`` is
# elementwise


def _elementwise(prim: str) -> bool:
    """Does ``prim`` broadcast its operands (elementwise result shape)?"""
    p = PRIMS[prim]
    return p.partial is not None or p.form in ("binop", "unary", "compare", "call")


# ---------------------------------------------------------------- rules
# the shape rules of the primitives the transforms themselves introduce
# (every other primitive's rule is its record's ``shape``)
def _getitem(e, args):
    x = args[0]
    if isinstance(x, Tup):
        k = e.param("index")
        return x.items[k] if isinstance(k, int) and -len(x.items) <= k < len(x.items) else None
    return None


_CORE_RULES = {
    "pack": lambda e, a: Tup(tuple(a)),
    "new_tape": lambda e, a: None,
    "new_checkpoints": lambda e, a: None,
    "getitem": _getitem,
}


def infer(fn: Function, params: dict, callee_shapes=None, dtypes: dict | None = None) -> dict:
    """``{var: shape}`` for every variable of ``fn`` given ``{param name: shape}``
    (and, optionally, ``{param name: 'b' | 'i' | 'f'}``: boolean, integer or
    float values)."""
    return Inference(callee_shapes).run(fn, params, dtypes)


def _dtype_kind(prim: str) -> tuple:
    """What a primitive's result dtype follows, from its record: ``(kind,
    floats)``, see :meth:`Inference.eqn_dtype` and :meth:`Inference.makes_float`
    (each run asks once per primitive: ``Inference.kinds``)."""
    p = PRIMS[prim]
    kind = ("push" if prim == "push" else
            "b" if p.form == "compare" or prim in ("and", "or", "not") else
            "i" if p.dtype == "int" else
            "global" if prim == "global" else
            "part" if prim in _PART_OF_FIRST else "")
    floats = ("always" if p.dtype == "float" else
              "any" if p.dtype is None and (p.partial is not None
                                            or p.extra.get("structural")) else "")
    return kind, floats


#: primitives following their operands whose NumPy result of integers is
#: a float nonetheless (``np.mean(X)`` of integers is a float64)
_FLOAT_OF_INTS = frozenset(("mean",))
#: primitives whose result is elements of their first argument (its dtype too)
_PART_OF_FIRST = frozenset(("index", "transpose", "reshape", "reshape_like", "expand_dims",
                            "flip", "atleast_1d", "atleast_2d", "atleast_3d"))


def infer_with_dtypes(fn: Function, params: dict, callee_shapes=None,
                      dtypes: dict | None = None) -> tuple:
    """``(shapes, {var: dtype letter})``."""
    inf = Inference(callee_shapes)
    return inf.run(fn, params, dtypes), inf.dtypes

