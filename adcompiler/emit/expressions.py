"""Python expressions (AST nodes) for IR atoms and primitive applications.

:class:`Expressions` writes an atom as its name, its constant, or, when it is
inlined (:mod:`.inlining`), as the expression of its equation.  How a
primitive is spelled lives here; the call spelling of elementary functions
(``math.NAME``/``np.NAME``) is one function, :meth:`Expressions.function_name`.
"""
from __future__ import annotations

import ast
import math

from ..core.ir import Const, Eqn
from ..prims.formula import fold, reads, tree_of
from ..prims.primitives import PRIMS
from ..prims.spelling import emitted_name, names
from . import backend
from .globalnames import global_name, module_import


#: the context of every name read (one node: as Python's own parser shares it)
_LOAD = ast.Load()


#: one node of each operator class (they have no fields: Python's parser shares them too)
_OPS: dict = {}


def _op(kind) -> ast.AST:
    """The shared node of the operator class ``kind`` (``ast.Add``)."""
    node = _OPS.get(kind)
    if node is None:
        node = _OPS[kind] = kind()
    return node


def _int_const(a) -> bool:
    return isinstance(a, Const) and type(a.value) is int


class Expressions:
    """``names``: var -> Python name (naming.Namer); ``inline``: the
    inlining decisions; ``array_code``: values may be NumPy arrays;
    ``holds_floats(v)``: is ``v`` known to be a float (array)?"""

    def __init__(self, names, inline, array_code: bool, holds_floats=None) -> None:
        self.names = names
        self.inline = inline
        self.array_code = array_code
        self.forms = inline.forms  # the spelling of each kind of equation, found once
        self.holds_floats = holds_floats
        self.imports: set = set()
        #: comparisons giving arrays, cast where read as numbers (array-api backend)
        self.masks: set = set()
        #: integer arrays, cast where they meet floats in arithmetic (array-api backend)
        self.ints: set = set()
        #: var -> shape (arrays/shapes.py), for records' emission (``kit.rank``)
        self.shapes: dict = {}
        #: var -> dtype kind ('b', 'i', 'f') where known (array-api backend)
        self.kinds: dict = {}
        #: (primitive, namespace) -> the node of ``math.sin`` (:meth:`_module_function`)
        self._functions: dict = {}
        #: local name -> the node reading it (:meth:`_load`)
        self._loads: dict = {}
        #: (type, value) -> the node of a non-negative int or float literal (:func:`const_node`)
        self.constants: dict = {}

    def is_float(self, v) -> bool:
        """Is ``v`` known to hold floats (records' emission may ask)?"""
        return self.holds_floats is None or self.holds_floats(v)

    def need(self, module: str) -> None:
        """The emitted module must import ``module`` (``math``, ``numpy``, a helper)."""
        self.imports.add(module)

    def expr(self, a) -> ast.expr:
        if isinstance(a, Const):
            return const_node(a.value, self)
        inlined = self.inline.inline.get(a)  # (the dict itself: this runs per operand)
        if inlined is not None:
            return self.value(inlined)
        return self._load(self.names.names[a])

    def _load(self, name: str) -> ast.Name:
        """The read of local ``name``: one node for all of them (nothing
        changes a local's read once built: :func:`alias_globals` renames
        only reads made by :func:`global_name`), as Python's parser shares
        ``Load``; a long function reads each name a few times."""
        node = self._loads.get(name)
        if node is None:
            node = self._loads[name] = ast.Name(name, _LOAD)
        return node

    def value(self, e: Eqn) -> ast.expr:
        called, tree, _, binop = self.forms.of(e)
        if binop is not None and not self.masks and not self.ints:
            x, y = e.args  # the commonest form, known from the kind: ``x op y``
            inline, names = self.inline.inline, self.names.names  # (expr, unrolled)
            if isinstance(x, Const):
                x = const_node(x.value, self)
            else:
                sub = inline.get(x)
                x = self._load(names[x]) if sub is None else self.value(sub)
            if isinstance(y, Const):
                y = const_node(y.value, self)
            else:
                sub = inline.get(y)
                y = self._load(names[y]) if sub is None else self.value(sub)
            return ast.BinOp(x, binop, y)
        if e.prim == "global":  # read where it is used: the live array
            return ast.Name(e.param("name"), ast.Load())
        p = PRIMS[e.prim]
        if self.masks or self.ints:
            args = [self.operand(e, a) for a in e.args]
        else:  # NumPy and scalar code: each operand is its expr (unrolled: it runs per atom)
            args = []
            inline, names = self.inline.inline, self.names.names
            for a in e.args:
                if isinstance(a, Const):
                    args.append(const_node(a.value, self))
                    continue
                inlined = inline.get(a)
                args.append(self._load(names[a]) if inlined is None else self.value(inlined))
        if binop is not None:
            return ast.BinOp(args[0], binop, args[1])
        if tree is not None:
            return fold(tree, lambda k: args[k], lambda v: const_node(v, self), self.apply)
        if p.form == "call" or called:  # math.pow(x, y), np.sign(x) ...
            if self._numbers_to_xp(e):  # np.cos(s) of a Python float s
                args = [ast.Call(backend.xp_name("asarray"), [x], backend.placed()) for x in args]
            return ast.Call(self.function_name(e), args, [])
        if e.prim == "pow" and _is_two(e.args[1]) and isinstance(args[0], ast.Name):
            # x * x: a multiplication instead of a call of pow(), twice as fast
            return ast.BinOp(args[0], ast.Mult(), ast.Name(args[0].id, ast.Load()))
        return self.apply(e.prim, args, e)

    def _numbers_to_xp(self, e: Eqn) -> bool:
        """``np.f`` of numbers only, under the array-api backend: the
        standard's functions take arrays (``xp.cos(0.5)`` is a TypeError in
        PyTorch), so each number becomes a 0-d array of the caller's dtype
        and device first, as NumPy makes a float64 scalar of it."""
        return (e.param("ns", "") == "np" and backend.array_api() and self.shapes is not None
                and all(self.shapes.get(a) == () or isinstance(a, Const) for a in e.args))

    def operand(self, e: Eqn, a) -> ast.expr:
        """The expression of ``e``'s argument ``a``; under the array-api
        backend a boolean mask read as numbers (backend.NUMERIC_USES), an
        integer array into a function giving floats (``np.exp(X)``,
        ``X / 3``: backend.float_of_ints) or meeting a float
        (backend.MIXED_USES) is cast to the caller's float dtype."""
        node = self.expr(a)
        if not self.masks and not self.ints:  # (NumPy and scalar code: every operand)
            return node
        if a in self.masks and e.prim in backend.NUMERIC_USES:
            return backend.as_number(node)
        if (a in self.ints or a in self.masks) and backend.float_of_ints(e.prim):
            return backend.as_number(node)
        if a in self.ints and e.prim in backend.MIXED_USES and any(
                b is not a and not (b in self.ints or b in self.masks or _int_const(b))
                for b in e.args):
            return backend.as_number(node)
        return node

    def apply(self, prim: str, args: list, e: Eqn | None = None) -> ast.expr:
        """``prim`` applied to the expressions ``args`` (its operator, or its
        special form)."""
        p = PRIMS[prim]
        form = p.form
        if form == "binop":
            return ast.BinOp(args[0], _op(p.op), args[1])
        if form == "unary":
            return ast.UnaryOp(_op(p.op), args[0])
        if form == "compare":
            return ast.Compare(args[0], [_op(p.op)], [args[1]])
        if prim in ("and", "or"):
            return ast.BoolOp(ast.And() if prim == "and" else ast.Or(), args)
        if prim == "select":
            return ast.IfExp(args[0], args[1], args[2])
        return self.structural(e, args)

    def function_name(self, e: Eqn) -> ast.expr:
        """How a called primitive is spelled: in the namespace the user's code
        used (``ns``: ``math``, ``np``, another module) under the record's
        name there (:mod:`adcompiler.prims.spelling`), else the builtin."""
        ns = e.param("ns", "")
        if ns == "np" and backend.array_api():  # the standard's name (prims/spelling.py)
            standard = names(PRIMS[e.prim], "array_api")
            if not standard:
                raise backend.no_spelling(f"np.{emitted_name(e.prim, ns)}", e)
            return backend.xp_name(standard[0])
        if ns == "np" or ns == "math":
            return self._module_function(e.prim, ns)
        name = emitted_name(e.prim, ns)
        if ns not in ("", "math", "np") and backend.array_api() and any(
                self.shapes.get(a) not in ((), None) for a in e.args):  # scipy.special.erf(x)
            raise backend.no_spelling(f"{ns}.{name}", e)  # of an array: NumPy's result
        if not ns:
            return global_name(name)
        self.need(module_import(ns))  # a function of another module
        top, *rest = ns.split(".")
        node = global_name(top)
        for part in rest + name.split("."):
            node = ast.Attribute(node, part, ast.Load())
        return node

    def _module_function(self, prim: str, ns: str) -> ast.Attribute:
        """``math.sin``: one node for every call of it in the function (a
        long function calls a handful many times), spelled and its module
        noted once.  Sharing is safe: no later step changes the node but
        :func:`alias_globals`, which renames every marked ``math`` alike,
        and only once (its alias is not renamed)."""
        key = (prim, ns)
        node = self._functions.get(key)
        if node is None:
            self.need("numpy" if ns == "np" else "math")
            node = ast.Attribute(global_name(ns), emitted_name(prim, ns), _LOAD)
            self._functions[key] = node
        return node

    def structural(self, e: Eqn, args: list) -> ast.expr:
        """Calls, tuples and tapes; array primitives are NumPy's (arrays/emit.py)."""
        prim = e.prim
        if prim == "call":
            return ast.Call(ast.Name(e.param("fn"), ast.Load()), args, [])
        if prim == "pack":
            return ast.Tuple(args, ast.Load())
        if prim == "unpack":
            return args[0]
        if prim == "getitem":
            return ast.Subscript(args[0], ast.Constant(e.param("index")), ast.Load())
        if prim == "new_tape":
            return ast.List([], ast.Load())
        if prim == "pop":
            return ast.Call(ast.Attribute(args[0], "pop", ast.Load()), [], [])
        if prim in ("new_checkpoints", "restore"):
            return checkpoints_call(self, e, args)
        if prim == "tape_len":
            return ast.Call(global_name("len"), args, [])
        from ..arrays import emit as npemit
        return npemit.value(self, e, args)


