"""Count the arithmetic operations that emitted Python code executes.

Counted on the parsed module (``ast``), never on its text: every ``BinOp``,
``UnaryOp``, comparison, augmented assignment and call of a math function is
one operation.  Moving values around is free: tuple packing, ``tape.append``,
``tape.pop``, ``range``/``reversed``; a call of another function of the module
costs what that function executes.

Loops, branches and helper calls make the count depend on the path taken, so
the module is *instrumented*: before each statement an increment of a counter
by that statement's own operations is inserted (for a ``while``, at each test
of its condition), and the instrumented code runs once on the given
arguments.  The count is exact for that call, whatever the control flow.
"""
from __future__ import annotations

import ast

#: calls that only move values or drive loops
_FREE_CALLS = {"range", "reversed", "list", "tuple", "len", "append", "pop", "float"}
_COUNTER = "_adcompiler_opcount_"


def count_executed_ops(source: str, entry: str, args: tuple) -> int:
    """Operations executed by ``entry(*args)``, ``entry`` defined in ``source``."""
    tree = ast.parse(source)
    defs = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    tree = ast.fix_missing_locations(_Instrument(defs).visit(tree))
    counter = [0]
    namespace: dict = {_COUNTER: counter, "__name__": "adcompiler_opcount"}
    exec(compile(tree, f"<opcount:{entry}>", "exec"), namespace)
    counter[0] = 0  # module-level statements (imports, defaults) are not the call
    namespace[entry](*args)
    return counter[0]


def expression_ops(node: ast.AST, defs: set) -> int:
    """Operations in one expression (calls of module functions cost nothing
    here: their bodies count themselves when they run)."""
    total = 0
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            name = _call_name(sub.func)
            total += 0 if name in defs or name in _FREE_CALLS else 1
        elif isinstance(sub, (ast.BinOp, ast.UnaryOp)):
            total += 1
        elif isinstance(sub, ast.Compare):
            total += len(sub.ops)
        elif isinstance(sub, ast.BoolOp):
            total += len(sub.values) - 1
    return total


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return getattr(func, "id", "")


def _bump(k: int) -> ast.stmt:
    """``_adcompiler_opcount_[0] += k``"""
    target = ast.Subscript(ast.Name(_COUNTER, ast.Load()), ast.Constant(0), ast.Store())
    return ast.AugAssign(target, ast.Add(), ast.Constant(k))


class _Instrument(ast.NodeTransformer):
    def __init__(self, defs: set) -> None:
        self.defs = defs

    def own_ops(self, s: ast.stmt) -> int:
        """Operations of ``s`` itself, outside its nested statement lists."""
        if isinstance(s, ast.For):
            return expression_ops(s.iter, self.defs)
        if isinstance(s, (ast.If, ast.While)):
            return expression_ops(s.test, self.defs)
        own = 1 if isinstance(s, ast.AugAssign) else 0
        return own + sum(expression_ops(c, self.defs) for c in ast.iter_child_nodes(s)
                         if isinstance(c, ast.expr))

    def body(self, stmts: list) -> list:
        out: list = []
        for s in stmts:
            self.visit(s)
            k = self.own_ops(s)
            if k:
                out.append(_bump(k))
            out.append(s)
            if isinstance(s, ast.While) and k:
                s.body.append(_bump(k))  # the test runs again after each iteration
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                setattr(node, field, self.body(stmts))
        return node
