"""Which values are written into the expression that uses them.

A compiler temporary used once, in the same block, is inlined, so
``l = 4 * l * (1 - l)`` comes back as one line instead of three Wengert
entries.  In array code, an ``+ - * /`` whose operand is a float temporary
this function allocated and uses only there updates that operand in place
instead (``t *= 2``): that operand stays a statement of its own.
"""
from __future__ import annotations

from collections import Counter

from ..core.ir import Block, Eqn, Function, If, Var, While, stmt_inputs, sub_blocks
from .expressions import Forms

#: operators with an augmented form (``+=`` ...)
AUG_PRIMS = ("add", "sub", "mul", "div")
#: never inlined: effects, multiple results, statements of their own
INLINE_NEVER = {"call", "push", "pop", "new_tape", "unpack", "index_add", "setitem",
                "new_checkpoints", "restore"}
#: equations the first walk looks for: item writes and module-level reads
_SCANNED = frozenset(("setitem", "global"))
#: deepest expression built by inlining (each level may add parentheses)
MAX_INLINE_DEPTH = 40


class Inlining:
    """The inlining decisions for one function (``inline``: var -> the Eqn
    written into its single use; ``inplace``: result -> the operand updated
    in place to make it)."""

    def __init__(self, fn: Function, owner) -> None:
        self.fn = fn
        self.owner = owner  # liveness.Ownership: shapes, floats, owned arrays
        self.forms = Forms(owner.shapes is not None)
        self.inline: dict = {}
        #: the same decisions keyed by the inlined var's name (a Var hashes in
        #: Python, its name in C): what the liveness expands every read by
        self.by_name: dict = {}
        self.depth: dict = {}  # inlined var's name -> nesting depth of its expression
        self.inplace: dict = {}
        self.user: dict = {}  # inlined var -> the statement it is written into (item writes)
        #: arrays item writes go into (prims/writes.py): a value read from one
        #: is not moved past the write, which could then not go in place
        self.written: set = set()
        #: does the function hold an ``if`` (then the liveness keeps every read)?
        self.branches = False
        names: list = []
        reads: list = []
        self._scan(fn.body, names, reads)
        #: how many times each variable is read (core/ir.py's ``uses``), by
        #: name: a Var hashes in Python, its name in C (Vars are equal by name)
        self.counts: dict = Counter(names)
        #: module-level names the code reads (global arrays): each read is
        #: written where it is used (a name costs nothing)
        self.globals = {s.param("name") for s in reads}
        self.inline.update((s.outs[0], s) for s in reads)
        self.by_name.update((s.outs[0].name, s) for s in reads)

    def _scan(self, block: Block, names: list, reads: list) -> None:
        """Collect the names read (into ``names``), the arrays item writes
        go into and the module-level reads (into ``reads``, in
        :func:`walk`'s order): one walk, where three took a tenth of a long
        function's emission.  The reads of a block's equations are gathered
        by one comprehension and counted by ``Counter`` (both run in C)."""
        stmts = block.stmts
        names += [a.name for s in stmts if isinstance(s, Eqn)
                  for a in s.args if isinstance(a, Var)]
        for s in [s for s in stmts if not isinstance(s, Eqn) or s.prim in _SCANNED]:
            if isinstance(s, Eqn):
                if s.prim == "setitem":
                    self.written.add(s.args[0])
                else:
                    reads.append(s)
                continue
            if isinstance(s, If):
                self.branches = True
            names += [a.name for a in stmt_inputs(s) if isinstance(a, Var)]
            for sub in sub_blocks(s):
                self._scan(sub, names, reads)
        names += [a.name for a in block.results if isinstance(a, Var)]

    def __contains__(self, v) -> bool:
        return v in self.inline

    def choose(self, block: Block, is_top: bool, counts: dict | None = None) -> None:
        """Decide for ``block`` and its nested blocks.  The loop is the
        emitter's longest per statement: equations are told apart once, a
        constant is never looked up, a named or shared value is passed over
        at once, and the block's definitions are keyed by name (see
        ``counts``)."""
        counts = self.counts if counts is None else counts
        local_defs = {s.outs[0].name: s for s in block.stmts
                      if isinstance(s, Eqn) and len(s.outs) == 1}
        forms, inline, user = self.forms.of, self.inline, self.user
        maybe = self._maybe_inline
        array_code = self.owner.shapes is not None
        written = bool(self.written)  # else no statement's user is asked
        for s in block.stmts:
            if isinstance(s, Eqn):
                if forms(s)[2]:
                    continue  # an inlined argument would be evaluated twice
                target = self._inplace_operand(s, local_defs, counts) if array_code else None
                if target is not None:
                    self.inplace[s.outs[0]] = target
                elif s.prim == "setitem":
                    target = s.args[0]  # the buffer written into: a name of its own
                args, subs = s.args, ()
            else:
                target, args, subs = None, stmt_inputs(s), sub_blocks(s)
            for a in args:
                if isinstance(a, Var) and not a.hint and a is not target \
                        and counts.get(a.name) == 1 and a.name in local_defs:
                    maybe(a, local_defs[a.name])
                    if written and a in inline:
                        user[a] = s
            for sub in subs:
                self.choose(sub, isinstance(s, While) and sub is s.cond, counts)
        if is_top:
            for a in block.results:
                if isinstance(a, Var) and not a.hint and counts.get(a.name) == 1 \
                        and a.name in local_defs:
                    maybe(a, local_defs[a.name])
        if written:
            self._keep_before_writes(block)

    def _inplace_operand(self, s, local_defs: dict, counts: dict):
        """The operand of an array ``+ - * /`` that can be updated in place to
        become the result: a float temporary of the result's shape that this
        function allocated and uses only here (avoids a fresh array)."""
        shapes = self.owner.shapes
        if shapes is None or not isinstance(s, Eqn) or s.prim not in AUG_PRIMS:
            return None
        out = shapes.get(s.outs[0])
        if not out or not all(isinstance(d, int) for d in out):
            return None
        cands = s.args if s.prim in ("add", "mul") else s.args[:1]
        for a in cands:
            if (isinstance(a, Var) and a.name in local_defs and counts.get(a.name, 0) == 1
                    and a in self.owner.owned and a in self.owner.floats
                    and shapes.get(a) == out and local_defs[a.name].prim not in INLINE_NEVER):
                return a
        return None

    def _keep_before_writes(self, block: Block) -> None:
        """A value read from an array that an item write changes later in the
        block stays a statement of its own when inlining would move the read
        past that write (it could then not go in place): ``t = g[i]`` before
        ``g[i] = 0.0``.  A read written into the write itself comes first."""
        where = {id(s): k for k, s in enumerate(block.stmts)}
        writes = [(k, s.args[0]) for k, s in enumerate(block.stmts)
                  if isinstance(s, Eqn) and s.prim == "setitem"]
        for s in block.stmts:
            if not (isinstance(s, Eqn) and s.outs and s.outs[0] in self.inline):
                continue
            final = self.user.get(s.outs[0])
            while isinstance(final, Eqn) and final.outs and final.outs[0] in self.inline:
                final = self.user.get(final.outs[0])
            if id(final) not in where:
                continue
            lo, hi = where[id(s)], where[id(final)]
            if any(lo < k < hi and x in s.args for k, x in writes):
                del self.inline[s.outs[0]]
                del self.by_name[s.outs[0].name]

    def _maybe_inline(self, a: Var, e: Eqn) -> None:
        """Inline ``a``, a temporary read once, defined in the block by ``e``,
        unless it is computed in place, is never inlined or would nest too deep."""
        if (self.inplace and a in self.inplace) or e.prim in INLINE_NEVER:
            return  # (computed in place: a statement of its own)
        depth = 0
        get = self.depth.get
        for x in e.args:
            d = get(x.name, 0) if isinstance(x, Var) else 0
            if d > depth:
                depth = d
        depth += 1
        if depth > MAX_INLINE_DEPTH:  # a temporary of its own: Python's parser
            return  # refuses more than 200 nested parentheses
        self.depth[a.name] = depth
        self.inline[a] = e
        self.by_name[a.name] = e

    def expand(self, a) -> list:
        """The atoms ``a`` reads once its inlined expression is written out,
        left to right (iterative: the expression may be deep)."""
        inline = self.inline
        e = inline.get(a) if isinstance(a, Var) else None
        if e is None:
            return [a]  # (most atoms: no list to walk)
        out, todo = [], list(reversed(e.args))
        while todo:
            x = todo.pop()
            e = inline.get(x) if isinstance(x, Var) else None
            if e is None:
                out.append(x)
            else:
                todo.extend(reversed(e.args))
        return out
