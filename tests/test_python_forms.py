"""SciPy-style ``def f(x, *args)``, starred unpacking, bound methods and
``assert`` (issue 14, "Functions and names").

Scalar cases are checked in reverse mode (grad) and forward mode against
dual numbers and central differences; NumPy ones in reverse mode against
central differences.
"""
import ast
import math

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError, UsageError
from tests.oracles import central_diff, dual_grad


def _array_fd(f, x, *rest, h=1e-6):
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        g.flat[k] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return g


# ------------------------------------------------------------ *args (SciPy)
def poly_args(x, *coef):
    s = 0.0
    for k, c in enumerate(coef):
        s = s + c * x ** k
    return s * math.sin(x)


def args_indexed(x, y, *args):
    a, b = args
    return a * math.exp(x * y) + args[1] * x * x


def rosen_args(x, a, *args):
    (b,) = args
    return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


def array_consts(w, *args):
    X, y = args
    r = X @ w - y
    return 0.5 * np.sum(r * r)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn,args", [
    (poly_args, (0.7, 2.0, -1.0, 0.5)),
    (poly_args, (0.7, 3.0)),
    (poly_args, (0.7,)),
    (args_indexed, (0.3, 1.2, 2.0, -0.5)),
])
def test_varargs_scalar(fn, args, mode):
    got = adcompiler.grad(fn, mode=mode)(*args)
    assert got == pytest.approx(dual_grad(fn, args, [0])[0], rel=1e-9, abs=1e-12)
    assert got == pytest.approx(central_diff(fn, args, 0), rel=1e-6, abs=1e-8)


def test_varargs_counts_compile_separately():
    g = adcompiler.grad(poly_args)
    for args in [(0.4, 1.0), (0.4, 1.0, 2.0, 3.0), (0.4, 1.0, 2.0)]:
        assert g(*args) == pytest.approx(dual_grad(poly_args, args, [0])[0], rel=1e-9)
    assert "coef_1" in g.source and "coef_2" not in g.source  # the last call's version
    assert "coef_2" in adcompiler.source(poly_args, args=(0.4, 1.0, 2.0, 3.0))


def test_varargs_wrt_named_parameter():
    args = (0.3, 1.2, 2.0, -0.5)
    got = adcompiler.grad(args_indexed, wrt="y")(*args)
    assert got == pytest.approx(dual_grad(args_indexed, args, [1])[0], rel=1e-9)


def test_varargs_arrays_as_constants():
    rng = np.random.default_rng(3)
    X, y, w = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3)
    got = adcompiler.grad(array_consts)(w, X, y)
    np.testing.assert_allclose(got, _array_fd(array_consts, w, X, y), rtol=1e-6, atol=1e-8)


def test_scipy_minimize_with_args_and_jac():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    x0 = np.array([-1.2, 1.0, 0.5, 0.0])
    jac = adcompiler.grad(rosen_args)
    np.testing.assert_allclose(jac(x0, 1.0, 100.0), _array_fd(rosen_args, x0, 1.0, 100.0),
                               rtol=1e-6, atol=1e-6)
    res = scipy_optimize.minimize(rosen_args, x0, args=(1.0, 100.0), jac=jac, method="BFGS")
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-4)


def test_varargs_wrt_star_refused():
    with pytest.raises(UsageError, match=r"\*coef"):
        adcompiler.grad(poly_args, wrt="coef")


def with_default_and_star(x, n=2.0, *args):
    return x * n


def test_varargs_with_defaults_refused():
    with pytest.raises(CompileError, match=r"\*args is supported after plain parameters") as e:
        adcompiler.grad(with_default_and_star)(1.0, 2.0, 3.0)
    assert e.value.line == with_default_and_star.__code__.co_firstlineno


def test_varargs_source_before_call_refused():
    with pytest.raises(UsageError, match="call the gradient first"):
        adcompiler.grad(poly_args).source


# ------------------------------------------------------------ starred unpacking
def star_middle(x, y):
    t = (x, y, x * y, 2.0)
    first, *mid, last = t
    s = first * last
    for m in mid:
        s = s + math.sin(m)
    return s


def star_rest(x, y):
    head, *rest = (x * x, y, x)
    a, b = rest
    return head * a + b


def star_empty(x, y):
    *front, z = (x * y,)
    return z + len(front)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [star_middle, star_rest, star_empty])
def test_starred_unpacking(fn, mode):
    args = (0.8, -1.3)
    got = adcompiler.grad(fn, wrt=(0, 1), mode=mode)(*args)
    want = dual_grad(fn, args, [0, 1])
    assert got == pytest.approx(tuple(want), rel=1e-9, abs=1e-12)
    for i in range(2):
        assert got[i] == pytest.approx(central_diff(fn, args, i), rel=1e-6, abs=1e-8)


def star_array(x):
    a, *b = x
    return a * b[0]


