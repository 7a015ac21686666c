"""Desugaring on the Python AST, before lowering.

Lowering only knows structured control flow, so jumps out of loops are
rewritten here into flags, the classic way:

* ``break`` sets a flag that ends the loop (a ``for i in range`` with a break
  becomes a ``while`` so that it really stops early);
* ``continue`` sets a flag that skips the rest of the iteration;
* ``return`` inside a loop stores the value, sets a flag and breaks; after the
  loop, ``if flag: return value``.  Returns outside loops are handled by the
  lowering (the statements after an ``if`` that returns move into its branches).

Loops over sequences, ``enumerate``/``zip``/``reversed`` are first rewritten
into range loops by :mod:`.loops`.  A loop's ``else`` clause follows it,
guarded by ``not broke`` when the loop has a ``break``.  ``while True`` ends
only by a jump: when that is always a ``return``, the return after the loop is
unconditional and the statements after it (unreachable) are dropped.

Also ``x += e`` becomes ``x = x + e`` and ``x: T = e`` becomes ``x = e``.
Flag names contain ``#``, so they can never collide with a user's names.
"""
from __future__ import annotations

import ast
import collections
import copy

from ..core.astwalk import children
from .prepass import prepare
from .loops import names_in, rewrite_for, static_nonempty

from .lower_writes import flat_target, item_write

_LOOPS = (ast.For, ast.While)


