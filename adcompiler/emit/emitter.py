"""Emission: IR -> Python AST -> source text.

Three decisions make the output read like hand-written code:

1. *Inlining*: a compiler temporary used once, in the same block, is written
   into the expression that uses it, so ``l = 4 * l * (1 - l)`` comes back as
   one line instead of three Wengert entries.
2. *Naming*: every SSA value gets a Python name derived from the user's name
   (``w``, ``w_bar``; temporaries ``_t1``), reusing a name once its previous
   holder is dead, so a loop-carried ``l`` stays ``l`` and an accumulated
   adjoint reads ``w_bar += ...``.  Names the user's code uses are never given
   to anything else.
3. *Comments*: each run of statements from one source line starts with a
   comment quoting that line.

The tree is printed by :mod:`adcompiler.emit.printer` (astor, behind one function).
"""
from __future__ import annotations

import ast
import keyword
import math
import re

from ..core.ir import (Block, Const, Eqn, ForRange, Function, If, Var, While, sub_blocks,
                 stmt_inputs, walk)
from ..prims.formula import fold, reads, tree_of
from ..prims.primitives import PRIMS
from ..prims.spelling import emitted_name, names
from .printer import COMMENT_MARK, comment_text
from ..arrays import aliases
from ..arrays import emit as npemit
from .globalnames import global_name, module_import

_AUG_OPS = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "div": ast.Div}
_INLINE_NEVER = {"call", "push", "pop", "new_tape", "unpack", "index_add"}
#: deepest expression built by inlining (each level may add parentheses)
MAX_INLINE_DEPTH = 40


