"""Fewer passes over memory in NumPy gradients (issue 18): the algebraic
rewrites of arrays/simplify.py, scalar factors gathered and moved to the
smaller side of a linear map, and buffers reused in place by the emitter
(``np.exp(t, out=t)``, ``t /= q``).  Each rewrite is proven an identity with
sympy, each gradient checked against central differences, and each in-place
write checked never to touch a parameter, an integer array or a broadcast
operand."""
import numpy as np
import pytest
import sympy

from adcompiler import grad, value_and_grad
from oracles import central_diff


def code(text: str) -> str:
    """The emitted text without its comments (which quote the user's source)."""
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def check(f, args, wrt=(0,), rtol=1e-6, atol=1e-8):
    g = grad(f, wrt=wrt if len(wrt) > 1 else wrt[0])
    got = g(*args)
    got = got if isinstance(got, tuple) else (got,)
    for gi, i in zip(got, wrt):
        np.testing.assert_allclose(gi, central_diff(f, args, i), rtol=rtol, atol=atol)
    return g


# ---------------------------------------------------------------- the workloads
def logistic_regression(w, X, y):
    z = (2 * y - 1) * (X @ w)
    return np.sum(np.log(1.0 + np.exp(-z)))


def softplus_mean(w, X, s):
    return np.mean(np.log1p(np.exp(-s * (X @ w))))


def network_nll(W, w0, X, y):
    h = 1.0 / (1.0 + np.exp(-(X @ W.T)))
    z = (2 * y - 1) * (h @ w0)
    return np.sum(np.log(1.0 + np.exp(-z)))


def linear_mse(w, X, y):
    r = y - X @ w
    return np.sum(r ** 2) / len(y)


