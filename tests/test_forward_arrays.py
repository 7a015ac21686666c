"""Forward mode on NumPy programs: ``jvp``, ``jacobian(mode="forward")`` and
``grad(mode="forward")`` with array arguments, each against central
differences (an independent oracle) and against reverse mode (``grad``).

The programs cover broadcasting, reductions, ``@``, indexing (slices,
integer arrays, rows), loops over elements and helpers (inlined).  A vector
output's forward Jacobian is checked against reverse mode through
``grad`` of ``w . f(x)``, which is ``J^T w``.
"""
import numpy as np
import pytest

import adcompiler
from adcompiler.errors import AdcError, UsageError

H = 1e-6
RNG = np.random.default_rng(15)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def broadcast(x, W, b):
    return np.sum(np.tanh(W @ x + b) * x[:, None]) + np.sum((x[:, None] - W) ** 2) * b


def reductions(x, M):
    return np.sum(M * x) + np.mean(M, axis=0) @ x + np.prod(x[:3]) + np.linalg.norm(x) \
        + np.max(M @ x)


def matmul(x, A):
    return x @ A @ x + np.sum(np.outer(x, x) @ A.T)


IDX = np.array([0, 2, 2, 3])  # a global index array: an element taken twice


def indexing(x, M):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[IDX] ** 2) + M[1, :] @ x[::-1] + x[0] * M[:, 0] @ x


def element_loop(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + x[i] * x[i - 1] + np.sin(x[i])
    return s


def helpers(x, W):
    return np.sum(_sigmoid(W @ x) ** 2) + np.sum(_sigmoid(x))


def vector_out(x, W):
    return _sigmoid(W @ x) * x[0] + np.cumsum(x) ** 2


def vector_out_weighted(x, W, w):
    return np.sum(w * vector_out(x, W))


def branch_where(x):
    return np.sum(np.where(x > 0.0, x ** 3, -x) + np.abs(x) * x)


def two_outputs(x, A):
    return A @ x, np.sum(x ** 2)


def _point():
    x = RNG.normal(size=4) + 0.1
    W = RNG.normal(size=(4, 4))
    return x, W


CASES = {
    "broadcast": (broadcast, lambda: (*_point(), 0.7)),
    "reductions": (reductions, lambda: _point()),
    "matmul": (matmul, lambda: _point()),
    "indexing": (indexing, lambda: _point()),
    "element_loop": (element_loop, lambda: (_point()[0],)),
    "helpers": (helpers, lambda: _point()),
    "branch_where": (branch_where, lambda: (np.array([0.5, -1.2, 0.3, 2.0]),)),
}


def _fd_directional(f, args, i, t):
    plus, minus = list(args), list(args)
    plus[i] = args[i] + H * t
    minus[i] = args[i] - H * t
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * H)


