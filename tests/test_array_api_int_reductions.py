"""Integer arrays into functions whose NumPy result is a float (fuzz seed
12115): ``np.mean(X, axis=0)`` of an integer ``X`` is a float64 in NumPy,
while the Array API standard defines ``mean`` (``var``, ``std``,
``linalg.det`` ...) for floats only (PyTorch raises, ``array_api_strict``
too).  The array-api backend casts such an operand to the caller's float
dtype first (emit/backend.py, ``FLOAT_OF_INTS``); float operands keep their
code.  The same class: integers into elementwise functions giving floats
(``np.exp(X)``, every such record of the registry), true division (``X /
3``, ``X / X``), a float power, np.maximum/np.minimum with a float, joins
with floats, and integer-preserving results (``np.sum(X, axis=0)``,
``np.max(X)``, ``np.abs(X) * 2``: arrays/shapes.py's dtype facts) before
them -- PyTorch computed those in float32, ``array_api_strict`` raised.
Each case runs on PyTorch tensors and ``array_api_strict`` arrays and is
compared with NumPy's value (to 1e-12: float32 fails), the NumPy code's
gradient and central differences."""
from __future__ import annotations


import numpy as np
import pytest
import scipy.special

import adcompiler
from oracles import central_diff
from test_array_api_libraries import LIBRARIES as EVERY_LIBRARY
from adcompiler.emit import backend
from adcompiler.prims.primitives import PRIMS
from adcompiler.prims.spelling import names


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


def true_div(w, X):  # X / X of integers: floats (PyTorch: float32, strict raises)
    return np.sum((X / (X + 1)) @ w)


def div_const(w, X):
    return np.sum((X / 3) @ w) + np.sum(w / (2 + X[0] * X[0]))


def sum_div(w, X):  # optimised to xp.sum(X, axis=0) * (1/3): a sum of integers
    return np.sum(np.sum(X / 3, axis=0) * w)


def whole_sum_div(w, X):  # a 0-d integer array divided
    return np.sum(w) * (np.sum(X) / 4) + np.max(X) / 3 * w[0]


def reduced_ints(w, X):  # int-preserving reductions, then floats
    return np.sum(np.cumsum(X, axis=0)[-1] / 2 * w) + np.prod(X[0] + 1) / 7 * w[1]


def int_arithmetic(w, X):  # integers through abs, +, *, @ into np.sqrt
    return np.sum(np.sqrt(np.abs(X - 2) * 2 + X @ X) @ w)


def float_power(w, X):
    return np.sum((X ** 1.5) @ w)


def extremes(w, X):  # np.minimum(X, 0.5): PyTorch's is a float32
    return np.sum(np.minimum(X, 1.5) @ w) + np.sum(np.maximum(X[0], w))


def joined(w, X):  # integers joined with floats
    return np.sum(np.concatenate([X[0], w]) ** 2) + np.sum(np.stack([X[1], w]) ** 2)


def argmax_scaled(w, X):  # a 0-d integer array meeting a float
    return np.sum(w) * np.argmax(X[1]) * 0.5


def carried_ints(w, X):  # integers in the loop's first iteration only (fuzz seed 20903)
    t = X[0]
    for _ in range(2):
        t = t * 0.5 + np.sqrt(1.5 + t ** 2) * w
    return np.sum(t * t)


def taped_ints(w, X):  # X.T kept on the tape for the adjoint (fuzz seed 22727)
    A = w
    for e in w:
        A = A + X.T @ w
        e *= 2.0
    return np.sum(A * A)


CASES = [mean0, mean_all, mean_of_part, var1, std0, method_spread, norm, det, slogdet, inv,
         solve, cholesky, eigvalsh, softmax, logsumexp, mask_spread, true_div, div_const,
         sum_div, whole_sum_div, reduced_ints, int_arithmetic, float_power, extremes, joined,
         argmax_scaled, carried_ints, taped_ints]
#: a symmetric positive definite integer matrix (cholesky, eigvalsh, solve)
X_INT = np.array([[4, 2, 0], [2, 5, 1], [0, 1, 3]])
W = np.array([0.5, -1.25, 2.0])


