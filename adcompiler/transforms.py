"""The function transforms, with JAX's conventions: ``grad(f, mode=...)``,
``jvp``, ``vjp``, ``jacobian``, ``hessian``, ``hvp`` and ``derivative``.

Each returns (or calls) emitted Python code; ``.source`` shows it.  Results
are compiled on first use and cached.  A compiled derivative is itself a valid
input: ``grad(grad(f))`` and ``jacobian(grad(f))`` transform the emitted
reverse-mode code (tape included) by forward mode, i.e. forward over reverse.
Reverse over reverse is not supported (a clear :class:`AdcError` says so).
"""
from __future__ import annotations

import functools
import inspect
import threading

import numpy as np

from . import api

from .transform import composite
from .api import Derivative, _wrt_indices
from .runtime.deep import deep
from .errors import AdcError, UsageError
from .frontend.source import load_live
from .runtime.pytrees import is_tree
from .runtime.realargs import as_real, float_gradient, refuse_complex
from .runtime.tracebacks import user_facing

_LOCK = threading.RLock()
_MODES = ("forward", "reverse")


class Emitted:
    """A callable backed by emitted code.  ``.source`` is the module text,
    ``.ir`` the :class:`composite.IRModule`; ``build()`` makes the module and
    ``shape(result)`` turns the entry's flat results into what users expect."""

    def __init__(self, build, shape, like, kind: str, name: str = "", real: tuple = ()) -> None:
        self._real = real  # positions of differentiated arguments, made real (realargs.py)
        self._build = build
        self._shape = shape
        self._kind = kind
        self._done = None
        self.__name__ = name or f"{_name(like)}_{kind.replace(' ', '_')}"
        self.__signature__ = _signature(like)

    def _get(self):
        done = self._done
        if done is not None and done[1].fresh():
            return done
        with _LOCK:  # first use, or a global / closure / helper changed since
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
        return self._get()[1].source

    @user_facing
    def __call__(self, *args):
        _scalars_only(args, self._kind if hasattr(self, "_kind") else "this transform")
        if self._real:
            args = tuple(as_real(a, f"#{k + 1}") if k in self._real else a
                         for k, a in enumerate(args))
        return self._shape(self._get()[2](*args))

    def __repr__(self) -> str:
        return f"<adcompiler {self._kind}>"


@deep
def _build_and_load(build) -> tuple:
    mod = build()
    code = mod.compiled()
    return mod, code, code.load()


def _scalars_only(args, what: str) -> None:
    """Forward mode, vjp, Jacobians and Hessians handle scalar code only so
    far; array arguments get a clear error instead of a wrong answer.
    Complex arguments are refused (see realargs.py)."""
    refuse_complex([f"#{k + 1}" for k in range(len(args))], args)
    for a in args:
        if isinstance(a, dict) or (isinstance(a, (list, tuple)) and is_tree(a)):
            raise AdcError(f"{what} takes scalar arguments only so far (got a dict, list or "
                           "tuple of parameters); for structures of parameters use grad / "
                           "value_and_grad (reverse mode)")
        if isinstance(a, np.ndarray) or (hasattr(a, "__len__") and not isinstance(a, str)):
            raise AdcError(f"{what} takes scalar arguments only so far (got an array); "
                           "for array code use grad / value_and_grad (reverse mode)")


def _signature(fn) -> inspect.Signature:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        raise UsageError(f"{fn!r} is not a Python function") from None


# ---------------------------------------------------------------- sources
def _is_emitted(fn) -> bool:
    return isinstance(fn, (Derivative, Emitted))


def _module(fn) -> composite.IRModule:
    """The IR of a user function, or of the code a transform emitted."""
    if isinstance(fn, Emitted):
        return fn.ir
    if isinstance(fn, Derivative):
        return composite.reverse(load_live(fn.fn), _wrt_indices(fn.fn, fn.wrt), fn.with_value)
    if not callable(fn):
        raise UsageError(f"{fn!r} is not a function")
    return composite.primal(load_live(fn))