class Emitter:
    def __init__(self, fn: Function, reserved: set, shapes: dict | None = None,
                 floats: set | None = None, fresh_results: bool = False) -> None:
        self.fn = fn
        self.fresh_results = fresh_results and shapes is not None
        self.shapes = shapes  # None: every value is a scalar (see shapes.py)
        self.floats = floats or set()  # values known to be float arrays
        self.owned = npemit.owned_arrays(fn) if shapes is not None else set()
        self.inplace: dict = {}  # out -> operand updated in place to make it
        self.claimed: set = set()  # outputs of branches and loops (they own their slot)
        self.reserved = set(reserved) | set(keyword.kwlist) | {"math", "np", "range", "reversed"}
        self.imports: set = set()
        self.inline: dict = {}  # var -> Eqn written into its single use
        self.depth: dict = {}  # inlined var -> nesting depth of its expression
        #: module-level names the code reads (global arrays): no local may take
        #: them, and each read is written where it is used (a name costs nothing)
        reads = [s for s in walk(fn.body) if isinstance(s, Eqn) and s.prim == "global"]
        self.globals = {s.param("name") for s in reads}
        self.reserved |= self.globals
        self.inline.update((s.outs[0], s) for s in reads)
        self.pos = 0
        self.start: dict = {}  # stmt id -> position
        self.end: dict = {}
        self.def_loops: dict = {}  # var -> tuple of enclosing loop ids at definition
        self.last: dict = {}  # var -> last position it is read
        self.reads: dict = {}  # var -> positions it is read at
        self.ranges: dict = {}  # block id -> (first, last) position inside it
        self.excluded: list = []  # ranges of sibling branches while emitting a branch
        self.names: dict = {}  # var -> python name
        self.holder: dict = {}  # python name -> var holding it
        self.slot_prev: dict = {}  # slot name -> var that held it before the slot
        self.pref: dict = {}  # var -> preferred (slot) name
        self.temp_counter = 0
        self.max_suffix: dict = {}  # base name -> largest numeric suffix given out
        self.tape_walks = _tape_walks(fn)  # adjoint loop id -> its pop (see _tape_walks)
        self.walked_pops: set = set()

    # ------------------------------------------------------------ analysis
    def choose_inlines(self, block: Block, is_top: bool) -> None:
        counts = _use_counts(self.fn.body)
        local_defs = {}
        for s in block.stmts:
            if isinstance(s, Eqn) and len(s.outs) == 1:
                local_defs[s.outs[0]] = s
        for s in block.stmts:
            if isinstance(s, Eqn) and self.reads_twice(s):
                continue  # an inlined argument would be evaluated twice
            target = self._inplace_operand(s, local_defs, counts)
            if target is not None:
                self.inplace[s.outs[0]] = target
            for a in stmt_inputs(s):
                if a is not target:
                    self._maybe_inline(a, local_defs, counts)
            for sub in sub_blocks(s):
                self.choose_inlines(sub, isinstance(s, While) and sub is s.cond)
        if is_top:
            for a in block.results:
                self._maybe_inline(a, local_defs, counts)

    def _inplace_operand(self, s, local_defs: dict, counts: dict):
        """The operand of an array ``+ - * /`` that can be updated in place to
        become the result: a float temporary of the result's shape that this
        function allocated and uses only here (avoids a fresh array)."""
        if self.shapes is None or not isinstance(s, Eqn) or s.prim not in _AUG_OPS:
            return None
        out = self.shapes.get(s.outs[0])
        if not out or not all(isinstance(d, int) for d in out):
            return None
        cands = s.args if s.prim in ("add", "mul") else s.args[:1]
        for a in cands:
            if (isinstance(a, Var) and a in local_defs and counts.get(a, 0) == 1
                    and a in self.owned and a in self.floats and self.shapes.get(a) == out
                    and local_defs[a].prim not in _INLINE_NEVER):
                return a
        return None

    def _maybe_inline(self, a, local_defs: dict, counts: dict) -> None:
        if a in self.inplace:  # computed in place: a statement of its own
            return
        e = local_defs.get(a)
        if e is None or a.hint or counts.get(a, 0) != 1 or e.prim in _INLINE_NEVER:
            return
        depth = 1 + max((self.depth.get(x, 0) for x in e.args), default=0)
        if depth > MAX_INLINE_DEPTH:  # a temporary of its own: Python's parser
            return  # refuses more than 200 nested parentheses
        self.depth[a] = depth
        self.inline[a] = e

    def number(self, block: Block, loops: tuple) -> None:
        """Give statements positions and record where each variable dies."""
        for p in block.params:
            self.def_loops[p] = loops
        first = self.pos + 1
        for s in block.stmts:
            self.pos += 1
            self.start[id(s)] = self.pos
            self.read_atoms(self.stmt_reads(s), loops)
            if isinstance(s, (ForRange, While)):
                inner = loops + (id(s),)
                for sub in sub_blocks(s):
                    self.number(sub, inner)
            else:
                for sub in sub_blocks(s):
                    self.number(sub, loops)
            self.end[id(s)] = self.pos
            for o in s.outs:
                self.def_loops[o] = loops
        self.pos += 1
        self.read_atoms(block.results, loops)
        self.ranges[id(block)] = (first, self.pos)

    def stmt_reads(self, s) -> list:
        """Variables a statement reads once inlined expressions are expanded."""
        out = []
        for a in stmt_inputs(s):
            out.extend(self.expand(a))
        return out

    def expand(self, a) -> list:
        """The atoms ``a`` reads once its inlined expression is written out,
        left to right (iterative: the expression may be deep)."""
        out, todo = [], [a]
        while todo:
            x = todo.pop()
            if isinstance(x, Var) and x in self.inline:
                todo.extend(reversed(self.inline[x].args))
            else:
                out.append(x)
        return out

    def read_atoms(self, atoms, loops: tuple) -> None:
        for a in atoms:
            for v in self.expand(a):
                if isinstance(v, Var):
                    self.pending.append((v, self.pos, loops))

    def resolve_liveness(self) -> None:
        for v, pos, loops in self.pending:
            defl = self.def_loops.get(v, ())
            for lid in loops:
                if lid not in defl:
                    pos = max(pos, self.end[lid])
                    break
            self.reads.setdefault(v, []).append(pos)
            if pos > self.last.get(v, -1):
                self.last[v] = pos

    def live_after(self, v, pos: int) -> bool:
        """Is ``v`` read after ``pos`` on a path that can still run?  Reads in
        the other branch of an ``if`` being emitted do not count."""
        if v is None:
            return False
        for r in self.reads.get(v, ()):
            if r > pos and not any(lo <= r <= hi for lo, hi in self.excluded):
                return True
        return False

    # ------------------------------------------------------------ naming
    def dead(self, name: str, pos: int) -> bool:
        return not self.live_after(self.holder.get(name), pos)

    def take(self, v: Var, pos: int, avoid: frozenset | set = frozenset()) -> str:
        """A name for ``v`` defined at ``pos``; ``avoid``: names still read
        after the first store of a multi-statement emission."""
        pref = self.pref.get(v)
        if pref in avoid:
            pref = None
        if pref is not None and pref in self.slot_prev:
            if self.slot_free(pref, pos):
                return self._assign(v, pref)
        elif pref is not None and self.dead(pref, pos):  # an array updated in place
            return self._assign(v, pref)
        for cand in self.candidates(v):
            if cand in avoid:
                continue
            if cand in self.slot_prev:
                if cand == _base(v) and self.slot_free(cand, pos):
                    return self._assign(v, cand)
            elif self.dead(cand, pos):
                return self._assign(v, cand)
        raise AssertionError("unreachable: candidates are endless")

    def slot_free(self, name: str, pos: int) -> bool:
        """May a value flowing into a claimed slot name take it at ``pos``?
        Only once the slot's current value is dead (for a branch output, the
        value the name held before the ``if``)."""
        prev, out = self.slot_prev[name][-1]
        holder = self.holder.get(name)
        if holder is not None and holder == out:
            holder = prev
        return not self.live_after(holder, pos)

    def _assign(self, v: Var, name: str) -> str:
        self.names[v] = name
        self.holder[name] = v
        return name

    def candidates(self, v: Var):
        hint = v.hint
        if not hint:
            while True:
                self.temp_counter += 1
                name = f"_t{self.temp_counter}"
                if name not in self.reserved:
                    yield name
        derived = hint.startswith("~")
        base = _sanitize(hint.lstrip("~")) or "_t"
        if derived and base in self.reserved:
            base = base + "_"
        if (not derived or base not in self.reserved) and base not in self.globals:
            yield base
        # reuse a small suffix when one is free, but look at a few only: in a
        # long body where every version stays live, scanning them all would
        # make naming quadratic; past them, take a suffix never issued
        top = self.max_suffix.get(base, 0)
        for k in range(1, min(top, 8) + 1):
            name = f"{base}_{k}"
            if name not in self.reserved:
                yield name
        k = top
        while True:
            k += 1
            name = f"{base}_{k}"
            if name not in self.reserved:
                self.max_suffix[base] = k
                yield name

    def name_of(self, a) -> str:
        return self.names[a]

    # ------------------------------------------------------------ emission
    def function(self) -> ast.FunctionDef:
        fn = self.fn
        self.pending: list = []
        self.choose_inlines(fn.body, True)
        for p in fn.params:
            self.def_loops[p] = ()
        self.number(fn.body, ())
        self.resolve_liveness()
        for p in fn.params:
            # an unread parameter is dead at once, but parameters are bound
            # together: keep each alive past the signature so names differ
            self.last[p] = max(self.last.get(p, -1), 1)
            self.reads.setdefault(p, []).append(1)
            self._assign(p, p.name if p.hint == p.name else self.take(p, 0))
        body = self.block(fn.body)
        ret = [self.expr(a) for a in fn.body.results]
        if self.fresh_results:
            ret = self.fresh(fn.body.results, ret)
        value = ret[0] if len(ret) == 1 else ast.Tuple(ret, ast.Load())
        body.append(ast.Return(value))
        defaults = [_const_node(c.value, self) for _, c in fn.defaults]
        args = ast.arguments(posonlyargs=[], args=[ast.arg(self.name_of(p)) for p in fn.params],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                             defaults=defaults)
        node = ast.FunctionDef(fn.name, args, body, [], None)
        node.type_params = []
        return node

    def fresh(self, results: tuple, exprs: list) -> list:
        """The entry point hands its arrays to the caller, who may write into
        them (``g *= lr``): a result that may share memory with a parameter
        or a global array (``x`` itself is the gradient of ``np.dot(w, x)``)
        or with another result, or is a read-only broadcast, is copied; a
        result this function allocated is returned as is."""
        roots = aliases.buffer_roots(self.fn, self.shapes)
        seen: set = set()
        out = []
        for a, ex in zip(results, exprs):
            mine = roots.get(a, frozenset()) if isinstance(a, Var) else frozenset()
            if aliases.not_the_callers_own(mine) or mine & seen:
                ex = self.copied(a, ex)
            seen |= mine
            out.append(ex)
        return out

    def copied(self, a: Var, ex: ast.expr) -> ast.expr:
        if self.shapes.get(a):  # known to be an array: x.copy()
            return ast.Call(ast.Attribute(ex, "copy", ast.Load()), [], [])
        self.imports.add("numpy")
        return ast.Call(ast.Attribute(global_name("np"), "copy", ast.Load()), [ex], [])

    def block(self, block: Block) -> list:
        out: list = []
        last_loc = None
        for s in block.stmts:
            if isinstance(s, Eqn) and s.outs and all(o in self.inline for o in s.outs):
                continue
            if isinstance(s, Eqn) and s.prim == "pop" and id(s) in self.walked_pops:
                continue
            key = (s.loc.line, s.loc.role)
            if s.loc.line and key != last_loc:
                out.append(_comment(s.loc))
            last_loc = key if s.loc.line else last_loc
            out.extend(self.stmt(s))
        return out

    def stmt(self, s) -> list:
        if isinstance(s, Eqn):
            return self.eqn(s)
        if isinstance(s, If):
            return self.if_(s)
        if isinstance(s, ForRange):
            return self.for_(s)
        return self.while_(s)

    def targets(self, outs: tuple, pos: int) -> ast.expr:
        names = [ast.Name(self.take(o, pos), ast.Store()) for o in outs]
        return names[0] if len(names) == 1 else ast.Tuple(names, ast.Store())

    def eqn(self, e: Eqn) -> list:
        pos = self.start[id(e)]
        if e.prim == "push":
            vals = [self.expr(a) for a in e.args[1:]]
            item = vals[0] if len(vals) == 1 else ast.Tuple(vals, ast.Load())
            call = ast.Call(ast.Attribute(self.expr(e.args[0]), "append", ast.Load()), [item], [])
            return [ast.Expr(call)]
        if e.prim == "index_add":
            base = e.args[1]
            if (isinstance(base, Var) and base in self.names and self.may_update(base)
                    and self.last.get(base, -1) <= pos):
                self.pref.setdefault(e.outs[0], self.names[base])  # update in place
            # the scatter is emitted as ``out = base`` then ``out[idx] += g``:
            # ``out`` is written before ``g`` and the index are read, so it
            # must not be the name of anything they read (the old adjoint)
            late = {self.names[v] for a in e.args[2:] for v in self.expand(a)
                    if isinstance(v, Var) and v in self.names}
            return npemit.index_add(self, e, self.take(e.outs[0], pos, avoid=late))
        if e.outs and e.outs[0] in self.inplace:
            updated = self.inplace_update(e, pos)
            if updated is not None:
                return updated
        self.prefer_inplace(e, pos)
        value = self.value(e)
        target = self.targets(e.outs, pos)
        if (len(e.outs) == 1 and e.prim in ("add", "sub", "mul") and isinstance(e.args[0], Var)
                and e.args[0] not in self.inline and self.names.get(e.args[0]) == target.id
                and self.may_update(e.args[0], e.outs[0]) and self.holds_floats(e.args[0])):
            op = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult}[e.prim]()
            return [ast.AugAssign(ast.Name(target.id, ast.Store()), op, self.expr(e.args[1]))]
        return [ast.Assign([target], value)]

    def prefer_inplace(self, e: Eqn, pos: int) -> None:
        """Array code: ``x_bar + c`` whose ``x_bar`` is an owned array dying
        here takes ``x_bar``'s name, so that it is emitted as ``x_bar += c``."""
        if self.shapes is None or e.prim not in ("add", "sub", "mul") or len(e.outs) != 1:
            return
        a = e.args[0]
        if (isinstance(a, Var) and a in self.names and a not in self.inline
                and self.shapes.get(a) != () and a in self.floats
                and self.may_update(a, e.outs[0]) and self.last.get(a, -1) <= pos):
            self.pref.setdefault(e.outs[0], self.names[a])

    def inplace_update(self, e: Eqn, pos: int):
        """``t op= other`` where ``t`` is the operand chosen by _inplace_operand."""
        t = self.inplace[e.outs[0]]
        if t not in self.names:
            return None
        self.pref[e.outs[0]] = self.names[t]
        target = self.targets(e.outs, pos)
        if target.id != self.names[t]:
            return [ast.Assign([target], self.value(e))]
        other = e.args[1] if e.args[0] is t else e.args[0]
        return [ast.AugAssign(ast.Name(target.id, ast.Store()), _AUG_OPS[e.prim](),
                              self.expr(other))]

    def holds_floats(self, v: Var) -> bool:
        """``v += float_array`` keeps NumPy's result only if ``v`` is a float
        array (an int64 one raises UFuncTypeError): scalars always may."""
        return self.shapes is None or self.shapes.get(v) == () or v in self.floats

    def may_update(self, v: Var, result: Var | None = None) -> bool:
        """May ``v``'s value be overwritten in place (``+=`` on an array writes
        into it)?  Scalars always; arrays only when owned (npemit.owned_arrays)
        and when the result has the same shape."""
        if self.shapes is None or self.shapes.get(v) == ():
            return True
        shape = self.shapes.get(v)
        same = result is None or (self.shapes.get(result) == shape and shape is not None
                                  and all(d is not None for d in shape))
        return v in self.owned and same

    def value(self, e: Eqn) -> ast.expr:
        if e.prim == "global":  # read where it is used: the live array
            return ast.Name(e.param("name"), ast.Load())
        p = PRIMS[e.prim]
        args = [self.expr(a) for a in e.args]
        tree = self.formula(e)
        if tree is not None:
            return fold(tree, lambda k: args[k], lambda v: _const_node(v, self), self.apply)
        if p.form == "call" or self.spelled(e):  # math.pow(x, y), np.sign(x) ...
            return ast.Call(self.function_name(e), args, [])
        if e.prim == "pow" and _is_two(e.args[1]) and isinstance(args[0], ast.Name):
            # x * x: a multiplication instead of a call of pow(), twice as fast
            return ast.BinOp(args[0], ast.Mult(), ast.Name(args[0].id, ast.Load()))
        return self.apply(e.prim, args, e)

    def formula(self, e: Eqn):
        """The formula the record defines ``e`` by (:mod:`adcompiler.prims.formula`):
        ``sign``, the tie weights, IEEE division and power on Python floats
        (NumPy arrays divide so already); None where the primitive is written
        as itself, or as its function in the namespace the user's code used."""
        if self.spelled(e):
            return None
        return tree_of(PRIMS[e.prim], dict(e.params), arrays=self.shapes is not None)

    def spelled(self, e: Eqn) -> bool:
        """Does ``e`` name a namespace where its record has a function (the
        user wrote ``math.pow``, ``np.sign``): then it is written as that call."""
        ns = e.param("ns")
        return bool(ns) and bool(names(PRIMS[e.prim], ns))

    def reads_twice(self, e: Eqn) -> bool:
        """Does ``e``'s emitted form mention an argument twice?"""
        tree = self.formula(e)
        return tree is not None and any(n > 1 for n in reads(tree).values())

    def apply(self, prim: str, args: list, e: Eqn | None = None) -> ast.expr:
        """``prim`` applied to the expressions ``args`` (its operator, or its
        special form)."""
        p = PRIMS[prim]
        if p.form == "binop":
            return ast.BinOp(args[0], p.op(), args[1])
        if p.form == "unary":
            return ast.UnaryOp(p.op(), args[0])
        if p.form == "compare":
            return ast.Compare(args[0], [p.op()], [args[1]])
        return self.special(e, args) if e is not None else self.special_form(prim, args)

    def special_form(self, prim: str, args: list) -> ast.expr:
        if prim in ("and", "or"):
            return ast.BoolOp(ast.And() if prim == "and" else ast.Or(), args)
        if prim == "select":
            return ast.IfExp(args[0], args[1], args[2])
        raise AssertionError(f"{prim} has no Python form")  # pragma: no cover

    def function_name(self, e: Eqn) -> ast.expr:
        ns = e.param("ns", "")
        name = emitted_name(e.prim, ns)
        if ns == "np":
            self.imports.add("numpy")
            return ast.Attribute(global_name("np"), name, ast.Load())
        if ns == "math":
            self.imports.add("math")
            return ast.Attribute(global_name("math"), name, ast.Load())
        if not ns:
            return global_name(name)
        self.imports.add(module_import(ns))  # a function of another module
        top, *rest = ns.split(".")
        node = global_name(top)
        for part in rest + name.split("."):
            node = ast.Attribute(node, part, ast.Load())
        return node

    def special(self, e: Eqn, args: list) -> ast.expr:
        prim = e.prim
        if prim in ("and", "or", "select"):
            return self.special_form(prim, args)
        if prim == "call":
            return ast.Call(ast.Name(e.param("fn"), ast.Load()), args, [])
        if prim == "pack":
            return ast.Tuple(args, ast.Load())
        if prim == "unpack":
            return args[0]
        if prim == "getitem":
            return ast.Subscript(args[0], ast.Constant(e.param("index")), ast.Load())
        if prim == "new_tape":
            return ast.List([], ast.Load())
        if prim == "pop":
            return ast.Call(ast.Attribute(args[0], "pop", ast.Load()), [], [])
        return npemit.value(self, e, args)

    def expr(self, a) -> ast.expr:
        if isinstance(a, Const):
            return _const_node(a.value, self)
        if a in self.inline:
            return self.value(self.inline[a])
        return ast.Name(self.names[a], ast.Load())

    # ------------------------------------------------------------ control flow
    def slot_names(self, outs: tuple, inits: tuple, s) -> list:
        """Choose the Python name shared by each carried value or branch output."""
        start, end = self.start[id(s)], self.end[id(s)]
        limit = start if inits else end
        names: list = []
        for k, o in enumerate(outs):
            init = inits[k] if inits else None
            name = None
            pref = self.pref.get(o)
            if pref is not None and pref in self.slot_prev and pref not in names \
                    and self.slot_free(pref, limit):
                name = pref
            if name is None and isinstance(init, Var) and init not in self.inline \
                    and (init.hint == o.hint or not init.hint) \
                    and init in self.names and not self.live_after(init, start) \
                    and self.holder.get(self.names[init]) is init \
                    and self.names[init] not in names and self.names[init] not in self.slot_prev:
                name = self.names[init]
            if name is None:
                for cand in self.candidates(o):
                    if cand in names:
                        continue
                    if cand in self.slot_prev:
                        if (cand == _base(o) or self._loop_slot_free(cand, limit)) \
                                and self.slot_free(cand, limit):
                            name = cand
                            break
                    elif not self.live_after(self.holder.get(cand), limit):
                        name = cand
                        break
            names.append(name)
        return names

    def _loop_slot_free(self, name: str, limit: int) -> bool:
        """Array code: may a branch output take the name of an enclosing loop's
        carried value whose parameter dies in the branch?  (Lets an adjoint
        array be updated in place through ``if`` inside a loop.)"""
        if self.shapes is None:
            return False
        holder = self.holder.get(name)
        return (holder is self.slot_prev[name][-1][0] and holder not in self.claimed
                and self.last.get(holder, -1) <= limit)

    def claim(self, names: list, outs: tuple, params: tuple = ()) -> None:
        """Reserve slot names while the statement's blocks are emitted.  Inside,
        only a value flowing into the slot may take the name, once the slot's
        current value (the branch's prior value or the loop parameter) is dead."""
        for k, (name, o) in enumerate(zip(names, outs)):
            current = params[k] if params else self.holder.get(name)
            outer = self.slot_prev.get(name)
            if outer and current is not None and current == outer[-1][1]:
                current = outer[-1][0]  # nested in a branch that fills the same name
            self.slot_prev.setdefault(name, []).append((current, o))
            self.holder[name] = params[k] if params else o
            self.claimed.add(o)
            self.names[o] = name
            if params:
                self.names[params[k]] = name

    def release(self, names: list, outs: tuple) -> None:
        for name, o in zip(names, outs):
            stack = self.slot_prev[name]
            stack.pop()
            if not stack:
                del self.slot_prev[name]
            self.holder[name] = o

    def copies(self, names: list, results: tuple) -> list:
        """``slot = result`` for each result not already in its slot (in parallel)."""
        pairs = [(n, r) for n, r in zip(names, results)
                 if not (isinstance(r, Var) and self.names.get(r) == n and r not in self.inline)]
        if not pairs:
            return []
        if len(pairs) == 1:
            n, r = pairs[0]
            return [ast.Assign([ast.Name(n, ast.Store())], self.expr(r))]
        targets = ast.Tuple([ast.Name(n, ast.Store()) for n, _ in pairs], ast.Store())
        return [ast.Assign([targets], ast.Tuple([self.expr(r) for _, r in pairs], ast.Load()))]

    def if_(self, s: If) -> list:
        test = self.expr(s.pred)
        names = self.slot_names(s.outs, (), s)
        for blk in (s.then, s.orelse):
            for n, r in zip(names, blk.results):
                if isinstance(r, Var) and r not in self.names:
                    self.pref[r] = n
        self.claim(names, s.outs)
        # each branch starts from the names as they are before the ``if``: a
        # name the first branch gave to one of its values still holds the
        # earlier value on the other path (and after the ``if``, where the
        # branches' own values are dead)
        before = dict(self.holder)
        bodies = []
        for blk, other in ((s.then, s.orelse), (s.orelse, s.then)):
            self.holder = dict(before)
            for name, o in zip(names, s.outs):
                self.holder[name] = o
            self.excluded.append(self.ranges[id(other)])
            stmts = self.block(blk) + self.copies(names, blk.results)
            self.excluded.pop()
            bodies.append(stmts)
        self.holder = before
        self.release(names, s.outs)
        then, orelse = bodies
        if not then and orelse:
            return [ast.If(ast.UnaryOp(ast.Not(), test), orelse, [])]
        return [ast.If(test, then or [ast.Pass()], orelse)]

    def loop_slots(self, s, params: tuple, results: tuple) -> list:
        names = self.slot_names(s.outs, s.inits, s)
        pre = self.copies(names, s.inits)
        for n, r in zip(names, results):
            if isinstance(r, Var) and r not in self.names:
                self.pref[r] = n
        self.claim(names, s.outs, params)
        return names, pre

    def for_(self, s: ForRange) -> list:
        bounds = [self.expr(a) for a in (s.start, s.stop, s.step)]
        names, pre = self.loop_slots(s, s.body.params[1:], s.body.results)
        idx = s.body.params[0]
        pop = self.tape_walks.get(id(s)) if idx not in self.last else None
        if pop is not None:  # for v in reversed(tape): no index, no pop() call
            self.walked_pops.add(id(pop))
            target = self.targets(pop.outs, self.start[id(pop)])
            iterator = ast.Call(global_name("reversed"), [self.expr(pop.args[0])], [])
            body = self.block(s.body) + self.copies(names, s.body.results)
            self.release(names, s.outs)
            return pre + [ast.For(target, iterator, body or [ast.Pass()], [])]
        idx_name = self.take(idx, self.start[id(s)]) if idx in self.last else "_"
        body = self.block(s.body) + self.copies(names, s.body.results)
        self.release(names, s.outs)
        iterator = ast.Call(global_name("range"), _range_args(bounds), [])
        if s.reverse:
            iterator = ast.Call(global_name("reversed"), [iterator], [])
        return pre + [ast.For(ast.Name(idx_name, ast.Store()), iterator, body or [ast.Pass()], [])]

    def while_(self, s: While) -> list:
        names, pre = self.loop_slots(s, s.body.params, s.body.results)
        for n, p in zip(names, s.cond.params):
            self.names[p] = n
        cond_stmts = self.block(s.cond)
        test = self.expr(s.cond.results[0])
        body = self.block(s.body) + self.copies(names, s.body.results)
        self.release(names, s.outs)
        if not cond_stmts:
            return pre + [ast.While(test, body or [ast.Pass()], [])]
        stop = ast.If(ast.UnaryOp(ast.Not(), test), [ast.Break()], [])
        return pre + [ast.While(ast.Constant(True), cond_stmts + [stop] + body, [])]


