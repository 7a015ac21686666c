"""``grad``, ``value_and_grad`` and ``source``: gradients in reverse mode
(:class:`Derivative`, the default; it runs forward code where that is the
cheaper mode, mode_choice.py) or forward mode (an :class:`Emitted` forward
gradient), and the code either emits."""
from __future__ import annotations

from ..errors import AdcError, UsageError
from ..runtime.realargs import float_gradient
from ..transform import composite
from . import forward_arrays, forward_pytrees
from .arguments import WRT0, as_tuple, name_of, pick_wrt, wrt_indices
from .aux import AuxDerivative
from .forward_aux import ForwardAux
from .reverse_grad import Derivative
from ..frontend import varargs
from ..frontend.source import load_live
from .emitted import Emitted, check_mode, is_emitted, module_of


class ByCount:
    """A forward transform of ``def f(x, *args)``: one emitted module per
    number of values the calls pass to ``*args`` (varargs.py)."""

    def __init__(self, make, fn) -> None:
        self._make = make
        self._fn = fn
        self._made: dict = {}
        self._last = None
        self.__name__ = name_of(fn)

    def __call__(self, *args, **kwargs):
        extra = varargs.extra_count(self._fn, len(args))
        made = self._made.get(extra)
        if made is None:
            made = self._made[extra] = self._make(extra)
        self._last = made
        return made(*args, **kwargs)

    @property
    def source(self) -> str:
        """The emitted code of the last call (its number of ``*args`` values)."""
        if self._last is None:
            raise UsageError(f"the code of {self.__name__} depends on how many values a call "
                             "passes to its *args: call it first, then read .source")
        return self._last.source


def grad(fn=None, wrt=WRT0, mode=None, *, argnums=None, has_aux=False, checkpoints=None,
         jit=False):
    """``grad(f)``, ``@grad`` or ``@grad(wrt=..., mode=...)``: a function that
    computes the gradient of ``f``, compiled from ``f``'s source into readable
    Python (see ``.source``).  Both modes give the same numbers; forward mode
    costs one pass per input (per element of an array argument).  With no
    ``mode``, a call differentiating one float (other arguments scalars)
    of a function whose reverse code would store a loop or a recursion to
    run it back runs forward mode instead (one sweep, no tape; ``.source``
    says so).  On a compiled derivative, forward mode is used (forward over
    reverse).

    Parameters:
        fn: the function to differentiate (its source is read, never run); omit
            it to get a decorator.
        wrt: the parameter to differentiate with respect to: an index or a name,
            or a tuple of them (then a tuple of gradients is returned).  A
            parameter may be a dict, list or tuple (nested) of arrays and
            numbers, read with literal keys (``params["W"]``): its gradient
            has the same structure (both modes; jvp, vjp, hvp, hessian and
            jacobian take structures too).
        mode: ``"reverse"`` or ``"forward"``; not given: reverse mode, or
            forward mode where it is cheaper (one scalar input, a loop).
        argnums: JAX's name for ``wrt`` (give one of them).
        jit: compile the emitted code with numba (the code the call runs,
            scalar and loop code; ``pip install 'adcompiler[jit]'``).
        has_aux: ``f`` returns ``(value, aux)``; the callable returns
            ``(gradient, aux)`` in either mode (aux: numbers, arrays,
            strings, None, and dict, tuple or list displays of them,
            returned as computed, not differentiated; see frontend/auxout.py).
        checkpoints: reverse mode: keep at most this many states of each
            outermost ``for`` loop over ``range`` instead of a tape entry per
            iteration, recomputing the rest (binomial checkpointing; the
            gradient is bit-for-bit the same; docs/checkpointing.md).

    Returns:
        A callable with ``f``'s parameters returning the gradient (a number, an
        array like the argument, a structure like a dict or list argument, or
        a tuple for a tuple ``wrt``); ``.source`` is the emitted code.  Bad input raises :class:`CompileError` at the first
        call, naming the file, line and construct.

    Example:
        >>> from math import sin
        >>> def f(w, x=2.0):
        ...     return x * w * sin(w)
        >>> adcompiler.grad(f)(1.0)
        2.7635465813520725
        >>> adcompiler.grad(f, wrt=("w", "x"))(1.0, 3.0)
        (4.145319872028109, 0.8414709848078965)
        >>> def fit(w):
        ...     r = 2.0 * w - 1.0
        ...     return r * r, {"residual": r}
        >>> adcompiler.grad(fit, has_aux=True)(1.0)
        (4.0, {'residual': 1.0})
    """
    if fn is None:
        return lambda f: grad(f, wrt, mode, argnums=argnums, has_aux=has_aux,
                              checkpoints=checkpoints, jit=jit)
    return _grad(fn, pick_wrt(wrt, argnums), mode, False, has_aux, checkpoints, jit)


