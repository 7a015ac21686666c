"""Lowering of loops: ``for`` over ``range`` becomes :class:`ForRange`,
``while`` becomes :class:`While`, both carrying the names they assign as
block parameters; ``for`` over a tuple, ``enumerate`` or ``zip`` of tuples
built in the function is unrolled."""
from __future__ import annotations

import ast

from ..core.ir import Builder, Const, ForRange, While
from . import loops
from .census import census
from .syntax import (Returned, Unbound, assigned_and_loop_targets, definitely_assigned,
                     has_value, hint, read_before_assigned, unbound_names)


class LoopLowering:
    """The loop half of :class:`adcompiler.frontend.lower.Lowerer`."""

    def carried(self, body: list, env: dict, exclude: set, at) -> list:
        """Names the loop carries: those it assigns, except loop variables
        (of this loop or nested ones) that have no value before it: those
        stay unreadable after their loop (Python would raise NameError when
        the loop runs zero times).  A name that must not be read here is not
        carried either: a loop cannot start from a value the IR does not hold,
        so it stays unreadable until assigned in the body, and after the loop."""
        written, nested = self.body_names(body)
        exclude = exclude | {n for n in nested if not has_value(env, n)} | \
            {n for n in unbound_names(env, written) if "#" in n} | \
            set(filter(loops.is_hidden_temp, written))
        names = [n for n in written if n not in exclude]
        for n in names:
            if isinstance(env.get(n), tuple):
                raise self.sf.error(f"{n} holds a tuple and is reassigned in a loop; unpack it "
                                    "into separate names", at, "tuple in loop")
        self.refuse_first_iteration_reads(names, env, at)
        return names

    def body_names(self, body: list) -> tuple:
        """:func:`~.syntax.assigned_and_loop_targets` of a loop's body, walked
        once per body (:meth:`carried` and :meth:`after_loop` both ask)."""
        memo = self.__dict__.setdefault("_body_names", {})
        got = memo.get(id(body))
        if got is None or got[0] is not body:  # (the body is kept: its id stays its own)
            walk_all = census(self.sf).stores_in_expressions()
            got = memo[id(body)] = (body, assigned_and_loop_targets(body, walk_all))
        return got[1]

    def refuse_first_iteration_reads(self, names: list, env: dict, loop) -> None:
        """A carried name with no value before the loop, read in it before it
        is assigned: Python raises UnboundLocalError there on the first
        iteration, where the IR would start the loop from None."""
        fresh = {n for n in names if "#" not in n and not has_value(env, n)}
        if not fresh:
            return
        head = [ast.Expr(loop.test)] if isinstance(loop, ast.While) else []
        read = read_before_assigned(head + loop.body, fresh)
        if read is not None and isinstance(env.get(read.id), Unbound):
            raise self.sf.error(env[read.id].why, read, "name")  # why it has no value
        if read is not None:
            raise self.sf.error(f"{read.id} is read in a loop before it is assigned and has no "
                                "value before the loop: Python raises UnboundLocalError on the "
                                f"first iteration; give {read.id} a value before the loop",
                                read, "name")

    def for_stmt(self, s: ast.For, env: dict, b: Builder, skip=None) -> dict:
        """``skip``: names the loop cannot carry (see :meth:`uncarried`)."""
        skip = skip or {}
        if loops.over_tuple(self, s, env):
            return loops.unroll(self, s, env, b)
        kind, args = self.iteration(s.iter, env, b)
        if kind == "unroll":
            return self.unrolled_for(s, args, env, b)
        if not isinstance(s.target, ast.Name):
            raise self.sf.error("a range loop needs a single loop variable", s.target, "for target")
        start, stop, step = args
        idx = self.names.fresh(s.target.id)
        runs = loops.runs_once(start, stop, step)
        targets = [s.target.id] + getattr(s, "adc_targets", [])
        hidden = {t for t in targets if not (has_value(env, t) or runs)} | set(skip)
        names = self.carried(s.body, env, set(targets) | set(skip), s)
        # Python keeps the last index after the loop (or the value before a loop that
        # runs zero times); see loops.py for the loop variables of sequence loops
        names += [t for t in dict.fromkeys(targets) if t not in hidden]
        inits = tuple(self.init(n, env) for n in names)
        params = tuple(self.names.fresh(hint(n)) for n in names)
        inner = dict(env)
        inner.update(zip(names, params))
        inner[s.target.id] = idx
        inner.update(skip)
        child = b.child()
        inner = self.stmts(s.body, inner, child)
        more = self.uncarried(names, inner, env, s)
        if more:  # lower the loop again without carrying them
            return self.for_stmt(s, env, b, {**skip, **more})
        body = child.block(tuple(inner[n] for n in names), (idx,) + params)
        outs = tuple(self.names.fresh(hint(n)) for n in names)
        b.loc = self.loc(s)
        b.emit(ForRange(outs, start, stop, step, inits, body, b.loc))
        env = self.after_loop(env, names, outs, s.body, runs, targets, s.lineno)
        for t in hidden:
            env[t] = skip.get(t) or Unbound(_after_loop_message(t, s.lineno))
        return env

    def uncarried(self, names: list, inner: dict, env: dict, at) -> dict:
        """Carried names the body leaves as a tuple, or unreadable (bound on
        one path only): a loop carries scalars and arrays.  They are lowered
        again as unreadable from the start of each iteration to after the
        loop (``{name: Unbound}``); a tuple that had another value before the
        loop is refused."""
        found = {}
        for n in names:
            value = inner.get(n)
            if isinstance(value, tuple):
                if has_value(env, n):
                    raise self.sf.error(f"{n} holds a tuple and is reassigned in a loop; "
                                        "unpack it into separate names", at, "tuple in loop")
                found[n] = Unbound(_tuple_message(n))
            elif isinstance(value, Unbound):
                found[n] = value
        return found

    def init(self, name: str, env: dict):
        value = env.get(name, Const(None))
        return Const(None) if isinstance(value, Unbound) else value

    def iteration(self, node: ast.expr, env: dict, b: Builder):
        """('range', (start, stop, step)) or ('unroll', [items])."""
        if isinstance(node, ast.Call):
            special = self.special_builtin(node.func, env)
            if special == "range":
                if node.keywords or not 1 <= len(node.args) <= 3:
                    raise self.sf.error("range() takes 1 to 3 positional arguments", node, "range")
                vals = [self.scalar(a, env, b) for a in node.args]
                if len(vals) == 1:
                    return "range", (Const(0), vals[0], Const(1))
                return "range", (vals[0], vals[1], vals[2] if len(vals) > 2 else Const(1))
            if special == "enumerate":
                items = self.static_items(node.args[0], env, b)
                return "unroll", [(Const(i), v) for i, v in enumerate(items)]
            if special == "zip":
                seqs = [self.static_items(a, env, b) for a in node.args]
                return "unroll", list(zip(*seqs))
        return "unroll", self.static_items(node, env, b)

    def static_items(self, node: ast.expr, env: dict, b: Builder) -> list:
        value = self.expr(node, env, b)
        if not isinstance(value, tuple):
            raise self.sf.error("loops run over range(...) or over a list or tuple built in "
                                "the function", node, "for iterable")
        return list(value)

    def unrolled_for(self, s: ast.For, items: list, env: dict, b: Builder) -> dict:
        for item in items:
            self.bind(s.target, item, env, s)
            env = self.stmts(s.body, env, b)
            if isinstance(env, Returned):
                raise self.sf.error("return inside a loop over a list is not supported", s, "return")
        return env

    def while_stmt(self, s: ast.While, env: dict, b: Builder, skip=None) -> dict:
        skip = skip or {}
        targets = getattr(s, "adc_targets", [])  # a range loop with a break (desugar.py)
        hidden = {t for t in targets if not (has_value(env, t) or s.adc_runs)} | set(skip)
        names = self.carried(s.body, env, hidden, s)
        inits = tuple(self.init(n, env) for n in names)
        cparams = tuple(self.names.fresh(hint(n)) for n in names)
        cenv = dict(env)
        cenv.update(zip(names, cparams))
        cenv.update(skip)
        cb = b.child()
        pred = self.scalar(s.test, cenv, cb)
        cond = cb.block((pred,), cparams)
        bparams = tuple(self.names.fresh(hint(n)) for n in names)
        benv = dict(env)
        benv.update(zip(names, bparams))
        bb = b.child()
        benv.update(skip)
        benv = self.stmts(s.body, benv, bb)
        more = self.uncarried(names, benv, env, s)
        if more:  # lower the loop again without carrying them
            return self.while_stmt(s, env, b, {**skip, **more})
        body = bb.block(tuple(benv[n] for n in names), bparams)
        outs = tuple(self.names.fresh(hint(n)) for n in names)
        b.loc = self.loc(s)
        b.emit(While(outs, inits, cond, body, b.loc))
        env = self.after_loop(env, names, outs, s.body, getattr(s, "adc_runs", False), targets,
                              s.lineno)
        for t in hidden:
            env[t] = skip.get(t) or Unbound(_after_loop_message(t, s.lineno))
        return env

    def after_loop(self, env: dict, names: list, outs: tuple, body: list, runs: bool,
                   targets: list, line: int = 0) -> dict:
        """The names after a loop; ``runs``: the body certainly runs once;
        ``targets``: its loop variables (their rules are in the callers)."""
        before, env = env, dict(env)
        env.update(zip(names, outs))
        written, nested = self.body_names(body)
        for n in unbound_names(env, written):
            env[n] = Unbound(f"{n} is a loop variable of an earlier loop, then assigned in a "
                             f"loop (line {line}) that may run zero times; reading it after "
                             "that loop is not supported")
        for n in nested - set(names):
            env[n] = Unbound(f"reading the loop variable {n} after its loop is not supported")
        bound = definitely_assigned(body) if runs else set()
        for n in names:  # first bound in the body: Python raises if it did not run
            if "#" not in n and not has_value(before, n) and n not in bound \
                    and n not in targets and n not in nested:
                env[n] = Unbound(f"{n} is first assigned inside a loop (line {line}) that "
                                 "may run zero times (or on only some paths of its body); "
                                 "Python then raises UnboundLocalError when it is read after "
                                 f"the loop: give {n} a value before the loop")
        return env


def _tuple_message(name: str) -> str:
    return (f"{name} holds a tuple built in a loop; read it inside the loop, or unpack it "
            "into separate names")


def _after_loop_message(name: str, line: int) -> str:
    return (f"{name} is a loop variable read after its loop, which may run zero times (the "
            f"loop on line {line}; Python would then raise UnboundLocalError); give {name} a "
            f"value before the loop (e.g. {name} = 0) or read it inside the loop")