def spelled(e: Eqn) -> bool:
    """Does ``e`` name a namespace where its record has a function (the user
    wrote ``math.pow``, ``np.sign``): then it is written as that call."""
    ns = e.param("ns")
    return bool(ns) and bool(names(PRIMS[e.prim], ns))


class Forms:
    """How each kind of equation (primitive and parameters) met while one
    function is emitted is written (:meth:`_find`), found once: a long
    function repeats a handful of kinds, and each answer costs a parameter
    scan, a dict and a walk of a tree; the records do not change during
    one emission."""

    def __init__(self, array_code: bool) -> None:
        self.array_code = array_code
        self.known: dict = {}

    def of(self, e: Eqn) -> tuple:
        key = (e.prim, e.params)
        try:
            return self.known[key]
        except KeyError:
            found = self.known[key] = self._find(e)
            return found
        except TypeError:  # a parameter that cannot be hashed: asked each time
            return self._find(e)

    def _find(self, e: Eqn) -> tuple:
        """``(spelled, tree, twice, binop)``: is ``e`` written as the function
        of the namespace the user's code named (:func:`spelled`); the
        formula the record defines it by otherwise (:mod:`adcompiler.prims.formula`:
        ``sign``, the tie weights, IEEE division and power on Python floats,
        which NumPy arrays do already; None: written as itself); does that
        formula read an argument twice (then no argument is inlined: it
        would be evaluated twice); the operator node when
        :meth:`Expressions.value` writes ``e`` as ``a op b``."""
        p = PRIMS[e.prim]
        called = spelled(e)
        tree = None if called else tree_of(p, dict(e.params), arrays=self.array_code)
        twice = tree is not None and any(n > 1 for n in reads(tree).values())
        plain = p.form == "binop" and not called and tree is None and e.prim != "pow"
        return called, tree, twice, _op(p.op) if plain else None


