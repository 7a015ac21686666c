"""Derivative rules: read from the registry, one rule for both modes.

For an elementwise primitive ``out = p(x0, x1, ...)`` the record's ``partial``
rule for argument ``i`` builds, as IR, the product of the local partial
derivative ``d out / d xi`` with a seed ``g``:

* forward mode seeds it with ``xi_dot`` and sums over ``i`` to get ``out_dot``;
* reverse mode seeds it with ``out_bar`` and adds the result to ``xi_bar``.

Because the local Jacobian of an elementwise primitive is diagonal, the same
expression serves both directions, so there is one copy of each rule, and it
sits beside its primitive's record (:mod:`.arith`, :mod:`.elementary`,
:mod:`.logic`).  A rule returns ``None`` when the partial is identically zero.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..core.ir import Builder, Eqn
from .primitives import PRIMS


class _Rules(Mapping):
    """Name -> partial rule of every elementwise primitive, read live from
    the registry (so a record registered later has its rule here too)."""

    def _rule(self, name):
        record = PRIMS.get(name)
        return record.partial if record is not None else None

    def __getitem__(self, name):
        rule = self._rule(name)
        if rule is None:
            raise KeyError(name)
        return rule

    def __iter__(self):
        return (name for name in PRIMS if self._rule(name))

    def __len__(self):
        return sum(1 for _ in self)

    def __contains__(self, name):
        return self._rule(name) is not None


RULES = _Rules()

#: structural array primitives (reductions, linear algebra, shapes, indexing):
#: ``jvp``/``vjp`` pairs, see :mod:`adcompiler.prims.arrayrules`
from .arrayrules import ARRAY_RULES  # noqa: E402

#: primitives whose derivative is handled structurally by the transforms
STRUCTURAL = {"call", "getitem", "pack", "unpack", "new_tape", "push", "pop", "new_checkpoints",
              "restore"}


def missing_rules() -> list:
    """Differentiable primitives with neither a partial, nor a jvp/vjp pair,
    nor a structural treatment in the transforms (a test keeps this empty)."""
    return sorted(name for name, p in PRIMS.items()
                  if p.differentiable and name not in RULES and name not in STRUCTURAL
                  and name not in ARRAY_RULES and not p.structural)


def partial_times(b: Builder, eqn: Eqn, i: int, g):
    """``d eqn.out / d eqn.args[i]`` times ``g``, as IR built into ``b``."""
    prim = PRIMS[eqn.prim]
    if not prim.differentiable:
        return None
    return RULES[eqn.prim](b, eqn, i, g)
