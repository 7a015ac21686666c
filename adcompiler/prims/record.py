"""One record per primitive: everything the pipeline knows about it.

A pass that needs a fact about a primitive (its spelling in the user's code
or in emitted code, how to evaluate it, its result's shape or dtype, whether
it allocates, its sympy form, its derivative) reads it from the primitive's
:class:`Primitive` record in :data:`REGISTRY`, never from a list of its own.
Adding a primitive is one :func:`register` call (plus its test, which the
systematic primitive test gives for free once the record declares a
``domain``).

Derivatives come in two kinds, both read by forward and reverse mode alike:

* ``partial(b, e, i, g)``: for an elementwise primitive, ``d e.out / d e.args[i]``
  times the seed ``g``, built as IR into the builder ``b`` (``None``: zero).
  Its Jacobian is diagonal, so the same product serves both directions.
* ``jvp(b, e, tangents, shape)`` and ``vjp(b, e, i, g, shape)``: for a
  structural primitive (reductions, linear algebra, shapes, indexing), the
  linear map on tangents and its transpose on adjoints.  :mod:`.derive`
  builds both from less for linear and bilinear primitives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass(frozen=True)
class Primitive:
    """What the pipeline knows of one primitive (see the module docstring).

    The first seven fields are the historical ``Prim`` tuple, kept in order so
    existing positional constructions still read right."""

    name: str
    nargs: int  #: -1: variadic
    impl: Optional[Callable] = None  #: evaluation on Python numbers; None: not foldable
    form: str = "special"  #: 'binop' | 'unary' | 'compare' | 'call' | 'special'
    op: object = None  #: ast operator class (binop/unary/compare) or function name (call)
    differentiable: bool = True  #: False: derivative zero by definition (documented)
    pure: bool = True  #: False: has an effect (tape push/pop): never CSE'd or removed
    #: how the user's code may spell it: {'math': 'fabs', 'np': 'absolute', 'builtin': 'abs',
    #: 'method': 'sum', 'scipy.special': 'expit'}; a value may be a tuple of spellings
    spellings: dict = field(default_factory=dict)
    #: elementwise derivative (see module docstring), or None
    partial: Optional[Callable] = None
    #: structural derivative pair (see module docstring), or None
    jvp: Optional[Callable] = None
    vjp: Optional[Callable] = None
    #: 'fresh': result is a new array the function owns (may be updated in
    #: place); 'value': a new value never updated in place (a scalar, a
    #: mask, a shape), sharing no argument's memory; 'view': may share memory
    #: with an argument.  None (not declared) counts as 'view', the safe answer
    memory: Optional[str] = None
    #: shape rule ``(eqn, arg_shapes, dtype) -> shape`` (None: elementwise
    #: broadcasting); ``dtype(atom)`` is 'b', 'i', 'f' or None (unknown)
    shape: Optional[Callable] = None
    #: dtype of the result: 'float' always float, 'int' integral for integral
    #: arguments, None: follows the arguments
    dtype: Optional[str] = None
    #: only array code uses it (the command line then assumes array parameters)
    array_only: bool = False
    #: sympy form ``(*sympy_args) -> sympy expr`` for the swell study, or None
    sympy: Optional[Callable] = None
    #: values where the derivative is checked by the systematic test:
    #: a tuple of (low, high) per argument, or, for an array record, a tuple
    #: of argument cases, each a callable ``rng -> (args, params)``
    domain: object = None
    #: free-form facts specific to one pass, keyed by the pass's name
    extra: dict = field(default_factory=dict)
    #: ``impl`` takes the equation's params as keywords (``axis``, ``spec``...)
    #: and evaluates NumPy values; constant folding leaves such records alone
    #: (a folded NumPy value is no Python literal)
    impl_params: bool = False
    #: the primitive as an expression over other primitives, read by
    #: evaluation, scalar emission and array code alike (see :mod:`.formula`):
    #: {variant: tree}, variant '' the primitive itself, else a parameter name
    formula: dict = field(default_factory=dict)

    @property
    def elementwise(self) -> bool:
        return self.partial is not None

    @property
    def structural(self) -> bool:
        return self.jvp is not None or self.vjp is not None


#: name -> record, filled by :func:`register` as the record modules load
REGISTRY: dict = {}


def register(name: str, nargs: int, **facts) -> Primitive:
    """Add (or replace) the record of ``name``; returns it."""
    record = Primitive(name, nargs, **facts)
    REGISTRY[name] = record
    return record


def unregister(name: str) -> None:
    """Remove the record of ``name`` (a test's throwaway primitive)."""
    REGISTRY.pop(name, None)
