"""The callables the forward-mode and composed transforms return: each is
backed by a module of emitted code, built on first use and again when the
function it came from has changed; :func:`cached` makes one per request."""
from __future__ import annotations

import functools
import threading

from ..errors import AdcError, UsageError
from ..frontend.source import load_live
from ..runtime.deep import deep
from ..runtime.realargs import as_real
from ..runtime.tracebacks import user_facing
from ..transform import composite
from .arguments import name_of, scalars_only, signature_of, wrt_indices
from .reverse_grad import Derivative

LOCK = threading.RLock()
MODES = ("forward", "reverse")


class Emitted:
    """A callable backed by emitted code.  ``.source`` is the module text,
    ``.ir`` the :class:`composite.IRModule`; ``build()`` makes the module and
    ``shape(result)`` turns the entry's flat results into what users expect."""

    def __init__(self, build, shape, like, kind: str, name: str = "", real: tuple = (),
                 arrays=None) -> None:
        self.arrays = arrays  # forward_arrays.ArrayRoute: calls with arrays, or None
        self._real = real  # positions of differentiated arguments, made real (realargs.py)
        self._build = build
        self._shape = shape
        self._kind = kind
        self._done = None
        self.__name__ = name or f"{name_of(like)}_{kind.replace(' ', '_')}"
        self.__signature__ = signature_of(like)

    def _get(self):
        done = self._done
        if done is not None and done[1].fresh():
            return done
        with LOCK:  # first use, or a global / closure / helper changed since
            if self._done is None or not self._done[1].fresh():
                self._done = _build_and_load(self._build)
        return self._done

    @property
    def ir(self) -> composite.IRModule:
        return self._get()[0]

    def emitted_function(self):
        """The emitted entry function itself, without the result shaping."""
        return self._get()[2]

    @property
    @user_facing
    def source(self) -> str:
        if self.arrays is not None and self.arrays.used():
            return self.arrays.source()
        return self._get()[1].source

    @user_facing
    def __call__(self, *args, **kwargs):
        if kwargs:  # by name, as the user's function takes them (TypeError as Python's)
            bound = self.__signature__.bind(*args, **kwargs)
            bound.apply_defaults()  # so a differentiated argument has its position
            args, kwargs = bound.args, bound.kwargs
        if self.arrays is not None and not kwargs and self.arrays.wants(args):
            return self.arrays(args)  # array code: compiled per shapes (forward_arrays.py)
        scalars_only(args + tuple(kwargs.values()),
                     self._kind if hasattr(self, "_kind") else "this transform")
        if self._real:
            args = tuple(as_real(a, f"#{k + 1}") if k in self._real else a
                         for k, a in enumerate(args))
        return self._shape(self._get()[2](*args, **kwargs))

    def __repr__(self) -> str:
        return f"<adcompiler {self._kind}>"


@deep
def _build_and_load(build) -> tuple:
    mod = build()
    code = mod.compiled()
    return mod, code, code.load()


class Callable:
    """An :class:`Emitted` with a different calling convention."""

    def __init__(self, emitted: Emitted, call) -> None:
        self.emitted = emitted
        self._call = call
        self.__name__ = emitted.__name__

    source = property(lambda self: self.emitted.source)
    ir = property(lambda self: self.emitted.ir)

    @user_facing
    def __call__(self, *args, **kwargs):
        """Positional values as the convention says; keyword arguments name the
        user's parameters that are not given by position (``g(x, t, n=5)``)."""
        scalars_only(args + tuple(kwargs.values()), "this transform")
        return self._call(*args, **kwargs)


@functools.lru_cache(maxsize=None)
def cached(make, fn, *key):
    """``make(fn, *key)``, made once: a transform's result is shared by every
    request for it (the emitted code is compiled on its first call)."""
    return make(fn, *key)


def is_emitted(fn) -> bool:
    """Is ``fn`` a compiled derivative (whose emitted code is transformed further)?"""
    return isinstance(fn, (Derivative, Emitted))


def module_of(fn) -> composite.IRModule:
    """The IR of a user function, or of the code a transform emitted."""
    if isinstance(fn, Emitted):
        return fn.ir
    if isinstance(fn, Derivative):
        return composite.reverse(load_live(fn.fn), wrt_indices(fn.fn, fn.wrt), fn.with_value)
    if not callable(fn):
        raise UsageError(f"{fn!r} is not a function")
    return composite.primal(load_live(fn))


def check_mode(mode, fn) -> str:
    """The mode a transform of ``fn`` runs in: reverse unless asked, forward
    over emitted derivative code (reverse over reverse is refused)."""
    if mode is not None and mode not in MODES:
        raise UsageError(f"mode must be 'forward' or 'reverse', not {mode!r}")
    if is_emitted(fn):
        if mode == "reverse":
            raise AdcError("reverse mode over emitted derivative code (reverse over reverse) "
                           "is not supported; use mode='forward' (forward over reverse), "
                           "or hessian()/hvp()")
        return "forward"
    return mode or "reverse"
