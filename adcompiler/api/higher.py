"""Derivatives built from the others: ``jacobian`` (forward or reverse
passes, whichever is fewer), ``hessian`` and ``hvp`` (forward over reverse)
and ``derivative`` (forward mode nested to any order)."""
from __future__ import annotations

from ..errors import AdcError, UsageError
from ..frontend.source import load_live
from ..frontend.varargs import Counted, counted, has_varargs
from ..runtime.tracebacks import user_facing
from ..transform import composite
from . import forward_arrays, forward_aux, forward_trees
from .arguments import (WRT0, as_tuple, name_of, pick_wrt, scalars_only, signature_of,
                        tail_with, wrt_indices)
from .jacobians import array_jacobian, is_array_call
from .emitted import MODES, Emitted, cached, check_mode, is_emitted, module_of
from .linearize import VjpPair, make_jvp, vjp


def jacobian(fn, wrt=WRT0, mode="auto", *, argnums=None, has_aux=False):
    """The Jacobian ``J[i][j] = d out_i / d x_wrt[j]``: forward mode (one pass per
    input) when inputs <= outputs, reverse mode (one pass per output) otherwise.

    On arrays, forward mode is compiled per argument shapes and runs one
    tangent pass per element of each ``wrt`` argument (n passes for n
    elements); each Jacobian has the shape ``out.shape + arg.shape``.

    Parameters:
        fn: a function of numbers or arrays.
        wrt: an index or name, or a tuple of them; an integer drops ``j``.
        mode: ``"auto"`` (default), ``"forward"`` or ``"reverse"``.
        argnums: JAX's name for ``wrt`` (give one of them).
        has_aux: ``fn`` returns ``(out, aux)``; the callable returns
            ``(J, aux)`` (both modes; ``"auto"`` picks reverse).

    Returns:
        A callable.  Scalar code gives the rows as tuples; a scalar output
        drops ``i``.  Array code (an array argument or array operations)
        gives NumPy arrays of shape ``out.shape + arg.shape``, a tuple over
        ``wrt`` when it is a tuple, inside a tuple over outputs when ``fn``
        returns several (api/jacobians.py).

    Example:
        >>> from math import sin
        >>> def g(x, y):
        ...     return x * y, x + sin(y)
        >>> adcompiler.jacobian(g, wrt=(0, 1))(1.0, 2.0)
        ((2.0, 1.0), (1.0, -0.4161468365471424))
    """
    if mode not in ("auto",) + MODES:
        raise UsageError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    check_mode(None if mode == "auto" else mode, fn)
    wrt = pick_wrt(wrt, argnums)
    indices = wrt_indices(fn, wrt)
    if has_aux and is_emitted(fn):
        raise UsageError("has_aux=True needs a function's source, not a compiled derivative")
    if has_varargs(fn):
        return _by_count(lambda extra: jacobian(Counted(fn, extra), wrt, mode,
                                                has_aux=has_aux), fn)
    jac = Jacobian(fn, indices, isinstance(wrt, (tuple, list)), mode)
    jac.has_aux = has_aux
    return jac


def jacrev(fn, argnums=0, has_aux=False):
    """JAX's spelling of ``jacobian(fn, argnums=argnums, mode="reverse")``:
    one reverse sweep per output element.

    Parameters:
        fn: a function of numbers or arrays.
        argnums: an index or name, or a tuple of them.
        has_aux: ``fn`` returns ``(out, aux)``; the callable returns ``(J, aux)``.

    Returns:
        A callable returning the Jacobian, as :func:`jacobian` does.

    Example:
        >>> import numpy as np
        >>> def r(p, t):
        ...     return p[0] * np.exp(-p[1] * t)
        >>> adcompiler.jacrev(r)(np.array([2.0, 0.0]), np.array([0.0, 1.0]))
        array([[ 1.,  0.],
               [ 1., -2.]])
    """
    return jacobian(fn, argnums=argnums, mode="reverse", has_aux=has_aux)


def jacfwd(fn, argnums=0, has_aux=False):
    """JAX's spelling of ``jacobian(fn, argnums=argnums, mode="forward")``:
    one forward pass per input element.

    Parameters:
        fn: a function of numbers, arrays or structures of them.
        argnums: an index or name, or a tuple of them.
        has_aux: ``fn`` returns ``(out, aux)``; the callable returns ``(J, aux)``.

    Returns:
        A callable returning the Jacobian, as :func:`jacobian` does.

    Example:
        >>> from math import sin
        >>> def g(x, y):
        ...     return x * y, x + sin(y)
        >>> adcompiler.jacfwd(g, argnums=(0, 1))(1.0, 2.0)
        ((2.0, 1.0), (1.0, -0.4161468365471424))
    """
    return jacobian(fn, argnums=argnums, mode="forward", has_aux=has_aux)


