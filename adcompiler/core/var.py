"""The IR's SSA value, :class:`Var` (re-exported by :mod:`.ir`).

A Var is the commonest object the passes make (some 140 000 while compiling
a 10 000-statement loop body) and the commonest key of their dicts and sets,
so it hashes its name once, and it fills its slots through their descriptors
directly: the frozen dataclass's own ``__init__`` (an ``object.__setattr__``
per field, then ``__post_init__``) took a fifth longer per Var."""
from __future__ import annotations

from dataclasses import field

from .node import node


@node(eq=False)
class Var:
    """An SSA value.  ``name`` is unique in its function and is its identity;
    ``hint`` is the user's name it came from ('' for temporaries), metadata
    used only to choose emitted names."""

    name: str
    hint: str = ""
    _hash: int = field(init=False, repr=False, compare=False)

    def __repr__(self) -> str:  # short, for IR dumps and test failures
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Var) and other.name == self.name

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):  # unpickled, it hashes again: str hashes differ between processes
        return Var, (self.name, self.hint)


_SLOTS = (Var.name.__set__, Var.hint.__set__, Var._hash.__set__)


def _init(self, name: str, hint: str = "") -> None:
    """The dataclass's ``__init__`` (the same arguments), its slots set directly."""
    set_name, set_hint, set_hash = _SLOTS
    set_name(self, name)
    set_hint(self, hint)
    set_hash(self, hash(name))


Var.__init__ = _init
