"""Python names for SSA values: deterministic, register-style.

Every value gets a name derived from the user's name (``w``, ``w_bar``;
temporaries ``_t1``), reusing a name once its previous holder is dead
(:mod:`.liveness`), so a loop-carried ``l`` stays ``l`` and an accumulated
adjoint reads ``w_bar += ...``.  Names the user's code uses are never given
to anything else.

The values carried by a loop or merged after an ``if`` share one *slot*
name; while the statement's blocks are emitted the slot is claimed: only a
value flowing into it may take the name, once the slot's current value is
dead.
"""
from __future__ import annotations

import functools
import keyword
import re

from ..core.ir import Var


class Namer:
    """The names of one function.  ``names``: var -> name; ``holder``: name
    -> the var holding it now; ``pref``: var -> the (slot) name it should
    take; ``slot_prev``: claimed slot -> stack of (value before, output)."""

    def __init__(self, live, reserved: set, globals_: set, array_code: bool) -> None:
        self.live = live  # liveness.Liveness
        self.array_code = array_code
        self.globals = set(globals_)
        self.reserved = (set(reserved) | set(keyword.kwlist) | self.globals
                         | {"math", "np", "range", "reversed"})
        self.names: dict = {}
        self.holder: dict = {}
        self.slot_prev: dict = {}
        self.pref: dict = {}
        self.claimed: set = set()  # outputs of branches and loops (they own their slot)
        self.temp_counter = 0
        self.max_suffix: dict = {}  # base name -> largest numeric suffix given out
        #: base -> (how many small suffixes, position): until that position
        #: each small suffix of base is held by a live value (:meth:`_small_busy`)
        self.busy: dict = {}
        self.busy_names: set = set()  # the small suffixes ``busy`` relies on

    def __getitem__(self, v) -> str:
        return self.names[v]

    # ------------------------------------------------------------ one value
    def dead(self, name: str, pos: int) -> bool:
        return not self.live.live_after(self.holder.get(name), pos)

    def take(self, v: Var, pos: int, avoid: frozenset | set = frozenset()) -> str:
        """A name for ``v`` defined at ``pos``; ``avoid``: names still read
        after the first store of a multi-statement emission."""
        pref = self.pref.get(v)
        if pref in avoid:
            pref = None
        if pref is not None and pref in self.slot_prev:
            if self.slot_free(pref, pos):
                return self.assign(v, pref)
        elif pref is not None and self.dead(pref, pos):  # an array updated in place
            return self.assign(v, pref)
        holder, slots, live_after = self.holder, self.slot_prev, self.live.live_after
        for cand in self.candidates(v, pos):  # (dead() unrolled: a loop asks it of many)
            if cand in avoid:
                continue
            if cand in slots:
                if cand == base_name(v) and self.slot_free(cand, pos):
                    return self.assign(v, cand)
            elif not live_after(holder.get(cand), pos):
                return self.assign(v, cand)
        raise AssertionError("unreachable: candidates are endless")

    def slot_free(self, name: str, pos: int) -> bool:
        """May a value flowing into a claimed slot name take it at ``pos``?
        Only once the slot's current value is dead (for a branch output, the
        value the name held before the ``if``)."""
        prev, out = self.slot_prev[name][-1]
        holder = self.holder.get(name)
        if holder is not None and holder == out:
            holder = prev
        return not self.live.live_after(holder, pos)

    def assign(self, v: Var, name: str) -> str:
        self.names[v] = name
        self._hold(name, v)
        return name

    def _hold(self, name: str, v) -> None:
        """``v`` holds ``name`` now; what :meth:`_small_busy` knew of the
        name's holder no longer stands."""
        self.holder[name] = v
        if name in self.busy_names:
            self.busy.clear()
            self.busy_names.clear()

    def candidates(self, v: Var, pos: int | None = None):
        """The names ``v`` may take, best first.  ``pos`` (from :meth:`take`
        only): the small suffixes are passed over when all are held by live
        values there (:meth:`_small_busy`)."""
        hint = v.hint
        if not hint:
            while True:
                self.temp_counter += 1
                name = f"_t{self.temp_counter}"
                if name not in self.reserved:
                    yield name
        derived = hint.startswith("~")
        base = sanitize(hint.lstrip("~")) or "_t"
        if derived and base in self.reserved:
            base = base + "_"
        if (not derived or base not in self.reserved) and base not in self.globals:
            yield base
        # reuse a small suffix when one is free, but look at a few only: in a
        # long body where every version stays live, scanning them all would
        # make naming quadratic; past them, take a suffix never issued
        top = self.max_suffix.get(base, 0)
        if pos is None or not self._small_busy(base, top, pos):
            for k in range(1, min(top, 8) + 1):
                name = f"{base}_{k}"
                if name not in self.reserved:
                    yield name
        k = top
        while True:
            k += 1
            name = f"{base}_{k}"
            if name not in self.reserved:
                self.max_suffix[base] = k
                yield name

    def _small_busy(self, base: str, top: int, pos: int) -> bool:
        """Would :meth:`take` turn down each small suffix of ``base`` at
        ``pos`` (held by a value read later, or a claimed slot)?  In a loop
        body whose versions all stay live (taped) it asks this of every
        statement: the answer is kept until the earliest of those last reads
        or a change of their holders (:meth:`_hold`).  Only outside a branch
        (inside one, a read in the sibling does not count), and only when
        the liveness tells the last read (a test's stand-in may not)."""
        last_read = getattr(self.live, "last_read", None)
        if last_read is None or last_read(None) is None:
            return False
        top = min(top, 8)
        known = self.busy.get(base)
        if known is not None and known[0] == top and pos < known[1]:
            return True
        holder, slots = self.holder, self.slot_prev
        until, small = None, []
        for k in range(1, top + 1):
            name = f"{base}_{k}"
            if name in self.reserved:
                continue
            small.append(name)
            if name in slots:
                continue  # never taken here, till a release (which changes its holder)
            at = last_read(holder.get(name))
            if at <= pos:
                return False
            until = at if until is None or at < until else until
        if until is None:
            return False
        self.busy[base] = (top, until)
        self.busy_names.update(small)
        return True

    # ------------------------------------------------------------ slots
    def slot_names(self, outs: tuple, inits: tuple, start: int, end: int, inline) -> list:
        """Choose the Python name shared by each carried value or branch
        output of a statement spanning positions ``start..end``."""
        limit = start if inits else end
        names: list = []
        for k, o in enumerate(outs):
            init = inits[k] if inits else None
            name = None
            pref = self.pref.get(o)
            if pref is not None and pref in self.slot_prev and pref not in names \
                    and self.slot_free(pref, limit):
                name = pref
            if name is None and isinstance(init, Var) and init not in inline \
                    and (init.hint == o.hint or not init.hint) \
                    and init in self.names and not self.live.live_after(init, start) \
                    and self.holder.get(self.names[init]) is init \
                    and self.names[init] not in names and self.names[init] not in self.slot_prev:
                name = self.names[init]
            if name is None:
                name = self._free_slot(o, names, limit)
            names.append(name)
        return names

    def _free_slot(self, o: Var, names: list, limit: int) -> str:
        for cand in self.candidates(o):
            if cand in names:
                continue
            if cand in self.slot_prev:
                if (cand == base_name(o) or self._loop_slot_free(cand, limit)) \
                        and self.slot_free(cand, limit):
                    return cand
            elif not self.live.live_after(self.holder.get(cand), limit):
                return cand
        raise AssertionError("unreachable: candidates are endless")

    def _loop_slot_free(self, name: str, limit: int) -> bool:
        """Array code: may a branch output take the name of an enclosing loop's
        carried value whose parameter dies in the branch?  (Lets an adjoint
        array be updated in place through ``if`` inside a loop.)"""
        if not self.array_code:
            return False
        holder = self.holder.get(name)
        return (holder is self.slot_prev[name][-1][0] and holder not in self.claimed
                and self.live.dies_by(holder, limit))

    def claim(self, names: list, outs: tuple, params: tuple = ()) -> None:
        """Reserve slot names while the statement's blocks are emitted.  Inside,
        only a value flowing into the slot may take the name, once the slot's
        current value (the branch's prior value or the loop parameter) is dead."""
        for k, (name, o) in enumerate(zip(names, outs)):
            current = params[k] if params else self.holder.get(name)
            outer = self.slot_prev.get(name)
            if outer and current is not None and current == outer[-1][1]:
                current = outer[-1][0]  # nested in a branch that fills the same name
            self.slot_prev.setdefault(name, []).append((current, o))
            self._hold(name, params[k] if params else o)
            self.claimed.add(o)
            self.names[o] = name
            if params:
                self.names[params[k]] = name

    def release(self, names: list, outs: tuple) -> None:
        for name, o in zip(names, outs):
            stack = self.slot_prev[name]
            stack.pop()
            if not stack:
                del self.slot_prev[name]
            self._hold(name, o)

    def prefer(self, results: tuple, names: list) -> None:
        """Values flowing into slots (a block's results) ask for the slot's name."""
        for n, r in zip(names, results):
            if isinstance(r, Var) and r not in self.names:
                self.pref[r] = n


_NOT_WORD = re.compile(r"\W")


def base_name(v: Var) -> str:
    """The name a value's hint asks for (before any ``_1`` suffix)."""
    return sanitize(v.hint.lstrip("~")) if v.hint else ""


@functools.lru_cache(maxsize=4096)
def sanitize(hint: str) -> str:
    """``hint`` as an identifier (a long function asks for the same few
    hints each time it names a value: remembered)."""
    name = _NOT_WORD.sub("_", hint)
    if not name or name[0].isdigit():
        name = "_" + name
    return name
