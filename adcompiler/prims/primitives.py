"""The primitives of the IR, all in one registry (:mod:`.record`).

Importing this module registers every record: the scalar ones (:mod:`.arith`,
:mod:`.elementary`, :mod:`.logic`, :mod:`.special`, each record with its
derivative rule),
the structural ones the transforms handle themselves (calls, tapes,
tuples, below) and the array ones (:mod:`.npprims`).  :func:`evaluate`
applies a primitive to Python values (constant folding, the interpreter of
the trace views)."""
from __future__ import annotations

from .formula import evaluate as run_formula, tree_of
from .record import REGISTRY, register

#: name -> record (the registry itself)
PRIMS: dict = REGISTRY

# the scalar primitives, one module per family (each registers its records)
from . import arith, elementary, logic, special, stopgrad  # noqa: E402,F401

# calls of differentiated user functions and tape operations (see reverse.py):
# their derivatives are handled structurally by the transforms
register("call", -1, pure=True, memory="view")
register("getitem", 1)  # params: index
register("pack", -1, impl=lambda *xs: tuple(xs), memory="view")
register("unpack", 1, memory="view")
register("new_tape", 0, differentiable=False, memory="value")
register("push", -1, differentiable=False, pure=False, memory="view")
register("pop", 1, differentiable=False, pure=False)
# a checkpointed loop's kept states (transform/checkpointing.py): pushed to
# like a tape; ``restore snapshots i`` gives the latest kept state at or
# before iteration i, as ``(j, *state)``
register("new_checkpoints", 4, differentiable=False, pure=False, memory="value")
register("restore", 2, differentiable=False, pure=False, memory="value")
# the number of entries on a tape: the trip count of an adjoint loop that
# walks it (optimize/tapes.py); reads the tape's state, so never CSE'd
# ``assert cond, msg`` kept in the primal (param msg: a str or None): an
# effect, so never removed or CSE'd; no derivative (statements/checks.py)
register("check", 1, differentiable=False, pure=False, memory="value")
register("tape_len", 1, impl=len, differentiable=False, pure=False, memory="value")


#: largest integer (in bits) that folding may build; Python computes
#: ``10 ** 10 ** 9`` exactly, which takes minutes: bigger ones run at run time
MAX_FOLD_BITS = 4096


def too_big(prim: str, args: tuple) -> bool:
    """Would folding ``prim(*args)`` build an integer beyond the budget?"""
    if len(args) != 2 or not all(isinstance(a, int) for a in args):
        return False
    a, b = (abs(x) for x in args)
    if prim == "pow":
        return a > 1 and args[1] > 0 and b * a.bit_length() > MAX_FOLD_BITS
    if prim == "mul":
        return a.bit_length() + b.bit_length() > MAX_FOLD_BITS
    return False


def evaluate(prim: str, args: tuple, params: dict):
    """Apply a foldable primitive to Python values (used by folding and tests)."""
    p = PRIMS[prim]
    if prim == "getitem":
        return args[0][params["index"]]
    tree = tree_of(p, params)
    if tree is not None:  # a variant (IEEE division) defined by a formula
        return run_formula(tree, args, lambda q, values: evaluate(q, values, {}))
    if p.impl is None:
        raise ValueError(f"{prim} cannot be evaluated statically")
    return p.impl(*args)


from . import npprims  # noqa: E402,F401  (registers the array primitives)