def _is_two(a) -> bool:
    return isinstance(a, Const) and type(a.value) in (int, float) and a.value == 2


def const_node(value, em=None) -> ast.expr:
    """A literal; ``em`` (an :class:`Expressions`) is told when ``math`` is
    needed (``math.inf``, ``math.nan``)."""
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        em.need("math")
        node = ast.Attribute(global_name("math"), "nan" if math.isnan(value) else "inf",
                             ast.Load())
        return ast.UnaryOp(ast.USub(), node) if value < 0 else node
    kind = type(value)
    if (kind is float or kind is int) and value >= 0 and em is not None and (
            kind is int or math.copysign(1.0, value) > 0):
        # one node per literal of the function, as for the names it reads
        # (nothing changes a literal's node once built): a long function
        # repeats a few, and each node is some 240 bytes
        key = (kind, value)
        node = em.constants.get(key)
        if node is None:
            node = em.constants[key] = ast.Constant(value)
        return node
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (
            value < 0 or (isinstance(value, float) and math.copysign(1.0, value) < 0)):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def range_args(bounds: list) -> list:
    """``range`` arguments without a default start of 0 or step of 1."""
    start, stop, step = bounds
    is_zero = isinstance(start, ast.Constant) and start.value == 0 and not isinstance(start.value, bool)
    is_one = isinstance(step, ast.Constant) and step.value == 1 and not isinstance(step.value, bool)
    if is_one:
        return [stop] if is_zero else [start, stop]
    return [start, stop, step]


def checkpoints_call(ex, e: Eqn, args: list) -> ast.expr:
    """``adcompiler.runtime.checkpoints.Revolve(K, range(start, stop, step))``
    and ``snapshots.restore(i)`` (transform/checkpointing.py)."""
    if e.prim == "restore":
        return ast.Call(ast.Attribute(args[0], "restore", ast.Load()), args[1:], [])
    module = "adcompiler.runtime.checkpoints"
    ex.need(module_import(module))
    node = global_name("adcompiler")
    for part in module.split(".")[1:] + ["Revolve"]:
        node = ast.Attribute(node, part, ast.Load())
    steps = ast.Call(global_name("range"), args[1:], [])
    return ast.Call(node, [args[0], steps], [])
