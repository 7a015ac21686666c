"""Array-API backend coverage (issue 17): the primitives beyond the first
corpus (linear algebra, sorting, cumulative sums, stacking, builders,
scatter-adds, clip/sign/logaddexp...) give NumPy's gradient to 1e-12 on
array_api_strict, Dask and (when installed) PyTorch CPU, as the caller's
array type; what the standard cannot spell is refused by name."""
import importlib.util

import numpy as np
import pytest

import adcompiler
from adcompiler.errors import CompileError

xs = pytest.importorskip("array_api_strict")
da = pytest.importorskip("dask.array")

_r = np.random.default_rng(0)
A = _r.random((3, 3)) + 3 * np.eye(3)
S = A @ A.T
v = _r.random(3) + 0.1
M = _r.random((3, 4)) + 0.1


def f_solve(A, v): return np.sum(np.linalg.solve(A, v))
def f_inv(A): return np.sum(np.linalg.inv(A))
def f_det(A): return np.linalg.det(A)
def f_slogdet(A):
    s, l = np.linalg.slogdet(A)
    return l
def f_chol(S): return np.sum(np.linalg.cholesky(S))
def f_eigvalsh(S): return np.sum(np.linalg.eigvalsh(S) ** 2)
def f_norm(v): return np.linalg.norm(v)
def f_norm_ax(M): return np.sum(np.linalg.norm(M, axis=1))
def f_fro(M): return np.linalg.norm(M)
def f_norm1(M): return np.sum(np.linalg.norm(M, 1, axis=0))
def f_trace(A): return np.trace(A @ A)
def f_outer(v, M): return np.sum(np.outer(v, M[0]) ** 2)
def f_dot(v, A): return np.dot(v, A @ v)
def f_tril(A): return np.sum(np.tril(A) ** 2) + np.sum(np.triu(A, 1) ** 3)
def f_sort(v): return np.sum(np.sort(v) * np.arange(3.0))
def f_argsort(v): return np.sum(v[np.argsort(v)] * np.array([1.0, 2.0, 3.0]))
def f_argmax(v): return v[np.argmax(v)] * v[0]
def f_cumsum(v): return np.sum(np.cumsum(v) ** 2) + np.sum(np.cumprod(v))
def f_cumsum_ax(M): return np.sum(np.cumsum(M, axis=1) ** 2)
def f_concat(v, M): return np.sum(np.concatenate([v, M[0]]) ** 2)
def f_stack(v): return np.sum(np.stack([v, v * 2]) ** 2) + np.sum(np.hstack([v, v]) ** 3)
def f_vstack(v): return np.sum(np.vstack([v, v * 2]) ** 2) + np.sum(np.atleast_2d(v) ** 3)
def f_clip(v): return np.sum(np.clip(v, 0.3, 0.8) ** 2)
def f_abs_sign(v): return np.sum(np.abs(v - 0.5)) + np.sum(np.sign(v - 0.5) * v)
def f_maximum(v): return np.sum(np.maximum(v, 0.5) * np.minimum(v, 0.6))
def f_logaddexp(v): return np.sum(np.logaddexp(v, 2 * v))
def f_builders(v):
    z = np.zeros(3) + np.ones(3) + np.full(3, 2.0) + np.arange(3) + np.array([1.0, 2.0, 3.0])
    return np.sum(z * v ** 2) + np.sum(np.linspace(0.0, 1.0, 3) * v)
def f_eye(A): return np.sum((A + np.eye(3)) ** 2)
def f_likes(v): return np.sum(np.ones_like(v) * v ** 2 + np.full_like(v, 3.0) * v)
def f_setitem(v):
    y = np.zeros(3)
    y[1] = v[0] * v[2]
    return np.sum(y * v)
def f_repeated(v): return np.sum(v[np.array([0, 1, 1, 2])] ** 2)
def f_rows(M): return np.sum(M[np.array([0, 2, 2])] ** 2)
def f_cols(M): return np.sum(M[:, np.array([1, 1, 3])] ** 2)
def f_row_argmax(M, v): return np.sum(M[np.argmax(v)] ** 2)
def f_var(M): return np.var(M) + np.sum(np.std(M, axis=0, ddof=1))
def f_shifts(v): return np.sum(np.flip(v) * v) + np.sum(np.roll(v, 1) * v)
def f_tile(v): return np.sum(np.tile(v, 2) ** 2) + np.sum(np.repeat(v, 2) ** 3)
def f_meshgrid(v):
    X, Y = np.meshgrid(v, v)
    return np.sum(X * Y ** 2)
