"""Lowering of calls: primitives (``math.sin``, ``np.exp``, ``abs``), the
builtins that are syntax here (``len``; ``range``/``enumerate``/``zip`` in
loops), NumPy functions and methods (handed to the array half), and calls of
the user's own functions (lowered once each, called through ``call``)."""
from __future__ import annotations

import ast

from ..core.ir import Builder, Const, Var
from ..prims.primitives import PRIMS
from ..prims.spelling import lookup_object
from .source import SourceFunction
from .syntax import dotted

#: builtins the lowering treats as syntax (loops over them, ``len`` of a tuple)
_SPECIAL_BUILTINS = {id(range): "range", id(len): "len", id(enumerate): "enumerate",
                     id(zip): "zip"}


class CallLowering:
    """Calls for :class:`adcompiler.frontend.lower.Lowerer`."""

    def e_Call(self, node, env, b):
        lifted = getattr(node, "adc_lifted", None)
        if lifted is not None:  # a nested def or lambda (closures.py)
            return self.user_call(node, lifted.source, env, b)
        special = self.special_builtin(node.func, env)
        if special == "len":
            value = self.expr(node.args[0], env, b) if len(node.args) == 1 else None
            if isinstance(value, tuple):
                return Const(len(value))
            if isinstance(value, Var):
                return b.eqn("len", value)
            raise self.sf.error("len() is supported on tuples built in the function", node, "len")
        if special:
            raise self.sf.error(f"{special}() is only supported as the iterable of a for loop",
                                node, special)
        if isinstance(node.func, ast.Attribute) and self.is_array(node.func.value, env):
            return self.numpy().method(node, env, b)
        obj = self.resolve(node.func, env)
        numpy, entry = self.spelled(obj)
        if numpy:
            return self.numpy().np_call(node, obj, env, b)
        if entry is None:
            sf = self.sf.env.function(obj)
            if sf is not None:
                return self.user_call(node, sf, env, b)
            if isinstance(obj, SourceFunction):
                return self.user_call(node, obj, env, b)
            name = dotted(node.func)
            raise self.sf.error(f"the function {name} is not supported", node, name)
        if node.keywords:
            raise self.sf.error(f"keyword arguments to {dotted(node.func)} are not supported",
                                node, "keyword arguments")
        args = self.sequence_args(entry, node, env, b)
        if args is None:
            args = [self.scalar(a, env, b) for a in node.args]
        elif len(args) == 1:
            return args[0]  # max([v]) is v
        return self.prim_call(entry, args, node, b)

    def spelled(self, obj) -> tuple:
        """``(is_numpy_function(obj), lookup_object(obj))``: whether the array
        lowering takes calls of ``obj``, else the primitive it spells (by its
        spellings in the registry).  Asked of the registry once per function
        object and lowering: each ask compares a snapshot of the whole registry
        (a fifth of a long function's lowering, for the same ``sin`` each time)."""
        memo = self.__dict__.setdefault("_spelled", {})
        got = memo.get(id(obj))
        if got is None or got[0] is not obj:  # (obj is kept: its id stays its own)
            numpy = self.is_numpy_function(obj)
            got = memo[id(obj)] = (obj, numpy, None if numpy else lookup_object(obj))
        return got[1:]

    def sequence_args(self, entry, node, env, b):
        """The items of the one argument of builtin ``max(L)``/``min(L)``
        when ``L`` is a list or tuple of known length (Python compares them
        left to right, as ``max(*L)``), else None."""
        if entry not in (("max", ""), ("min", "")) or len(node.args) != 1:
            return None
        value = self.expr(node.args[0], env, b)
        if not isinstance(value, tuple):
            return None
        if not value:
            raise self.sf.error(f"{entry[0]}() of an empty sequence (Python raises "
                                "ValueError)", node, entry[0])
        if any(isinstance(v, tuple) for v in value):
            raise self.sf.error("a tuple is not allowed here", node.args[0], "tuple")
        return list(value)

    def prim_call(self, entry, args: list, node, b: Builder):
        prim, ns = entry
        name = dotted(node.func)
        record = PRIMS[prim]
        special = record.extra.get("lower_call")  # math.log(x, base), max(a, b, c)
        result = special(b, args, ns) if special is not None else None
        if result is not None:
            return result
        if len(args) != record.nargs:
            raise self.sf.error(f"{name} takes {record.nargs} argument(s), got {len(args)}",
                                node, name)
        return b.eqn(prim, *args, ns=ns)

    def special_builtin(self, func: ast.expr, env: dict):
        if isinstance(func, ast.Name) and func.id not in env and func.id not in self.locals:
            return _SPECIAL_BUILTINS.get(id(self.sf.env.lookup(func.id)))
        return None

    def user_call(self, node: ast.Call, sf: SourceFunction, env: dict, b: Builder):
        key = self.program.request(sf) if sf.node is not self.sf.node or \
            sf.filename != self.sf.filename else self.key
        source = self.sf if key == self.key else self.program.sources[key]
        args = self.bind_arguments(node, source.node, source, env, b)
        nouts = self.program.arity[key]
        result = b.eqn("call", *args, nouts=nouts, fn=key, hint="")
        return result if nouts == 1 else tuple(result)

    def bind_arguments(self, node: ast.Call, callee: ast.FunctionDef, sf, env, b) -> list:
        params = [a.arg for a in callee.args.args]
        if len(node.args) > len(params):
            raise self.sf.error(f"{callee.name}() takes {len(params)} arguments, "
                                f"got {len(node.args)}", node, "call")
        values: dict = {}
        for p, a in zip(params, node.args):
            values[p] = self.scalar(a, env, b)
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in params or kw.arg in values:
                raise self.sf.error(f"bad keyword argument {kw.arg!r} in call of {callee.name}",
                                    node, "keyword arguments")
            values[kw.arg] = self.scalar(kw.value, env, b)
        defaults = dict(zip(params[len(params) - len(callee.args.defaults):],
                            callee.args.defaults))
        out = []
        for p in params:
            if p in values:
                out.append(values[p])
            elif p in defaults:
                sub = type(self)(sf, self.program, self.key)
                out.append(Const(dict(sub.defaults(callee))[p].value))
            else:
                raise self.sf.error(f"missing argument {p!r} in call of {callee.name}", node,
                                    "call")
        return out
