"""The name allocator's shortcut over busy small suffixes (emit/naming.py
``_small_busy``) gives the names a full scan gives."""
import random

from adcompiler.core.ir import Var
from adcompiler.emit.naming import Namer


class _Live:
    """Last reads by variable name, outside any branch."""

    excluded: list = []

    def __init__(self, last: dict) -> None:
        self.last_at = last

    def live_after(self, v, pos):
        return v is not None and self.last_at.get(v.name, -1) > pos

    def dies_by(self, v, pos):
        return not self.live_after(v, pos)


class _Told(_Live):
    """As _Live, and tells the last read (the shortcut applies)."""

    def last_read(self, v):
        return -1 if v is None else self.last_at.get(v.name, -1)


def _names(live_kind, values, last, reserved):
    namer = Namer(live_kind(last), reserved, set(), array_code=False)
    return [namer.take(v, pos) for pos, v in values]


def test_busy_small_suffixes_are_passed_over_as_a_scan_would():
    rng = random.Random(18)
    for trial in range(40):
        values, last = [], {}
        for pos in range(1, 120):  # most versions live long (a taped loop body), some die early
            v = Var(f"v{pos}", rng.choice(["b", "a", "~b"]))
            values.append((pos, v))
            last[v.name] = pos + rng.choice([1, 3, 8, 200, 200, 200, 500])
        reserved = {"a_2"} if trial % 2 else set()
        assert _names(_Told, values, last, reserved) == _names(_Live, values, last, reserved)


def test_a_small_suffix_freed_later_is_reused():
    vs = [Var(f"v{k}", "b") for k in range(12)]
    last = {v.name: 100 for v in vs}
    last["v3"] = 15  # b_3 (v3's name) is free after position 15
    names = _names(_Told, list(zip(range(1, 12), vs[:11])), last, set())
    later = Namer(_Told(last), set(), set(), array_code=False)
    for pos, v in zip(range(1, 12), vs[:11]):
        later.take(v, pos)
    assert names[3] == "b_3"
    assert later.take(vs[11], 20) == "b_3"


def test_a_released_slot_among_the_small_suffixes_is_seen_free():
    """A claimed slot is passed over by ``take``; its release gives the name
    to the loop's output, which may die soon: the shortcut must look again."""
    def run(kind):
        vs = [Var(f"v{k}", "b") for k in range(12)]
        p, o = Var("p", "b"), Var("o", "b")
        last = {v.name: 200 for v in vs}
        last.update(p=50, o=13)
        namer = Namer(kind(last), set(), set(), array_code=False)
        got = [namer.take(v, pos) for pos, v in enumerate(vs[:10], 1)]  # b, b_1 ... b_9
        namer.claim(["b_2"], (o,), (p,))
        got.append(namer.take(vs[10], 12))
        namer.release(["b_2"], (o,))
        got.append(namer.take(vs[11], 15))
        return got

    assert run(_Told) == run(_Live)
    assert run(_Told)[-1] == "b_2"
