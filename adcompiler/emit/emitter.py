"""Emission: IR -> Python AST (printed by :mod:`adcompiler.emit.printer`).

The :class:`Emitter` is the driver; each decision has a module of its own:

* :mod:`.inlining`: which temporaries are written into the expression that
  uses them, and which array operands are updated in place;
* :mod:`.liveness`: where each value dies, and which arrays may be overwritten;
* :mod:`.naming`: the register-style names (``w``, ``w_bar``, ``_t1``);
* :mod:`.expressions`: the AST of atoms and primitives;
* :mod:`.control`: ``if``, ``for`` and ``while``;
* this module: the function, its statements and comments: each run of
  statements from one source line starts with a comment quoting that line.

A loop that :mod:`adcompiler.optimize.tapes` bounded by its tape's length is
written ``for v in reversed(tape)``.
"""
from __future__ import annotations

import ast

from ..arrays import aliases
from ..arrays import emit as npemit
from ..core.ir import Block, Eqn, ForRange, Function, If, Var
from ..errors import CompileError
from . import backend
from .control import ControlFlow
from .expressions import Expressions, const_node
from .globalnames import global_name
from .inlining import Inlining
from .liveness import Liveness, Ownership
from .naming import Namer
from .ufuncs import inplace_ufunc
from .printer import comment_statement

_AUG_OPS = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "div": ast.Div}
#: one node of each (operators have no fields: Python's parser shares them too)
_AUG_NODES = {prim: op() for prim, op in _AUG_OPS.items()}
#: operators whose result may update the first operand's name (``x_bar += c``)
_AUG_PRIMS = frozenset(("add", "sub", "mul"))
#: the context of every name stored (one node: Python's parser shares it too)
_STORE = ast.Store()


