"""Count the arithmetic operations that emitted Python code executes.

Counted on the parsed module (``ast``), never on its text: every ``BinOp``,
``UnaryOp``, ``Compare``, augmented assignment and call of a math function is
one operation.  Moving values around is free: tuple packing, ``tape.append``,
``tape.pop``, ``range``/``reversed``.  A ``for`` over a ``range`` with literal
bounds counts its body once per iteration; a call of another function of the
same module counts that function's operations.
"""
from __future__ import annotations

import ast

from .errors import AdcError

#: calls that only move values or drive loops
_FREE_CALLS = {"range", "reversed", "list", "tuple", "len", "append", "pop", "float"}


class CountError(AdcError):
    """The emitted code's operation count is not fixed (a loop whose trip count
    is only known at run time, or recursion)."""


def count_module_ops(source: str, entry: str) -> int:
    """Operations executed by one call of ``entry`` defined in ``source``."""
    tree = ast.parse(source)
    defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    return _Counter(defs).function(entry)


class _Counter:
    def __init__(self, defs: dict) -> None:
        self.defs = defs
        self.done: dict = {}
        self.active: set = set()

    def function(self, name: str) -> int:
        if name in self.done:
            return self.done[name]
        if name in self.active:
            raise CountError(f"{name} is recursive: its operation count depends on its inputs")
        self.active.add(name)
        total = self.stmts(self.defs[name].body)
        self.active.discard(name)
        self.done[name] = total
        return total

    def stmts(self, stmts: list) -> int:
        return sum(self.stmt(s) for s in stmts)

    def stmt(self, s: ast.stmt) -> int:
        if isinstance(s, ast.For):
            trips = _trip_count(s.iter)
            if trips is None:
                raise CountError(f"the loop at line {s.lineno} has a trip count known only at "
                                 "run time")
            return self.expr(s.iter) + trips * self.stmts(s.body) + self.stmts(s.orelse)
        if isinstance(s, ast.While):
            raise CountError(f"the while loop at line {s.lineno} has a trip count known only "
                             "at run time")
        if isinstance(s, ast.If):
            return self.expr(s.test) + max(self.stmts(s.body), self.stmts(s.orelse))
        if isinstance(s, ast.AugAssign):
            return 1 + self.expr(s.value)
        return sum(self.expr(child) for child in ast.iter_child_nodes(s)
                   if isinstance(child, ast.expr))

    def expr(self, node: ast.expr) -> int:
        own = 0
        if isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name in self.defs:
                own = self.function(name)
            elif name not in _FREE_CALLS:
                own = 1
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            own = 1
        elif isinstance(node, ast.Compare):
            own = len(node.ops)
        elif isinstance(node, ast.BoolOp):
            own = len(node.values) - 1
        return own + sum(self.expr(c) for c in ast.iter_child_nodes(node)
                         if isinstance(c, ast.expr) and not _is_callee(node, c))


def _is_callee(parent: ast.AST, child: ast.AST) -> bool:
    return isinstance(parent, ast.Call) and parent.func is child


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return getattr(func, "id", "")


def _trip_count(node: ast.expr):
    """len(range(...)) when ``node`` is ``range(...)`` or ``reversed(range(...))``
    with integer literal arguments, else None."""
    if isinstance(node, ast.Call) and _call_name(node.func) == "reversed" and len(node.args) == 1:
        node = node.args[0]
    if not (isinstance(node, ast.Call) and _call_name(node.func) == "range"):
        return None
    try:
        bounds = [ast.literal_eval(a) for a in node.args]
    except ValueError:
        return None
    if not all(isinstance(b, int) for b in bounds):
        return None
    return len(range(*bounds))
