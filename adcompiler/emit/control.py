"""Emission of ``if``, ``for`` and ``while``: the names their merged and
carried values share (:mod:`.naming` slots), the copies into those names,
and the loop headers (``range``, ``reversed``, ``for v in reversed(tape)``
for a loop :mod:`adcompiler.optimize.tapes` bounded by its tape's length).
"""
from __future__ import annotations

import ast

from ..core.ir import ForRange, If, Var, While
from ..optimize.tapes import walked_loops
from . import backend
from .expressions import range_args
from .globalnames import global_name


class ControlFlow:
    """Writes the structured statements of the function ``em`` (an
    :class:`~adcompiler.emit.emitter.Emitter`) emits; their blocks go back
    through ``em.block``."""

    def __init__(self, em) -> None:
        self.em = em
        self.namer, self.live, self.inl = em.namer, em.live, em.inl
        self._walks = None  # adjoint loop id -> its pop, found at the first loop
        self.walked_pops: set = set()  # pops written as the loop's target

    @property
    def walks(self) -> dict:
        """The loops written ``for v in reversed(tape)`` (a walk of the
        function's top block: only once there is a loop to write)."""
        if self._walks is None:
            self._walks = walked_loops(self.em.fn.body)
        return self._walks

    def copies(self, names: list, results: tuple, fresh: tuple = ()) -> list:
        """``slot = result`` for each result not already in its slot (in parallel);
        ``fresh``: positions written as ``slot = result.copy()`` (a loop that
        writes items into an array it did not allocate: liveness.py)."""
        pairs = [(n, r) for k, (n, r) in enumerate(zip(names, results))
                 if k in fresh or not (isinstance(r, Var) and self.namer.names.get(r) == n
                                       and r not in self.inl)]
        if not pairs:
            return []
        values = [self.em.expr(r) for _, r in pairs]
        values = [(backend.copy_of(v) if backend.array_api() else
                   ast.Call(ast.Attribute(v, "copy", ast.Load()), [], []))
                  if names.index(n) in fresh else v for (n, _), v in zip(pairs, values)]
        if len(pairs) == 1:
            return [ast.Assign([ast.Name(pairs[0][0], ast.Store())], values[0])]
        targets = ast.Tuple([ast.Name(n, ast.Store()) for n, _ in pairs], ast.Store())
        return [ast.Assign([targets], ast.Tuple(values, ast.Load()))]

    def slot_names(self, s, inits: tuple) -> list:
        return self.namer.slot_names(s.outs, inits, self.live.start[id(s)],
                                     self.live.end[id(s)], self.inl)

    def if_(self, s: If) -> list:
        test = self.em.expr(s.pred)
        names = self.slot_names(s, ())
        for blk in (s.then, s.orelse):
            self.namer.prefer(blk.results, names)
        self.namer.claim(names, s.outs)
        # each branch starts from the names as they are before the ``if``: a
        # name the first branch gave to one of its values still holds the
        # earlier value on the other path (and after the ``if``, where the
        # branches' own values are dead)
        before = dict(self.namer.holder)
        bodies = []
        for blk, other in ((s.then, s.orelse), (s.orelse, s.then)):
            self.namer.holder = dict(before)
            for name, o in zip(names, s.outs):
                self.namer.holder[name] = o
            self.live.excluded.append(self.live.ranges[id(other)])
            stmts = self.em.block(blk) + self.copies(names, blk.results)
            self.live.excluded.pop()
            bodies.append(stmts)
        self.namer.holder = before
        self.namer.release(names, s.outs)
        then, orelse = bodies
        if not then and orelse:
            return [ast.If(ast.UnaryOp(ast.Not(), test), orelse, [])]
        return [ast.If(test, then or [ast.Pass()], orelse)]

    def loop_slots(self, s, params: tuple, results: tuple) -> tuple:
        names = self.slot_names(s, s.inits)
        fresh = tuple(k for k in range(len(names)) if (id(s), k) in self.em.own.init_copies)
        pre = self.copies(names, s.inits, fresh)
        self.namer.prefer(results, names)
        self.namer.claim(names, s.outs, params)
        return names, pre

    def for_(self, s: ForRange) -> list:
        bounds = [self.em.expr(a) for a in (s.start, s.stop, s.step)]
        names, pre = self.loop_slots(s, s.body.params[1:], s.body.results)
        idx = s.body.params[0]
        pop = self.walks.get(id(s)) if not self.live.is_read(idx) else None
        if pop is not None:  # for v in reversed(tape): no index, no pop() call
            self.walked_pops.add(id(pop))
            target = self.em.targets(pop.outs, self.live.start[id(pop)])
            iterator = ast.Call(global_name("reversed"), [self.em.expr(pop.args[0])], [])
            body = self.em.block(s.body) + self.copies(names, s.body.results)
            self.namer.release(names, s.outs)
            return pre + [ast.For(target, iterator, body or [ast.Pass()], [])]
        idx_name = self.namer.take(idx, self.live.start[id(s)]) if self.live.is_read(idx) else "_"
        body = self.em.block(s.body) + self.copies(names, s.body.results)
        self.namer.release(names, s.outs)
        iterator = ast.Call(global_name("range"), range_args(bounds), [])
        if s.reverse:
            iterator = ast.Call(global_name("reversed"), [iterator], [])
        return pre + [ast.For(ast.Name(idx_name, ast.Store()), iterator, body or [ast.Pass()], [])]

    def while_(self, s: While) -> list:
        names, pre = self.loop_slots(s, s.body.params, s.body.results)
        for n, p in zip(names, s.cond.params):
            self.namer.names[p] = n
        cond_stmts = self.em.block(s.cond)
        test = self.em.expr(s.cond.results[0])
        body = self.em.block(s.body) + self.copies(names, s.body.results)
        self.namer.release(names, s.outs)
        if not cond_stmts:
            return pre + [ast.While(test, body or [ast.Pass()], [])]
        stop = ast.If(ast.UnaryOp(ast.Not(), test), [ast.Break()], [])
        return pre + [ast.While(ast.Constant(True), cond_stmts + [stop] + body, [])]
