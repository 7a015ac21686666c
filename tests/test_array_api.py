"""The array-api emission backend (emit/backend.py, api/array_api.py): the
same gradients on array_api_strict, Dask (and PyTorch CPU when installed)
arrays as on NumPy's, to 1e-12, returned as the caller's array type."""
import numpy as np
import pytest

import adcompiler
from adcompiler.errors import CompileError

xs = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")


def logreg(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def mlp(W1, b1, W2, X):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2
    return np.sum(out * out) / X.shape[0]


def softmax_xent(W, X, Y):
    z = X @ W
    m = np.max(z, axis=1, keepdims=True)
    e = np.exp(z - m)
    lse = np.log(np.sum(e, axis=1, keepdims=True)) + m
    return -np.sum(Y * (z - lse)) / X.shape[0]


def bcast(a, b):
    c = a * b + np.sin(b)
    return np.sum(c ** 2)


def reductions(x):
    return np.sum(np.mean(x, axis=0) ** 2) + np.sum(np.sqrt(x * x + 1.0), axis=1)[0]


def matmul_t(A, B):
    C = A @ B.T
    return np.sum(C * C)


def indexing(x, M):
    return x[0] * x[2] + np.sum(M[1, :] * x) + np.sum(M[:, 0] ** 2)


def with_max(x):
    return np.max(x) + np.sum(x * x)


def _cases():
    r = np.random.default_rng(7)
    return {
        logreg: (r.random(3), r.random((5, 3)), r.random(5)),
        mlp: (r.random((3, 4)), r.random(4), r.random((4, 2)), r.random((5, 3))),
        softmax_xent: (r.random((3, 4)), r.random((5, 3)), r.random((5, 4))),
        bcast: (r.random((4, 3)), r.random(3)),
        reductions: (r.random((4, 3)) + 0.5,),
        matmul_t: (r.random((3, 4)), r.random((2, 4))),
        indexing: (r.random(3), r.random((3, 3))),
        with_max: (r.random((3, 4)),),
    }


CASES = _cases()
def _strict(a):
    return xs.asarray(a)


def _dask(a):
    return da.from_array(a, chunks=2)


def _check(fn, convert, array_type, to_numpy):
    args = CASES[fn]
    want = adcompiler.grad(fn)(*args)
    g = adcompiler.grad(fn)
    got = g(*map(convert, args))
    assert isinstance(got, array_type)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-12, atol=1e-12)
    code = _code(g.source)
    assert "numpy" not in code and " np." not in code
    assert ("xp." not in code) or "xp = array_namespace(" in code


def _code(source):
    """The source without its comments (which quote the user's lines)."""
    return "\n".join(line.split("#")[0] for line in source.splitlines())


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_strict_arrays_give_numpys_gradient(fn):
    _check(fn, _strict, type(xs.asarray(0.0)), lambda v: np.asarray(v))


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_dask_arrays_give_numpys_gradient_lazily(fn):
    _check(fn, _dask, da.Array, lambda v: v.compute())


def test_boolean_masks_are_cast_where_read_as_numbers():
    """The adjoint of np.max multiplies by the mask of the maxima and counts
    them; the standard has no arithmetic on booleans (strict refuses it)."""
    g = adcompiler.grad(with_max)
    x = np.array([[1.0, 3.0], [3.0, 2.0]])  # a tie: the adjoint splits evenly
    got = g(_strict(x))
    np.testing.assert_allclose(np.asarray(got), adcompiler.grad(with_max)(x), rtol=1e-12)
    assert "xp.astype(" in g.source


def test_torch_cpu_tensors():
    torch = pytest.importorskip("torch")
    for fn in CASES:
        args = CASES[fn]
        got = adcompiler.grad(fn)(*(torch.asarray(a) for a in args))
        assert isinstance(got, torch.Tensor)
        np.testing.assert_allclose(got.numpy(), adcompiler.grad(fn)(*args),
                                   rtol=1e-12, atol=1e-12)


def test_numpy_arguments_keep_the_numpy_code():
    g = adcompiler.grad(logreg)
    args = CASES[logreg]
    g(*map(_strict, args))
    g(*args)  # the same Derivative, now with NumPy arrays
    assert "import numpy as np" in g.source and "array_namespace" not in g.source


def test_one_derivative_caches_per_library():
    g = adcompiler.grad(bcast)
    a, b = CASES[bcast]
    s1 = g(_strict(a), _strict(b))
    d1 = g(_dask(a), _dask(b))
    assert isinstance(s1, type(xs.asarray(0.0))) and isinstance(d1, da.Array)
    np.testing.assert_allclose(np.asarray(s1), d1.compute(), rtol=1e-12)


