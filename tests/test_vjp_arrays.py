"""Issue 15: vjp and reverse-mode Jacobians of NumPy programs.  Every product
and Jacobian is checked against central differences (an independent oracle)
and against reverse-mode grad where the output is a scalar."""
import numpy as np
import pytest

from adcompiler import AdcError, CompileError, UsageError, grad, jacfwd, jacobian, jacrev, vjp


def mlp(x, A, b):
    return np.tanh(A @ x + b)


def two_outputs(x, s):
    return x * s, np.sum(x ** 2) * s


def outer_bcast(x, b):
    return x[:, None] * b[None, :] + np.sin(b)


def rows(M):
    return np.sum(M * M, axis=0) + M[0] * M[1]


def rolled(x):
    out = x * 1.0
    for i in range(3):
        out = out * x[i] + np.roll(x, 1)
    return out


def curve(t):
    return np.array([t, t * t, np.exp(-t)])


def helper(v):
    return v * np.exp(-v)


def calls_helper(x, scale=2.0):
    return scale * helper(x) + x[::-1]


def loss(x, A):
    return np.sum(np.tanh(A @ x) ** 2)


def fd_jacobian(f, args, j, h=1e-6):
    """Central-difference Jacobian of each output of ``f`` wrt argument ``j``
    (out.shape + arg.shape), a list over outputs."""
    args = [np.array(a, dtype=float) if np.ndim(a) else float(a) for a in args]
    base = f(*args)
    outs = base if isinstance(base, tuple) else (base,)
    x = np.asarray(args[j], dtype=float)
    jac = [np.zeros(np.shape(o) + x.shape) for o in outs]
    for k in np.ndindex(x.shape):
        up, down = list(args), list(args)
        xu, xd = x.copy(), x.copy()
        xu[k] += h
        xd[k] -= h
        up[j], down[j] = (xu, xd) if x.shape else (float(xu), float(xd))
        fu, fd = f(*up), f(*down)
        fu, fd = (fu if isinstance(fu, tuple) else (fu,)), (fd if isinstance(fd, tuple) else (fd,))
        for J, a, b in zip(jac, fu, fd):
            J[(...,) + k] = (np.asarray(a) - np.asarray(b)) / (2 * h)
    return jac


RNG = np.random.default_rng(15)
X3 = RNG.normal(size=3)
A23 = RNG.normal(size=(2, 3))
B2 = RNG.normal(size=2)
M34 = RNG.normal(size=(3, 4))

CASES = [  # (function, arguments): matmul, broadcasting, reductions, indexing, loops, helpers
    (mlp, (X3, A23, B2)),
    (two_outputs, (X3, 1.7)),
    (outer_bcast, (X3[:2], np.array([0.5, 1.0, 2.0]))),
    (rows, (M34,)),
    (rolled, (X3,)),
    (curve, (0.7,)),
    (calls_helper, (X3,)),
]


