"""Reverse-mode gradients, the API's main path: :class:`Derivative` is what
``grad(f)`` returns.  Compilation happens on first use (so helpers defined
later in a module are found), once per (function, wrt, argument shapes),
under a lock so threads share one result, and again when a global, closure
cell or helper it was compiled with has changed.
"""
from __future__ import annotations

import functools
import inspect
import threading

import numpy as np

from ..arrays.context import signature, split_signature, uses_array_operations
from ..compiler import Compiled, compile_grad
from ..errors import AdcError, UsageError
from ..frontend.source import load_live
from ..runtime.realargs import as_real, float_gradient, needs_conversion, refuse_complex
from ..runtime.tracebacks import user_error, user_facing
from .arguments import wrt_indices
from ..frontend import varargs
from ..transform import checkpointing
from . import array_api, pytree_grad
from ..emit import backend
from .fastcall import dispatcher
from . import fused, mode_choice
from ..runtime import jit as jitting
from ..runtime.watch import _always as _fresh_always

_CACHE: dict = {}
_LOCK = threading.RLock()


def compiled(fn, wrt=0, with_value: bool = False, sig=None, choose: bool = False) -> Compiled:
    """The compiled derivative of ``fn`` (cached) for argument shapes ``sig``
    (see :func:`adcompiler.arrays.context.signature`; None: all scalars):
    the reverse code, or with ``choose`` the code ``grad(f)`` runs for float
    arguments (forward mode where mode_choice.py takes it)."""
    if not callable(fn):
        raise UsageError(f"{fn!r} is not a function")
    indices = wrt_indices(fn, wrt)
    choose = choose and len(indices) == 1 and sig is None
    return _entry(fn, indices, with_value, sig, choose=choose)[0]


def _entry(fn, indices: tuple, with_value: bool, sig, extra: int = 0,
           checkpoints=None, jit: bool = False, choose: bool = False) -> tuple:
    """``(Compiled, loaded function)``, compiled again when a global, closure
    cell or helper it was compiled with has changed since (``Compiled.fresh``).
    ``extra``: how many values a call passes to ``*args`` (varargs.py);
    ``checkpoints``: see transform/checkpointing.py; ``jit``: the function
    loaded is numba's (runtime/jit.py); ``choose``: the call may run forward
    mode instead where that is cheaper (mode_choice.py)."""
    key = (fn, indices, with_value, sig, extra, checkpoints, jit, backend.current(), choose)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is None or not hit[0].fresh():
            shapes, dtypes = split_signature(sig)
            sf = varargs.specialize(load_live(fn), extra)
            with checkpointing.default(checkpoints):
                result = compile_grad(sf, indices, with_value, shapes, dtypes)
            if choose:
                result = mode_choice.forward_instead(sf, indices[0], with_value, result, jit)
            hit = (result, jitting.load(result) if jit else result.load())
            _CACHE[key] = hit
    return hit


_ndarray = np.ndarray
_PLAIN = array_api.PLAIN
_CONTAINERS = frozenset((dict, list, tuple))


def _call_key(args: tuple, kwargs: dict) -> tuple:
    """A cheap key that determines :func:`adcompiler.arrays.context.signature` of a call."""
    def one(a):
        if isinstance(a, np.ndarray):
            return (a.shape, a.dtype.char)
        if array_api.is_foreign(a):  # compiled per library and shapes (array_api.py)
            return array_api.key_of(a)
        return type(a)
    key = tuple(one(a) for a in args)
    if kwargs:
        key += tuple((k, one(v)) for k, v in sorted(kwargs.items()))
    return key


def _converted(plan, args: tuple, kwargs: dict) -> tuple:
    """``(args, kwargs)`` with the arguments named by ``plan`` made real."""
    if plan is None:
        return args, kwargs
    positions, keywords = plan
    if positions:
        args = list(args)
        for i, name in positions:
            args[i] = as_real(args[i], name)
        args = tuple(args)
    if keywords:
        kwargs = dict(kwargs)
        for name, default in keywords.items():
            kwargs[name] = as_real(kwargs.get(name, default), name)
    return args, kwargs


def _not_an_array(fn, args: tuple, kwargs: dict) -> UsageError:
    """The error for a differentiated list or tuple that NumPy cannot make an
    array of numbers (ragged, like ``[[1.0], [2.0, 3.0]]``, or not numbers)."""
    names = list(inspect.signature(fn).parameters)
    named = list(zip(names, args)) + list(kwargs.items())
    bad = [n for n, v in named if isinstance(v, (list, tuple))]
    return UsageError(f"argument {bad[0] if bad else '?'} of {fn.__name__} is a list or tuple "
                      "that is not an array of numbers (a ragged nested sequence, or items "
                      "that are not numbers); pass equal-length rows of numbers, or a NumPy array")