def f_where(v): return np.sum(np.where(v > 0.5, v ** 2, v))
def f_mask(v): return np.sum(v[v > 0.5] ** 2) + np.sum(v[v > 5.0] ** 2)
def f_mask2(M): return np.sum(M[M > 0.5] ** 2)
def f_mask_rows(M): return np.sum(M[np.array([True, False, True])] ** 3)
def f_searchsorted(v, grid): return np.sum(v * v * np.searchsorted(grid, v))
def f_polyval(p, X):  # Horner's rule, or the sum of powers of an expression
    return (np.sum(np.polyval(p, X) ** 2) + np.polyval(p, 0.5)
            + np.sum(np.polyval(p * 2.0, X[0])))
def f_transpose_nd(T3, v):  # the standard's .T is 2-d only
    return np.sum(T3.T * np.linspace(1.0, 2.0, 4).reshape(4, 1, 1)) + np.sum(v.T * v)


def f_scipy_softmax(M):
    return (np.sum(scipy.special.softmax(M, axis=1) * M) + scipy.special.logsumexp(M * 800.0)
            + np.sum(scipy.special.logsumexp(M, axis=1, keepdims=True) * M)
            + np.sum(scipy.special.log_softmax(M, axis=0) ** 2))
def f_pad(M): return np.sum(np.pad(M, ((1, 0), (2, 3))) ** 2 * np.linspace(0.0, 1.0, 9))
def f_diff(M): return np.sum(np.diff(M, axis=0) ** 2) + np.sum(np.diff(M, n=2) ** 3)
def f_trapezoid(v): return np.trapezoid(v ** 2)


CASES = {f_solve: (A, v), f_inv: (A,), f_det: (A,), f_slogdet: (A,), f_chol: (S,),
         f_eigvalsh: (S,), f_norm: (v,), f_norm_ax: (M,), f_fro: (M,), f_norm1: (M,),
         f_trace: (A,), f_outer: (v, M), f_dot: (v, A), f_tril: (A,), f_sort: (v,),
         f_argsort: (v,), f_argmax: (v,), f_cumsum: (v,), f_cumsum_ax: (M,), f_concat: (v, M),
         f_stack: (v,), f_vstack: (v,), f_clip: (v,), f_abs_sign: (v,), f_maximum: (v,),
         f_logaddexp: (v,), f_builders: (v,), f_eye: (A,), f_likes: (v,), f_setitem: (v,),
         f_repeated: (v,), f_rows: (M,), f_cols: (M,), f_row_argmax: (M, v), f_var: (M,),
         f_shifts: (v,), f_tile: (v,), f_meshgrid: (v,), f_where: (v,), f_pad: (M,),
         f_diff: (M,), f_mask: (v,), f_mask2: (M,), f_mask_rows: (M,),
         f_searchsorted: (v, np.array([0.0, 0.25, 0.5, 0.75])),
         f_transpose_nd: (_r.random((2, 3, 4)), v), f_polyval: (v, M)}
if importlib.util.find_spec("scipy") is not None:  # scipy.special in the standard's calls
    import scipy.special
    CASES[f_scipy_softmax] = (M,)
if hasattr(np, "trapezoid"):  # NumPy 2
    CASES[f_trapezoid] = (v,)
#: array_api_compat's Dask namespace has no det or eigh (and Dask's
#: solve/inv want square chunks: the matrices are one chunk below); its
#: cholesky returns the UPPER factor (array_api_compat 1.16): a wrong
#: gradient there, not yet refused (reported)
NOT_ON_DASK = {f_det, f_eigvalsh, f_chol, f_mask, f_mask2, f_mask_rows}  # (x[mask]: unknown chunks)


def _grad(fn):
    n = len(CASES[fn])
    return adcompiler.grad(fn, wrt=tuple(range(n))) if n > 1 else adcompiler.grad(fn)


def _check(fn, convert, array_type, to_numpy):
    args = CASES[fn]
    want = _grad(fn)(*args)
    got = _grad(fn)(*map(convert, args))
    wants, gots = (want, got) if isinstance(want, tuple) else ((want,), (got,))
    for w, g in zip(wants, gots):
        assert isinstance(g, array_type)
        np.testing.assert_allclose(to_numpy(g), w, rtol=1e-12, atol=1e-12)


def _dask(a):
    return da.from_array(a, chunks=-1 if a.ndim == 2 and a.shape[0] == a.shape[1] else 2)


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_strict(fn):
    _check(fn, xs.asarray, type(xs.asarray(0.0)), np.asarray)