def _fd_jacobian(f, args, i):
    x = np.asarray(args[i], dtype=float)
    out = np.asarray(f(*args))
    J = np.zeros(out.shape + x.shape)
    for k in np.ndindex(*x.shape):
        e = np.zeros(x.shape)
        e[k] = 1.0
        J[(...,) + k] = _fd_directional(f, args, i, e)
    return J


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_matches_central_differences_and_reverse_mode(name):
    f, make = CASES[name]
    args = make()
    t = RNG.normal(size=np.shape(args[0]))
    tangents = (t,) + tuple(np.zeros(np.shape(a)) if np.ndim(a) else 0.0 for a in args[1:])
    out, dot = adcompiler.jvp(f, args, tangents)
    assert np.allclose(out, f(*args))
    assert np.allclose(dot, _fd_directional(f, args, 0, t), rtol=1e-5, atol=1e-6)
    assert np.allclose(dot, adcompiler.grad(f)(*args) @ t, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_grad_matches_reverse_grad_and_differences(name):
    f, make = CASES[name]
    args = make()
    g = adcompiler.grad(f, mode="forward")(*args)
    assert np.shape(g) == np.shape(args[0])
    assert np.allclose(g, adcompiler.grad(f)(*args), rtol=1e-10, atol=1e-12)
    assert np.allclose(g, _fd_jacobian(f, args, 0), rtol=1e-5, atol=1e-6)


def test_forward_grad_of_several_array_arguments_and_value():
    x, W = _point()
    fg = adcompiler.value_and_grad(helpers, wrt=(0, 1), mode="forward")
    value, (gx, gW) = fg(x, W)
    rx, rW = adcompiler.grad(helpers, wrt=(0, 1))(x, W)
    assert np.isclose(value, helpers(x, W))
    assert gW.shape == W.shape
    assert np.allclose(gx, rx) and np.allclose(gW, rW)


def test_jacobian_forward_shape_and_values_against_differences_and_reverse():
    x, W = _point()
    J = adcompiler.jacobian(vector_out, mode="forward")(x, W)
    assert J.shape == (4, 4)
    assert np.allclose(J, _fd_jacobian(vector_out, (x, W), 0), rtol=1e-5, atol=1e-6)
    w = RNG.normal(size=4)  # reverse mode: grad of w . f(x) is J^T w
    assert np.allclose(J.T @ w, adcompiler.grad(vector_out_weighted)(x, W, w))


def test_jacobian_forward_of_a_matrix_argument_has_out_shape_plus_arg_shape():
    x, W = _point()
    Jx, JW = adcompiler.jacobian(vector_out, wrt=(0, 1), mode="forward")(x, W)
    assert Jx.shape == (4, 4) and JW.shape == (4, 4, 4)
    assert np.allclose(JW, _fd_jacobian(vector_out, (x, W), 1), rtol=1e-5, atol=1e-6)
    w = RNG.normal(size=4)
    gW = adcompiler.grad(vector_out_weighted, wrt=1)(x, W, w)
    assert np.allclose(np.tensordot(w, JW, axes=1), gW)


def test_jacobian_forward_of_two_outputs_gives_one_per_output():
    x, A = _point()
    JA, Js = adcompiler.jacobian(two_outputs, mode="forward")(x, A)
    assert np.allclose(JA, A)
    assert np.allclose(Js, 2 * x)


def test_jvp_of_an_output_that_does_not_vary_is_an_array_of_zeros():
    def const_out(x, W):
        return W @ np.ones(3) + 0 * np.sum(W)
    x, W = np.ones(3), np.ones((3, 3))
    # W varies only through 0 * ..., which is still a tangent; x does not reach the output
    out, dot = adcompiler.jvp(const_out, (x, W), (np.ones(3), np.zeros((3, 3))))
    assert np.shape(dot) == (3,) and np.all(dot == 0)


def test_array_jvp_source_is_numpy_code_for_the_shapes_of_the_call():
    J = adcompiler.jacobian(vector_out, mode="forward")
    with pytest.raises(UsageError, match="call it first"):
        J.source
    J(*_point())
    assert "def vector_out_jvp(x, W, x_dot)" in J.source
    assert "import numpy as np" in J.source


def test_array_forward_is_compiled_again_for_new_shapes():
    fg = adcompiler.grad(element_loop, mode="forward")
    for n in (3, 6):
        x = RNG.normal(size=n)
        assert np.allclose(fg(x), adcompiler.grad(element_loop)(x))


def test_tangent_of_the_wrong_shape_is_refused():
    x, W = _point()
    with pytest.raises(UsageError, match="shape"):
        adcompiler.jvp(helpers, (x, W), (np.ones(3), np.zeros((4, 4))))


def test_forward_grad_of_an_array_output_is_refused():
    with pytest.raises(AdcError, match="scalar output"):
        adcompiler.grad(vector_out, mode="forward")(*_point())


# ---------------------------------------------------------------- command line and golden
import os  # noqa: E402
from pathlib import Path  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent


def _cli(path, *argv):
    from adcompiler.cli.commands import build_parser, compile_file
    args = build_parser().parse_args(["compile", str(path), *argv])
    return compile_file(args.file, args.function, args.wrt, args.mode, args.order,
                        args.shapes, args.arrays)


def test_cli_forward_mode_with_shapes_emits_the_code_of_the_api():
    x = RNG.normal(size=5)
    fg = adcompiler.grad(element_loop, mode="forward")
    fg(x)
    text = _cli(__file__, "-f", "element_loop", "--mode", "forward", "--shapes", "x=5")
    assert text == fg.source


def test_cli_forward_mode_of_array_code_without_shapes_asks_for_them():
    from adcompiler.errors import CompileError
    with pytest.raises(CompileError, match="--shapes x=3"):
        _cli(__file__, "-f", "element_loop", "--mode", "forward")


def test_golden_forward_derivative_of_array_code():
    """The tangent code of the Rosenbrock example for 5 elements (what
    ``adc compile examples/rosenbrock_scipy.py -f rosenbrock --mode forward
    --shapes x=5`` and ``grad(rosenbrock, mode="forward")`` emit)."""
    text = _cli(ROOT / "examples" / "rosenbrock_scipy.py", "-f", "rosenbrock", "--mode",
                "forward", "--shapes", "x=5")
    path = GOLDEN / "forward_array_rosenbrock.py"
    if os.environ.get("ADC_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
    namespace: dict = {}
    exec(compile(text, "golden", "exec"), namespace)  # it runs: the forward gradient
    x = RNG.normal(size=5)
    col = [namespace["rosenbrock_jvp"](x, e)[1] for e in np.eye(5)]
    assert np.allclose(col, adcompiler.grad(_rosenbrock_example())(x))


def _rosenbrock_example():
    import sys
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import rosenbrock_scipy
    finally:
        sys.path.pop(0)
    return rosenbrock_scipy.rosenbrock


def test_array_forward_and_hvp_code_is_deterministic():
    from adcompiler.arrays import forward as fa
    from adcompiler.frontend.source import load_live
    shapes, dtypes = {"x": (4,), "W": (4, 4)}, {"x": "f", "W": "f"}
    jvps = {fa.jvp(load_live(helpers), (True, False), shapes, dtypes, "helpers_jvp")
            .compiled().source for _ in range(3)}
    hvps = {fa.hvp(load_live(helpers), (0,), shapes, dtypes).compiled().source
            for _ in range(3)}
    assert len(jvps) == 1 and len(hvps) == 1


# ---------------------------------------------------------------- structures (pytrees)
def mlp_loss(params, X, y):
    h = np.tanh(X @ params["W"] + params["b"])
    return np.mean((h @ params["v"] - y) ** 2) + 0.1 * np.sum(params["W"] ** 2)


def pair_loss(ws, x):
    a, b = ws
    return np.sum(np.sin(a * x) * b) + a[0] * b[1]


def test_forward_grad_of_dict_parameters_matches_reverse_and_differences():
    params = {"W": RNG.normal(size=(3, 4)), "b": RNG.normal(size=4), "v": RNG.normal(size=4)}
    X, y = RNG.normal(size=(6, 3)), RNG.normal(size=6)
    fwd = adcompiler.grad(mlp_loss, mode="forward")(params, X, y)
    rev = adcompiler.grad(mlp_loss)(params, X, y)
    assert isinstance(fwd, dict) and list(fwd) == ["W", "b", "v"]
    for k in params:
        assert fwd[k].shape == params[k].shape
        assert np.allclose(fwd[k], rev[k], rtol=1e-10, atol=1e-12)
    E = np.zeros((3, 4))
    E[2, 1] = 1.0
    plus = dict(params, W=params["W"] + 1e-6 * E)
    minus = dict(params, W=params["W"] - 1e-6 * E)
    fd = (mlp_loss(plus, X, y) - mlp_loss(minus, X, y)) / 2e-6
    assert np.isclose(fwd["W"][2, 1], fd, rtol=1e-5)


def test_forward_value_and_grad_of_a_list_of_arrays_and_a_tuple_wrt():
    ws = [np.array([0.1, 0.2]), np.array([1.0, -1.0])]
    value, (gws, gx) = adcompiler.value_and_grad(pair_loss, wrt=(0, 1), mode="forward")(ws, 0.5)
    rws, rx = adcompiler.grad(pair_loss, wrt=(0, 1))(ws, 0.5)
    assert np.isclose(value, pair_loss(ws, 0.5))
    assert isinstance(gws, list) and all(np.allclose(g, r) for g, r in zip(gws, rws))
    assert np.isclose(gx, rx)


def test_keyword_values_of_later_parameters_reach_the_array_path():
    x, W = _point()
    b = 0.7
    t = RNG.normal(size=4)
    _, dot = adcompiler.jvp(broadcast, (x,), (t,), W=W, b=b)
    _, want = adcompiler.jvp(broadcast, (x, W, b), (t, np.zeros((4, 4)), 0.0))
    assert np.isclose(dot, want)
    hv = adcompiler.hvp(broadcast, (x,), (t,), W=W, b=b)
    assert np.allclose(hv, adcompiler.hessian(broadcast)(x, W, b) @ t)
    J = adcompiler.jacobian(broadcast, mode="forward")(x, W=W, b=b)
    assert np.allclose(J, adcompiler.grad(broadcast)(x, W, b))
