"""Lowering of statements: assignment, ``return`` (a ``return`` inside an
``if`` moves the statements after it into the branch that does not return),
and ``if`` statements, whose branches merge names through :class:`If` outputs.
"""
from __future__ import annotations

import ast

from ..core.ir import Builder, Const, Eqn, If, Var
from .syntax import (Returned, Unbound, contains_return, describe, dotted, has_value, hint,
                     loop_targets,
                     ordered_union)


class StatementLowering:
    """The statement half of :class:`adcompiler.frontend.lower.Lowerer`."""

    def stmts(self, stmts: list, env: dict, b: Builder):
        """Lower ``stmts``; the environment after them, or :class:`Returned`."""
        for k, s in enumerate(stmts):
            b.loc = self.loc(s)
            if isinstance(s, ast.Return):
                return Returned(self.return_values(s, env, b))
            if isinstance(s, ast.If) and contains_return(s):
                return self.returning_if(s, stmts[k + 1:], env, b)
            env = self.stmt(s, env, b)
        return env

    def return_values(self, s: ast.Return, env: dict, b: Builder) -> tuple:
        if s.value is None:
            raise self.sf.error("a return without a value cannot be differentiated", s, "return")
        value = self.expr(s.value, env, b)
        values = value if isinstance(value, tuple) else (value,)
        if len(values) != self.program.arity[self.key]:
            raise self.sf.error("all return statements must return the same number of values",
                                s, "return")
        return values

    def returning_if(self, s: ast.If, rest: list, env: dict, b: Builder) -> Returned:
        pred = self.scalar(s.test, env, b)
        branches = []
        for body in (s.body, s.orelse):
            child = b.child()
            outcome = self.stmts(body + rest, dict(env), child)
            if not isinstance(outcome, Returned):
                last = (body + rest)[-1] if body + rest else s
                raise self.sf.error(f"{self.sf.node.name} can reach its end without returning a value",
                                    last, "return")
            branches.append(child.block(outcome.values))
        outs = tuple(self.names.fresh("~result") for _ in branches[0].results)
        b.loc = self.loc(s)
        b.emit(If(outs, pred, branches[0], branches[1], b.loc))
        return Returned(outs)

    def stmt(self, s: ast.stmt, env: dict, b: Builder) -> dict:
        if isinstance(s, ast.Assign):
            return self.assign(s, env, b)
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
                return env  # docstring
            if isinstance(s.value, (ast.Yield, ast.YieldFrom, ast.Await)):
                raise self.unsupported(s.value)
            raise self.expression_statement(s)
        if isinstance(s, ast.Pass):
            return env
        if isinstance(s, ast.Assert):
            return self.assert_stmt(s, env, b)
        if isinstance(s, ast.If):
            return self.if_stmt(s, env, b)
        if isinstance(s, ast.For):
            return self.for_stmt(s, env, b)
        if isinstance(s, ast.While):
            return self.while_stmt(s, env, b)
        raise self.unsupported(s)

    def assign(self, s: ast.Assign, env: dict, b: Builder) -> dict:
        if getattr(s, "adc_write", None) is not None:  # out[idx] = e: lower_writes.py
            return self.write_item(s, env, b)
        value = self.expr(s.value, env, b)
        if len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            value = b.named(value, hint(s.targets[0].id))
            if isinstance(value, Var) and value.hint != s.targets[0].id:  # z = y
                self.program.aliases.setdefault(self.key, {}).setdefault(
                    value.name, []).append(s.targets[0].id)
        if isinstance(value, Var) and any(isinstance(t, (ast.Tuple, ast.List))
                                          for t in s.targets):
            for t in s.targets:
                if isinstance(t, (ast.Tuple, ast.List)):
                    self.bind_starred(t, [k for k, e in enumerate(t.elts)
                                          if isinstance(e, ast.Starred)][:1], value, env, s)
            value = self.numpy().unpack(value, s.targets, b)
        for target in s.targets:
            self.bind(target, value, env, s)
        return env

    def bind(self, target: ast.expr, value, env: dict, at: ast.AST) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, tuple) or isinstance(value, (Var, Const)):
                env[target.id] = value
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            stars = [k for k, elt in enumerate(target.elts) if isinstance(elt, ast.Starred)]
            if stars:
                return self.bind_starred(target, stars, value, env, at)
            if not isinstance(value, tuple) or len(value) != len(target.elts):
                raise self.sf.error("cannot unpack this value into "
                                    f"{len(target.elts)} names", at, "tuple assignment")
            for t, v in zip(target.elts, value):
                self.bind(t, v, env, at)
            return
        if isinstance(target, ast.Attribute):
            raise self.sf.error(f"assignment to an attribute ({dotted(target)} = ...) is not "
                                "supported: differentiated code cannot change an object; "
                                "use a local name, or return the value", target,
                                "attribute assignment")
        kind = "item"
        raise self.sf.error(f"assignment to an {kind} (in-place mutation) is not supported",
                            target, f"{kind} assignment")

    def assert_stmt(self, s: ast.Assert, env: dict, b: Builder) -> dict:
        """``assert cond, "message"``: a check that runs in the primal of every
        emitted function, raising AssertionError as Python would; it has no
        derivative.  The message must be a string literal."""
        msg = s.msg
        if msg is not None and not (isinstance(msg, ast.Constant) and isinstance(msg.value, str)):
            raise self.sf.error("the message of an assert must be a string literal here "
                                "(it is kept in the compiled code as written)", msg, "assert")
        cond = self.scalar(s.test, env, b)
        b.loc = self.loc(s)
        b.emit(Eqn((), "check", (cond,), (("msg", None if msg is None else msg.value),), b.loc))
        return env

    def bind_starred(self, target, stars: list, value, env: dict, at) -> None:
        """``first, *rest = t`` for a tuple ``t`` of known length: ``rest``
        is the tuple of the values the other names leave (as Python's list)."""
        if not stars:
            return
        star = target.elts[stars[0]]
        if len(stars) > 1:
            raise self.sf.error("two starred names in one assignment (Python refuses it too)",
                                star, "starred")
        if not isinstance(value, tuple):
            raise self.sf.error("starred assignment (a, *b = ...) of an array or number is not "
                                "supported: unpack a tuple or list, or index the array "
                                "(b = x[1:])", star, "starred")
        k, after = stars[0], len(target.elts) - stars[0] - 1
        if len(value) < len(target.elts) - 1:
            raise self.sf.error(f"cannot unpack {len(value)} values into "
                                f"{len(target.elts) - 1} or more names", at, "tuple assignment")
        middle = value[k:len(value) - after]
        for t, v in zip(target.elts[:k], value[:k]):
            self.bind(t, v, env, at)
        self.bind(star.value, middle, env, at)
        for t, v in zip(target.elts[k + 1:], value[len(value) - after:]):
            self.bind(t, v, env, at)

    def if_stmt(self, s: ast.If, env: dict, b: Builder) -> dict:
        pred = self.scalar(s.test, env, b)
        env_before = env
        envs, builders = [], []
        for body in (s.body, s.orelse):
            child = b.child()
            envs.append(self.stmts(body, dict(env), child))
            builders.append(child)
        changed = [n for n in ordered_union(envs[0], envs[1])
                   if envs[0].get(n) is not env.get(n) or envs[1].get(n) is not env.get(n)]
        # a loop variable bound in one branch only (by a loop that certainly runs)
        # stays unreadable, as Python's UnboundLocalError on the other path
        one_sided = {n for n in loop_targets(s.body + s.orelse)
                     if not has_value(env, n) and not all(has_value(e, n) for e in envs)}
        unbound = [n for n in changed
                   if n in one_sided or any(isinstance(e.get(n), Unbound) for e in envs)]
        tuples = [n for n in changed if _branch_tuple(n, envs)]
        changed = [n for n in changed if n not in tuples and n not in one_sided and
                   self.mergeable(n, envs, s)]
        outs = tuple(self.names.fresh(hint(n)) for n in changed)
        blocks = [bl.block(tuple(e.get(n, Const(None)) for n in changed))
                  for bl, e in zip(builders, envs)]
        b.loc = self.loc(s)
        b.emit(If(outs, pred, blocks[0], blocks[1], b.loc))
        env = dict(env)
        env.update(zip(changed, outs))
        for n in unbound:
            env[n] = self.unbound_after_if(n, n in one_sided, envs, s)
        for n in tuples:  # an error only where it is read after the branch
            env[n] = Unbound(f"{n} holds a tuple that depends on a branch (a tuple or list "
                             f"the if on line {s.lineno} changes: an append or assignment in a "
                             "branch), which is not supported: assign its items to separate "
                             "names in each branch (p, q = ...) and build it after the if, or "
                             "accumulate a number instead (s = s + v)")
        for n in one_branch_only(changed, env_before, envs, self.loop_names()):
            env[n] = Unbound(f"{n} is assigned in only one branch of the if on line "
                             f"{s.lineno}; Python raises UnboundLocalError when it is read "
                             f"after the other branch: give {n} a value before the if")
        return env

    def unbound_after_if(self, n: str, loop_var: bool, envs: list, s: ast.If) -> Unbound:
        """Why ``n`` cannot be read after the if ``s``: a name left unbound on
        some path through a branch (an inner if, a loop that may not run) is
        Python's UnboundLocalError there."""
        inner = next((e[n] for e in envs if isinstance(e.get(n), Unbound)), None)
        if loop_var or inner is None:
            return Unbound(f"{n} is a loop variable of a loop inside a branch; reading it "
                           "after that loop is not supported")
        if "UnboundLocalError" not in inner.why:
            return inner
        return Unbound(f"{n} has no value after some paths through the if on line "
                       f"{s.lineno} (inside it, {inner.why.split(';')[0]}); Python raises "
                       f"UnboundLocalError when it is read there: give {n} a value before "
                       f"the if on line {s.lineno}")

    def expression_statement(self, s: ast.Expr):
        """The error for a statement that is only an expression: a method call
        there (``self.ys.append(x)``, ``ys.pop()``) changes an object in place."""
        call = s.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            owner = ast.unparse(call.func.value)
            return self.sf.error(f"{owner}.{call.func.attr}(...) as a statement changes {owner} "
                                 "in place, and compiled code changes no objects: compute new "
                                 "values instead (ys = ys + [v], s = s + v) and return them",
                                 s, f".{call.func.attr}()")
        return self.sf.error("expression statements have no effect on the result and are not "
                             "supported (compiled code has no side effects): assign the value "
                             "or remove the statement", s, describe(call))

    def loop_names(self) -> set:
        """The loop variables of the function's loops (as desugared)."""
        if getattr(self, "_loop_names", None) is None:
            self._loop_names = loop_targets([self.sf.node])
        return self._loop_names

    def mergeable(self, name: str, envs: list, at) -> bool:
        values = [e.get(name) for e in envs]
        if any(isinstance(v, tuple) for v in values):  # the same tuple on both sides
            return False
        return not any(isinstance(v, Unbound) for v in values)


def one_branch_only(changed: list, before: dict, envs: list, loop_names: set) -> list:
    """User names merged after an if that had no value before it and get
    none on one branch: reading them after the if is Python's
    UnboundLocalError on that path, which the merged IR value (None) would
    hide (hidden names of the desugaring, with a '#', are always guarded;
    loop variables have their own rules, in lower_loops.py)."""
    return [n for n in changed if "#" not in n and n not in loop_names and not has_value(before, n)
            and not all(has_value(e, n) for e in envs)]


def _branch_tuple(name: str, envs: list) -> bool:
    """Does ``name`` hold a tuple that differs between the branches?"""
    values = [e.get(name) for e in envs]
    return any(isinstance(v, tuple) for v in values) and values[0] is not values[1]
