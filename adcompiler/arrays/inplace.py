"""In-place operators on arrays in the user's code (``y *= 2.0``).

The lowering reads ``y op= e`` as ``y = y op e``: a new value.  NumPy instead
writes into ``y``'s buffer, which every other name bound to that buffer sees
too: ``y = x; y *= 2.0`` doubles the caller's ``x``, ``v = x[:2]; v *= 3.0``
changes ``x``.  The two readings agree exactly when nobody can observe the
old contents afterwards.  So an in-place operator on an array is accepted
when its array is *provably private*:

* it lives in a buffer this function allocated (not a parameter's, which is
  the caller's array, and not a view of one: see :mod:`aliases`), and
* no name holding that buffer -- the array's own old name, a plain alias,
  a view (slice, ``.T``, reshape), a branch output or a loop-carried value --
  is read after the operator (a name bound outside a loop and read inside it
  counts as read on the next iteration).

Otherwise the compilation stops with a :class:`CompileError` naming the line
and the name that shares the array (docs/conventions.md, "Aliasing and
in-place operators").  Scalars are immutable: ``s += 1.0`` is always fine.
The check runs on the lowered code before any optimisation, so that two
names the optimiser would merge (``a = x * 2; b = x * 2``) still count as
different arrays, and ``x.copy()`` as a new one.
"""
from __future__ import annotations

from dataclasses import fields, replace

from .aliases import buffer_roots, default_flows, global_roots, param_roots
from ..errors import CompileError
from ..core.ir import Block, Const, Eqn, ForRange, Function, If, Var, While, stmt_inputs, sub_blocks


def check_inplace(fn: Function, shapes: dict, ops: dict, filename: str,
                  aliases: dict | None = None, reads: bool = True,
                  fresh_call=None) -> None:
    """Raise CompileError for the first ``x op= e`` on an array that may be
    shared (``ops``: ``{out var name: (user name, line, col)}`` from lowering;
    ``aliases``: ``{var name: [other user names]}``, for the message).
    ``reads=False``: only a write into a parameter or a global is refused
    (the caller sees it even when the function never reads it again).
    ``fresh_call(key)``: does the helper ``key`` return only arrays of its
    own (else a call's results may share its arguments' buffers)?"""
    if not ops:
        return

    def flows(e: Eqn):
        if e.outs and e.outs[0].name in ops and _is_array(shapes, e.args[0]):
            return (e.args[0],)  # written into the target's own buffer
        if e.prim == "call" and fresh_call is not None and fresh_call(e.param("fn")):
            return None
        return default_flows(e)

    roots = buffer_roots(fn, shapes, flows)
    live = _Liveness(fn)
    active = _Active(roots, live)
    for e, pos in live.eqns:
        if not (e.outs and e.outs[0].name in ops) or not _is_array(shapes, e.args[0]):
            continue
        name, line, col, *kind = ops[e.outs[0].name]
        op = "[...]" if kind else _SYMBOLS.get(e.prim, "op")
        mine = roots.get(e.args[0], frozenset())
        params = param_roots(mine)
        if params:
            other = "the parameter " + params[0]
            if params[0] == name:
                other = "the caller (it is the parameter " + name + ")"
            raise _error(name, op, other, filename, line, col)
        for g in global_roots(mine):
            raise _error(name, op, "the global array " + g, filename, line, col)
        if not reads:
            continue
        for v in active.at(pos, mine):
            if v != e.outs[0] and live.read_after(v, pos, e):
                other = _describe(v, name, (aliases or {}).get(v.name, ()))
                raise _error(name, op, other, filename, line, col)


def writes_kept(fn: Function, ops: dict) -> Function:
    """``fn`` with a ``check`` reading each in-place result right after it,
    so that dead-code elimination keeps every write: a write nobody reads
    through its own name may still be seen through another (``b = out;
    out[0] = v; return b``)."""
    return Function(fn.name, fn.params, _kept_block(fn.body, ops), fn.defaults, fn.filename,
                    fn.source_line)


def _kept_block(b: Block, ops: dict) -> Block:
    """:func:`writes_kept` on one block (module level, not a closure calling
    itself: that is a reference cycle, left to the cyclic collector)."""
    stmts = []
    for st in b.stmts:
        if isinstance(st, Eqn):
            stmts.append(st)
            if st.outs and st.outs[0].name in ops:
                stmts.append(Eqn((), "check", (st.outs[0],), (("msg", None),), st.loc))
            continue
        changes = {f.name: _kept_block(getattr(st, f.name), ops) for f in fields(st)
                   if isinstance(getattr(st, f.name), Block)}
        stmts.append(replace(st, **changes))
    return Block(b.params, tuple(stmts), b.results)


def fresh_results(functions: dict):
    """``key -> bool``: does the function ``functions[key]`` return only
    arrays it allocated (no parameter, global or view of one)?  Its own calls
    count as sharing their arguments; recursion counts as not fresh."""
    known: dict = {}

    def fresh(key) -> bool:
        if key not in known:
            known[key] = False
            fn = functions.get(key)
            if fn is not None:
                roots = buffer_roots(fn, None)
                known[key] = not any(kind in ("param", "global", "readonly")
                                     for a in fn.body.results
                                     for kind, _ in roots.get(a, ()))
        return known[key]
    return fresh


