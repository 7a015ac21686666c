"""Lowering of NumPy constructs: array functions, methods, attributes, indexing.

:class:`adcompiler.frontend.lower.Lowerer` hands over what it does not know itself:
``np.sum(x, axis=0)``, ``x.sum()``, ``x.T``, ``x.shape``, ``x[i, 1:]``,
``len(x)``.  Everything lowers to the array primitives, read from their
records (:mod:`adcompiler.prims.npprims`): a record's ``np``, ``method`` and
``attr`` spellings say which construct it is, its ``extra['lower']``
signature how the call binds (operands, and static arguments such as
``axis``, ``keepdims`` that must be constants and become parameters).
"""
from __future__ import annotations

import ast
import builtins

import numpy as np

from ..core.ir import Builder, Const, Var
from ..prims.primitives import PRIMS
from ..prims.builders import float_dtype
from ..prims.spelling import module_of
from ..prims.structural import REQUIRED, IndexArrays, Signature

# constructs that are not one primitive (sugar): their own signatures
_SUGAR = {
    "square": Signature(("x",)),
    "clip": Signature(("a", "a_min", "a_max")),
    "pysum": Signature(("iterable",), label="sum()"),
    "array": Signature(("object",), {"dtype": None}),
    "asarray": Signature(("object",), {"dtype": None}, label="np.asarray"),
}


def _resolve(dotted: str):
    obj = np
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _spelled(kind: str) -> list:
    """``(spelling, name)`` of the array records' spellings of one kind."""
    out = []
    for name, record in PRIMS.items():
        if "structural" in record.extra:  # an array record (prims.structural.define)
            names = record.spellings.get(kind, ())
            out += [(n, name) for n in ((names,) if isinstance(names, str) else names)]
    return out


def _table() -> dict:
    """``id(numpy function) -> name``: the records' ``np`` spellings, and the sugar."""
    by_id = {id(np.square): "square", id(np.clip): "clip", id(builtins.sum): "pysum",
             id(np.array): "array", id(np.asarray): "asarray"}
    for dotted, name in _spelled("np"):
        if "lower" in PRIMS[name].extra:  # else an elementwise call (frontend/lower.py)
            by_id.setdefault(id(_resolve(dotted)), name)
    for ns in _other_modules():  # scipy.special.logsumexp: when the user's code loaded it
        module = module_of(ns)
        for spelled, name in _spelled(ns):
            obj = getattr(module, spelled, None)
            if obj is not None and "lower" in PRIMS[name].extra:
                by_id.setdefault(id(obj), name)
    return by_id


def _other_spaces() -> tuple:
    """The modules other than NumPy that array records are spelled in."""
    spaces = {ns for r in PRIMS.values() if "structural" in r.extra for ns in r.spellings}
    return tuple(sorted(spaces - {"np", "method", "attr", "builtin", "math"}))


def _other_modules() -> tuple:
    """The loaded modules other than NumPy that array records are spelled in."""
    return tuple(ns for ns in _other_spaces() if module_of(ns) is not None)


def _signature(name: str) -> Signature:
    return _SUGAR.get(name) or PRIMS[name].extra["lower"]


_TABLES: dict = {}


def _tables() -> dict:
    """The spelling tables, rebuilt when a record is added or replaced (so a
    new record is lowered without further edits): ``by_id`` (NumPy functions),
    ``methods`` (``x.sum()``) and ``attrs`` (``x.T``, ``x.shape``)."""
    records = list(PRIMS.values())  # compared by identity: cheaper than a key of ids
    if _TABLES.get("records") != records:
        _TABLES.update(records=records, key=None, spaces=_other_spaces())
    key = tuple(ns for ns in _TABLES["spaces"] if module_of(ns) is not None)  # loaded ones
    if _TABLES.get("key") != key:
        _TABLES.update(key=key, by_id=_table(), methods=dict(_spelled("method"), clip="clip"),
                       attrs=dict(_spelled("attr")))
    return _TABLES


def is_local(node: ast.expr, env: dict) -> bool:
    """Does ``node`` denote a value of the function (not a module or global)?"""
    if isinstance(node, ast.Name):
        return node.id in env
    if isinstance(node, ast.Attribute):
        return is_local(node.value, env)
    return True


def handles(obj) -> bool:
    return id(obj) in _tables()["by_id"]


