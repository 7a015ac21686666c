"""``has_aux=True`` in forward mode: ``grad(f, mode="forward", has_aux=True)``,
``value_and_grad(..., mode="forward", has_aux=True)`` and
``jacobian(f, mode="forward", has_aux=True)`` (``jacfwd``), with the return
shapes of reverse mode (``(g, aux)``, ``((value, aux), g)``, ``(J, aux)``).

``f`` returns ``(value, aux)``; frontend/auxout.py rewrites its returns to
``return value, leaf1, leaf2, ...``.  :class:`AuxOut` is that rewritten
function, which the array forward pipeline compiles as any other: the aux
leaves are primal outputs of the tangent code, read from its first pass
and put back into their structure (their tangents are not used).
"""
from __future__ import annotations

import inspect

import numpy as np

from ..errors import UsageError
from ..frontend import varargs
from ..frontend.auxout import count, rebuild, split_aux
from ..frontend.source import load_live
from ..runtime.pytrees import is_tree
from ..runtime.realargs import float_gradient
from ..runtime.tracebacks import user_facing
from . import forward_arrays
from .arguments import name_of, tail_with


class AuxOut:
    """``fn`` (returning ``(value, aux)``) as a function returning the value
    and then the aux leaves; ``structure`` puts the leaves back together."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.__name__ = name_of(fn)
        self.__signature__ = inspect.signature(fn)
        self.structure = self.adc_load_split()[1]

    def adc_load_split(self) -> tuple:
        return split_aux(load_live(self.fn))

    def adc_load(self):
        """The parsed source with ``return value, aux`` opened into leaves."""
        return self.adc_load_split()[0]

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, AuxOut) and self.fn == other.fn

    def __hash__(self) -> int:
        return hash((AuxOut, self.fn))


_MADE: dict = {}


def _aux_columns(fn, indices: tuple, args: tuple, kwargs: dict, last):
    """``(value outputs, aux, {wrt index: per value output, the Jacobian})``."""
    if any(isinstance(a, dict) or isinstance(a, (list, tuple)) and is_tree(a)
           for a in args + tuple(kwargs.values())):
        raise UsageError(f"has_aux=True takes numbers and arrays as arguments (a dict, list "
                         f"or tuple was passed to {name_of(fn)}); pass arrays")
    inner = varargs.counted(fn, len(args))
    key = (inner, getattr(fn, "__code__", None))
    made = _MADE.get(key)
    if made is None:
        made = _MADE[key] = AuxOut(inner)
    if kwargs:
        args = tuple(args) + tail_with(inner, len(args), kwargs)
    outs, blocks = forward_arrays.columns(made, indices, args, last, count(made.structure))
    n = len(outs) - count(made.structure)
    aux = rebuild(made.structure, outs[n:])
    return outs[:n], aux, {i: b[:n] for i, b in blocks.items()}


def grad(fn, indices: tuple, many: bool, with_value: bool, args: tuple, kwargs: dict,
         last=None):
    """``(g, aux)``, or ``((value, aux), g)`` with ``with_value``."""
    outs, aux, blocks = _aux_columns(fn, indices, args, kwargs, last)
    if len(outs) != 1 or np.ndim(outs[0]):
        raise UsageError(f"{name_of(fn)} must return (a scalar value, aux) for grad with "
                         "has_aux=True; use jacobian for a vector value")
    grads = tuple(float_gradient(blocks[i][0]) for i in indices)
    g = grads if many else grads[0]
    return ((outs[0], aux), g) if with_value else (g, aux)


def jacobian(fn, indices: tuple, many: bool, args: tuple, kwargs: dict, last=None):
    """``(J, aux)`` in :func:`api.jacobian`'s nesting (outputs, then ``wrt``)."""
    outs, aux, blocks = _aux_columns(fn, indices, args, kwargs, last)
    rows = [tuple(blocks[i][k] for i in indices) for k in range(len(outs))]
    rows = [r if many else r[0] for r in rows]
    return (rows[0] if len(rows) == 1 else tuple(rows)), aux


class ForwardAux:
    """What ``grad``/``value_and_grad(..., mode="forward", has_aux=True)`` return."""

    def __init__(self, fn, indices: tuple, many: bool, with_value: bool) -> None:
        self.fn, self.indices, self.many, self.with_value = fn, indices, many, with_value
        self.__name__ = name_of(fn) + ("_value_and_grad" if with_value else "_grad")
        self.last = forward_arrays.Last()

    @user_facing
    def __call__(self, *args, **kwargs):
        return grad(self.fn, self.indices, self.many, self.with_value, args, kwargs,
                    self.last)

    @property
    @user_facing
    def source(self) -> str:
        """The emitted code of the last call (it depends on the call's shapes)."""
        return self.last.source(self.fn)

    def __repr__(self) -> str:
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<adcompiler forward {kind} (has_aux) of {name_of(self.fn)}>"
