"""The SSA IR as a sympy expression, for the expression-swell comparison.

Symbolic differentiation needs one closed-form expression, so the IR is
*executed* on sympy values: each :class:`Eqn` becomes a sympy operation, a
``for`` loop whose bounds come out as integers is unrolled, an ``if`` or a
``while`` whose condition comes out as ``True``/``False`` takes that path, and
calls of the user's helpers run the callee's IR on the arguments.  Control
flow that depends on the inputs has no single formula: it raises
:class:`NotSymbolic`, naming the construct and the line.

While it runs, the interpreter counts the arithmetic Wengert-list entries it
executes: that is the operation count of the function itself.
"""
from __future__ import annotations

from ..errors import CompileError
from ..core.ir import Block, Eqn, ForRange, Function, If, Var, While
from ..prims.primitives import PRIMS, evaluate

def arithmetic(prim: str) -> bool:
    """Is a Wengert entry of ``prim`` arithmetic (the rest only move values
    around)?  Read from the registry, so a record added later counts too."""
    p = PRIMS.get(prim)
    return p is not None and (prim == "sign" or p.form in ("binop", "unary", "call", "compare")
                              and prim not in ("not", "float", "int"))


MAX_CALL_DEPTH = 64


class NotSymbolic(CompileError):
    """The function has no single symbolic expression (data-dependent control
    flow, piecewise-constant operations of the inputs, or too large)."""


def _numbers(*xs) -> bool:
    import sympy as sp
    return all(isinstance(x, sp.Number) for x in xs)


def to_sympy_value(value):
    """A Python constant as a sympy value (ints stay exact, floats are Floats)."""
    import sympy as sp
    if isinstance(value, bool):
        return sp.true if value else sp.false
    if isinstance(value, tuple):
        return tuple(to_sympy_value(v) for v in value)
    if value is None:
        return None
    return sp.sympify(value)


class SymbolicRun:
    """Runs the IR of a program on sympy values; ``ops`` counts arithmetic."""

    def __init__(self, functions: dict, filename: str, max_ops: int = 1_000_000) -> None:
        self.functions = functions  # key -> optimised Function
        self.filename = filename
        self.max_ops = max_ops
        self.ops = 0
        self.depth = 0

    def refuse(self, why: str, loc, construct: str) -> NotSymbolic:
        return NotSymbolic(f"cannot build a symbolic expression: {why}", self.filename,
                           loc.line, loc.col, construct)

    def call(self, fn: Function, args: tuple) -> tuple:
        if self.depth >= MAX_CALL_DEPTH:
            raise NotSymbolic(f"cannot build a symbolic expression: calls nest deeper than "
                              f"{MAX_CALL_DEPTH} (recursion)", self.filename, fn.source_line, 1,
                              "recursion")
        self.depth += 1
        env = dict(zip(fn.params, args))
        try:
            return self.block(fn.body, env, ())
        finally:
            self.depth -= 1

    def atom(self, a, env: dict):
        return env[a] if isinstance(a, Var) else to_sympy_value(a.value)

    def block(self, block: Block, env: dict, params: tuple) -> tuple:
        env.update(zip(block.params, params))
        for s in block.stmts:
            if isinstance(s, Eqn):
                outs = self.eqn(s, env)
            elif isinstance(s, If):
                outs = self.if_(s, env)
            elif isinstance(s, ForRange):
                outs = self.for_(s, env)
            else:
                outs = self.while_(s, env)
            env.update(zip(s.outs, outs))
        return tuple(self.atom(a, env) for a in block.results)

    def truth(self, value, loc, construct: str) -> bool:
        import sympy as sp
        if value is sp.true or value is True:
            return True
        if value is sp.false or value is False:
            return False
        if isinstance(value, sp.Number):
            return bool(value != 0)
        raise self.refuse(f"the {construct} condition depends on the inputs ({value}), so the "
                          "function is a different formula on each side of it", loc, construct)

    def if_(self, s: If, env: dict) -> tuple:
        taken = s.then if self.truth(self.atom(s.pred, env), s.loc, "if") else s.orelse
        return self.block(taken, env, ())

    def for_(self, s: ForRange, env: dict) -> tuple:
        import sympy as sp
        bounds = [self.atom(a, env) for a in (s.start, s.stop, s.step)]
        if not all(isinstance(b, sp.Integer) for b in bounds):
            raise self.refuse("the loop bounds depend on the inputs, so the number of "
                              "iterations is not fixed", s.loc, "for")
        indices = range(*(int(b) for b in bounds))
        carried = tuple(self.atom(a, env) for a in s.inits)
        for i in (reversed(indices) if s.reverse else indices):
            carried = self.block(s.body, env, (sp.Integer(i),) + carried)
        return carried

    def while_(self, s: While, env: dict) -> tuple:
        carried = tuple(self.atom(a, env) for a in s.inits)
        while True:
            (pred,) = self.block(s.cond, env, carried)
            if not self.truth(pred, s.loc, "while"):
                return carried
            carried = self.block(s.body, env, carried)
            self.check_size(s.loc)

    def check_size(self, loc) -> None:
        if self.ops > self.max_ops:
            raise self.refuse(f"it executes more than {self.max_ops} operations (size budget)",
                              loc, "size")

    def eqn(self, s: Eqn, env: dict) -> tuple:
        args = tuple(self.atom(a, env) for a in s.args)
        if arithmetic(s.prim):
            self.ops += 1
            self.check_size(s.loc)
        if s.prim == "call":
            return self.call(self.functions[s.param("fn")], args)
        if s.prim == "pack":
            return (tuple(args),)
        if s.prim == "unpack":
            return tuple(args[0])
        if s.prim == "getitem":
            return (args[0][s.param("index")],)
        if s.prim == "select":
            return (args[1] if self.truth(args[0], s.loc, "conditional expression") else args[2],)
        fn = PRIMS[s.prim].sympy  # the record's sympy form
        if fn is None:
            return (self.numeric(s, args),)
        return (fn(*args),)

    def numeric(self, s: Eqn, args: tuple):
        """A primitive without a sympy form (``int``, ``floor``, ``%``) applied
        to numbers: its value.  Of the inputs, it is no formula."""
        record = PRIMS[s.prim]
        if not (_numbers(*args) and record.impl is not None):
            why = (f"{s.prim} of a value that depends on the inputs is piecewise constant, "
                   "not a formula") if not record.differentiable \
                else f"the operation {s.prim} has no symbolic form"
            raise self.refuse(why, s.loc, s.prim)
        plain = tuple(int(a) if a.is_Integer else float(a) for a in args)
        try:
            return to_sympy_value(evaluate(s.prim, plain, dict(s.params)))
        except (ArithmeticError, ValueError, TypeError) as exc:  # 1 // 0, math.floor(inf)
            raise self.refuse(f"{s.prim}{plain} fails ({exc})", s.loc, s.prim) from None


def symbols_for(fn: Function) -> tuple:
    """One real sympy symbol per parameter, named like the parameter."""
    import sympy as sp
    return tuple(sp.Symbol(p.hint or p.name, real=True) for p in fn.params)


def function_expression(functions: dict, key: str, args: tuple, filename: str,
                        max_ops: int = 1_000_000):
    """(results of ``functions[key]`` applied to ``args`` as sympy values, the
    number of arithmetic operations executed)."""
    run = SymbolicRun(functions, filename, max_ops)
    results = run.call(functions[key], args)
    return results, run.ops
