"""NumPy structural functions of issue 14 (one registry record each), end to
end: realistic user functions through ``adcompiler.grad`` against central
differences, the emitted spelling, ``adc compile --shapes``, the derivative
where a function has none (``std`` and ``norm`` at zero spread), and the
refusals.  Each record's own rules (shape, jvp, vjp, transpose, emission,
memory) are checked over its ``domain`` by tests/test_registry_arrays.py."""
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError
from oracles import central_diff

ROOT = Path(__file__).resolve().parent.parent


def check(f, args, wrt=(0,), atol=1e-6, rtol=1e-5):
    """``grad(f)`` against central differences for each argument in ``wrt``;
    returns the emitted source."""
    g = adcompiler.grad(f, wrt=wrt if len(wrt) > 1 else wrt[0])
    got = g(*args)
    got = got if len(wrt) > 1 else (got,)
    for k, value in zip(wrt, got):
        np.testing.assert_allclose(value, central_diff(f, args, k), atol=atol, rtol=rtol,
                                   err_msg=f"argument {k} of {f.__name__}")
    return g.source


# ---------------------------------------------------------------- running, shifting
def smoothness(x, w):
    """A finite-difference smoothness penalty with a running total."""
    curvature = np.diff(x, n=2)
    slope = np.diff(x)
    total = np.cumsum(x)
    return (np.sum(curvature ** 2) + 0.1 * np.sum(slope ** 2) + np.sum(total * w)
            + np.sum((np.roll(x, 1) - x) ** 2) + np.sum(np.flip(x) * w))


def growth(rates, x0):
    """Compound growth: a running product along time, per series (rows)."""
    path = x0 * np.cumprod(1.0 + rates, axis=1)
    return np.sum(path[:, -1]) + np.sum(rates.cumsum(axis=0) ** 2)


def padded_conv(x, k):
    """A 3-tap convolution over the zero-padded signal."""
    p = np.pad(x, 1)
    return np.sum((k[0] * p[:-2] + k[1] * p[1:-1] + k[2] * p[2:]) ** 2)


def test_smoothness_penalty_with_diff_cumsum_roll_flip():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=7), rng.normal(size=7)
    src = check(smoothness, (x, w))
    assert "np.diff(x, n=2)" in src and "np.cumsum(" in src and "np.roll(" in src


def test_growth_with_cumprod_and_the_cumsum_method():
    rng = np.random.default_rng(1)
    rates, x0 = rng.uniform(-0.1, 0.2, size=(3, 5)), rng.uniform(1, 2, size=(3, 1))
    src = check(growth, (rates, x0), wrt=(0, 1))
    assert "np.cumprod(" in src


def test_zero_padding_and_diff_along_an_axis():
    rng = np.random.default_rng(2)
    check(padded_conv, (rng.normal(size=6), rng.normal(size=3)), wrt=(0, 1))

    def rows(M):
        return np.sum(np.diff(M, axis=0) ** 2) + np.sum(np.diff(M, n=2, axis=1) ** 3)
    check(rows, (rng.normal(size=(4, 5)),))


# ---------------------------------------------------------------- spread
def standardise(X, w):
    """Standardised features (sample std), scored by a linear model."""
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    return np.sum((Z @ w) ** 2) + np.var(X) + np.std(X[:, 0], ddof=0)


def test_standardisation_with_mean_std_var():
    rng = np.random.default_rng(3)
    X, w = rng.normal(size=(6, 3)), rng.normal(size=3)
    src = check(standardise, (X, w), wrt=(0, 1))
    assert "np.std(X, axis=0, ddof=1)" in src


def test_var_std_keepdims_and_axis_tuples():
    def f(X):
        return np.sum(np.var(X, axis=(0, 2), keepdims=True) * X) + np.sum(X.std(axis=-1) ** 3)
    check(f, (np.random.default_rng(4).normal(size=(2, 3, 4)),))


