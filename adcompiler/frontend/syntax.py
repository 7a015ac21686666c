"""Small facts about the user's AST and the lowering's name environment,
shared by the parts of the lowering (statements, loops, expressions, calls).

An environment (``env``) maps a Python name to the atom holding its value
now: a :class:`Var`, a :class:`Const`, a tuple of atoms, or :class:`Unbound`.
"""
from __future__ import annotations

import ast

from ..core.ir import Const, Var


class Unbound:
    """A name that must not be read here (a loop index after its loop)."""

    def __init__(self, why: str) -> None:
        self.why = why


class Returned:
    """The outcome of lowering statements that end in ``return``: the values."""

    def __init__(self, values: tuple) -> None:
        self.values = values


def hint(name: str) -> str:
    """The user-visible base name for a Python name (flags carry a '#')."""
    return "~" + name.split("#")[0].lstrip("_") if "#" in name else name


def has_value(env: dict, name: str) -> bool:
    """Whether ``name`` holds a readable scalar or array value here."""
    return isinstance(env.get(name), (Var, Const))


def ordered_union(a: dict, b: dict) -> list:
    seen = dict.fromkeys(a)
    seen.update(dict.fromkeys(b))
    return list(seen)


def unbound_names(env: dict, names) -> set:
    return {n for n in names if isinstance(env.get(n), Unbound)}


def assigned(stmts: list) -> list:
    """Names assigned anywhere in ``stmts`` (including nested blocks), in order."""
    found: dict = {}
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found[node.id] = None
    return list(found)


def loop_targets(stmts: list) -> set:
    """Names bound as the target of a for loop nested in ``stmts``."""
    found = set()
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.For):
                found |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
            if isinstance(node, (ast.For, ast.While)):  # the marks of loops.py
                found |= set(getattr(node, "adc_targets", ()))
    return found


def contains_return(s: ast.stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(s))


def dotted(node: ast.expr) -> str:
    """``np.linalg.norm`` for the AST of that name; else what the node is."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return dotted(node.value) + "." + node.attr
    return describe(node)


_DESCRIPTIONS = {
    "Try": "try statement", "TryStar": "try statement", "With": "with statement",
    "AsyncWith": "async with", "AsyncFor": "async for", "AsyncFunctionDef": "async def",
    "Raise": "raise statement", "Global": "global statement", "Nonlocal": "nonlocal statement",
    "ClassDef": "class definition", "FunctionDef": "nested function definition",
    "Delete": "del statement", "Assert": "assert statement", "Import": "import statement",
    "ImportFrom": "import statement", "Yield": "yield", "YieldFrom": "yield from",
    "Await": "await", "Lambda": "lambda", "ListComp": "list comprehension",
    "SetComp": "set comprehension", "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression", "Dict": "dict literal", "Set": "set literal",
    "JoinedStr": "f-string", "NamedExpr": "assignment expression (:=)", "Starred": "starred expression",
    "Match": "match statement", "Slice": "slice", "Call": "call", "Break": "break",
    "Continue": "continue",
}


def describe(node: ast.AST) -> str:
    """The construct's name as error messages give it (``list comprehension``)."""
    return _DESCRIPTIONS.get(type(node).__name__, type(node).__name__)


def literal_int(node: ast.expr):
    """The value of an integer literal (``3``, ``-1``), else None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = literal_int(node.operand)
        return None if inner is None else -inner
    return None
