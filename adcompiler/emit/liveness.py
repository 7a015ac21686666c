"""Where each value is read and when it dies, and which arrays may be
written in place.

Statements get positions in emission order; a read inside a loop of a value
defined outside it counts at the loop's end (the next iteration reads it
again).  The name allocator (:mod:`.naming`) gives a dead value's name to
the next value, and ``+=`` may update a value that dies at that statement.
"""
from __future__ import annotations

from ..core.ir import Block, Eqn, Function, ForRange, Var, While, stmt_inputs, sub_blocks
from . import backend


#: primitives giving Python numbers, whatever their operand (``float(x)``)
_PYTHON_NUMBERS = frozenset(("float", "int"))


class Ownership:
    """What array code may overwrite: ``shapes`` (None: scalar code, see
    :mod:`adcompiler.arrays.shapes`), ``floats`` (values known to be float
    arrays) and ``owned`` (arrays this function allocated that nothing else
    sees, :func:`adcompiler.arrays.emit.owned_arrays`)."""

    def __init__(self, fn: Function, shapes: dict | None, floats: set | None) -> None:
        from ..arrays.emit import array_views, owned_arrays
        from ..core.ir import walk
        self.shapes = shapes
        self.floats = floats or set()
        self.owned = owned_arrays(fn) if shapes is not None else set()
        # item writes (out[i] = v) may also write into an array views were taken of
        self.writes = shapes is not None and any(
            isinstance(s, Eqn) and s.prim == "setitem" for s in walk(fn.body))
        self.init_copies: set = set()  # (id(loop), k): carried arrays copied on entry
        self.item_owned = owned_arrays(fn, True, self.init_copies) if self.writes else set()
        self.views, self.escaping = array_views(fn, shapes) if self.writes else ({}, set())
        self.base = {w: x for x, ws in self.views.items() for w in ws}  # view -> its array
        # float(np.sum(x)): a Python number, immutable (never copied onto a tape)
        self.numbers = {s.outs[0] for s in walk(fn.body) if isinstance(s, Eqn)
                        and s.prim in _PYTHON_NUMBERS} if self.writes else set()

    def holds_floats(self, v: Var) -> bool:
        """``v += float_array`` keeps NumPy's result only if ``v`` is a float
        array (an int64 one raises UFuncTypeError): scalars always may."""
        return self.shapes is None or self.shapes.get(v) == () or v in self.floats

    def may_update(self, v: Var, result: Var | None = None) -> bool:
        """May ``v``'s value be overwritten in place (``+=`` on an array writes
        into it)?  Arrays only when owned and when the result has the same
        shape.  Scalars always under NumPy (``v[i]`` is a new np.float64,
        which ``/=`` rebinds); under the array-api backend a scalar may be a
        0-d array (PyTorch's ``v[i]`` is a VIEW of ``v``, ``e /= t`` would
        write into it), so it is updated only when owned like an array, and
        a float (``/=`` into an integer tensor raises)."""
        shape = self.shapes.get(v) if self.shapes is not None else None
        if self.shapes is None or shape == () and not backend.array_api():
            return True
        if shape == () and v not in self.floats:
            return False
        same = result is None or (self.shapes.get(result) == shape and shape is not None
                                  and all(d is not None for d in shape))
        return v in self.owned and same


    def may_write_item(self, v: Var, dead) -> bool:
        """May an item write go into ``v``'s array itself?  It must be owned
        (views aside) and every view taken of it (and of those) must be dead
        (``dead(w)``) and never leave through a branch, a loop or a call."""
        if v not in self.item_owned:
            return False
        todo, seen = [v], set()
        while todo:
            for w in self.views.get(todo.pop(), ()):
                if w in seen:
                    continue
                if w in self.escaping or not dead(w):
                    return False
                seen.add(w)
                todo.append(w)
        return True

    def pushed_copy(self, a) -> bool:
        """Is ``a`` a view that a tape must store as a copy (an item write
        may later change the array it looks into: one of this function's own,
        so a NumPy array or scalar, both of which have ``.copy()``)?  One
        element is NumPy's scalar copy, but a 0-d view under the array-api
        backend (PyTorch, CuPy)."""
        if self.shapes.get(a) == () and (not backend.array_api() or a in self.numbers):
            return False  # (xp.asarray(1.5, copy=True) would be a float32 in PyTorch)
        seen = set()
        while a in self.base and a not in seen:
            seen.add(a)
            a = self.base[a]
            if a in self.item_owned:
                return True
        return False


