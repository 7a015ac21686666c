"""Array builders: ``np.zeros``, ``np.ones``, ``np.full``, ``np.eye``,
``np.ones_like``, ``np.full_like``, and ``np.array([a, b, c])`` of computed
values (the ``array_of`` primitive).

Shapes are constants or integers computed from ``len(x)``/``x.shape`` (an
unknown size is ``None`` in the shape algebra).  Only float buffers are
built: an integer ``dtype=`` would truncate the values a gradient flows
through, so it is refused by name.  ``np.empty`` is built as ``np.zeros``
(its values are unspecified: zeros are among them).

``np.full`` and ``np.full_like`` are linear in their fill value (its
adjoint: the output adjoint summed down to the value's shape); ``array_of`` is
linear in every item (item ``i``'s adjoint is ``g[i]``).
"""
from __future__ import annotations

import ast

import numpy as np

from ..core.ir import Const, Var
from .derive import linear
from .shapecalc import ShapeNeeded, Tup
from .structural import Signature, define, np_call, uniform

_LABEL = {"zeros": "np.zeros", "ones": "np.ones", "full": "np.full", "eye": "np.eye"}


# ---------------------------------------------------------------- dtype=
def float_dtype(lowering, node, env, label: str) -> bool:
    """Is the ``dtype=`` argument ``node`` a float type?  Integer and other
    dtypes are refused (they would truncate values a gradient flows through)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        obj = node.value
    else:
        try:
            obj = lowering.lw.resolve(node, env)
        except Exception:
            obj = None
    try:
        kind = np.dtype(obj).kind if obj is not None else None
    except TypeError:
        kind = None
    if kind != "f":
        raise lowering.sf.error(f"{label} with a dtype other than float is not supported "
                                "(an integer buffer would truncate the values its gradient "
                                "flows through): leave dtype out or use dtype=float",
                                node, "dtype")
    return True


def _keywords(lowering, node, keywords, allowed: tuple, label: str, env) -> dict:
    out = {}
    for kw in keywords:
        if kw.arg not in allowed:
            raise lowering.sf.error(f"{label} does not take the keyword argument {kw.arg!r} "
                                    "here", node, "keyword arguments")
        out[kw.arg] = kw.value
    if "dtype" in out:
        float_dtype(lowering, out.pop("dtype"), env, label)
    return out


# ---------------------------------------------------------------- shapes
def _dims(lowering, shape_node, env, b, label: str) -> list:
    """The dimensions of ``np.zeros(n)`` / ``np.zeros((n, m))``: integer atoms."""
    value = lowering.lw.expr(shape_node, env, b)
    dims = list(value) if isinstance(value, tuple) else [value]
    for d in dims:
        if isinstance(d, tuple) or (isinstance(d, Const) and type(d.value) is not int):
            raise lowering.sf.error(f"the shape of {label} must be an integer or a tuple "
                                    "of integers", shape_node, label)
    return dims


def _dims_shape(dims, dtype, label: str) -> tuple:
    out = []
    for d in dims:
        if isinstance(d, Var) and dtype(d) == "f":  # unknown: NumPy checks it at run time
            raise ShapeNeeded(d, f"the shape of {label} must be integers (computed from "
                              "len() or .shape, or constants)")
        out.append(d.value if isinstance(d, Const) else None)
    return tuple(out)


def _shape_of(name: str, nfill: int):
    def rule(e, args, dtype):
        dims = e.args[:len(e.args) - nfill]
        if len(dims) == 1 and isinstance(args[0], Tup):  # np.zeros(X.shape)
            known = dims[0].value if isinstance(dims[0], Const) else None  # its sizes
            return tuple(known) if isinstance(known, tuple) else (None,) * len(args[0].items)
        if len(dims) == 1 and args[0] is None and not e.param("tuple"):  # a scalar or tuple?
            raise ShapeNeeded(dims[0], f"the shape of {_LABEL[name]}{_at(e)} must be an "
                              "integer, a tuple of integers or x.shape")
        return _dims_shape(dims, dtype, _LABEL[name] + _at(e))
    return rule


def _emit_shape(kit, e, args, nfill: int):
    dims = args[:len(args) - nfill]
    if e.param("tuple"):
        return ast.Tuple(list(dims), ast.Load())
    return dims[0]


def _builder_emit(np_name: str, nfill: int):
    def emit(kit, e, args):
        shape = _emit_shape(kit, e, args, nfill)
        return kit.call(kit.np(np_name), [shape] + list(args[len(args) - nfill:]))
    return emit


def _builder_xp(np_name: str, nfill: int):
    """``xp.zeros(shape, dtype=dtype, device=dev)``: the caller's float dtype
    and device (emit/backend.py); a computed fill of ``np.full`` (the
    standard's takes a Python number) is added to zeros instead."""
    def emit(kit, e, args):
        shape = _emit_shape(kit, e, args, nfill)
        fill = list(args[len(args) - nfill:])
        if fill and not isinstance(e.args[-1], Const):
            zeros = ast.Call(kit.np("zeros"), [shape], kit.placed())
            return ast.BinOp(zeros, ast.Add(), fill[0])
        return ast.Call(kit.np(np_name), [shape] + fill, kit.placed())
    return emit


def _bind(lowering, node, args, keywords, env, names: tuple, label: str) -> dict:
    """The call's arguments by parameter name (``dtype=`` checked as well):
    too many, twice given or missing ones are an error at the call."""
    kws = _keywords(lowering, node, keywords, names + ("dtype",), label, env)
    vals = dict(zip(names, args))
    if len(args) > len(names) or set(vals) & set(kws):
        raise lowering.sf.error(f"{label} takes {', '.join(names)} and dtype= here",
                                node, label)
    vals.update(kws)
    if any(n not in vals for n in names):
        raise lowering.sf.error(f"{label} needs {' and '.join(names)}", node, label)
    return vals


def _lower_builder(name: str, nfill: int, label: str = ""):
    """``np.zeros(shape, dtype=float)``, ``np.full(shape, fill_value, dtype=float)``."""
    label = label or _LABEL[name]

    def build(lowering, node, args, keywords, env, b):
        names = ("shape", "fill_value")[:1 + nfill]
        vals = _bind(lowering, node, args, keywords, env, names, label)
        shape_node = vals["shape"]
        is_tuple = isinstance(shape_node, (ast.Tuple, ast.List))
        dims = _dims(lowering, shape_node, env, b, label)
        if len(dims) != 1 and not is_tuple:
            is_tuple = True  # a tuple-valued name (x.shape)
        fill = [lowering.lw.scalar(vals["fill_value"], env, b)] if nfill else []
        return b.eqn(name, *dims, *fill, tuple=is_tuple)
    return build


def _full_bar(b, e, i, g, shape):
    return b.eqn("unbroadcast", g, e.args[i])


def _zeros_case(*dims):
    return lambda r: (tuple(dims), {"tuple": len(dims) != 1})


for _name in ("zeros", "ones"):
    define(_name, -1, differentiable=False, array_only=True, memory="fresh", dtype="float",
           spellings={"np": (_name,), "array_api": (_name,)},
           impl=(lambda f: lambda *dims, **_: f(tuple(dims)))(getattr(np, _name)),
           shape=_shape_of(_name, 0),
           extra={"lower": Signature(build=_lower_builder(_name, 0), label=_LABEL[_name]),
                  "emit": _builder_emit(_name, 0), "emit_xp": _builder_xp(_name, 0)})

def _full_jvp(b, e, tangents, shape):
    t = tangents[-1]
    return None if t is None else b.eqn(e.prim, *e.args[:-1], t, **dict(e.params))


def _full_vjp(b, e, i, g, shape):
    return b.eqn("unbroadcast", g, e.args[i]) if i == len(e.args) - 1 else None


define("full", -1, array_only=True, memory="fresh", dtype="float",
       spellings={"np": ("full",), "array_api": ("full", "zeros")},
       impl=lambda *a, **_: np.full(tuple(a[:-1]), a[-1], dtype=float),
       shape=_shape_of("full", 1),
       extra={"lower": Signature(build=_lower_builder("full", 1), label="np.full"),
              "emit": _builder_emit("full", 1), "emit_xp": _builder_xp("full", 1)},
       jvp=_full_jvp, vjp=_full_vjp,
       domain=(lambda r: ((3, np.array(r.uniform(-1, 1))), {"tuple": False}),
               lambda r: ((2, 3, np.array(r.uniform(-1, 1))), {"tuple": True}),
               lambda r: ((2, 3, uniform(r, 3)), {"tuple": True})))


# ---------------------------------------------------------------- eye
def _lower_eye(lowering, node, args, keywords, env, b):
    """``np.eye(N, M=None, k=0, dtype=float)``: sizes as for ``np.zeros``, the
    diagonal offset ``k`` a constant integer (a parameter)."""
    named = ("N", "M", "k")
    kws = _keywords(lowering, node, keywords, named + ("dtype",), "np.eye", env)
    vals = dict(zip(named, args))
    if len(args) > 3 or set(vals) & set(kws) or "N" not in {**vals, **kws}:
        raise lowering.sf.error("np.eye takes N, M, k and dtype=float here", node, "np.eye")
    vals.update(kws)
    sizes = [_dims(lowering, vals[p], env, b, "np.eye") for p in ("N", "M") if p in vals
             and not (isinstance(vals[p], ast.Constant) and vals[p].value is None)]
    if any(len(n) != 1 for n in sizes):
        raise lowering.sf.error("np.eye takes integer sizes here", node, "np.eye")
    k = lowering.static(vals["k"], env, "np.eye", "k") if "k" in vals else 0
    if type(k) is not int:
        raise lowering.sf.error("np.eye needs a constant integer k", node, "np.eye")
    return b.eqn("eye", *(n[0] for n in sizes), **({"k": k} if k else {}))


def _eye_shape(e, args, dtype):
    dims = _dims_shape(e.args, dtype, "np.eye")
    return dims * 2 if len(dims) == 1 else dims


def _eye_emit(kit, e, args):
    kws = {"k": kit.const(e.param("k"))} if e.param("k") else {}
    return kit.call(kit.np("eye"), list(args), kws)


def _eye_xp(kit, e, args):
    """``xp.eye(n, m, k=k, dtype=dtype, device=dev)``."""
    kws = [ast.keyword("k", kit.const(e.param("k")))] if e.param("k") else []
    return ast.Call(kit.np("eye"), list(args), kws + kit.placed())


define("eye", -1, differentiable=False, array_only=True, memory="fresh", dtype="float",
       spellings={"np": ("eye", "identity"), "array_api": ("eye",)},
       impl=lambda n, m=None, k=0, **_: np.eye(n, m, k), shape=_eye_shape,
       extra={"lower": Signature(build=_lower_eye, label="np.eye"), "emit": _eye_emit,
              "emit_xp": _eye_xp})


# ---------------------------------------------------------------- np.empty
# np.empty(shape) is built as np.zeros(shape): its values are unspecified, so
# zeros are one of them, and the emitted code stays deterministic (a value
# read before it is written is then 0.0, never garbage); np.empty_like is
# np.zeros_like (queries.py)
define("empty", -1, differentiable=False, array_only=True, memory="fresh",
       spellings={"np": ("empty",)}, impl=lambda *a, **_: None,
       shape=lambda e, args, dtype: None,
       extra={"lower": Signature(build=_lower_builder("zeros", 0, "np.empty"),
                                 label="np.empty")})


# ---------------------------------------------------------------- *_like
def _like_builder(name: str, nfill: int):
    label = f"np.{name}"

    def build(lowering, node, args, keywords, env, b):
        names = ("a", "fill_value")[:1 + nfill]
        vals = _bind(lowering, node, args, keywords, env, names, label)
        return b.eqn(name, *(lowering.lw.scalar(vals[n], env, b) for n in names))
    return build


def _at(e) -> str:
    """`` (line N)`` for a message raised from a shape rule (reported at the ``def``)."""
    return f" (line {e.loc.line})" if e.loc.line else ""


def _like_shape(e, args, dtype):
    """Refuses a computed fill of an ``x`` that may hold integers: NumPy gives
    the result ``x``'s dtype, which would truncate the value (and its gradient)."""
    if len(e.args) == 2 and isinstance(e.args[1], Var) and dtype(e.args[0]) != "f":
        raise ShapeNeeded(e.args[0], f"np.full_like{_at(e)} of a computed value needs an "
                          "array known to hold floats (an integer one truncates the value): "
                          "use np.full(x.shape, value)")
    return args[0]


def _full_like_xp(kit, e, args):
    """``xp.full_like(x, 2.0)``; a computed fill (the standard's takes a
    Python number) is added to ``xp.zeros_like(x)``."""
    if isinstance(e.args[1], Const):
        return kit.call(kit.np("full_like"), list(args))
    return ast.BinOp(kit.call(kit.np("zeros_like"), [args[0]]), ast.Add(), args[1])


define("ones_like", 1, differentiable=False, array_only=True, memory="fresh",
       spellings={"np": ("ones_like",), "array_api": ("ones_like",)}, impl=lambda x, **_: np.ones_like(x),
       shape=_like_shape,
       extra={"lower": Signature(build=_like_builder("ones_like", 0), label="np.ones_like"),
              "emit": np_call("ones_like")})
define("full_like", 2, array_only=True, memory="fresh",
       spellings={"np": ("full_like",), "array_api": ("full_like", "zeros_like")},
       impl=lambda x, v, **_: np.full_like(x, v),
       shape=_like_shape,
       extra={"lower": Signature(build=_like_builder("full_like", 1), label="np.full_like"),
              "emit": np_call("full_like"), "emit_xp": _full_like_xp},
       **linear(_full_bar, argnums=(1,)),
       domain=(lambda r: ((uniform(r, 3), np.array(r.uniform(-1, 1))), {}),
               lambda r: ((uniform(r, 2, 3), uniform(r, 3)), {})))


# ---------------------------------------------------------------- np.array([a, b])
def _pack_shape(e, args, dtype):
    """``(n,) + item shape``: the items must have one shape."""
    if any(a is None for a in args):
        return None
    first = args[0]
    for a, atom in zip(args, e.args):
        if len(a) != len(first):
            raise ShapeNeeded(atom, "np.array of a list needs items of one shape")
    rest = tuple(d if all(x[k] == d for x in args) else None for k, d in enumerate(first))
    return (len(args),) + rest


def _pack_bar(b, e, i, g, shape):
    return b.eqn("index", g, Const(i), spec=("a",))


def _pack_emit(kit, e, args):
    kws = {"dtype": kit.builtin("float")} if e.param("float") else {}
    return kit.call(kit.np("array"), [ast.List(list(args), ast.Load())], kws)


def _pack_xp(kit, e, args):
    """``xp.asarray([1.0, 2.0], dtype=dtype, device=dev)`` of constants (of
    integers: the library's integer dtype), else ``xp.stack`` of the items
    made arrays of the caller's float dtype on its device (of booleans: a mask)."""
    if all(isinstance(a, Const) for a in e.args):
        ints = not e.param("float") and all(type(a.value) in (int, bool) for a in e.args)
        kws = kit.placed() if not ints else [kw for kw in kit.placed() if kw.arg == "device"]
        return ast.Call(kit.np("asarray"), [ast.List(list(args), ast.Load())], kws)
    items = [ast.Call(kit.np("asarray"), [a], kit.placed()) for a in args]
    return kit.call(kit.np("stack"), [ast.List(items, ast.Load())])


def _pack_impl(*items, **params):
    return np.array(items, dtype=float if params.get("float") else None)


define("array_of", -1, array_only=True, memory="fresh", impl=_pack_impl, shape=_pack_shape,
       spellings={"array_api": ("asarray", "stack")},
       extra={"emit": _pack_emit, "emit_xp": _pack_xp}, **linear(_pack_bar, argnums=None),
       domain=(lambda r: ((np.array(r.uniform(-1, 1)), 1.0, np.array(r.uniform(-1, 1))), {}),
               lambda r: ((uniform(r, 3), uniform(r, 3)), {"float": True})))
