"""The fastest path of a call of ``grad(f)``: the emitted function, guarded.

:mod:`.fastcall`'s dispatcher is a second Python function in front of the
emitted one; its frame, its ``**kwargs`` dictionary and its tests cost about
0.1 µs, as much as a small gradient.  Here the tests move into a private copy
of the emitted function itself: the same parameters (so keywords, defaults
and a bad call behave, and are reported, exactly as the emitted function
does), then, before its first statement, one test that the call is of the
kind it was installed for (the type of each scalar; for an array, its dtype
object and shape; a parameter left at its default at install must be left
out again) and that the globals the code was compiled with still give the
same objects.  Anything else goes, as the user passed it, to the general
call, which compiles when needed and installs the copy for the new kind.
Every ``return`` gives the caller's result (``finish``) unless it is already
a float (or the tuple of floats a tuple ``wrt`` asks for).

The copy is compiled from the emitted module's text with the same file name
and line numbers, in the module's namespace, so a traceback through it shows
the emitted lines.  The default emitted code (``.source``, goldens) is not
touched.  Functions with ``*args`` or ``**kwargs`` parameters, numba's
functions, and parameters named otherwise than the user's keep the
dispatcher (:func:`supported` says which).
"""
from __future__ import annotations

import ast
import functools

import numpy as np

from ..frontend.source import _MISSING
from .fastcall import _NO as NO

P = "_adc_"  # the prefix of every name the guard adds (refused if the code uses it)
_FIXED = ("finish", "general", "recall", "cut", "AdcError", "NO", "type", "float", "tuple",
          "ndarray", "fresh", "target", "f64")
_F64 = np.dtype(np.float64)


def supported(loaded, user_params: list) -> bool:
    """Can calls of the emitted function ``loaded`` take the guarded copy?
    Plain parameters (no ``*args``/``**kwargs``) named as the user's."""
    code = getattr(loaded, "__code__", None)
    if code is None or code.co_flags & 0x0C:  # CO_VARARGS | CO_VARKEYWORDS
        return False
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    return list(names) == list(user_params)


def watched(watch, fn, every_given: bool) -> tuple:
    """The watched names ``(kind, holder, key, value)`` a guarded copy tests.
    When a call gives every parameter, the defaults of ``fn`` (the user's
    function) cannot change its result: they are not tested."""
    if watch is None:
        return ()
    return tuple(item for item in watch.items if not (
        every_given and item[0] == "attr" and item[1] is fn
        and item[2] in ("__defaults__", "__kwdefaults__")))


def snapshot(items: tuple) -> tuple:
    """The objects the watched names give now (what the guard compares)."""
    return tuple(_now(kind, holder, key) for kind, holder, key, _ in items)


def guarded(loaded, source: str, args: tuple, watch, items: tuple, values: tuple, results,
            finish, general, cut, error_type, target=None):
    """The guarded copy of ``loaded`` for calls like ``args`` (positional, all
    given before any default), testing the names ``items`` of ``watch``
    (:func:`watched`) against ``values`` (their :func:`snapshot`); None when
    the module text does not allow one.  ``target``: the copy's body is
    ``return target(every parameter)`` instead (numba's compiled function,
    runtime/jit.py: the guard in Python, the work in machine code)."""
    code = _factory(source, loaded.__name__, loaded.__code__.co_filename, len(args),
                    _layout(args), _fresh_layout(items), results, target is not None)
    if code is None:
        return None
    scope: dict = {}
    exec(code, loaded.__globals__, scope)  # the copy reads the emitted module's names
    make = scope[P + "make"]
    defaults = _defaults(loaded)
    names = loaded.__code__.co_varnames[:loaded.__code__.co_argcount +
                                        loaded.__code__.co_kwonlyargcount]
    consts = []
    for k, a in enumerate(args):
        consts += [a.dtype, a.shape] if type(a) is np.ndarray else [type(a)]
    consts += [defaults[n] for n in names[len(args):]]
    holders = [h for _, h, _, _ in items]
    positional = loaded.__code__.co_argcount
    recall = functools.partial(_recall, names, positional)
    fresh = getattr(watch, "fresh", None)
    fn = make(finish, general, recall, cut, error_type, NO, type, float, tuple, np.ndarray,
              fresh, target, _F64, *consts, *[x for pair in zip(holders, values) for x in pair])
    fn.__qualname__ = loaded.__qualname__
    fn.__doc__ = loaded.__doc__
    return fn


def _recall(names: tuple, positional: int, general, values: tuple):
    """``general`` called as the user called the guarded copy: the values
    given (not :data:`NO`), by position up to the first left out, then by
    keyword."""
    args, kwargs, by_position = [], {}, True
    for k, (name, value) in enumerate(zip(names, values)):
        if value is NO:
            by_position = False
        elif by_position and k < positional:
            args.append(value)
        else:
            kwargs[name] = value
    return general(*args, **kwargs)


