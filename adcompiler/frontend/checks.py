"""What the lowering refuses before it starts: signatures it cannot
differentiate (``async``, generators, ``*args``, foreign decorators) and
code nested too deeply for Python to compile once it is emitted."""
from __future__ import annotations

import ast

from ..core.astwalk import ast_walk, children
from .census import census
from .source import SourceFunction
from .syntax import contains_return

#: deepest block nesting allowed in emitted code (Python's limit is 100; the
#: emitted function and tape loops add a few levels)
MAX_NESTING = 90


def check_signature(sf: SourceFunction, node: ast.FunctionDef) -> None:
    if isinstance(node, ast.AsyncFunctionDef):
        raise sf.error("async def is not supported; write a plain def", node, "async def")
    walked = ast_walk(node) if node is not sf.node or census(sf).may_yield() else ()
    for inner in walked:  # (the census saw no yield: no walk)
        if isinstance(inner, (ast.Yield, ast.YieldFrom)):
            raise sf.error("generator functions (yield) are not supported", inner, "yield")
    a = node.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
        raise sf.error("only plain positional parameters and keyword-only ones are supported "
                       "(no *args, **kwargs, positional-only markers, or a keyword-only "
                       "parameter without a default after one with a default)", node,
                       "parameters")
    for deco in node.decorator_list:
        if not is_our_decorator(deco):
            raise sf.error("decorators other than @grad are not supported", deco, "decorator")


def is_our_decorator(deco: ast.expr) -> bool:
    target = deco.func if isinstance(deco, ast.Call) else deco
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in {"grad", "value_and_grad", "jit", "custom_vjp", "custom_jvp", "defjvp"}


def check_nesting(sf: SourceFunction, body: list) -> None:
    """Refuse code whose emitted form Python cannot compile: more than
    100 nested blocks (every ``if`` that returns nests the statements
    after it; conditional expressions become ``if`` statements).  ``body``
    is the desugared body of ``sf``: its conditional expressions are looked
    for only where the census says it may hold one."""
    depth, where = _nesting(body, 1, _ifexp_depth if census(sf).may_ifexp() else _none)
    if depth > MAX_NESTING:
        raise sf.error(f"the code here is nested {depth} blocks deep once the "
                       "statements after each 'if ...: return' move into its else "
                       f"branch; Python compiles at most 100 (limit {MAX_NESTING}): "
                       "split the function", where, "nesting")


def _nesting(stmts: list, level: int, ifexps) -> tuple:
    """(deepest block level the emitted code reaches, statement reaching it);
    ``ifexps(s)``: how deeply conditional expressions nest in ``s``."""
    deepest, where = level, stmts[0] if stmts else None
    for s in stmts:
        found = [(level + ifexps(s), s)]
        if isinstance(s, ast.If):
            found += [_nesting(s.body, level + 1, ifexps),
                      _nesting(s.orelse, level + 1, ifexps)]
            if contains_return(s):
                level += 1  # the statements after it move into a branch
        elif isinstance(s, (ast.For, ast.While)):
            found.append(_nesting(s.body, level + 1, ifexps))
        for d, w in found:
            if d > deepest and w is not None:
                deepest, where = d, w
        if deepest > MAX_NESTING:
            break
    return deepest, where


def _ifexp_depth(stmt: ast.stmt) -> int:
    """How deeply conditional expressions nest in one statement's own
    expressions (iterative: a long sum is a deep tree)."""
    deepest = 0
    todo = [(child, 0) for child in children(stmt) if isinstance(child, ast.expr)]
    while todo:
        node, d = todo.pop()
        if isinstance(node, ast.IfExp):
            d += 1
            deepest = max(deepest, d)
        todo.extend((child, d) for child in children(node))
    return deepest


def _none(stmt: ast.stmt) -> int:
    return 0
