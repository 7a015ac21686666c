"""``grad(f, has_aux=True)`` and ``value_and_grad(f, has_aux=True)`` (JAX's
convention): ``f`` returns ``(value, aux)``; ``grad`` returns ``(g, aux)``,
``value_and_grad`` returns ``((value, aux), g)``.  The aux is a primal output:
its leaves are computed by the emitted code beside the gradient and never
differentiated (frontend/auxout.py takes the structure apart, reverse.py
passes the leaves through).
"""
from __future__ import annotations

import threading

from ..compiler import compile_grad
from ..errors import AdcError, UsageError
from ..frontend import varargs
from ..frontend.auxout import count, rebuild, split_aux
from ..frontend.source import load_live
from ..arrays.context import split_signature
from ..runtime.realargs import float_gradient
from ..runtime.tracebacks import user_error
from ..transform import checkpointing
from .reverse_grad import _CONTAINERS, Derivative, _call_key, _converted

_LOCK = threading.RLock()
_CACHE: dict = {}  # (fn, wrt, with_value, signature, extra) -> (Compiled, fn, structure)


class AuxDerivative(Derivative):
    """A :class:`Derivative` of a function returning ``(value, aux)``."""

    def _compiled(self, sig=None, extra=None, choose=False):
        """Reverse mode always (``choose``: not auto, see mode_choice.py)."""
        extra = self._extra if extra is None else extra
        key = (self.fn, self._indices, self.with_value, sig, extra, self.checkpoints)
        with _LOCK:
            hit = _CACHE.get(key)
            if hit is None or not hit[0].fresh():
                sf, structure = split_aux(varargs.specialize(load_live(self.fn), extra))
                shapes, dtypes = split_signature(sig)
                with checkpointing.default(self.checkpoints):
                    code = compile_grad(sf, self._indices, self.with_value, shapes, dtypes,
                                        aux=count(structure))
                hit = _CACHE[key] = (code, code.load(), structure)
        self._structure = hit[2]
        return hit[:2]

    def __call__(self, *args, **kwargs):
        if not _CONTAINERS.isdisjoint(map(type, args + tuple(kwargs.values()))):
            raise user_error(UsageError(
                f"has_aux=True takes numbers and arrays as arguments (a dict, list or tuple "
                f"was passed to {self.fn.__name__}); pass arrays"))
        key = _call_key(args, kwargs)
        try:
            entry = self._loaded.get(key)
            if entry is None or not entry[2]():
                entry = self._loaded[key] = self._make_entry(args, kwargs)
            if entry[3] is not None:
                args, kwargs = _converted(entry[3], args, kwargs)
                if entry[1] is None:  # lists became arrays: their shapes choose the code
                    entry = self._loaded[_call_key(args, kwargs)] = \
                        self._make_entry(args, kwargs)
        except AdcError as err:
            raise user_error(err) from None
        self._sig, self._called, self._last = entry[0], True, None
        if self._varargs:
            self._extra = varargs.extra_count(self.fn, len(args))
        flat = entry[1](*args, **kwargs)
        flat = flat if isinstance(flat, tuple) else (flat,)
        n = count(self._structure)
        rest, leaves = flat[:len(flat) - n], flat[len(flat) - n:]
        aux = rebuild(self._structure, leaves)
        grads = tuple(float_gradient(g) for g in (rest[1:] if self.with_value else rest))
        g = grads if self._tuple else grads[0]
        return ((rest[0], aux), g) if self.with_value else (g, aux)

    @property
    def source(self) -> str:
        """The emitted code of the last call (it depends on the call's shapes)."""
        if not self._called:
            raise user_error(UsageError(
                f"call the gradient of {self.fn.__name__} first (has_aux=True): .source then "
                "shows the code of the last call"))
        return self._compiled(self._sig)[0].source

    def __repr__(self) -> str:
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<adcompiler {kind} (has_aux) of {self.fn.__name__} wrt {self.wrt!r}>"