class NumpyLowering:
    """The NumPy half of the lowering, bound to one :class:`Lowerer`."""

    def __init__(self, lowerer) -> None:
        self.lw = lowerer
        self.sf = lowerer.sf

    # ------------------------------------------------------------ calls
    def np_call(self, node: ast.Call, obj, env: dict, b: Builder):
        name = _tables()["by_id"][id(obj)]
        return self.apply(name, node, list(node.args), node.keywords, env, b)

    def method(self, node: ast.Call, env: dict, b: Builder):
        attr = node.func.attr
        name = _tables()["methods"].get(attr)
        if name is None:
            raise self.sf.error(f"the array method .{attr}() is not supported", node, attr)
        receiver = self.lw.scalar(node.func.value, env, b)
        if name == "copy":
            self.no_args(node, attr)
            return b.eqn("copy", receiver)
        if attr in ("ravel", "flatten"):
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
        sig = _signature(name)
        label = _label(name)
        names = list(sig.args) + list(sig.statics)
        if len(args) > len(names):
            raise self.sf.error(f"too many arguments to {label}", node, label)
        values = dict(zip(names, args))
        for kw in keywords:
            if kw.arg not in names or kw.arg in values:
                raise self.sf.error(f"{label} does not take the keyword argument "
                                    f"{kw.arg!r} here", node, "keyword arguments")
            values[kw.arg] = kw.value
        for p in names:
            if p not in values and sig.statics.get(p, REQUIRED) is REQUIRED:
                raise self.sf.error(f"{label} is missing its argument {p!r}", node, label)
        return values

    def apply(self, name: str, node: ast.Call, args: list, keywords: list, env: dict,
              b: Builder):
        """The equation of a NumPy call, bound by its record's signature:
        operands become atoms, statics constant params."""
        sig = _signature(name)
        if callable(sig.build):  # the record lowers the call itself (a tuple result)
            return sig.build(self, node, args, keywords, env, b)
        vals = self.bind(name, node, args, keywords)

        def arg(p):
            v = vals[p]
            return v if isinstance(v, (Var, Const)) else self.lw.scalar(v, env, b)

        def static(p):
            if p not in vals:
                return sig.statics[p]
            value = self.static(vals[p], env, _label(name), p)
            if p in sig.ints and not isinstance(value, int):
                raise self.sf.error(f"{_label(name)} needs a constant integer {p}", node, p)
            if isinstance(value, str) and p not in sig.strings:
                raise self.sf.error(f"{p} of {_label(name)} cannot be a string", node, p)
            return bool(value) if p in sig.bools else value

        if name in _SUGAR:
            return self.sugar(name, vals, arg, node, env, b)
        if sig.build:
            return getattr(self, sig.build)(vals, arg, node, env, b)
        if sig.sequence:
            items = self.sequence(vals[sig.args[0]], node, env, b)
            if name == "concatenate" and any(isinstance(v, Const) for v in items or ()):
                raise self.sf.error("np.concatenate of a number is not supported (NumPy refuses "
                                    "it too): write it as a list, [v], or use np.hstack",
                                    node, _label(name))
            if not isinstance(items, tuple) or not items:
                raise self.sf.error(f"{_label(name)} needs a list or tuple of arrays written "
                                    "in the call", node, _label(name))
            operands = list(items)
        else:
            operands = [arg(p) for p in sig.args]
        return b.eqn(name, *operands, **{p: static(p) for p in sig.statics})

    def sequence(self, seq, node, env: dict, b: Builder):
        """The operands of ``np.concatenate([x, [1.0], np.zeros(2)])``: arrays,
        numbers, and list literals (each becomes an array, as NumPy converts it)."""
        if not isinstance(seq, (ast.List, ast.Tuple)):
            return self.lw.expr(seq, env, b)
        items = tuple(self.literal(e, env, b) for e in seq.elts)
        return tuple(self.pack(v, False, node, b) if isinstance(v, tuple) else v for v in items)

    def sugar(self, name: str, vals: dict, arg, node, env: dict, b: Builder):
        """NumPy calls that lower to other primitives (``np.square`` is ``x ** 2``)."""
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
        if name in ("array", "asarray"):
            return self.array_literal(name, vals, node, env, b)
        if name == "square":
            return b.eqn("pow", arg("x"), Const(2))
        out = arg("a")  # clip: np.maximum, then np.minimum; a None bound is no bound
        for bound, prim in (("a_min", "max"), ("a_max", "min")):
            limit = arg(bound)
            if not (isinstance(limit, Const) and limit.value is None):
                out = b.eqn(prim, out, limit, ns="np")
        return out

    def array_literal(self, name: str, vals: dict, node, env: dict, b: Builder):
        """``np.array(x)`` (a copy; ``np.asarray``: ``x`` itself), a list of integer
        constants (an index array), or a list of computed values (``array_of``)."""
        label = _label(name)
        as_float = "dtype" in vals and float_dtype(self, vals["dtype"], env, label)
        value = self.literal(vals["object"], env, b)
        if isinstance(value, Var):  # np.array(x) of an array: a copy of it
            if as_float:
                raise self.sf.error(f"{label}(x, dtype=float) of an array is not supported: "
                                    "use x.astype(float)", node, label)
            return value if name == "asarray" else b.eqn("copy", value)
        items = value if isinstance(value, tuple) else (value,)
        if not as_float and items and all(isinstance(v, Const) and type(v.value) is int
                                          for v in items):
            return self.int_array(items, node, b)
        return self.pack(items, as_float, node, b)

    def literal(self, node, env: dict, b: Builder):
        """A nested list literal ``[[a, b], [c, d]]`` as nested tuples of atoms."""
        if isinstance(node, (Var, Const)):
            return node
        if isinstance(node, (ast.List, ast.Tuple)) and any(
                isinstance(e, (ast.List, ast.Tuple)) for e in node.elts):
            return tuple(self.literal(e, env, b) for e in node.elts)
        return self.lw.expr(node, env, b)

    def pack(self, items: tuple, as_float: bool, node, b: Builder):
        if not items or not isinstance(items, tuple):
            raise self.sf.error("np.array of an empty list is not supported", node, "np.array")
        atoms = [self.pack(v, False, node, b) if isinstance(v, tuple) else v for v in items]
        return b.eqn("array_of", *atoms, **({"float": True} if as_float else {}))

    def lower_reshape(self, vals: dict, arg, node, env: dict, b: Builder):
        """``np.reshape(a, newshape)``: the dimensions are lowered first."""
        dims = self.lw.expr(vals["newshape"], env, b)
        return self.reshape(arg("a"), list(dims) if isinstance(dims, tuple) else [dims],
                            node, b)

    def reshape(self, x, dims: list, node, b: Builder):
        if not dims or any(isinstance(d, tuple) for d in dims):
            raise self.sf.error("reshape takes integer dimensions", node, "reshape")
        return b.eqn("reshape", x, *dims)

    def static(self, node, env: dict, fn: str, what: str):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value  # np.einsum('ij->ji', ...), ord='fro', mode='constant'
        if isinstance(node, (ast.Tuple, ast.List)) and any(
                isinstance(e, (ast.Tuple, ast.List)) for e in node.elts):
            return tuple(self.static(e, env, fn, what) for e in node.elts)  # ((1, 0), (2, 3))
        value = self.lw.expr(node, env, Builder(self.lw.names))
        if isinstance(value, Const):
            return value.value
        if isinstance(value, tuple) and all(isinstance(v, Const) for v in value):
            return tuple(v.value for v in value)
        raise self.sf.error(f"{what} of {fn} must be a constant", node, what)

    # ------------------------------------------------------------ attributes
    def attribute(self, node: ast.Attribute, env: dict, b: Builder):
        value = self.lw.expr(node.value, env, b)
        if isinstance(value, tuple):  # np.linalg.slogdet(A).logabsdet
            fields = getattr(value, "fields", ())
            if node.attr in fields and _numpy_release() < value.since:
                raise self.sf.error(
                    f"reading .{node.attr} of this call needs NumPy "
                    f"{'.'.join(map(str, value.since))} (NumPy {np.__version__} returns a plain "
                    "tuple): unpack it instead (sign, logabsdet = np.linalg.slogdet(A))",
                    node, node.attr)
            if node.attr in fields:
                return value[fields.index(node.attr)]
            raise self.sf.error(f"a tuple has no attribute .{node.attr} here", node, node.attr)
        name = _tables()["attrs"].get(node.attr)
        if name is not None:
            return b.eqn(name, value)
        raise self.sf.error(f"the attribute .{node.attr} is not supported", node, node.attr)

    def unpack(self, value: Var, targets: list, b: Builder) -> tuple:
        """``n, d = X.shape`` (or rows of an array): one index per name."""
        n = next(len(t.elts) for t in targets if isinstance(t, (ast.Tuple, ast.List)))
        # ``unpack=n``: shape inference checks that an array has n rows
        return tuple(b.eqn("index", value, Const(k), spec=("a",), unpack=n) for k in range(n))

    # ------------------------------------------------------------ indexing
    def subscript(self, node: ast.Subscript, value, env: dict, b: Builder):
        spec, atoms = self.index_parts(node, env, b)
        return b.eqn("index", value, *atoms, spec=spec)

    def index_parts(self, node: ast.Subscript, env: dict, b: Builder) -> tuple:
        """``(spec, atoms)`` of the index of ``node`` (see ``index``'s record)."""
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
                atom = self.index_atom(el, env, b)
                arrays = atom if isinstance(atom, IndexArrays) else (atom,)
                atoms += arrays  # M[np.triu_indices(n)] is M[rows, cols]
                spec += ["a"] * len(arrays)
        if spec.count("...") > 1:
            raise self.sf.error("an index can have only one ellipsis", node, "subscript")
        return tuple(spec), atoms

    def index_atom(self, el: ast.expr, env: dict, b: Builder):
        value = self.lw.expr(el, env, b)
        if isinstance(value, IndexArrays):
            return value
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
    return _signature(name).label or f"np.{name}"


def _numpy_release() -> tuple:
    """NumPy's (major, minor) release, as the emitted code will see it."""
    return tuple(int(p) for p in np.__version__.split(".")[:2])
