"""Issue 15: JAX's spellings: ``argnums=`` wherever ``wrt=`` is (never both),
``has_aux=True`` on grad / value_and_grad / jacobian, ``jacrev``/``jacfwd``.
Derivatives are checked against central differences."""
from math import exp, sin

import numpy as np
import pytest

import adcompiler
from adcompiler import (CompileError, UsageError, check_grad, derivative, grad, hessian,
                        jacfwd, jacobian, jacrev, source, value_and_grad)
from oracles import central_diff


def h(x, y):
    return x * x * y + exp(y)


def g(x, y):
    return x * y, x + sin(y)


def fit_loss(w, X, y):
    pred = X @ w
    err = pred - y
    return np.sum(err ** 2), {"pred": pred, "mse": np.mean(err ** 2), "pair": (err, 2.0)}


def scalar_aux(x, y):
    z = x * sin(y)
    return z * z, (z, [y, 3.0], None)


def two_returns(x):
    if x > 0:
        return x * x, {"branch": 1.0, "x": x}
    return -x, {"branch": -1.0, "x": x}


RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 2))
W = np.array([0.4, -0.3])
Y = RNG.normal(size=5)


# ------------------------------------------------------------------ argnums
def test_argnums_is_wrt_for_every_transform():
    assert grad(h, argnums=1)(1.0, 0.5) == grad(h, wrt=1)(1.0, 0.5)
    assert grad(h, argnums=1)(1.0, 0.5) == pytest.approx(central_diff(h, (1.0, 0.5), 1))
    assert value_and_grad(h, argnums=(0, 1))(1.0, 0.5) == value_and_grad(h, wrt=(0, 1))(1.0, 0.5)
    assert grad(argnums="y")(h)(1.0, 0.5) == grad(h, wrt="y")(1.0, 0.5)  # decorator form
    assert jacobian(g, argnums=1)(1.0, 2.0) == jacobian(g, wrt=1)(1.0, 2.0)
    assert hessian(h, argnums=(0, 1))(1.0, 0.0) == ((0.0, 2.0), (2.0, 1.0))
    assert derivative(h, order=2, argnums=1)(1.0, 0.0) == pytest.approx(1.0)
    assert source(h, argnums=1) == source(h, wrt=1)
    assert "y_bar" in source(h, argnums=1)
    assert check_grad(h, 1.0, 0.5, argnums=1).ok
    assert [c.name for c in check_grad(h, 1.0, 0.5, argnums=1).components][0] == "y"


@pytest.mark.parametrize("make", [
    lambda: grad(h, wrt=0, argnums=0),
    lambda: value_and_grad(h, wrt=0, argnums=1),
    lambda: jacobian(g, wrt=0, argnums=0),
    lambda: hessian(h, wrt=0, argnums=0),
    lambda: derivative(h, wrt=0, argnums=0),
    lambda: source(h, wrt=0, argnums=0),
    lambda: check_grad(h, 1.0, 0.5, wrt=0, argnums=0),
])
def test_wrt_and_argnums_together_is_a_usage_error(make):
    with pytest.raises(UsageError, match="not both"):
        make()


def test_argnums_on_arrays():
    gw = grad(lambda_free_loss, argnums=0)(W, X, Y)
    np.testing.assert_allclose(gw, central_diff(lambda_free_loss, (W, X, Y), 0), rtol=1e-6, atol=1e-7)


def lambda_free_loss(w, X, y):
    return np.sum((X @ w - y) ** 2)


# ------------------------------------------------------------------ jacrev / jacfwd
def test_jacrev_and_jacfwd_are_jacobian_in_each_mode():
    want = np.array([[2.0, 1.0], [1.0, cos2()]])
    np.testing.assert_allclose(jacrev(g, argnums=(0, 1))(1.0, 2.0), want, rtol=1e-14)
    np.testing.assert_allclose(jacfwd(g, argnums=(0, 1))(1.0, 2.0), want, rtol=1e-14)
    assert jacrev(g)(1.0, 2.0) == pytest.approx((2.0, 1.0))
    assert jacfwd(g, argnums=1)(1.0, 2.0) == pytest.approx((1.0, cos2()))
    assert adcompiler.jacfwd.__doc__ and adcompiler.jacrev.__doc__


def cos2():
    return float(np.cos(2.0))


# ------------------------------------------------------------------ has_aux
def test_grad_has_aux_returns_gradient_and_aux_on_arrays():
    gw, aux = grad(fit_loss, has_aux=True)(W, X, Y)
    loss_only = lambda w, X, y: fit_loss(w, X, y)[0]  # noqa: E731 - the oracle's function
    np.testing.assert_allclose(gw, central_diff(loss_only, (W, X, Y), 0), rtol=1e-6, atol=1e-7)
    _, want = fit_loss(W, X, Y)
    assert set(aux) == {"pred", "mse", "pair"}
    np.testing.assert_allclose(aux["pred"], want["pred"], rtol=1e-14)
    assert aux["mse"] == pytest.approx(want["mse"], rel=1e-14)
    assert isinstance(aux["pair"], tuple) and aux["pair"][1] == 2.0
    np.testing.assert_allclose(aux["pair"][0], want["pair"][0], rtol=1e-14)


