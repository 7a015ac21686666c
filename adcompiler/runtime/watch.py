"""Is a compiled derivative still the derivative of the function as it is now?

The frontend's :class:`~adcompiler.frontend.source.LiveEnv` records every free name
it resolved (module globals, attributes of user modules, closure cells,
default values) with the object it gave.  A :class:`Watch` over those records
answers ``fresh()`` cheaply on every call of a derivative; when a name now
gives something else, the caller compiles again (docs/conventions.md,
"Globals and closures").
"""
from __future__ import annotations

import operator
from types import MappingProxyType

import numpy as np

from ..frontend.source import _MISSING
from ..core.ir import is_number


class Watch:
    """The free names one compilation resolved through live functions (module
    globals, attributes of user modules, closure cells, default values), with
    the objects they gave.  ``fresh()`` says, cheaply, whether every one still
    gives the same object (or an equal number); a compiled derivative whose
    watch is not fresh is compiled again, so that the gradient always agrees
    with calling the function now.  Numbers are baked into emitted code as
    constants (they fold, and loop bounds and shapes need them), which is
    why a change must recompile rather than merely be read."""

    def __init__(self, envs) -> None:
        merged: dict = {}
        for env in envs:
            for key, (kind, holder, values) in getattr(env, "reads", {}).items():
                entry = merged.setdefault(key, (kind, holder, {}))
                for k, v in values.items():
                    entry[2].setdefault(k, v)
        self.items = [(kind, holder, k, v) for kind, holder, values in merged.values()
                      for k, v in values.items()]
        #: arrays are read live by the emitted code, but their shapes are baked in
        self._array_states = {id(v): (v.shape, v.dtype) for _, _, _, v in self.items
                              if isinstance(v, np.ndarray)}
        self._checks: list = []
        self._build()
        #: ``fresh() -> bool``: does every name still give the same object or an
        #: equal number?  (When not, the caller compiles again.)
        self.fresh = self._make_fresh() if self._checks else _always
        if self._checks:  # api/fastcall.py inlines them: ``fetch(holder) == want`` each
            self.fresh.checks = self._checks

    def _build(self) -> None:
        """The fast check: one ``itemgetter`` per dictionary compared with ``==``
        (identity first, then value), names that must stay undefined checked
        with a set operation, closure cells read directly."""
        groups: dict = {}
        checks = []
        for kind, holder, key, value in self.items:
            if isinstance(value, np.ndarray):  # identity and shape, never ==
                checks.append((_array_same, (holder, key, value, value.shape, value.dtype),
                               True))
            elif kind == "dict" and value is _MISSING:
                groups.setdefault(id(holder), [holder, [], [], set()])[3].add(key)
            elif kind == "dict":
                g = groups.setdefault(id(holder), [holder, [], [], set()])
                g[1].append(key)
                g[2].append(value)
            elif kind == "attr":
                checks.append((operator.attrgetter(key), holder, value))
            else:
                checks.append((_cell_value, holder, value))
        for holder, keys, values, absent in groups.values():
            if keys:
                want = values[0] if len(keys) == 1 else tuple(values)
                checks.append((operator.itemgetter(*keys), holder, want))
            if absent:
                checks.append((_disjoint, (holder.keys(), frozenset(absent)), True))
        self._checks[:] = checks

    def _make_fresh(self):
        """``fresh()``, specialised for the usual case (the names of one module,
        perhaps with builtins that must stay unshadowed): it runs on every call
        of a derivative, so it is one ``itemgetter`` call, one tuple comparison
        and one set operation.  Rebuilt checks keep their structure, so the
        closures below stay valid after :meth:`_recheck`."""
        checks = self._checks
        recheck = self._recheck
        simple = checks and isinstance(checks[0][0], operator.itemgetter) and (
            len(checks) == 1 or (len(checks) == 2 and checks[1][0] is _disjoint))
        if simple and len(checks) == 1:
            fetch, holder, _ = checks[0]

            def fresh_names() -> bool:
                try:
                    if fetch(holder) == checks[0][2]:
                        return True
                except Exception:  # a name deleted, an odd __eq__
                    pass
                return recheck()
            return fresh_names
        if simple:
            fetch, holder, _ = checks[0]
            view, absent = checks[1][1]

            def fresh() -> bool:
                try:
                    if fetch(holder) == checks[0][2] and view.isdisjoint(absent):
                        return True
                except Exception:  # a name deleted, an odd __eq__
                    pass
                return recheck()
            return fresh

        def fresh_all() -> bool:
            try:
                for fetch, holder, want in checks:
                    if not fetch(holder) == want:
                        return recheck()
                return True
            except Exception:
                return recheck()
        return fresh_all

    def _recheck(self) -> bool:
        """Exact comparison; when every name still gives an equivalent value
        (a new float object of the same value), remember the new objects."""
        current = []
        for kind, holder, key, value in self.items:
            now = holder.get(key, _MISSING) if kind == "dict" else \
                getattr(holder, key, _MISSING) if kind == "attr" else _cell_value(holder)
            if not _equivalent(now, value) or (id(now) in self._array_states and
                                               self._array_states[id(now)] !=
                                               (now.shape, now.dtype)):
                return False
            current.append((kind, holder, key, now))
        self.items = current
        self._build()
        return True


def _always() -> bool:
    return True


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _MISSING


def _array_same(state) -> bool:
    """Is the name still bound to the same array, of the same shape and dtype?
    (Its values may change: the emitted code reads it when it runs.)"""
    holder, key, array, shape, dtype = state
    now = holder.get(key) if isinstance(holder, (dict, MappingProxyType)) else _cell_value(holder)
    return now is array and array.shape == shape and array.dtype == dtype


def _disjoint(pair) -> bool:
    return pair[0].isdisjoint(pair[1])


def _equivalent(a, b) -> bool:
    """Would ``a`` compile to the same code as ``b``?  The same object, or a
    number (or tuple of numbers) of the same type and value (nan equals nan)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(map(_equivalent, a, b))
    if is_number(a) or isinstance(a, bool):
        return a == b or (a != a and b != b)
    return False


def watch(program) -> Watch:
    """The :class:`Watch` of every live function a program lowered."""
    rules = getattr(program, "rule_sources", {})  # custom functions' rules
    return Watch(sf.env for sf in list(program.sources.values()) + list(rules.values()))
