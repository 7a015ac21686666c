"""Shape-aware rewrites of array code, run after reverse mode and optimisation.

With shapes known (:mod:`adcompiler.arrays.shapes`), generic steps become exact:

* ``unbroadcast(g, x)`` disappears when ``g`` already has ``x``'s shape and
  otherwise becomes the one or two ``np.sum`` calls it stands for;
* ``unsum(g, x)`` (a reduction's adjoint, broadcast back) is not materialised
  when its only job is to feed an elementwise operation that broadcasts it
  anyway to the same result;
* ``size(x)`` of a known shape is a constant;
* scalar-only spellings (``a if c else b``, and the formulas of
  :mod:`adcompiler.prims.formula`: the ``max`` tie weight, the sign ladder)
  become their NumPy forms on arrays.
"""
from __future__ import annotations

from ..core.ir import Block, Builder, Const, Eqn, Function, Names, uses
from ..core.rewrite import map_eqns
from ..optimize.passes import dce
from ..prims.formula import expand, tree_of
from ..prims.primitives import PRIMS
from ..prims.spelling import names
from .shapes import broadcast, fixed, infer_with_dtypes, known, size
from .simplify import simplify_arrays

_ELEMENTWISE_BIN = {"add", "sub", "mul", "div"}


class _Rewriter:
    def __init__(self, fn: Function, shapes: dict, kinds: dict | None = None) -> None:
        self.shapes = shapes
        self.kinds = kinds or {}  # var -> dtype letter ('b', 'i', 'f')
        self.names = Names.for_function(fn)
        self.results = set(fn.body.results)
        self.defs: dict = {}
        self.uses = uses(fn.body)

    def shape(self, a):
        return () if isinstance(a, Const) else self.shapes.get(a)

    def block(self, blk: Block) -> Block:
        return map_eqns(blk, self.eqn, self.block)

    def eqn(self, e: Eqn) -> list:
        for o in e.outs:
            self.defs[o] = e
        b = Builder(self.names, e.loc)
        method = getattr(self, "r_" + e.prim, None)
        if e.prim in _ELEMENTWISE_BIN:
            method = self.elementwise
        if method is None and PRIMS[e.prim].form == "call":
            method = self.numpy_spelling
        if method is None and PRIMS[e.prim].formula:
            method = self.by_formula
        if method is None:
            return [e]
        value = method(e, b)
        if value is None:
            return [e]
        out = b.stmts + [value if isinstance(value, Eqn) else _alias(e, value)]
        for s in out:
            for o in s.outs:
                self.defs[o] = s
        return out

    def array(self, a) -> bool:
        return self.shape(a) != ()

    # ------------------------------------------------------------ rewrites
    def r_unbroadcast(self, e: Eqn, b: Builder):
        g, like = e.args
        sg, sl = self.shape(g), self.shape(like)
        if sg == sl and (sg == () or fixed(sg)):
            return g
        if sl == () and sg is not None:
            return Eqn(e.outs, "sum", (g,), (("axis", None), ("keepdims", False)), e.loc)
        if not (fixed(sg) and fixed(sl)) or len(sg) < len(sl):
            return None
        lead = len(sg) - len(sl)
        ones = tuple(k for k, d in enumerate(sl) if d == 1 and sg[lead + k] != 1)
        if lead:
            axis = tuple(range(lead)) if lead > 1 else 0
            if not ones:
                return Eqn(e.outs, "sum", (g,), (("axis", axis), ("keepdims", False)), e.loc)
            g = b.eqn("sum", g, axis=axis, keepdims=False)
        if not ones:
            return g
        axis = ones if len(ones) > 1 else ones[0]
        return Eqn(e.outs, "sum", (g,), (("axis", axis), ("keepdims", True)), e.loc)

    def numpy_spelling(self, e: Eqn, b: Builder):
        """``math.log`` (from a rule) or builtin ``max`` on an array: ``np.log``."""
        if e.param("ns") == "np" or not names(PRIMS[e.prim], "np") \
                or not any(map(self.array, e.args)):
            return None
        params = tuple(sorted(dict(e.params, ns="np").items()))
        return Eqn(e.outs, e.prim, e.args, params, e.loc)

    def r_unsum(self, e: Eqn, b: Builder):
        """Broadcast to a known shape: a constant, so ``x`` need not stay alive.
        A gradient the function returns is a fresh writable array, not a view."""
        inner = self.defs.get(e.args[0])
        if isinstance(inner, Eqn) and inner.prim == "unsum" and not inner.param("fresh") \
                and self.shape(inner.args[0]) == () and known(self.shape(e.out)):
            # a number broadcast twice is one broadcast
            params = (("axis", None), ("keepdims", False), ("shape", self.shape(e.out)))
            return Eqn(e.outs, "unsum", (inner.args[0],), params, e.loc)
        if e.outs[0] in self.results and not e.param("fresh"):
            params = tuple(sorted(dict(e.params, fresh=True).items()))
            return Eqn(e.outs, "unsum", e.args, params, e.loc)
        if e.param("shape") is not None:
            return None
        s = self.shape(e.args[1])
        if not known(s):
            return None
        params = tuple(sorted(dict(e.params, shape=s).items()))
        return Eqn(e.outs, "unsum", (e.args[0],), params, e.loc)

    def r_size(self, e: Eqn, b: Builder):
        s = self.shape(e.args[0])
        if known(s):
            return Const(size(s))
        # shape-generic code: the size of an elementwise result is the size of
        # an operand of the same shape (so the result need not be kept for it)
        d = self.defs.get(e.args[0])
        if fixed(s) and isinstance(d, Eqn) and d.prim in _ELEMENTWISE_BIN \
                and self.uses.get(e.args[0]) == 1:
            for a in d.args:
                if not isinstance(a, Const) and self.shape(a) == s:
                    return Eqn(e.outs, "size", (a,), e.params, e.loc)
        return None

    def r_select(self, e: Eqn, b: Builder):
        if not any(self.array(a) for a in e.args):
            return None
        return Eqn(e.outs, "where", e.args, (), e.loc)

    def by_formula(self, e: Eqn, b: Builder):
        """A primitive its record defines by a formula (``sign``, the tie
        weights of ``max``) on arrays: its NumPy function if it has one
        (``np.sign``), else the formula with ``np.where`` for ``select``."""
        if not any(map(self.array, e.args)):
            return None
        if names(PRIMS[e.prim], "np"):
            return self.numpy_spelling(e, b)
        tree = tree_of(PRIMS[e.prim], dict(e.params), arrays=True)
        if tree is None:
            return None
        return expand(tree, b, list(e.args), {"select": "where"}, e.outs, e.loc)

    def reciprocal_square(self, args: list):
        """``(g * r) / y`` with ``r = 1 / y`` (the adjoint of ``r``) is
        ``(g * r) * r``: a product instead of a quotient, and ``y`` need not be
        kept for the adjoint (equal in exact arithmetic; as accurate)."""
        num, y = args
        d = self.defs.get(num)
        if not (isinstance(d, Eqn) and d.prim == "mul"):
            return None
        for r in d.args:
            rd = self.defs.get(r)
            if isinstance(rd, Eqn) and rd.prim == "div" and _is_one(rd.args[0]) \
                    and rd.args[1] == y and self.shape(r) == self.shape(num):
                return (num, r)
        return None

    def through_broadcast(self, e: Eqn, b: Builder):
        """``broadcast(g) op c`` with a scalar ``c`` is ``broadcast(g op c)``:
        the operation runs on the small value."""
        for k, a in enumerate(e.args):
            d = self.defs.get(a)
            if not (isinstance(d, Eqn) and d.prim == "unsum" and not d.param("fresh")):
                continue
            if all(self.shape(x) == () for j, x in enumerate(e.args) if j != k):
                small = [d.args[0] if j == k else x for j, x in enumerate(e.args)]
                inner = b.eqn(e.prim, *small)
                self.shapes[inner] = self.shape(d.args[0])
                return Eqn(e.outs, "unsum", (inner,) + d.args[1:], d.params, e.loc)
        return None

    def r_neg(self, e: Eqn, b: Builder):
        if self.kinds.get(e.args[0]) == "b":
            # NumPy refuses ``-mask`` (a boolean array or np.bool_, e.g.
            # ``(x > 0) * 1.0`` folded to the mask): the same numbers as floats
            if self.shape(e.args[0]) == ():
                return Eqn(e.outs, "neg", (b.eqn("float", e.args[0]),), (), e.loc)
            return Eqn(e.outs, "where", (e.args[0], Const(-1.0), Const(0.0)), (), e.loc)
        return self.through_broadcast(e, b)

    def elementwise(self, e: Eqn, b: Builder):
        """Feed a reduction's adjoint to an elementwise operation unbroadcast."""
        moved = self.through_broadcast(e, b)
        if moved is not None:
            return moved
        out = self.shape(e.out)
        if not fixed(out):
            return None
        args = list(e.args)
        changed = False
        for k, a in enumerate(args):
            d = self.defs.get(a)
            if not (isinstance(d, Eqn) and d.prim == "unsum"):
                continue
            g = d.args[0]
            compact = () if self.shape(g) == () else _expanded_shape(self.shape(g), d)
            trial = [compact if j == k else self.shape(x) for j, x in enumerate(args)]
            if compact is None or broadcast(*trial) != out:
                continue
            if d.param("keepdims") or d.param("axis") is None or self.shape(g) == ():
                args[k] = g
            else:
                args[k] = b.eqn("expand_red", g, **dict(d.params))
                self.shapes[args[k]] = compact
            changed = True
        if e.prim == "div" and self.array(e.out):
            reciprocal = self.reciprocal_square(args)
            if reciprocal is not None:
                return Eqn(e.outs, "mul", reciprocal, (), e.loc)
        if e.prim in ("mul", "div"):
            for k, a in enumerate(args):
                d = self.defs.get(a)
                if isinstance(d, Eqn) and d.prim == "neg" and self.array(e.out):
                    # (-a) * b -> -(a * b): negations then cancel (exactly) in pairs
                    args[k] = d.args[0]
                    inner = b.eqn(e.prim, *args)
                    self.shapes[inner] = out
                    return Eqn(e.outs, "neg", (inner,), (), e.loc)
        if not changed:
            return None
        return Eqn(e.outs, e.prim, tuple(args), e.params, e.loc)


def _is_one(a) -> bool:
    return isinstance(a, Const) and a.value == 1 and not isinstance(a.value, bool)


def _expanded_shape(g, unsum: Eqn):
    """Shape of ``g`` with the reduced axes put back as size 1."""
    if g is None:
        return None
    if unsum.param("keepdims") or unsum.param("axis") is None:
        return g
    ndim = unsum.param("ndim")
    if ndim is None:
        return None
    axis = unsum.param("axis")
    axes = sorted(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    out = list(g)
    for a in axes:
        out.insert(a, 1)
    return tuple(out)


def _alias(e: Eqn, value) -> Eqn:
    """``out = value`` as an equation the simplifier folds away (``x + 0``)."""
    return Eqn(e.outs, "add", (value, Const(0)), (), e.loc)


def specialize(fn: Function, params: dict, callee_shapes=None, dtypes=None) -> Function:
    """Rewrite ``fn`` using the shapes its parameters have (``{name: shape}``)."""
    shapes, kinds = infer_with_dtypes(fn, params, callee_shapes, dtypes)
    body = _Rewriter(fn, shapes, kinds).block(fn.body)
    fn = Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)
    return simplify_arrays(dce(fn), shapes, kinds)  # use counts without the dead code
