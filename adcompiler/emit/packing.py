"""The emitted wrapper of a gradient over structures of parameters (pytrees).

The flat gradient function takes one parameter per leaf (frontend/pytrees.py);
the wrapper takes the user's parameters, passes the leaves by their literal
keys, and packs the leaf gradients into the same structure, so the emitted
module shows the structure::

    def loss_grad(params, X, y):
        params_W = params['W']
        params_b = params['b']
        params_W_bar, params_b_bar = loss_grad_flat(params_W, params_b, X, y)
        return {'W': params_W_bar, 'b': params_b_bar}
"""
from __future__ import annotations

import ast

from ..frontend.pytree_nodes import Leaf, leaves


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _access(base: ast.expr, tree, out: list) -> None:
    """``out`` += the expressions reading each leaf of ``tree`` from ``base``."""
    if isinstance(tree, Leaf):
        out.append(base)
        return
    for key, child in zip(tree.keys, tree.children):
        _access(ast.Subscript(base, ast.Constant(key), ast.Load()), child, out)


def _pack(tree, bars: dict) -> ast.expr:
    """The structure of ``tree`` built from the leaf gradients' names."""
    if isinstance(tree, Leaf):
        return _load(bars[tree.name])
    items = [_pack(c, bars) for c in tree.children]
    if tree.kind == "dict":
        return ast.Dict([ast.Constant(k) for k in tree.keys], items)
    if tree.kind == "list":
        return ast.List(items, ast.Load())
    return ast.Tuple(items, ast.Load())


def wrapper(name: str, flat_name: str, params: list, trees: dict, wrt: tuple,
            many: bool, with_value: bool) -> ast.FunctionDef:
    """``def name(*params)`` calling ``flat_name`` and packing its gradients.
    ``wrt``: indices of the differentiated parameters; ``many``: the user
    asked for a tuple of gradients."""
    taken = set(params) | {name, flat_name}

    def fresh(base: str) -> str:
        while base in taken:
            base += "_"
        taken.add(base)
        return base

    args: list = []
    reads: list = []  # params_W = params['W']: the leaves, by the flat function's names
    for p in params:
        if p not in trees:
            args.append(_load(p))
            continue
        access: list = []
        _access(_load(p), trees[p], access)
        for leaf, expr in zip(leaves(trees[p]), access):
            taken.add(leaf.name)
            reads.append(ast.Assign([ast.Name(leaf.name, ast.Store())], expr))
            args.append(_load(leaf.name))
    bars: dict = {}
    outs: list = [fresh("value")] if with_value else []
    for i in wrt:
        p = params[i]
        for leaf in (leaves(trees[p]) if p in trees else [Leaf(p)]):
            bars[leaf.name] = fresh(leaf.name + "_bar")
            outs.append(bars[leaf.name])
    call = ast.Call(_load(flat_name), args, [])
    if len(outs) == 1:
        target = ast.Name(outs[0], ast.Store())
    else:
        target = ast.Tuple([ast.Name(o, ast.Store()) for o in outs], ast.Store())
    grads = [_pack(trees[params[i]], bars) if params[i] in trees else _load(bars[params[i]])
             for i in wrt]
    result = ast.Tuple(grads, ast.Load()) if many else grads[0]
    if with_value:
        result = ast.Tuple([_load(outs[0]), result], ast.Load())
    body = reads + [ast.Assign([target], call), ast.Return(result)]
    signature = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                              kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    fn = ast.FunctionDef(name=name, args=signature, body=body, decorator_list=[], returns=None)
    if "type_params" in ast.FunctionDef._fields:
        fn.type_params = []
    return ast.fix_missing_locations(fn)


def flat_count(trees: dict, params: list, wrt: tuple) -> int:
    """How many gradients the flat function returns."""
    return sum(len(leaves(trees[params[i]])) if params[i] in trees else 1 for i in wrt)