class Liveness:
    """Positions of statements (``start``/``end`` by statement id), of reads
    (``reads``, ``last_at`` by variable name) and of blocks (``ranges``).  ``inl``
    (inlining.Inlining) tells which values are written into their use."""

    def __init__(self, inl) -> None:
        self.inline = inl.inline
        self.by_name = inl.by_name  # name -> the inlined Eqn (read_atoms)
        self.pos = 0
        self.start: dict = {}
        self.end: dict = {}
        # keyed by a variable's name (Vars are equal by name; a Var hashes in
        # Python, its name in C, and these are asked of every atom):
        self.def_loops: dict = {}  # name -> tuple of enclosing loop ids at definition
        self.last_at: dict = {}  # name -> last position it is read
        #: name -> positions it is read at: asked only while a branch is
        #: emitted (:meth:`live_after`), so kept only when the function has one
        self.reads: dict = {}
        self.keep_reads = inl.branches
        self.ranges: dict = {}  # block id -> (first, last) position inside it
        self.excluded: list = []  # ranges of sibling branches while emitting a branch
        self.pending: list = []
        self.inlined: set = set()  # ids of the inlined equations

    def run(self, fn: Function) -> None:
        for p in fn.params:
            self.def_loops[p.name] = ()
        self.inlined = {id(e) for e in self.by_name.values()}
        self.number(fn.body, ())
        self.resolve()
        for p in fn.params:
            # an unread parameter is dead at once, but parameters are bound
            # together: keep each alive past the signature so names differ
            self.last_at[p.name] = max(self.last_at.get(p.name, -1), 1)
            if self.keep_reads:
                self.reads.setdefault(p.name, []).append(1)

    def number(self, block: Block, loops: tuple) -> None:
        """Give statements positions and record where each variable is read.
        An inlined equation is given a position but nothing else: it is not
        written as a statement, and its user, later in the same block, reads
        the same values (:meth:`read_atoms` expands it).  Only loops
        (``end``) and values defined inside one (``def_loops``, else outside
        all) are looked up later; inside a loop, the block's definitions are
        noted at once, by one comprehension (SSA: none is read before it is
        defined, nor inside the statement defining it)."""
        def_loops, start, inlined, read = self.def_loops, self.start, self.inlined, self.read_atoms
        for p in block.params:
            def_loops[p.name] = loops
        stmts = block.stmts
        if loops:
            def_loops.update(dict.fromkeys([o.name for s in stmts for o in s.outs], loops))
        pos = self.pos
        first = pos + 1
        for s in stmts:
            pos += 1
            key = id(s)
            if isinstance(s, Eqn):
                if key not in inlined:
                    start[key] = pos
                    read(s.args, loops, pos)
                continue
            start[key] = pos
            read(stmt_inputs(s), loops, pos)
            self.pos = pos
            inner = loops + (key,) if isinstance(s, (ForRange, While)) else loops
            for sub in sub_blocks(s):
                self.number(sub, inner)
            pos = self.end[key] = self.pos
        self.pos = pos = pos + 1
        read(block.results, loops, pos)
        self.ranges[id(block)] = (first, pos)

    def read_atoms(self, atoms, loops: tuple, pos: int) -> None:
        """Record the reads at ``pos`` of ``atoms`` and of the atoms their
        inlined expressions read (in any order: reads at one position are
        a set), all by name.  A read at the loop depth of its value's
        definition (all of straight-line code) is final now, and the latest
        yet (:meth:`number` goes forward); one inside a loop its value is
        defined outside of counts at that loop's end, not known yet:
        :meth:`resolve` places it."""
        inline, def_loops, last = self.by_name, self.def_loops, self.last_at
        reads = self.reads if self.keep_reads else None
        todo = [a.name for a in atoms if isinstance(a, Var)]
        for name in todo:  # (grows while it is read: each expansion once)
            e = inline.get(name)
            if e is not None:
                todo += [x.name for x in e.args if isinstance(x, Var)]
            elif loops and def_loops.get(name) is not loops:
                self.pending.append((name, pos, loops))
            else:
                last[name] = pos
                if reads is not None:
                    seen = reads.get(name)
                    if seen is None:
                        reads[name] = [pos]
                    else:
                        seen.append(pos)

    def resolve(self) -> None:
        """Place the reads inside loops of values defined outside them (at
        the end of the outermost such loop) once every loop's end is known."""
        last, keep = self.last_at, self.keep_reads
        for v, pos, loops in self.pending:  # (v: a name)
            defl = self.def_loops.get(v, ())
            for lid in loops:
                if lid not in defl:
                    pos = max(pos, self.end[lid])
                    break
            if last.get(v, -1) < pos:
                last[v] = pos
            if keep:
                self.reads.setdefault(v, []).append(pos)

    def live_after(self, v, pos: int) -> bool:
        """Is ``v`` read after ``pos`` on a path that can still run?  Reads in
        the other branch of an ``if`` being emitted do not count.  Outside
        a branch that is whether its last read comes later (the name
        allocator asks this for each candidate name)."""
        if v is None:
            return False
        excluded = self.excluded
        if not excluded:
            return self.last_at.get(v.name, -1) > pos
        for r in self.reads.get(v.name, ()):
            if r > pos:
                for lo, hi in excluded:
                    if lo <= r <= hi:
                        break
                else:
                    return True
        return False

    def last_read(self, v) -> int | None:
        """The position of ``v``'s last read (-1: none, as for ``None``),
        which answers :meth:`live_after` for every position; None while a
        branch is emitted (then reads in its sibling do not count)."""
        if self.excluded:
            return None
        return -1 if v is None else self.last_at.get(v.name, -1)

    @property
    def last(self) -> "_ByVariable":
        """The last read's position, asked by variable (``last[v]``)."""
        return _ByVariable(self.last_at)

    def dies_by(self, v, pos: int) -> bool:
        """Is ``pos`` at or after ``v``'s last read (a constant or None: never read)?"""
        return self.last_at.get(getattr(v, "name", None), -1) <= pos

    def is_read(self, v: Var) -> bool:
        """Is ``v`` read anywhere (a loop index may not be)?"""
        return v.name in self.last_at


class _ByVariable:
    """A dict keyed by names, read by variable (equal by name)."""

    def __init__(self, by_name: dict) -> None:
        self.by_name = by_name

    def __getitem__(self, v: Var):
        return self.by_name[v.name]

    def __contains__(self, v) -> bool:
        return isinstance(v, Var) and v.name in self.by_name

    def get(self, v, default=None):
        return self.by_name.get(getattr(v, "name", None), default)
