"""Reading a call of the API: which parameters ``wrt`` names, the function's
signature and defaults, and what is left of the scalar-only rule."""
from __future__ import annotations

import inspect

import numpy as np

from ..errors import AdcError, UsageError
from ..frontend.source import ensure_function
from ..runtime.pytrees import is_tree
from ..runtime.realargs import refuse_complex


class _FirstParameter(int):
    """The default ``wrt``: parameter 0, told apart from an explicit ``wrt=0``
    so that ``wrt=0, argnums=1`` is refused rather than one silently winning."""

    def __repr__(self) -> str:
        return "0"


WRT0 = _FirstParameter(0)


def pick_wrt(wrt, argnums):
    """``argnums=`` (JAX's name) or ``wrt=``, never both; neither: parameter 0."""
    if argnums is None:
        return 0 if wrt is WRT0 else wrt
    if wrt is not WRT0:
        raise UsageError(f"give wrt= or argnums= (JAX's name for it), not both (got "
                         f"wrt={wrt!r}, argnums={argnums!r})")
    return argnums


def wrt_indices(fn, wrt) -> tuple:
    """Normalise ``wrt`` (index, name, or a tuple of them) to parameter indices."""
    if not hasattr(type(fn), "source"):  # compiled derivatives are transformed further
        ensure_function(fn)  # a class or builtin gets its own message, not one about wrt
    try:
        found = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        raise UsageError(f"{fn!r} is not a Python function") from None
    params = list(found)
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    if not items:
        raise UsageError("wrt is empty: name at least one parameter")
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise UsageError(f"wrt must be a parameter index or name, not {item!r}")
        if isinstance(item, int):
            if not -len(params) <= item < len(params):
                raise UsageError(f"wrt={item} is out of range: {fn.__name__} has "
                                 f"{len(params)} parameter(s)")
            out.append(item % len(params))
        else:
            if item not in params:
                raise UsageError(f"{fn.__name__} has no parameter named {item!r} "
                                 f"(it has {', '.join(params) or 'none'})")
            out.append(params.index(item))
    if len(set(out)) != len(out):
        raise UsageError(f"wrt names a parameter twice: {wrt!r}")
    for i in out:
        if found[params[i]].kind is inspect.Parameter.VAR_POSITIONAL:
            raise UsageError(f"wrt names *{params[i]}: its values are constants of the call "
                             f"(SciPy's args=); differentiate with respect to a named "
                             f"parameter")
    return tuple(out)


def signature_of(fn) -> inspect.Signature:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        raise UsageError(f"{fn!r} is not a Python function") from None


def defaults_tail(fn, n: int) -> tuple:
    """Default values of the parameters after the first ``n`` (all must have one)."""
    return tail_with(fn, n, {})


def tail_with(fn, n: int, kwargs: dict) -> tuple:
    """The values of the parameters after the first ``n``: the keyword
    arguments of the call by name, else their defaults.  A keyword naming
    one of the first ``n`` (given by position) or no parameter is Python's
    ``TypeError``."""
    params = list(signature_of(fn).parameters.values())
    names = [p.name for p in params]
    for key in kwargs:
        if key not in names or params[names.index(key)].kind in (
                inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise TypeError(f"{name_of(fn)}() got an unexpected keyword argument {key!r}")
        if names.index(key) < n:
            raise TypeError(f"{name_of(fn)}() got multiple values for argument {key!r}")
    missing = [p.name for p in params[n:] if p.name not in kwargs
               and p.default is inspect.Parameter.empty]
    if missing:
        raise UsageError(f"give a value for every parameter without a default "
                         f"({len(params)} parameter(s), got {n + len(kwargs)}; missing "
                         f"{', '.join(missing)})")
    return tuple(kwargs.get(p.name, p.default) for p in params[n:])


def name_of(fn) -> str:
    """The function's name as emitted names start (``f`` in ``f_jvp``)."""
    return getattr(fn, "__name__", "f").replace("<", "").replace(">", "")


def as_tuple(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


STRUCTURES_WORK = ("structures of parameters work in grad, value_and_grad, jvp, vjp, hvp, "
                   "hessian and jacobian (jacfwd, jacrev) called on the function itself; not "
                   "through a compiled derivative (grad(f) passed to another transform), in "
                   "derivative (its variable is one number) or with *args")


def scalars_only(args, what: str) -> None:
    """What is left of the scalar-only rule: a transform of compiled
    derivative code (and ``derivative``, and ``def f(x, *args)`` with a
    structure) runs numbers only, so arrays and structures reaching it get
    a clear error saying where they do work, never a wrong answer.
    Complex arguments are refused (see realargs.py)."""
    refuse_complex([f"#{k + 1}" for k in range(len(args))], args)
    for a in args:
        if isinstance(a, dict) or (isinstance(a, (list, tuple)) and is_tree(a)):
            raise AdcError(f"{what} does not take a dict, list or tuple of parameters here: "
                           + STRUCTURES_WORK)
        if isinstance(a, np.ndarray) or (hasattr(a, "__len__") and not isinstance(a, str)):
            raise AdcError(f"{what} does not take an array here: arrays work in every "
                           "transform called on the function itself and in forward mode over "
                           "a reverse-mode gradient (jacobian(grad(f)), jvp(grad(f), ...)), "
                           "but this one runs compiled forward-mode code, which takes numbers "
                           "only; call hessian, hvp or derivative(f, order=k) on the function "
                           "itself")
