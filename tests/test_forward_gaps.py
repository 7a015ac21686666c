"""Forward mode on everything grad takes (issue 15's last gaps): structures of
parameters in jvp / hvp / hessian / jacobian, ``def f(x, *args)`` in the
array forward path, ``has_aux=True`` in forward mode.  Every result is
checked against central differences and against reverse mode."""
import numpy as np
import pytest

import adcompiler
from adcompiler import UsageError

RNG = np.random.default_rng(15)
H = 1e-6


# ---------------------------------------------------------------- oracles
def leaves(tree):
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in leaves(v)]
    if isinstance(tree, (list, tuple)):
        return [leaf for v in tree for leaf in leaves(v)]
    return [tree]


def rebuilt(like, items):
    if isinstance(like, dict):
        return {k: rebuilt(v, items) for k, v in like.items()}
    if isinstance(like, (list, tuple)):
        out = [rebuilt(v, items) for v in like]
        return out if isinstance(like, list) else tuple(out)
    return next(items)


def moved(tree, direction, h):
    """``tree + h * direction``, leaf by leaf."""
    items = iter([np.asarray(a, dtype=float) + h * np.asarray(d, dtype=float)
                  for a, d in zip(leaves(tree), leaves(direction))])
    return rebuilt(tree, items)


def central(f, args, tangents):
    """Directional derivative of ``f`` (any structure of outputs) by central differences."""
    plus = f(*[moved(a, t, H) for a, t in zip(args, tangents)])
    minus = f(*[moved(a, t, -H) for a, t in zip(args, tangents)])
    return rebuilt(plus, iter([(np.asarray(p) - np.asarray(m)) / (2 * H)
                               for p, m in zip(leaves(plus), leaves(minus))]))


def close(a, b, tol=1e-5):
    la, lb = leaves(a), leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert np.shape(x) == np.shape(y)
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def unit(like, k):
    """The ``k``-th basis direction of a structure (its leaves' elements in order)."""
    flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in leaves(like)])
    e = np.zeros(flat.size)
    e[k] = 1.0
    parts, start = [], 0
    for v in leaves(like):
        n = np.size(v)
        parts.append(e[start:start + n].reshape(np.shape(v)) if np.ndim(v) else e[start])
        start += n
    return rebuilt(like, iter(parts))


def vdot(a, b):
    return sum(float(np.vdot(np.asarray(x), np.asarray(y))) for x, y in zip(leaves(a), leaves(b)))


# ---------------------------------------------------------------- 1. structures
def loss(p, x):
    return np.sum(np.tanh(p["W"] @ x + p["b"]) ** 2) + p["s"] * np.sum(x * x)


def layers(params, x):
    for W, b in params:
        x = np.tanh(W @ x + b)
    return x


