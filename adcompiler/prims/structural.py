"""What the records of the structural array primitives share: how they are
registered, how the lowering reads their signature, how emission spells
them, and the small helpers their derivative rules use.

An array record (see :mod:`.record`) holds:

* ``spellings``: ``{'np': ('max', 'amax'), 'method': ('max',), 'attr': 'T'}``
  (``np`` names may be dotted: ``linalg.norm``);
* ``impl``: its value on NumPy arrays, the equation's params as keywords
  (the IR interpreter runs array IR with it);
* ``shape``: ``(eqn, arg_shapes, dtype) -> shape`` in the algebra of
  :mod:`.shapecalc`;
* ``memory``: 'fresh', 'value' or 'view' (:func:`memory`);
* ``array_only``, ``dtype``, ``differentiable``;
* ``jvp`` and ``vjp`` (:mod:`.derive` builds them for linear and bilinear
  primitives);
* ``domain``: argument cases for the systematic test, each a callable
  ``rng -> (args, params)``; float arrays among the args are differentiated,
  ints become constants, int and boolean arrays fixed inputs;

and, in ``extra``, facts only one pass reads:

* ``extra['lower']``: a :class:`Signature`, how a NumPy call binds its
  arguments (``np.sum(a, axis=None, keepdims=False)``): positional names are
  operands, keyword defaults are static parameters of the equation;
* ``extra['emit']``: ``(kit, eqn, args) -> ast.expr``, the NumPy expression
  computing the equation from its arguments' expressions.  ``kit`` (given by
  :mod:`adcompiler.arrays.emit`) builds the names emitted code may use:
  ``kit.np('sum')``, ``kit.builtin('len')``, ``kit.helper('_unbroadcast')``,
  ``kit.call(f, args, kws)``, ``kit.const(v)``; so these modules need no
  emission internals;
* ``extra['shares']``: for a view (``memory='view'``), the positions of the
  arguments whose buffer the result may share (default: all of them; a
  reshape's dimensions or an index's atoms are not among them);
* ``extra['structural']``: set by :func:`define` (False for the elementwise
  ones, whose derivative is a partial).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .record import REGISTRY, register
from .shapecalc import ShapeNeeded


@dataclass(frozen=True)
class Signature:
    """How a NumPy function's call binds to the primitive's equation."""

    args: tuple = ("a",)  #: operands, in order
    statics: dict = field(default_factory=dict)  #: static params and their defaults
    ints: tuple = ()  #: statics that must be constant integers
    sequence: bool = False  #: the one operand is a list of arrays written in the call
    label: str = ""  #: how error messages name it (default ``np.NAME``)
    #: a method of the NumPy lowering that builds it instead:
    #: ``(vals, arg, node, env, builder) -> atom`` (``arg(name)`` lowers an operand);
    #: or a function ``(lowering, node, args, keywords, env, builder) -> value`` that
    #: lowers the whole call (a tuple result, variadic operands)
    build: object = ""
    bools: tuple = ()  #: statics read as booleans (``keepdims``)
    strings: tuple = ()  #: statics that may be constant strings (``ord='fro'``)


#: a static parameter without default (``np.expand_dims(a, axis)``)
REQUIRED = object()


class Fields(tuple):
    """The tuple a NumPy call returns, with NumPy's field names
    (``np.linalg.slogdet(A).logabsdet``, ``.sign``)."""

    fields: tuple = ()
    #: the NumPy release whose call first returned the fields by name (before
    #: it, a plain tuple: reading a field raises AttributeError)
    since: tuple = (0,)

    def __new__(cls, items, fields=(), since=(0,)):
        out = super().__new__(cls, items)
        out.fields, out.since = tuple(fields), tuple(since)
        return out


class IndexArrays(tuple):
    """A tuple of integer index arrays (``np.triu_indices(n)``): used as an
    index it selects by all of them at once, as NumPy's ``M[rows, cols]``."""


def define(name: str, nargs: int, elementwise: bool = False, **facts):
    """Register an array primitive: its ``impl`` evaluates NumPy values and
    takes the equation's params (so constant folding leaves it alone), and
    ``extra['structural']`` marks it for the systematic array test (unless
    ``elementwise``: its derivative is then an elementwise partial).  Facts a
    record of the same name already has (its elementwise ``partial``, its
    ``sympy`` form) are kept unless given here."""
    facts.setdefault("impl_params", facts.get("impl") is not None)
    facts["extra"] = {**facts.get("extra", {}), "structural": not elementwise}
    old = REGISTRY.get(name)
    if old is not None:
        kept = {f: getattr(old, f) for f in ("partial", "sympy", "spellings")
                if getattr(old, f) and f not in facts}
        facts = {**kept, **facts}
    return register(name, nargs, **facts)


def structural_records() -> list:
    """The records of the structural array primitives, by name."""
    return sorted((r for r in REGISTRY.values() if r.extra.get("structural")),
                  key=lambda r: r.name)


def array_records() -> list:
    """The records registered by :func:`define` (structural and elementwise
    array primitives), by name."""
    return sorted((r for r in REGISTRY.values() if "structural" in r.extra),
                  key=lambda r: r.name)


def memory(prim: str) -> str:
    """'fresh', 'value' or 'view' (an undeclared primitive counts as a view:
    its result may share an argument's buffer, the answer that is never wrong)."""
    record = REGISTRY.get(prim)
    mem = record.memory if record is not None else None
    return mem if mem in ("fresh", "value") else "view"


def eqn_memory(e) -> str:
    """:func:`memory` of one equation: an index or a broadcast the adjoint
    asked to be taken as a copy (``fresh=True``) is a new array."""
    if e.prim in ("unsum", "index") and e.param("fresh"):
        return "fresh"
    return memory(e.prim)


# ---------------------------------------------------------------- emission
def np_call(np_name: str):
    """Emitted as ``np.NAME(*args)`` (``NAME`` may be dotted: ``linalg.norm``)."""
    def emit(kit, e, args):
        return kit.call(kit.np(np_name), args)
    return emit


def backend_name(kit, name: str):
    """``xp.NAME`` whatever the record lists (for a helper's own calls)."""
    from ..emit.backend import xp_name
    return xp_name(name)


def expand_dims_call(kit, x, axis):
    """``np.expand_dims(x, AXIS)``; the standard's ``axis`` is keyword-only."""
    if getattr(kit, "xp", False):
        if isinstance(x, ast.Constant):  # a number: the standard's functions take arrays
            x = ast.Call(backend_name(kit, "asarray"), [x], kit.placed())
        return kit.call(kit.np("expand_dims"), [x], {"axis": kit.const(axis)})
    return kit.call(kit.np("expand_dims"), [x, kit.const(axis)])


def attribute(attr: str):
    """Emitted as ``x.ATTR``."""
    def emit(kit, e, args):
        return ast.Attribute(args[0], attr, ast.Load())
    return emit


# ---------------------------------------------------------------- test domains
def uniform(rng, *shape):
    """A float array of ``shape`` away from 0 (where ``/ x`` rules stay tame)."""
    return rng.uniform(0.5, 1.5, size=shape)


# ---------------------------------------------------------------- rules
def ndim(shape, a) -> int:
    """The rank of ``a``, or :class:`ShapeNeeded`."""
    s = shape(a)
    if s is None:
        raise ShapeNeeded(a)
    return len(s)


def red_params(e, shape) -> dict:
    """The params of a reduction's adjoint helpers (``unsum``, ``expand_red``)."""
    sx = shape(e.args[0])
    return {"axis": e.param("axis"), "keepdims": e.param("keepdims", False),
            "ndim": None if sx is None else len(sx)}