def _defaults(loaded) -> dict:
    """The emitted function's default values by parameter name."""
    code = loaded.__code__
    positional = code.co_varnames[:code.co_argcount]
    out = dict(zip(positional[len(positional) - len(loaded.__defaults__ or ()):],
                   loaded.__defaults__ or ()))
    out.update(loaded.__kwdefaults__ or {})
    return out


def _layout(args: tuple) -> tuple:
    return tuple(type(a) is np.ndarray for a in args)


def _fresh_layout(items: tuple) -> tuple:
    """What the freshness test reads: per watched name its kind and key (a
    name that must stay undefined, an array: checked by ``fresh()``)."""
    out = []
    for kind, _, key, value in items:
        if value is _MISSING:
            out.append(("absent", key))
        elif isinstance(value, np.ndarray) or (kind == "attr" and not _identifier(key)):
            out.append(("fresh", None))
        else:
            out.append((kind, key))
    return tuple(out)


def _identifier(name) -> bool:
    import keyword
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _now(kind: str, holder, key):
    try:
        if kind == "dict":
            return holder.get(key, _MISSING)
        if kind == "attr":
            return getattr(holder, key, _MISSING)
        return holder.cell_contents
    except Exception:  # an empty cell
        return _MISSING


def _n(name: str) -> ast.Name:
    return ast.Name(id=P + name, ctx=ast.Load())


def _call(fn: str, *args) -> ast.Call:
    return ast.Call(func=_n(fn), args=list(args), keywords=[])


def _is(left, right) -> ast.Compare:
    return ast.Compare(left=left, ops=[ast.Is()], comparators=[right])


def _type_tests(params: list, arrays: tuple) -> tuple:
    """Factory parameters and tests: each given parameter's type (an array's
    dtype and shape too), each other one left out (:data:`NO`)."""
    consts, tests = [], []
    for k, p in enumerate(params):
        arg = ast.Name(id=p, ctx=ast.Load())
        if k >= len(arrays):
            tests.append(_is(arg, _n("NO")))
            continue
        if arrays[k]:
            consts += [f"d{k}", f"s{k}"]
            tests += [_is(_call("type", arg), _n("ndarray")),
                      _is(ast.Attribute(value=arg, attr="dtype", ctx=ast.Load()), _n(f"d{k}")),
                      ast.Compare(left=ast.Attribute(value=arg, attr="shape", ctx=ast.Load()),
                                  ops=[ast.Eq()], comparators=[_n(f"s{k}")])]
        else:
            consts.append(f"t{k}")
            tests.append(_is(_call("type", arg), _n(f"t{k}")))
    consts += [f"v{k}" for k in range(len(arrays), len(params))]
    return consts, tests


def _fresh_tests(layout: tuple) -> tuple:
    """Factory parameters (holder and object of each watched name) and tests:
    ``h[key] is w``, ``h.key is w``, ``h.cell_contents is w``, ``key not in
    h``; ``fresh()`` once for what is not inlined."""
    consts, tests, slow = [], [], False
    for k, (kind, key) in enumerate(layout):
        consts += [f"h{k}", f"w{k}"]
        holder = _n(f"h{k}")
        if kind == "absent":
            tests.append(ast.Compare(left=ast.Constant(value=key), ops=[ast.NotIn()],
                                     comparators=[holder]))
        elif kind == "dict":
            tests.append(_is(ast.Subscript(value=holder, slice=ast.Constant(value=key),
                                           ctx=ast.Load()), _n(f"w{k}")))
        elif kind == "attr":
            tests.append(_is(ast.Attribute(value=holder, attr=key, ctx=ast.Load()), _n(f"w{k}")))
        elif kind == "fresh":
            slow = True
        else:
            tests.append(_is(ast.Attribute(value=holder, attr="cell_contents", ctx=ast.Load()),
                             _n(f"w{k}")))
    if slow:
        tests.append(_call("fresh"))
    return consts, tests


class _Returns(ast.NodeTransformer):
    """Every ``return x`` of the function (not of functions inside it) gives
    ``x`` as it is when it is already the caller's result (a float, or a
    float64 array: what ``finish`` would give back unchanged, without the
    cost of calling it), else ``finish(x)``."""

    def __init__(self, results) -> None:
        self.results = results

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def visit_Return(self, node):
        value = node.value or ast.Constant(value=None)
        if self.results is None:
            return ast.copy_location(ast.Return(value=_call("finish", value)), node)
        r = ast.Name(id=P + "r", ctx=ast.Store())
        first = ast.NamedExpr(target=r, value=value)
        if not self.results:
            test = _final(first, _n("r"))
        else:
            items = [_final(_item(k), _item(k)) for k in range(self.results)]
            test = ast.BoolOp(op=ast.And(), values=[_is(_call("type", first), _n("tuple")),
                                                    *items])
        choice = ast.IfExp(test=test, body=_n("r"), orelse=_call("finish", _n("r")))
        return ast.copy_location(ast.Return(value=choice), node)


