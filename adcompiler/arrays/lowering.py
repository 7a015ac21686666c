"""Lowering of NumPy constructs: array functions, methods, attributes, indexing.

:class:`adcompiler.frontend.lower.Lowerer` hands over what it does not know itself:
``np.sum(x, axis=0)``, ``x.sum()``, ``x.T``, ``x.shape``, ``x[i, 1:]``,
``len(x)``.  Everything lowers to the primitives of :mod:`npprims`; static
arguments (``axis``, ``keepdims``) must be constants and become parameters.
"""
from __future__ import annotations

import ast
import builtins

import numpy as np

from ..core.ir import Builder, Const, Var

# numpy function -> (lowering method name, positional parameter names, keyword defaults)
_SIGS = {
    "sum": (("a",), {"axis": None, "keepdims": False}),
    "mean": (("a",), {"axis": None, "keepdims": False}),
    "amax": (("a",), {"axis": None, "keepdims": False}),
    "amin": (("a",), {"axis": None, "keepdims": False}),
    "prod": (("a",), {"axis": None, "keepdims": False}),
    "matmul": (("a", "b"), {}),
    "transpose": (("a",), {}),
    "outer": (("a", "b"), {}),
    "trace": (("a",), {}),
    "norm": (("x",), {}),
    "reshape": (("a", "newshape"), {}),
    "expand_dims": (("a", "axis"), {}),
    "concatenate": (("arrays",), {"axis": 0}),
    "stack": (("arrays",), {"axis": 0}),
    "square": (("x",), {}),
    "clip": (("a", "a_min", "a_max"), {}),
    "where": (("condition", "x", "y"), {}),
    "shape": (("a",), {}),
    "size": (("a",), {}),
    "ndim": (("a",), {}),
    "zeros_like": (("a",), {}),
    "pysum": (("iterable",), {}),
    "array": (("object",), {}),
}


def _table() -> dict:
    pairs = [(np.sum, "sum"), (np.mean, "mean"), (np.max, "amax"), (np.amax, "amax"),
             (np.min, "amin"), (np.amin, "amin"), (np.prod, "prod"), (np.dot, "matmul"),
             (np.matmul, "matmul"), (np.transpose, "transpose"), (np.outer, "outer"),
             (np.trace, "trace"), (np.linalg.norm, "norm"), (np.reshape, "reshape"),
             (np.expand_dims, "expand_dims"), (np.concatenate, "concatenate"),
             (np.stack, "stack"), (np.square, "square"), (np.clip, "clip"), (np.where, "where"),
             (np.shape, "shape"), (np.size, "size"), (np.ndim, "ndim"),
             (np.zeros_like, "zeros_like"), (builtins.sum, "pysum"), (np.array, "array")]
    return {id(f): name for f, name in pairs}


_BY_ID = _table()
_METHODS = {"sum": "sum", "mean": "mean", "max": "amax", "min": "amin", "prod": "prod",
            "dot": "matmul", "reshape": "reshape", "transpose": "transpose", "copy": "copy",
            "flatten": "ravel", "ravel": "ravel"}
_REDUCTIONS = {"sum", "mean", "amax", "amin", "prod"}


def is_local(node: ast.expr, env: dict) -> bool:
    """Does ``node`` denote a value of the function (not a module or global)?"""
    if isinstance(node, ast.Name):
        return node.id in env
    if isinstance(node, ast.Attribute):
        return is_local(node.value, env)
    return True


def handles(obj) -> bool:
    return id(obj) in _BY_ID


