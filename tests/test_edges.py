"""Differentiability edges: the conventions of docs/conventions.md, and NaN or
inf propagating through emitted code instead of crashing it."""
import math

import numpy as np
import pytest

from adcompiler import grad
from oracles import central_diff

SRC = '''
import math
import numpy as np
from math import sqrt, log, asin, acos, hypot, atan2, log2, log10


def f_abs(x):
    return abs(x)


def f_max(x, y):
    return max(x, y)


def f_min(x, y):
    return min(x, y)


def f_np_maximum(x, y):
    return np.maximum(x, y)


def f_relu(x):
    return max(x, 0.0)


def f_sqrt(x):
    return sqrt(x)


def f_sqrt_of_square(x):
    return sqrt(x * x)


def f_log(x):
    return log(x)


def f_log2(x):
    return log2(x)


def f_log10(x):
    return log10(x)


def f_np_log(x):
    return np.log(x)


def f_pow(x, y):
    return x ** y


def f_pow_half(x):
    return x ** 0.5


def f_pow_two(x):
    return x ** 2


def f_pow_zero(x):
    return x ** 0


def f_asin(x):
    return asin(x)


def f_acos(x):
    return acos(x)


def f_hypot(x, y):
    return hypot(x, y)


def f_atan2(y, x):
    return atan2(y, x)


def f_int(x):
    return int(x) * 1.0 + 0.0 * x


def f_round(x):
    return round(x) * 1.0 + 0.0 * x


def f_floor(x):
    return math.floor(x) + math.ceil(x) + 0.0 * x


def f_floordiv_mod(x):
    return x // 1.0 + x % 1.0


def f_nan_through(x):
    return x * x + 1.0
'''


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    import importlib.util
    path = tmp_path_factory.mktemp("edges") / "edges_mod.py"
    path.write_text(SRC)
    spec = importlib.util.spec_from_file_location("edges_mod", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def g(fn, *args):
    """The gradient with respect to every argument, as a tuple."""
    out = grad(fn, wrt=tuple(range(len(args))))(*args)
    return tuple(float(v) for v in out)


def same(a, b):
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


# --- kinks: abs, max, min ---------------------------------------------------
def test_abs_at_zero_is_zero(m):
    assert g(m.f_abs, 0.0) == (0.0,)
    assert g(m.f_abs, -2.0) == (-1.0,) and g(m.f_abs, 2.0) == (1.0,)


@pytest.mark.parametrize("name", ["f_max", "f_min", "f_np_maximum"])
def test_ties_split_the_gradient_evenly(m, name):
    assert g(getattr(m, name), 1.5, 1.5) == (0.5, 0.5)


def test_max_and_min_away_from_ties(m):
    assert g(m.f_max, 2.0, 1.0) == (1.0, 0.0)
    assert g(m.f_min, 2.0, 1.0) == (0.0, 1.0)
    assert g(m.f_relu, 0.0) == (0.5,)
    assert g(m.f_relu, -1.0) == (0.0,)


# --- domain edges: inf and nan, never an exception --------------------------
@pytest.mark.parametrize("name,x,expected", [
    ("f_sqrt", 0.0, math.inf),
    ("f_sqrt_of_square", 0.0, math.nan),  # inf * 0, as in JAX and autograd
    ("f_pow_half", 0.0, math.inf),
    ("f_pow_two", 0.0, 0.0),
    ("f_pow_zero", 0.0, 0.0),
    ("f_asin", 1.0, math.inf),
    ("f_acos", 1.0, -math.inf),
])
def test_one_sided_limits_at_domain_edges(m, name, x, expected):
    assert same(g(getattr(m, name), x), (expected,))


@pytest.mark.parametrize("name", ["f_log", "f_log2", "f_log10"])
def test_math_log_at_zero_raises_like_the_function(m, name):
    """math.log(0) raises, so the function has no derivative there to report;
    the emitted gradient keeps the plain, readable 1 / x and raises too."""
    with pytest.raises(ValueError):
        getattr(m, name)(0.0)
    with pytest.raises(ZeroDivisionError):
        g(getattr(m, name), 0.0)


def test_numpy_log_at_zero(m):
    with np.errstate(divide="ignore"):
        assert g(m.f_np_log, 0.0) == (math.inf,)


@pytest.mark.parametrize("x,y,expected", [
    (0.0, 2.0, (0.0, 0.0)),        # d/dy x**y at x = 0: 0 (limit from x > 0)
    (0.0, 0.5, (math.inf, 0.0)),   # y * x**(y - 1) -> +inf
    (0.0, 0.0, (0.0, 0.0)),        # x**0 is constant: 0
    (2.0, 0.0, (0.0, math.log(2.0))),
    (0.0, 1.0, (1.0, 0.0)),
])
def test_power_at_zero_base(m, x, y, expected):
    assert same(g(m.f_pow, x, y), expected)


def test_hypot_and_atan2_at_origin_are_nan(m):
    assert all(math.isnan(v) for v in g(m.f_hypot, 0.0, 0.0))
    assert all(math.isnan(v) for v in g(m.f_atan2, 0.0, 0.0))


def test_sqrt_gradient_is_exact_away_from_zero(m):
    assert g(m.f_sqrt, 4.0) == (0.25,)
    assert g(m.f_sqrt, 2.0)[0] == pytest.approx(central_diff(m.f_sqrt, (2.0,), 0), rel=1e-8)


# --- piecewise constant functions: zero -------------------------------------
@pytest.mark.parametrize("name", ["f_int", "f_round", "f_floor"])
@pytest.mark.parametrize("x", [1.5, 2.5, 2.0, -0.7])
def test_piecewise_constant_functions_have_zero_derivative(m, name, x):
    assert g(getattr(m, name), x) == (0.0,)


def test_floordiv_and_mod(m):
    # x // 1 is piecewise constant (slope 0); x % 1 == x - floor(x) has slope 1
    assert g(m.f_floordiv_mod, 1.25) == (1.0,)


# --- nan and inf inputs flow through ----------------------------------------
def test_nan_and_inf_inputs_propagate(m):
    assert math.isnan(g(m.f_nan_through, math.nan)[0])
    assert g(m.f_nan_through, math.inf) == (math.inf,)
    assert g(m.f_sqrt, math.inf) == (0.0,)


def test_emitted_guard_reads_each_argument_once(m):
    # the guarded division names its operands instead of repeating expressions
    src = grad(m.f_sqrt).source
    assert "if _t1 else" in src and src.count("math.sqrt(") == 1
