"""Lowering of expressions: operators, comparisons, conditional expressions,
tuples and tuple indexing.  Names, attributes and calls have their own
modules (lower_globals.py, lower_calls.py); array subscripts go to the array half."""
from __future__ import annotations

import ast

from ..core.ir import Builder, Const, If, Var, is_number
from .pytree_errors import string_key_error

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.MatMult: "matmul"}
_CMPOPS = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}


class ExpressionLowering:
    """The expression half of :class:`adcompiler.frontend.lower.Lowerer`:
    ``expr`` dispatches on the node type to ``e_<NodeType>``."""

    def scalar(self, node: ast.expr, env: dict, b: Builder):
        """An expression that must be one value (a scalar or an array), not a tuple."""
        value = self.expr(node, env, b)
        if isinstance(value, tuple):
            raise self.sf.error("a tuple is not allowed here", node, "tuple")
        return value

    def expr(self, node: ast.expr, env: dict, b: Builder):
        """The atom (or tuple of atoms) holding the value of ``node``."""
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(node)
        return method(node, env, b)

    def e_Constant(self, node, env, b):
        if is_number(node.value) or isinstance(node.value, bool) or node.value is None:
            return Const(node.value)
        raise self.sf.error(f"{type(node.value).__name__} constants are not supported", node,
                            "constant")

    def e_Tuple(self, node, env, b):
        return tuple(self.scalar(e, env, b) for e in node.elts)

    e_List = e_Tuple

    def e_BinOp(self, node, env, b):
        prim = _BINOPS.get(type(node.op))
        if prim is None:
            raise self.sf.error(f"the operator {type(node.op).__name__} is not supported", node,
                                type(node.op).__name__)
        left = self.expr(node.left, env, b)
        right = self.expr(node.right, env, b)
        if isinstance(left, tuple) and isinstance(right, tuple) and prim == "add":
            return left + right  # concatenation (``ys = ys + [v]``: appends.py)
        for side, value in ((node.left, left), (node.right, right)):
            if isinstance(value, tuple):
                raise self.sf.error("a tuple is not allowed here", side, "tuple")
        out = b.eqn(prim, left, right)
        target = getattr(node, "adc_inplace", None)
        if target is not None and isinstance(out, Var):  # ``x op= e``: see inplace.py
            # (a tuple loop folds integer constants: loops.py)
            self.program.inplace.setdefault(self.key, {})[out.name] = (
                target, node.lineno, node.col_offset + 1)
        return out

    def e_UnaryOp(self, node, env, b):
        operand = self.scalar(node.operand, env, b)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            if isinstance(operand, Const) and is_number(operand.value):
                return Const(-operand.value)
            return b.eqn("neg", operand)
        if isinstance(node.op, ast.Not):
            return b.eqn("not", operand)
        raise self.sf.error("the ~ operator is not supported", node, "Invert")

    def e_BoolOp(self, node, env, b):
        prim = "and" if isinstance(node.op, ast.And) else "or"
        acc = self.scalar(node.values[0], env, b)
        for v in node.values[1:]:
            acc = b.eqn(prim, acc, self.scalar(v, env, b))
        return acc

    def e_Compare(self, node, env, b):
        left = self.scalar(node.left, env, b)
        acc = None
        for op, right_node in zip(node.ops, node.comparators):
            prim = _CMPOPS.get(type(op))
            if prim is None:
                raise self.sf.error(f"the comparison {type(op).__name__} is not supported", node,
                                    type(op).__name__)
            right = self.scalar(right_node, env, b)
            c = b.eqn(prim, left, right)
            acc = c if acc is None else b.eqn("and", acc, c)
            left = right
        return acc

    def e_IfExp(self, node, env, b):
        pred = self.scalar(node.test, env, b)
        blocks = []
        for branch in (node.body, node.orelse):
            child = b.child()
            blocks.append(child.block((self.scalar(branch, env, child),)))
        out = self.names.fresh("")
        b.emit(If((out,), pred, blocks[0], blocks[1], b.loc))
        return out

    def e_Subscript(self, node, env, b):
        if string_key_error(self.sf, node):  # a dict parameter read without its structure
            raise string_key_error(self.sf, node)
        value = self.expr(node.value, env, b)
        if not isinstance(value, tuple):
            return self.numpy().subscript(node, value, env, b)
        index = self.expr(node.slice, env, b)
        if isinstance(index, Const) and isinstance(index.value, int):
            try:
                return value[index.value]
            except IndexError:
                raise self.sf.error("tuple index out of range", node, "subscript") from None
        raise self.sf.error("indexing is supported only on tuples with constant indices",
                            node, "subscript")
