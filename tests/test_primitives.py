"""Every scalar primitive, through the emitted gradient, against sympy."""
import math

import pytest
import sympy

from adcompiler.prims.primitives import PRIMS
from budget import SYMPY_SECONDS, time_budget
from adcompiler.prims.rules import RULES, STRUCTURAL, missing_rules

# (spelling in the user's code, sympy expression, safe points)
X, Y = sympy.symbols("x y", real=True)
UNARY = [
    ("-x", -X, [-1.3, 0.4]),
    ("+x", X, [0.7]),
    ("abs(x)", sympy.Abs(X), [-1.5, 2.0]),
    ("math.fabs(x)", sympy.Abs(X), [-0.5]),
    ("math.sin(x)", sympy.sin(X), [-2.0, 0.3, 1.7]),
    ("math.cos(x)", sympy.cos(X), [-2.0, 0.3, 1.7]),
    ("math.tan(x)", sympy.tan(X), [-1.0, 0.3, 1.2]),
    ("math.asin(x)", sympy.asin(X), [-0.9, 0.0, 0.5]),
    ("math.acos(x)", sympy.acos(X), [-0.9, 0.0, 0.5]),
    ("math.atan(x)", sympy.atan(X), [-3.0, 0.2, 5.0]),
    ("math.sinh(x)", sympy.sinh(X), [-2.0, 0.5]),
    ("math.cosh(x)", sympy.cosh(X), [-2.0, 0.5]),
    ("math.tanh(x)", sympy.tanh(X), [-2.0, 0.5]),
    ("math.exp(x)", sympy.exp(X), [-2.0, 0.5, 3.0]),
    ("math.expm1(x)", sympy.exp(X) - 1, [-1.0, 1e-3, 2.0]),
    ("math.log(x)", sympy.log(X), [0.1, 1.0, 7.0]),
    ("math.log(x, 3)", sympy.log(X) / sympy.log(3), [0.5, 4.0]),
    ("math.log1p(x)", sympy.log(1 + X), [-0.5, 0.0, 3.0]),
    ("math.log2(x)", sympy.log(X, 2), [0.25, 3.0]),
    ("math.log10(x)", sympy.log(X, 10), [0.25, 30.0]),
    ("math.sqrt(x)", sympy.sqrt(X), [0.01, 2.0, 9.0]),
    ("x ** 2", X ** 2, [-1.5, 3.0]),
    ("x ** 3.5", X ** sympy.Rational(7, 2), [0.3, 2.0]),
    ("x ** -1.5", X ** sympy.Rational(-3, 2), [0.3, 2.0]),
    ("2.0 ** x", 2 ** X, [-1.0, 1.5]),
    ("1 / x", 1 / X, [-2.0, 0.5]),
    ("math.pow(x, 3)", X ** 3, [-1.2, 2.0]),
    ("pow(x, 2)", X ** 2, [0.5]),
    ("float(x) * 2", 2 * X, [0.5]),
    ("np.sin(x)", sympy.sin(X), [0.4]),
    ("np.arcsin(x)", sympy.asin(X), [0.4]),
    ("np.arctan(x)", sympy.atan(X), [0.4]),
    ("np.exp(x)", sympy.exp(X), [0.4]),
    ("np.log(x)", sympy.log(X), [0.4]),
    ("np.sqrt(x)", sympy.sqrt(X), [0.4]),
    ("np.tanh(x)", sympy.tanh(X), [0.4]),
    ("np.abs(x)", sympy.Abs(X), [-0.4]),
    ("np.power(x, 3)", X ** 3, [0.4]),
]
BINARY = [
    ("x + y", X + Y, [(1.0, 2.0)]),
    ("x - y", X - Y, [(1.0, 2.0)]),
    ("x * y", X * Y, [(1.5, -2.0)]),
    ("x / y", X / Y, [(1.5, -2.0)]),
    ("x ** y", X ** Y, [(1.5, 2.5), (0.3, -1.2)]),
    ("math.pow(x, y)", X ** Y, [(1.5, 0.5)]),
    ("math.atan2(x, y)", sympy.atan2(X, Y), [(1.0, 2.0), (-1.0, -0.5)]),
    ("math.hypot(x, y)", sympy.sqrt(X ** 2 + Y ** 2), [(3.0, 4.0), (-1.0, 0.5)]),
    ("max(x, y)", sympy.Max(X, Y), [(1.0, 2.0), (3.0, -1.0)]),
    ("min(x, y)", sympy.Min(X, Y), [(1.0, 2.0), (3.0, -1.0)]),
    ("np.maximum(x, y)", sympy.Max(X, Y), [(1.0, 2.0)]),
    ("np.minimum(x, y)", sympy.Min(X, Y), [(1.0, 2.0)]),
    ("np.arctan2(x, y)", sympy.atan2(X, Y), [(1.0, 2.0)]),
    ("np.hypot(x, y)", sympy.sqrt(X ** 2 + Y ** 2), [(1.0, 2.0)]),
]


def _compile(module_from_source, expr, params):
    src = f"import math\nimport numpy as np\n\ndef f({', '.join(params)}):\n    return {expr}\n"
    return module_from_source(src).f


@pytest.mark.parametrize("expr,sym,points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_against_sympy(module_from_source, expr, sym, points):
    from adcompiler import grad
    g = grad(_compile(module_from_source, expr, ["x"]))
    with time_budget(SYMPY_SECONDS, "sympy"):
        d = sympy.diff(sym, X)
        want = [float(d.subs(X, x)) for x in points]
    for x, w in zip(points, want):
        assert g(x) == pytest.approx(w, rel=1e-12, abs=1e-13)


@pytest.mark.parametrize("expr,sym,points", BINARY, ids=[b[0] for b in BINARY])
def test_binary_against_sympy(module_from_source, expr, sym, points):
    from adcompiler import grad
    g = grad(_compile(module_from_source, expr, ["x", "y"]), wrt=(0, 1))
    for x, y in points:
        with time_budget(SYMPY_SECONDS, "sympy"):
            want = [float(sympy.diff(sym, s).subs({X: x, Y: y})) for s in (X, Y)]
        assert g(x, y) == pytest.approx(tuple(want), rel=1e-12, abs=1e-13)


def test_every_differentiable_primitive_has_a_rule():
    assert missing_rules() == []


def test_rules_name_only_known_primitives():
    assert set(RULES) <= set(PRIMS)
    assert STRUCTURAL <= set(PRIMS)


def test_nondifferentiable_functions_have_zero_derivative(module_from_source):
    from adcompiler import grad
    src = "import math\n\ndef f(x):\n    return int(x) * x + round(x) + math.floor(x) * 0.5 + math.ceil(x)\n"
    g = grad(module_from_source(src).f)
    assert g(2.3) == pytest.approx(2.0)  # d/dx int(x)*x = int(x) away from integers


def test_math_pow_keeps_raising_where_the_primal_raises(module_from_source):
    from adcompiler import grad
    src = "import math\n\ndef f(x, y):\n    return math.pow(x, y)\n"
    g = grad(module_from_source(src).f, wrt=(0, 1))
    assert g(2.0, 3.0) == pytest.approx((12.0, 8.0 * math.log(2.0)))
    with pytest.raises(ValueError):
        g(-2.0, 0.5)  # math.pow(-2, 0.5) raises; ** would silently go complex
    assert "math.pow" in g.source