def star_short(x):
    a, b, *c = (x,)
    return a


def test_starred_refusals():
    with pytest.raises(CompileError, match="starred assignment .* of an array") as e:
        adcompiler.grad(star_array)(np.array([1.0, 2.0, 3.0]))
    assert e.value.line == star_array.__code__.co_firstlineno + 1
    with pytest.raises(CompileError, match="cannot unpack 1 values into 2 or more") as e:
        adcompiler.grad(star_short)(1.0)
    assert e.value.line == star_short.__code__.co_firstlineno + 1


# ------------------------------------------------------------ bound methods
class Oscillator:
    damping = 0.3  # a class attribute, read through the instance

    def __init__(self, k, shift):
        self.k = k
        self.shift = shift
        self.coefs = (1.0, -0.5)

    def energy(self, x, v):
        return 0.5 * self.k * (x - self.shift) ** 2 + 0.5 * v * v + self.friction(v)

    def friction(self, v):
        a, b = self.coefs
        return self.damping * math.sin(a * v) + b * v


class Regression:
    def __init__(self, X, y, lam):
        self.X, self.y, self.lam = X, y, lam

    def predict(self, w, X):
        return np.tanh(X @ w)

    def loss(self, w):
        r = self.predict(w, self.X) - self.y
        return np.sum(r * r) + self.lam * np.sum(w * w)

    def remember(self, w):
        self.last = w
        return np.sum(w)

    @classmethod
    def scaled(cls, w):
        return 2.0 * w

    @property
    def size(self):
        return 3.0

    def uses_property(self, w):
        return self.size * np.sum(w)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_bound_method_scalar(mode):
    osc = Oscillator(2.0, 0.5)
    args = (0.9, -0.4)
    got = adcompiler.grad(osc.energy, wrt=(0, 1), mode=mode)(*args)
    plain = lambda x, v: Oscillator.energy(osc, x, v)  # noqa: E731
    for i in range(2):
        assert got[i] == pytest.approx(central_diff(plain, args, i), rel=1e-6, abs=1e-8)
    want = dual_grad(lambda x, v: 0.5 * 2.0 * (x - 0.5) ** 2 + 0.5 * v * v
                     + 0.3 * math.sin(v) - 0.5 * v, args, [0, 1])
    assert got == pytest.approx(tuple(want), rel=1e-9)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_bound_method_attributes_fresh(mode):
    """A changed instance or class attribute recompiles: never a stale gradient."""
    osc = Oscillator(2.0, 0.5)
    g = adcompiler.grad(osc.energy, mode=mode)
    plain = lambda x, v: osc.energy(x, v)  # noqa: E731
    for change in [None, ("k", 7.0), ("shift", -1.0), ("coefs", (3.0, 2.0))]:
        if change:
            setattr(osc, *change)
        assert g(0.9, -0.4) == pytest.approx(central_diff(plain, (0.9, -0.4), 0), rel=1e-6)
    Oscillator.damping = 1.5  # the class's own attribute
    try:
        g_v = adcompiler.grad(osc.energy, wrt=1, mode=mode)
        assert g_v(0.9, -0.4) == pytest.approx(central_diff(plain, (0.9, -0.4), 1), rel=1e-6)
        osc.damping = 0.0  # an instance attribute now shadows it
        assert g_v(0.9, -0.4) == pytest.approx(central_diff(plain, (0.9, -0.4), 1), rel=1e-6)
    finally:
        Oscillator.damping = 0.3


def test_bound_method_arrays():
    rng = np.random.default_rng(5)
    model = Regression(rng.normal(size=(6, 3)), rng.normal(size=6), 0.1)
    w = rng.normal(size=3)
    g = adcompiler.grad(model.loss)
    np.testing.assert_allclose(g(w), _array_fd(model.loss, w), rtol=1e-6, atol=1e-8)
    names = {n.id for n in ast.walk(ast.parse(g.source)) if isinstance(n, ast.Name)}
    assert "self" not in names  # the instance is bound: its arrays are read by name
    model.X *= 2.0  # changed in place: the emitted code reads the array when it runs
    np.testing.assert_allclose(g(w), _array_fd(model.loss, w), rtol=1e-6, atol=1e-8)
    model.X = rng.normal(size=(6, 3))  # rebound: compiled again
    np.testing.assert_allclose(g(w), _array_fd(model.loss, w), rtol=1e-6, atol=1e-8)
    model.X = rng.normal(size=(4, 3))  # another shape
    model.y = rng.normal(size=4)
    np.testing.assert_allclose(g(w), _array_fd(model.loss, w), rtol=1e-6, atol=1e-8)
    model.lam = 3.0
    np.testing.assert_allclose(g(w), _array_fd(model.loss, w), rtol=1e-6, atol=1e-8)