def _item(k: int) -> ast.Subscript:
    return ast.Subscript(value=_n("r"), slice=ast.Constant(value=k), ctx=ast.Load())


def _final(first, again) -> ast.BoolOp:
    """``type(x) is float or type(x) is ndarray and x.dtype is f64``: a result
    the caller gets as it is (``first`` evaluates x, ``again`` reads it)."""
    array = ast.BoolOp(op=ast.And(), values=[
        _is(_call("type", again), _n("ndarray")),
        _is(ast.Attribute(value=again, attr="dtype", ctx=ast.Load()), _n("f64"))])
    return ast.BoolOp(op=ast.Or(), values=[_is(_call("type", first), _n("float")), array])


@functools.lru_cache(maxsize=256)
def _factory(source: str, name: str, filename: str, given: int, arrays: tuple, layout: tuple,
             results, call: bool = False):
    """The code defining ``_adc_make(finish, ..., *constants) -> guarded copy``
    of function ``name`` of the module text ``source`` (compiled as
    ``filename``); None when the text does not allow one."""
    tree = ast.parse(source)
    fdef = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name),
                None)
    if fdef is None or any(getattr(n, "id", getattr(n, "arg", "")).startswith(P)
                           for n in ast.walk(tree) if isinstance(n, (ast.Name, ast.arg))):
        return None
    a = fdef.args
    if a.vararg or a.kwarg or a.posonlyargs or (call and a.kwonlyargs):
        return None
    params = [p.arg for p in a.args + a.kwonlyargs]
    if given > len(a.args) or len(a.args) - len(a.defaults) > given:
        return None
    consts, tests = _type_tests(params, arrays)
    fresh_consts, fresh = _fresh_tests(layout)
    ok = ast.Name(id=P + "ok", ctx=ast.Store())
    probe = ast.Try(body=[ast.Assign(targets=[ok], value=ast.BoolOp(
        op=ast.And(), values=tests + fresh) if len(tests + fresh) > 1 else (tests + fresh)[0])],
        handlers=[ast.ExceptHandler(type=ast.Name(id="Exception", ctx=ast.Load()), name=None,
                                    body=[ast.Assign(targets=[ok],
                                                     value=ast.Constant(value=False))])],
        orelse=[], finalbody=[])
    values = ast.Tuple(elts=[ast.Name(id=p, ctx=ast.Load()) for p in params], ctx=ast.Load())
    err = P + "err"
    slow = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=_n("ok")), orelse=[], body=[ast.Try(
        body=[ast.Return(value=_call("recall", _n("general"), values))],
        handlers=[ast.ExceptHandler(type=_n("AdcError"), name=err, body=[
            ast.Raise(exc=_call("cut", _n("err")), cause=ast.Constant(value=None))])],
        orelse=[], finalbody=[])])
    left_out = [ast.Assign(targets=[ast.Name(id=p, ctx=ast.Store())], value=_n(f"v{k}"))
                for k, p in enumerate(params) if k >= given]
    head = [probe, slow] + left_out
    for node in head:
        for sub in ast.walk(node):  # the guard is on the def line in tracebacks
            sub.lineno = sub.end_lineno = fdef.lineno
            sub.col_offset, sub.end_col_offset = 0, 0
    if call:  # the work is done by target: the emitted body only gives line numbers
        fdef.body = [ast.copy_location(ast.Return(value=_call("target", *[
            ast.Name(id=p, ctx=ast.Load()) for p in params])), fdef.body[-1])]
    body = [_Returns(results).visit(stmt) for stmt in fdef.body]
    a.defaults = [_n("NO") for _ in a.defaults]
    a.kw_defaults = [None if d is None else _n("NO") for d in a.kw_defaults]
    fdef.body = head + body
    fdef.decorator_list = []
    make = ast.FunctionDef(
        name=P + "make", decorator_list=[], returns=None,
        body=[fdef, ast.Return(value=ast.Name(id=name, ctx=ast.Load()))],
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=P + c) for c in
                                                 _FIXED + tuple(consts) + tuple(fresh_consts)],
                           vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                           defaults=[]))
    ast.copy_location(make, fdef)
    module = ast.fix_missing_locations(ast.Module(body=[make], type_ignores=[]))
    return compile(module, filename, "exec")
