"""Array builders (issue 14): ``np.zeros``/``ones``/``full``/``eye``/
``ones_like``/``full_like``/``zeros_like`` and ``np.array([a, b, c])`` of
computed values, checked through ``adcompiler.grad`` (reverse and forward
mode) against central differences; the refusals (``np.empty``, integer
dtypes) name the construct and line; ``adc compile --shapes`` for one."""
import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError
from adcompiler.cli.commands import main
from oracles import central_diff


# ---------------------------------------------------------------- user functions
def poly_features(x, w):
    phi = np.array([1.0, x, x * x])
    return np.dot(w, phi) ** 2


def poly_matrix(a, b):
    M = np.array([[a, 1.0], [a * b, np.sin(b)]])
    return np.sum(M @ M)


def penalty(W, lam):
    n = len(W)
    target = np.eye(n)
    shift = np.full((n, n), lam)
    return np.sum((W - target) ** 2 * shift) + np.sum(np.full(n, lam) * W[0])


def buffers(x, c):
    z = np.zeros(len(x)) + x
    o = np.ones((2, len(x)), dtype=float) * c
    return np.sum(o @ z) + np.sum(np.ones_like(x) * x ** 2) + np.sum(np.zeros_like(x) + x)


def full_like_fill(x, v):
    return np.sum(np.full_like(x, v) * x) + np.sum(np.full(x.shape, v * v))


def asarray_stack(a, b):
    v = np.asarray([a, b, a * b], dtype=float)
    return np.sum(np.exp(v)) + np.sum(np.asarray(v) ** 2)


def shape_of_param(X, w):
    Z = np.zeros(X.shape)
    return np.sum((Z + X) @ np.ones(len(X[0])) * w) + np.sum(Z.T @ X + np.ones((X.shape[1],)))


CASES = [
    (poly_features, (0.7, np.array([0.3, -1.2, 0.5]))),
    (poly_matrix, (0.4, 1.3)),
    (penalty, (np.array([[1.2, 0.3], [-0.4, 0.8]]), 0.6)),
    (buffers, (np.array([0.5, -1.0, 2.0]), 0.3)),
    (full_like_fill, (np.array([0.5, -1.0, 2.0]), 0.7)),
    (asarray_stack, (0.3, -0.8)),
    (shape_of_param, (np.arange(6.0).reshape(2, 3), 0.5)),
]


