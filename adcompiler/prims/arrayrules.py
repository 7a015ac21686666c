"""The structural derivative rules as one mapping (historical name): each
array record holds its own ``jvp``/``vjp`` pair (see :mod:`.npprims`); this
is a live view of the records that have one, for :func:`.rules.missing_rules`
and older callers."""
from __future__ import annotations

from collections.abc import Mapping

from .indexing import index_may_repeat  # noqa: F401  (historical home)
from .record import REGISTRY
from .shapecalc import ShapeNeeded  # noqa: F401  (historical home)


class _StructuralRules(Mapping):
    """``name -> record`` for every record with a ``jvp``/``vjp`` pair."""

    def __getitem__(self, name):
        record = REGISTRY[name]
        if not record.structural:
            raise KeyError(name)
        return record

    def __iter__(self):
        return (name for name, record in REGISTRY.items() if record.structural)

    def __len__(self) -> int:
        return sum(1 for _ in self)


ARRAY_RULES = _StructuralRules()
