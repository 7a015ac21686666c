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
