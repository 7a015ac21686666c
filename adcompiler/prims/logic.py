"""Comparisons, logic, piecewise-constant functions and the helpers that
derivative rules introduce (``sign``, the tie weights of ``max``/``min``).

Comparisons and piecewise-constant functions (``int``, ``round``, ``floor``,
``ceil``) have derivative zero wherever it exists (documented), so their
records are not differentiable.  ``sign`` and the tie weights are formulas
over comparisons and ``select`` (:mod:`.formula`): their one definition here
is what constant folding evaluates, what scalar code spells as
``1.0 if x > 0 else ...`` and what array code turns into ``np.where``.
"""
from __future__ import annotations

import ast
import math
import operator

from .formula import X, Y, evaluate as _run
from ..core.ir import Const
from .helpers import chosen_side, sp, spellings, zero
from .record import REGISTRY, register

#: sign(x): 1.0, -1.0 or 0.0
SIGN = ("select", ("gt", X, 0), 1.0, ("select", ("lt", X, 0), -1.0, 0.0))
#: share of the derivative of max(a, b) that flows to ``a``: ties split it
MAX_WEIGHT = ("select", ("gt", X, Y), 1.0, ("select", ("eq", X, Y), 0.5, 0.0))
#: share of the derivative of builtin ``max(kept, challenger)`` that flows to
#: ``kept`` (arguments: challenger, kept): Python keeps the first operand
#: unless the other compares greater (a NaN challenger never wins); ties split it
KEEP_WEIGHT = ("select", ("gt", X, Y), 0.0, ("select", ("eq", X, Y), 0.5, 1.0))


def _sympy_eq(a, b):
    import sympy
    numbers = all(isinstance(x, sympy.Number) for x in (a, b))
    return sympy.true if a == b else (sympy.false if numbers else sympy.Eq(a, b))


def _sympy_ne(a, b):
    import sympy
    numbers = all(isinstance(x, sympy.Number) for x in (a, b))
    return sympy.false if a == b else (sympy.true if numbers else sympy.Ne(a, b))


def r_and(b, e, i, g):
    """``a and b`` is ``b`` where ``a`` is true, else ``a``."""
    a, nothing = e.args[0], Const(0.0)
    return b.eqn("select", a, nothing, g) if i == 0 else b.eqn("select", a, g, nothing)


def r_or(b, e, i, g):
    """``a or b`` is ``a`` where ``a`` is true, else ``b``."""
    a, nothing = e.args[0], Const(0.0)
    return b.eqn("select", a, g, nothing) if i == 0 else b.eqn("select", a, nothing, g)


def _by_formula(name: str, nargs: int, tree, **facts):
    """A primitive defined by a formula: evaluation runs the formula."""
    def impl(*args):
        return _run(tree, args, lambda prim, values: REGISTRY[prim].impl(*values))
    impl.__name__ = name
    register(name, nargs, impl=impl, form="special", formula={"": tree}, **facts)


# memory (how array code may reuse a result's buffer, see record.py): 'fresh'
# a new array, 'value' a new value never updated in place, 'view' may share
# an argument's buffer (and/or pass an operand on: undeclared, so 'view')

# comparisons and logic: their results are never differentiated
_COMPARISONS = [("lt", operator.lt, ast.Lt, sp("Lt")), ("le", operator.le, ast.LtE, sp("Le")),
                ("gt", operator.gt, ast.Gt, sp("Gt")), ("ge", operator.ge, ast.GtE, sp("Ge")),
                ("eq", operator.eq, ast.Eq, _sympy_eq), ("ne", operator.ne, ast.NotEq, _sympy_ne)]
for _name, _fn, _op, _sym in _COMPARISONS:
    register(_name, 2, impl=_fn, form="compare", op=_op, differentiable=False, partial=zero,
             sympy=_sym, memory="value")
register("not", 1, impl=operator.not_, form="unary", op=ast.Not, differentiable=False,
         partial=zero, sympy=sp("Not"), memory="value")
# ``a and b`` is ``b`` if ``a`` is true else ``a``; ``a or b`` is ``a`` if true else
# ``b``: as values they pass one operand on, so the derivative flows to it
register("and", 2, impl=lambda a, b: a and b, partial=r_and, sympy=sp("And"),
         domain=((0.5, 2.0), (-2.0, 2.0)))
register("or", 2, impl=lambda a, b: a or b, partial=r_or, sympy=sp("Or"),
         domain=((0.5, 2.0), (-2.0, 2.0)))
register("select", 3, impl=lambda c, a, b: a if c else b, partial=chosen_side("select"),
         memory="view", domain=((0.5, 2.0), (-2.0, 2.0), (-2.0, 2.0)))
# piecewise-constant functions: derivative zero where it exists (documented)
register("int", 1, impl=int, form="call", op="int", differentiable=False, partial=zero,
         dtype="int", spellings=spellings(builtin="int"), memory="value")
register("round", 1, impl=round, form="call", op="round", differentiable=False, partial=zero,
         dtype="int", spellings=spellings(builtin="round"), memory="value")
register("floor", 1, impl=math.floor, form="call", op="floor", differentiable=False,
         partial=zero, dtype="int", spellings=spellings(math="floor", np="floor", array_api="floor"), memory="value")
register("ceil", 1, impl=math.ceil, form="call", op="ceil", differentiable=False,
         partial=zero, dtype="int", spellings=spellings(math="ceil", np="ceil", array_api="ceil"), memory="value")
# helpers that derivative rules introduce
_by_formula("sign", 1, SIGN, partial=zero, spellings=spellings(np="sign", array_api="sign"), sympy=sp("sign"),
            domain=((-2.0, 2.0),), memory="fresh")
_by_formula("max_weight", 2, MAX_WEIGHT, differentiable=False, partial=zero, dtype="float",
            memory="fresh")
_by_formula("keep_weight", 2, KEEP_WEIGHT, differentiable=False, partial=zero,
            dtype="float", memory="value")
