"""Where the generators' decisions come from.

Both grammars are written against this small interface so that one program
generator serves two drivers: :class:`SeedChooser` (``random.Random``; fast,
reproducible by seed, used by the long run) and :class:`DataChooser`
(hypothesis ``st.data()``; programs shrink when a CI test fails).  The first
item of every ``choice`` list is the simplest (hypothesis shrinks towards it),
and ``chance`` shrinks towards False, so a failing program loses its optional
features while shrinking.
"""
from __future__ import annotations

import random


class SeedChooser:
    """Decisions from a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def choice(self, items):
        return items[self.rng.randrange(len(items))]

    def randint(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def uniform(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)


class DataChooser:
    """Decisions drawn from hypothesis's ``data`` object."""

    def __init__(self, data) -> None:
        from hypothesis import strategies as st
        self.data, self.st = data, st

    def choice(self, items):
        return self.data.draw(self.st.sampled_from(list(items)))

    def randint(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))

    def chance(self, p: float) -> bool:
        return self.data.draw(self.st.integers(0, 999)) >= 1000 - int(p * 1000)

    def uniform(self, lo: float, hi: float) -> float:
        # three decimals: readable reproducers
        return self.data.draw(self.st.integers(int(lo * 1000), int(hi * 1000))) / 1000