def _data(n=40, d=3, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal(d) * 0.5, r.standard_normal((n, d)), (r.random(n) < 0.5) * 1.0


def test_identities_behind_the_rewrites_hold_symbolically():
    u, c, x, q, a, b = sympy.symbols("u c x q a b")
    e = sympy.exp(u)
    rules = [  # (what reverse mode writes, what simplify.py emits)
        ((c / (1 + e)) * e, c / (1 + sympy.exp(-u))),
        (x * (1 / q), x / q),
        (x * (c / q), (x / q) * c),
        ((x * a) * b, x * (a * b)),
        ((x / a) * b, x * (b / a)),
        ((x / a) / b, x / (a * b)),
        ((x * a) / b, x * (a / b)),
        (-(x * a), x * (-a)),
        (-(x / a), x / (-a)),
        ((-x) * b, x * (-b)),
        ((-x) / b, x / (-b)),
    ]
    for before, after in rules:
        assert sympy.simplify(before - after) == 0, (before, after)
    # rational.py: the mean cross-entropy's adjoint through p = 1 / (1 + e),
    # e = (1 - p) / p, is the polynomial c * (y - p)
    y, p = sympy.symbols("y p")
    chain = (c * y / p - c * (1 - y) / (1 - p)) * p * p * ((1 - p) / p)
    assert sympy.simplify(chain - c * (y - p)) == 0
    assert sympy.simplify(1 / (1 + e) - (1 - (1 - 1 / (1 + e)))) == 0
    # the adjoint of log(1 + exp(-z)) that the first rule produces
    z = sympy.Symbol("z")
    assert sympy.simplify(sympy.diff(sympy.log(1 + sympy.exp(-z)), z)
                          + 1 / (1 + sympy.exp(z))) == 0


def test_logistic_adjoint_is_one_quotient():
    w, X, y = _data()
    g = check(logistic_regression, (w, X, y))
    text = code(g.source)
    # was: e = exp(-z); t = 1/(1+e); t *= e; t *= s; X.T @ -t
    assert "np.exp(-" not in text and "1.0 / (1.0 +" not in text
    # the sign costs nothing: -(s / (1 + e)) is s / (-1 - e), no negation of N values
    assert "X.T @ (_t1 / (-1.0 - np.exp(" in text and "-(" not in text
    assert text.count("np.exp(") == 1


def test_logistic_gradient_finite_where_exp_overflows():
    # z = -800: exp(-z) is inf and the chain rule's exp(-z) / (1 + exp(-z)) was
    # inf / inf = NaN; the rewritten 1 / (1 + exp(z)) is the exact 1
    w = np.array([1.0])
    X = np.array([[-800.0], [800.0], [0.5]])
    y = np.array([1.0, 1.0, 0.0])
    s = 2 * y - 1
    with np.errstate(over="ignore", invalid="ignore"):  # exp(800) is inf (so was it before)
        got = grad(logistic_regression)(w, X, y)
        want = -(X.T @ (s / (1.0 + np.exp(s * (X @ w)))))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_softplus_mean_factor_moves_after_the_matmul():
    w, X, y = _data(seed=1)
    g = check(softplus_mean, (w, X, 2 * y - 1))
    text = code(g.source)
    assert "np.exp(-" not in text
    # the mean's 1/N and the sign, one scalar applied to the d-vector
    assert "X.T @ (s / " in text and text.count("*=") == 2  # s * z, and the scalar


def test_linear_mse_scalar_factors_become_one():
    w, X, y = _data(seed=2)
    g = check(linear_mse, (w, X, y))
    text = code(g.source)
    # was: r *= 2; r *= 1.0 / len(y); X.T @ -r  (three passes over N values)
    assert "w_bar = X.T @ r" in text and "@ -r" not in text and "    r *= " not in text
    assert text.count("*=") == 1 and "*= -2.0 / len(y)" in text


def test_network_sign_costs_no_negation():
    W, w0, X, y = (np.random.default_rng(3).standard_normal((3, 2)),
                   np.random.default_rng(4).standard_normal(3), *_data(30, 2, 5)[1:])
    g = check(network_nll, (W, w0, X, y), wrt=(0, 1))
    text = code(g.source)
    # the sign of the adjoint went into 1 + e as -1 - e: no negation at all
    # (the chain rule's -t was N negations, then one per use of t)
    assert "-w0" not in text and "-(h.T" not in text and "-1.0 - np.exp(" in text
    assert "np.outer(_t2, w0)" in text and "h.T @ _t2" in text


def test_exp_in_place_only_on_dying_float_temporaries():
    def f(x):
        t = x * 2.0
        return np.sum(np.exp(t)) + np.sum(np.exp(x))

    x = np.linspace(-1.0, 1.0, 7)
    keep = x.copy()
    g = check(f, (x,))
    np.testing.assert_array_equal(x, keep)  # the parameter is never written
    text = code(g.source)
    assert "out=x" not in text


def test_no_in_place_ufunc_on_integer_arrays():
    def f(x, k):
        t = k * 2  # an integer temporary: exp gives floats, so no out=t
        return np.sum(np.exp(t) * x)

    x, k = np.linspace(0.1, 0.5, 5), np.arange(5)
    g = check(f, (x, k))
    assert "out=" not in code(g.source)


def test_quotient_in_place_keeps_broadcasting():
    def f(x, y):
        a = x * 2.0  # shape (3, 1)
        q = a / y  # broadcast to (3, 4): never written into a's (3, 1) buffer
        b = y * 3.0  # (3, 4), dies in the quotient: may take it in place
        return np.sum(q * q) + np.sum(np.log(b / (1.0 + x)))

    r = np.random.default_rng(6)
    check(f, (r.random((3, 1)) + 0.5, r.random((3, 4)) + 0.5), wrt=(0, 1))


def test_quotient_in_place_when_the_first_operand_dies():
    W, w0, X, y = (np.random.default_rng(3).standard_normal((3, 2)),
                   np.random.default_rng(4).standard_normal(3), *_data(30, 2, 5)[1:])
    g = grad(network_nll, wrt=(0, 1))
    g(W, w0, X, y)
    text = code(g.source)
    assert "_t2 /= -1.0 - np.exp(_t3)" in text


def test_exp_writes_into_its_dying_operand():
    def f(w, X):
        z = X @ w
        return np.sum(np.exp(z * 2.0)) + np.sum(z)

    w, X, _ = _data(seed=12)
    g = check(f, (w, X))
    assert "np.exp(z, out=z)" in code(g.source)  # z * 2.0 is z's own buffer by then


def logistic_mean(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_mean_cross_entropy_adjoint_collapses_to_p_minus_y():
    w, X, y = _data(seed=13)
    g = check(logistic_mean, (w, X, y))
    text = code(g.source)
    # was: p_bar = c*y/p - c*(1-y)/(1-p); X.T @ (p_bar * p * p * e): ten passes
    assert "p -= y" in text and "np.log" not in text and text.count("*=") == 1
    assert "X.T @ p" in text  # the 1/N after the matmul, on d values


def test_mean_cross_entropy_collapses_with_the_value_too():
    # value_and_grad keeps 1 - y and 1 - p for the value: the adjoint sees
    # through them (they cancel), and the value is unchanged
    w, X, y = _data(seed=15)
    vg = value_and_grad(logistic_mean)
    v, g = vg(w, X, y)
    p = 1 / (1 + np.exp(-(X @ w)))
    assert v == pytest.approx(logistic_mean(w, X, y), rel=1e-12)
    np.testing.assert_allclose(g, X.T @ (p - y) / len(y), rtol=1e-10)
    np.testing.assert_allclose(g, central_diff(logistic_mean, (w, X, y), 0), rtol=1e-6)
    assert "X.T @ (p - y)" in code(vg.source)


def test_mean_cross_entropy_gradient_finite_where_p_rounds_to_one():
    # z = 40: p is 1.0 in floating point; the chain rule's (1 - y) / (1 - p)
    # was 0 / 0 = NaN, the collapsed p - y is exact
    w = np.array([1.0])
    X = np.array([[40.0], [-0.5], [0.25]])
    y = np.array([1.0, 0.0, 1.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        got = grad(logistic_mean)(w, X, y)
    p = 1 / (1 + np.exp(-(X @ w)))
    np.testing.assert_allclose(got, X.T @ (p - y) / len(y), rtol=1e-12)


def test_rational_region_keeps_broadcast_shapes():
    def f(a, B):
        # a (3, 1) against B (3, 4): a * B / B has B's shape, never a's
        return np.sum(np.exp(a * B / B + B) * B)

    r = np.random.default_rng(14)
    check(f, (r.random((3, 1)), r.random((3, 4)) + 0.5), wrt=(0, 1))


def test_factor_stays_when_the_result_is_larger():
    def f(a, b):
        return np.sum(np.outer(-a * 3.0, b) ** 2)

    r = np.random.default_rng(8)
    check(f, (r.random(4), r.random(6)), wrt=(0, 1))


def test_loop_bodies_keep_their_arithmetic():
    def f(w, X):
        s = 0.0
        for i in range(3):
            s = s + np.sum(np.log(1.0 + np.exp(-(X @ w) * (i + 1.0))))
        return s

    w, X, _ = _data(12, 3, 9)
    check(f, (w, X))


def test_array_api_backend_writes_no_out_argument():
    xs = pytest.importorskip("array_api_strict")
    w, X, y = _data(seed=10)
    g = grad(logistic_regression)
    got = g(xs.asarray(w), xs.asarray(X), xs.asarray(y))
    assert "out=" not in g.source
    np.testing.assert_allclose(np.asarray(got), grad(logistic_regression)(w, X, y), rtol=1e-12)

