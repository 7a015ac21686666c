"""Lowering: desugared Python AST -> SSA IR (the Wengert list).

Each Python name maps to the atom that currently holds its value (``env``);
assignment just rebinds the name, so every IR variable is bound once.
Branches merge names through the outputs of :class:`If`; loops carry the names
they assign as block parameters.  A ``return`` inside an ``if`` moves the
statements that follow into the branch that does not return, so the IR never
needs a jump.

:class:`Lowerer` lowers one function; its parts live in one module each:
lower_statements.py (assignment, ``return``, ``if``), lower_loops.py,
lower_expressions.py, lower_globals.py (names, attributes, global arrays) and
lower_calls.py.  What it
does not know itself (NumPy calls, methods, attributes, subscripts) it hands
to the array half, :mod:`adcompiler.arrays.lowering`, through :meth:`numpy`.
:mod:`adcompiler.frontend.program` lowers a function with every helper it calls.
"""
from __future__ import annotations

import ast

import numpy as np

from ..arrays.lowering import NumpyLowering, handles, is_local
from ..core.ir import Builder, Const, Function, Loc, Names, Var, is_number
from ..errors import CompileError
from .census import census
from .lower_calls import CallLowering
from .checks import check_nesting, check_signature
from .desugar import desugar
from .lower_expressions import ExpressionLowering
from .lower_globals import GlobalLowering
from .lower_loops import LoopLowering
from .source import SourceFunction
from .lower_statements import StatementLowering
from .lower_writes import WriteLowering
from .syntax import Returned, describe


class Lowerer(StatementLowering, LoopLowering, ExpressionLowering, GlobalLowering,
              CallLowering, WriteLowering):
    """Lowers one function of a :class:`~adcompiler.frontend.program.Program`
    (``program`` is None when only the checks are wanted)."""

    def __init__(self, sf: SourceFunction, program, key: str) -> None:
        self.sf = sf
        self.program = program
        self.key = key
        self.names = Names()
        self.root: Builder | None = None  # the function body's builder
        self.locals: set = set()  # names the body assigns (while lowering the body)
        self.global_reads: dict = {}  # emitted name -> Var (global arrays, read once)

    def lower(self) -> Function:
        node = self.sf.node
        check_signature(self.sf, node)
        params = tuple(Var(a.arg, a.arg) for a in node.args.args)
        self.names.taken.update(p.name for p in params)
        env = {p.hint: p for p in params}
        b = self.root = Builder(self.names)
        self.locals = set(census(self.sf).stored)  # Python's rule: assigned anywhere = local
        body = desugar(self.sf)
        check_nesting(self.sf, body)
        outcome = self.stmts(body, env, b)
        self.locals = set()
        if not isinstance(outcome, Returned):
            raise self.sf.error(f"{node.name} can reach its end without returning a value",
                                node.body[-1], "return")
        defaults = self.defaults(node)
        return Function(self.key, params, b.block(outcome.values), defaults,
                        self.sf.filename, node.lineno)

    def defaults(self, node: ast.FunctionDef) -> tuple:
        args = node.args.args
        out = []
        live = self.live_defaults(node)
        for k, (arg, default) in enumerate(zip(args[len(args) - len(node.args.defaults):],
                                               node.args.defaults)):
            value = self.static_value(default) if live is None else \
                self.as_value(live[k], default, arg.arg).value
            out.append((arg.arg, Const(value)))
        return tuple(out)

    def live_defaults(self, node: ast.FunctionDef):
        """A live function's default values as the ``def`` evaluated them, or
        None (a file read as text, or defaults that do not match the source)."""
        fetch = getattr(self.sf.env, "defaults", None)
        if fetch is None or node is not self.sf.node:
            return None
        values = fetch()
        if len(values) != len(node.args.defaults):
            return None
        for value, default in zip(values, node.args.defaults):
            if not (is_number(value) or isinstance(value, (bool, np.floating))):
                raise self.sf.error("default values must be numbers", default, "default")
        return values

    def static_value(self, node: ast.expr):
        b = Builder(Names())
        atom = self.expr(node, {}, b)
        if not isinstance(atom, Const) or b.stmts:
            raise self.sf.error("default values must be constants", node, "default")
        return atom.value

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 0)
        return Loc(line, getattr(node, "col_offset", 0) + 1, self.sf.line_text(line))

    def unsupported(self, s: ast.AST) -> CompileError:
        what = describe(s)
        return self.sf.error(f"{what} is not supported", s, what)

    # ------------------------------------------------------------ the array half
    def numpy(self) -> NumpyLowering:
        """The array lowering, bound to this function."""
        return NumpyLowering(self)

    def is_array(self, node: ast.expr, env: dict) -> bool:
        """Could ``node`` (``x`` in ``x.T`` or ``x.sum()``) be an array: a
        value of the function, or a global NumPy array?"""
        return is_local(node, env) or self.is_global_array(node, env)

    @staticmethod
    def is_numpy_function(obj) -> bool:
        """Does the array lowering take calls of ``obj`` (``np.sum``)?"""
        return handles(obj)
