"""A scalar read out of an array and then updated in place (fuzz seed
12557): ``e = v[i]; e /= t``.  NumPy's ``v[i]`` is a new np.float64 that
``/=`` rebinds, but PyTorch's is a 0-d VIEW of ``v``: ``/=`` wrote into the
caller's array.  Under the array-api backend a 0-d value is updated in place
only when this function allocated it and nothing else sees it
(emit/liveness.py, ``Ownership.may_update``); NumPy code keeps its ``/=``.
Each case runs on PyTorch tensors and ``array_api_strict`` arrays and is
compared with NumPy's value, the NumPy code's gradient and central
differences, and the caller's arrays must come back unchanged.  A Python number pushed
on a tape (``float(np.sum(x))``) is not copied as a 0-d array (that was a
float32 ``xp.asarray(1.5, copy=True)`` in PyTorch: fuzz seed 12073)."""
from __future__ import annotations

import numpy as np
import pytest

import adcompiler
from oracles import central_diff
from test_array_api_libraries import LIBRARIES as EVERY_LIBRARY


def item_read(v, t):
    e = v[1]
    e /= t * t
    return np.sum(v * v) + e * t


def item_of_matrix(v, M):
    e = M[1, 0]
    e *= v[0]
    return np.sum(M * v) + e


def loop_over_array(v, t):
    acc = 0.0
    for e in v:
        e *= t
        acc = acc + e * e
    return acc + np.sum(v)


def after_the_loop(v, t):
    e = 2.0
    for e in v:
        pass
    e -= t
    return e * e + np.sum(v * t)


def zipped(v, t):  # the fuzz finding's shape
    P = np.maximum(v, -1.5)
    e = 2
    for k, e in zip(range(3, 0, -1), v):
        P = P + v
    e /= 1.5 + t * t
    return np.sum(P * P) + np.var(v / (1.5 + e ** 2))


def enumerated(v, t):
    s = 0.0
    for i, e in enumerate(v):
        e += i * t
        s = s + e * v[i]
    return s


def rows_items(M, t):
    s = 0.0
    for row in M:
        e = row[0]
        e *= t
        s = s + e + np.sum(row)
    return s * t


def reduced(v, t):
    e = np.sum(v * v)  # a new 0-d array: updating it in place is fine
    e *= t
    return e + v[0]


def reduced_then_kept(v, t):
    e = np.sum(v)
    f = e
    for _ in range(2):
        f *= t  # the loop's value starts as e's buffer, read again below
    return f + e * v[1]


def taped_number(v, t):  # float(...) on a tape: a Python float, not copied
    O = np.ones(3)
    for i in range(1, 3):
        O[i] = 0.5
        O[i] += O[i - 1] * float(np.sum(v * t))
    return np.sum(O * O) + t


CASES = [item_read, item_of_matrix, loop_over_array, after_the_loop, zipped, enumerated,
         rows_items, reduced, reduced_then_kept, taped_number]
V = np.array([0.7, -1.3, 2.1])
M = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [2.0, 1.0, -0.5]])
ARGS = {item_of_matrix: (V, M), rows_items: (M, 0.8)}


def _args(fn):
    return ARGS.get(fn, (V, 0.8))


#: the libraries the array-api code runs on here (test_array_api_libraries.py's)
LIBRARIES = {name: EVERY_LIBRARY[name] for name in ("strict", "torch")}


@pytest.mark.parametrize("library", sorted(LIBRARIES))
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_scalars_read_from_arrays_give_numpys_value_and_gradient(fn, library):
    lib = LIBRARIES[library]()
    convert, to_numpy = lib.convert, lib.to_numpy
    args = _args(fn)
    want_value, want_grad = fn(*[np.copy(a) for a in args]), adcompiler.grad(fn)(*args)
    np.testing.assert_allclose(want_grad, central_diff(fn, args, 0), rtol=1e-6, atol=1e-6)
    given = [convert(np.copy(a)) if isinstance(a, np.ndarray) else a for a in args]
    value, got = adcompiler.value_and_grad(fn)(*given)
    np.testing.assert_allclose(float(to_numpy(value)), want_value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_numpy(got), want_grad, rtol=1e-12, atol=1e-12)
    for a, g in zip(args, given):  # the caller's arrays are left alone
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(to_numpy(g), a)


def test_numpy_code_keeps_its_update_in_place():
    """NumPy's item read is a copy: its code keeps ``e /= ...``; under the
    array-api backend the view is rebound (``e = e / ...``), while a new
    0-d array (a reduction's) is still updated in place."""
    torch = pytest.importorskip("torch")
    assert "e /= " in _code(item_read, V)
    assert "e /= " not in _code(item_read, torch.asarray(V))
    assert "e = e / " in _code(item_read, torch.asarray(V))
    assert "e *= " in _code(reduced, torch.asarray(V))


def _code(fn, v) -> str:
    """The emitted value and gradient of ``fn`` at ``(v, 0.8)``, comments
    left out."""
    g = adcompiler.value_and_grad(fn)
    g(v, 0.8)
    return "\n".join(line for line in g.source.splitlines() if not line.strip().startswith("#"))
