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

import inspect
import re
import types

from ..errors import AdcError

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
    nb = numba()
    entry = compiled.load()
    namespace = entry.__globals__
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == namespace["__name__"]:
            namespace[name] = nb.njit(cache=False)(value)
    return namespace[compiled.entry]


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


def prepare(jitted, name: str, args: tuple, kwargs: dict) -> None:
    """Compile ``jitted`` for the types of the call ``(args, kwargs)`` now
    (defaults included); numba's refusal becomes an AdcError naming ``name``."""
    nb = numba()
    try:
        jitted.compile(tuple(nb.typeof(a) for a in every_value(jitted, args, kwargs)))
    except Exception as err:  # numba's TypingError, UnsupportedError, ...
        raise AdcError(f"numba cannot compile the gradient code of {name} (jit=True): "
                       f"{_reason(err)}; call the gradient without jit=True") from None


def _reason(err: Exception) -> str:
    """The informative line of numba's message, without its terminal colours."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(err).splitlines()]
    lines = [line for line in lines if line and not line.startswith("Failed in ")]
    return lines[0] if lines else type(err).__name__