def user_einsum(A, B):
    return np.sum(np.einsum("ij,jk->ik", A, B))


def test_a_primitive_without_a_standard_spelling_is_refused_by_name():
    r = np.random.default_rng(1)
    A, B = r.random((2, 3)), r.random((3, 2))
    adcompiler.grad(user_einsum)(A, B)  # fine on NumPy
    with pytest.raises(CompileError, match=r"np\.einsum has no Array API spelling"):
        adcompiler.grad(user_einsum)(_strict(A), _strict(B))


# every transform takes other libraries' arrays (jvp, vjp, hvp, jacobian,
# hessian, derivative, forward mode): tests/test_array_api_coverage.py


LOGREG_SOURCE = '''\
import numpy as np

def loss(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
'''


def _adc(*args):
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-m", "adcompiler", *args], capture_output=True,
                          text=True, env=env)


def test_adc_compile_backend_array_api_writes_one_module_for_every_library(tmp_path):
    import importlib.util
    src = tmp_path / "lr.py"
    src.write_text(LOGREG_SOURCE)
    out = tmp_path / "lr_grad.py"
    shapes = "w=n,X=mxn,y=m"
    r = _adc("compile", str(src), "--shapes", shapes, "--backend", "array-api", "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "from array_api_compat import array_namespace" in text
    assert "xp = array_namespace(w, X, y)" in text and "import numpy" not in text
    spec = importlib.util.spec_from_file_location("lr_grad", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    r_ = np.random.default_rng(3)
    for n in (6, 9):  # sizes read at run time: one module for every size
        w, X, y = r_.random(3), r_.random((n, 3)), r_.random(n)
        want = adcompiler.grad(logreg)(w, X, y)  # the same loss
        np.testing.assert_allclose(module.loss_grad(w, X, y), want, rtol=1e-12)
        got = module.loss_grad(_strict(w), _strict(X), _strict(y))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
        got = module.loss_grad(_dask(w), _dask(X), _dask(y))
        assert isinstance(got, da.Array)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-12)


def test_adc_compile_backend_numpy_is_the_default_output(tmp_path):
    src = tmp_path / "lr.py"
    src.write_text(LOGREG_SOURCE)
    plain = _adc("compile", str(src), "--shapes", "w=3,X=5x3,y=5")
    numpy = _adc("compile", str(src), "--shapes", "w=3,X=5x3,y=5", "--backend", "numpy")
    assert plain.returncode == 0, plain.stderr
    assert numpy.stdout == plain.stdout and "import numpy as np" in plain.stdout


@pytest.mark.slow
def test_dask_example_fits_on_a_local_cluster():
    """examples/dask_logistic_regression.py end to end on a LocalCluster of 2
    workers: the same weights as gradient descent on the NumPy arrays."""
    pytest.importorskip("distributed")
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "examples"))
    try:
        import dask_logistic_regression as ex
    finally:
        sys.path.pop(0)
    w, loss, accuracy = ex.main(n=2000, chunk=500, steps=10)
    import dask
    with dask.config.set(scheduler="sync"):
        X, y = (a.compute() for a in ex.data(2000, 500))
    dloss = adcompiler.grad(ex.cross_entropy)
    w_np = np.zeros(3)
    for _ in range(10):
        w_np = w_np - 1.0 * dloss(w_np, X, y)
    np.testing.assert_allclose(w, w_np, rtol=1e-10, atol=1e-12)
    assert 0.6 < accuracy <= 1.0 and loss < 0.7


def item_writes_in_a_loop(x):
    y = x * 0.0
    for i in range(3):
        y[i] = x[i] * x[i]
        y[i] = y[i] + x[i]
    return np.sum(y * x)


def test_item_writes_in_a_loop_copy_by_the_standard():
    x = np.array([0.5, 1.5, 2.0])
    want = adcompiler.grad(item_writes_in_a_loop)(x)
    g = adcompiler.grad(item_writes_in_a_loop)
    got = g(_strict(x))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12)
    assert ".copy()" not in g.source


def test_a_second_shape_of_the_same_library_compiles_again():
    """The fast call path (fastcall.py) checks NumPy shapes only: calls with
    another library's arrays keep the general path, which keys on shapes."""
    g = adcompiler.grad(logreg)  # np.mean: the code divides by the size it was compiled for
    r = np.random.default_rng(5)
    for n in (4, 7, 4):
        args = (r.random(3), r.random((n, 3)), r.random(n))
        got = g(*map(_strict, args))
        np.testing.assert_allclose(np.asarray(got), adcompiler.grad(logreg)(*args), rtol=1e-12)
