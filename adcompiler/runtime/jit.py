"""``grad(f, jit=True)``: the emitted code compiled to machine code by numba.

The emitted module is plain Python over floats, ``math`` calls, lists used as
tapes and loops: the subset numba's ``njit`` compiles.  Every function of the
module is replaced by its ``njit`` version before any runs (numba resolves
the globals a function calls when it compiles it, so the entry point calls
the compiled callees).  Numba is an optional extra (``pip install
'adcompiler[jit]'``); without it, asking for the JIT is an :class:`AdcError`
saying so.  The code is compiled for the argument types of the first call of
each kind, there and then, so that code numba cannot compile is reported as
an :class:`AdcError` naming the function rather than as numba's traceback.
"""
from __future__ import annotations

import ast
import inspect
import re
import types
import weakref

import numpy as np

from ..errors import AdcError
from . import jittapes

INSTALL = "pip install 'adcompiler[jit]'  (or: pip install numba)"


def numba():
    """The numba module, or an AdcError saying how to install it."""
    try:
        import numba as nb
    except ImportError:
        raise AdcError(f"jit=True compiles the gradient code with numba, which is not "
                       f"installed: {INSTALL}") from None
    _teach_reversed()
    return nb


#: numba's ``reversed`` over a range and over a list or array (the tape):
#: registered here for ``grad(f, jit=True)`` and written into the modules
#: ``adc compile --jit`` emits (emit/jitmodule.py), so both run the same one
REVERSED_FOR_NUMBA = '''
from numba import types as _numba_types
from numba.extending import overload as _numba_overload


@_numba_overload(reversed)
def _numba_reversed(seq):
    """numba has no reversed(): the adjoint loops run backwards over a range or the tape."""
    if isinstance(seq, _numba_types.RangeType):
        def backwards(seq):
            start, step = seq.start, seq.step
            return range(start + (len(seq) - 1) * step, start - step, -step)
        return backwards
    if isinstance(seq, (_numba_types.List, _numba_types.Array)):
        def items(seq):
            for k in range(len(seq) - 1, -1, -1):
                yield seq[k]
        return items
    return None
'''

_TAUGHT: list = []


def _teach_reversed() -> None:
    """Numba has no ``reversed``, which the emitted adjoint loops use (over a
    tape list, or a ``range``): give it one, once."""
    if not _TAUGHT:
        exec(compile(REVERSED_FOR_NUMBA, "<adcompiler numba reversed>", "exec"), {})
        _TAUGHT.append(True)


def load(compiled):
    """The entry function of ``compiled`` (a :class:`~adcompiler.compiler.Compiled`)
    with every function of its module compiled lazily by numba's ``njit``."""
    jitted = _jitted(compiled.load().__globals__, compiled.entry)
    _MODULES[jitted] = (compiled, {})
    return jitted


def _jitted(namespace: dict, entry: str):
    """Every function of the module ``namespace`` replaced by its ``njit``
    version (numba compiles each when first called); the entry's."""
    nb = numba()
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == namespace["__name__"]:
            namespace[name] = nb.njit(cache=False)(value)
    return namespace[entry]


#: numba's entry function -> (its Compiled, {(signature, tapes): the array-tape version})
_MODULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def is_jitted(loaded) -> bool:
    """Whether ``loaded`` is numba's dispatcher (else the emitted Python function)."""
    return hasattr(loaded, "py_func")


def every_value(jitted, args: tuple, kwargs: dict) -> tuple:
    """The positional values of the call ``(args, kwargs)`` of ``jitted``,
    defaults included: numba dispatches a call that leaves a default out
    through a slow path (about 70 µs a call, against 0.4 µs with every value)."""
    call = inspect.signature(jitted.py_func).bind(*args, **kwargs)
    call.apply_defaults()
    return call.args


def defaults_after(jitted, count: int) -> tuple:
    """The default values of ``jitted``'s parameters after its first
    ``count``; None if one of them has none (the call is missing a value)."""
    params = list(inspect.signature(jitted.py_func).parameters.values())[count:]
    if any(p.default is inspect.Parameter.empty for p in params):
        return None
    return tuple(p.default for p in params)


def entry_point(jitted, args: tuple):
    """What a guarded call (api/fused.py) of ``jitted`` with ``args`` runs:
    numba's compiled wrapper of the overload for these types, which skips
    the dispatcher's typing of every argument (about 70 ns a call), where
    every argument given is a float or a bool (the guard's exact types then
    always pick that overload; the values left at their defaults are fixed);
    otherwise ``jitted`` itself, which picks the overload."""
    if not all(type(a) is float or type(a) is bool for a in args):
        return jitted
    nb = numba()
    values = every_value(jitted, args, {})
    found = jitted.overloads.get(tuple(nb.typeof(v) for v in values))
    return jitted if found is None else found.entry_point


def prepare(jitted, name: str, args: tuple, kwargs: dict):
    """Compile ``jitted`` for the types of the call ``(args, kwargs)`` now
    (defaults included); numba's refusal becomes an AdcError naming ``name``.
    The function to run for such calls: the version with its tapes as
    arrays (runtime/jittapes.py) where it has such tapes, else ``jitted``."""
    nb = numba()
    sig = tuple(nb.typeof(a) for a in every_value(jitted, args, kwargs))
    try:
        jitted.compile(sig)
    except Exception as err:  # numba's TypingError, UnsupportedError, ...
        raise AdcError(f"numba cannot compile the gradient code of {name} (jit=True): "
                       f"{_reason(err)}; call the gradient without jit=True") from None
    return _array_tapes(jitted, sig) or jitted


def _array_tapes(jitted, sig: tuple):
    """``jitted`` with the tapes numba types as lists of numbers made arrays,
    compiled for ``sig``; None when it has none (or numba refuses it)."""
    compiled, versions = _MODULES.get(jitted, (None, None))
    if compiled is None:
        return None
    tree = ast.parse(str(compiled.source))
    names = jittapes.tapes(tree, compiled.entry)
    typemap = jitted.overloads[sig].type_annotation.typemap if names else {}
    dtypes = {n: jittapes.dtype_of(typemap.get(n)) for n in names}
    dtypes = {n: d for n, d in dtypes.items() if d is not None}
    if not dtypes:
        return None
    key = (sig, tuple(sorted(dtypes.items())))
    if key not in versions:
        module = jittapes.rewrite(tree, compiled.entry, dtypes)
        filename = f"<adcompiler:{compiled.entry} (numba, array tapes)>"
        namespace = {"__name__": "adcompiler_generated", **(compiled.arrays or {}), "_adc_np": np}
        exec(compile(module, filename, "exec"), namespace)
        fast = _jitted(namespace, compiled.entry)
        try:
            fast.compile(sig)
        except Exception:  # numba refuses the rewrite: the list version runs
            fast = None
        versions[key] = fast
    return versions[key]


def _reason(err: Exception) -> str:
    """The informative line of numba's message, without its terminal colours."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(err).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Failed in ")]
    return lines[0] if lines else type(err).__name__