class Desugarer:
    def __init__(self, sf, nreturns: int) -> None:
        self.sf = sf
        self.nreturns = nreturns
        self.counter = 0

    def body(self, stmts: list) -> list:
        out: list = []
        for s in stmts:
            out.extend(self.stmt(s))
            if out and isinstance(out[-1], ast.Return):
                break  # what follows is unreachable (after a 'while True' that returns)
        return out

    def stmt(self, s: ast.stmt) -> list:
        if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript):
            # out[i] += e reads, adds and writes back, exactly as NumPy does
            target, _ = flat_target(self.sf, s.target)
            load = ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()),
                                     s.target)
            value = ast.copy_location(ast.BinOp(load, s.op, s.value), s)
            return [item_write(self.sf, s.target, value, s)]
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                isinstance(s.targets[0], ast.Subscript):
            return [item_write(self.sf, s.targets[0], s.value, s)]
        if isinstance(s, ast.AugAssign):
            if not isinstance(s.target, ast.Name):
                raise self.sf.error("in-place assignment to an item or attribute is not supported",
                                    s, "augmented assignment")
            load = ast.copy_location(ast.Name(s.target.id, ast.Load()), s.target)
            value = ast.copy_location(ast.BinOp(load, s.op, s.value), s)
            value.adc_inplace = s.target.id  # NumPy writes into the array: see inplace.py
            return [ast.copy_location(ast.Assign([s.target], value), s)]
        if isinstance(s, ast.AnnAssign):
            if s.value is None:
                return []
            return [ast.copy_location(ast.Assign([s.target], s.value), s)]
        if isinstance(s, ast.If):
            s = copy.copy(s)  # the user's tree is never changed
            s.body, s.orelse = self.body(s.body), self.body(s.orelse)
            return [s]
        if isinstance(s, _LOOPS):
            s = copy.copy(s)
            orelse, s.orelse = s.orelse, []
            pre = []
            if isinstance(s, ast.For):
                self.counter += 1
                *pre, s = rewrite_for(self.sf, s, self.counter)
            s.body = self.body(s.body)
            return pre + self.loop(s, self.body(orelse))
        return [s]

    # ------------------------------------------------------------ loops
    def loop(self, s, orelse: list) -> list:
        """The loop with its jumps as flags, then its ``else`` clause (run
        when no ``break`` ended the loop).  ``while True`` ends only by a jump:
        when only ``return`` can end it, the return after it is unconditional."""
        kinds = _jumps(s.body)
        forever = isinstance(s, ast.While) and _always_true(s.test)
        if forever and not kinds & {"break", "return"}:
            raise self.sf.error("this 'while True' loop has no break or return, so it never "
                                "ends; add a break or return, or write the condition in the "
                                "while", s, "while True")
        if not kinds:
            return [s] + orelse
        self.counter += 1
        n = self.counter
        flags = _Flags(n, self.nreturns, kinds)
        prefix = [_assign(flags.brk, _const(False), s)] if flags.brk else []
        if "return" in kinds:
            prefix.append(_assign(flags.ret, _const(False), s))
            prefix += [_assign(name, _const(None), s) for name in flags.values]
        body = ([_assign(flags.cont, _const(False), s)] if flags.cont else []) \
            + self.guard(s.body, flags, s)
        if isinstance(s, ast.While):
            test = s.test if not flags.brk else _not(_name(flags.brk, s), s) if forever else \
                _and(_not(_name(flags.brk, s), s), s.test, s)
            new = [ast.copy_location(ast.While(test, body, []), s)]
        elif flags.brk and _is_range(s.iter) and not hasattr(s, "adc_sequences"):
            new = self.range_to_while(s, body, flags)
        elif flags.brk:
            guarded = ast.copy_location(ast.If(_not(_name(flags.brk, s), s), body, []), s)
            new = [_like(s, ast.For(s.target, s.iter, [guarded], []))]
        else:
            new = [_like(s, ast.For(s.target, s.iter, body, []))]
        suffix = []
        if "return" in kinds:
            value = _name(flags.values[0], s) if len(flags.values) == 1 else \
                ast.copy_location(ast.Tuple([_name(v, s) for v in flags.values], ast.Load()), s)
            ret = ast.copy_location(ast.Return(value), s)
            suffix = [ret] if forever and "break" not in kinds else \
                [ast.copy_location(ast.If(_name(flags.ret, s), [ret], []), s)]
            if suffix == [ret]:
                return prefix + new + suffix  # the else clause never runs
        if orelse and "break" in kinds:
            orelse = [ast.copy_location(ast.If(_not(_name(flags.brk, s), s), orelse, []), s)]
        return prefix + new + suffix + orelse

    def range_to_while(self, s: ast.For, body: list, flags: "_Flags") -> list:
        args = s.iter.args
        start, stop, step = (_const(0), args[0], _const(1)) if len(args) == 1 else \
            (args[0], args[1], args[2] if len(args) > 2 else _const(1))
        n = flags.n
        it, end, inc = f"_i#{n}", f"_stop#{n}", f"_step#{n}"
        pre = [_assign(it, start, s), _assign(end, stop, s), _assign(inc, step, s)]
        sign = _const_sign(step)
        less = _cmp(_name(it, s), ast.Lt(), _name(end, s), s)
        more = _cmp(_name(it, s), ast.Gt(), _name(end, s), s)
        if sign > 0:
            in_range = less
        elif sign < 0:
            in_range = more
        else:
            zero = _const(0)
            in_range = ast.copy_location(ast.BoolOp(ast.Or(), [
                _and(_cmp(_name(inc, s), ast.Gt(), zero, s), less, s),
                _and(_cmp(_name(inc, s), ast.Lt(), zero, s), more, s)]), s)
        test = _and(_not(_name(flags.brk, s), s), in_range, s)
        step_stmts = [ast.copy_location(ast.Assign([s.target], _name(it, s)), s),
                      _assign(it, ast.copy_location(
                          ast.BinOp(_name(it, s), ast.Add(), _name(inc, s)), s), s)]
        loop = ast.copy_location(ast.While(test, step_stmts + body, []), s)
        loop.adc_targets = names_in(s.target)  # a loop variable: see loops.py
        loop.adc_runs = static_nonempty(args)
        return pre + [loop]

    def guard(self, stmts: list, flags: "_Flags", loop) -> list:
        """Rewrite jumps into flag assignments; statements after a possible
        jump run only while no flag is set."""
        out: list = []
        for k, s in enumerate(stmts):
            out.extend(self.rewrite(s, flags))
            rest = stmts[k + 1:]
            if rest and _jumps([s]):
                test = _not(_flag_test(flags, s), s)
                rest_if = ast.copy_location(ast.If(test, self.guard(rest, flags, loop), []), s)
                # only a return skips the rest: code after the loop never runs on that
                # path (syntax.definitely_assigned)
                rest_if.adc_else_returned = _jumps([s]) == {"return"}
                out.append(rest_if)
                return out
        return out

    def rewrite(self, s: ast.stmt, flags: "_Flags") -> list:
        if isinstance(s, ast.Break):
            return [_assign(flags.brk, _const(True), s)]
        if isinstance(s, ast.Continue):
            return [_assign(flags.cont, _const(True), s)]
        if isinstance(s, ast.Return):
            if s.value is None:
                raise self.sf.error("a return without a value cannot be differentiated", s, "return")
            values = s.value.elts if isinstance(s.value, ast.Tuple) and len(flags.values) > 1 \
                else [s.value]
            if len(values) != len(flags.values):
                raise self.sf.error("all return statements must return the same number of values",
                                    s, "return")
            sets = [_assign(name, v, s) for name, v in zip(flags.values, values)]
            return sets + [_assign(flags.ret, _const(True), s), _assign(flags.brk, _const(True), s)]
        if isinstance(s, ast.If):
            new = copy.copy(s)
            new.body = self.guard(s.body, flags, None) or [ast.copy_location(ast.Pass(), s)]
            new.orelse = self.guard(s.orelse, flags, None)
            return [new]
        return [s]