def _by_count(make, fn):
    """``def f(x, *args)``: one transform per number of values a call passes
    to ``*args`` (made on the first call with that many)."""
    from .gradients import ByCount
    return ByCount(make, fn)


class Jacobian:
    """What ``jacobian`` returns: columns by forward passes (one per input) or
    rows by reverse sweeps (one per output), whichever ``chosen_mode`` says."""

    has_aux = False
    array_source = None

    def __init__(self, fn, indices: tuple, many: bool, mode: str) -> None:
        self.fn, self.indices, self.many, self.mode = fn, indices, many, mode
        self.__name__ = "jacobian_of_" + name_of(fn)
        self._arrays = forward_arrays.ArrayRoute(  # forward mode on array code
            getattr(fn, "fn", fn), lambda args, last: forward_arrays.jacobian(
                fn, indices, many, args, last), not isinstance(fn, Emitted))

    def chosen_mode(self) -> str:
        if is_emitted(self.fn) or self.mode == "forward":
            return "forward"
        if self.mode == "reverse":
            return "reverse"
        return "forward" if len(self.indices) <= cached(_nout, self.fn) else "reverse"

    @property
    @user_facing
    def source(self) -> str:
        if self.array_source is not None:  # the product the last array call ran
            return self.array_source
        if self.chosen_mode() == "forward" and self._arrays.used():
            return self._arrays.source()
        if self.chosen_mode() == "forward":
            return cached(make_jvp, self.fn, len(signature_of(self.fn).parameters)).source
        return cached(VjpPair, self.fn).source

    @user_facing
    def __call__(self, *args, **kwargs):
        if forward_trees.takes(self.fn, args, kwargs):  # dicts, lists, tuples of parameters
            return forward_trees.jacobian(self.fn, self.indices, self.many, self.mode, args,
                                          kwargs, self.has_aux, self)
        if self.has_aux and self.mode == "forward":
            last = self._arrays.last
            result = forward_aux.jacobian(self.fn, self.indices, self.many, args, kwargs, last)
            self.array_source = last.code.source
            return result
        if self.has_aux or not is_emitted(self.fn) and is_array_call(self.fn, args):
            forward = self._arrays if self._arrays.wants(args + tuple(kwargs.values())) else None
            return array_jacobian(self.fn, self.indices, self.many, self.mode, args,
                                  self.has_aux, self, forward, kwargs=kwargs)
        if self.chosen_mode() == "forward" and self._arrays.wants(args + tuple(kwargs.values())):
            return self._arrays(args + tail_with(self.fn, len(args), kwargs) if kwargs else args)
        scalars_only(args + tuple(kwargs.values()), "jacobian")
        if self.chosen_mode() == "forward":
            n = len(signature_of(self.fn).parameters)
            full = args + tail_with(self.fn, len(args), kwargs)
            g = cached(make_jvp, self.fn, n)
            cols = []
            for j in self.indices:
                _, dot = g(*full, *(1.0 if k == j else 0.0 for k in range(n)))
                cols.append(as_tuple(dot))
            rows = [tuple(col[i] for col in cols) for i in range(len(cols[0]))]
        else:
            out, pull = vjp(self.fn, *args, **kwargs)
            m = len(out) if isinstance(out, tuple) else 1
            rows = []
            for i in range(m):
                bars = pull(1.0 if m == 1 else tuple(float(k == i) for k in range(m)))
                rows.append(tuple(bars[j] for j in self.indices))
        rows = [r if self.many else r[0] for r in rows]
        return rows[0] if cached(_nout, self.fn) == 1 else tuple(rows)


def _nout(fn) -> int:
    """How many outputs ``fn`` returns (from its IR: cached, it is lowered once)."""
    if not is_emitted(fn) and forward_arrays.array_code(fn):
        return forward_arrays.outputs(fn)  # array code: its shapes are not known yet
    return module_of(fn).nout


