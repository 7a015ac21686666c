"""The Python API: grad, value_and_grad, source, decorators, errors, caching."""
import math

import numpy as np
import pytest

import adcompiler
from adcompiler import AdcError, CompileError, UsageError, grad, value_and_grad
from adcompiler.api.reverse_grad import compiled

SCALE = 3.0


def f(x, y, z=2.0):
    return x * y * z + SCALE * math.sin(x)


def test_wrt_index_name_and_tuple():
    x, y = 0.5, 1.5
    dx = y * 2.0 + SCALE * math.cos(x)
    assert grad(f)(x, y) == pytest.approx(dx)
    assert grad(f, wrt="y")(x, y) == pytest.approx(x * 2.0)
    assert grad(f, wrt=(0, "z"))(x, y) == pytest.approx((dx, x * y))
    assert grad(f, wrt=-1)(x, y) == pytest.approx(x * y)
    assert grad(f, wrt=("y",))(x, y) == pytest.approx((x * 2.0,))


def test_value_and_grad():
    value, g = value_and_grad(f, wrt=(0, 1))(0.5, 1.5)
    assert value == pytest.approx(f(0.5, 1.5))
    assert g == pytest.approx((1.5 * 2.0 + SCALE * math.cos(0.5), 0.5 * 2.0))


def test_decorator_forms():
    @grad
    def a(x):
        return x ** 3

    @grad(wrt="y")
    def b(x, y):
        return x * y * y

    @value_and_grad
    def c(x):
        return math.exp(x)

    assert a(2.0) == pytest.approx(12.0)
    assert b(3.0, 2.0) == pytest.approx(12.0)
    assert c(0.0) == pytest.approx((1.0, 1.0))
    assert "def a_grad(x):" in a.source
    assert a.__name__ == "a" and a.__wrapped__(2.0) == 8.0


def test_source_function_and_attribute_agree():
    assert adcompiler.source(f, wrt=1) == grad(f, wrt=1).source


def test_compile_once_per_function_and_wrt():
    first = compiled(f, (0,))
    assert compiled(f, (0,)) is first
    assert compiled(f, (1,)) is not first


def test_closure_and_global_constants_are_resolved():
    k = 2.5

    def g(x):
        return k * x * x + np.pi * x

    assert grad(g)(1.0) == pytest.approx(2 * k + np.pi)


@pytest.mark.parametrize("wrt,fragment", [
    ("w", "no parameter named 'w'"),
    (5, "out of range"),
    (1.5, "parameter index or name"),
    ((), "wrt is empty"),
    ((0, "x"), "twice"),
])
def test_bad_wrt_is_a_usage_error(wrt, fragment):
    with pytest.raises(UsageError, match=fragment):
        grad(f, wrt=wrt)


def test_errors_share_a_base_class():
    assert issubclass(CompileError, AdcError) and issubclass(UsageError, AdcError)


def test_not_a_function():
    with pytest.raises(UsageError):
        grad(3.0)(1.0)
    with pytest.raises(UsageError):
        grad(math.sin)(1.0)


def test_lambda_is_refused_with_its_location():
    g = lambda x: x * x  # noqa: E731
    with pytest.raises(CompileError, match="lambda") as info:
        grad(g)(1.0)
    assert info.value.line > 0 and info.value.filename.endswith("test_api.py")


def test_function_without_source():
    ns: dict = {}
    exec("def h(x):\n    return x * x\n", ns)
    with pytest.raises(CompileError, match="source"):
        grad(ns["h"])(1.0)


def test_gradient_of_function_with_one_vector_output_is_refused():
    def two(x):
        return x, x * x
    with pytest.raises(CompileError, match="single scalar output"):
        grad(two)(1.0)


def test_compiling_does_not_call_the_function():
    def boom(x):
        return x / 0.0  # calling it raises ZeroDivisionError

    assert "boom_grad" in grad(boom).source  # compiled without being called
    with pytest.raises(ZeroDivisionError):
        boom(1.0)