#: the libraries the array-api code runs on here (test_array_api_libraries.py's)
LIBRARIES = {name: EVERY_LIBRARY[name] for name in ("strict", "torch")}


def _agrees_with_numpy(fn, X, library):
    """``value_and_grad(fn)`` at ``(W, X)`` on ``library``'s arrays gives
    NumPy's value and gradient (NumPy's checked against central
    differences); returns it (its ``.source`` is the code that ran) and the
    gradient as NumPy's array."""
    lib = LIBRARIES[library]()
    want_value, want_grad = fn(W, X), adcompiler.grad(fn)(W, X)
    np.testing.assert_allclose(want_grad, central_diff(fn, (W, X), 0), rtol=1e-6, atol=1e-6)
    vg = adcompiler.value_and_grad(fn)
    value, got = vg(lib.convert(W), lib.convert(X))
    np.testing.assert_allclose(float(lib.to_numpy(value)), want_value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lib.to_numpy(got), want_grad, rtol=1e-12, atol=1e-12)
    return vg, lib.to_numpy(got)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_integer_operands_give_numpys_value_and_gradient(fn, library):
    vg, _ = _agrees_with_numpy(fn, X_INT, library)
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


def _float_functions() -> list:
    """The elementwise records whose NumPy result is a float whatever the
    operands (``np.exp``, ``np.arctan2``) and that the standard spells."""
    return sorted(name for name, r in PRIMS.items()
                  if r.form == "call" and r.dtype == "float" and "array_api" in r.spellings)


#: integer matrices inside every such function's domain (np.arccos: |x| <= 1)
X_POS, X_EYE = np.array([[1, 2, 1], [2, 3, 1], [1, 1, 2]]), np.eye(3, dtype=int)


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("name", _float_functions())
def test_integer_arrays_into_float_functions(name, library, module_from_source):
    """``np.NAME(X)`` of an integer ``X`` (both operands of a two-operand
    one) gives NumPy's float64 numbers, value and gradient."""
    np_name = names(PRIMS[name], "np")[0]
    call = f"np.{np_name}(X, X + 1)" if PRIMS[name].nargs == 2 else f"np.{np_name}(X)"
    src = f"import numpy as np\n\n\ndef fn(w, X):\n    return np.sum({call} @ w)\n"
    fn = module_from_source(src, f"float_of_{name}").fn
    with np.errstate(all="ignore"):
        X = X_POS if np.isfinite(fn(W, X_POS)) else X_EYE
    vg, got = _agrees_with_numpy(fn, X, library)
    assert got.dtype == np.float64 and "xp.astype(X, dtype)" in vg.source


def int_facts(X, w):
    a = np.sum(X, axis=0)
    b = np.cumsum(X + 1, axis=1)
    c = np.max(np.abs(X) * 2)
    d = np.mean(X)
    e = a * w
    return np.sum(e) + np.sum(b) + c + d


def test_dtype_facts_of_integer_operands():
    """Shape inference (arrays/shapes.py) says integers where NumPy gives
    integers (a sum, a cumsum, a max, arithmetic of integers), a float for
    np.mean of integers, a float where a float joins in, and nothing where
    an operand's dtype is not known."""
    from adcompiler.arrays.shapes import infer_with_dtypes
    from adcompiler.compiler import lower
    from adcompiler.core.ir import walk
    from adcompiler.frontend.source import load_live
    program, key = lower(load_live(int_facts))
    fn = program.functions[key]
    named = {s.outs[0].hint or s.outs[0].name: s.outs[0] for s in walk(fn.body)
             if hasattr(s, "prim") and s.outs}
    shapes = {"X": (3, 3), "w": (3,)}
    _, kinds = infer_with_dtypes(fn, shapes, dtypes={"X": "i", "w": "f"})
    assert [kinds.get(named[n]) for n in "abcde"] == ["i", "i", "i", "f", "f"]
    _, kinds = infer_with_dtypes(fn, shapes, dtypes={"w": "f"})  # X's dtype unknown
    assert [kinds.get(named[n]) for n in "abcde"] == [None, None, None, None, "f"]
