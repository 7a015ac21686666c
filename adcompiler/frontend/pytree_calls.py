"""A structure of parameters passed to a helper function (frontend/pytrees.py):
the helper is flattened for the structures it receives, once per helper and
structure, and the call passes the leaves (``predict(params, X)`` ->
``predict_flat(params_W, params_b, X)``)."""
from __future__ import annotations

import ast
import copy

from .pytree_nodes import leaves, to_spec
from .source import SourceFunction


class HelperCalls:
    """Methods of the rewriter (``sf``, ``stores``, ``session``, ``avoid``,
    ``container``, ``visit``, ``leaf_name``, ``error`` are the rewriter's)."""

    def helper(self, func: ast.expr):
        """The user function ``func`` names (its source is read), or None."""
        if not isinstance(func, ast.Name) or func.id in self.stores:
            return None
        try:
            return self.sf.env.function(self.sf.env.lookup(func.id))
        except Exception:  # noqa: BLE001 - not a function whose source we read
            return None

    def helper_call(self, node: ast.Call, callee: SourceFunction) -> ast.Call:
        """``predict(params, X)`` -> ``predict_flat(params_W, params_b, X)``:
        the helper flattened for the structures it is passed."""
        a = callee.node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or \
                any(isinstance(x, ast.Starred) for x in node.args) or \
                any(k.arg is None for k in node.keywords):
            raise self.error(f"passing a structure of parameters to {callee.name}: only plain "
                             "positional parameters and arguments are supported", node,
                             "structure passed to a function")
        params = [x.arg for x in a.args]
        given = dict(zip(params, node.args))
        for k in node.keywords:
            if k.arg not in params or k.arg in given:
                raise self.error(f"bad keyword argument {k.arg!r} in call of {callee.name}",
                                 node, "keyword arguments")
            given[k.arg] = k.value
        defaults = dict(zip(params[len(params) - len(a.defaults):], a.defaults))
        specs, args = {}, []
        for p in params:
            if p not in given:
                if not isinstance(defaults.get(p), ast.Constant):
                    raise self.error(f"call of {callee.name} with a structure of parameters: "
                                     f"give {p} explicitly", node, "structure passed to a function")
                args.append(copy.deepcopy(defaults[p]))
                continue
            tree = self.container(given[p])
            if tree is None:
                args.append(self.visit(given[p]))
            else:
                specs[p] = to_spec(tree)
                args += [self.leaf_name(leaf, given[p]) for leaf in leaves(tree)]
        name = self.session.helper(callee, specs, self.avoid)
        return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), args, []), node)
