"""The measured floors the Targets table gives as reasons where a target is
not met: what calling any Python object costs over the function it forwards
to (the least ``grad()`` can add), what testing an array argument costs
(its type, dtype and shape: what keeps a call with other shapes from running
code specialised to these), what calling a numba function costs
before it does any work, and the time of ``f`` itself compiled by numba
(a gradient runs at least its forward sweep)."""
from __future__ import annotations

import functools
import inspect

from .peers import Unavailable, adcompiler_emitted
from .timing import per_call
from .workloads import WORKLOADS


class _Forward(functools.partial):
    """An instance of a Python class whose call is the function it holds:
    what ``grad(f)`` is, without any test of the call."""


def measure(quick: bool = False) -> dict:
    """``{workload name: {floor: seconds}}`` (nothing with ``quick``)."""
    if quick:
        return {}
    out = {}
    for wl in WORKLOADS:
        args = wl.make_args(False)
        floors = out[wl.name] = {}
        if wl.kind != "scalar":
            floors["array tests"] = _array_tests(args)
            continue
        try:
            emitted, _ = adcompiler_emitted(wl, args)
        except Unavailable:
            continue
        plain = per_call(emitted, args)
        floors["instance"] = max(0.0, per_call(_Forward(emitted), args) - plain)
        if wl.loop:
            floors.update(_numba_floors(wl, args))
    return out


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
    return {"numba call": per_call(nothing, values), "f by numba": per_call(f, values)}


def _array_tests(args: tuple) -> float:
    """Seconds per call of the tests the guarded copy makes of these array
    arguments (``type(a) is ndarray and a.dtype is d and a.shape == s`` for
    each), over a function that makes none."""
    import numpy as np
    names = [f"a{k}" for k in range(len(args))]
    tests = " and ".join(f"type({a}) is nd and {a}.dtype is d{k} and {a}.shape == s{k}"
                         for k, a in enumerate(names))
    scope = {"nd": np.ndarray}
    for k, a in enumerate(args):
        scope[f"d{k}"], scope[f"s{k}"] = a.dtype, a.shape
    exec(f"def tested({', '.join(names)}):\n    return {tests}\n"
         f"def untested({', '.join(names)}):\n    return True\n", scope)
    return max(0.0, per_call(scope["tested"], args) - per_call(scope["untested"], args))
