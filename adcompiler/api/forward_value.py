"""Forward mode over ``value_and_grad`` of array code: ``jvp`` and the forward
``jacobian`` of ``value_and_grad(f)``.

The gradient's tangent is forward over reverse, as for ``grad(f)``
(``api/forward_arrays.py``); the value's tangent needs no pass of its own:
it is the gradient dotted with the tangent of each differentiated argument,
so the call of ``value_and_grad`` itself gives both the value and it.  That
holds when every argument the forward transform varies is one the gradient
is taken with respect to; otherwise the value's tangent would need the
gradient with respect to an argument it does not compute, and the call is
refused with what to write instead.
"""
from __future__ import annotations

import numpy as np

from ..errors import AdcError
from .arguments import as_tuple, name_of


def applies(fn) -> bool:
    """Is ``fn`` a reverse-mode ``value_and_grad`` (an api.Derivative)?"""
    return getattr(fn, "with_value", False) and getattr(fn, "_indices", None) is not None


def _gradient_only(fn):
    from .reverse_grad import Derivative
    return Derivative(fn.fn, fn.wrt, False)


def _check(fn, varied: tuple) -> None:
    missing = [k for k in varied if k not in fn._indices]
    if missing:
        raise AdcError(f"forward mode over value_and_grad({name_of(fn.fn)}, wrt={fn.wrt!r}) "
                       f"varies argument #{missing[0] + 1}, which the gradient is not taken "
                       "with respect to: include it in wrt, or differentiate grad instead")


def _grads(fn, value_and_grads) -> tuple:
    """The gradients of a value_and_grad result, one per ``wrt`` index."""
    return as_tuple(value_and_grads[1]) if fn._tuple else (value_and_grads[1],)


def jvp(fn, primals: tuple, tangents: tuple, kwargs: dict | None = None):
    """``((value, g), (value tangent, g tangent))``, as JAX's ``jvp`` of
    ``value_and_grad``."""
    from . import forward_arrays
    varied = tuple(k for k, t in enumerate(tangents) if np.any(np.asarray(t) != 0))
    _check(fn, varied)
    out = fn(*primals, **(kwargs or {}))
    grads = _grads(fn, out)
    dot = sum(float(np.vdot(np.asarray(g, dtype=float), np.asarray(tangents[i], dtype=float)))
              for g, i in zip(grads, fn._indices) if i < len(tangents))
    _, g_dot = forward_arrays.jvp(_gradient_only(fn), primals, tangents, kwargs=kwargs)
    return out, (dot, as_tuple(g_dot) if fn._tuple else g_dot)


def columns(fn, indices: tuple, args: tuple, last=None) -> tuple:
    """As :func:`forward_arrays.columns`: the outputs (the value, then the
    gradients) and per index the Jacobian of each (the gradient, then the
    Hessian blocks)."""
    from . import forward_arrays
    _check(fn, indices)
    out = fn(*args)
    value, grads = out[0], _grads(fn, out)
    g_outs, blocks = forward_arrays.columns(_gradient_only(fn), indices, args, last)
    by_index = dict(zip(fn._indices, grads))
    return (value,) + tuple(g_outs), {i: (by_index[i],) + tuple(blocks[i]) for i in indices}