@pytest.mark.parametrize("f,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_vjp_matches_central_differences(f, args):
    out, pullback = vjp(f, *args)
    outs = out if isinstance(out, tuple) else (out,)
    expected = f(*args)
    for o, e in zip(outs, expected if isinstance(expected, tuple) else (expected,)):
        np.testing.assert_allclose(o, e, rtol=1e-12)
    cts = tuple(RNG.normal(size=np.shape(o)) if np.ndim(o) else 0.9 for o in outs)
    bars = pullback(cts if isinstance(out, tuple) else cts[0])
    assert len(bars) == len(args)
    for j, bar in enumerate(bars):
        fd = fd_jacobian(f, args, j)
        want = sum(np.tensordot(c, J, axes=np.ndim(c)) for c, J in zip(cts, fd))
        assert np.shape(bar) == np.shape(args[j])
        np.testing.assert_allclose(bar, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f,args", CASES, ids=[c[0].__name__ for c in CASES])
def test_reverse_jacobian_matches_central_differences(f, args):
    wrt = tuple(range(len(args)))
    jac = jacobian(f, wrt=wrt, mode="reverse")(*args)
    per_out = jac if isinstance(f(*args), tuple) else (jac,)
    for k, by_arg in enumerate(per_out):
        assert isinstance(by_arg, tuple) and len(by_arg) == len(args)
        for j, J in enumerate(by_arg):
            fd = fd_jacobian(f, args, j)[k]
            assert np.shape(J) == fd.shape
            np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-7)


def test_jacobian_shape_is_out_shape_plus_arg_shape():
    J = jacrev(rows)(M34)
    assert J.shape == (4, 3, 4)
    J2 = jacobian(outer_bcast, wrt=1)(X3[:2], np.array([0.5, 1.0, 2.0]))
    assert J2.shape == (2, 3, 3)
    np.testing.assert_allclose(J2, fd_jacobian(outer_bcast, (X3[:2], [0.5, 1.0, 2.0]), 1)[0],
                               rtol=1e-6, atol=1e-7)


def test_auto_mode_and_jacrev_agree_with_reverse_mode_grad():
    """A scalar output: the Jacobian row is reverse-mode grad's gradient."""
    g = grad(loss, wrt=(0, 1))(X3, A23)
    for mode in ("auto", "reverse"):
        jx, jA = jacobian(loss, wrt=(0, 1), mode=mode)(X3, A23)
        np.testing.assert_allclose(jx, g[0], rtol=1e-12)
        np.testing.assert_allclose(jA, g[1], rtol=1e-12)
    np.testing.assert_allclose(jacrev(loss, argnums=1)(X3, A23), g[1], rtol=1e-12)


def test_jacfwd_on_arrays_is_right_or_refused_clearly():
    """Forward mode on arrays is built on another branch: until it lands
    jacfwd refuses arrays by name; once it does, it must equal jacrev."""
    try:
        J = jacfwd(mlp)(X3, A23, B2)
    except AdcError as err:
        assert "array" in str(err)
        return
    np.testing.assert_allclose(J, jacrev(mlp)(X3, A23, B2), rtol=1e-10)


def test_vjp_of_a_scalar_function_of_arrays_is_its_gradient():
    out, pullback = vjp(loss, X3, A23)
    assert out == pytest.approx(loss(X3, A23))
    bx, bA = pullback(2.0)
    gx, gA = grad(loss, wrt=(0, 1))(X3, A23)
    np.testing.assert_allclose(bx, 2.0 * gx, rtol=1e-12)
    np.testing.assert_allclose(bA, 2.0 * gA, rtol=1e-12)


def test_vjp_takes_lists_and_integer_arrays_as_arrays():
    _, pullback = vjp(mlp, [1, 2, 3], A23, B2)
    bar = pullback(np.ones(2))[0]
    fd = fd_jacobian(mlp, ([1.0, 2.0, 3.0], A23, B2), 0)[0]
    np.testing.assert_allclose(bar, np.ones(2) @ fd, rtol=1e-6, atol=1e-7)


def test_vjp_scalar_cotangent_for_a_scalar_argument_gives_floats():
    _, pullback = vjp(curve, 0.3)
    (bar,) = pullback(np.array([1.0, 2.0, 3.0]))
    assert type(bar) is float
    assert bar == pytest.approx(1.0 + 2.0 * 2 * 0.3 - 3.0 * np.exp(-0.3), rel=1e-12)


def test_bad_cotangents_are_usage_errors():
    _, pullback = vjp(mlp, X3, A23, B2)
    with pytest.raises(UsageError, match=r"shape \(3,\).*shape \(2,\)"):
        pullback(np.ones(3))
    _, pullback = vjp(two_outputs, X3, 1.0)
    with pytest.raises(UsageError, match="2 outputs; got 1"):
        pullback(np.ones(3))


def test_output_of_unknown_shape_is_refused_by_name(module_from_source):
    mod = module_from_source(
        "import numpy as np\n"
        "def f(x):\n"
        "    return x[x > 0]\n")  # a mask's count is not known from x's shape
    with pytest.raises(CompileError, match=r":3:5: .*cotangent"):  # at the return
        vjp(mod.f, np.ones(2))


def test_emitted_product_is_readable_and_deterministic():
    _, pullback = vjp(mlp, X3, A23, B2)
    text = pullback.source
    assert "def mlp_vjp(x, A, b, out_bar):" in text
    assert "A.T @" in text and "np.outer(" in text
    jac = jacobian(mlp, wrt=(0, 1, 2))
    jac(X3, A23, B2)
    assert jac.source == text
    from adcompiler.arrays.context import signature, split_signature
    from adcompiler.compiler_vjp import compile_vjp
    from adcompiler.frontend.source import load_live
    shapes, dtypes = split_signature(signature(mlp, (X3, A23, B2), {}))
    one = compile_vjp(load_live(mlp), (0, 1, 2), shapes, dtypes).compiled.source
    two = compile_vjp(load_live(mlp), (0, 1, 2), shapes, dtypes).compiled.source
    assert one == two == text


def test_compiled_again_for_other_shapes():
    _, p1 = vjp(mlp, X3, A23, B2)
    _, p2 = vjp(mlp, X3[:2], A23[:, :2], B2)
    assert p1(np.ones(2))[0].shape == (3,) and p2(np.ones(2))[0].shape == (2,)


# ------------------------------------------------------------------ the example
def _example():
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "examples", "gauss_newton_fit.py")
    spec = importlib.util.spec_from_file_location("gauss_newton_fit", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gauss_newton_example_converges_with_the_compiled_jacobian():
    gn = _example()
    t, y = gn.data()
    J = gn.residual_jacobian(gn.START, t, y)
    assert J.shape == (20, 3)
    fd = fd_jacobian(gn.residuals, (gn.START, t, y), 0)[0]
    np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-8)
    p, history = gn.gauss_newton(gn.START, t, y)
    np.testing.assert_allclose(p, gn.TRUE, rtol=1e-10)
    assert history[-1] < 1e-20 and len(history) <= 10
    assert all(b < a for a, b in zip(history[:4], history[1:5]))  # quadratic phase
    t, y = gn.data(noise=0.05, seed=1)  # noisy data: the normal equations hold at the fit
    p, _ = gn.gauss_newton(gn.START, t, y)
    r = gn.residuals(p, t, y)
    assert np.max(np.abs(gn.residual_jacobian(p, t, y).T @ r)) < 1e-9