def test_value_and_grad_has_aux_nests_like_jax():
    (value, aux), gw = value_and_grad(fit_loss, has_aux=True)(W, X, Y)
    assert value == pytest.approx(fit_loss(W, X, Y)[0], rel=1e-14)
    assert aux["mse"] == pytest.approx(fit_loss(W, X, Y)[1]["mse"], rel=1e-14)
    np.testing.assert_allclose(gw, grad(fit_loss, has_aux=True)(W, X, Y)[0], rtol=1e-14)
    (value, aux), (gw, gX) = value_and_grad(fit_loss, argnums=(0, 1), has_aux=True)(W, X, Y)
    loss_only = lambda w, X, y: fit_loss(w, X, y)[0]  # noqa: E731
    np.testing.assert_allclose(gX, central_diff(loss_only, (W, X, Y), 1), rtol=1e-6, atol=1e-7)


def test_has_aux_on_scalar_code():
    gx, aux = grad(scalar_aux, has_aux=True)(1.3, 0.4)
    assert gx == pytest.approx(central_diff(lambda x, y: scalar_aux(x, y)[0], (1.3, 0.4), 0))
    z = 1.3 * sin(0.4)
    assert aux == (pytest.approx(z), [0.4, 3.0], None)
    for x in (1.5, -1.5):
        gx, aux = grad(two_returns, has_aux=True)(x)
        assert gx == pytest.approx(2 * x if x > 0 else -1.0)
        assert aux == {"branch": 1.0 if x > 0 else -1.0, "x": x}


def test_has_aux_source_shows_the_aux_values():
    df = grad(fit_loss, has_aux=True)
    with pytest.raises(UsageError, match="call the gradient"):
        df.source
    df(W, X, Y)
    text = df.source
    assert "def fit_loss_grad(w, X, y):" in text
    assert "np.mean(" in text  # the aux value mse is computed by the emitted code
    assert text.rstrip().splitlines()[-1].strip().startswith("return w_bar,")


def test_jacobian_has_aux():
    def residual(p, t):
        r = p[0] * np.exp(-p[1] * t) - 1.0
        return r, {"sse": np.sum(r * r)}
    p, t = np.array([2.0, 0.5]), np.linspace(0.0, 1.0, 4)
    J, aux = jacobian(residual, has_aux=True)(p, t)
    assert J.shape == (4, 2)
    r = lambda p, t: residual(p, t)[0]  # noqa: E731
    for j in range(2):
        dp = np.zeros(2)
        dp[j] = 1e-6
        np.testing.assert_allclose(J[:, j], (r(p + dp, t) - r(p - dp, t)) / 2e-6, rtol=1e-6)
    assert aux["sse"] == pytest.approx(residual(p, t)[1]["sse"], rel=1e-14)
    J2, aux2 = jacrev(residual, has_aux=True)(p, t)
    np.testing.assert_allclose(J2, J)


def not_a_pair(x):
    return x * x


def mismatched(x):
    if x > 0:
        return x * x, {"a": x}
    return x, {"b": x}


def test_has_aux_errors_name_the_construct():
    with pytest.raises(CompileError, match="return value, aux"):
        grad(not_a_pair, has_aux=True)(1.0)
    with pytest.raises(CompileError, match="same structure"):
        grad(mismatched, has_aux=True)(1.0)
    with pytest.raises(UsageError, match="numbers and arrays"):
        grad(scalar_aux, has_aux=True)({"a": 1.0}, 2.0)
    # forward mode with has_aux: tests/test_forward_gaps.py


def test_swell_and_the_command_line_read_argnums(tmp_path):
    import os
    import subprocess
    import sys
    report = adcompiler.swell(h, argnums=1, at=(1.0, 0.5))
    assert all(row.agrees for row in report.rows)
    with pytest.raises(UsageError, match="not both"):
        adcompiler.swell(h, wrt=0, argnums=1)
    path = tmp_path / "deco.py"
    path.write_text("from adcompiler import grad\n\n\n@grad(argnums=1)\n"
                    "def f(x, y):\n    return x * y * y\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    run = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(path)],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=root))
    assert run.returncode == 0, run.stderr
    assert "def f_grad(x, y):" in run.stdout and "y_bar" in run.stdout


def named_aux(w, X, y):
    pred = X @ w
    err = pred - y
    aux = {"pred": pred, "stats": (np.mean(err), np.max(err)), "1": 2.0, "tag": "fit"}
    err = err * 2.0  # aux holds the values from before this line
    return np.sum(err ** 2), aux


def test_has_aux_reads_a_display_bound_to_a_name():
    gw, aux = grad(named_aux, has_aux=True)(W, X, Y)
    loss_only = lambda w, X, y: named_aux(w, X, y)[0]  # noqa: E731
    np.testing.assert_allclose(gw, central_diff(loss_only, (W, X, Y), 0), rtol=1e-6, atol=1e-7)
    want = named_aux(W, X, Y)[1]
    np.testing.assert_allclose(aux["pred"], want["pred"], rtol=1e-14)
    assert aux["stats"] == pytest.approx(want["stats"], rel=1e-14)
    assert aux["1"] == 2.0 and aux["tag"] == "fit"
    assert list(aux) == ["pred", "stats", "1", "tag"]
    df = grad(named_aux, has_aux=True)
    df(W, X, Y)
    assert "aux_stats_0 = np.mean(err)" in df.source