@pytest.mark.parametrize("fn", [f for f in CASES if f not in NOT_ON_DASK],
                         ids=lambda f: f.__name__)
def test_dask(fn):
    _check(fn, _dask, da.Array, lambda g: g.compute())


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_torch_cpu(fn):
    torch = pytest.importorskip("torch")
    _check(fn, torch.asarray, torch.Tensor, lambda g: g.numpy())


def test_float32_stays_float32():
    """Masks (np.max's adjoint) and arrays built from nothing take the
    caller's float dtype, not float64."""
    def f(x):
        return np.max(x) + np.sum(np.zeros(3) + x * x)
    x = np.array([1.0, 3.0, 3.0], dtype=np.float32)
    g = adcompiler.grad(f)
    got = g(xs.asarray(x))
    assert got.dtype == xs.float32
    np.testing.assert_allclose(np.asarray(got), [2.0, 6.5, 6.5], rtol=1e-6)
    assert "xp.float64" not in g.source


def test_builders_live_on_the_callers_device_with_its_dtype():
    g = adcompiler.grad(f_builders)
    g(xs.asarray(v))
    assert "dtype, dev = v.dtype, device(v)" in g.source
    assert "xp.zeros(3, dtype=dtype, device=dev)" in g.source


def test_torch_float64_stays_float64():
    """torch makes xp.asarray(1.0) a float32: np.where's adjoint came back float32."""
    torch = pytest.importorskip("torch")
    got = adcompiler.grad(f_where)(torch.asarray(v))
    assert got.dtype == torch.float64


def test_dask_stays_lazy_and_mean_scale_reads_the_shape(tmp_path):
    def f(w, X):
        return np.mean((X @ w) ** 2)
    g = adcompiler.grad(f)
    w, X = _r.random(3), _r.random((6, 3))
    got = g(da.from_array(w), da.from_array(X, chunks=2))
    assert isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), adcompiler.grad(f)(w, X), rtol=1e-12)
    src = tmp_path / "m.py"
    src.write_text("import numpy as np\n\ndef f(w, X):\n    return np.mean((X @ w) ** 2)\n")
    from adcompiler.cli.commands import main  # noqa: F401  (the module the CLI runs)
    import subprocess
    import sys
    import os
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(src), "--shapes",
                        "w=n,X=mxn", "--backend", "array-api"], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(root)))
    assert r.returncode == 0, r.stderr
    assert "math.prod" not in r.stdout and "float(" not in r.stdout
    assert "shape[0], 1)" in r.stdout


def f_sinc(v): return np.sum(np.sinc(v))
def f_two_arrays(M): return np.sum(M[np.array([0, 1]), np.array([2, 2])] ** 2)


@pytest.mark.parametrize("fn,name", [(f_two_arrays, r"np\.add\.at \(the adjoint of indexing "
                                      r"with more than one array"),
                                     (f_sinc, r"np\.sinc has no Array API spelling")])
def test_what_the_standard_cannot_spell_is_refused_by_name(fn, name):
    x = M if fn is f_two_arrays else v
    adcompiler.grad(fn)(x)  # fine on NumPy
    with pytest.raises(CompileError, match=name):
        adcompiler.grad(fn)(xs.asarray(x))


@pytest.mark.parametrize("fn", sorted(NOT_ON_DASK, key=lambda f: f.__name__),
                         ids=lambda f: f.__name__)
def test_what_dask_lacks_is_refused_by_name_before_running(fn):
    """array_api_compat's Dask namespace has no det/eigh, and its cholesky
    gives the upper factor (a wrong gradient): refused at the call."""
    from adcompiler.errors import UsageError
    with pytest.raises(UsageError, match=r"(np\.linalg\.\w+|x\[mask\]).* is not available "
                                         "for dask arrays"):
        _grad(fn)(*map(_dask, CASES[fn]))


LIBRARIES = {"strict": (xs.asarray, np.asarray), "dask": (lambda a: da.from_array(a, chunks=2),
                                                          lambda a: a.compute())}


def _libraries():
    out = dict(LIBRARIES)
    try:
        import torch
        out["torch"] = (torch.asarray, lambda a: a.numpy())
    except ImportError:
        pass
    return out


def mixed(w, X):
    return np.sum(np.tanh(X @ w) ** 2) + np.sum(np.cumsum(w) * w)


_W, _X, _T, _TX = _r.random(3), _r.random((5, 3)), _r.random(3), _r.random((5, 3))


