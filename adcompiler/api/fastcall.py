"""The fast path of a call of ``grad(f)`` where api/fused.py's guarded copy
of the emitted function cannot be made (``*args``, renamed parameters,
keyword-only ones with the JIT): a dispatcher per kind of call.

After a call has found (or compiled) the emitted function for its kind of
arguments, :class:`~adcompiler.api.reverse_grad.Derivative` installs a
dispatcher specialised to that kind: a function with one positional
parameter per argument that checks, inline, that the next call is of the
same kind (the same type of each scalar; for an array, the same dtype object
and shape), that it passes no keywords, and that the compiled code is still
fresh (the globals it read still give the same objects), and then calls the
emitted function directly.  Anything else goes to the general call, which
finds the right code and installs a dispatcher for it.  So a later call with
arrays never runs scalar code, and a changed global is still noticed on the
call that follows the change, at about 0.1 µs per call instead of 0.5-1 µs
for the general path's type tuple, dictionary lookup and attribute writes.

The dispatcher's code depends only on the number of arguments, which of
them are arrays, and whether a freshness check is needed; it is built once
per such layout as an AST (a factory whose parameters become the
dispatcher's closure cells), printed (so that tracebacks show its lines) and
compiled; each install is one factory call.
"""
from __future__ import annotations

import ast
import functools
import linecache

import numpy as np

from ..errors import AdcError
from ..runtime.tracebacks import user_error

_NO = object()  # "this positional argument was not passed"
_FIXED = ("fn", "fresh", "finish", "general", "NO", "given", "ndarray", "AdcError", "cut",
          "checks")


def dispatcher(fn, fresh, finish, general, args: tuple, results: int | None = 0,
               tail: tuple = ()):
    """A function behaving like ``general`` that runs ``finish(fn(*args))``
    directly for calls of the kind of ``args`` (positional only, with
    ``fresh()`` true; ``fresh`` None: nothing to check).  ``finish`` takes the
    emitted function's result to what the caller gets; a float (``results``
    0) or a tuple of ``results`` floats passes as it is, unfinished (never,
    with ``results`` None).  ``tail``: values passed after the arguments
    (numba's functions: defaults given explicitly, runtime/jit.py)."""
    arrays = tuple(type(a) is np.ndarray for a in args)
    consts = []
    for a, is_array in zip(args, arrays):
        consts += [a.dtype, a.shape] if is_array else [type(a)]
    checks = getattr(fresh, "checks", None)  # runtime/watch.py: the checks, inlined
    freshness = None if fresh is None else len(checks) if checks else 0
    make = _factory(len(args), arrays, freshness, results, len(tail))
    return make(fn, fresh, finish, general, _NO, _given, np.ndarray, AdcError, user_error,
                checks, *consts, *tail)


def _given(passed: tuple) -> tuple:
    """The positional arguments a call really passed (the others hold _NO)."""
    return tuple(a for a in passed if a is not _NO)


def _name(id_: str) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Load())


def _call(fn: str, *args) -> ast.Call:
    return ast.Call(func=_name(fn), args=list(args), keywords=[])


def _is(left, right) -> ast.Compare:
    return ast.Compare(left=left, ops=[ast.Is()], comparators=[right])


def _checks(arrays: tuple) -> tuple:
    """The factory's constant parameters and the dispatcher's tests of its
    arguments: ``type(a0) is t0``, or for an array ``type(a0) is ndarray and
    a0.dtype is d0 and a0.shape == s0``."""
    params, tests = [], []
    for k, is_array in enumerate(arrays):
        arg = _name(f"a{k}")
        if is_array:
            params += [f"d{k}", f"s{k}"]
            tests += [_is(_call("type", arg), _name("ndarray")),
                      _is(ast.Attribute(value=arg, attr="dtype", ctx=ast.Load()),
                          _name(f"d{k}")),
                      ast.Compare(left=ast.Attribute(value=arg, attr="shape", ctx=ast.Load()),
                                  ops=[ast.Eq()], comparators=[_name(f"s{k}")])]
        else:
            params.append(f"t{k}")
            tests.append(_is(_call("type", arg), _name(f"t{k}")))
    return params, tests


def _floats(results: int):
    """The test that the emitted function's result ``r`` is already what the
    caller gets: a float (``results`` 0), or a tuple of that many floats;
    None (``results`` None): it never is, ``finish`` always reshapes it."""
    r = _name("r")
    if results is None:
        return None
    if not results:
        return _is(_call("type", r), _name("float"))
    items = [_is(_call("type", ast.Subscript(value=r, slice=ast.Constant(value=k),
                                             ctx=ast.Load())), _name("float"))
             for k in range(results)]
    return ast.BoolOp(op=ast.And(), values=[_is(_call("type", r), _name("tuple"))] + items)