def _name(fn) -> str:
    return getattr(fn, "__name__", "f").replace("<", "").replace(">", "")


def _check_mode(mode, fn) -> str:
    if mode is not None and mode not in _MODES:
        raise UsageError(f"mode must be 'forward' or 'reverse', not {mode!r}")
    if _is_emitted(fn):
        if mode == "reverse":
            raise AdcError("reverse mode over emitted derivative code (reverse over reverse) "
                           "is not supported; use mode='forward' (forward over reverse), "
                           "or hessian()/hvp()")
        return "forward"
    return mode or "reverse"


def _flat(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def _defaults_tail(fn, n: int) -> tuple:
    """Default values of the parameters after the first ``n`` (all must have one)."""
    params = list(_signature(fn).parameters.values())
    rest = params[n:]
    if any(p.default is inspect.Parameter.empty for p in rest):
        raise UsageError(f"give a value for every parameter without a default "
                         f"({len(params)} parameter(s), got {n})")
    return tuple(p.default for p in rest)


# ---------------------------------------------------------------- grad
def grad(fn=None, wrt=0, mode=None):
    """``grad(f)``, ``@grad`` or ``@grad(wrt=..., mode=...)``: a function that
    computes the gradient of ``f``, compiled from ``f``'s source into readable
    Python (see ``.source``).  Both modes give the same numbers; forward mode
    costs one pass per input.  On a compiled derivative, forward mode is used
    (forward over reverse).

    Parameters:
        fn: the function to differentiate (its source is read, never run); omit
            it to get a decorator.
        wrt: the parameter to differentiate with respect to: an index or a name,
            or a tuple of them (then a tuple of gradients is returned).  A
            parameter may be a dict, list or tuple (nested) of arrays and
            numbers, read with literal keys (``params["W"]``): its gradient
            has the same structure (reverse mode).
        mode: ``"reverse"`` (default) or ``"forward"``.

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
    """
    if fn is None:
        return lambda f: grad(f, wrt, mode)
    return _grad(fn, wrt, mode, False)


def value_and_grad(fn=None, wrt=0, mode=None):
    """Like :func:`grad`, but the compiled function returns ``(f(*args),
    gradient)`` from one pass.

    Parameters:
        fn: the function (omit it to get a decorator).
        wrt: an index or name, or a tuple of them, as in :func:`grad`.
        mode: ``"reverse"`` (default) or ``"forward"``.

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
        return lambda f: value_and_grad(f, wrt, mode)
    return _grad(fn, wrt, mode, True)


def _grad(fn, wrt, mode, with_value: bool):
    mode = _check_mode(mode, fn)
    if mode == "reverse":
        return api.Derivative(fn, wrt, with_value)
    indices = _wrt_indices(fn, wrt)
    many = isinstance(wrt, (tuple, list))
    name = _name(fn) + ("_value_and_grad" if with_value else "_grad")

    def build():
        mod = _module(fn)
        if mod.nout != 1:
            raise AdcError(f"{_name(fn)} has {mod.nout} outputs; grad needs one, use jacobian")
        return composite.forward_grad(mod, indices, name, with_value)

    def shape(result):
        flat = _flat(result)
        grads = tuple(float_gradient(g) for g in (flat[1:] if with_value else flat))
        grads = grads if many else grads[0]
        return (flat[0], grads) if with_value else grads

    return Emitted(build, shape, fn, "forward grad", name, real=indices)


def source(fn, wrt=0, args: tuple | None = None) -> str:
    """The emitted source of ``fn``'s gradient, or of any transform's result
    (anything with a ``.source``).

    Parameters:
        fn: a function, or the result of :func:`grad`, :func:`jacobian`, ...
        wrt: for a plain function, the parameter(s) as in :func:`grad`.
        args: example arguments: array code is compiled for their shapes
            (and needs them: a function using array operations has no code
            before its shapes are known).

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
            w_bar = x * w * math.cos(w)
            w_bar += math.sin(w) * x
            return w_bar
        <BLANKLINE>
    """
    if isinstance(fn, Derivative) or not hasattr(fn, "source"):
        return api.source(fn, wrt, args)
    return fn.source


# ---------------------------------------------------------------- jvp / vjp
def jvp(fn, primals, tangents):
    """``(f(*primals), J @ tangents)`` by one forward pass (JAX convention).

    Parameters:
        fn: a function of scalars.
        primals: the point, one value per leading parameter.
        tangents: the direction, one value per primal.

    Returns:
        ``(output, output tangent)``; several outputs give tuples of each.

    Example:
        >>> from math import sin
        >>> def g(x, y):
        ...     return x * y, x + sin(y)
        >>> adcompiler.jvp(g, (1.0, 2.0), (1.0, 0.0))
        ((2.0, 1.9092974268256817), (2.0, 1.0))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    _scalars_only(primals + tangents, "jvp/hvp")
    if len(primals) != len(tangents):
        raise UsageError(f"jvp needs one tangent per primal ({len(primals)} primals, "
                         f"{len(tangents)} tangents)")
    return jvp_function(fn, len(primals))(*primals, *tangents)


@functools.lru_cache(maxsize=None)
def _cached(kind: str, fn, *key):
    return _MAKERS[kind](fn, *key)


def jvp_function(fn, nargs: int) -> "Emitted":
    """``g(*primals, *tangents) -> (out, out_tangent)`` for the first ``nargs``
    parameters (the rest take their defaults)."""
    return _cached("jvp", fn, nargs)


def _make_jvp(fn, nargs: int) -> Emitted:
    params = list(_signature(fn).parameters)
    if not 0 < nargs <= len(params):
        raise UsageError(f"{_name(fn)} takes {len(params)} parameter(s), got {nargs} primals")
    mask = tuple(k < nargs for k in range(len(params)))
    tail = _defaults_tail(fn, nargs)
    state = {}

    def build():
        mod = composite.jvp(_module(fn), mask, _name(fn) + "_jvp")
        state["nout"] = len(mod.entry.body.results) // 2
        return mod

    em = Emitted(build, lambda r: r, fn, "jvp")

    def call(*args):
        flat = _flat(em(*args[:nargs], *tail, *args[nargs:]))
        n = state["nout"]
        return (flat[0], flat[1]) if n == 1 else (flat[:n], flat[n:])

    return _Callable(em, call)


class _Callable:
    """An :class:`Emitted` with a different calling convention."""

    def __init__(self, emitted: Emitted, call) -> None:
        self.emitted = emitted
        self._call = call
        self.__name__ = emitted.__name__

    source = property(lambda self: self.emitted.source)
    ir = property(lambda self: self.emitted.ir)

    @user_facing
    def __call__(self, *args):
        _scalars_only(args, "this transform")
        return self._call(*args)


def vjp(fn, *primals):
    """``(f(*primals), vjp_fn)``: ``vjp_fn(cotangent)`` returns the cotangent of
    each primal, by the reverse sweep (JAX convention).

    Parameters:
        fn: a function of scalars.
        *primals: the point.

    Returns:
        ``(output, vjp_fn)``; ``vjp_fn.source`` is the emitted code.

    Example:
        >>> from math import sin
        >>> def g(x, y):
        ...     return x * y, x + sin(y)
        >>> out, pullback = adcompiler.vjp(g, 1.0, 2.0)
        >>> out
        (2.0, 1.9092974268256817)
        >>> pullback((1.0, 0.0))
        (2.0, 1.0)
    """
    _scalars_only(primals, "vjp")
    if _is_emitted(fn):
        raise AdcError("vjp of emitted derivative code would be reverse over reverse, which "
                       "is not supported; use jvp (forward over reverse) or hvp")
    pair = _cached("vjp", fn)
    tail = _defaults_tail(fn, len(primals))
    fwd, bwd, nout = pair.functions()
    flat = _flat(fwd(*primals, *tail))
    outs, res = flat[:-1], flat[-1]

    @user_facing
    def vjp_fn(cotangent):
        cts = _flat(cotangent) if nout > 1 else (cotangent,)
        if len(cts) != nout:
            raise UsageError(f"{_name(fn)} has {nout} outputs; got {len(cts)} cotangents")
        bars = _flat(bwd(res, *cts))
        return tuple(bars[:len(primals)])

    vjp_fn.source = pair.source
    return (outs[0] if nout == 1 else tuple(outs)), vjp_fn


class _VjpPair:
    def __init__(self, fn) -> None:
        self.fn = fn
        self._done = None

    def _get(self):
        with _LOCK:
            if self._done is None or not self._done[1].fresh():
                mod = composite.vjp(load_live(self.fn))
                code = mod.compiled()
                fwd = code.load()
                bwd_name = mod.functions[1].name
                self._done = (mod, code, fwd, fwd.__globals__[bwd_name],
                              len(mod.entry.body.results) - 1)
        return self._done

    def functions(self):
        _, _, fwd, bwd, nout = self._get()
        return fwd, bwd, nout

    source = property(user_facing(lambda self: self._get()[1].source))


# ---------------------------------------------------------------- jacobian
def jacobian(fn, wrt=0, mode="auto"):
    """The Jacobian ``J[i][j] = d out_i / d x_wrt[j]``: forward mode (one pass per
    input) when inputs <= outputs, reverse mode (one pass per output) otherwise.

    Parameters:
        fn: a function of scalars.
        wrt: an index or name, or a tuple of them; an integer drops ``j``.
        mode: ``"auto"`` (default), ``"forward"`` or ``"reverse"``.

    Returns:
        A callable returning the rows as tuples; a scalar output drops ``i``.

    Example:
        >>> from math import sin
        >>> def g(x, y):
        ...     return x * y, x + sin(y)
        >>> adcompiler.jacobian(g, wrt=(0, 1))(1.0, 2.0)
        ((2.0, 1.0), (1.0, -0.4161468365471424))
    """
    if mode not in ("auto",) + _MODES:
        raise UsageError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    _check_mode(None if mode == "auto" else mode, fn)
    indices = _wrt_indices(fn, wrt)
    return _Jacobian(fn, indices, isinstance(wrt, (tuple, list)), mode)


class _Jacobian:
    def __init__(self, fn, indices: tuple, many: bool, mode: str) -> None:
        self.fn, self.indices, self.many, self.mode = fn, indices, many, mode
        self.__name__ = "jacobian_of_" + _name(fn)

    def chosen_mode(self) -> str:
        if _is_emitted(self.fn) or self.mode == "forward":
            return "forward"
        if self.mode == "reverse":
            return "reverse"
        return "forward" if len(self.indices) <= _cached("nout", self.fn) else "reverse"

    @property
    @user_facing
    def source(self) -> str:
        if self.chosen_mode() == "forward":
            return _cached("jvp", self.fn, len(_signature(self.fn).parameters)).source
        return _cached("vjp", self.fn).source

    @user_facing
    def __call__(self, *args):
        _scalars_only(args, "jacobian")
        if self.chosen_mode() == "forward":
            n = len(_signature(self.fn).parameters)
            full = args + _defaults_tail(self.fn, len(args))
            g = _cached("jvp", self.fn, n)
            cols = []
            for j in self.indices:
                _, dot = g(*full, *(1.0 if k == j else 0.0 for k in range(n)))
                cols.append(_flat(dot))
            rows = [tuple(col[i] for col in cols) for i in range(len(cols[0]))]
        else:
            out, pull = vjp(self.fn, *args)
            m = len(out) if isinstance(out, tuple) else 1
            rows = []
            for i in range(m):
                bars = pull(1.0 if m == 1 else tuple(float(k == i) for k in range(m)))
                rows.append(tuple(bars[j] for j in self.indices))
        rows = [r if self.many else r[0] for r in rows]
        return rows[0] if _cached("nout", self.fn) == 1 else tuple(rows)


def _nout(fn) -> int:
    return _module(fn).nout


# ---------------------------------------------------------------- second order
def hessian(fn, wrt=0):
    """Second derivatives by forward over reverse: column ``j`` is the
    Hessian-vector product with ``e_j``.

    Parameters:
        fn: a scalar function of scalars.
        wrt: an index or name (the result is a number), or a tuple of them
            (a tuple of rows).

    Returns:
        A callable returning the Hessian.

    Example:
        >>> from math import exp
        >>> def h(x, y):
        ...     return x * x * y + exp(y)
        >>> adcompiler.hessian(h, wrt=(0, 1))(1.0, 0.0)
        ((0.0, 2.0), (2.0, 1.0))
    """
    if _is_emitted(fn):
        raise AdcError("hessian of emitted derivative code is not supported; "
                       "use jacobian(...) of it (forward mode)")
    return _cached("hessian", fn, _wrt_indices(fn, wrt), isinstance(wrt, (tuple, list)))


def _make_hessian(fn, indices: tuple, many: bool) -> Emitted:
    def shape(result):
        if len(indices) == 1:
            return ((result,),) if many else result
        return tuple(result)

    return Emitted(lambda: composite.hessian(load_live(fn), indices), shape, fn, "hessian")


def hvp(fn, primals, tangents):
    """``H @ tangents`` at ``primals`` by forward over reverse: one forward pass
    over the emitted gradient code, a small constant times its cost.

    Parameters:
        fn: a scalar function of scalars.
        primals: the point.
        tangents: the vector, one value per primal.

    Returns:
        The Hessian-vector product, one value per primal.

    Example:
        >>> from math import exp
        >>> def h(x, y):
        ...     return x * x * y + exp(y)
        >>> adcompiler.hvp(h, (1.0, 0.0), (1.0, 0.0))
        (0.0, 2.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    _scalars_only(primals + tangents, "jvp/hvp")
    if len(primals) != len(tangents):
        raise UsageError("hvp needs one tangent per primal")
    if _is_emitted(fn):
        raise AdcError("hvp of emitted derivative code is not supported; use jvp of it")
    g = hvp_function(fn, len(primals))
    tail = _defaults_tail(fn, len(primals))
    flat = _flat(g(*primals, *tail, *tangents))
    hv = flat[len(flat) // 2:]
    return hv[0] if len(hv) == 1 else tuple(hv)


def hvp_function(fn, nargs: int) -> Emitted:
    """The emitted ``f_hvp(*params, *v) -> (*gradient, *H v)``."""
    return _cached("hvp", fn, nargs)


def _make_hvp(fn, nargs: int) -> Emitted:
    return Emitted(lambda: composite.hvp(load_live(fn), tuple(range(nargs))), lambda r: r, fn,
                   "hvp")


def derivative(fn, order: int = 1, wrt=0):
    """The ``order``-th derivative of a function of one variable (forward mode
    nested ``order`` times); ``order=0`` is the function itself, emitted.

    Parameters:
        fn: the function.
        order: a non-negative integer.
        wrt: the parameter (index or name) that varies.

    Returns:
        A callable returning the derivative; ``.source`` is the emitted code.

    Example:
        >>> def cube(x):
        ...     return x ** 3
        >>> adcompiler.derivative(cube, order=2)(2.0)
        12.0
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise UsageError(f"order must be a non-negative integer, not {order!r}")
    index = _wrt_indices(fn, wrt)
    if len(index) != 1:
        raise UsageError("derivative takes one variable; use jacobian or hessian for several")
    return _cached("derivative", fn, order, index[0])


def _make_derivative(fn, order: int, index: int) -> Emitted:
    def build():
        mod = _module(fn)
        if mod.nout != 1:
            raise AdcError(f"{_name(fn)} has {mod.nout} outputs; derivative needs one")
        return composite.derivative(mod, order, index)

    return Emitted(build, lambda r: r, fn, f"derivative {order}")


_MAKERS = {"jvp": _make_jvp, "vjp": _VjpPair, "nout": _nout, "hessian": _make_hessian,
           "hvp": _make_hvp, "derivative": _make_derivative}
