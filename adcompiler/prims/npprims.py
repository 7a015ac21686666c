"""Array primitives (NumPy programs).

Registered into :data:`adcompiler.prims.primitives.PRIMS` when that module loads.
Elementwise functions are the scalar primitives themselves (``ns='np'``);
these are the *structural* ones: reductions, linear algebra, shapes,
indexing, and the helpers that adjoint code needs (``index_add``,
``unbroadcast``, ``unsum`` ...).  Their derivative rules live in
:mod:`adcompiler.prims.arrayrules`, their spelling in :mod:`adcompiler.arrays.emit`.

An index ``x[...]`` is ``index(x, *atoms, spec=...)``: ``spec`` has one item
per subscript element -- ``'a'`` (the next atom: an int, an int array or a
boolean mask), ``('s', start?, stop?, step?)`` (a slice; each flag says
whether the next atom is that bound), ``None`` (``np.newaxis``) or ``'...'``.
"""
from __future__ import annotations

import ast

from .record import register


def _def(name, nargs, differentiable=True, form="special", op=None, pure=True):
    register(name, nargs, form=form, op=op, differentiable=differentiable, pure=pure)


# linear algebra
_def("matmul", 2, form="binop", op=ast.MatMult)
_def("transpose", 1)
_def("outer", 2)
_def("trace", 1)
# reductions: params axis (None, int or tuple) and keepdims
for _name in ("sum", "mean", "amax", "amin", "prod"):
    _def(_name, 1)
_def("norm", 1)  # vector 2-norm
# shapes
_def("reshape", -1)  # reshape(x, *dims)
_def("expand_dims", 1)  # params axis
_def("concatenate", -1)  # params axis
_def("stack", -1)  # params axis
_def("index", -1)  # index(x, *atoms), params spec
_def("where", 3)  # np.where(cond, a, b), elementwise
# values that carry no derivative
for _name in ("len", "shape", "size", "ndim", "zeros_like", "eye_like"):
    _def(_name, 1, differentiable=False)
_def("intarray", 0, differentiable=False)  # np.array([0, 2, 2]): params values
# a module-level array the function reads (params name, shape, kind): emitted
# as that name, read when the derivative runs (never copied, never updated)
_def("global", 0, differentiable=False)
for _name in ():
    _def(_name, 1, differentiable=False)
# x.copy(), np.array(x): the same value in a new buffer.  Only the check of
# in-place operators (inplace.py) tells it from x; the optimiser folds it away
register("copy", 1, impl=lambda x: x)
# adjoint-only helpers: they never appear in user code, so they are never
# differentiated (grad of an emitted gradient is not supported)
_def("index_add", -1, differentiable=False)  # index_add(x, base, g, *atoms): base + scatter(g)
_def("unbroadcast", 2, differentiable=False)  # sum g down to the shape of like
_def("unsum", -1, differentiable=False)  # unsum(g, x) or unsum(g, shape=...): g broadcast back
_def("expand_red", 1, differentiable=False)  # g with reduced axes re-inserted as size 1
_def("reshape_like", 2, differentiable=False)  # np.reshape(g, np.shape(x))

#: primitives whose result is a fresh array (safe to update in place later)
ALLOCATING = {"add", "sub", "mul", "div", "pow", "neg", "matmul", "outer", "sum", "mean",
              "amax", "amin", "prod", "where", "zeros_like", "eye_like", "index_add", "concatenate",
              "stack", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
              "tanh", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "hypot", "abs",
              "max", "min", "sign", "max_weight", "copy"}
#: primitives whose result may share memory with an argument (views, aliases)
VIEWING = {"transpose", "reshape", "expand_dims", "index", "unbroadcast", "unsum",
           "expand_red", "reshape_like", "select", "call", "push", "pack", "float", "unpack"}


def index_items(spec: tuple, atoms: tuple) -> list:
    """Pair each spec item with its atoms: [('a', atom) | ('s', (lo, hi, st)) | (None,) | ('...',)]."""
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

#: primitives only array code uses (the command line then assumes array parameters)
ARRAY_ONLY = {"matmul", "transpose", "outer", "trace", "sum", "mean", "amax", "amin", "prod",
              "norm", "reshape", "expand_dims", "concatenate", "stack", "index", "where",
              "len", "shape", "size", "ndim", "zeros_like", "intarray", "global"}