def _fresh(freshness, run: list) -> list:
    """``run`` guarded by the freshness check: none (``freshness`` None),
    ``fresh()`` (0), or the watch's ``freshness`` checks inlined (each
    ``(fetch, holder, want)`` of runtime/watch.py's list, read afresh on every
    call since a recheck replaces them: ``fetch(holder) == want``); anything
    but all true, such as a deleted name, goes to ``fresh()``, which compiles
    again when needed."""
    if freshness is None:
        return run
    if freshness == 0:
        return [ast.If(test=_call("fresh"), body=run, orelse=[])]
    unpack, same = [], []
    for k in range(freshness):
        names = [f"f{k}", f"h{k}", f"w{k}"]
        unpack.append(ast.Assign(
            targets=[ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Store()) for n in names],
                               ctx=ast.Store())],
            value=ast.Subscript(value=_name("checks"), slice=ast.Constant(value=k),
                                ctx=ast.Load()), lineno=0))
        same.append(ast.Compare(left=_call(names[0], _name(names[1])), ops=[ast.Eq()],
                                comparators=[_name(names[2])]))
    ok = ast.Name(id="ok", ctx=ast.Store())
    value = same[0] if len(same) == 1 else ast.BoolOp(op=ast.And(), values=same)
    probe = ast.Try(body=unpack + [ast.Assign(targets=[ok], value=value, lineno=0)], handlers=[
        ast.ExceptHandler(type=_name("Exception"), name=None, body=[
            ast.Assign(targets=[ok], value=ast.Constant(value=False), lineno=0)])],
                    orelse=[], finalbody=[])
    test = ast.BoolOp(op=ast.Or(), values=[_is(_name("ok"), ast.Constant(value=True)),
                                           _call("fresh")])
    return [probe, ast.If(test=test, body=run, orelse=[])]


@functools.lru_cache(maxsize=None)
def _factory(n: int, arrays: tuple, freshness, results, tail: int = 0):
    """``make(fn, fresh, ..., *constants) -> dispatcher`` for ``n`` arguments
    (``freshness``: see :func:`_fresh`; ``results``: see :func:`_floats`)."""
    params, tests = _checks(arrays)
    names = [_name(f"a{k}") for k in range(n)]
    tests += [ast.UnaryOp(op=ast.Not(), operand=_name("rest")),
              ast.UnaryOp(op=ast.Not(), operand=_name("kwargs"))]
    params += [f"tail{k}" for k in range(tail)]
    result = ast.Assign(targets=[ast.Name(id="r", ctx=ast.Store())], lineno=0,
                        value=_call("fn", *names, *[_name(f"tail{k}") for k in range(tail)]))
    test = _floats(results)
    as_is = [] if test is None else [ast.If(test=test, body=[ast.Return(value=_name("r"))],
                                            orelse=[])]
    run = [result, *as_is, ast.Return(value=_call("finish", _name("r")))]
    fast = ast.If(test=ast.BoolOp(op=ast.And(), values=tests), body=_fresh(freshness, run),
                  orelse=[])
    passed = ast.Starred(value=_call("given", ast.Tuple(elts=names, ctx=ast.Load())),
                         ctx=ast.Load())
    general = ast.Call(func=_name("general"),
                       args=[passed, ast.Starred(value=_name("rest"), ctx=ast.Load())],
                       keywords=[ast.keyword(arg=None, value=_name("kwargs"))])
    handler = ast.ExceptHandler(type=_name("AdcError"), name="err", body=[
        ast.Raise(exc=_call("cut", _name("err")), cause=ast.Constant(value=None))])
    slow = ast.Try(body=[ast.Return(value=general)], handlers=[handler], orelse=[],
                   finalbody=[])
    inner = ast.FunctionDef(
        name="__call__", body=[fast, slow], decorator_list=[], returns=None,
        args=ast.arguments(posonlyargs=[ast.arg(arg=f"a{k}") for k in range(n)], args=[],
                           vararg=ast.arg(arg="rest"), kwonlyargs=[], kw_defaults=[],
                           kwarg=ast.arg(arg="kwargs"), defaults=[_name("NO")] * n))
    outer = ast.FunctionDef(
        name="make", decorator_list=[], returns=None,
        body=[inner, ast.Return(value=_name("__call__"))],
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in _FIXED + tuple(params)],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]))
    text = ast.unparse(ast.fix_missing_locations(ast.Module(body=[outer], type_ignores=[])))
    filename = f"<adcompiler dispatcher {n} {arrays} {freshness} {results} {tail}>"
    lines = [line + "\n" for line in text.split("\n")]
    linecache.cache[filename] = (len(text), None, lines, filename)  # tracebacks show it
    namespace: dict = {}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["make"]