def value_and_grad(fn=None, wrt=WRT0, mode=None, *, argnums=None, has_aux=False,
                   checkpoints=None, jit=False):
    """Like :func:`grad`, but the compiled function returns ``(f(*args),
    gradient)`` from one pass.

    Parameters:
        fn: the function (omit it to get a decorator).
        wrt: an index or name, or a tuple of them, as in :func:`grad`.
        mode: as in :func:`grad` (not given: forward mode where cheaper; its
            sweep gives the value too).
        argnums: JAX's name for ``wrt`` (give one of them).
        has_aux: ``f`` returns ``(value, aux)``; the callable returns
            ``((value, aux), gradient)``.
        checkpoints: as in :func:`grad`.
        jit: compile the emitted code with numba, as in :func:`grad`.

    Returns:
        A callable returning ``(value, gradient)``; ``.source`` is the emitted code.

    Example:
        >>> from math import sin
        >>> def f(w, x=2.0):
        ...     return x * w * sin(w)
        >>> adcompiler.value_and_grad(f)(1.0)
        (1.682941969615793, 2.7635465813520725)
    """
    if fn is None:
        return lambda f: value_and_grad(f, wrt, mode, argnums=argnums, has_aux=has_aux,
                                        checkpoints=checkpoints, jit=jit)
    return _grad(fn, pick_wrt(wrt, argnums), mode, True, has_aux, checkpoints, jit)


def _grad(fn, wrt, mode, with_value: bool, has_aux: bool = False, checkpoints=None,
          jit: bool = False):
    given, mode = mode, check_mode(mode, fn)
    if jit and (mode != "reverse" or has_aux or is_emitted(fn)):
        raise UsageError("jit=True is supported in reverse mode on a function's source "
                         "only (not with mode='forward', has_aux=True or on compiled "
                         "derivatives)")
    if checkpoints is not None and mode != "reverse":
        raise UsageError("checkpoints=... bounds the tape of reverse mode; forward mode "
                         "keeps no tape (drop mode='forward' or checkpoints)")
    if has_aux:
        if is_emitted(fn) or isinstance(fn, Derivative):
            raise UsageError("has_aux=True needs a function's source, not a compiled "
                             "derivative")
        if mode == "forward":
            return ForwardAux(fn, wrt_indices(fn, wrt), isinstance(wrt, (tuple, list)),
                              with_value)
        return AuxDerivative(fn, wrt, with_value, checkpoints)
    if mode == "reverse":  # no mode given: forward where cheaper (mode_choice.py)
        return Derivative(fn, wrt, with_value, checkpoints, jit, auto=given is None)
    if varargs.has_varargs(fn) and not is_emitted(fn):
        wrt_indices(fn, wrt)  # fail early on a bad wrt
        return ByCount(lambda extra: _forward(fn, wrt, with_value, extra), fn)
    return _forward(fn, wrt, with_value, 0)


def _forward(fn, wrt, with_value: bool, extra: int):
    """The forward-mode gradient; ``extra``: values a call passes to ``*args``."""
    indices = wrt_indices(fn, wrt)
    many = isinstance(wrt, (tuple, list))
    name = name_of(fn) + ("_value_and_grad" if with_value else "_grad")

    def build():
        if extra or varargs.has_varargs(fn) and not is_emitted(fn):
            mod = composite.primal(varargs.specialize(load_live(fn), extra))
        else:
            mod = module_of(fn)
        if mod.nout != 1:
            raise AdcError(f"{name_of(fn)} has {mod.nout} outputs; grad needs one, use jacobian")
        return composite.forward_grad(mod, indices, name, with_value)

    def shape(result):
        flat = as_tuple(result)
        grads = tuple(float_gradient(g) for g in (flat[1:] if with_value else flat))
        grads = grads if many else grads[0]
        return (flat[0], grads) if with_value else grads

    def arrays(args, last):  # array code and structures of parameters, per call
        if not is_emitted(fn) and forward_pytrees.takes(fn, args):
            return forward_pytrees.grad(fn, indices, many, with_value, args, last)
        return forward_arrays.grad(fn, indices, many, with_value, args, last)

    route = forward_arrays.ArrayRoute(fn, arrays, not is_emitted(fn), not is_emitted(fn))
    if isinstance(fn, Derivative):  # forward over a reverse gradient of array code
        route = forward_arrays.ArrayRoute(fn.fn, arrays)
    return Emitted(build, shape, fn, "forward grad", name, real=indices, arrays=route)


def source(fn, wrt=WRT0, args: tuple | None = None, *, argnums=None) -> str:
    """The emitted source of ``fn``'s gradient, or of any transform's result
    (anything with a ``.source``).  For a plain function it is the
    reverse-mode code, as ``adc compile`` prints it (``grad(f).source``
    shows the code ``grad(f)`` runs, forward mode where it chose that).

    Parameters:
        fn: a function, or the result of :func:`grad`, :func:`jacobian`, ...
        wrt: for a plain function, the parameter(s) as in :func:`grad`.
        args: example arguments: array code is compiled for their shapes
            (and needs them: a function using array operations has no code
            before its shapes are known).
        argnums: JAX's name for ``wrt`` (give one of them).

    Returns:
        The module text: a ``str`` that prints as plain code and displays
        highlighted in Jupyter.

    Example:
        >>> from math import sin
        >>> def f(w, x=2.0):
        ...     return x * w * sin(w)
        >>> print(adcompiler.source(f))  # doctest: +ELLIPSIS
        # Generated by adcompiler: gradient of f with respect to w (from ...).
        import math
        <BLANKLINE>
        <BLANKLINE>
        def f_grad(w, x=2.0):
            # adjoint of line 2: return x * w * sin(w)
            w_bar = x * (w * math.cos(w) + math.sin(w))
            return w_bar
        <BLANKLINE>
    """
    if not isinstance(fn, Derivative) and hasattr(fn, "source"):
        return fn.source  # a transform's result
    if not isinstance(fn, Derivative):
        if not callable(fn):
            raise UsageError(f"{fn!r} is not a function")
        fn = Derivative(fn, pick_wrt(wrt, argnums), False)
    return fn.source_for(args)