class Emitter:
    """Emits one function.  Array emission (:mod:`adcompiler.arrays.emit`)
    uses only :meth:`expr`, :meth:`need`, :meth:`is_float`,
    :meth:`can_overwrite`, :meth:`can_write_item` and :meth:`name_of`."""

    def __init__(self, fn: Function, reserved: set, shapes: dict | None = None,
                 floats: set | None = None, fresh_results: bool = False,
                 kinds: dict | None = None) -> None:
        self.fn = fn
        self.fresh_results = fresh_results and shapes is not None
        self.own = Ownership(fn, shapes, floats)
        self.inl = Inlining(fn, self.own)
        self.live = Liveness(self.inl)
        self.namer = Namer(self.live, reserved, self.inl.globals, shapes is not None)
        self.ex = Expressions(self.namer, self.inl, shapes is not None, self.own.holds_floats)
        self.ex.shapes = shapes or {}
        self.kinds = kinds or {}
        if shapes is not None and backend.array_api():
            self._standard_kinds(fn, shapes, floats)
        self.control = ControlFlow(self)
        self._stores: dict = {}  # name -> the node storing to it (:meth:`targets`)

    def _standard_kinds(self, fn: Function, shapes: dict, floats) -> None:
        """What the array-api backend must know of the values' kinds: the
        standard has no arithmetic on booleans and no promotion between
        integers and floats, so masks and integer arrays (``np.arange(3)``,
        indices; known from the kinds, or made by an integer primitive) are
        cast where they meet floats; 0-d arrays (``np.argmax(v)``) index
        differently from Python integers."""
        self.ex.kinds = self.kinds
        self.ex.arrays0 = {v for v in backend.array_atoms(fn) if shapes.get(v) == ()}
        self.ex.masks = {v for v in backend.masks(fn) if shapes.get(v) != ()}
        self.ex.ints = {v for v, s in shapes.items() if s != () and self.kinds.get(v) == "i"}
        self.ex.ints |= backend.int_arrays0(fn, shapes, self.kinds)  # np.sum(X) of integers
        self.ex.ints |= backend.int_arrays(fn) - set(floats or ())
        if self.ex.ints:  # (and what they may flow into: t = v; t = t * s in a loop)
            self.ex.ints = backend.maybe_ints(fn, self.ex.ints, shapes, self.kinds)
        self.ex.ints -= self.ex.masks

    # ------------------------------------------------ the interface arrays/emit.py uses
    def expr(self, a) -> ast.expr:
        return self.ex.expr(a)

    def need(self, module: str) -> None:
        self.ex.need(module)

    def is_float(self, v) -> bool:
        """Is ``v`` a float array, or a scalar (``+=`` of floats into it keeps them)?"""
        return self.own.holds_floats(v)

    def can_overwrite(self, v, e: Eqn) -> bool:
        """May ``e`` write into ``v``'s array: owned, not inlined, dead after ``e``?"""
        return (v not in self.inl and self.own.may_update(v)
                and self.live.dies_by(v, self.live.start[id(e)]))

    def can_write_item(self, v, e: Eqn) -> bool:
        """May the item write ``e`` go into ``v``'s array: not inlined, dead
        after ``e``, owned, and no view of it alive (liveness.py)?"""
        pos = self.live.start[id(e)]
        return (v not in self.inl and self.live.dies_by(v, pos)
                and self.own.may_write_item(v, lambda w: self.live.dies_by(w, pos)))

    def name_of(self, v):
        return self.namer.names.get(v)

    @property
    def imports(self) -> set:
        return self.ex.imports

    # ------------------------------------------------------------ the function
    def function(self) -> ast.FunctionDef:
        fn = self.fn
        self.inl.choose(fn.body, True)
        self.live.run(fn)
        for p in fn.params:
            self.namer.assign(p, p.name if p.hint == p.name else self.namer.take(p, 0))
        body = self.block(fn.body)
        ret = [self.expr(a) for a in fn.body.results]
        if self.fresh_results:
            ret = self.fresh(fn.body.results, ret)
        value = ret[0] if len(ret) == 1 else ast.Tuple(ret, ast.Load())
        body.append(ast.Return(value))
        defaults = [const_node(c.value, self.ex) for _, c in fn.defaults]
        args = ast.arguments(posonlyargs=[], args=[ast.arg(self.namer[p]) for p in fn.params],
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
        roots = aliases.buffer_roots(self.fn, self.own.shapes)
        seen: set = set()
        out = []
        for a, ex in zip(results, exprs):
            mine = roots.get(a, frozenset()) if isinstance(a, Var) else frozenset()
            if aliases.not_the_callers_own(mine) or mine & seen:
                if backend.array_api():
                    ex = backend.copy_of(ex)
                elif self.own.shapes.get(a):  # known to be an array: x.copy()
                    ex = ast.Call(ast.Attribute(ex, "copy", ast.Load()), [], [])
                else:
                    self.need("numpy")
                    ex = ast.Call(ast.Attribute(global_name("np"), "copy", ast.Load()), [ex], [])
            seen |= mine
            out.append(ex)
        return out

    # ------------------------------------------------------------ statements
    def block(self, block: Block) -> list:
        """The statements of ``block`` (an inlined equation is written at its
        use; a pop that a loop's header does is not written).  The liveness
        gave a position to each statement written (:meth:`Liveness.number`),
        so an equation without one is inlined: one look-up by ``id``, where
        asking the inlining of each output hashed a Var (in Python)."""
        out: list = []
        last_loc = None
        start = self.live.start
        walked = self.control.walked_pops
        for s in block.stmts:
            is_eqn = isinstance(s, Eqn)
            if is_eqn:
                key = id(s)
                pos = start.get(key)
                if pos is None or (walked and key in walked):
                    continue
            loc = s.loc
            if loc.line:
                where = (loc.line, loc.role)
                if where != last_loc:
                    out.append(_comment(loc))
                last_loc = where
            out.extend(self.eqn(s, pos) if is_eqn else self.stmt(s))
        return out

    def stmt(self, s) -> list:
        if isinstance(s, Eqn):
            return self.eqn(s)
        if isinstance(s, If):
            return self.control.if_(s)
        if isinstance(s, ForRange):
            return self.control.for_(s)
        return self.control.while_(s)

    def targets(self, outs: tuple, pos: int) -> ast.expr:
        if len(outs) == 1:  # one node per name stored to (nothing changes it once built)
            name = self.namer.take(outs[0], pos)
            node = self._stores.get(name)
            if node is None:
                node = self._stores[name] = ast.Name(name, _STORE)
            return node
        names = [ast.Name(self.namer.take(o, pos), _STORE) for o in outs]
        return ast.Tuple(names, _STORE)

    def eqn(self, e: Eqn, pos: int | None = None) -> list:
        """The statements writing ``e`` (``pos``: its position, when known)."""
        if pos is None:
            pos = self.live.start[id(e)]
        if e.prim in _OWN_FORMS:
            return _OWN_FORMS[e.prim](self, e, pos)
        outs, inplace, arrays = e.outs, self.inl.inplace, self.own.shapes is not None
        if inplace and outs and outs[0] in inplace:
            updated = self.inplace_update(e, pos)
            if updated is not None:
                return updated
        value = self.ex.value(e)
        if arrays:
            self.prefer_inplace(e, pos, value)
        target = self.targets(outs, pos)
        if arrays and inplace_ufunc(value, e, self.own) and value.args[0].id == target.id:
            value.keywords.append(ast.keyword("out", ast.Name(target.id, ast.Load())))
            return [ast.Expr(value)]  # np.exp(t, out=t): no new array
        a = e.args[0] if e.args else None
        if (len(outs) == 1 and (e.prim in _AUG_PRIMS or _array_quotient(e, value))
                and isinstance(a, Var) and self.namer.names.get(a) == target.id
                and a not in self.inl.inline
                and self.own.may_update(a, outs[0]) and self.own.holds_floats(a)):
            return [ast.AugAssign(target, _AUG_NODES[e.prim], self.ex.operand(e, e.args[1]))]
        return [ast.Assign([target], value)]

    def push(self, e: Eqn, pos: int) -> list:
        """``tape.append(value)`` (a tuple of the values pushed together)."""
        vals = [self.expr(a) for a in e.args[1:]]
        if self.own.writes:  # a view on the tape must not see later item writes
            vals = [_copy(v) if self.own.pushed_copy(a) else v for a, v in zip(e.args[1:], vals)]
        item = vals[0] if len(vals) == 1 else ast.Tuple(vals, ast.Load())
        call = ast.Call(ast.Attribute(self.expr(e.args[0]), "append", ast.Load()), [item], [])
        return [ast.Expr(call)]

    def check(self, e: Eqn, pos: int) -> list:
        """``assert cond, msg`` (kept from the user's code)."""
        msg = e.param("msg")
        return [ast.Assert(self.expr(e.args[0]), None if msg is None else ast.Constant(msg))]

    def index_add(self, e: Eqn, pos: int) -> list:
        base = e.args[1]
        names = self.namer.names
        if (isinstance(base, Var) and base in names and self.own.may_update(base)
                and self.live.dies_by(base, pos)):
            self.namer.pref.setdefault(e.outs[0], names[base])  # update in place
        # the scatter is emitted as ``out = base`` then ``out[idx] += g``:
        # ``out`` is written before ``g`` and the index are read, so it
        # must not be the name of anything they read (the old adjoint)
        late = {names[v] for a in e.args[2:] for v in self.inl.expand(a)
                if isinstance(v, Var) and v in names}
        return npemit.index_add(self, e, self.namer.take(e.outs[0], pos, avoid=late))

    def setitem(self, e: Eqn, pos: int) -> list:
        """``out[idx] = v``: into the buffer itself when it dies here and
        nothing else sees it, else into a copy (arrays/emit.py)."""
        x, names = e.args[0], self.namer.names
        late = {names[v] for a in e.args[1:] for v in self.inl.expand(a)
                if isinstance(v, Var) and v in names}
        if isinstance(x, Var) and x in names and self.can_write_item(x, e):
            self.namer.pref.setdefault(e.outs[0], names[x])
            late.discard(names[x])  # read before the write: ``x[i] = x[j]``
        return npemit.setitem(self, e, self.namer.take(e.outs[0], pos, avoid=late))

    def prefer_inplace(self, e: Eqn, pos: int, value=None) -> None:
        """Array code: ``x_bar + c`` whose ``x_bar`` is an owned array dying
        here takes ``x_bar``'s name, so that it is emitted as ``x_bar += c``
        (``np.exp(t)`` likewise: ``np.exp(t, out=t)``)."""
        own = self.own
        if own.shapes is None or len(e.outs) != 1 or (
                e.prim not in ("add", "sub", "mul") and not _array_quotient(e, value)
                and not inplace_ufunc(value, e, own)):
            return
        a = e.args[0]
        if (isinstance(a, Var) and a in self.namer.names and a not in self.inl
                and own.shapes.get(a) != () and a in own.floats
                and own.may_update(a, e.outs[0]) and self.live.dies_by(a, pos)):
            self.namer.pref.setdefault(e.outs[0], self.namer[a])

    def inplace_update(self, e: Eqn, pos: int):
        """``t op= other`` where ``t`` is the operand inlining chose to update."""
        t = self.inl.inplace[e.outs[0]]
        if t not in self.namer.names:
            return None
        self.namer.pref[e.outs[0]] = self.namer[t]
        target = self.targets(e.outs, pos)
        if target.id != self.namer[t]:
            return [ast.Assign([target], self.ex.value(e))]
        other = e.args[1] if e.args[0] is t else e.args[0]
        return [ast.AugAssign(ast.Name(target.id, ast.Store()), _AUG_OPS[e.prim](),
                              self.ex.operand(e, other))]


#: equations written as statements of their own form (by the Emitter method)
_OWN_FORMS = {"push": Emitter.push, "index_add": Emitter.index_add,
              "setitem": Emitter.setitem, "check": Emitter.check}


def _array_quotient(e: Eqn, value) -> bool:
    """``a / b`` spelled with ``/`` (not IEEE scalar division's helper): on an
    owned float array ``a`` it may be ``a /= b``."""
    return e.prim == "div" and isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div)


