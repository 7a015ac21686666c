"""The primitives of the IR: what each one computes (for constant folding and
for evaluating IR directly) and how it is spelled in Python.  Their derivative
rules live in :mod:`adcompiler.prims.rules`, one table for both modes."""
from __future__ import annotations

import ast
import math
import operator

from .record import REGISTRY, Primitive, register


#: the record type (historical name)
Prim = Primitive


def _sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0 * x)


def _max_weight(a, b):
    """Share of the derivative of max(a, b) that flows to ``a``: ties split it."""
    return 1.0 if a > b else (0.5 if a == b else 0.0)


def _keep_weight(challenger, kept):
    """Share of the derivative of builtin ``max(kept, challenger)`` that flows
    to ``kept``: Python keeps the first operand unless the other compares
    greater (so a NaN challenger never wins); ties split it."""
    return 0.0 if challenger > kept else (0.5 if challenger == kept else 1.0)


def _log(x):
    return math.log(x)


def _ieee_div(a, b):
    """``a / b`` where a zero ``b`` gives ``a * inf`` (±inf, or nan for 0/0)
    instead of Python's ZeroDivisionError."""
    return a / b if b else a * math.inf


def _ieee_pow(x, e):
    """``x ** e`` where ``0 ** negative`` is +inf instead of ZeroDivisionError."""
    return x ** e if x or e >= 0 else math.inf


#: name -> record (the registry itself)
PRIMS: dict = REGISTRY


def _def(name, nargs, impl, form, op=None, differentiable=True, pure=True):
    register(name, nargs, impl=impl, form=form, op=op, differentiable=differentiable, pure=pure)


# arithmetic
_def("add", 2, operator.add, "binop", ast.Add)
_def("sub", 2, operator.sub, "binop", ast.Sub)
_def("mul", 2, operator.mul, "binop", ast.Mult)
_def("div", 2, operator.truediv, "binop", ast.Div)
_def("pow", 2, operator.pow, "binop", ast.Pow)
_def("neg", 1, operator.neg, "unary", ast.USub)
_def("floordiv", 2, operator.floordiv, "binop", ast.FloorDiv, differentiable=False)
_def("mod", 2, operator.mod, "binop", ast.Mod)  # a - b * floor(a / b): slope 1 in a
# comparisons and logic: their results are never differentiated
for _name, _fn, _op in [("lt", operator.lt, ast.Lt), ("le", operator.le, ast.LtE),
                        ("gt", operator.gt, ast.Gt), ("ge", operator.ge, ast.GtE),
                        ("eq", operator.eq, ast.Eq), ("ne", operator.ne, ast.NotEq)]:
    _def(_name, 2, _fn, "compare", _op, differentiable=False)
_def("not", 1, operator.not_, "unary", ast.Not, differentiable=False)
# ``a and b`` is ``b`` if ``a`` is true else ``a``; ``a or b`` is ``a`` if true else
# ``b``: as values they pass one operand on, so the derivative flows to it
_def("and", 2, lambda a, b: a and b, "special")
_def("or", 2, lambda a, b: a or b, "special")
# piecewise-constant functions: derivative zero where it exists (documented)
_def("int", 1, int, "call", "int", differentiable=False)
_def("round", 1, round, "call", "round", differentiable=False)
_def("floor", 1, math.floor, "call", "floor", differentiable=False)
_def("ceil", 1, math.ceil, "call", "ceil", differentiable=False)
_def("float", 1, float, "call", "float")
# elementary functions, spelled math.NAME (or np.NAME when the user wrote np)
for _name in ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
              "exp", "expm1", "log1p", "log2", "log10", "sqrt"]:
    _def(_name, 1, getattr(math, _name), "call", _name)
_def("log", 1, _log, "call", "log")
_def("atan2", 2, math.atan2, "call", "atan2")
_def("hypot", 2, math.hypot, "call", "hypot")
_def("abs", 1, abs, "call", "abs")
_def("max", 2, max, "call", "max")
_def("min", 2, min, "call", "min")
# helpers that derivative rules introduce
_def("sign", 1, _sign, "special")
_def("max_weight", 2, _max_weight, "special", differentiable=False)
_def("keep_weight", 2, _keep_weight, "special", differentiable=False)
_def("select", 3, lambda c, a, b: a if c else b, "special")
# derivative rules divide by values that reach 0 at the edge of a domain
# (sqrt'(0), log'(0), asin'(1)): these let inf/nan propagate where Python's
# float division would raise (docs/conventions.md)
# calls of differentiated user functions and tape operations (see reverse.py)
_def("call", -1, None, "special", pure=True)
_def("getitem", 1, None, "special")  # params: index
_def("pack", -1, lambda *xs: tuple(xs), "special")
_def("unpack", 1, None, "special")
_def("new_tape", 0, None, "special", differentiable=False, pure=True)
_def("push", -1, None, "special", differentiable=False, pure=False)
_def("pop", 1, None, "special", differentiable=False, pure=False)
# the number of entries on a tape: the trip count of an adjoint loop that
# walks it (optimize/tapes.py); reads the tape's state, so never CSE'd
_def("tape_len", 1, len, "special", differentiable=False, pure=False)


#: names under which the user's code may reach each elementary function
MATH_NAMES = {
    "sin": "sin", "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos",
    "atan": "atan", "atan2": "atan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "log2": "log2",
    "log10": "log10", "sqrt": "sqrt", "hypot": "hypot", "pow": "pow", "floor": "floor",
    "ceil": "ceil", "fabs": "abs",
}
NUMPY_NAMES = {
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "asin", "arccos": "acos",
    "arctan": "atan", "arctan2": "atan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "log2": "log2",
    "log10": "log10", "sqrt": "sqrt", "hypot": "hypot", "power": "pow", "abs": "abs",
    "absolute": "abs", "floor": "floor", "ceil": "ceil", "maximum": "max", "minimum": "min",
    "sign": "sign",
}
#: spelling of a prim in numpy where it differs from its IR name
NUMPY_SPELLING = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
                  "pow": "power", "max": "maximum", "min": "minimum"}
#: spelling of a prim in math where it differs from its IR name
MATH_SPELLING = {"abs": "fabs"}
BUILTIN_NAMES = {"abs": "abs", "max": "max", "min": "min", "int": "int", "round": "round",
                 "float": "float", "pow": "pow"}
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}


#: largest integer (in bits) that folding may build; Python computes
#: ``10 ** 10 ** 9`` exactly, which takes minutes: bigger ones run at run time
MAX_FOLD_BITS = 4096


def too_big(prim: str, args: tuple) -> bool:
    """Would folding ``prim(*args)`` build an integer beyond the budget?"""
    if len(args) != 2 or not all(isinstance(a, int) for a in args):
        return False
    a, b = (abs(x) for x in args)
    if prim == "pow":
        return a > 1 and args[1] > 0 and b * a.bit_length() > MAX_FOLD_BITS
    if prim == "mul":
        return a.bit_length() + b.bit_length() > MAX_FOLD_BITS
    return False


def evaluate(prim: str, args: tuple, params: dict):
    """Apply a foldable primitive to Python values (used by folding and tests)."""
    p = PRIMS[prim]
    if prim == "getitem":
        return args[0][params["index"]]
    if params.get("ieee"):
        return (_ieee_div if prim == "div" else _ieee_pow)(*args)
    if p.impl is None:
        raise ValueError(f"{prim} cannot be evaluated statically")
    return p.impl(*args)


from . import npprims  # noqa: E402,F401  (registers the array primitives)
