"""NumPy programs: every array primitive and broadcasting pattern against
central differences (fixed seed, honest tolerances), plus the cases the issue
names: repeated-index gather, boolean masks, np.max with a unique maximum,
loops over elements, in-place writes refused, no aliasing of results."""
import numpy as np
import pytest

from adcompiler import CompileError, grad
from corpus import ARRAY_CORPUS
from oracles import central_diff


def random_args(fn, shapes, seed=0):
    rng = np.random.default_rng(seed)
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    args = []
    for name, shape in zip(names, shapes):
        value = rng.uniform(0.5, 2.0, size=shape) if name.startswith("pos_") \
            else rng.normal(size=shape)
        if name == "y" and fn.__name__.startswith("np_seed003"):
            value = (rng.random(shape) < 0.5).astype(float)
        args.append(float(value) if shape == () else value)
    return args


CASES = [(fn, shapes, wrt) for fn, shapes, wrt in ARRAY_CORPUS]


@pytest.mark.parametrize("fn,shapes,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_against_central_differences(fn, shapes, wrt):
    for seed in (0, 1):
        args = random_args(fn, shapes, seed)
        copies = [np.copy(a) for a in args]
        got = grad(fn, wrt=wrt)(*args)
        for a, c in zip(args, copies):  # the gradient never writes into its inputs
            assert np.array_equal(a, c)
        for i, g in zip(wrt, got):
            expected = central_diff(fn, args, i)
            assert np.shape(g) == np.shape(args[i])
            assert isinstance(g, float) == isinstance(args[i], float)
            np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-6)


def test_gradient_of_a_float_is_a_float():
    g = grad(lambda_free_scalar_array, wrt=0)(1.5, np.arange(3.0))
    assert isinstance(g, float)


def lambda_free_scalar_array(a, x):
    return np.sum(a * x)


def test_repeated_index_gather_accumulates():
    def f(x):
        return np.sum(x[np.array([0, 0, 0, 2])] * 1.5)
    assert np.array_equal(grad(f)(np.zeros(3)), [4.5, 0.0, 1.5])


def test_boolean_mask():
    def f(x):
        return np.sum(x[x > 0] ** 2)
    x = np.array([-1.0, 2.0, 0.5, -3.0])
    assert np.array_equal(grad(f)(x), [0.0, 4.0, 1.0, 0.0])


def test_max_with_unique_maximum_and_ties():
    def f(x):
        return np.max(x)
    assert np.array_equal(grad(f)(np.array([1.0, 5.0, 2.0])), [0.0, 1.0, 0.0])
    assert np.array_equal(grad(f)(np.array([5.0, 5.0, 2.0])), [0.5, 0.5, 0.0])


def test_loop_over_elements_updates_adjoint_in_place():
    from corpus import np_rosenbrock_loop
    from scipy.optimize import rosen_der
    g = grad(np_rosenbrock_loop)
    x = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    np.testing.assert_allclose(g(x), rosen_der(x), rtol=1e-12)
    src = g.source
    loop = src[src.index("reversed(range"):]
    assert "x_bar[i] +=" in loop and ".copy()" not in loop and "zeros_like" not in loop


def test_shapes_known_means_no_generic_unbroadcast():
    from corpus import np_column_matrix
    g = grad(np_column_matrix, wrt=(0, 1))
    g(np.ones((4, 1)), np.ones((4, 3)))
    assert "_unbroadcast" not in g.source
    assert "np.sum(" in g.source and "keepdims=True" in g.source


def test_results_do_not_alias_each_other():
    def f(x, y):
        return np.sum(x + y) + np.sum(x * x)
    gx, gy = grad(f, wrt=(0, 1))(np.ones(3), np.ones(3))
    assert np.array_equal(gx, [3.0, 3.0, 3.0]) and np.array_equal(gy, [1.0, 1.0, 1.0])
    assert not np.shares_memory(gx, gy)
    gy *= 2.0  # a gradient is an ordinary writable array
    gx, gy = grad(f, wrt=(0, 1))(np.ones(3), np.ones(3))
    assert np.array_equal(gy, [1.0, 1.0, 1.0])


@pytest.mark.parametrize("body", ["x[0] = 1.0", "x[1:] += y[1:]", "x[0] *= 2"])
def test_in_place_writes_are_refused(module_from_source, body):
    mod = module_from_source(f"import numpy as np\n\ndef f(x, y):\n    {body}\n"
                             "    return np.sum(x * y)\n")
    with pytest.raises(CompileError) as err:
        grad(mod.f)(np.ones(3), np.ones(3))
    # a write into a parameter would change the caller's array (test_item_writes.py)
    assert "writes into an array shared with the caller" in str(err.value)
    assert ":4:" in str(err.value)


def test_scalar_calls_still_compile_scalar_code():
    from corpus import seed000_J
    g = grad(seed000_J)
    g(0.5)
    assert "np." not in g.source and "math.sin" in g.source


