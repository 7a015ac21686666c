"""Integer arrays into functions whose NumPy result is a float (fuzz seed
12115): ``np.mean(X, axis=0)`` of an integer ``X`` is a float64 in NumPy,
while the Array API standard defines ``mean`` (``var``, ``std``,
``linalg.det`` ...) for floats only (PyTorch raises, ``array_api_strict``
too).  The array-api backend casts such an operand to the caller's float
dtype first (emit/backend.py, ``FLOAT_OF_INTS``); float operands keep their
code.  Each case runs on PyTorch tensors and ``array_api_strict`` arrays
and is compared with NumPy's value, the NumPy code's gradient and central
differences."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import adcompiler
from adcompiler.emit import backend
from adcompiler.prims.primitives import PRIMS


def mean0(w, X):
    return np.sum(w * np.mean(X, axis=0))


def mean_all(w, X):
    return np.sum(w) * np.mean(X)


def mean_of_part(w, X):
    return np.sum(w[1:] * np.mean(X[1:, :2], axis=1, keepdims=False))


def var1(w, X):
    return np.sum(w * np.var(X, axis=1, ddof=1))


def std0(w, X):
    return np.sum(w * w * np.std(X, axis=0))


def method_spread(w, X):
    return np.sum(w * X.std(axis=1)) + X.var() * w[0]


def norm(w, X):
    return np.linalg.norm(X) * np.sum(w * w)


def det(w, X):
    return np.linalg.det(X) * np.sum(w)


def slogdet(w, X):
    sign, logabs = np.linalg.slogdet(X)
    return sign * logabs * np.sum(w * w)


def inv(w, X):
    return np.sum(w @ np.linalg.inv(X))


def solve(w, X):
    return np.sum(np.linalg.solve(X, w) * w)


def cholesky(w, X):
    return np.sum(np.linalg.cholesky(X) @ w)


def eigvalsh(w, X):
    return np.sum(np.linalg.eigvalsh(X) * w)


def softmax(w, X):
    return np.sum(scipy.special.softmax(X, axis=0) @ w)


def logsumexp(w, X):
    return scipy.special.logsumexp(X) * np.sum(w)


def mask_spread(w, X):
    return np.sum(w * np.var(X > 2, axis=0)) + np.mean(X > 2) * w[1]


CASES = [mean0, mean_all, mean_of_part, var1, std0, method_spread, norm, det, slogdet, inv,
         solve, cholesky, eigvalsh, softmax, logsumexp, mask_spread]
#: a symmetric positive definite integer matrix (cholesky, eigvalsh, solve)
X_INT = np.array([[4, 2, 0], [2, 5, 1], [0, 1, 3]])
W = np.array([0.5, -1.25, 2.0])


def _torch():
    torch = pytest.importorskip("torch")
    return torch.asarray, lambda g: g.numpy()


def _strict():
    xs = pytest.importorskip("array_api_strict")
    return xs.asarray, np.asarray


LIBRARIES = {"torch": _torch, "strict": _strict}


def _differences(fn, w, X, h=1e-6):
    """Central differences of ``fn`` in ``w`` (the oracle NumPy computes)."""
    out = np.zeros_like(w)
    for i in range(w.size):
        step = np.zeros_like(w)
        step[i] = h
        out[i] = (fn(w + step, X) - fn(w - step, X)) / (2 * h)
    return out


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_integer_operands_give_numpys_value_and_gradient(fn, library):
    convert, to_numpy = LIBRARIES[library]()
    want_value, want_grad = fn(W, X_INT), adcompiler.grad(fn)(W, X_INT)
    np.testing.assert_allclose(want_grad, _differences(fn, W, X_INT), rtol=1e-6, atol=1e-6)
    vg = adcompiler.value_and_grad(fn)
    value, got = vg(convert(W), convert(X_INT))
    np.testing.assert_allclose(float(to_numpy(value)), want_value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_numpy(got), want_grad, rtol=1e-12, atol=1e-12)
    assert "xp.astype(" in vg.source  # (the cast: NumPy's code has none)


@pytest.mark.parametrize("fn", [mean0, var1, std0, det, solve], ids=lambda f: f.__name__)
def test_float_operands_are_not_cast(fn):
    """A float ``X`` keeps the code it had: no cast is written."""
    torch = pytest.importorskip("torch")
    g = adcompiler.grad(fn)
    got = g(torch.asarray(W), torch.asarray(X_INT.astype(float)))
    np.testing.assert_allclose(got.numpy(), adcompiler.grad(fn)(W, X_INT.astype(float)),
                               rtol=1e-12, atol=1e-12)
    assert "astype" not in g.source


def _float_of_ints(record) -> bool | None:
    """Does NumPy give a float for the integer version of the first case
    of ``record``'s domain (None: the record has none to try)?"""
    if not record.domain or record.impl is None or not callable(record.domain[0]):
        return None  # (a tuple domain: ranges of numbers, not arrays)
    args, kws = record.domain[0](np.random.default_rng(0))
    ints = tuple(np.round(3 * a).astype(int) if isinstance(a, np.ndarray) else a
                 for a in args)
    if not any(isinstance(a, np.ndarray) for a in ints):
        return None
    with np.errstate(all="ignore"):
        return np.asarray(record.impl(*ints, **kws)).dtype.kind == "f"


def test_the_cast_list_is_numpys():
    """Every array record with a standard spelling whose NumPy result is a
    float for integer input is in FLOAT_OF_INTS, and no other (the class
    of the fuzz finding, not its one case)."""
    floats = set()
    for name, record in PRIMS.items():
        if record.form == "special" and "array_api" in record.spellings and \
                _float_of_ints(record):
            floats.add(name)
    # eigh's vectors and slogdet's sign have no domain of their own
    assert floats == backend.FLOAT_OF_INTS - {"eigh_vectors", "slogdet_sign"}