def _always() -> bool:
    return True


def _same(before: tuple, now: tuple) -> bool:
    """Are the watched names' objects the ones a fast path was made with?"""
    return len(before) == len(now) and all(a is b for a, b in zip(before, now))


class Derivative(functools.partial):
    """A compiled derivative that behaves like a function; ``.source`` shows it.

    A call runs the function this object holds as a :class:`functools.partial`
    (C code, no Python frame of its own): the general call :meth:`_general`,
    or what :meth:`_install` made for the kind of the last call (the guarded
    copy of the emitted function, api/fused.py, or a dispatcher,
    api/fastcall.py).  A subclass defining ``__call__`` runs that instead."""

    def __new__(cls, fn, *args, **kwargs):
        return super().__new__(cls, _always)  # the function held: see _use

    def __init__(self, fn, wrt, with_value: bool, checkpoints=None, jit: bool = False,
                 auto: bool = False) -> None:
        if jit:
            jitting.numba()  # installed? (else the error saying how)
        self.jit = jit
        self.auto = auto  # no mode given: forward mode where cheaper (mode_choice.py)
        self.fn = fn
        self.checkpoints = checkpointing.check_count(checkpoints)
        self.wrt = wrt
        self.with_value = with_value
        self._tuple = isinstance(wrt, (tuple, list))
        self._sig = None  # argument shapes of the last call (.source shows that version)
        self._extra = 0  # how many values the last call passed to *args
        self._varargs = varargs.has_varargs(fn)
        self._called = False
        self._loaded: dict = {}  # _call_key -> (signature, function, fresh check, plan)
        # the emitted function's result is already what the caller gets
        self._plain = not with_value and (not self._tuple or len(wrt) > 1)
        self._indices = wrt_indices(fn, wrt)  # fail early on a bad wrt
        self._params = list(inspect.signature(fn).parameters)
        self._floats = (float,) * len(self._indices)  # types of an all-float result
        self._trees: dict = {}  # calls with structures (pytree_grad.py): key -> (code, fn)
        self._last = None  # the Compiled of the last call with structures, if it was one
        self._backend = backend.NUMPY  # the emission backend of the last call (array_api.py)
        self._dispatchers: dict = {}  # _call_key -> (entry, names' objects, fast path)
        # may the code for the last call's kind be forward mode (before a call: scalars)
        self._choose = mode_choice.may_choose(self, None, (), {})
        functools.update_wrapper(self, fn)
        self._use(self._general)

    def __reduce__(self):
        """Copies and pickles are new derivatives of the same function (not
        partial's reduction, whose function is this object's own call)."""
        return type(self), (self.fn, self.wrt, self.with_value, self.checkpoints, self.jit,
                            self.auto)

    def _use(self, call) -> None:
        """Make ``call`` what calls of this object run (partial's state: the
        function, no bound arguments, this object's attributes kept)."""
        self._call = call
        functools.partial.__setstate__(self, (call, (), None, self.__dict__))

    def _compiled(self, sig=None, extra=None, choose=None):
        extra = self._extra if extra is None else extra
        choose = self._choose if choose is None else choose
        with backend.using(self._backend):
            return _entry(self.fn, self._indices, self.with_value, sig, extra, self.checkpoints,
                          self.jit, choose)

    @property
    @user_facing
    def source(self) -> str:
        """The emitted code for the argument shapes of the last call.  Before
        the first call it is the scalar code, shown only for a function
        without array operations: array code depends on the shapes (the API
        compiles one version per shape), so it is refused with a pointer to
        ``adcompiler.source(f, args=...)``."""
        if not self._called and self._varargs:
            raise UsageError(
                f"the gradient code of {self.fn.__name__} depends on how many values a call "
                "passes to its *args: call the gradient first (.source then shows the code "
                "for the last call), or use adcompiler.source(f, args=(...))")
        if not self._called and uses_array_operations(load_live(self.fn)):
            name = self.fn.__name__
            raise UsageError(
                f"the gradient code of {name} depends on the shapes of its arguments (it uses "
                f"array operations): call the gradient first (.source then shows the code "
                f"for the last call), or use adcompiler.source({name}, args=(...)) with "
                "example arguments")
        if self._last is not None:
            return self._last.source
        return self._compiled(self._sig)[0].source

    def source_for(self, args) -> str:
        """The emitted code run for a call with the positional ``args``."""
        if args is None:
            return self.source
        args = tuple(args)
        if any(type(a) in _CONTAINERS for a in args):
            try:
                if pytree_grad.call(self, args, {}, run=False) is not None:
                    return self._last.source
            except AdcError as err:
                raise user_error(err) from None
        plan = self._plan(args, {})
        extra = varargs.extra_count(self.fn, len(args)) if self._varargs else 0
        real = _converted(plan, args, {})
        self._backend = array_api.backend_of(*real)
        sig = signature(self.fn, *array_api.stand_ins(*real))
        return self._compiled(sig, extra, mode_choice.may_choose(self, sig, *real))[0].source

    def __call__(self, *args, **kwargs):
        """The general call: find (or compile) the code for this kind of
        arguments, run it, and install the fast path for calls like it."""
        key = tuple(map(type, args))  # enough for scalars: the common, cheap case
        if not _CONTAINERS.isdisjoint(key) or kwargs and not _CONTAINERS.isdisjoint(
                map(type, kwargs.values())):
            self._use(self._general)  # .source now shows this call's code
            try:  # a dict, list or tuple: a structure of parameters (pytree_grad.py)?
                result = pytree_grad.call(self, args, kwargs)
            except AdcError as err:
                raise user_error(err) from None
            if result is not None:
                self._called = True
                return result
        self._last = None
        foreign = not _PLAIN.issuperset(key)  # maybe another library's arrays (array_api.py)
        if kwargs or _ndarray in key or foreign:
            key = _call_key(args, kwargs)
        entry = self._loaded.get(key)
        try:  # compile for this kind of arguments (convert them: realargs.py)
            if entry is None or not entry[2]():  # entry[2]: still the function's now?
                entry = self._loaded[key] = self._make_entry(args, kwargs)
            if entry[3] is not None:
                args, kwargs = _converted(entry[3], args, kwargs)
                if entry[1] is None:  # lists became arrays: their shapes choose the code
                    key = _call_key(args, kwargs)
                    entry = self._loaded.get(key)
                    if entry is None or not entry[2]():
                        entry = self._loaded[key] = self._make_entry(args, kwargs)
                    if entry[1] is None:  # still a list: not an array of numbers
                        raise _not_an_array(self.fn, args, kwargs)
        except AdcError as err:  # the user's call, then the message
            raise user_error(err) from None
        self._sig, self._choose = entry[0], entry[5]
        if foreign or kwargs or self._backend is not backend.NUMPY:
            self._backend = array_api.backend_of(args, kwargs)  # .source shows this call's
        if self._varargs:
            self._extra = varargs.extra_count(self.fn, len(args))
        self._called = True
        self._install(key, entry, args, kwargs)
        if jitting.is_jitted(entry[1]):  # numba is slow with omitted defaults: every value
            return self._finish(entry[1](*jitting.every_value(entry[1], args, kwargs)))
        return self._finish(entry[1](*args, **kwargs))

    #: (named ``__call__`` in tracebacks, but not the class's ``__call__``:
    #: partial's C call runs the function held, see _use)
    _general = __call__
    del __call__

    def _install(self, key, entry: tuple, args: tuple, kwargs: dict) -> None:
        """Make the next calls of the kind of this one (``key``, ``entry``)
        take the fast path; calls with keywords or converted arguments keep
        the general one."""
        jitted = jitting.is_jitted(entry[1])
        tail = jitting.defaults_after(entry[1], len(args)) if jitted else ()
        # (another library's arrays: the fast path checks NumPy shapes only)
        if kwargs or entry[3] is not None or tail is None or self._backend is not backend.NUMPY:
            self._use(self._general)
            return
        watch = entry[4].watch if len(entry) > 4 else None
        items = fused.watched(watch, self.fn, len(args) == len(self._params))
        now = fused.snapshot(items)
        made = self._dispatchers.get(key)
        if made is None or made[0] is not entry or not _same(made[1], now):
            made = self._dispatchers[key] = (entry, now,
                                             self._fast(entry, args, tail, items, now))
        self._use(made[2])

    def _fast(self, entry: tuple, args: tuple, tail: tuple, items: tuple, now: tuple):
        """The fast path for calls like ``args``: the guarded copy of the
        emitted function (fused.py; with the JIT, a guard calling numba's
        compiled function) where it can be made, else a dispatcher
        (fastcall.py: ``*args``, renamed parameters, keyword-only ones with
        the JIT)."""
        results = None if not self._plain else len(self._indices) if self._tuple else 0
        jitted = jitting.is_jitted(entry[1])
        emitted = entry[1].py_func if jitted else entry[1]
        if len(entry) > 4 and fused.supported(emitted, self._params):
            target = jitting.entry_point(entry[1], args) if jitted else None
            fast = fused.guarded(emitted, str(entry[4].source), args, entry[4].watch, items,
                                 now, results, self._finish, self._general, user_error,
                                 AdcError, target)
            if fast is not None:
                return fast
        fresh = None if entry[2] is _fresh_always or entry[2] is _always else entry[2]
        return dispatcher(entry[1], fresh, self._finish, self._general, args, results, tail)

    def _finish(self, result):
        """The emitted function's ``result`` as the caller gets it."""
        if self._plain:
            if type(result) is float or (type(result) is _ndarray and result.dtype.kind == "f"):
                return result
            if not self._tuple:
                return float_gradient(result)
            if tuple(map(type, result)) == self._floats:  # the usual case, as it is
                return result
            return tuple(map(float_gradient, result))
        if self.with_value:
            value, *grads = result
            grads = [float_gradient(g) for g in grads]
            return value, (tuple(grads) if self._tuple else grads[0])
        if not isinstance(result, tuple):
            return (float_gradient(result),)
        return tuple(map(float_gradient, result))

    def _make_entry(self, args: tuple, kwargs: dict) -> tuple:
        """``(signature, compiled function, freshness check, plan)`` for calls
        like this one.  A plan converting lists or tuples (whose length the
        key does not hold) leaves the function None: the converted call looks
        up again."""
        plan = self._plan(args, kwargs)
        real_args, real_kwargs = _converted(plan, args, kwargs)
        if plan is not None and any(isinstance(v, (list, tuple)) for v in
                                    args + tuple(kwargs.values())):
            return None, None, _always, plan, None, False
        self._backend = array_api.backend_of(real_args, real_kwargs)
        sig = signature(self.fn, *array_api.stand_ins(real_args, real_kwargs))
        extra = varargs.extra_count(self.fn, len(args)) if self._varargs else 0
        choose = mode_choice.may_choose(self, sig, real_args, real_kwargs)
        code, loaded = self._compiled(sig, extra, choose)
        if self._backend != backend.NUMPY:  # what the caller's library lacks: refused
            array_api.check_library(code.source, real_args, real_kwargs)
        if self.jit and not self._integer_wrt(real_args, real_kwargs):
            loaded = jitting.prepare(loaded, self.fn.__name__, real_args, real_kwargs)
        elif self.jit:  # numba's int64 wraps around where Python's integers grow:
            loaded = code.load()  # a differentiated integer runs the Python code
        return sig, loaded, code.fresh_check(), plan, code, choose

    def _integer_wrt(self, args: tuple, kwargs: dict) -> bool:
        """Whether a differentiated argument of this call is an integer or a
        boolean number (with jit=True it runs the emitted Python code:
        numba computes such values in int64, which wraps around)."""
        names = list(inspect.signature(self.fn).parameters)
        values = [args[i] if i < len(args) else kwargs.get(names[i]) for i in self._indices]
        return any(isinstance(v, (int, np.integer, np.bool_)) and not isinstance(v, float)
                   for v in values)

    def _plan(self, args: tuple, kwargs: dict):
        """Which arguments of calls with these types are converted to floats
        (differentiated integers, booleans, lists: see realargs.py); refuses
        complex arguments.  None: nothing to convert."""
        params = inspect.signature(self.fn).parameters
        names = list(params)
        refuse_complex(names, args)
        refuse_complex(kwargs, kwargs.values())
        wrt = self._indices
        positions = tuple((i, names[i]) for i in wrt
                          if i < len(args) and needs_conversion(args[i]))
        keywords = {names[i]: kwargs[names[i]] for i in wrt if names[i] in kwargs
                    and needs_conversion(kwargs[names[i]])}
        for i in wrt:  # a differentiated parameter left at an integer default
            p = params[names[i]]
            if i >= len(args) and names[i] not in kwargs and needs_conversion(p.default) \
                    and p.default is not inspect.Parameter.empty:
                keywords[names[i]] = p.default
        if not positions and not keywords:
            return None
        return positions, keywords

    def __repr__(self) -> str:
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<adcompiler {kind} of {self.fn.__name__} wrt {self.wrt!r}>"
