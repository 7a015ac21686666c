"""Composed expressions: the emitted gradient against sympy's derivative."""
import pytest
import sympy

from adcompiler import grad
from budget import SYMPY_SECONDS, time_budget

NAMES = ["sin", "cos", "tan", "exp", "log", "sqrt", "atan", "tanh", "sinh", "cosh", "asin",
         "acos", "log1p", "expm1", "atan2", "hypot"]
SYMPY = {"sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "exp": sympy.exp,
         "log": sympy.log, "sqrt": sympy.sqrt, "atan": sympy.atan, "tanh": sympy.tanh,
         "sinh": sympy.sinh, "cosh": sympy.cosh, "asin": sympy.asin, "acos": sympy.acos,
         "log1p": lambda a: sympy.log(1 + a), "expm1": lambda a: sympy.exp(a) - 1,
         "atan2": sympy.atan2, "hypot": lambda a, b: sympy.sqrt(a * a + b * b)}

EXPRESSIONS = [
    "x * y + sin(x * y)",
    "exp(x) * cos(y) - x ** 3",
    "log(1 + x * x) / (1 + y * y)",
    "sqrt(x * x + y * y + 1)",
    "(x + y) ** 5 - (x - y) ** 4",
    "tanh(x * y) * sinh(x) + cosh(y)",
    "atan(x / y) + atan2(y, x)",
    "x / (1 + exp(-y))",
    "sin(cos(tan(x * 0.3))) * y",
    "exp(sin(x)) * exp(cos(y))",
    "log(exp(x) + exp(y))",
    "x ** y",
    "y ** x + x ** 2.5",
    "(x * y * x * y) / (x + y + 3)",
    "1 / (x * x + y * y + 0.5) ** 1.5",
    "asin(x / 3) * acos(y / 4)",
    "log1p(x * x) + expm1(y) * x",
    "hypot(x, y) * x - hypot(y, 2.0)",
    "sin(x) ** 2 + cos(x) ** 2 + y",
    "(x - 1) ** 2 + 100 * (y - x * x) ** 2",
    "x * sin(1 / (1 + y * y))",
    "exp(-x * x - y * y) * (x + 2 * y)",
    "sqrt(sqrt(x * x + 2)) * log(y * y + 3)",
    "(sin(x) + cos(y)) * (sin(x) - cos(y))",
    "tan(x * 0.2 + y * 0.1) / cosh(x)",
    "x * x * x * y - y * y * x + 7",
    "-(-(x * y)) + -x",
    "(x + y) / (x - y + 10) - x / y",
    "exp(x * log(y * y + 1))",
    "atan(tanh(x) * sinh(y))",
    "x * 0 + y * 1 + (x + 0) * (y - 0)",
    "2 ** (x * 0.5) + 3.0 ** y",
    "x / 2 / y / 3 * 4",
    "sin(x) * sin(x) * sin(x) * sin(y)",
]
POINTS = [(0.7, 1.3), (1.9, -0.4), (-1.1, 2.2)]


def _sym(expr):
    x, y = sympy.symbols("x y", real=True)
    return eval(expr, {**SYMPY, "x": x, "y": y}), x, y


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_composed_against_sympy(module_from_source, expr):
    src = f"from math import {', '.join(NAMES)}\n\ndef f(x, y):\n    return {expr}\n"
    g = grad(module_from_source(src).f, wrt=(0, 1))
    e, x, y = _sym(expr)
    checked = 0
    for px, py in POINTS:
        with time_budget(SYMPY_SECONDS, "sympy"):
            want = [complex(sympy.diff(e, s).evalf(subs={x: px, y: py})) for s in (x, y)]
        if any(abs(w.imag) > 1e-12 for w in want):
            continue  # outside the real domain of this expression
        try:
            got = g(px, py)
        except ValueError:
            with pytest.raises(ValueError):  # a math domain error must be the primal's own
                module_from_source(src).f(px, py)
            continue
        assert got == pytest.approx(tuple(w.real for w in want), rel=1e-11, abs=1e-12)
        checked += 1
    assert checked >= 1


def test_there_are_at_least_thirty_expressions():
    assert len(EXPRESSIONS) >= 30
