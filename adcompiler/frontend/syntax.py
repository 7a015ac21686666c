"""Small facts about the user's AST and the lowering's name environment,
shared by the parts of the lowering (statements, loops, expressions, calls).

An environment (``env``) maps a Python name to the atom holding its value
now: a :class:`Var`, a :class:`Const`, a tuple of atoms, or :class:`Unbound`.
"""
from __future__ import annotations

import ast

from ..core.astwalk import ast_walk, ast_walk_stores
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
        for node in ast_walk(s):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found[node.id] = None
    return list(found)


def definitely_assigned(stmts: list) -> set:
    """Names that ``stmts`` assign on every path through them (a loop inside
    may run zero times, so it counts for nothing; an if counts for the names
    both of its branches assign; the guard the desugaring puts after a
    ``return`` in a loop, for its body: its other path has left the function)."""
    found: set = set()
    for s in stmts:
        if isinstance(s, ast.Assign):
            found |= {n.id for t in s.targets for n in ast_walk(t)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        elif isinstance(s, ast.If) and getattr(s, "adc_else_returned", False):
            found |= definitely_assigned(s.body)
        elif isinstance(s, ast.If):
            found |= definitely_assigned(s.body) & definitely_assigned(s.orelse)
        elif _runs_once(s):
            found |= definitely_assigned(s.body)
    return found


def _runs_once(s: ast.stmt) -> bool:
    """A loop whose body certainly runs: ``for`` over a non-empty range of
    integer literals, or a ``while`` the desugaring marked so."""
    if isinstance(s, ast.While):
        return bool(getattr(s, "adc_runs", False))
    if not (isinstance(s, ast.For) and isinstance(s.iter, ast.Call)
            and isinstance(s.iter.func, ast.Name) and s.iter.func.id == "range"):
        return False
    vals = [_int_literal(a) for a in s.iter.args]
    if s.iter.keywords or not 1 <= len(vals) <= 3 or None in vals:
        return False
    return (len(vals) < 3 or vals[2] != 0) and len(range(*vals)) > 0


def read_before_assigned(stmts: list, names: set, bound: set | None = None):
    """The first ``ast.Name`` reading one of ``names`` where it may not be
    assigned yet, walking ``stmts`` in order (None if there is none): a
    name a loop carries but that has no value before the loop is unbound at
    such a read on the first iteration (conservative: a read in a branch
    counts, whatever its condition)."""
    bound = set(bound or ())
    for s in stmts:
        if isinstance(s, ast.If):
            heads, blocks = [s.test], [s.body, s.orelse]
        elif isinstance(s, (ast.For, ast.While)):
            heads, blocks = [s.iter if isinstance(s, ast.For) else s.test], [s.body, s.orelse]
        else:
            heads, blocks = [s], []
        for head in heads:
            for node in ast_walk(head):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
                        and node.id in names and node.id not in bound:
                    return node
        for block in blocks:
            found = read_before_assigned(block, names, bound)
            if found is not None:
                return found
        bound |= definitely_assigned([s])
    return None


def _int_literal(node: ast.expr):
    """The value of an integer literal (``3``, ``-1``), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_literal(node.operand)
        return None if inner is None else -inner
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def loop_targets(stmts: list) -> set:
    """Names bound as the target of a for loop nested in ``stmts``."""
    return assigned_and_loop_targets(stmts)[1]


def assigned_and_loop_targets(stmts: list, stores_in_expressions: bool = True) -> tuple:
    """``(assigned(stmts), loop_targets(stmts))`` from one walk (a loop's
    lowering asks both of its body, which may be long).  Without
    ``stores_in_expressions`` (the census saw no ``:=`` and no comprehension)
    the expressions read are not walked: no name is stored inside one."""
    found: dict = {}
    targets: set = set()
    name_t, store_t, loops_t = ast.Name, ast.Store, (ast.For, ast.While)
    walk = ast_walk if stores_in_expressions else ast_walk_stores
    for s in stmts:
        for node in walk(s):
            kind = type(node)
            if kind is name_t:
                if type(node.ctx) is store_t:
                    found[node.id] = None
            elif kind in loops_t:
                if kind is ast.For:
                    targets |= {n.id for n in ast_walk(node.target) if isinstance(n, ast.Name)}
                targets |= set(getattr(node, "adc_targets", ()))  # the marks of loops.py
    return list(found), targets


def contains_return(s: ast.stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in ast_walk(s))


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
