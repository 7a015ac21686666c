"""Issue 12, API items: integer/boolean/list inputs (9), shape-baked modules
(12), ``.source`` before the first call (13), complex inputs (14), forward
mode and higher orders on array code from the command line (15) and
``check_grad`` comparing forward mode (16).  Each test failed on the code
before the fix; numerical ones are checked against central differences."""
import math
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest

import adcompiler
import adcompiler.api as api
from adcompiler import UsageError, check_grad, grad, value_and_grad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def central(f, x, h=1e-6):
    """Central differences of a scalar function of a float array (or float)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        out[k] = (f(up) - f(down)) / (2 * h)
    return out


def assert_float_gradient(g, f, x):
    assert isinstance(g, np.ndarray) and g.dtype == np.float64, repr(g)
    np.testing.assert_allclose(g, central(f, x), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- item 9
def scatter_sum(x):
    return np.sum(x[0] * 0.5 + x[1] * x[2])


def loop_of_reads(x):
    s = 0.0
    for i in range(3):
        s = s + x[i] * 0.5
    return s


def repeated_gather(x):
    return np.sum(x[[0, 0, 1]] * 0.5)


@pytest.mark.parametrize("f", [scatter_sum, loop_of_reads, repeated_gather])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_integer_arrays_are_differentiated_as_real(f, dtype):
    x = np.array([1, 2, 3, 1]).astype(dtype)
    assert_float_gradient(grad(f)(x), f, x)  # was truncated: [0 2 1 0], [0 0 0 0]


def test_integer_argument_is_not_modified():
    x = np.array([1, 2, 3])
    grad(scatter_sum)(x)
    assert x.dtype.kind == "i" and list(x) == [1, 2, 3]


@pytest.mark.parametrize("f", [scatter_sum, loop_of_reads])
def test_lists_of_ints_are_float_arrays(f):
    g = grad(f)([1, 2, 3])  # was [0, 3, 2]
    assert_float_gradient(g, f, [1, 2, 3])


def mean_square(x):
    return np.mean(x * x)


def test_lists_of_different_lengths_get_their_own_code():
    g = grad(mean_square)
    for x in ([1, 2, 3], [1.0, 2.0, 3.0, 4.0, 5.0], (1, 2), [0.5]):
        assert_float_gradient(g(x), mean_square, x)


def square(x):
    return x * x


def gate(x, y):
    return (x > 0) * y


def gate_sum(x, y):
    return np.sum((x > 0) * y)


def test_int_scalar_gradient_is_a_float():
    g = grad(square)(2)
    assert type(g) is float and g == 4.0  # was the int 4
    value, g = value_and_grad(square)(3)
    assert type(g) is float and g == 6.0
    assert type(grad(square)(True)) is float


def test_boolean_factor_gives_a_float_gradient_not_true():
    g = grad(gate, wrt=1)(1.0, 2.0)
    assert type(g) is float and g == 1.0  # was True
    assert grad(gate, wrt=1)(-1.0, 2.0) == 0.0
    gs = grad(gate, wrt=(0, 1))(1.0, 2.0)
    assert all(type(v) is float for v in gs)


def counted(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * n
    return s


def test_int_scalar_may_still_be_a_range_bound():
    """A differentiated int scalar is passed unchanged (range(3.0) would
    raise); its gradient is the partial with the trip count held fixed."""
    gx, gn = grad(counted, wrt=(0, 1))(2.0, 3)
    assert (gx, gn) == (9.0, 6.0) and type(gn) is float


def scaled_square(b):
    return b * b * 3.0


def test_numpy_bool_scalar_is_differentiated_as_real():
    g = grad(scaled_square)(np.bool_(True))  # was np.float64 computed on NumPy bools
    assert type(g) is float and g == 6.0


def test_forward_mode_follows_the_same_rule():
    g = grad(square, mode="forward")(2)
    assert type(g) is float and g == 4.0  # was the int 4
    g = grad(gate, wrt=1, mode="forward")(2.0, 1.0)
    assert type(g) is float and g == 1.0  # was True


def test_boolean_factor_on_arrays_gives_float_arrays():
    x, y = np.array([-1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    g = grad(gate_sum, wrt=1)(x, y)  # was array([False, True, True])
    assert_float_gradient(g, lambda v: gate_sum(x, v), y)


def test_emitted_scalar_code_keeps_the_float():
    """The emitted code itself, not only the API, returns a float: the
    optimiser no longer folds ``(x > 0) * 1.0`` to ``x > 0``."""
    src = adcompiler.source(gate, wrt=1)
    namespace = {}
    exec(src, namespace)
    assert type(namespace["gate_grad"](1.0, 2.0)) is float


def test_integer_array_of_another_parameter_gives_float_gradient():
    def weighted(w, X):
        return np.sum(w * X)
    g = grad(weighted)(np.ones(3), np.array([1, 2, 3]))
    assert g.dtype == np.float64  # was int64
    np.testing.assert_allclose(g, [1.0, 2.0, 3.0])


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "adcompiler", "compile", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)


ARRAY_SOURCE = '''import numpy as np


def scatter_sum(x):
    return np.sum(x[0] * 0.5 + x[1] * x[2])


def loss(X, w):
    r = X @ w - 1.0
    return np.mean(r * r)


def col_means(X):
    return np.sum(np.mean(X, axis=0) ** 2)
'''


def test_emitted_module_accumulates_in_floats_for_int_arrays(tmp_path):
    src = tmp_path / "model.py"
    src.write_text(ARRAY_SOURCE)
    out = run_cli(str(src), "-f", "scatter_sum", "--shapes", "x=3")
    assert out.returncode == 0, out.stderr
    assert "np.zeros_like(x, dtype=float)" in out.stdout
    path = tmp_path / "emitted.py"
    path.write_text(out.stdout)
    g = runpy.run_path(str(path))["scatter_sum_grad"](np.array([1, 2, 3]))
    assert_float_gradient(g, scatter_sum, [1, 2, 3])


# ---------------------------------------------------------------- item 12
def loss(X, w):
    r = X @ w - 1.0
    return np.mean(r * r)


def rows_product(M):
    a, b, c = M
    return np.sum(a * b * c) / np.size(M)


def compile_to_module(tmp_path, *args):
    src = tmp_path / "model.py"
    src.write_text(ARRAY_SOURCE + "\n\ndef rows_product(M):\n    a, b, c = M\n"
                   "    return np.sum(a * b * c) / np.size(M)\n")
    out = run_cli(str(src), *args)
    assert out.returncode == 0, out.stderr
    path = tmp_path / f"emitted_{abs(hash(args))}.py"
    path.write_text(out.stdout)
    return out.stdout, runpy.run_path(str(path))


def test_declared_sizes_give_shape_generic_code(tmp_path):
    text, mod = compile_to_module(tmp_path, "-f", "loss", "--wrt", "w",
                                  "--shapes", "X=200x3,w=3")
    assert "200" not in text.split("def loss_grad")[1].split("raise")[0]
    assert "0.005" not in text and "np.size(r)" in text  # 1/N read at run time
    loss_grad = mod["loss_grad"]
    rng = np.random.default_rng(0)
    for n, m in ((200, 3), (50, 3), (7, 5)):  # was silently wrong for N = 50
        X, w = rng.normal(size=(n, m)), rng.normal(size=m)
        np.testing.assert_allclose(loss_grad(X, w), central(lambda v: loss(X, v), w),
                                   rtol=1e-6)
    for X, w in ((np.ones((1, 3)), np.ones(3)), (np.ones((5, 3)), np.ones(4)),
                 (np.ones((2, 5, 3)), np.ones(3)), (np.ones(3), np.ones(3))):
        with pytest.raises(ValueError, match=r"compiled for X=nxm, w=m .*any size but 1"):
            loss_grad(X, w)


def test_partly_declared_shape_is_generic_too(tmp_path):
    _, mod = compile_to_module(tmp_path, "-f", "col_means", "--shapes", "X=?x3")
    col_means_grad = mod["col_means_grad"]

    def col_means(X):
        return np.sum(np.mean(X, axis=0) ** 2)
    for shape in ((7, 3), (2, 6)):
        X = np.random.default_rng(1).normal(size=shape)
        np.testing.assert_allclose(col_means_grad(X), central(col_means, X), rtol=1e-6,
                                   atol=1e-9)
    for bad in (np.ones((7, 1)), np.ones(3), np.ones((2, 3, 3))):
        with pytest.raises(ValueError, match="compiled for X=\\?xn"):
            col_means_grad(bad)


def test_size_that_must_be_baked_is_checked_on_entry(tmp_path):
    """``a, b, c = M`` needs 3 rows: the code is specialised to M=3x4 and
    checks it (a size read at run time could not unpack)."""
    text, mod = compile_to_module(tmp_path, "-f", "rows_product", "--shapes", "M=3x4")
    assert "np.shape(M) != (3, 4)" in text
    M = np.random.default_rng(2).normal(size=(3, 4))
    np.testing.assert_allclose(mod["rows_product_grad"](M), central(rows_product, M),
                               rtol=1e-6, atol=1e-9)
    for bad in (np.ones((5, 4)), np.ones((3, 5))):
        with pytest.raises(ValueError, match="compiled for M=3x4"):
            mod["rows_product_grad"](bad)


def test_unpacking_an_array_of_another_length_is_refused():
    with pytest.raises(adcompiler.CompileError, match="cannot unpack an array of 5 rows"):
        grad(rows_product)(np.ones((5, 4)))  # f raises; the gradient was a number


# ---------------------------------------------------------------- item 13
def mean_of(X):
    return np.mean(X)


def test_source_before_a_call_refuses_array_code():
    g = grad(mean_of)
    with pytest.raises(UsageError, match="depends on the shapes.*adcompiler.source"):
        g.source  # was scalar code without the 1/N of np.mean
    with pytest.raises(UsageError, match="depends on the shapes"):
        adcompiler.source(mean_of)


def test_source_with_example_arguments_is_the_code_that_runs():
    X = np.ones(4)
    text = adcompiler.source(mean_of, args=(X,))
    assert "0.25" in text  # 1/N
    g = grad(mean_of)
    np.testing.assert_allclose(g(X), central(mean_of, X), rtol=1e-6)
    assert g.source == text
    assert adcompiler.source(g, args=(X,)) == text
    namespace = {}
    exec(text, namespace)
    np.testing.assert_allclose(namespace["mean_of_grad"](X), g(X))


def test_source_before_a_call_is_fine_for_scalar_code():
    text = grad(square).source
    assert "def square_grad(x)" in text


def test_source_of_integer_arguments_is_the_float_code_that_runs():
    text = adcompiler.source(scatter_sum, args=(np.array([1, 2, 3]),))
    assert text == adcompiler.source(scatter_sum, args=(np.array([1.0, 2.0, 3.0]),))


# ---------------------------------------------------------------- item 14
def absolute(x):
    return abs(x)


def sine(x):
    return math.sin(x)


def root(x):
    return x ** 0.5


@pytest.mark.parametrize("f,arg", [(absolute, 3 + 4j), (sine, 1j), (square, np.complex128(1j)),
                                   (mean_of, np.array([1j, 2.0]))])
def test_complex_arguments_are_refused(f, arg):
    with pytest.raises(UsageError, match="complex arguments are not supported"):
        grad(f)(arg)  # was 0.6+0.8j, 1.54 (though math.sin(1j) raises), ...


def test_complex_argument_not_differentiated_is_refused_too():
    with pytest.raises(UsageError, match="argument y is complex"):
        grad(gate)(1.0, 2j)


def test_complex_gradient_from_real_input_is_refused():
    with pytest.raises(UsageError, match="the gradient is complex"):
        grad(root)(-1.0)  # x ** 0.5 of a negative float is complex in Python
    assert grad(root)(4.0) == pytest.approx(0.25)


def test_forward_mode_refuses_complex():
    with pytest.raises(UsageError, match="complex arguments are not supported"):
        grad(absolute, mode="forward")(3 + 4j)


# ---------------------------------------------------------------- item 15
@pytest.mark.parametrize("extra", [["--mode", "forward"],
                                   ["--mode", "forward", "--arrays", "X,w"],
                                   ["--order", "2", "--shapes", "X=Nx3,w=3"]])
def test_cli_refuses_forward_mode_and_higher_orders_on_arrays_without_sizes(tmp_path, extra):
    src = tmp_path / "model.py"
    src.write_text(ARRAY_SOURCE)
    out = run_cli(str(src), "-f", "loss", "--wrt", "w", *extra)
    assert out.returncode == 1 and out.stdout == ""  # was 0 with code that cannot run
    assert f"{src}:8:1: error:" in out.stderr
    assert "--shapes" in out.stderr


@pytest.mark.parametrize("extra,name", [(["--mode", "forward"], "loss_jvp"),
                                        (["--order", "2"], "loss_hvp")])
def test_cli_forward_mode_and_order_two_on_declared_arrays_run(tmp_path, extra, name):
    """With sizes declared, the code runs (issue 15): the tangent along w, and
    the Hessian-vector product, checked here against the exact values."""
    src = tmp_path / "model.py"
    src.write_text(ARRAY_SOURCE)
    out = run_cli(str(src), "-f", "loss", "--wrt", "w", "--shapes", "X=20x3,w=3", *extra)
    assert out.returncode == 0, out.stderr
    namespace: dict = {}
    exec(compile(out.stdout, "emitted", "exec"), namespace)
    X = np.arange(60.0).reshape(20, 3) / 30
    w, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, -1.0])
    value, result = namespace[name](X, w, v)
    grad_w = 2 * X.T @ (X @ w - 1.0) / 20
    assert np.allclose(result, grad_w @ v if name == "loss_jvp" else 2 * X.T @ (X @ v) / 20)


def test_cli_forward_mode_on_scalar_code_still_works(tmp_path):
    src = tmp_path / "model.py"
    src.write_text("def f(x, y):\n    return x * y + x\n")
    out = run_cli(str(src), "--mode", "forward", "--shapes", "x=scalar")
    assert out.returncode == 0, out.stderr
    assert "def f_grad" in out.stdout


# ---------------------------------------------------------------- item 16
def product(x, y):
    return x * math.sin(y) + y


def test_check_grad_compares_forward_mode():
    report = check_grad(product, 0.7, 1.3)
    assert report.ok
    assert {c.against for c in report.components} == {"central difference", "forward mode"}
    assert "forward mode" in str(report)


def test_check_grad_catches_a_wrong_forward_mode(monkeypatch):
    real = api.grad

    def wrong(f, wrt=0, mode=None):
        g = real(f, wrt, mode)
        if mode != "forward":
            return g
        return lambda *a: tuple(2.0 * v for v in g(*a))
    monkeypatch.setattr(api, "grad", wrong)
    report = check_grad(product, 0.7, 1.3)
    assert not report.ok  # reverse mode and differences agree; forward mode does not
    assert report.worst.against == "forward mode"
    assert all(report.agrees(c) for c in report.components if c.against == "central difference")


def test_check_grad_says_when_forward_mode_could_not_run(monkeypatch):
    real = api.grad

    def unsupported(f, wrt=0, mode=None):
        if mode != "forward":
            return real(f, wrt, mode)
        raise adcompiler.AdcError("forward mode does not support this construct")
    monkeypatch.setattr(api, "grad", unsupported)
    report = check_grad(product, 0.7, 1.3)
    assert report.ok and {c.against for c in report.components} == {"central difference"}
    assert "not compared: forward mode: forward mode does not support" in str(report)


def _corpus_cases():
    from corpus import ARRAY_CORPUS
    return [(fn, shapes, wrt) for fn, shapes, wrt in ARRAY_CORPUS
            if any(s != () for s in shapes)]


@pytest.mark.parametrize("fn,shapes,wrt", _corpus_cases(),
                         ids=[c[0].__name__ for c in _corpus_cases()])
def test_corpus_with_integer_arrays_equals_the_float_gradient(fn, shapes, wrt):
    """Every array program of the corpus, called with int64 arrays of small
    positive integers: the gradient is the float64 gradient at the same point."""
    rng = np.random.default_rng(3)
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    ints = []
    for name, shape in zip(names, shapes):
        value = rng.integers(1, 3, size=shape) if shape != () else 1.5
        if name == "y" and fn.__name__.startswith("np_seed003"):
            value = rng.integers(0, 2, size=shape)
        ints.append(value)
    floats = [np.asarray(v, dtype=float) if np.ndim(v) else v for v in ints]
    with np.errstate(all="ignore"):
        expected = grad(fn, wrt=wrt)(*floats)
        got = grad(fn, wrt=wrt)(*ints)
    for e, g in zip(expected if isinstance(wrt, tuple) else (expected,),
                    got if isinstance(wrt, tuple) else (got,)):
        assert np.asarray(g).dtype == np.float64, repr(g)
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=0, equal_nan=True)


def weighted_sines(x, w):
    return np.sum(np.sin(x) * w)


def test_check_grad_takes_arrays_element_by_element():
    x = np.array([0.3, -1.2, 2.0])
    report = check_grad(weighted_sines, x, 1.7)  # was TypeError with wrt=(0, 1)
    assert report.ok, str(report)
    names = ["x[0]", "x[1]", "x[2]", "w"]  # against differences, then forward mode (issue 15)
    assert [c.name for c in report.components] == names * 2
    assert [c.against for c in report.components] == \
        ["central difference"] * 4 + ["forward mode"] * 4
    assert report.components[1].reference == pytest.approx(1.7 * math.cos(-1.2), rel=1e-8)
    assert report.components[5].reference == pytest.approx(1.7 * math.cos(-1.2), rel=1e-12)
    assert check_grad(weighted_sines, x, 1.7, wrt=(0, 1)).ok


def test_check_grad_catches_a_wrong_array_element(monkeypatch):
    import adcompiler.checkgrad as checkgrad
    real = checkgrad._reverse

    def wrong(f, args, wrt):
        out = list(real(f, args, wrt))
        out[1] += 1e-3
        return tuple(out)
    monkeypatch.setattr(checkgrad, "_reverse", wrong)
    report = check_grad(weighted_sines, np.array([0.3, -1.2, 2.0]), 1.7)
    assert not report.ok and report.worst.name == "x[1]"


def _array_corpus():
    from corpus import ARRAY_CORPUS
    return [c for c in ARRAY_CORPUS if any(s != () for s in c[1])]


def _cli_module(fn, shapes, wrt):
    """``adc compile tests/corpus.py -f NAME --shapes ...`` run in-process."""
    from adcompiler.cli.commands import compile_file
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    spec = ",".join(f"{n}={'x'.join(map(str, s)) if s else 'scalar'}"
                    for n, s in zip(names, shapes))
    wrt_text = ",".join(map(str, wrt if isinstance(wrt, tuple) else (wrt,)))
    text = compile_file(os.path.join(ROOT, "tests", "corpus.py"), [fn.__name__], wrt_text,
                        shapes_text=spec)
    namespace = {}
    exec(compile(text, "<emitted>", "exec"), namespace)
    return text, namespace[fn.__name__ + "_grad"]


@pytest.mark.parametrize("fn,shapes,wrt", _array_corpus(),
                         ids=[c[0].__name__ for c in _array_corpus()])
def test_cli_shapes_compile_shape_generic_code(fn, shapes, wrt):
    """Every array program of the corpus compiled with ``--shapes``: the module
    runs at the declared sizes and at other sizes (each declared size d >= 2
    becomes d + 2, equal sizes staying equal), against central differences
    (where the program itself accepts those sizes); where it fell back to
    specialised code, other sizes raise ValueError."""
    from oracles import central_diff as central_differences
    from test_numpy import random_args
    text, g = _cli_module(fn, shapes, wrt)
    generic = "any size but 1" in text
    other = [tuple(d + 2 if d >= 2 else d for d in s) for s in shapes]
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    for sizes in (shapes, other):
        args = random_args(fn, sizes, seed=5)
        if sizes is other and not generic:
            with pytest.raises(ValueError, match="was compiled for"):
                g(*args)
            continue
        try:
            fn(*args)
        except ValueError:  # the program itself needs its sizes (x[:3] @ ..., unpacking)
            with pytest.raises(ValueError):
                g(*args)
            continue
        got = g(*args)
        got = got if len(positions) > 1 else (got,)
        for k, i in enumerate(positions):
            np.testing.assert_allclose(got[k], central_differences(fn, args, i),
                                       rtol=1e-5, atol=1e-6)


def test_most_of_the_corpus_compiles_shape_generic():
    generic = [c[0].__name__ for c in _array_corpus() if "any size but 1" in _cli_module(*c)[0]]
    assert len(generic) >= 0.8 * len(_array_corpus()), generic


@pytest.mark.parametrize("seed", range(20))
def test_random_programs_compiled_with_shapes_run_at_other_sizes(seed, tmp_path):
    """The random NumPy programs of test_numpy_random compiled with
    ``--shapes A=3x4,r=4,c=3x1``, called with A 5x6: the same numbers as the
    gradient the API compiles for 5x6 (itself checked against differences),
    or an error where the program itself fails at that size.  (200 seeds
    were run once: 146 agree, 54 fail as the program does, 0 differ.)"""
    from adcompiler.cli.commands import compile_file
    from test_numpy_random import program
    path = tmp_path / f"p{seed}.py"
    path.write_text(program(seed))
    f = runpy.run_path(str(path))["f"]
    text = compile_file(str(path), ["f"], "0,1,2,3", shapes_text="A=3x4,r=4,c=3x1,a=scalar")
    assert "any size but 1" in text  # shape-generic
    namespace = {}
    exec(compile(text, "<emitted>", "exec"), namespace)
    rng = np.random.default_rng(seed)
    args = [rng.normal(size=(5, 6)), rng.normal(size=6), rng.normal(size=(5, 1)),
            float(rng.normal())]
    try:
        f(*args)
    except ValueError:
        with pytest.raises(ValueError):
            namespace["f_grad"](*args)
        return
    got = namespace["f_grad"](*args)
    want = grad(f, wrt=(0, 1, 2, 3))(*args)
    for x, y in zip(got, want):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- int arrays not differentiated
def _int_rows_then_float(X, v):
    c = np.sum(X, axis=1)[:, None]
    B1 = X.T @ c[:, 0]  # an int64 array: X is an integer argument not differentiated
    B1 = B1 + v  # a float array: must not be emitted as B1 += v (UFuncTypeError)
    return np.sum(np.sin(c)) + np.sum(B1 * B1)


def test_integer_array_argument_not_differentiated_is_not_updated_in_place():
    """Fuzz seed 206583: an int64 intermediate plus a float array was emitted
    as ``B1 += v``, which NumPy refuses for an int64 ``B1``."""
    X = np.array([[1, -2, -2, 2], [0, 1, 3, -1], [2, 2, 1, 0]])
    v = np.array([0.5, -1.0, 2.0, 0.25])
    got = grad(_int_rows_then_float, wrt=1)(X, v)
    h = 1e-6
    expected = [(_int_rows_then_float(X, v + h * e) - _int_rows_then_float(X, v - h * e)) / (2 * h)
                for e in np.eye(4)]
    assert got.dtype == np.float64
    assert np.allclose(got, expected, rtol=1e-6, atol=1e-6)


def _int_row_scattered(X, c):
    v = (np.cos(X) * 0.5).T @ c[:, 0]
    P1 = v
    for _ in range(0):
        P1 = P1 + np.sin(v)
    v = 0.5 * v[::-1] + v  # adjoint: X[-1, :] (int) plus a scatter of floats into it
    return np.sum(c * c) + np.sum(np.sin(P1)) + np.dot(v, X[-1, :])


def test_adjoint_seeded_by_an_integer_array_accumulates_floats():
    """Fuzz seed 304281: the adjoint of np.dot(v, X[-1, :]) with an int X is an
    int array; a later scatter ``v_bar[::-1] += ...`` raised UFuncTypeError."""
    X = np.array([[-1, -2, -2, 0], [0, 2, -1, 2], [2, 0, 2, 2]])
    c = np.array([[0.1], [1.1], [-1.3]])
    got = grad(_int_row_scattered, wrt=1)(X, c)
    h = 1e-6
    expected = np.zeros_like(c)
    for k in range(3):
        e = np.zeros_like(c)
        e[k, 0] = h
        expected[k, 0] = (_int_row_scattered(X, c + e) - _int_row_scattered(X, c - e)) / (2 * h)
    assert got.dtype == np.float64
    assert np.allclose(got, expected, rtol=1e-6, atol=1e-6)
