"""Issue 14, "math and SciPy" and the NumPy ufunc names: the special
functions as registry records (adcompiler/prims/special.py).

The systematic test (test_registry_systematic.py) checks every record on
scalars in both modes.  Here: the same functions on NumPy arrays in reverse
mode (grad of ``np.sum(f(x))`` against central differences, element by
element), the stable forms at extreme arguments, each way a user's module
imports them, second order, the conventions of ``xlogy`` at ``x = 0``, and
what happens to ``math.lgamma`` when SciPy is not installed.

Oracles: central differences (step 1e-6 on arguments of size ~1: truncation
~1e-12 * |f'''|, rounding ~1e-16 / 1e-6 = 1e-10; tolerance 1e-6), second
differences for second order (step 1e-4: truncation ~1e-9 |f''''|, rounding
~1e-16 / 1e-8 = 1e-8; tolerance 1e-5), and closed forms from SciPy itself.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

scipy_special = pytest.importorskip("scipy.special")  # a test extra

import adcompiler  # noqa: E402
from adcompiler import CompileError  # noqa: E402
from adcompiler.prims import special  # noqa: E402
from test_install_ux import run_python  # noqa: E402

RNG = np.random.default_rng(14)


def central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences, element by element."""
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        out[k] = (f(up) - f(down)) / (2 * h)
    return out


def second(f, x: float, h: float = 1e-4) -> float:
    return (f(x + h) - 2 * f(x) + f(x - h)) / (h * h)


# ---------------------------------------------------------------- arrays, reverse mode
# (label, expression of x, where x is drawn); each is summed with np.sum
ARRAY_CASES = [
    ("expit", "sc.expit(x)", (-4.0, 4.0)),
    ("logit", "sc.logit(x)", (0.1, 0.9)),
    ("erf", "sc.erf(x)", (-2.0, 2.0)),
    ("erfc", "sc.erfc(x)", (-2.0, 2.0)),
    ("gammaln", "sc.gammaln(x)", (0.3, 4.0)),
    ("gamma", "sc.gamma(x)", (0.3, 4.0)),
    ("digamma", "sc.digamma(x)", (0.3, 4.0)),
    ("psi", "sc.psi(x)", (0.3, 4.0)),
    ("polygamma", "sc.polygamma(2, x)", (0.3, 4.0)),
    ("xlogy", "sc.xlogy(x, x + 1.5)", (-1.0, 2.0)),
    ("xlogy_in_x", "sc.xlogy(x, 2.5)", (-1.0, 2.0)),
    ("logaddexp", "np.logaddexp(x, 2.0 * x - 1.0)", (-3.0, 3.0)),
    ("sinc", "np.sinc(x)", (-2.0, 2.0)),
    ("ufuncs", "np.add(np.multiply(x, x), np.divide(np.negative(x), np.subtract(x, 3.0)))",
     (-1.0, 1.0)),
    ("true_divide_power", "np.true_divide(np.power(x, 3), 2.0) + np.square(x)", (0.5, 2.0)),
    ("clip", "np.clip(x, -0.5, 0.5) * x", (-1.0, 1.0)),
]


def user_function(module_from_source, body: str, params: str = "x",
                  imports: str = "import numpy as np\nimport scipy.special as sc\n"):
    return module_from_source(f"{imports}\n\ndef f({params}):\n    return {body}\n").f


@pytest.mark.parametrize("label,expr,interval", ARRAY_CASES, ids=[c[0] for c in ARRAY_CASES])
def test_arrays_reverse_mode_against_central_differences(module_from_source, label, expr,
                                                         interval):
    f = user_function(module_from_source, f"np.sum({expr})")
    x = RNG.uniform(*interval, size=5)
    if label == "sinc":
        x[0] = 0.0  # sinc' at 0 comes from its series
        x[1] = 4e-4
    if label == "clip":
        x = np.array([-0.9, -0.2, 0.3, 0.8, 0.1])  # away from the corners
    got = adcompiler.grad(f)(x)
    assert isinstance(got, np.ndarray) and got.shape == x.shape
    np.testing.assert_allclose(got, central(f, x), rtol=1e-6, atol=1e-7)


