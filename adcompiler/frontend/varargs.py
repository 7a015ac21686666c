"""SciPy-style ``def f(x, *args)``: the extra positional values are
constants of the call (``minimize(f, x0, args=(a, b), jac=grad(f))``).
The number of them is known at each call, so the function is compiled once
per count as if it read ``def f(x, args_0, args_1)`` with ``args = (args_0,
args_1)`` as its first statement: a tuple of known length, which indexing,
unpacking and loops already handle."""
from __future__ import annotations

import ast
import copy
import dataclasses
import inspect

from .source import SourceFunction


def has_varargs(fn) -> bool:
    code = getattr(fn, "__code__", None)
    return code is not None and bool(code.co_flags & 0x04)


def extra_count(fn, nargs: int) -> int:
    """How many positional values of a call with ``nargs`` land in ``*args``."""
    bound = 1 if hasattr(fn, "__self__") else 0  # model.loss: self is given
    return max(0, nargs - fn.__code__.co_argcount + bound)


def specialize(sf: SourceFunction, count: int) -> SourceFunction:
    """``sf`` with its ``*name`` parameter replaced by ``count`` ordinary ones."""
    node = sf.node
    a = node.args
    if a.vararg is None:
        return sf
    if a.defaults or a.kwonlyargs or a.kwarg:
        raise sf.error("*args is supported after plain parameters without defaults only "
                       "(no defaults, keyword-only parameters or **kwargs with it): pass "
                       "those values positionally", node, "*args")
    star = a.vararg.arg
    taken = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    taken |= {p.arg for p in a.args}
    names = [f"{star}_{k}" for k in range(count)]
    clash = sorted(taken.intersection(names))
    if clash:
        raise sf.error(f"the values of *{star} are named {star}_0, {star}_1, ... in the "
                       f"compiled code, and {clash[0]} is already a name here: rename it",
                       node, "*args")
    new_args = copy.copy(a)
    new_args.args = a.args + [ast.arg(arg=n) for n in names]
    new_args.vararg = None
    pack = ast.Assign(targets=[ast.Name(star, ast.Store())],
                      value=ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load()))
    ast.copy_location(pack, node.body[0])
    ast.fix_missing_locations(pack)
    new = copy.copy(node)
    new.args = new_args
    new.body = [pack] + list(node.body)
    return dataclasses.replace(sf, node=new)


class Counted:
    """``def f(x, *args)`` called with ``count`` values in ``*args``, as a
    function of its own: its signature names them (``args_0``, ``args_1``),
    its source is :func:`specialize`'s, so every transform (``jvp``,
    ``hessian``, ``jacobian``, ...) compiles it as it compiles any function.
    Equal for the same function and count (the transforms cache by it)."""

    def __init__(self, fn, count: int) -> None:
        self.fn, self.count = fn, count
        self.__name__ = fn.__name__
        params = []
        for p in inspect.signature(fn).parameters.values():
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
                params += [inspect.Parameter(f"{p.name}_{k}", kind) for k in range(count)]
            else:
                params.append(p)
        self.__signature__ = inspect.Signature(params)

    def adc_load(self):
        """The parsed source, ``*args`` replaced by ``count`` parameters."""
        from .source import load_live
        return specialize(load_live(self.fn), self.count)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, Counted) and (self.fn, self.count) == (other.fn, other.count)

    def __hash__(self) -> int:
        return hash((Counted, self.fn, self.count))

    def __repr__(self) -> str:
        return f"<{self.__name__} with {self.count} *args values>"


def counted(fn, nargs: int):
    """``fn`` as called with ``nargs`` positional values: a :class:`Counted`
    when it takes ``*args``, else ``fn`` itself."""
    return Counted(fn, extra_count(fn, nargs)) if has_varargs(fn) else fn
