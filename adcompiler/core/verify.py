"""The IR's invariants, checked: SSA (each variable bound once), scoping
(read only after binding, in an enclosing block) and the arities of
branches and loops.  The tests run :func:`verify` after every pass
(``compiler.CHECK_IR``); a failure is a bug in a pass, never the user's."""
from __future__ import annotations

from .ir import Block, Const, Eqn, ForRange, Function, If, Var, While, stmt_inputs


class IRError(AssertionError):
    """The IR broke an invariant: a bug in a pass, never the user's fault."""


def verify(fn: Function) -> None:
    """Check SSA (each var bound once), scoping (read only after binding, in an
    enclosing block) and arities.  Tests run it after every pass."""
    bound: set = set()
    scope = set(fn.params)
    for v in fn.params:
        _bind(v, bound)
    _verify_block(fn.body, scope, bound)


def _bind(v: object, bound: set) -> None:
    if not isinstance(v, Var):
        raise IRError(f"binding a non-variable {v!r}")
    if v in bound:
        raise IRError(f"{v} is bound twice")
    bound.add(v)


def _check_read(a: object, scope: set, where: str) -> None:
    if isinstance(a, Const):
        return
    if not isinstance(a, Var):
        raise IRError(f"{where}: {a!r} is not an atom")
    if a not in scope:
        raise IRError(f"{where}: {a} is read out of scope")


def _verify_block(block: Block, scope: set, bound: set) -> None:
    scope = set(scope)
    for p in block.params:
        _bind(p, bound)
        scope.add(p)
    for stmt in block.stmts:
        for a in stmt_inputs(stmt):
            _check_read(a, scope, type(stmt).__name__)
        if isinstance(stmt, If):
            _check_read(stmt.pred, scope, "If")
            for b in (stmt.then, stmt.orelse):
                if b.params or len(b.results) != len(stmt.outs):
                    raise IRError("If branch shape does not match its outputs")
                _verify_block(b, scope, bound)
        elif isinstance(stmt, ForRange):
            n = len(stmt.inits)
            if len(stmt.body.params) != n + 1 or len(stmt.body.results) != n or len(stmt.outs) != n:
                raise IRError("ForRange carried values do not line up")
            _verify_block(stmt.body, scope, bound)
        elif isinstance(stmt, While):
            n = len(stmt.inits)
            if (len(stmt.cond.params) != n or len(stmt.cond.results) != 1
                    or len(stmt.body.params) != n or len(stmt.body.results) != n
                    or len(stmt.outs) != n):
                raise IRError("While carried values do not line up")
            _verify_block(stmt.cond, scope, bound)
            _verify_block(stmt.body, scope, bound)
        elif not isinstance(stmt, Eqn):
            raise IRError(f"unknown statement {stmt!r}")
        for v in stmt.outs:
            _bind(v, bound)
            scope.add(v)
    for a in block.results:
        _check_read(a, scope, "block result")