# ---------------------------------------------------------------- helpers
def _use_counts(block: Block) -> dict:
    from ..core.ir import uses
    return uses(block)


def _base(v: Var) -> str:
    """The name a value's hint asks for (before any ``_1`` suffix)."""
    return _sanitize(v.hint.lstrip("~")) if v.hint else ""

def _tape_walks(fn: Function) -> dict:
    """Adjoint loops that may read their tape as ``for v in reversed(tape)``.

    That holds when the tape is filled by one run of a loop at the top of the
    function (one push, directly in that loop's body) and emptied by one run of
    another top-level loop whose body starts with the tape's only pop: then the
    adjoint loop runs once per pushed entry, newest first.  Iterating saves the
    range iterator and a ``pop()`` call per iteration (about 15 % of a scalar
    loop's gradient); the tape is freed when the function returns.
    """
    from ..core.ir import walk
    pushes: dict = {}
    pops: dict = {}
    for st in walk(fn.body):
        if isinstance(st, Eqn) and st.prim in ("push", "pop"):
            (pushes if st.prim == "push" else pops).setdefault(st.args[0], []).append(st)
    top_loops = [st for st in fn.body.stmts if isinstance(st, (ForRange, While))]
    filled = {st.args[0] for loop in top_loops for st in loop.body.stmts
              if isinstance(st, Eqn) and st.prim == "push"}
    out = {}
    for loop in top_loops:
        first = loop.body.stmts[0] if isinstance(loop, ForRange) and loop.body.stmts else None
        if not (isinstance(first, Eqn) and first.prim == "pop"):
            continue
        tape = first.args[0]
        if tape in filled and len(pushes.get(tape, ())) == 1 and len(pops.get(tape, ())) == 1:
            out[id(loop)] = first
    return out


