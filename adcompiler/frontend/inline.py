"""Inlining of user helpers into array code.

A NumPy helper such as ``sigmoid(z)`` is called with arrays of different
shapes; compiled separately it would know none of them and its fwd/bwd pair
would pass residuals through tuples.  Written into its caller, its code is
specialised to the shapes of the call and optimised together with it (CSE
across the boundary).  Recursive helpers are left as calls.  Scalar code is
never inlined (its output must not change).
"""
from __future__ import annotations

from ..core.ir import (Block, Eqn, ForRange, Function, If, Names, Var, While, all_vars, substitute,
                       walk)


def _calls(fn: Function) -> set:
    return {s.param("fn") for s in walk(fn.body) if isinstance(s, Eqn) and s.prim == "call"}


def recursive_keys(functions: dict) -> set:
    """Keys of functions that can reach themselves through calls."""
    graph = {k: _calls(f) & set(functions) for k, f in functions.items()}
    out = set()
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            k = todo.pop()
            if k == start:
                out.add(start)
                break
            if k not in seen:
                seen.add(k)
                todo.extend(graph.get(k, ()))
    return out


def inline_calls(fn: Function, functions: dict) -> Function:
    """``fn`` with every call of a non-recursive helper replaced by its body."""
    skip = recursive_keys(functions)
    names = Names.for_function(fn)
    body = _block(fn.body, functions, skip, names)
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _block(block: Block, functions: dict, skip: set, names: Names) -> Block:
    out: list = []
    mapping: dict = {}
    for s in block.stmts:
        s = _substitute_stmt(s, mapping)
        if isinstance(s, Eqn) and s.prim == "call" and s.param("fn") in functions \
                and s.param("fn") not in skip:
            callee = functions[s.param("fn")]
            # the callee's own names are taken too: the helpers it calls are
            # inlined into its body first, and a fresh name equal to one of
            # its variables would make _fresh_copy rename two values as one
            names.taken |= {v.name for v in all_vars(callee)}
            inner = _block(callee.body, functions, skip, names)
            renamed, results = _fresh_copy(callee.params, inner, s.args, names)
            out.extend(renamed)
            for o, r in zip(s.outs, results):
                mapping[o] = r
            continue
        if isinstance(s, If):
            s = If(s.outs, s.pred, _block(s.then, functions, skip, names),
                   _block(s.orelse, functions, skip, names), s.loc)
        elif isinstance(s, ForRange):
            s = ForRange(s.outs, s.start, s.stop, s.step, s.inits,
                         _block(s.body, functions, skip, names), s.loc, s.reverse)
        elif isinstance(s, While):
            s = While(s.outs, s.inits, _block(s.cond, functions, skip, names),
                      _block(s.body, functions, skip, names), s.loc)
        out.append(s)
    results = tuple(mapping.get(a, a) if isinstance(a, Var) else a for a in block.results)
    return Block(block.params, tuple(out), results)


def _substitute_stmt(s, mapping: dict):
    if not mapping:
        return s
    return substitute(Block((), (s,), ()), mapping).stmts[0]


def _fresh_copy(params: tuple, body: Block, args: tuple, names: Names,
                mapping: dict | None = None) -> tuple:
    """The callee's statements with fresh variables, parameters bound to
    ``args``.  Each statement's direct inputs are renamed once, and nested
    blocks by recursion, so a caller variable that happens to share a name
    with a callee variable is never renamed by mistake.  ``mapping``, if
    given, is filled with every renaming (transform/checkpointing.py reads it)."""
    mapping = {} if mapping is None else mapping
    mapping.update(zip(params, args))

    new = _FreshCopy(names, mapping).block(body)
    return list(new.stmts), new.results


class _FreshCopy:
    """The walk of :func:`_fresh_copy` (a class: closures calling one another
    form a reference cycle, left to the cyclic collector)."""

    __slots__ = ("names", "mapping")

    def __init__(self, names: Names, mapping: dict) -> None:
        self.names, self.mapping = names, mapping

    def atom(self, a):
        return self.mapping.get(a, a) if isinstance(a, Var) else a

    def bind(self, v: Var) -> Var:
        new = self.names.fresh(v.hint)
        self.mapping[v] = new
        return new

    def block(self, b: Block) -> Block:
        atom, bind, block = self.atom, self.bind, self.block
        ps = tuple(bind(p) for p in b.params)
        stmts = []
        for s in b.stmts:
            if isinstance(s, Eqn):
                new = Eqn(s.outs, s.prim, tuple(atom(a) for a in s.args), s.params, s.loc)
            elif isinstance(s, If):
                new = If(s.outs, atom(s.pred), block(s.then), block(s.orelse), s.loc)
            elif isinstance(s, ForRange):
                inits = tuple(atom(a) for a in s.inits)
                new = ForRange(s.outs, atom(s.start), atom(s.stop), atom(s.step), inits,
                               block(s.body), s.loc, s.reverse)
            else:
                inits = tuple(atom(a) for a in s.inits)
                new = While(s.outs, inits, block(s.cond), block(s.body), s.loc)
            stmts.append(_with_outs(new, tuple(bind(o) for o in s.outs)))
        return Block(ps, tuple(stmts), tuple(atom(a) for a in b.results))


def _with_outs(s, outs: tuple):
    if isinstance(s, Eqn):
        return Eqn(outs, s.prim, s.args, s.params, s.loc)
    if isinstance(s, If):
        return If(outs, s.pred, s.then, s.orelse, s.loc)
    if isinstance(s, ForRange):
        return ForRange(outs, s.start, s.stop, s.step, s.inits, s.body, s.loc, s.reverse)
    return While(outs, s.inits, s.cond, s.body, s.loc)

