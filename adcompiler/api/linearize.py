"""``jvp`` and ``vjp`` (JAX's conventions): one forward pass with tangents,
or the forward sweep now and the reverse sweep on each cotangent later."""
from __future__ import annotations

from ..errors import AdcError, UsageError
from ..frontend.source import load_live
from ..frontend.varargs import counted
from ..runtime.tracebacks import user_facing
from ..transform import composite
from . import forward_arrays, forward_trees
from .arguments import as_tuple, name_of, scalars_only, signature_of, tail_with
from .emitted import LOCK, Callable, Emitted, cached, is_emitted, module_of
from .jacobians import array_vjp, is_array_call


def jvp(fn, primals, tangents, **kwargs):
    """``(f(*primals), J @ tangents)`` by one forward pass (JAX convention).

    Parameters:
        fn: a function of scalars or arrays (array code is compiled per
            argument shapes).
        primals: the point, one value per leading parameter.
        tangents: the direction, one value per primal, shaped like it.
        **kwargs: values of the later parameters by name (not differentiated).

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
    if forward_trees.takes(fn, primals, kwargs):  # dicts, lists, tuples of parameters
        return forward_trees.jvp(fn, primals, tangents, kwargs)
    if forward_arrays.has_arrays(primals + tangents) or (
            not is_emitted(fn) and forward_arrays.array_code(fn)):
        return forward_arrays.jvp(fn, primals, tangents, kwargs=kwargs)
    scalars_only(primals + tangents, "jvp/hvp")
    if len(primals) != len(tangents):
        raise UsageError(f"jvp needs one tangent per primal ({len(primals)} primals, "
                         f"{len(tangents)} tangents)")
    fn = counted(fn, len(primals))  # def f(x, *args): compiled for this many values
    return jvp_function(fn, len(primals))(*primals, *tangents, **kwargs)


def jvp_function(fn, nargs: int) -> Callable:
    """``g(*primals, *tangents) -> (out, out_tangent)`` for the first ``nargs``
    parameters (the rest take their defaults)."""
    return cached(make_jvp, fn, nargs)


def make_jvp(fn, nargs: int) -> Callable:
    """The emitted ``f_jvp`` called with primals then tangents, its flat
    results split into ``(outputs, output tangents)``."""
    params = list(signature_of(fn).parameters)
    if not 0 < nargs <= len(params):
        raise UsageError(f"{name_of(fn)} takes {len(params)} parameter(s), got {nargs} primals")
    mask = tuple(k < nargs for k in range(len(params)))
    tail_with(fn, nargs, {})  # every later parameter has a default (or is given by name)
    state = {}

    def build():
        mod = composite.jvp(module_of(fn), mask, name_of(fn) + "_jvp")
        state["nout"] = len(mod.entry.body.results) // 2
        return mod

    em = Emitted(build, lambda r: r, fn, "jvp")

    def call(*args, **kwargs):
        tail = tail_with(fn, nargs, kwargs)
        flat = as_tuple(em(*args[:nargs], *tail, *args[nargs:]))
        n = state["nout"]
        return (flat[0], flat[1]) if n == 1 else (flat[:n], flat[n:])

    return Callable(em, call)


def vjp(fn, *primals, **kwargs):
    """``(f(*primals), vjp_fn)``: ``vjp_fn(cotangent)`` returns the cotangent of
    each primal, by the reverse sweep (JAX convention).

    Parameters:
        fn: a function of numbers or arrays.
        *primals: the point.
        **kwargs: values of the later parameters by name (not differentiated).

    Returns:
        ``(output, vjp_fn)``; ``vjp_fn.source`` is the emitted code.  With
        an array argument (or array operations in ``fn``) the cotangent has
        the output's shape (a tuple of them for several outputs) and seeds
        one emitted function ``f_vjp(*params, *out_bars)`` (api/jacobians.py).

    Example:
        >>> from math import sin
        >>> def g(x, y):
        ...     return x * y, x + sin(y)
        >>> out, pullback = adcompiler.vjp(g, 1.0, 2.0)
        >>> out
        (2.0, 1.9092974268256817)
        >>> pullback((1.0, 0.0))
        (2.0, 1.0)
        >>> import numpy as np
        >>> def layer(x, A):
        ...     return np.tanh(A @ x)
        >>> out, pullback = adcompiler.vjp(layer, np.zeros(2), np.eye(2))
        >>> pullback(np.array([1.0, 2.0]))[0]
        array([1., 2.])
    """
    fn = counted(fn, len(primals))
    if is_emitted(fn):
        raise AdcError("vjp of emitted derivative code would be reverse over reverse, which "
                       "is not supported; use jvp (forward over reverse) or hvp")
    if forward_trees.takes(fn, primals, kwargs):  # dicts, lists, tuples of parameters
        return forward_trees.vjp(fn, primals, kwargs)
    if is_array_call(fn, primals):
        return array_vjp(fn, primals, kwargs)
    scalars_only(primals, "vjp")
    pair = cached(VjpPair, fn)
    tail = tail_with(fn, len(primals), kwargs)
    fwd, bwd, nout = pair.functions()
    flat = as_tuple(fwd(*primals, *tail))
    outs, res = flat[:-1], flat[-1]

    @user_facing
    def vjp_fn(cotangent):
        cts = as_tuple(cotangent) if nout > 1 else (cotangent,)
        if len(cts) != nout:
            raise UsageError(f"{name_of(fn)} has {nout} outputs; got {len(cts)} cotangents")
        bars = as_tuple(bwd(_unread(res), *cts))
        return tuple(bars[:len(primals)])

    vjp_fn.source = pair.source
    return (outs[0] if nout == 1 else tuple(outs)), vjp_fn


class VjpPair:
    """The emitted ``f_fwd``/``f_bwd`` pair of ``fn``, loaded on first use and
    again when ``fn``, a global or a helper it reads has changed."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self._done = None

    def _get(self):
        with LOCK:
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


def _unread(res):
    """The residuals with every tape (a list, which ``f_bwd`` pops) copied, so
    that ``vjp_fn`` can be called again, as in JAX; values are shared."""
    if isinstance(res, list):
        return [_unread(v) for v in res]
    if isinstance(res, tuple):
        return tuple(_unread(v) for v in res)
    return res
