"""``has_aux=True``: a function returning ``(value, aux)`` whose ``aux`` is
any structure of numbers and arrays, written where it is returned (``return
loss, {"pred": p, "err": (a, b)}``).

The IR carries numbers and arrays only, so the structure is taken apart on
the AST: every ``return value, AUX`` becomes ``return value, leaf1, leaf2,
...`` (dict, tuple and list displays are opened, anything else is a leaf),
the compiled code returns the leaves after the derivative (never
differentiated: reverse.py ``aux=``), and :func:`rebuild` puts them back
into the structure.  Every ``return`` must give the same structure.
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
    leaves.append(expr)
    return LEAF


def count(structure: tuple) -> int:
    """How many leaves ``structure`` holds."""
    if structure == LEAF:
        return 1
    children = structure[2] if structure[0] == "dict" else structure[1]
    return sum(count(c) for c in children)


def rebuild(structure: tuple, leaves) -> object:
    """The aux value from its leaves (in order)."""
    it = iter(leaves)
    return _build(structure, it)


def _build(structure: tuple, it):
    if structure == LEAF:
        return next(it)
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
