"""``has_aux=True``: a function returning ``(value, aux)`` whose ``aux`` is
any structure of numbers and arrays, written where it is returned (``return
loss, {"pred": p, "err": (a, b)}``).

The IR carries numbers and arrays only, so the structure is taken apart on
the AST: every ``return value, AUX`` becomes ``return value, leaf1, leaf2,
...`` (dict, tuple and list displays are opened, a string or None constant is
kept in the structure, anything else is a leaf),
the compiled code returns the leaves after the derivative (never
differentiated: reverse.py ``aux=``), and :func:`rebuild` puts them back
into the structure.  Every ``return`` must give the same structure.  A
display bound to a name once at the top of the body and read only by the
returns (``aux = {"pred": p}`` ... ``return loss, aux``) is opened too: each
leaf gets a name of its own there (``aux_pred = p``).
"""
from __future__ import annotations

import ast
import copy
import dataclasses

from .source import SourceFunction

LEAF = ("leaf",)


def split_aux(sf: SourceFunction) -> tuple:
    """``(sf returning value and the aux leaves, structure)``."""
    node = copy.deepcopy(sf.node)
    returns = [n for n in _own_nodes(node) if isinstance(n, ast.Return)]
    if not returns:
        raise sf.error(f"{sf.name} has no return statement; has_aux=True needs "
                       "`return value, aux`", sf.node, "has_aux")
    _named_displays(node, returns)
    structure = None
    for ret in returns:
        value = ret.value
        if not isinstance(value, ast.Tuple) or len(value.elts) != 2 or any(
                isinstance(e, ast.Starred) for e in value.elts):
            raise sf.error("has_aux=True needs every return to be written `return value, "
                           "aux` (a pair)", ret, "return")
        leaves: list = []
        shape = _flatten(sf, value.elts[1], leaves)
        if structure is not None and shape != structure:
            raise sf.error("has_aux=True needs every return to give aux the same structure "
                           "(the same keys and lengths)", ret, "return")
        structure = shape
        value.elts = [value.elts[0]] + leaves
    return dataclasses.replace(sf, node=node), structure


def _flatten(sf: SourceFunction, expr: ast.expr, leaves: list) -> tuple:
    if isinstance(expr, ast.Dict):
        if any(k is None or not isinstance(k, ast.Constant) for k in expr.keys):
            raise sf.error("an aux dict needs literal keys (and no **)", expr, "has_aux")
        keys = tuple(k.value for k in expr.keys)
        return ("dict", keys, tuple(_flatten(sf, v, leaves) for v in expr.values))
    if isinstance(expr, (ast.Tuple, ast.List)):
        if any(isinstance(e, ast.Starred) for e in expr.elts):
            raise sf.error("an aux tuple or list cannot be starred", expr, "has_aux")
        kind = "tuple" if isinstance(expr, ast.Tuple) else "list"
        return (kind, tuple(_flatten(sf, e, leaves) for e in expr.elts))
    if isinstance(expr, ast.Constant) and not isinstance(expr.value, (int, float, complex)):
        return ("const", expr.value)  # a string or None: kept here, not computed
    leaves.append(expr)
    return LEAF


def _named_displays(node, returns: list) -> None:
    """``aux = {"pred": p, ...}`` at the top of the body, then ``return loss,
    aux``: the display is bound once, and ``aux`` is read only there, so each
    leaf gets its own name where the display was (``aux_pred = p``) and the
    returns show the display of those names (evaluated where it was written)."""
    names = {r.value.elts[1].id for r in returns if isinstance(r.value, ast.Tuple)
             and len(r.value.elts) == 2 and isinstance(r.value.elts[1], ast.Name)}
    if not names:
        return
    taken = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    taken |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    for name in sorted(names):
        uses = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name]
        stores = [n for n in uses if isinstance(n.ctx, ast.Store)]
        at = [k for k, s in enumerate(node.body) if isinstance(s, ast.Assign)
              and len(s.targets) == 1 and s.targets[0] in stores
              and isinstance(s.value, (ast.Dict, ast.Tuple, ast.List))]
        reads = [r for r in returns if isinstance(r.value, ast.Tuple) and len(r.value.elts) == 2
                 and isinstance(r.value.elts[1], ast.Name) and r.value.elts[1].id == name]
        if len(stores) != 1 or len(at) != 1 or len(uses) != 1 + len(reads):
            continue  # rebound, or read elsewhere: left as it is (lowering says why)
        statement = node.body[at[0]]
        assigns: list = []
        display = _bind(statement.value, name, taken, assigns)
        for a in assigns:
            ast.copy_location(a, statement)
            ast.fix_missing_locations(a)
        node.body[at[0]:at[0] + 1] = assigns
        for r in reads:
            r.value.elts[1] = copy.deepcopy(display)
            ast.fix_missing_locations(r)


def _bind(expr, base: str, taken: set, assigns: list):
    """``expr`` with each leaf bound to a fresh name (``base_key``) by ``assigns``."""
    if isinstance(expr, ast.Dict) and all(isinstance(k, ast.Constant) for k in expr.keys):
        values = [_bind(v, _label(base, k.value, i), taken, assigns)
                  for i, (k, v) in enumerate(zip(expr.keys, expr.values))]
        return ast.Dict(keys=list(expr.keys), values=values)
    if isinstance(expr, (ast.Tuple, ast.List)) and not any(
            isinstance(e, ast.Starred) for e in expr.elts):
        elts = [_bind(e, f"{base}_{i}", taken, assigns) for i, e in enumerate(expr.elts)]
        return type(expr)(elts=elts, ctx=ast.Load())
    if isinstance(expr, ast.Constant) and not isinstance(expr.value, (int, float, complex)):
        return expr  # kept in the structure (_flatten)
    name = base
    k = 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    assigns.append(ast.Assign(targets=[ast.Name(name, ast.Store())], value=expr))
    return ast.Name(name, ast.Load())


def _label(base: str, key, i: int) -> str:
    return f"{base}_{key}" if isinstance(key, str) and key.isidentifier() else f"{base}_{i}"


def count(structure: tuple) -> int:
    """How many leaves ``structure`` holds."""
    if structure == LEAF:
        return 1
    if structure[0] == "const":
        return 0
    children = structure[2] if structure[0] == "dict" else structure[1]
    return sum(count(c) for c in children)


def rebuild(structure: tuple, leaves) -> object:
    """The aux value from its leaves (in order)."""
    it = iter(leaves)
    return _build(structure, it)


def _build(structure: tuple, it):
    if structure == LEAF:
        return next(it)
    if structure[0] == "const":
        return structure[1]
    if structure[0] == "dict":
        return {k: _build(c, it) for k, c in zip(structure[1], structure[2])}
    items = [_build(c, it) for c in structure[1]]
    return tuple(items) if structure[0] == "tuple" else items


def _own_nodes(node):
    """The nodes of a function body, not of functions or classes defined in it."""
    todo = list(node.body)
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                              ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(n))
