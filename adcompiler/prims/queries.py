"""Values about an array that carry no derivative: ``len``, ``x.shape``,
``np.size``, ``np.ndim``, ``np.zeros_like``, and ``eye_like`` (an identity
of ``x``'s shape, which the adjoint of ``np.trace`` uses)."""
from __future__ import annotations

import ast

import numpy as np

from .shapecalc import SCALAR, Tup
from .structural import Signature, attribute, define, np_call


def _scalar(e, args, dtype):
    return SCALAR


def _like(e, args, dtype):
    return args[0]


def _size_emit(kit, e, args):
    """``np.size(x)``; under the array-api backend ``x.shape[0] * x.shape[1]``
    when the rank is known, else ``math.prod(x.shape)`` (the standard's
    ``x.size`` may be None, and is a method of a torch tensor)."""
    if not getattr(kit, "xp", False):
        return np_call("size")(kit, e, args)
    rank = kit.rank(e.args[0])
    if rank is not None and rank <= 3:  # x.shape[0] * x.shape[1]: no compute (Dask)
        dims = [ast.Subscript(ast.Attribute(args[0], "shape", ast.Load()), kit.const(k),
                              ast.Load()) for k in range(rank)]
        out = dims[0] if dims else kit.const(1)
        for d in dims[1:]:
            out = ast.BinOp(out, ast.Mult(), d)
        return out
    kit.em.need("math")
    return kit.call(ast.Attribute(kit.builtin("math"), "prod", ast.Load()), [kit.shape(args[0])])


def _len_xp(kit, e, args):
    """``len(x)`` of an array is ``x.shape[0]`` (the standard's arrays have
    no ``len``); of a tuple or list, ``len``."""
    if kit.rank(e.args[0]):
        return ast.Subscript(ast.Attribute(args[0], "shape", ast.Load()), kit.const(0),
                             ast.Load())
    return kit.call(kit.builtin("len"), args)


def _ndim_emit(kit, e, args):
    """``np.ndim(x)``; ``len(x.shape)`` under the array-api backend."""
    if not getattr(kit, "xp", False):
        return np_call("ndim")(kit, e, args)
    return kit.call(kit.builtin("len"), [kit.shape(args[0])])


# len(x) is lowered with the other builtins (frontend/lower.py)
define("len", 1, differentiable=False, array_only=True, memory="value", dtype="int",
       spellings={"builtin": "len", "array_api": ()}, impl=lambda x, **_: len(x), shape=_scalar,
       extra={"emit": lambda kit, e, args: kit.call(kit.builtin("len"), args),
              "emit_xp": _len_xp})
define("shape", 1, differentiable=False, array_only=True, memory="value", dtype="int",
       spellings={"np": ("shape",), "attr": "shape", "array_api": ()}, impl=lambda x, **_: np.shape(x),
       shape=lambda e, a, dtype: None if a[0] is None else Tup(tuple(SCALAR for _ in a[0])),
       extra={"lower": Signature(), "emit": attribute("shape")})
define("size", 1, differentiable=False, array_only=True, memory="value", dtype="int",
       spellings={"np": ("size",), "attr": "size", "array_api": ()},
       impl=lambda x, **_: np.size(x), shape=_scalar, extra={"lower": Signature(), "emit": _size_emit})
define("ndim", 1, differentiable=False, array_only=True, memory="value", dtype="int",
       spellings={"np": ("ndim",), "attr": "ndim", "array_api": ()}, impl=lambda x, **_: np.ndim(x),
       shape=_scalar, extra={"lower": Signature(), "emit": _ndim_emit})
def _zeros_like(x, as_float=False, **_):
    return np.zeros_like(x, dtype=np.float64 if as_float else None)


def _zeros_like_emit(kit, e, args):
    """``np.zeros_like(x)``; an adjoint accumulator (``as_float``) of an ``x``
    not known to hold floats is ``np.zeros_like(x, dtype=float)``, made float
    once rather than converted at every update."""
    kws = {}
    if e.param("as_float") and not kit.em.is_float(e.args[0]):
        kws["dtype"] = (kit.placed()[0].value if getattr(kit, "xp", False)  # the caller's
                        else kit.builtin("float"))
    return kit.call(kit.np("zeros_like"), args, kws)


def _lower_zeros_like(lowering, node, args, keywords, env, b):
    """``np.zeros_like(x)``, ``np.zeros_like(x, dtype=float)`` (an integer dtype
    is refused by name, as for the other builders)."""
    from .builders import float_dtype
    extra = [kw.arg for kw in keywords if kw.arg != "dtype"]
    if len(args) != 1 or extra:
        raise lowering.sf.error("np.zeros_like takes an array and dtype=float here", node,
                                "np.zeros_like")
    as_float = any(float_dtype(lowering, kw.value, env, "np.zeros_like") for kw in keywords)
    x = lowering.lw.scalar(args[0], env, b)
    return b.eqn("zeros_like", x, **({"as_float": True} if as_float else {}))


define("zeros_like", 1, differentiable=False, array_only=True, memory="fresh",
       spellings={"np": ("zeros_like", "empty_like"), "array_api": ("zeros_like",)},
       impl=_zeros_like, shape=_like,
       extra={"lower": Signature(build=_lower_zeros_like, label="np.zeros_like"),
              "emit": _zeros_like_emit})


def _eye_emit(kit, e, args):
    """``np.eye(*np.shape(x))``: ``x`` (maybe an expression) written once."""
    import ast
    shape = ast.Starred(kit.call(kit.np("shape"), [args[0]]), ast.Load())
    return kit.call(kit.np("eye"), [shape])


def _eye_xp(kit, e, args):
    """``xp.eye(*x.shape, dtype=dtype, device=dev)``."""
    import ast
    shape = ast.Starred(ast.Attribute(args[0], "shape", ast.Load()), ast.Load())
    return ast.Call(kit.np("eye"), [shape], kit.placed())


define("eye_like", 1, differentiable=False, memory="value", dtype="float",
       spellings={"array_api": ("eye",)},
       impl=lambda x, **_: np.eye(*np.shape(x)), shape=_like,
       extra={"emit": _eye_emit, "emit_xp": _eye_xp})