# ---------------------------------------------------------------- second order
def hessian(fn, wrt=WRT0, *, argnums=None):
    """Second derivatives by forward over reverse: column ``j`` is the
    Hessian-vector product with ``e_j``, so an array argument of n elements
    costs n Hessian-vector products (each a small multiple of one gradient).

    Parameters:
        fn: a function of scalars or arrays returning a scalar.
        wrt: an index or name (the result is a number, or for an array
            argument an array of shape ``arg.shape + arg.shape``), or a tuple
            of them (a tuple of rows; block ``[i][j]`` has the shape
            ``x_i.shape + x_j.shape``).
        argnums: JAX's name for ``wrt`` (give one of them).

    Returns:
        A callable returning the Hessian.

    Example:
        >>> from math import exp
        >>> def h(x, y):
        ...     return x * x * y + exp(y)
        >>> adcompiler.hessian(h, wrt=(0, 1))(1.0, 0.0)
        ((0.0, 2.0), (2.0, 1.0))
    """
    if is_emitted(fn):
        raise AdcError("hessian of emitted derivative code is not supported; "
                       "use jacobian(...) of it (forward mode)")
    wrt = pick_wrt(wrt, argnums)
    indices = wrt_indices(fn, wrt)
    if has_varargs(fn):
        return _by_count(lambda extra: hessian(Counted(fn, extra), wrt), fn)
    return cached(_make_hessian, fn, indices, isinstance(wrt, (tuple, list)))


def _make_hessian(fn, indices: tuple, many: bool) -> Emitted:
    def shape(result):
        if len(indices) == 1:
            return ((result,),) if many else result
        return tuple(result)

    def call(args, last):  # arrays, or structures of parameters (forward_trees.py)
        if forward_trees.takes(fn, args):
            return forward_trees.hessian(fn, indices, many, args, last)
        return forward_arrays.hessian(fn, indices, many, args, last)

    route = forward_arrays.ArrayRoute(fn, call, trees=True)
    return Emitted(lambda: composite.hessian(load_live(fn), indices), shape, fn, "hessian",
                   arrays=route)


def hvp(fn, primals, tangents, **kwargs):
    """``H @ tangents`` at ``primals`` by forward over reverse: one forward pass
    over the emitted gradient code, a small constant times its cost.

    Parameters:
        fn: a function of scalars or arrays returning a scalar.
        primals: the point.
        tangents: the vector, one value per primal (shaped like it).
        **kwargs: values of the later parameters by name (not differentiated).

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
    if len(primals) != len(tangents):
        raise UsageError("hvp needs one tangent per primal")
    if is_emitted(fn):
        raise AdcError("hvp of emitted derivative code is not supported; use jvp of it")
    if forward_trees.takes(fn, primals, kwargs):  # dicts, lists, tuples of parameters
        return forward_trees.hvp(fn, primals, tangents, kwargs)
    if forward_arrays.has_arrays(primals + tangents + tuple(kwargs.values())) or \
            forward_arrays.array_code(fn):
        return forward_arrays.hvp(fn, primals, tangents, kwargs=kwargs)
    scalars_only(primals + tangents, "jvp/hvp")
    fn = counted(fn, len(primals))
    g = hvp_function(fn, len(primals))
    scalars_only(tuple(kwargs.values()), "jvp/hvp")
    tail = tail_with(fn, len(primals), kwargs)
    flat = as_tuple(g(*primals, *tail, *tangents))
    hv = flat[len(flat) // 2:]
    return hv[0] if len(hv) == 1 else tuple(hv)


def hvp_function(fn, nargs: int) -> Emitted:
    """The emitted ``f_hvp(*params, *v) -> (*gradient, *H v)``."""
    return cached(_make_hvp, fn, nargs)


def _make_hvp(fn, nargs: int) -> Emitted:
    return Emitted(lambda: composite.hvp(load_live(fn), tuple(range(nargs))), lambda r: r, fn,
                   "hvp")


def derivative(fn, order: int = 1, wrt=WRT0, *, argnums=None):
    """The ``order``-th derivative of a function of one variable (forward mode
    nested ``order`` times); ``order=0`` is the function itself, emitted.

    Parameters:
        fn: the function; array code works when the variable is a scalar
            (the derivative then has the output's shape).
        order: a non-negative integer.
        wrt: the parameter (index or name) that varies.
        argnums: JAX's name for ``wrt`` (give one of them).

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
    wrt = pick_wrt(wrt, argnums)
    index = wrt_indices(fn, wrt)
    if len(index) != 1:
        raise UsageError("derivative takes one variable; use jacobian or hessian for several")
    if has_varargs(fn):
        return _by_count(lambda extra: derivative(Counted(fn, extra), order, wrt), fn)
    return cached(_make_derivative, fn, order, index[0])


def _make_derivative(fn, order: int, index: int) -> Emitted:
    def build():
        mod = module_of(fn)
        if mod.nout != 1:
            raise AdcError(f"{name_of(fn)} has {mod.nout} outputs; derivative needs one")
        return composite.derivative(mod, order, index)

    route = None if is_emitted(fn) else forward_arrays.ArrayRoute(
        fn, lambda args, last: forward_arrays.derivative(fn, order, index, args, last))
    return Emitted(build, lambda r: r, fn, f"derivative {order}", arrays=route)