def test_std_and_norm_at_zero_spread_have_derivative_zero_without_warnings():
    """``std`` (and the 2-norm) at zero spread have no derivative: they are
    ``|h| * std(t)`` along ``x + h t``.  The emitted derivative is 0 (a
    subgradient at the minimum, and what central differences give), finite,
    without a 0/0 warning."""
    def spread(x):
        return np.std(x) + np.linalg.norm(x - x[0])

    x = np.full(4, 0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = adcompiler.grad(spread)(x)
    np.testing.assert_array_equal(got, np.zeros(4))
    np.testing.assert_allclose(central_diff(spread, (x,), 0), 0.0, atol=1e-9)


# ---------------------------------------------------------------- stacking
def features(a, b):
    """Feature blocks built by stacking, tiling and repeating."""
    row = np.hstack([a, b])
    block = np.vstack((a, b))
    grid = np.tile(a, (2, 1))
    up = np.repeat(b, 2)
    M = np.atleast_2d(a)
    return (np.sum(row ** 2) + np.sum(block[0] * block[1]) + np.sum(np.sin(grid))
            + np.sum(up * np.repeat(a, 2)) + np.sum(M.T @ M) + np.sum(np.atleast_1d(a) ** 3)
            + np.sum(np.atleast_3d(M) ** 2))


def test_features_with_hstack_vstack_tile_repeat_atleast():
    rng = np.random.default_rng(5)
    src = check(features, (rng.normal(size=3), rng.normal(size=3)), wrt=(0, 1))
    for name in ("hstack", "vstack", "tile", "repeat", "atleast_2d"):
        assert f"np.{name}(" in src


def test_stacks_of_matrices_and_repeat_along_an_axis():
    def f(A, B):
        return (np.sum(np.hstack((A, B)) ** 3) + np.sum(np.repeat(A, 3, axis=0) ** 2)
                + np.sum(np.vstack([A, A[0] * B[0, 1]]) ** 2))
    rng = np.random.default_rng(6)
    check(f, (rng.normal(size=(2, 3)), rng.normal(size=(2, 2))), wrt=(0, 1))


# ---------------------------------------------------------------- linear algebra
def gaussian_nll(L, r, D):
    """Negative log-likelihood of ``r`` under N(0, L L^T + D)."""
    S = L @ L.T + D
    sign, logdet = np.linalg.slogdet(S)
    alpha = np.linalg.solve(S, r)
    return 0.5 * logdet + 0.5 * r @ alpha


def test_gaussian_log_likelihood_with_slogdet_and_solve():
    rng = np.random.default_rng(7)
    L, r = rng.normal(size=(3, 3)), rng.normal(size=3)
    src = check(gaussian_nll, (L, r, np.eye(3)), wrt=(0, 1))
    assert "np.linalg.slogdet(" in src or "np.linalg.inv(" in src


def test_cholesky_whitening_and_eigenvalues():
    """cholesky and eigvalsh read the lower triangle only: derivatives with
    respect to the entries above the diagonal are 0 (as the differences say)."""
    def f(A, y):
        C = np.linalg.cholesky(A)
        z = np.linalg.solve(C, y)
        return np.sum(z ** 2) + np.sum(np.linalg.eigvalsh(A) ** 2) + np.sum(np.tril(C, -1))
    rng = np.random.default_rng(8)
    Q = rng.normal(size=(3, 3))
    A = Q @ Q.T + np.diag([1.0, 2.0, 3.0])
    grad_a = adcompiler.grad(f)(A, rng.normal(size=3))
    assert np.all(np.triu(grad_a, 1) == 0)
    check(f, (A, rng.normal(size=3)), wrt=(0, 1))


def test_inverse_and_determinant():
    def f(A, B):
        return np.sum(np.linalg.inv(A) @ B) + np.linalg.det(A) ** 2 + np.trace(np.triu(A @ B))
    rng = np.random.default_rng(9)
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    check(f, (A, rng.normal(size=(3, 3))), wrt=(0, 1))


def test_einsum_and_norms_along_axes():
    def f(W, X, y):
        pred = np.einsum("ij,nj->ni", W, X)
        return (np.sum((pred - y) ** 2) + np.einsum("ij,ij->", W, W)
                + np.sum(np.linalg.norm(W, axis=1)) + np.linalg.norm(W, ord=1, axis=0).sum()
                + np.linalg.norm(X, "fro") + np.einsum("nj,nj,j->", X, X, W[0]))
    rng = np.random.default_rng(10)
    src = check(f, (rng.normal(size=(2, 3)), rng.normal(size=(4, 3)),
                    rng.normal(size=(4, 2))), wrt=(0, 1))
    assert "np.einsum('ni,nj->ij'," in src


def test_adc_compile_with_shapes_emits_a_working_gradient(tmp_path):
    """The command line path: ``adc compile --shapes`` on the likelihood."""
    path = tmp_path / "nll.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np


        def nll(L, r, D):
            S = L @ L.T + D
            sign, logdet = np.linalg.slogdet(S)
            return 0.5 * logdet + 0.5 * r @ np.linalg.solve(S, r)
        """))
    out = tmp_path / "nll_grad.py"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(path), "--shapes",
                           "L=3x3,r=3,D=3x3", "-o", str(out)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    namespace: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), namespace)
    rng = np.random.default_rng(11)
    args = (rng.normal(size=(3, 3)), rng.normal(size=3), np.eye(3))
    np.testing.assert_allclose(namespace["nll_grad"](*args), central_diff(gaussian_nll, args, 0),
                               atol=1e-6)


# ---------------------------------------------------------------- refusals
def _einsum_diagonal(W):
    return np.sum(np.einsum("ii->i", W))


def _einsum_implicit(W):
    return np.sum(np.einsum("ij,jk", W, W))


def _einsum_ellipsis(W):
    return np.sum(np.einsum("...i->...", W))


def _matrix_2_norm(W):
    return np.linalg.norm(W, 2)


def _edge_pad(W):
    return np.sum(np.pad(W, 1, mode="edge"))


def _array_repeats(W):
    return np.sum(np.repeat(W, np.array([1, 2])))


def _string_axis(W):
    return np.sum(W, axis="rows")


def _uplo(W):
    return np.sum(np.linalg.eigvalsh(W, UPLO="U"))


@pytest.mark.parametrize("fn,words", [
    (_einsum_diagonal, "repeated in 'ii'"), (_einsum_implicit, "explicit output"),
    (_einsum_ellipsis, "'...'"), (_matrix_2_norm, "matrix norm"),
    (_edge_pad, "zeros only"), (_array_repeats, "repeats of np.repeat must be a constant"),
    (_uplo, "UPLO"), (_string_axis, "axis of np.sum cannot be a string")])
def test_unsupported_forms_are_refused_by_name(fn, words):
    with pytest.raises(CompileError) as err:
        adcompiler.grad(fn)(np.eye(2) + 1.0)
    assert words in str(err.value) and "test_array_functions.py" in str(err.value)


def test_the_registry_walk_covers_the_new_records():
    from test_registry_arrays import _cases
    names = {n for n, _ in _cases()}
    assert {"cumsum", "cumprod", "diff", "pad", "roll", "flip", "var", "std", "hstack",
            "vstack", "atleast_1d", "atleast_2d", "atleast_3d", "tile", "repeat", "inv", "solve",
            "det",
            "logabsdet", "cholesky", "eigvalsh", "tril", "triu", "einsum", "norm",
            "trapezoid", "linspace", "meshgrid", "sort", "polyval", "interp"} <= names


def _stacked_inverse(A, b):
    return np.sum(np.linalg.solve(A, b))


def test_stacks_of_matrices_are_refused_not_misdifferentiated():
    """The rules transpose one 2-d matrix: a stack of them would get a wrong
    adjoint (``.T`` reverses every axis), so it is refused by name."""
    A = np.broadcast_to(np.eye(2) * 2.0, (3, 2, 2)).copy()
    with pytest.raises(CompileError, match="np.linalg.solve of an array of 3 dimensions"):
        adcompiler.grad(_stacked_inverse, wrt=1)(A, np.ones((3, 2, 1)))


# ---------------------------------------------------------------- integration, grids
def energy(y, x, a):
    """Trapezoid integrals over sample points and over a grid from linspace."""
    t = np.linspace(0.0, a, 5)
    return (np.trapezoid(y ** 2, x) + np.trapezoid(np.sin(t * y[0]))
            + np.trapezoid(y * t, dx=0.5))


def check_trapezoid(f, args, wrt):
    """``check`` where NumPy has ``np.trapezoid`` (2.0 and later); before it,
    Python raises AttributeError running ``f``, so the gradient is refused."""
    if hasattr(np, "trapezoid"):
        return check(f, args, wrt)
    with pytest.raises(AttributeError):
        f(*args)
    with pytest.raises(CompileError, match="np.trapezoid"):
        adcompiler.grad(f, wrt=wrt)(*args)
    return None


def test_trapezoid_over_points_and_steps_with_linspace():
    rng = np.random.default_rng(12)
    y, x = rng.normal(size=5), np.cumsum(rng.uniform(0.5, 1.0, size=5))
    src = check_trapezoid(energy, (y, x, 1.3), wrt=(0, 1, 2))
    assert src is None or "np.trapezoid(" in src or "np.linspace(0.0, 1.0, 5)" in src


def test_trapezoid_along_an_axis_of_a_matrix():
    def f(Y, X):
        return (np.sum(np.trapezoid(Y ** 2, X, axis=0))
                + np.sum(np.trapezoid(Y, dx=0.1, axis=0) ** 2))
    rng = np.random.default_rng(13)
    check_trapezoid(f, (rng.normal(size=(4, 3)),
                        np.cumsum(rng.uniform(0.5, 1, size=(4, 3)), axis=0)), wrt=(0, 1))


def weighted_by_position(x):
    k = np.arange(len(x))
    return np.sum(x * k) + np.sum(x * np.arange(0.5, 3.0, 0.5)) + np.sum(np.arange(3) * x[:3])


def _arange_of_a_float(x, a):
    return np.sum(x * np.arange(a, a + 5.0))


def test_arange_is_a_constant_builder_and_refuses_computed_floats():
    """``np.arange`` carries no derivative: its bounds are integers or
    constants; a computed float bound would have one, so it is refused."""
    x = np.linspace(0.1, 1.0, 5)
    check(weighted_by_position, (x,))
    with pytest.raises(CompileError, match="np.arange of a computed value"):
        adcompiler.grad(_arange_of_a_float)(x, 0.5)


def surface(x, y):
    X, Y = np.meshgrid(x, y)
    A, B = np.meshgrid(x, y, indexing="ij")
    return np.sum(np.sin(X * Y)) + np.sum(A ** 2 * B)


def test_meshgrid_of_two_vectors_both_indexings():
    check(surface, (np.array([0.1, 0.5, 0.9]), np.array([0.3, 1.2])), wrt=(0, 1))


def padded_and_rolled(M):
    return (np.sum(np.pad(M, ((1, 0), (0, 2))) ** 2) + np.sum(np.roll(M, (1, 2), axis=(0, 1)) * M)
            + np.sum(np.pad(M, (1, 2)) ** 3))


def test_nested_constant_tuples_as_static_arguments():
    """``np.pad(M, ((1, 0), (0, 2)))``: a tuple of tuples is a constant too."""
    check(padded_and_rolled, (np.random.default_rng(14).normal(size=(2, 3)),))


# ---------------------------------------------------------------- order
def trimmed(x, w):
    """A trimmed, rank-weighted score; the best and worst by weight."""
    s = np.sort(x)
    order = np.argsort(w)
    best = x[np.argmax(w)] + x[w.argmin()]
    return (np.sum(s[1:-1] * np.linspace(0.0, 1.0, 4)) + np.sum(x[order] * w) + best
            + np.sum(np.sort(x * w, axis=None) ** 2))


def test_sort_and_indexing_by_argsort_argmax_argmin():
    rng = np.random.default_rng(15)
    src = check(trimmed, (rng.normal(size=6), rng.normal(size=6)), wrt=(0, 1))
    assert "np.argsort(w)" in src and "x_bar[np.argmax(w)]" in src


def test_sort_along_an_axis_of_a_matrix():
    def f(M):
        return np.sum(np.sort(M, axis=0)[-1] ** 2) + np.sum(np.sort(M)[:, 0])
    check(f, (np.random.default_rng(16).normal(size=(3, 4)),))


# ---------------------------------------------------------------- polynomials
def poly_fit(c, x, y):
    """Least squares of a cubic, plus its value at a point."""
    return np.sum((np.polyval(c, x) - y) ** 2) + np.polyval(c, 0.5)


def test_polyval_in_coefficients_and_points():
    rng = np.random.default_rng(17)
    src = check(poly_fit, (rng.normal(size=4), rng.uniform(-1, 1, size=6), rng.normal(size=6)),
                wrt=(0, 1))
    assert "np.polyval(c[:-1] * np.arange(3, 0, -1), x)" in src


def lookup(fp, x, xp):
    """A piecewise linear curve through ``(xp, fp)``, read inside and outside."""
    return np.sum(np.interp(x, xp, fp) ** 2) + np.interp(1.7, xp, fp)


def test_interp_in_values_and_points_not_in_knots():
    rng = np.random.default_rng(18)
    xp = np.array([0.0, 0.5, 1.5, 2.0])
    args = (rng.normal(size=4), rng.uniform(-0.3, 2.3, size=7), xp)
    check(lookup, args, wrt=(0, 1))
    with pytest.raises(CompileError, match="with respect to the knots xp is not supported"):
        adcompiler.grad(lookup, wrt=2)(*args)