def test_reverse_jacobian_equals_grad_on_generated_array_programs():
    """The fuzzer's NumPy programs (scalar outputs; tests/fuzz checks their
    gradients against differences): the seeded product's Jacobian row is
    grad's gradient, to rounding, on every program grad compiles."""
    from fuzz.check import _usable_point, load
    from fuzz.run import make
    compared = 0
    for seed in range(1, 120, 2):  # odd seeds are array programs
        program = make(seed)
        fn = load(program.source).f
        point, wrt, _, _ = _usable_point(fn, program)
        if point is None:
            continue
        try:
            want = grad(fn, wrt=wrt)(*point)
        except AdcError:
            continue  # refused by grad (what is refused is tests/fuzz's business)
        try:
            got = jacobian(fn, wrt=wrt, mode="reverse")(*point)
        except CompileError as err:  # refused at a line: an output shape known only
            assert err.line > 0      # when it runs (sum(X[i] ... for i in range(3)))
            continue
        for g, j in zip(want, got):
            np.testing.assert_allclose(j, g, rtol=1e-12, atol=1e-300, equal_nan=True,
                                       err_msg=program.source)
        compared += 1
    assert compared >= 15


def test_vjp_and_jacobian_of_array_code_use_custom_vjp_rules(module_from_source):
    mod = module_from_source(
        "import numpy as np\n"
        "from adcompiler import custom_vjp\n\n"
        "@custom_vjp\n"
        "def half(x):\n    return x * x\n\n"
        "def half_fwd(x):\n    return x * x, x\n\n"
        "def half_bwd(x, g):\n    return (g * x,)  # half the true derivative, on purpose\n\n"
        "half.defvjp(half_fwd, half_bwd)\n\n"
        "def model(x):\n    return half(x) + 1.0\n")
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(jacobian(mod.model, mode="reverse")(x), np.diag(x))
    np.testing.assert_allclose(vjp(mod.model, x)[1](np.ones(3))[0], x)
    np.testing.assert_allclose(vjp(mod.half, x)[1](np.ones(3))[0], x)


def scaled(x, scale=2.0):
    return np.tanh(x) * scale


def product_of(x, *ws):
    s = x * 1.0
    for w in ws:
        s = s * w
    return s


def test_keyword_arguments_and_star_args():
    x = np.array([0.3, -1.2])
    want = np.diag(3.0 * (1 - np.tanh(x) ** 2))
    np.testing.assert_allclose(jacobian(scaled)(x, scale=3.0), want, rtol=1e-12)
    out, pullback = vjp(scaled, x, scale=3.0)
    np.testing.assert_allclose(out, scaled(x, 3.0))
    np.testing.assert_allclose(pullback(np.ones(2))[0], np.diag(want), rtol=1e-12)
    np.testing.assert_allclose(jacrev(product_of)(x, 2.0, 3.0), 6.0 * np.eye(2))
    out, pullback = vjp(product_of, x, 2.0)
    bx, bw = pullback(np.ones(2))
    np.testing.assert_allclose(bx, [2.0, 2.0])
    assert bw == pytest.approx(np.sum(x))
