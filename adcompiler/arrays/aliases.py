"""Which arrays may share memory (NumPy aliasing), as far as the IR can tell.

SSA hides aliasing: ``y = x`` binds ``y`` to the very atom ``x``, and a view
(``x.T``, ``x[1:]``, ``np.reshape(x, ...)``) is a new value computed from
``x``.  NumPy code that writes into an array (``y *= 2.0``) or hands it to a
caller that may write into it (a returned gradient) needs to know which
buffers a value may live in.  :func:`buffer_roots` answers conservatively:

* a parameter lives in its own caller-owned buffer, ``('param', p)``, and a
  global array the function reads in the user's, ``('global', name)``;
* the result of an allocating primitive (``+``, ``np.exp``, ``@``, ...) lives
  in a new buffer named after it;
* everything else (views, branch outputs, loop-carried values, calls, tape
  values) may live in any buffer its inputs live in;
* a broadcast (``np.broadcast_to``, the adjoint of a reduction) is also
  marked ``('readonly', v)``: NumPy makes it a read-only view.

Scalars (shape ``()``) are immutable and are left out.
"""
from __future__ import annotations

from ..core.ir import Block, Const, Eqn, ForRange, Function, If, Var, While, sub_blocks
from ..prims.primitives import PRIMS
from ..prims.structural import eqn_memory


def buffer_roots(fn: Function, shapes: dict | None, flows=None) -> dict:
    """``{var: frozenset of roots}`` for every array-valued (or unknown) var.

    ``flows(eqn)`` is None when an equation's result is a new buffer, else the
    atoms whose buffers it may share (default: None for the primitives whose
    record says ``memory='fresh'`` or ``'value'``, all arguments for the
    others).  A result that can
    share no argument's buffer gets one of its own."""
    walk = _Roots(shapes, flows or default_flows)
    for p in fn.params:
        walk.join(p, frozenset({("param", p.name)}))
    while walk.visit(fn.body):
        pass
    return walk.roots


class _Roots:
    """The fixed-point walk of :func:`buffer_roots` (a class, not closures
    calling each other: those form a reference cycle, holding ``flows`` and
    everything it names until the cyclic collector runs)."""

    __slots__ = ("shapes", "flows", "roots")

    def __init__(self, shapes: dict | None, flows) -> None:
        self.shapes, self.flows = shapes, flows
        self.roots: dict = {}

    def is_array(self, v) -> bool:
        return isinstance(v, Var) and (self.shapes is None or self.shapes.get(v) != ())

    def of(self, atoms) -> frozenset:
        out: frozenset = frozenset()
        for a in atoms:
            if self.is_array(a):
                out |= self.roots.get(a, frozenset())
        return out

    def join(self, v, new: frozenset, force: bool = False) -> bool:
        if not (force or self.is_array(v)) or not isinstance(v, Var):
            return False
        old = self.roots.get(v, frozenset())
        if new <= old:
            return False
        self.roots[v] = old | new
        return True

    def visit(self, b: Block) -> bool:
        """One sweep over ``b``: did any root set grow?  (Equations are handled
        inline: a method call for each made the sweep nearly a tenth slower.)"""
        changed = False
        join, of = self.join, self.of
        for s in b.stmts:
            if not isinstance(s, Eqn):
                for sub in sub_blocks(s):
                    changed |= self.visit(sub)
                changed |= self.merge(s)
                continue
            if s.prim == "push":  # the tape holds the pushed arrays
                changed |= join(s.args[0], of(s.args[1:]), force=True)
            if not s.outs:
                continue
            src = self.flows(s)
            new = of(src) if src is not None else frozenset()
            if s.prim == "global":  # the user's module-level array (see frontend/lower_globals.py)
                new = frozenset({("global", s.param("name"))})
            if not new:
                new = frozenset({("new", s.outs[0].name)})
            if s.prim == "unsum" and not s.param("fresh"):  # np.broadcast_to
                new |= {("readonly", s.outs[0].name)}
            for o in s.outs:
                changed |= join(o, new)
        return changed

    def merge(self, s) -> bool:
        """A branch's or loop's outputs (and a loop's carried parameters)."""
        changed = False
        join, of = self.join, self.of
        if isinstance(s, If):
            for o, pair in zip(s.outs, zip(s.then.results, s.orelse.results)):
                changed |= join(o, of(pair))
            return changed
        params = s.body.params[1:] if isinstance(s, ForRange) else s.body.params
        conds = s.cond.params if isinstance(s, While) else params
        runs = _runs(s)
        for k, o in enumerate(s.outs):
            flow = of((s.inits[k], s.body.results[k]))
            for v in (params[k], conds[k]):
                changed |= join(v, flow)
            # after a loop known to run, the value is the body's
            changed |= join(o, of((s.body.results[k],)) if runs else flow)
        return changed


def default_flows(e: Eqn):
    """The arguments whose buffers ``e``'s result may share (None: a new
    one): a view's record may say which (``extra['shares']``: positions; its
    other arguments only give a shape or an index), else all of them."""
    if eqn_memory(e) != "view":
        return None
    shares = PRIMS[e.prim].extra.get("shares") if e.prim in PRIMS else None
    if shares is not None:
        return tuple(e.args[k] for k in shares if k < len(e.args))
    if e.prim == "select":
        return e.args[1:]
    return e.args


def param_roots(roots: frozenset) -> list:
    """Names of the parameters among ``roots``."""
    return sorted(name for kind, name in roots if kind == "param")


def global_roots(roots: frozenset) -> list:
    """Names of the global arrays among ``roots``."""
    return sorted(name for kind, name in roots if kind == "global")


def not_the_callers_own(roots: frozenset) -> bool:
    """May an array living in ``roots`` be a parameter's buffer or a read-only
    broadcast (so the caller must get a copy)?"""
    return any(kind in ("param", "readonly", "global") for kind, _ in roots)


def _runs(s) -> bool:
    """Does the loop certainly run its body at least once (``range(2)``)?"""
    if not isinstance(s, ForRange):
        return False
    bounds = (s.start, s.stop, s.step)
    if not all(isinstance(a, Const) and type(a.value) is int for a in bounds):
        return False
    return len(range(*(a.value for a in bounds))) > 0