def _copy(value: ast.expr) -> ast.expr:
    """``value.copy()``, or the Array API's spelling of it."""
    if backend.array_api():
        return backend.copy_of(value)
    return ast.Call(ast.Attribute(value, "copy", ast.Load()), [], [])


def _comment(loc) -> ast.stmt:
    where = f"line {loc.line}"
    text = f"adjoint of {where}" if loc.role == "adjoint" else where
    if loc.text:
        text += ": " + loc.text
    return comment_statement(text)


def emit_function(fn: Function, reserved: set, shapes: dict | None = None,
                  floats: set | None = None, entry: bool = False,
                  kinds: dict | None = None) -> tuple:
    """The FunctionDef of ``fn`` and the modules it needs imported (``shapes``:
    see :mod:`adcompiler.arrays.shapes`; None means all values are scalars; ``entry``:
    the function the user calls, whose arrays must be fresh)."""
    em = Emitter(fn, reserved, shapes, floats, entry, kinds)
    try:
        node = em.function()
    except CompileError as err:  # a refusal of the array-api backend: name the file
        raise backend.located(err, fn.filename) from None
    finally:
        # the emitter and its control-flow writer refer to each other: without
        # this cut, the function's IR waits for the cyclic collector
        em.control = None
    if backend.array_api() and backend.uses_xp(node):
        # the namespace of the array parameters (unknown shapes may be arrays)
        arrays = [p for p in fn.params if (shapes or {}).get(p) != ()]
        # the float arrays (of a kind unknown here, as with adc compile --shapes: maybe)
        floats = [em.namer[p] for p in arrays if (kinds or {}).get(p) in ("f", None)]
        for module in backend.prologue(node, [em.namer[p] for p in arrays], floats):
            em.need(module)
        em.need(backend.IMPORT)
    return node, em.imports