def test_two_instances_are_two_functions():
    a, b = Oscillator(1.0, 0.0), Oscillator(5.0, 2.0)
    ga, gb = adcompiler.grad(a.energy), adcompiler.grad(b.energy)
    assert ga(0.7, 0.1) == pytest.approx(central_diff(a.energy, (0.7, 0.1), 0), rel=1e-6)
    assert gb(0.7, 0.1) == pytest.approx(central_diff(b.energy, (0.7, 0.1), 0), rel=1e-6)


def test_bound_method_refusals():
    model = Regression(np.ones((2, 3)), np.ones(2), 0.1)
    w = np.ones(3)
    with pytest.raises(CompileError, match=r"assignment to an attribute \(self.last = ...\)") as e:
        adcompiler.grad(model.remember)(w)
    assert e.value.line == Regression.remember.__code__.co_firstlineno + 1
    with pytest.raises(CompileError, match=r"self.size cannot be read here") as e:
        adcompiler.grad(model.uses_property)(w)
    assert e.value.line == Regression.uses_property.__code__.co_firstlineno + 1
    with pytest.raises(UsageError, match="bound method of a class"):
        adcompiler.grad(Regression.scaled)


# ------------------------------------------------------------ assert
def assert_helper(t):
    assert t < 10.0, "too big"
    return t * t


def asserts(x, y):
    assert x > 0, "x must be positive"
    s = 0.0
    for i in range(3):
        assert y * i < 100
        s = s + math.log(x) * y ** i
    if y > 0:
        assert x != 1.0, "x is one"
    return s + assert_helper(x) * y


def assert_array(w, X):
    assert np.sum(w * w) < 1e6, "w is too large"
    assert w[0] > 0
    return np.sum(np.tanh(X @ w))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_assert_passes_derivative_unchanged(mode):
    args = (2.0, 1.5)
    got = adcompiler.grad(asserts, wrt=(0, 1), mode=mode)(*args)
    assert got == pytest.approx(tuple(dual_grad(asserts, args, [0, 1])), rel=1e-9)
    for i in range(2):
        assert got[i] == pytest.approx(central_diff(asserts, args, i), rel=1e-6)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("args,message", [((-2.0, 1.5), "x must be positive"),
                                          ((1.0, 1.5), "x is one"),
                                          ((12.0, -1.0), "too big"),
                                          ((2.0, 60.0), "")])
def test_assert_raises_like_python(args, message, mode):
    with pytest.raises(AssertionError):  # (pytest rewrites the messages of this file's asserts)
        asserts(*args)
    with pytest.raises(AssertionError) as compiled:
        adcompiler.grad(asserts, mode=mode)(*args)
    assert str(compiled.value) == message


def test_assert_in_emitted_source():
    src = adcompiler.grad(asserts, mode="reverse").source
    tree = ast.parse(src)
    checks = [n for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert len(checks) == 4  # three in the primal of asserts_grad, one in assert_helper_fwd
    assert "assert x > 0, 'x must be positive'" in src
    bwd = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.endswith("_bwd"))
    assert not any(isinstance(n, ast.Assert) for n in ast.walk(bwd))  # none in the adjoint


def test_assert_array_code():
    rng = np.random.default_rng(2)
    X, w = rng.normal(size=(4, 3)), np.abs(rng.normal(size=3))
    got = adcompiler.grad(assert_array)(w, X)
    np.testing.assert_allclose(got, _array_fd(assert_array, w, X), rtol=1e-6, atol=1e-8)
    with pytest.raises(AssertionError, match="w is too large"):
        adcompiler.grad(assert_array)(w * 1e4, X)
    with pytest.raises(AssertionError):
        adcompiler.grad(assert_array)(-w, X)


def assert_computed_message(x):
    assert x > 0, f"x is {x}"
    return x * x


def test_assert_computed_message_refused():
    with pytest.raises(CompileError, match="message of an assert must be a string literal") as e:
        adcompiler.grad(assert_computed_message)(1.0)
    assert e.value.line == assert_computed_message.__code__.co_firstlineno + 1


class Weighted:
    def __init__(self, c):
        self.c = c

    def loss(self, p):
        return np.sum(p["w"] ** 2) * self.c + p["b"] * self.c


def test_bound_method_with_dict_parameters_fresh():
    model = Weighted(3.0)
    g = adcompiler.grad(model.loss)
    params = {"w": np.array([1.0, -2.0]), "b": 2.0}
    for c in (3.0, 5.0):
        model.c = c
        got = g(params)
        np.testing.assert_allclose(got["w"], 2 * c * params["w"], rtol=1e-12)
        assert got["b"] == pytest.approx(c)
        h = 1e-6
        up, down = dict(params, b=2.0 + h), dict(params, b=2.0 - h)
        assert got["b"] == pytest.approx((model.loss(up) - model.loss(down)) / (2 * h), rel=1e-6)
