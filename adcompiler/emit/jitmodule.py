"""``adc compile --jit``: the emitted module with its functions compiled by numba.

Inside :func:`jit_modules`, every module :func:`decorated` sees gets
``import numba`` and ``@numba.njit`` on each function; numba has no
``reversed``, which the adjoint loops use (over a tape list or a
``range``), so a module that uses it also carries a short definition of it
for numba (the same one ``grad(f, jit=True)`` registers, runtime/jit.py).
The default path never enters here: its emitted code is unchanged.
"""
from __future__ import annotations

import ast
import contextlib
import contextvars

from ..runtime.jit import REVERSED_FOR_NUMBA

_ACTIVE = contextvars.ContextVar("adc_jit_modules", default=False)


@contextlib.contextmanager
def jit_modules():
    """Within: emitted modules are decorated for numba (``adc compile --jit``)."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def decorated(module: ast.Module) -> ast.Module:
    """``module``, with ``@numba.njit`` on its functions inside :func:`jit_modules`."""
    if not _ACTIVE.get():
        return module
    njit = ast.Attribute(value=ast.Name(id="numba", ctx=ast.Load()), attr="njit", ctx=ast.Load())
    defs = [node for node in module.body if isinstance(node, ast.FunctionDef)]
    first = module.body.index(defs[0]) if defs else len(module.body)
    _float64_dtypes(module)
    for node in defs:
        node.decorator_list = [njit]
        wrapper = _checking_wrapper(node)
        if wrapper is not None:
            module.body.insert(module.body.index(node) + 1, wrapper)
    extra = [ast.Import(names=[ast.alias(name="numba")])]
    if any(isinstance(n, ast.Name) and n.id == "reversed" for n in ast.walk(module)):
        extra += ast.parse(REVERSED_FOR_NUMBA).body
    module.body[first:first] = extra
    return ast.fix_missing_locations(module)


def _checking_wrapper(node: ast.FunctionDef):
    """The argument checks an entry of array code starts with (``if ...:
    raise ValueError(...)``: NumPy calls and string formatting that numba
    does not compile) moved into a plain Python function of the entry's name,
    which then calls the compiled body, renamed ``<name>_numba``; None when
    ``node`` starts with no check."""
    count = 0
    for stmt in node.body:
        if not (isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1
                and isinstance(stmt.body[0], ast.Raise)):
            break
        count += 1
    if not count:
        return None
    checks, node.body = node.body[:count], node.body[count:]
    name, node.name = node.name, node.name + "_numba"
    params = [ast.Name(id=a.arg, ctx=ast.Load()) for a in node.args.args]
    call = ast.Call(func=ast.Name(id=node.name, ctx=ast.Load()), args=params, keywords=[])
    return ast.FunctionDef(name=name, args=node.args, body=checks + [ast.Return(value=call)],
                           decorator_list=[], returns=None)


def _float64_dtypes(module: ast.Module) -> None:
    """``dtype=float`` (which numba does not take) as ``dtype=np.float64``,
    the same dtype, where the module imports NumPy."""
    alias = next((a.asname or a.name for node in module.body if isinstance(node, ast.Import)
                  for a in node.names if a.name == "numpy"), None)
    if alias is None:
        return
    for node in ast.walk(module):
        for kw in getattr(node, "keywords", ()):
            if kw.arg == "dtype" and isinstance(kw.value, ast.Name) and kw.value.id == "float":
                kw.value = ast.Attribute(value=ast.Name(id=alias, ctx=ast.Load()),
                                         attr="float64", ctx=ast.Load())