def test_arrays_two_parameters(module_from_source):
    f = user_function(module_from_source, "np.sum(sc.xlogy(x, y) + np.logaddexp(x, y))", "x, y")
    x, y = RNG.uniform(-1.0, 1.0, 4), RNG.uniform(0.3, 2.0, 4)
    gx, gy = adcompiler.grad(f, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(gx, central(lambda v: f(v, y), x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gy, central(lambda v: f(x, v), y), rtol=1e-6, atol=1e-7)


def test_np_clip_on_scalars_inside_below_and_above(module_from_source):
    f = user_function(module_from_source, "np.clip(x, -0.5, 0.5) * x")
    g = adcompiler.grad(f)
    assert g(0.3) == pytest.approx(0.6, rel=1e-15)  # x * x inside
    assert g(0.8) == pytest.approx(0.5, rel=1e-15)  # 0.5 * x above
    assert g(-0.9) == pytest.approx(-0.5, rel=1e-15)  # -0.5 * x below
    assert adcompiler.grad(f, mode="forward")(0.8) == pytest.approx(0.5, rel=1e-15)


def test_np_clip_with_a_none_bound(module_from_source):
    """``np.clip(x, None, hi)``: no lower bound (it raised TypeError: '>=' between
    float and NoneType in the gradient code)."""
    upper = user_function(module_from_source, "np.sum(np.clip(x, None, 0.5) * x)")
    x = np.array([0.2, 0.9, -3.0])
    np.testing.assert_allclose(adcompiler.grad(upper)(x), [0.4, 0.5, -6.0], rtol=1e-15)
    lower = user_function(module_from_source, "np.clip(x, 0.0, None) * x")
    assert adcompiler.grad(lower)(0.3) == pytest.approx(0.6, rel=1e-15)
    assert adcompiler.grad(lower)(-0.3) == 0.0
    assert adcompiler.grad(lower, mode="forward")(0.3) == pytest.approx(0.6, rel=1e-15)


def test_clip_method_on_arrays(module_from_source):
    """``x.clip(lo, hi)`` is ``np.clip(x, lo, hi)`` (it was "the array method
    .clip() is not supported")."""
    f = user_function(module_from_source,
                      "(x.clip(-0.5, 0.5) * x).sum() + x.clip(None, 0.0).sum()")
    x = np.array([-0.9, -0.2, 0.3, 0.8])
    np.testing.assert_allclose(adcompiler.grad(f)(x), central(f, x), rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- stable forms
def no_warnings():
    catcher = warnings.catch_warnings()
    catcher.__enter__()
    warnings.simplefilter("error")
    return catcher


@pytest.mark.parametrize("x", [800.0, -800.0, 40.0, -40.0])
def test_expit_at_extreme_arguments_neither_overflows_nor_warns(module_from_source, x):
    f = user_function(module_from_source, "sc.expit(x)")
    want_value = scipy_special.expit(x)
    want_slope = want_value * scipy_special.expit(-x)  # 0.0 at +-800 (e**-800 underflows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, slope = adcompiler.value_and_grad(f)(x)
        forward = adcompiler.grad(f, mode="forward")(x)
    assert value == want_value and math.isfinite(slope)
    assert slope == pytest.approx(want_slope, rel=1e-12, abs=0.0)
    assert forward == pytest.approx(want_slope, rel=1e-12, abs=0.0)
    if abs(x) == 40.0:  # a tiny slope that is not zero (1 - expit(40) is 0.0 in floats)
        assert slope == pytest.approx(math.exp(-40.0), rel=1e-14, abs=0.0)


def test_expit_on_arrays_at_extreme_arguments(module_from_source):
    f = user_function(module_from_source, "np.sum(sc.expit(x))")
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = adcompiler.grad(f)(x)
    np.testing.assert_allclose(got, [0.0, math.exp(-40.0), 0.25, math.exp(-40.0), 0.0],
                               rtol=1e-6, atol=0.0)


def test_logaddexp_at_large_equal_arguments(module_from_source):
    f = user_function(module_from_source, "np.logaddexp(x, y)", "x, y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, (gx, gy) = adcompiler.value_and_grad(f, wrt=(0, 1))(1000.0, 1000.0)
        far = adcompiler.grad(f, wrt=(0, 1))(-1000.0, 1000.0)
        forward = adcompiler.grad(f, wrt=(0, 1), mode="forward")(1000.0, 1000.0)
    # exp(x - out): x - out is exact to |out| * 2**-52, so the slope to ~1e-13
    assert value == pytest.approx(1000.0 + math.log(2.0), rel=1e-15, abs=0.0)
    assert (gx, gy) == pytest.approx((0.5, 0.5), rel=1e-13, abs=0.0)
    assert forward == pytest.approx((0.5, 0.5), rel=1e-13, abs=0.0)
    assert far == (0.0, 1.0)
    fa = user_function(module_from_source, "np.sum(np.logaddexp(x, y))", "x, y")
    x = np.array([1000.0, -1000.0, 0.0])
    gx, gy = adcompiler.grad(fa, wrt=(0, 1))(x, np.array([1000.0, 1000.0, 0.0]))
    np.testing.assert_allclose(gx, [0.5, 0.0, 0.5], rtol=1e-13, atol=0.0)
    np.testing.assert_allclose(gy, [0.5, 1.0, 0.5], rtol=1e-13, atol=0.0)


def test_sinc_near_zero_first_and_second_order(module_from_source):
    """At 0 the quotient form of sinc' is 0/0: the series gives 0 there, and
    its own derivative the right second derivative, -pi**2 / 3."""
    f = user_function(module_from_source, "np.sinc(x)")
    g = adcompiler.grad(f)
    for x in (0.0, 1e-9, -5e-4, 9.9e-4, 1.01e-3, 0.3):
        want = (math.cos(math.pi * x) - np.sinc(x)) / x if abs(x) > 1e-2 else \
            -math.pi ** 2 * x / 3 + math.pi ** 4 * x ** 3 / 30
        assert g(x) == pytest.approx(want, rel=1e-9, abs=1e-15), x
    h = adcompiler.hessian(f)
    assert h(0.0) == pytest.approx(-math.pi ** 2 / 3, rel=1e-12)
    assert h(0.3) == pytest.approx(second(np.sinc, 0.3), rel=1e-5)


# ---------------------------------------------------------------- xlogy conventions
def test_xlogy_at_x_zero(module_from_source):
    """xlogy(0, y) = 0 for every y (also y = 0): its partial in y is 0 there,
    exactly; its partial in x is log(y), -inf at y = 0 (documented)."""
    f = user_function(module_from_source, "sc.xlogy(x, y)", "x, y")
    for mode in ("reverse", "forward"):
        g = adcompiler.grad(f, wrt=(0, 1), mode=mode)
        assert g(0.0, 2.0) == (pytest.approx(math.log(2.0), rel=1e-15), 0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # np.log(0.0) = -inf
            gx, gy = g(0.0, 0.0)
        assert gx == -math.inf and gy == 0.0
    assert adcompiler.value_and_grad(f, wrt=1)(0.0, 0.0) == (0.0, 0.0)


def test_entropy_with_xlogy_on_arrays(module_from_source):
    """-sum p log p with p = softmax-like weights: the usual use of xlogy."""
    f = user_function(module_from_source, "-np.sum(sc.xlogy(p, p))", "p")
    p = np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(adcompiler.grad(f)(p), -(np.log(p) + 1.0), rtol=1e-14)


# ---------------------------------------------------------------- how modules are imported
IMPORTS = [
    ("from scipy.special import expit", "expit(x)", scipy_special.expit),
    ("import scipy.special as sc", "sc.expit(x)", scipy_special.expit),
    ("import scipy.special", "scipy.special.gammaln(x)", scipy_special.gammaln),
    ("from scipy import special", "special.digamma(x)", scipy_special.digamma),
    ("from scipy.special import logit as lo", "lo(x)", scipy_special.logit),
    ("from math import lgamma", "lgamma(x)", math.lgamma),
    ("import math", "math.gamma(x)", math.gamma),
    ("import numpy", "numpy.logaddexp(x, 1.0)", lambda x: np.logaddexp(x, 1.0)),
    ("from numpy import multiply, negative", "negative(multiply(x, x))", lambda x: -x * x),
]


@pytest.mark.parametrize("imports,expr,fn", IMPORTS, ids=[i[0] for i in IMPORTS])
def test_each_import_style_compiles(module_from_source, imports, expr, fn):
    f = user_function(module_from_source, expr, imports=imports + "\n")
    x = 0.6
    want = (fn(x + 1e-6) - fn(x - 1e-6)) / 2e-6
    value, slope = adcompiler.value_and_grad(f)(x)
    assert value == pytest.approx(float(fn(x)), rel=1e-15)
    assert slope == pytest.approx(want, rel=1e-7)
    source = adcompiler.grad(f).source
    compile(source, "<emitted>", "exec")  # standalone: it names its own imports
    assert "scipy" not in source or "import scipy.special" in source


def test_scalar_derivatives_are_numbers(module_from_source):
    """digamma' is written zeta(2, x): SciPy's polygamma would return a 0-d
    array for a number."""
    f = user_function(module_from_source, "sc.digamma(x)")
    assert np.ndim(adcompiler.grad(f)(0.5)) == 0
    assert isinstance(adcompiler.grad(f)(0.5), float)
    assert "zeta(2, x)" in adcompiler.grad(f).source
    p = user_function(module_from_source, "sc.polygamma(1, x)")  # the user's: a 0-d array
    assert isinstance(adcompiler.grad(p)(0.5), float)
    assert adcompiler.grad(p)(0.5) == pytest.approx(float(scipy_special.polygamma(2, 0.5)),
                                                    rel=1e-13)


# ---------------------------------------------------------------- second order
SECOND = [
    ("sc.gammaln(x)", lambda x: scipy_special.polygamma(1, x)),
    ("math.lgamma(x)", lambda x: scipy_special.polygamma(1, x)),
    ("sc.digamma(x)", lambda x: scipy_special.polygamma(2, x)),
    ("sc.polygamma(1, x)", lambda x: scipy_special.polygamma(3, x)),
    ("math.gamma(x)", lambda x: math.gamma(x) * (scipy_special.digamma(x) ** 2
                                                 + scipy_special.polygamma(1, x))),
    ("sc.expit(x)", lambda x: (lambda s: s * (1 - s) * (1 - 2 * s))(scipy_special.expit(x))),
    ("sc.logit(x)", lambda x: (2 * x - 1) / (x * (1 - x)) ** 2),
    ("np.logaddexp(x, 0.5)", lambda x: (lambda s: s * (1 - s))(scipy_special.expit(x - 0.5))),
    ("sc.xlogy(x, x)", lambda x: 1.0 / x),
]


@pytest.mark.parametrize("expr,want", SECOND, ids=[s[0] for s in SECOND])
def test_second_derivative(module_from_source, expr, want):
    f = user_function(module_from_source, expr,
                      imports="import math\nimport numpy as np\nimport scipy.special as sc\n")
    h = adcompiler.hessian(f)
    for x in (0.35, 0.8, 2.5):
        if "logit" in expr and x > 1:
            continue
        assert float(h(x)) == pytest.approx(float(want(x)), rel=1e-10), x
        assert float(h(x)) == pytest.approx(second(f, x), rel=1e-4)


def test_third_order_through_the_zeta_chain(module_from_source):
    f = user_function(module_from_source, "sc.gammaln(x)")
    d3 = adcompiler.derivative(f, order=3)
    assert float(d3(0.7)) == pytest.approx(float(scipy_special.polygamma(2, 0.7)), rel=1e-12)


def test_second_order_in_two_variables(module_from_source):
    f = user_function(module_from_source, "sc.xlogy(x, y) + np.logaddexp(x, y)", "x, y")
    (hxx, hxy), (hyx, hyy) = adcompiler.hessian(f, wrt=(0, 1))(0.7, 1.3)
    s = scipy_special.expit(0.7 - 1.3)
    assert hxx == pytest.approx(s * (1 - s), rel=1e-12)
    assert hxy == pytest.approx(1 / 1.3 - s * (1 - s), rel=1e-12)
    assert hyx == pytest.approx(hxy, rel=1e-12)
    assert hyy == pytest.approx(-0.7 / 1.3 ** 2 + s * (1 - s), rel=1e-12)


# ---------------------------------------------------------------- math.lgamma without SciPy
LGAMMA = """\
import math


def poisson(lam, k):
    return k * math.log(lam) - lam - math.lgamma(k + 1.0)


def shape_term(alpha):
    return math.lgamma(alpha) - alpha
"""


def test_math_lgamma_derivative_uses_scipy_when_installed(module_from_source):
    mod = module_from_source(LGAMMA)
    g = adcompiler.grad(mod.shape_term)
    assert g(1.7) == pytest.approx(scipy_special.digamma(1.7) - 1.0, rel=1e-14)
    assert "import scipy.special" in g.source and "scipy.special.digamma(alpha)" in g.source


def test_math_lgamma_derivative_refused_without_scipy(module_from_source, monkeypatch):
    monkeypatch.setattr(special, "scipy_installed", lambda: False)
    mod = module_from_source(LGAMMA)
    # lgamma of a constant of the gradient: no digamma needed, nothing refused
    assert adcompiler.grad(mod.poisson)(2.0, 3.0) == pytest.approx(0.5, rel=1e-15)
    for mode in ("reverse", "forward"):
        with pytest.raises(CompileError) as err:
            adcompiler.grad(mod.shape_term, mode=mode)(1.7)
        assert err.value.line == 9 and err.value.construct == "math.lgamma"
        assert "pip install scipy" in err.value.message
        assert err.value.filename.endswith(".py")


def test_without_scipy_installed_a_subprocess():
    """SciPy made uninstallable: math-only code compiles and runs, math.lgamma's
    derivative is one CompileError line, and SciPy is never imported."""
    r = run_python("""
        import math, sys
        import adcompiler
        def f(w):
            return w * math.erf(w) + math.lgamma(3.0)
        def g(a):
            return math.lgamma(a)
        print(round(adcompiler.grad(f)(0.5), 12))
        try:
            adcompiler.grad(g)(1.5)
        except adcompiler.CompileError as err:
            print("refused:", err.line, err.construct)
        print("scipy" in sys.modules)
    """, blocked=("scipy",))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    w = 0.5
    slope = math.erf(w) + w * 2 / math.sqrt(math.pi) * math.exp(-w * w)
    assert float(lines[0]) == round(slope, 12)
    assert lines[1].startswith("refused:") and lines[1].endswith("math.lgamma")
    assert lines[2] == "False"


def test_compiling_math_code_does_not_import_scipy():
    r = run_python("""
        import math, sys
        import adcompiler
        def f(w):
            return math.lgamma(2.0) * math.sin(w)
        adcompiler.grad(f)(0.5)
        print("scipy" in sys.modules)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


# ---------------------------------------------------------------- the command line, other SciPy
def test_command_line_reads_scipy_imports(tmp_path):
    """``adc compile`` reads the file as text: it imports SciPy for a file that
    imports it (a library, like NumPy) and compiles its functions."""
    from test_cli import adc, write
    path = write(tmp_path, "lik.py", """
        import math
        import numpy as np
        from scipy.special import expit, gammaln


        def loglik(a, x):
            return math.lgamma(a) + gammaln(x) + np.logaddexp(a, x) * expit(a)
    """)
    r = adc("compile", str(path))
    assert r.returncode == 0, r.stderr
    assert "import scipy.special\n" in r.stdout
    ns: dict = {}
    exec(r.stdout, ns)
    a, x = 0.8, 1.7
    def lik(v):
        return math.lgamma(v) + scipy_special.gammaln(x) + np.logaddexp(v, x) * \
            scipy_special.expit(v)
    assert ns["loglik_grad"](a, x) == pytest.approx((lik(a + 1e-6) - lik(a - 1e-6)) / 2e-6,
                                                    rel=1e-7)


def test_scipy_function_that_is_not_a_primitive_is_refused_at_its_call(module_from_source):
    """SciPy's own Python code is library code: refused by name at the user's
    line, never inlined (before: "_logsumexp.py: decorators other than @grad")."""
    # (logsumexp, the example of the issue, is a primitive now: entr is not)
    f = user_function(module_from_source, "np.sum(entr(x))",
                      imports="import numpy as np\nfrom scipy.special import entr\n")
    with pytest.raises(CompileError) as err:
        adcompiler.grad(f)(np.array([1.0, 2.0]))
    assert err.value.line == 6 and "entr" in err.value.message


# ---------------------------------------------------------------- realistic programs
PROGRAMS = """\
import numpy as np
import scipy.special as sc
from scipy.special import expit, gammaln, xlogy


def logistic_nll(w, X, y):
    p = expit(X @ w)
    return -np.sum(xlogy(y, p) + xlogy(1.0 - y, 1.0 - p))


def softplus_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def gamma_loglik(alpha, beta, x):
    n = x.shape[0]
    return (n * (alpha * np.log(beta) - gammaln(alpha))
            + (alpha - 1.0) * np.sum(np.log(x)) - beta * np.sum(x))


def beta_binomial(a, b, k, n):
    return np.sum(sc.gammaln(k + a) + sc.gammaln(n - k + b) - sc.gammaln(n + a + b)
                  + sc.gammaln(a + b) - sc.gammaln(a) - sc.gammaln(b))
"""


def test_realistic_programs(module_from_source):
    mod = module_from_source(PROGRAMS)
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20, 3))
    y = (rng.random(20) < 0.5).astype(float)
    w = rng.normal(size=3)
    for fn in (mod.logistic_nll, mod.softplus_nll):
        got = adcompiler.grad(fn)(w, X, y)
        np.testing.assert_allclose(got, central(lambda v: fn(v, X, y), w), rtol=1e-6, atol=1e-8)
    # the two are the same likelihood
    np.testing.assert_allclose(adcompiler.grad(mod.logistic_nll)(w, X, y),
                               adcompiler.grad(mod.softplus_nll)(w, X, y), rtol=1e-10)
    x = rng.gamma(2.0, 1.0, size=30)
    ga, gb = adcompiler.grad(mod.gamma_loglik, wrt=(0, 1))(2.3, 1.4, x)
    assert ga == pytest.approx(30 * (math.log(1.4) - scipy_special.digamma(2.3))
                               + np.sum(np.log(x)), rel=1e-12)
    assert gb == pytest.approx(30 * 2.3 / 1.4 - np.sum(x), rel=1e-12)
    k = np.array([3.0, 0.0, 7.0, 5.0])
    n = np.array([10.0, 4.0, 9.0, 12.0])
    g = adcompiler.grad(mod.beta_binomial, wrt=(0, 1))(1.5, 2.5, k, n)
    h = 1e-6
    bb = mod.beta_binomial
    want_a = (bb(1.5 + h, 2.5, k, n) - bb(1.5 - h, 2.5, k, n)) / (2 * h)
    want_b = (bb(1.5, 2.5 + h, k, n) - bb(1.5, 2.5 - h, k, n)) / (2 * h)
    assert g == pytest.approx((want_a, want_b), rel=1e-6)


# ---------------------------------------------------------------- sympy as a second oracle
#: (record, user expression, point, the record's sympy arguments for symbol s)
SYMPY_CASES = [
    ("gamma", "math.gamma(x)", 1.3, lambda s: (s,)),
    ("lgamma", "sc.gammaln(x)", 0.7, lambda s: (s,)),
    ("digamma", "sc.digamma(x)", 1.9, lambda s: (s,)),
    ("polygamma", "sc.polygamma(2, x)", 0.9, lambda s: (2, s)),
    ("zeta", "-0.5 * sc.polygamma(1, x)", 1.1, lambda s: (2, s)),  # -0.5 * (zeta(2, x))
    ("expit", "sc.expit(x)", -1.2, lambda s: (s,)),
    ("logit", "sc.logit(x)", 0.35, lambda s: (s,)),
    ("sinc", "np.sinc(x)", 0.45, lambda s: (s,)),
    ("logaddexp", "np.logaddexp(x, 0.3)", -0.8, lambda s: (s, 0.3)),
    ("xlogy", "sc.xlogy(x, 1.7)", 0.6, lambda s: (s, 1.7)),
]


@pytest.mark.parametrize("name,expr,x,args", SYMPY_CASES, ids=[c[0] for c in SYMPY_CASES])
def test_records_sympy_forms_agree_with_the_rules(module_from_source, name, expr, x, args):
    """Each record's sympy form (what the swell study reads), differentiated
    by sympy, against adcompiler's first and second derivatives.  (The zeta
    case differentiates polygamma(1, x) = zeta(2, x), whose derivatives are
    written with zeta; the -0.5 makes the form's scale differ from 1.)"""
    sympy = pytest.importorskip("sympy")
    from adcompiler.prims.record import REGISTRY
    s = sympy.Symbol("s")
    form = REGISTRY[name].sympy(*(sympy.nsimplify(a) if not isinstance(a, sympy.Basic) else a
                                  for a in args(s)))
    if name == "zeta":
        form = -form / 2
    d1, d2 = (float(sympy.diff(form, s, k).subs(s, x).evalf(30)) for k in (1, 2))
    f = user_function(module_from_source, expr,
                      imports="import math\nimport numpy as np\nimport scipy.special as sc\n")
    assert float(adcompiler.grad(f)(x)) == pytest.approx(d1, rel=1e-12)
    assert float(adcompiler.hessian(f)(x)) == pytest.approx(d2, rel=1e-10)