def sqrt_where(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def sqrt_double_where(x):
    safe = np.where(x > 0, x, 1.0)
    return np.sum(np.where(x > 0, np.sqrt(safe), 0.0))


def test_where_nan_trap_is_documented_behaviour():
    """docs/numpy.md: the untaken branch's derivative is still evaluated, so
    sqrt'(x) at x <= 0 (inf or NaN) times the zero adjoint gives NaN there;
    the double-where form gives the clean gradient."""
    x = np.array([4.0, 0.0, -1.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        g = grad(sqrt_where)(x)
    assert g[0] == 0.25 and np.isnan(g[1]) and np.isnan(g[2])
    assert np.array_equal(grad(sqrt_double_where)(x), [0.25, 0.0, 0.0])


def test_tie_conventions():
    def f(x, y):
        return np.sum(np.maximum(x, y) + np.abs(x) + np.clip(x, -1.0, 1.0))
    gx, gy = grad(f, wrt=(0, 1))(np.array([1.0, 0.0, 2.0]), np.array([1.0, -1.0, 0.0]))
    # maximum tie splits 0.5/0.5; abs'(0) = 0; clip at its bound: 0.5 (max then min tie)
    assert np.array_equal(gx, [0.5 + 1.0 + 0.5, 1.0 + 0.0 + 1.0, 1.0 + 1.0 + 0.0])
    assert np.array_equal(gy, [0.5, 0.0, 0.0])


def helper_twice(z):
    return np.tanh(z) * 2.0


def uses_helper_with_two_shapes(x, M):
    return np.sum(helper_twice(M) * helper_twice(x)) + helper_twice(np.sum(x))


def test_helper_called_with_different_shapes_is_inlined():
    rng = np.random.default_rng(5)
    x, M = rng.normal(size=3), rng.normal(size=(2, 3))
    g = grad(uses_helper_with_two_shapes, wrt=(0, 1))
    gx, gM = g(x, M)
    np.testing.assert_allclose(gx, central_diff(uses_helper_with_two_shapes, [x, M], 0),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gM, central_diff(uses_helper_with_two_shapes, [x, M], 1),
                               rtol=1e-6, atol=1e-7)
    assert "helper_twice_fwd" not in g.source



def recursive_helper(x, n):
    if n == 0:
        return x
    return recursive_helper(np.sin(x) + 0.5 * x, n - 1)


def calls_recursive_helper(x):
    return np.sum(recursive_helper(x, 3) ** 2)


def test_recursive_helper_on_arrays_stays_a_call():
    x = np.array([0.3, -0.7, 1.1])
    g = grad(calls_recursive_helper)
    np.testing.assert_allclose(g(x), central_diff(calls_recursive_helper, [x], 0),
                               rtol=1e-6, atol=1e-8)
    assert "recursive_helper_fwd" in g.source


def test_value_and_grad_on_arrays():
    from adcompiler import value_and_grad
    from corpus import np_matvec
    rng = np.random.default_rng(2)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    value, (gA, gx) = value_and_grad(np_matvec, wrt=(0, 1))(A, x)
    assert value == pytest.approx(np_matvec(A, x), rel=1e-14)
    np.testing.assert_allclose(gx, central_diff(np_matvec, [A, x], 1), rtol=1e-6)


def matmul_3d(T, v):
    return np.sum(T @ v)


def test_matmul_beyond_two_dimensions_is_a_clear_error():
    with pytest.raises(CompileError) as err:
        grad(matmul_3d)(np.ones((2, 3, 4)), np.ones(4))
    assert "more than 2 dimensions is not supported" in str(err.value)


def loop_over_rows(X):
    s = 0.0
    for row in X:
        s = s + np.sum(row)
    return s


def loop_over_rows_strict(X, w):
    s = 0.0
    for row, a in zip(X, w, strict=True):
        s = s + a * np.sum(row)
    return s


def test_unsupported_array_constructs_name_the_construct():
    # for row in X is supported since issue 14 (tests/test_iteration.py)
    assert np.array_equal(grad(loop_over_rows)(np.ones((2, 3))), np.ones((2, 3)))
    with pytest.raises(CompileError) as err:
        grad(loop_over_rows_strict)(np.ones((2, 3)), np.ones(2))
    assert "zip() with keyword arguments (strict=)" in str(err.value)


def test_forward_mode_transforms_take_arrays():
    """Forward mode, Jacobians and Hessians take arrays since issue 15 (the
    values: tests/test_forward_arrays.py, tests/test_second_order_arrays.py);
    grad of an array-valued gradient is still a clear AdcError."""
    from adcompiler import AdcError, grad, hessian, hvp, jacobian, jvp, vjp

    def f(x):
        return np.sum(x * x) + np.sin(x[0])

    x = np.array([1.0, 2.0, 3.0])
    g = 2 * x + np.array([np.cos(1.0), 0, 0])
    Hm = 2 * np.eye(3)
    Hm[0, 0] -= np.sin(1.0)
    np.testing.assert_allclose(grad(f)(x), g)
    np.testing.assert_allclose(grad(f, mode="forward")(x), g)
    np.testing.assert_allclose(jacobian(f)(x), g)
    np.testing.assert_allclose(jacobian(f, mode="reverse")(x), g)
    np.testing.assert_allclose(vjp(f, x)[1](2.0)[0], 2 * g)
    np.testing.assert_allclose(jvp(f, (x,), (x,))[1], g @ x)
    np.testing.assert_allclose(hessian(f)(x), Hm)
    np.testing.assert_allclose(hvp(f, (x,), (x,)), Hm @ x)
    with pytest.raises(AdcError, match="returns an array"):
        grad(grad(f))(x)