P = {"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2), "s": 0.7}
X = RNG.normal(size=3)
NET = [(RNG.normal(size=(3, 3)), RNG.normal(size=3)), (RNG.normal(size=(2, 3)), RNG.normal(size=2))]


def test_jvp_takes_tangents_of_the_primals_structure():
    tp = {"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2), "s": 0.3}
    tx = RNG.normal(size=3)
    out, dot = adcompiler.jvp(loss, (P, X), (tp, tx))
    assert out == pytest.approx(loss(P, X))
    assert dot == pytest.approx(central(loss, (P, X), (tp, tx)), rel=1e-6)
    gp, gx = adcompiler.grad(loss, wrt=(0, 1))(P, X)  # reverse mode
    assert dot == pytest.approx(vdot(gp, tp) + vdot(gx, tx), rel=1e-10)


def test_jvp_of_a_list_of_layers_with_a_vector_output():
    t = [(RNG.normal(size=(3, 3)), RNG.normal(size=3)), (RNG.normal(size=(2, 3)), np.zeros(2))]
    out, dot = adcompiler.jvp(layers, (NET, X), (t, np.zeros(3)))
    close(out, layers(NET, X))
    close(dot, central(layers, (NET, X), (t, np.zeros(3))))


def test_jvp_refuses_a_tangent_of_another_structure():
    with pytest.raises(UsageError, match="structure of its primal"):
        adcompiler.jvp(loss, (P, X), ({"W": P["W"], "b": P["b"]}, X))


def test_hvp_returns_one_structure_per_primal():
    v = {"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2), "s": -0.4}
    hv = adcompiler.hvp(loss, (P, X), (v, np.zeros(3)))
    assert isinstance(hv, tuple) and set(hv[0]) == {"W", "b", "s"}
    g = adcompiler.grad(loss, wrt=(0, 1))  # reverse gradients, differenced
    close(hv, central(lambda p, x: g(p, x), (P, X), (v, np.zeros(3))), tol=1e-5)
    one = adcompiler.hvp(lambda_free_loss, (P,), (v,))
    close(one, central(adcompiler.grad(lambda_free_loss), (P,), (v,)))


def lambda_free_loss(p):
    return np.sum(np.sin(p["W"]) * p["W"]) * p["s"] + np.sum(p["b"] ** 3)


def test_hessian_nests_blocks_per_leaf_as_jax_does():
    hess = adcompiler.hessian(lambda_free_loss)(P)
    assert set(hess) == {"W", "b", "s"} and set(hess["W"]) == {"W", "b", "s"}
    assert hess["W"]["b"].shape == (2, 3, 2)
    assert hess["b"]["W"].shape == (2, 2, 3)
    assert np.shape(hess["s"]["s"]) == ()
    g = adcompiler.grad(lambda_free_loss)  # reverse mode, differenced column by column
    n = sum(np.size(v) for v in leaves(P))
    dense_fd = np.array([np.concatenate([np.ravel(c) for c in leaves(central(g, (P,), (unit(P, k),)))])
                         for k in range(n)])
    names = list(P)
    dense = np.block([[np.reshape(hess[r][c], (np.size(P[r]), np.size(P[c])))
                       for c in names] for r in names])
    np.testing.assert_allclose(dense, dense_fd.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dense, dense.T, atol=1e-12)


def test_hessian_of_two_arguments_one_a_structure():
    hess = adcompiler.hessian(loss, wrt=(0, 1))(P, X)
    assert hess[0][1]["W"].shape == (2, 3, 3) and hess[1][0]["b"].shape == (3, 2)
    gx = adcompiler.grad(loss, wrt=1)
    for k in range(3):
        e = np.eye(3)[k]
        col = central(lambda x: gx(P, x), (X,), (e,))
        np.testing.assert_allclose(hess[1][1][:, k], col, rtol=1e-5, atol=1e-5)
    gp = adcompiler.grad(loss, wrt=0)
    close({k: v[..., 0] for k, v in hess[0][1].items()},
          central(lambda x: gp(P, x), (X,), (np.eye(3)[0],)))


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_a_structure_has_its_structure(mode):
    jac = adcompiler.jacobian(layers, mode=mode)(NET, X)
    assert isinstance(jac, list) and jac[0][0].shape == (2, 3, 3) and jac[1][1].shape == (2, 2)
    n = sum(np.size(v) for v in leaves(NET))
    for k in range(n):
        e = unit(NET, k)
        col = central(layers, (NET, X), (e, np.zeros(3)))
        got = sum(np.tensordot(j, d, axes=np.ndim(d)) for j, d in zip(leaves(jac), leaves(e)))
        np.testing.assert_allclose(got, col, rtol=1e-5, atol=1e-6)
    both = adcompiler.jacobian(layers, wrt=(0, 1), mode=mode)(NET, X)
    close(both[0], jac)
    assert both[1].shape == (2, 3)


def test_jacobian_forward_equals_reverse_on_a_dict_and_a_default():
    def scaled(p, x, scale=2.0):
        return scale * np.tanh(p["W"] @ x + p["b"])
    fwd = adcompiler.jacfwd(scaled)(P, X)
    rev = adcompiler.jacrev(scaled)(P, X)
    close(fwd, rev, tol=1e-12)
    close(adcompiler.jacobian(scaled, mode="forward")(P, X, scale=3.0),
          {k: 1.5 * v for k, v in rev.items()}, tol=1e-12)
    jac = adcompiler.jacfwd(scaled)
    jac(P, X)
    assert "def scaled_jvp(" in jac.source


# ---------------------------------------------------------------- 2. *args
def weighted(x, *args):
    return np.sum(x ** 2) * args[0] + np.sum(np.sin(x) * args[1])


def test_varargs_in_jvp_hvp_hessian_jacobian_and_forward_grad():
    x, a, b = RNG.normal(size=3), 1.5, RNG.normal(size=3)
    v = RNG.normal(size=3)
    g_rev = adcompiler.grad(weighted)(x, a, b)
    out, dot = adcompiler.jvp(weighted, (x, a, b), (v, 0.0, np.zeros(3)))
    assert out == pytest.approx(weighted(x, a, b))
    assert dot == pytest.approx(np.dot(g_rev, v), rel=1e-10)
    assert dot == pytest.approx(central(lambda y: weighted(y, a, b), (x,), (v,)), rel=1e-6)
    np.testing.assert_allclose(adcompiler.grad(weighted, mode="forward")(x, a, b), g_rev,
                               rtol=1e-12)
    np.testing.assert_allclose(adcompiler.jacobian(weighted, mode="forward")(x, a, b), g_rev,
                               rtol=1e-12)
    hess = adcompiler.hessian(weighted)(x, a, b)
    np.testing.assert_allclose(hess, np.diag(2 * a - np.sin(x) * b), rtol=1e-10)
    g = adcompiler.grad(weighted)
    fd = central(lambda y: g(y, a, b), (x,), (v,))
    hv = adcompiler.hvp(weighted, (x, a, b), (v, 0.0, np.zeros(3)))
    np.testing.assert_allclose(hv[0], fd, rtol=1e-5)
    np.testing.assert_allclose(hv[0], hess @ v, rtol=1e-10)
    # a different count of *args values compiles again
    assert adcompiler.jvp(weighted, (x, a, b, 7.0), (v, 0.0, np.zeros(3), 0.0))[1] == \
        pytest.approx(dot)


# ---------------------------------------------------------------- 3. has_aux
def fit(w, X, y):
    pred = X @ w
    err = pred - y
    return np.sum(err ** 2), {"pred": pred, "mse": np.mean(err ** 2), "tag": "fit"}


def resid(w, X, y):
    r = np.tanh(X @ w) - y
    return r, (np.sum(r * r), [w[0]])


XS, YS, W0 = RNG.normal(size=(5, 2)), RNG.normal(size=5), np.array([0.3, -0.2])


def test_grad_and_value_and_grad_forward_with_aux_match_reverse():
    g_f, aux_f = adcompiler.grad(fit, mode="forward", has_aux=True)(W0, XS, YS)
    g_r, aux_r = adcompiler.grad(fit, has_aux=True)(W0, XS, YS)
    np.testing.assert_allclose(g_f, g_r, rtol=1e-12)
    np.testing.assert_allclose(g_f, [central(lambda w: fit(w, XS, YS)[0], (W0,), (e,))
                                     for e in np.eye(2)], rtol=1e-6)
    assert aux_f["tag"] == "fit" and set(aux_f) == set(aux_r)
    close({k: aux_f[k] for k in ("pred", "mse")}, {k: aux_r[k] for k in ("pred", "mse")})
    (value, aux), g = adcompiler.value_and_grad(fit, mode="forward", has_aux=True)(W0, XS, YS)
    assert value == pytest.approx(fit(W0, XS, YS)[0])
    np.testing.assert_allclose(g, g_r, rtol=1e-12)
    assert aux["mse"] == pytest.approx(aux_r["mse"])
    both, _ = adcompiler.grad(fit, wrt=(0, 2), mode="forward", has_aux=True)(W0, XS, YS)
    np.testing.assert_allclose(both[1], adcompiler.grad(fit, wrt=2, has_aux=True)(W0, XS, YS)[0])
    with_aux = adcompiler.grad(fit, mode="forward", has_aux=True)
    with pytest.raises(UsageError, match="call it first"):
        with_aux.source
    with_aux(W0, XS, YS)
    assert "def fit_jvp(" in with_aux.source


def test_jacfwd_with_aux_matches_jacrev():
    J_f, aux_f = adcompiler.jacfwd(resid, has_aux=True)(W0, XS, YS)
    J_r, aux_r = adcompiler.jacrev(resid, has_aux=True)(W0, XS, YS)
    assert J_f.shape == (5, 2)
    np.testing.assert_allclose(J_f, J_r, rtol=1e-12)
    fd = np.stack([central(lambda w: resid(w, XS, YS)[0], (W0,), (e,)) for e in np.eye(2)], -1)
    np.testing.assert_allclose(J_f, fd, rtol=1e-6, atol=1e-8)
    assert aux_f[0] == pytest.approx(aux_r[0]) and aux_f[1] == pytest.approx(aux_r[1])
    J2, _ = adcompiler.jacobian(resid, wrt=(0, 2), mode="forward", has_aux=True)(W0, XS, YS)
    np.testing.assert_allclose(J2[1], np.eye(5) * -1.0, atol=1e-12)


def test_forward_aux_on_scalars_and_on_a_structure():
    def scalar_aux(x, y):
        z = x * np.sin(y)
        return z * z, (z, [y, 3.0], None)
    g, aux = adcompiler.grad(scalar_aux, wrt=(0, 1), mode="forward", has_aux=True)(1.2, 0.4)
    g_r, aux_r = adcompiler.grad(scalar_aux, wrt=(0, 1), has_aux=True)(1.2, 0.4)
    assert g == pytest.approx(g_r, rel=1e-12) and aux == aux_r

    def tree_aux(p, x):
        y = p["a"] * x
        return np.sin(y), {"m": np.sum(y)}
    q = {"a": RNG.normal(size=3)}
    J_f, aux_f = adcompiler.jacobian(tree_aux, mode="forward", has_aux=True)(q, X)
    J_r, aux_r = adcompiler.jacobian(tree_aux, mode="reverse", has_aux=True)(q, X)
    close(J_f, J_r, tol=1e-12)
    np.testing.assert_allclose(J_f["a"], np.diag(np.cos(q["a"] * X) * X), rtol=1e-12)
    assert aux_f["m"] == pytest.approx(aux_r["m"])


def test_vjp_gives_cotangents_shaped_like_structured_primals():
    out, pull = adcompiler.vjp(layers, NET, X)
    close(out, layers(NET, X))
    u = RNG.normal(size=2)
    bars = pull(u)
    assert isinstance(bars[0], list) and bars[0][1][0].shape == (2, 3)
    jac = adcompiler.jacobian(layers, wrt=(0, 1), mode="forward")(NET, X)
    close(bars[0], [tuple(np.tensordot(u, j, axes=1) for j in layer) for layer in jac[0]])
    np.testing.assert_allclose(bars[1], u @ jac[1], rtol=1e-12)


# ---------------------------------------------------------------- 4. over value_and_grad
def cubic(x, y):
    return np.sum(x ** 3 * y) + np.sum(np.sin(x))


def test_jvp_and_jacobian_over_value_and_grad():
    x, y, v = RNG.normal(size=3), 1.3, RNG.normal(size=3)
    vg = adcompiler.value_and_grad(cubic)
    (value, g), (value_dot, g_dot) = adcompiler.jvp(vg, (x, y), (v, 0.0))
    assert value == pytest.approx(cubic(x, y)) and value_dot == pytest.approx(np.dot(g, v))
    assert value_dot == pytest.approx(central(lambda z: cubic(z, y), (x,), (v,)), rel=1e-6)
    grad_x = adcompiler.grad(cubic)
    np.testing.assert_allclose(g_dot, central(lambda z: grad_x(z, y), (x,), (v,)), rtol=1e-5)
    np.testing.assert_allclose(g_dot, adcompiler.hvp(cubic, (x, y), (v, 0.0))[0], rtol=1e-12)
    J_value, J_grad = adcompiler.jacobian(vg, mode="forward")(x, y)
    np.testing.assert_allclose(J_value, g, rtol=1e-12)
    np.testing.assert_allclose(J_grad, adcompiler.hessian(cubic)(x, y), rtol=1e-12)


def test_forward_over_value_and_grad_refuses_an_argument_outside_wrt():
    vg = adcompiler.value_and_grad(cubic)  # wrt x only: y's tangent would need dcubic/dy
    with pytest.raises(adcompiler.AdcError, match="include it in wrt"):
        adcompiler.jvp(vg, (np.ones(3), 1.0), (np.ones(3), 1.0))


# ---------------------------------------------------------------- 5. what is left says what works
def test_the_remaining_refusals_say_what_is_supported():
    with pytest.raises(adcompiler.AdcError, match="jvp, vjp, hvp, hessian and jacobian") as err:
        adcompiler.derivative(lambda_free_loss)(P)
    assert "grad / value_and_grad (reverse mode)" not in str(err.value)
    with pytest.raises(adcompiler.AdcError, match="called on the function itself") as err:
        adcompiler.derivative(adcompiler.grad(cubic, mode="forward"))(np.ones(2), 1.0)
    assert "for array code use grad" not in str(err.value)


def test_a_structure_that_is_not_differentiated_is_a_constant_of_the_call():
    def f(x, p):
        return np.sum(np.tanh(p["W"] @ x) ** 2) * p["s"]
    p = {"W": RNG.normal(size=(2, 3)), "s": 2.0}
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    g = adcompiler.grad(f)(x, p)
    assert adcompiler.jvp(f, (x,), (v,), p=p)[1] == pytest.approx(np.dot(g, v), rel=1e-12)
    hess = adcompiler.hessian(f)(x, p)
    fd = np.stack([central(lambda z: adcompiler.grad(f)(z, p), (x,), (e,)) for e in np.eye(3)])
    np.testing.assert_allclose(hess, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(adcompiler.hvp(f, (x,), (v,), p=p), hess @ v, rtol=1e-10)
    jac = adcompiler.jacobian(f, wrt="p", mode="forward")(x, p)
    close(jac, adcompiler.grad(f, wrt="p")(x, p), tol=1e-10)


def test_forward_over_a_gradient_with_aux_is_refused_clearly():
    def with_aux(x):
        return np.sum(x ** 3), {"a": np.sum(x)}
    for made in (adcompiler.grad(with_aux, has_aux=True),
                 adcompiler.value_and_grad(with_aux, has_aux=True)):
        with pytest.raises(adcompiler.AdcError, match="has_aux=True.*value alone"):
            adcompiler.jvp(made, (np.ones(2),), (np.ones(2),))
