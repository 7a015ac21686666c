"""The measured floors the Targets table gives as reasons where a target is
not met: what calling any Python object costs over the function it forwards
to (the least ``grad()`` can add), what the guarded copy ``grad(f)`` runs
costs over the emitted function (its tests), what testing an array argument costs
(its type, dtype and shape: what keeps a call with other shapes from running
code specialised to these), what calling a numba function costs
before it does any work, and the time of ``f`` itself compiled by numba
(a gradient runs at least its forward sweep).

Each floor is compared with cells of its workload's row, so its callables
are extra columns of that row (:func:`columns`), timed interleaved with the
row's cells (bench/timing.py); :func:`from_times` turns the row's times into
the floors."""
from __future__ import annotations

import functools
import inspect

EMITTED = "adcompiler"  # the row's column of the emitted gradient
WRAPPED = "adcompiler grad()"  # the row's column of grad(f): its guarded copy is a floor
FORWARD = "floor: forwarding instance"
GUARDED = "floor: guarded copy"
TESTED, UNTESTED = "floor: array tests", "floor: no array tests"
NOTHING, NUMBA_F = "floor: numba call", "floor: f by numba"


class _Forward(functools.partial):
    """An instance of a Python class whose call is the function it holds:
    what ``grad(f)`` is, without any test of the call."""


def columns(wl, args: tuple, row_columns: dict) -> dict:
    """``{name: (call, args)}``: the floors' callables for workload ``wl``,
    given the row's own columns (the emitted gradient, when it compiled)."""
    out = _guarded(row_columns)
    if wl.kind != "scalar":
        return {**out, **_array_tests(args)}
    if EMITTED not in row_columns:
        return out
    emitted, emitted_args = row_columns[EMITTED]
    out[FORWARD] = (_Forward(emitted), emitted_args)
    if wl.loop:
        out.update(_numba_floors(wl, args))
    return out


def _guarded(row_columns: dict) -> dict:
    """The function ``grad(f)`` calls once its fast path is installed (the
    emitted code with the guard's tests in front, api/fused.py), called
    directly: against the emitted function it measures the guard, against
    ``grad(f)`` the call of the instance."""
    if WRAPPED not in row_columns or EMITTED not in row_columns:
        return {}
    wrapped, wrapped_args = row_columns[WRAPPED]
    inner = getattr(wrapped, "func", None)
    if not isinstance(wrapped, functools.partial) or wrapped.args or wrapped.keywords \
            or not callable(inner):
        return {}
    return {GUARDED: (inner, wrapped_args)}


def from_times(times: dict) -> dict:
    """The floors (seconds) from a row's interleaved times (its cells and
    the columns :func:`columns` added)."""
    out = {}
    if FORWARD in times:
        out["instance"] = max(0.0, times[FORWARD] - times[EMITTED])
    if GUARDED in times:
        out["guard"] = max(0.0, times[GUARDED] - times[EMITTED])
    if TESTED in times:
        out["array tests"] = max(0.0, times[TESTED] - times[UNTESTED])
    if NOTHING in times:
        out["numba call"], out["f by numba"] = times[NOTHING], times[NUMBA_F]
    return out


def measure(rows: list) -> dict:
    """``{workload name: {floor: seconds}}`` from the rows of the gradient
    table (empty for rows not timed, as with ``--quick``)."""
    return {r.name: dict(r.floors) for r in rows}


def _numba_floors(wl, args) -> dict:
    try:
        import numba
    except ImportError:
        return {}
    values = inspect.signature(wl.f).bind(*args)
    values.apply_defaults()  # numba's call with a default left out is its slow path
    values = tuple(values.args)
    names = ", ".join(f"a{k}" for k in range(len(values)))
    scope: dict = {}
    exec(f"def nothing({names}):\n    return 0.0\n", scope)
    nothing = numba.njit(scope["nothing"])
    f = numba.njit(wl.f)
    try:
        f(*values)
        nothing(*values)
    except Exception:  # numba cannot compile f: no floor from it
        return {}
    return {NOTHING: (nothing, values), NUMBA_F: (f, values)}


def _array_tests(args: tuple) -> dict:
    """A function making the tests the guarded copy makes of these array
    arguments (``type(a) is ndarray and a.dtype is d and a.shape == s`` for
    each), and one making none: the floor is the difference."""
    import numpy as np
    names = [f"a{k}" for k in range(len(args))]
    tests = " and ".join(f"type({a}) is nd and {a}.dtype is d{k} and {a}.shape == s{k}"
                         for k, a in enumerate(names))
    scope = {"nd": np.ndarray}
    for k, a in enumerate(args):
        scope[f"d{k}"], scope[f"s{k}"] = a.dtype, a.shape
    exec(f"def tested({', '.join(names)}):\n    return {tests}\n"
         f"def untested({', '.join(names)}):\n    return True\n", scope)
    return {TESTED: (scope["tested"], args), UNTESTED: (scope["untested"], args)}
