"""What a grammar hands the checkers."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Program:
    """A generated module defining ``f`` (and helpers), as source text.

    ``points`` are candidate argument tuples, tried in order until ``f`` runs
    and returns a finite value; ``wrt`` the parameter indices differentiated;
    ``features`` the grammar features it uses (see :mod:`.known`);
    ``rebind`` module globals to rebind after a first gradient (a fresh
    gradient must follow the new value)."""

    source: str
    kind: str  # "scalar" or "array"
    points: list
    wrt: tuple
    features: set = field(default_factory=set)
    rebind: dict = field(default_factory=dict)


class Features:
    """The features a generator may use (``allowed``) and those it did."""

    def __init__(self, chooser, allowed=None) -> None:
        self.c = chooser
        self.allowed = allowed  # None: every feature
        self.used: set = set()

    def want(self, name: str, p: float) -> bool:
        """Use feature ``name`` here with probability ``p`` (if allowed)."""
        if self.allowed is not None and name not in self.allowed:
            return False
        if self.c.chance(p):
            self.used.add(name)
            return True
        return False

    def allows(self, name: str) -> bool:
        """Whether feature ``name`` may be used (draws nothing)."""
        return self.allowed is None or name in self.allowed

    def pick(self, options: list) -> str:
        """``options``: (item, feature or None); only allowed ones, simplest first."""
        ok = [item for item, feat in options
              if feat is None or self.allowed is None or feat in self.allowed]
        item = self.c.choice(ok)
        feat = dict(options)[item]
        if feat:
            self.used.add(feat)
        return item