def _same(got, want, back):
    got, want = (got, want) if isinstance(want, tuple) else ((got,), (want,))
    for g, w in zip(got, want):
        np.testing.assert_allclose(back(g), w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lib", list(_libraries()))
def test_jvp_vjp_hvp_value_and_grad_on_foreign_arrays(lib):
    """The forward array pipeline and the vjp product emit the same
    standard spellings: jvp, vjp, hvp and value_and_grad take the caller's
    arrays and give back arrays of its library, equal to NumPy's."""
    conv, back = _libraries()[lib]
    a = (conv(_W), conv(_X))
    t = (conv(_T), conv(_TX))
    want = adcompiler.jvp(mixed, (_W, _X), (_T, _TX))
    got = adcompiler.jvp(mixed, a, t)
    _same(got[0], want[0], back)
    _same(got[1], want[1], back)
    out, pull = adcompiler.vjp(mixed, _W, _X)
    fout, fpull = adcompiler.vjp(mixed, *a)
    _same(fout, out, back)
    bars = fpull(1.0)
    assert type(bars[0]) is type(a[0])
    _same(bars, pull(1.0), back)
    hv = adcompiler.hvp(mixed, (_W, _X), (_T, _TX))
    fhv = adcompiler.hvp(mixed, a, t)
    assert type(fhv[0]) is type(a[0])
    _same(fhv, hv, back)
    value, grads = adcompiler.value_and_grad(mixed, wrt=(0, 1))(*a)
    wv, wg = adcompiler.value_and_grad(mixed, wrt=(0, 1))(_W, _X)
    _same(value, wv, back)
    _same(grads, wg, back)


def vec(w, X):
    return np.tanh(X @ w) * 2.0


def along(t, w):
    return np.sin(t * w) + t


TRANSFORMS = {
    "jacobian_reverse": lambda a: adcompiler.jacobian(vec, wrt=(0, 1), mode="reverse")(*a),
    "jacobian_forward": lambda a: adcompiler.jacobian(vec, wrt=(0, 1), mode="forward")(*a),
    "jacobian_auto": lambda a: adcompiler.jacobian(vec)(*a),
    "hessian": lambda a: adcompiler.hessian(mixed, wrt=(0, 1))(*a),
    "grad_forward": lambda a: adcompiler.grad(mixed, mode="forward")(*a),
    "derivative": lambda a: adcompiler.derivative(lambda_free, order=2)(0.3, a[0]),
    "jacobian_scalar_arg": lambda a: adcompiler.jacobian(along, wrt=(0, 1),
                                                         mode="forward")(0.3, a[0]),
}


def lambda_free(t, w):
    return np.sum(np.sin(t * w))


def _same_tree(got, want, back):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same_tree(g, w, back)
        return
    value = got if isinstance(got, float) else back(got)
    np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lib", list(_libraries()))
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_jacobians_hessians_derivatives_on_foreign_arrays(transform, lib):
    """Their basis tangents, zeros and stacked columns are the caller's
    library's (api/foreign_basis.py): results of its type, NumPy's values."""
    conv, back = _libraries()[lib]
    run = TRANSFORMS[transform]
    want = run((_W, _X))
    got = run((conv(_W), conv(_X)))
    _same_tree(got, want, back)
    first = got
    while isinstance(first, tuple):
        first = first[0]
    if transform != "derivative":
        assert type(first) is type(conv(_W))


@pytest.mark.skipif(importlib.util.find_spec("scipy") is None, reason="needs scipy")
def test_a_scipy_special_function_of_an_array_is_refused_by_name():
    """scipy.special.expit of an array_api_strict array came back a NumPy
    array (computed by NumPy, not the caller's library): refused instead."""
    def f(x):
        return np.sum(scipy.special.expit(x) * x)
    adcompiler.grad(f)(v)
    with pytest.raises(CompileError, match=r"scipy\.special\.expit has no Array API spelling"):
        adcompiler.grad(f)(xs.asarray(v))


def clashing(dtype, device):
    dev = np.zeros(3) + dtype
    xp = dev * device
    return np.sum(xp ** 2) + np.max(dtype)


def test_the_prologue_names_give_way_to_the_users():
    """A parameter called dtype or device, a local called dev or xp: the
    emitted namespace, dtype, device and import take other names."""
    a, b = np.array([0.1, 0.5, 0.3]), np.array([1.0, 2.0, 3.0])
    g = adcompiler.grad(clashing, wrt=(0, 1))
    want = adcompiler.grad(clashing, wrt=(0, 1))(a, b)
    _same_tree(g(xs.asarray(a), xs.asarray(b)), want, np.asarray)
    assert "device as _device" in g.source and "_dtype, dev = " in g.source


def _corpus(name):
    from corpus import ARRAY_CORPUS
    from test_numpy import random_args
    fn, shapes, wrt = next(c for c in ARRAY_CORPUS if c[0].__name__ == name)
    return fn, random_args(fn, shapes, 0), wrt


@pytest.mark.parametrize("name", ["np_shape_values", "np_seed003_mse", "np_rosenbrock_loop",
                                  "np_nested_element_loops", "np_shapes", "np_indexing"])
def test_corpus_programs_that_crashed_on_strict_arrays(name):
    """len(x) is x.shape[0] (the standard's arrays have no len), a Python
    int from it is never cast as an array, and x[:, None]'s adjoint drops
    the new axis (no np.newaxis in an item write)."""
    fn, args, wrt = _corpus(name)
    want = adcompiler.grad(fn, wrt=wrt)(*args)
    got = adcompiler.grad(fn, wrt=wrt)(*[xs.asarray(a) if isinstance(a, np.ndarray) else a
                                        for a in args])
    _same_tree(tuple(got), tuple(want), np.asarray)


def test_a_negative_step_is_refused_by_name_for_torch():
    torch = pytest.importorskip("torch")
    from adcompiler.errors import UsageError
    fn, args, wrt = _corpus("np_indexing")
    with pytest.raises(UsageError, match=r"negative step .* torch"):
        adcompiler.grad(fn, wrt=wrt)(*[torch.asarray(a) if isinstance(a, np.ndarray) else a
                                       for a in args])


def test_code_reused_for_another_library_is_checked_for_it():
    """jvp's code for array_api_strict arrays serves torch tensors of the
    same shapes; what torch lacks is still refused by name."""
    torch = pytest.importorskip("torch")
    from adcompiler.errors import UsageError
    fn, args, _ = _corpus("np_indexing")
    tangents = [np.ones_like(a) for a in args]
    adcompiler.jvp(fn, tuple(map(xs.asarray, args)), tuple(map(xs.asarray, tangents)))
    with pytest.raises(UsageError, match=r"negative step .* torch"):
        adcompiler.jvp(fn, tuple(map(torch.asarray, args)), tuple(map(torch.asarray, tangents)))


def numpy_function_of_a_number(X, s):
    return np.sum(np.sin(X)) + np.tanh(s / (1.5 + s ** 2)) * np.cos(s)


def test_a_numpy_function_of_a_python_number_on_torch():
    """np.tanh(s) of a Python float s: the standard's xp.tanh takes arrays
    (torch raised TypeError), so the number becomes a 0-d array of the
    caller's dtype first (fuzz, session 5)."""
    torch = pytest.importorskip("torch")
    X, s = np.linspace(0.1, 0.9, 6).reshape(2, 3), 0.7
    want = adcompiler.grad(numpy_function_of_a_number, wrt=(0, 1))(X, s)
    got = adcompiler.grad(numpy_function_of_a_number, wrt=(0, 1))(torch.tensor(X), s)
    assert isinstance(got[0], torch.Tensor) and got[0].dtype == torch.float64
    np.testing.assert_allclose(got[0].numpy(), want[0], rtol=1e-12)
    np.testing.assert_allclose(float(got[1]), want[1], rtol=1e-12)


def where_of_a_number(x, s):
    return np.sum(np.where(s > 0, x, 2.0 * x)) + np.where(True, s, 0.5)


def integer_column_at_floats(X, c):
    t = c[:, 0] @ X
    return np.sum(t * t)


def sum_of_a_number(X, s):
    return np.sum(np.exp(np.tanh(2.0)) + s) + np.sum(X)


def stack_of_a_number(X, s):
    t = np.stack([s / (1.5 + s ** 2), X[:, 0] @ X[:, 0]])
    return np.sum(t * t)


@pytest.mark.parametrize("fn", [where_of_a_number, integer_column_at_floats, sum_of_a_number,
                                stack_of_a_number], ids=lambda f: f.__name__)
def test_numbers_and_integer_arrays_among_tensors(fn):
    """Found by the fuzzer's check on PyTorch tensors (session 5): torch raised
    where NumPy takes a Python number or promotes an integer array."""
    torch = pytest.importorskip("torch")
    X = np.linspace(-1.0, 1.0, 9).reshape(3, 3)
    second = np.arange(6).reshape(3, 2) if fn is integer_column_at_floats else 0.7
    want = adcompiler.grad(fn, wrt=0)(X, second)
    got = adcompiler.grad(fn, wrt=0)(torch.tensor(X), torch.tensor(second)
                                     if isinstance(second, np.ndarray) else second)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-15)
