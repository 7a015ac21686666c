"""The IR's node classes: frozen dataclasses with their fields in __slots__.

Without an instance dict each node is smaller and every pass reads its
fields faster (the passes' commonest step at 10 000 statements).  CPython
3.11's frozen dataclass with slots raises TypeError, not
FrozenInstanceError, for a name that is not a field (its ``__setattr__``
names the class that slots replaced), so the nodes refuse every assignment
and deletion themselves, with FrozenInstanceError as before.
"""
from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass


def node(cls=None, *, eq: bool = True):
    """``@node`` (or ``@node(eq=False)``): ``cls`` as a frozen, slotted dataclass."""
    def make(c):
        c = dataclass(frozen=True, eq=eq, slots=True)(c)
        c.__setattr__, c.__delattr__ = _refuse_set, _refuse_delete
        return c
    return make if cls is None else make(cls)


def _refuse_set(self, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delete(self, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