class NumpyLowering:
    """The NumPy half of the lowering, bound to one :class:`Lowerer`."""

    def __init__(self, lowerer) -> None:
        self.lw = lowerer
        self.sf = lowerer.sf

    # ------------------------------------------------------------ calls
    def np_call(self, node: ast.Call, obj, env: dict, b: Builder):
        name = _BY_ID[id(obj)]
        return self.apply(name, node, list(node.args), node.keywords, env, b)

    def method(self, node: ast.Call, env: dict, b: Builder):
        attr = node.func.attr
        name = _METHODS.get(attr)
        if name is None:
            raise self.sf.error(f"the array method .{attr}() is not supported", node, attr)
        receiver = self.lw.scalar(node.func.value, env, b)
        if name == "copy":
            self.no_args(node, attr)
            return b.eqn("copy", receiver)
        if name == "ravel":
            self.no_args(node, attr)
            return b.eqn("reshape", receiver, Const(-1))
        if name == "reshape":
            if node.keywords:
                raise self.sf.error("keyword arguments to .reshape() are not supported", node,
                                    "keyword arguments")
            dims = [self.lw.expr(a, env, b) for a in node.args]
            if len(dims) == 1 and isinstance(dims[0], tuple):
                dims = list(dims[0])
            return self.reshape(receiver, dims, node, b)
        return self.apply(name, node, [receiver] + list(node.args), node.keywords, env, b)

    def no_args(self, node: ast.Call, attr: str) -> None:
        if node.args or node.keywords:
            raise self.sf.error(f".{attr}() takes no arguments here", node, attr)

    def bind(self, name: str, node: ast.Call, args: list, keywords: list) -> dict:
        positional, defaults = _SIGS[name]
        if len(args) > len(positional) + len(defaults):
            raise self.sf.error(f"too many arguments to {_label(name)}", node, _label(name))
        values = {}
        names = list(positional) + list(defaults)
        for p, a in zip(names, args):
            values[p] = a
        for kw in keywords:
            if kw.arg not in names or kw.arg in values:
                raise self.sf.error(f"{_label(name)} does not take the keyword argument "
                                    f"{kw.arg!r} here", node, "keyword arguments")
            values[kw.arg] = kw.value
        for p in positional:
            if p not in values:
                raise self.sf.error(f"{_label(name)} is missing its argument {p!r}", node,
                                    _label(name))
        return values

    def apply(self, name: str, node: ast.Call, args: list, keywords: list, env: dict,
              b: Builder):
        vals = self.bind(name, node, args, keywords)
        _, defaults = _SIGS[name]

        def arg(p):
            v = vals[p]
            return v if isinstance(v, (Var, Const)) else self.lw.scalar(v, env, b)

        def static(p):
            if p not in vals:
                return defaults[p]
            return self.static(vals[p], env, _label(name), p)

        if name in _REDUCTIONS:
            return b.eqn(name, arg("a"), axis=static("axis"), keepdims=bool(static("keepdims")))
        if name == "pysum":
            items = vals["iterable"]
            value = items if isinstance(items, (Var, Const)) else self.lw.expr(items, env, b)
            if isinstance(value, tuple):
                if not value:
                    return Const(0)
                acc = value[0]
                for v in value[1:]:
                    acc = b.eqn("add", acc, v)
                return acc
            return b.eqn("sum", value, axis=0, keepdims=False)
        if name in ("matmul", "outer"):
            return b.eqn(name, arg("a"), arg("b"))
        if name in ("transpose", "trace", "shape", "size", "ndim", "zeros_like"):
            return b.eqn(name, arg("a"))
        if name == "array":
            value = vals["object"]
            value = value if isinstance(value, (Var, Const)) else self.lw.expr(value, env, b)
            if isinstance(value, Var):  # np.array(x) of an array: a copy of it
                return b.eqn("copy", value)
            return self.int_array(value if isinstance(value, tuple) else (value,), node, b)
        if name == "norm":
            return b.eqn("norm", arg("x"))
        if name == "square":
            return b.eqn("pow", arg("x"), Const(2))
        if name == "clip":  # np.maximum, then np.minimum; a None bound is no bound
            out = arg("a")
            for bound, prim in (("a_min", "max"), ("a_max", "min")):
                limit = arg(bound)
                if not (isinstance(limit, Const) and limit.value is None):
                    out = b.eqn(prim, out, limit, ns="np")
            return out
        if name == "where":
            return b.eqn("where", arg("condition"), arg("x"), arg("y"))
        if name == "expand_dims":
            axis = static("axis")
            if not isinstance(axis, int):
                raise self.sf.error("np.expand_dims needs a constant integer axis", node, "axis")
            return b.eqn("expand_dims", arg("a"), axis=axis)
        if name == "reshape":
            dims = self.lw.expr(vals["newshape"], env, b)
            return self.reshape(arg("a"), list(dims) if isinstance(dims, tuple) else [dims],
                                node, b)
        if name in ("concatenate", "stack"):
            items = self.lw.expr(vals["arrays"], env, b)
            if not isinstance(items, tuple) or not items:
                raise self.sf.error(f"{_label(name)} needs a list or tuple of arrays written "
                                    "in the call", node, _label(name))
            axis = static("axis")
            if not isinstance(axis, int):
                raise self.sf.error(f"{_label(name)} needs a constant integer axis", node, "axis")
            return b.eqn(name, *items, axis=axis)
        raise AssertionError(name)  # pragma: no cover - every name of _SIGS is handled

    def reshape(self, x, dims: list, node, b: Builder):
        if not dims or any(isinstance(d, tuple) for d in dims):
            raise self.sf.error("reshape takes integer dimensions", node, "reshape")
        return b.eqn("reshape", x, *dims)

    def static(self, node, env: dict, fn: str, what: str):
        value = self.lw.expr(node, env, Builder(self.lw.names))
        if isinstance(value, Const):
            return value.value
        if isinstance(value, tuple) and all(isinstance(v, Const) for v in value):
            return tuple(v.value for v in value)
        raise self.sf.error(f"{what} of {fn} must be a constant", node, what)

    # ------------------------------------------------------------ attributes
    def attribute(self, node: ast.Attribute, env: dict, b: Builder):
        value = self.lw.scalar(node.value, env, b)
        if node.attr == "T":
            return b.eqn("transpose", value)
        if node.attr in ("shape", "size", "ndim"):
            return b.eqn(node.attr, value)
        raise self.sf.error(f"the attribute .{node.attr} is not supported", node, node.attr)

    def unpack(self, value: Var, targets: list, b: Builder) -> tuple:
        """``n, d = X.shape`` (or rows of an array): one index per name."""
        n = next(len(t.elts) for t in targets if isinstance(t, (ast.Tuple, ast.List)))
        # ``unpack=n``: shape inference checks that an array has n rows
        return tuple(b.eqn("index", value, Const(k), spec=("a",), unpack=n) for k in range(n))

    # ------------------------------------------------------------ indexing
    def subscript(self, node: ast.Subscript, value, env: dict, b: Builder):
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        spec, atoms = [], []
        for el in elts:
            if isinstance(el, ast.Slice):
                flags = []
                for part in (el.lower, el.upper, el.step):
                    flags.append(part is not None)
                    if part is not None:
                        atoms.append(self.lw.scalar(part, env, b))
                spec.append(("s",) + tuple(flags))
            elif isinstance(el, ast.Constant) and el.value is Ellipsis:
                spec.append("...")
            elif self.is_newaxis(el, env):
                spec.append(None)
            else:
                atoms.append(self.index_atom(el, env, b))
                spec.append("a")
        if spec.count("...") > 1:
            raise self.sf.error("an index can have only one ellipsis", node, "subscript")
        return b.eqn("index", value, *atoms, spec=tuple(spec))

    def index_atom(self, el: ast.expr, env: dict, b: Builder):
        value = self.lw.expr(el, env, b)
        if isinstance(value, tuple):  # x[[0, 2, 2]]
            return self.int_array(value, el, b)
        return value

    def int_array(self, items: tuple, node, b: Builder):
        if not items or not all(isinstance(v, Const) and type(v.value) is int for v in items):
            raise self.sf.error("a list used as an index or in np.array must hold integer "
                                "constants", node, "array literal")
        return b.eqn("intarray", values=tuple(v.value for v in items))

    def is_newaxis(self, el: ast.expr, env: dict) -> bool:
        if isinstance(el, ast.Constant):
            return el.value is None
        if isinstance(el, (ast.Name, ast.Attribute)) and not is_local(el, env):
            try:
                return self.lw.resolve(el, env) is None
            except Exception:
                return False
        return False


def _label(name: str) -> str:
    return {"pysum": "sum()", "amax": "np.max", "amin": "np.min", "norm": "np.linalg.norm"}.get(
        name, f"np.{name}")