class _Flags:
    def __init__(self, n: int, nreturns: int, kinds: set) -> None:
        self.n = n
        has_ret = "return" in kinds
        self.brk = f"_broke#{n}" if ("break" in kinds or has_ret) else None
        self.cont = f"_skip#{n}" if "continue" in kinds else None
        self.ret = f"_returned#{n}" if has_ret else None
        self.values = [f"_result#{n}_{i}" for i in range(nreturns)] if has_ret else []


def _flag_test(flags: _Flags, s) -> ast.expr:
    names = [f for f in (flags.brk, flags.cont) if f]
    if len(names) == 1:
        return _name(names[0], s)
    return ast.copy_location(ast.BoolOp(ast.Or(), [_name(f, s) for f in names]), s)


def _jumps(stmts: list) -> set:
    """Kinds of jump in ``stmts`` that leave the enclosing loop's iteration."""
    kinds: set = set()
    for s in stmts:
        if isinstance(s, ast.Break):
            kinds.add("break")
        elif isinstance(s, ast.Continue):
            kinds.add("continue")
        elif isinstance(s, ast.Return):
            kinds.add("return")
        elif isinstance(s, ast.If):
            kinds |= _jumps(s.body) | _jumps(s.orelse)
    return kinds


def _always_true(test: ast.expr) -> bool:
    """``while True`` / ``while 1``: a loop only a jump can end."""
    return isinstance(test, ast.Constant) and bool(test.value) and test.value is not ...


def _like(old: ast.For, new: ast.For) -> ast.For:
    """``new`` at ``old``'s place, keeping the marks of loops.py."""
    for mark in ("adc_targets", "adc_sequences"):
        if hasattr(old, mark):
            setattr(new, mark, getattr(old, mark))
    return ast.copy_location(new, old)


def _is_range(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "range" and not node.keywords and 1 <= len(node.args) <= 3)


def _const_sign(node: ast.expr) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return 1 if node.value > 0 else -1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant):
        return -1
    return 0


def _const(value) -> ast.expr:
    return ast.Constant(value)


def _name(name: str, at) -> ast.expr:
    return ast.copy_location(ast.Name(name, ast.Load()), at)


def _assign(name: str, value: ast.expr, at) -> ast.stmt:
    target = ast.copy_location(ast.Name(name, ast.Store()), at)
    return ast.copy_location(ast.Assign([target], value), at)


def _not(e: ast.expr, at) -> ast.expr:
    return ast.copy_location(ast.UnaryOp(ast.Not(), e), at)


def _and(a: ast.expr, b: ast.expr, at) -> ast.expr:
    return ast.copy_location(ast.BoolOp(ast.And(), [a, b]), at)


def _cmp(a: ast.expr, op, b: ast.expr, at) -> ast.expr:
    return ast.copy_location(ast.Compare(a, [op], [b]), at)


def count_returns(fn: ast.FunctionDef) -> int:
    """How many values the function returns (1 unless it returns tuple literals)."""
    todo = collections.deque(fn.body)  # not the returns of nested functions; breadth
    while todo:  # first (a list's pop(0) made this quadratic in the body's length)
        node = todo.popleft()
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            return len(node.value.elts)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # statements never sit inside expressions: their subtrees are skipped
            todo.extend(c for c in children(node) if not isinstance(c, ast.expr))
    return 1


def returns_of(sf) -> int:
    """:func:`count_returns` of ``sf.node``, found once per node (kept on
    ``sf``: the program's arity table and the desugaring both ask)."""
    got = sf.__dict__.get("_returns")
    if got is None or got[0] is not sf.node:
        got = sf._returns = (sf.node, count_returns(sf.node))
    return got[1]


def desugar(sf) -> list:
    """The desugared body (after :mod:`.prepass`: comprehensions, closures) of a :class:`SourceFunction`.  Its AST is not
    changed: statements that get new bodies are copied (shallowly; a deep copy
    recursed once per term of a long sum)."""
    return Desugarer(sf, returns_of(sf)).body(prepare(sf))