class _Active:
    """Sweep over positions: the variables bound at or before a position and
    possibly read after it, by buffer root (so that a long chain of
    ``acc += ...`` is checked in linear time, not quadratic)."""

    def __init__(self, roots: dict, live: "_Liveness") -> None:
        self.roots = roots
        events = []
        for v in roots:
            if v in live.defs:
                bound = live.defs[v][0]
                events.append((bound, 0, v.name, v))
                events.append((max(bound, live.last_read(v)), 1, v.name, v))
        events.sort(key=lambda ev: ev[:3])
        self.events = events
        self.k = 0
        self.by_root: dict = {}

    def at(self, pos: int, mine: frozenset) -> list:
        """Variables sharing a root with ``mine``, bound by ``pos`` and read
        after it (before branch exclusion); positions must not decrease."""
        while self.k < len(self.events):
            where, kind, _, v = self.events[self.k]
            if where > pos:  # bound later, or still read after pos
                break
            self.k += 1
            for r in self.roots[v]:
                bucket = self.by_root.setdefault(r, {})
                if kind == 0:
                    bucket[v.name] = v
                else:
                    bucket.pop(v.name, None)
        found = {}
        for r in mine:
            found.update(self.by_root.get(r, {}))
        return [found[n] for n in sorted(found)]


def _is_array(shapes: dict, a) -> bool:
    return isinstance(a, Var) and shapes.get(a) != ()


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "floordiv": "//",
            "mod": "%", "matmul": "@"}


def _describe(v: Var, name: str, also: tuple) -> str:
    """The user's name for ``v`` other than ``name``."""
    names = (v.hint.lstrip("~"),) + tuple(also)
    for n in names:
        if n and n != name and "#" not in n:  # '#': a hidden name (desugar.py, loops.py)
            return n
    if any(n.startswith("_seq#") for n in names):
        return f"the {name} that a for loop runs over (Python's loop would see the change)"
    return f"another name bound to it (such as z after z = {name}), read later"


def _error(name: str, op: str, other: str, filename: str, line: int, col: int) -> CompileError:
    if op == "[...]":  # an item write (frontend/lower_writes.py)
        return CompileError(
            f"the item assignment {name}[...] = ... writes into an array shared with {other}, "
            f"so NumPy would change that array too; write into a copy first "
            f"({name} = {name}.copy())", filename, line, col, "item assignment")
    return CompileError(
        f"the in-place operator {op}= on {name} writes into an array shared with {other}, so "
        f"NumPy would change that array too; write {name} = {name} {op} ... (a new array) "
        "instead", filename, line, col, "in-place operator")


class _Liveness:
    """Positions of statements and reads, as the emitter numbers them: a read
    inside a loop of a value bound outside that loop lasts to the loop's end,
    and reads in the other branch of an ``if`` never follow a statement."""

    def __init__(self, fn: Function) -> None:
        self.pos = 0
        self.eqns: list = []  # (eqn, position)
        self.defs: dict = {}  # var -> (position, loops, scope path)
        self.reads: dict = {}  # var -> [(position, loops, path)]
        self.ends: dict = {}  # loop id -> last position
        self.branches: dict = {}  # path element -> (first, last) of the sibling branch
        for p in fn.params:
            self.defs[p] = (0, (), ())
        self.block(fn.body, (), ())

    def block(self, b: Block, loops: tuple, path: tuple) -> None:
        for p in b.params:
            self.defs[p] = (self.pos, loops, path)
        for s in b.stmts:
            self.pos += 1
            start = self.pos
            self.read(stmt_inputs(s), loops, path)
            if isinstance(s, Eqn):
                self.eqns.append((s, start))
            if isinstance(s, If):
                spans = []
                for k, sub in enumerate((s.then, s.orelse)):
                    first = self.pos + 1
                    self.block(sub, loops, path + ((id(s), k),))
                    spans.append((first, self.pos))
                self.branches[(id(s), 0)] = spans[1]
                self.branches[(id(s), 1)] = spans[0]
            elif isinstance(s, (ForRange, While)):
                for sub in sub_blocks(s):
                    self.block(sub, loops + (id(s),), path)
                self.ends[id(s)] = self.pos
            for o in s.outs:
                self.defs[o] = (self.pos, loops, path)
        self.pos += 1
        self.read(b.results, loops, path)

    def read(self, atoms, loops: tuple, path: tuple) -> None:
        for a in atoms:
            if isinstance(a, Var):
                self.reads.setdefault(a, []).append((self.pos, loops, path))

    def last_read(self, v: Var) -> int:
        """The last position ``v`` may be read at (loops extend reads)."""
        _, def_loops, _ = self.defs[v]
        last = -1
        for r, loops, _ in self.reads.get(v, ()):
            for lid in loops:
                if lid not in def_loops:
                    r = max(r, self.ends[lid])
                    break
            last = max(last, r)
        return last

    def read_after(self, v: Var, pos: int, at: Eqn) -> bool:
        """Is ``v`` read after the statement ``at`` (at ``pos``) on a path that
        can follow it?"""
        here = self.defs[at.outs[0]][2]
        _, def_loops, _ = self.defs[v]
        excluded = [self.branches[p] for p in here]
        for r, loops, _ in self.reads.get(v, ()):
            for lid in loops:
                if lid not in def_loops:  # read again on the next iteration
                    r = max(r, self.ends[lid])
                    break
            if r > pos and not any(lo <= r <= hi for lo, hi in excluded):
                return True
        return False