def _check(got, f, args):
    for k in range(2):
        np.testing.assert_allclose(got[k], central_diff(f, args, k), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_central_differences(f, args):
    _check(adcompiler.grad(f, wrt=(0, 1))(*args), f, args)


# forward grad takes scalar arguments only so far: the cases of scalars
@pytest.mark.parametrize("f, args", [c for c in CASES if all(np.ndim(a) == 0 for a in c[1])],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_forward_mode_matches_central_differences(f, args):
    _check(adcompiler.grad(f, wrt=(0, 1), mode="forward")(*args), f, args)


def test_zeros_of_x_shape_has_x_rank():
    from adcompiler.prims.builders import _shape_of
    from adcompiler.prims.shapecalc import SCALAR, Tup

    class E:
        args, params = ("s",), ()

        def param(self, name, default=None):
            return default
        loc = type("L", (), {"line": 0})()
    assert _shape_of("zeros", 0)(E(), [Tup((SCALAR, SCALAR))], lambda a: "i") == (None, None)


def test_the_builders_are_emitted_as_written():
    source = adcompiler.source(penalty, args=CASES[2][1], wrt=(0, 1))
    assert "np.eye(" in source and "np.full((" in source
    source = adcompiler.source(poly_features, args=CASES[0][1], wrt=(0, 1))
    assert "np.array([1.0, x, " in source


# ---------------------------------------------------------------- refusals
def int_dtype(x):
    return np.sum(np.zeros(len(x), dtype=int) + x)


def int_array_literal(a):
    return np.sum(np.array([a, 2.0], dtype=np.int64))


def full_like_of_ints(x, v):
    idx = np.arange(len(x))
    return np.sum(np.full_like(idx, v) * x)


@pytest.mark.parametrize("f, pattern, line", [
    (int_dtype, "np.zeros with a dtype other than float", 1),
    (int_array_literal, "np.array with a dtype other than float", 1),
    (full_like_of_ints, r"np.full_like \(line \d+\) of a computed value needs an array "
                        "known to hold floats", 0),
])
def test_refusals_name_the_construct_and_line(f, pattern, line):
    first = f.__code__.co_firstlineno
    with pytest.raises(CompileError, match=pattern) as info:
        adcompiler.grad(f, wrt=(0, 1) if f.__code__.co_argcount == 2 else 0)(
            *([np.ones(3), 0.5] if f.__code__.co_argcount == 2 else [np.ones(3)]))
    assert f":{first + line}:" in str(info.value)
    if f is full_like_of_ints:  # a shape rule's refusal is reported at the def: says the line
        assert f"(line {first + 2})" in str(info.value)


# ---------------------------------------------------------------- command line
SOURCE = ("import numpy as np\n\n\ndef f(x, lam):\n    n = len(x)\n"
          "    M = np.eye(n) + np.full((n, n), lam)\n    return x @ M @ x\n")


def test_adc_compile_with_shapes(tmp_path, capsys):
    path = tmp_path / "quad.py"
    path.write_text(SOURCE)
    assert main(["compile", str(path), "--shapes", "x=N,lam=scalar", "--wrt", "x,lam"]) == 0
    namespace: dict = {}
    exec(capsys.readouterr().out, namespace)
    x, lam = np.array([0.3, -0.7, 1.1, 0.2]), 0.4

    def f(x, lam):
        return x @ (np.eye(len(x)) + np.full((len(x), len(x)), lam)) @ x
    got = namespace["f_grad"](x, lam)
    np.testing.assert_allclose(got[0], central_diff(f, (x, lam), 0), rtol=1e-6)
    np.testing.assert_allclose(got[1], central_diff(f, (x, lam), 1), rtol=1e-6)


# ---------------------------------------------------------------- scipy.special
scipy_special = pytest.importorskip("scipy.special")


def cross_entropy(W, X, Y):
    logits = X @ W
    return np.sum(scipy_special.logsumexp(logits, axis=1) - np.sum(logits * Y, axis=1))


def softmax_mix(Z, c):
    p = scipy_special.softmax(Z * c, axis=-1)
    lp = scipy_special.log_softmax(Z, axis=0)
    return np.sum(p * np.linspace(0.0, 1.0, 3)) + np.sum(lp[0] ** 2) + \
        scipy_special.logsumexp(Z, keepdims=True)[0, 0] * c


RNG = np.random.default_rng(7)
SCIPY_CASES = [
    (cross_entropy, (RNG.normal(size=(4, 3)), RNG.normal(size=(5, 4)),
                     np.eye(3)[[0, 1, 2, 1, 0]])),
    (softmax_mix, (RNG.normal(size=(2, 3)), 0.8)),
]


@pytest.mark.parametrize("f, args", SCIPY_CASES, ids=[c[0].__name__ for c in SCIPY_CASES])
def test_scipy_special_gradients_match_central_differences(f, args):
    got = adcompiler.grad(f, wrt=(0, 1))(*args)
    for k in range(2):
        np.testing.assert_allclose(got[k], central_diff(f, args, k), rtol=1e-6, atol=1e-7)


def test_logsumexp_gradient_is_stable_for_large_logits():
    logits = np.array([[1000.0, 999.0, -5.0], [0.0, 1.0, 2.0]])
    g = adcompiler.grad(cross_entropy, wrt=0)(np.eye(3), logits, np.eye(3)[[0, 2]])
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
    np.testing.assert_allclose(g, logits.T @ (p - np.eye(3)[[0, 2]]), rtol=1e-12)


def test_scipy_is_imported_only_by_code_that_used_it():
    assert "import scipy.special" in adcompiler.source(cross_entropy, args=SCIPY_CASES[0][1])
    assert "scipy" not in adcompiler.source(penalty, args=CASES[2][1], wrt=(0, 1))
