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
from ..prims.primitives import MATH_SPELLING, NUMPY_SPELLING, PRIMS
from .globalnames import global_name


class Expressions:
    """``names``: var -> Python name (naming.Namer); ``inline``: the
    inlining decisions; ``array_code``: values may be NumPy arrays."""

    def __init__(self, names, inline, array_code: bool) -> None:
        self.names = names
        self.inline = inline
        self.array_code = array_code
        self.imports: set = set()

    def need(self, module: str) -> None:
        """The emitted module must import ``module`` (``math``, ``numpy``, a helper)."""
        self.imports.add(module)

    def expr(self, a) -> ast.expr:
        if isinstance(a, Const):
            return const_node(a.value, self)
        if a in self.inline:
            return self.value(self.inline.inline[a])
        return ast.Name(self.names[a], ast.Load())

    def value(self, e: Eqn) -> ast.expr:
        if e.prim == "global":  # read where it is used: the live array
            return ast.Name(e.param("name"), ast.Load())
        p = PRIMS[e.prim]
        args = [self.expr(a) for a in e.args]
        if e.param("ieee") and not self.array_code:
            return self.ieee(e.prim, args)
        if e.prim == "pow" and e.param("ns") == "math":
            self.need("math")
            return ast.Call(ast.Attribute(global_name("math"), "pow", ast.Load()), args, [])
        if p.form == "binop":
            if e.prim == "pow" and _is_two(e.args[1]) and isinstance(args[0], ast.Name):
                # x * x: a multiplication instead of a call of pow(), twice as fast
                return ast.BinOp(args[0], ast.Mult(), ast.Name(args[0].id, ast.Load()))
            return ast.BinOp(args[0], p.op(), args[1])
        if p.form == "unary":
            return ast.UnaryOp(p.op(), args[0])
        if p.form == "compare":
            return ast.Compare(args[0], [p.op()], [args[1]])
        if p.form == "call":
            return ast.Call(self.function_name(e), args, [])
        return self.special(e, args)

    def ieee(self, prim: str, args: list) -> ast.expr:
        """Division and power in derivative code at the edge of a domain: IEEE
        results (inf, nan) on Python floats, which raise instead.  (NumPy
        arrays already behave so: array code emits the plain operator.)"""
        self.need("math")
        if prim == "div":  # a / b, or a * inf when b == 0
            return ast.IfExp(args[1], ast.BinOp(args[0], ast.Div(), args[1]),
                             ast.BinOp(args[0], ast.Mult(), _math_inf()))
        # x ** e, or inf for 0 ** negative
        return ast.IfExp(ast.BoolOp(ast.Or(), [args[0], ast.Compare(
            args[1], [ast.GtE()], [ast.Constant(0)])]),
            ast.BinOp(args[0], ast.Pow(), args[1]), _math_inf())

    def function_name(self, e: Eqn) -> ast.expr:
        """How a called primitive is spelled: ``np.NAME`` or ``math.NAME`` as
        the user wrote it (``ns``), else the builtin."""
        ns = e.param("ns", "")
        name = PRIMS[e.prim].op
        if ns == "np":
            self.need("numpy")
            return ast.Attribute(global_name("np"), NUMPY_SPELLING.get(name, name), ast.Load())
        if ns == "math":
            self.need("math")
            return ast.Attribute(global_name("math"), MATH_SPELLING.get(name, name),
                                 ast.Load())
        return global_name(name)

    def special(self, e: Eqn, args: list) -> ast.expr:
        prim = e.prim
        if prim in ("and", "or"):
            return ast.BoolOp(ast.And() if prim == "and" else ast.Or(), args)
        if prim == "select":
            return ast.IfExp(args[0], args[1], args[2])
        if prim == "sign":
            if e.param("ns") == "np":
                self.need("numpy")
                return ast.Call(ast.Attribute(global_name("np"), "sign", ast.Load()),
                                args, [])
            return _ladder(args[0], ast.Gt(), ast.Lt(), 1.0, -1.0, 0.0)
        if prim in ("max_weight", "keep_weight"):
            # max: 1.0 if a > b else 0.5 if equal else 0.0; keep: the other way round
            hi, lo = (1.0, 0.0) if prim == "max_weight" else (0.0, 1.0)
            return ast.IfExp(ast.Compare(args[0], [ast.Gt()], [args[1]]), ast.Constant(hi),
                             ast.IfExp(ast.Compare(args[0], [ast.Eq()], [args[1]]),
                                       ast.Constant(0.5), ast.Constant(lo)))
        return self.structural(e, args)

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
        if prim == "tape_len":
            return ast.Call(global_name("len"), args, [])
        from ..arrays import emit as npemit
        return npemit.value(self, e, args)


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
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (
            value < 0 or (isinstance(value, float) and math.copysign(1.0, value) < 0)):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _math_inf() -> ast.expr:
    return ast.Attribute(global_name("math"), "inf", ast.Load())


def _ladder(x, gt, lt, pos, neg, zero) -> ast.expr:
    return ast.IfExp(ast.Compare(x, [gt], [ast.Constant(0)]), ast.Constant(pos),
                     ast.IfExp(ast.Compare(x, [lt], [ast.Constant(0)]),
                               const_node(neg), ast.Constant(zero)))


def range_args(bounds: list) -> list:
    """``range`` arguments without a default start of 0 or step of 1."""
    start, stop, step = bounds
    is_zero = isinstance(start, ast.Constant) and start.value == 0 and not isinstance(start.value, bool)
    is_one = isinstance(step, ast.Constant) and step.value == 1 and not isinstance(step.value, bool)
    if is_one:
        return [stop] if is_zero else [start, stop]
    return [start, stop, step]
