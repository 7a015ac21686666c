"""The ``_unbroadcast(g, like)`` helper emitted code defines for itself where
shapes were not known when compiling: ``g`` summed down to ``like``'s shape
(NumPy's broadcasting, undone).  Written for either emission backend
(emit/backend.py): under the array-api one it asks ``g`` for its namespace
and never converts a result to a Python float (which would compute a Dask
array)."""
from __future__ import annotations

import ast

from ..emit import backend
from ..emit.globalnames import global_name

HELPER = "_unbroadcast"
_shape, _ndim = backend.shape_of, backend.ndim_of


def _call(func: ast.expr, args: list, keywords: dict | None = None) -> ast.expr:
    kws = [ast.keyword(k, v) for k, v in (keywords or {}).items()]
    return ast.Call(func, args, kws)


def helper_def() -> ast.FunctionDef:
    """``_unbroadcast(g, like)``: sum ``g`` down to the shape of ``like`` (used
    only where shapes were not known when compiling)."""
    g, like, shape, lead, axes = (ast.Name(n, ast.Load()) for n in
                                  ("g", "like", "shape", "lead", "axes"))

    def store(n):
        return ast.Name(n, ast.Store())

    np_shape = _shape(like)
    body = [
        ast.Assign([store("shape")], np_shape),
        ast.If(ast.Compare(_shape(g), [ast.Eq()], [shape]), [ast.Return(g)], []),
        ast.Assign([store("lead")], ast.BinOp(_ndim(g), ast.Sub(),
                                              _call(global_name("len"), [shape]))),
        ast.Assign([store("g")], _call(backend.sum_of(g), [g], {"axis": _call(
            global_name("tuple"), [_call(global_name("range"), [lead])])})),
        ast.Assign([store("axes")], ast.Call(global_name("tuple"), [ast.GeneratorExp(
            ast.Name("k", ast.Load()),
            [ast.comprehension(ast.Tuple([store("k"), store("n")], ast.Store()),
                               _call(global_name("enumerate"), [shape]),
                               [ast.BoolOp(ast.And(), [
                                   ast.Compare(ast.Name("n", ast.Load()), [ast.Eq()],
                                               [ast.Constant(1)]),
                                   ast.Compare(ast.Subscript(ast.Attribute(g, "shape", ast.Load()),
                                                             ast.Name("k", ast.Load()),
                                                             ast.Load()),
                                               [ast.NotEq()], [ast.Constant(1)])])], 0)])], [])),
        ast.If(axes, [ast.Assign([store("g")], _call(backend.sum_of(g), [g], {
            "axis": axes, "keepdims": ast.Constant(True)}))], []),
        # a float for a scalar (its adjoint is accumulated in place); under the
        # array-api backend the 0-d array itself (float() would compute a Dask graph)
        ast.Return(g if backend.array_api() else
                   ast.IfExp(shape, g, _call(global_name("float"), [g]))),
    ]
    args = ast.arguments(posonlyargs=[], args=[ast.arg("g"), ast.arg("like")], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    node = ast.FunctionDef(HELPER, args, body, [], None)
    node.type_params = []
    return node