def _is_two(a) -> bool:
    return isinstance(a, Const) and type(a.value) in (int, float) and a.value == 2


def _sanitize(hint: str) -> str:
    name = re.sub(r"\W", "_", hint)
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def _const_node(value, em) -> ast.expr:
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        em.imports.add("math")
        node = ast.Attribute(global_name("math"), "nan" if math.isnan(value) else "inf",
                             ast.Load())
        return ast.UnaryOp(ast.USub(), node) if value < 0 else node
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (
            value < 0 or (isinstance(value, float) and math.copysign(1.0, value) < 0)):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _range_args(bounds: list) -> list:
    start, stop, step = bounds
    is_zero = isinstance(start, ast.Constant) and start.value == 0 and not isinstance(start.value, bool)
    is_one = isinstance(step, ast.Constant) and step.value == 1 and not isinstance(step.value, bool)
    if is_one:
        return [stop] if is_zero else [start, stop]
    return [start, stop, step]


def _comment(loc) -> ast.stmt:
    where = f"line {loc.line}"
    text = f"adjoint of {where}" if loc.role == "adjoint" else where
    if loc.text:
        text += ": " + loc.text
    return ast.Expr(ast.Constant(COMMENT_MARK + comment_text(text)))


def emit_function(fn: Function, reserved: set, shapes: dict | None = None,
                  floats: set | None = None, entry: bool = False) -> tuple:
    """The FunctionDef of ``fn`` and the modules it needs imported (``shapes``:
    see :mod:`adcompiler.arrays.shapes`; None means all values are scalars; ``entry``:
    the function the user calls, whose arrays must be fresh)."""
    em = Emitter(fn, reserved, shapes, floats, entry)
    node = em.function()
    return node, em.imports
