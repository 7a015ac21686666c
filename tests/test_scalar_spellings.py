"""``math.f(array)`` and builtin ``max``/``min`` of arrays raise when Python
runs them (TypeError, ValueError): their gradient is refused at the line, in
every mode, with the NumPy spelling; on numbers (elements, sums) they stay."""
import math

import numpy as np
import pytest

from adcompiler import CompileError, grad, jvp


def math_of_array(a):
    return np.sum(math.sin(a))


def builtin_max_of_arrays(a, b):
    return np.sum(max(a, b))


def builtin_min_of_a_list(a):
    L = [a, 2.0 * a]
    return np.sum(min(L))


def helper_with_math(u):
    return math.exp(u) * 2.0


def calls_helper(a):
    return np.sum(helper_with_math(a))


def numbers_only(a):
    s = 0.0
    for v in a:
        s = s + math.sin(v) + max(v, 0.5)
    return s + max(np.sum(a), 1.0)


@pytest.mark.parametrize("fn, args, words", [
    (math_of_array, 1, ("math.sin", "use np.sin")),
    (builtin_max_of_arrays, 2, ("max(...)", "use np.maximum")),
    (builtin_min_of_a_list, 1, ("min(...)", "use np.minimum")),
    (calls_helper, 1, ("math.exp", "u is an array")),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_python_would_raise_so_the_gradient_is_refused(fn, args, words, mode):
    a = np.array([1.0, 2.0])
    with pytest.raises(Exception):
        fn(*[a] * args)  # what Python does
    with pytest.raises(CompileError) as info:
        grad(fn, mode=mode)(*[a] * args)
    for w in words:
        assert w in str(info.value)
    assert info.value.line > 0


def test_on_numbers_they_stay():
    a = np.array([1.0, 2.0])
    want = np.cos(a) + (a > 0.5) + 1.0
    assert np.allclose(grad(numbers_only)(a), want)
    assert np.allclose(grad(numbers_only, mode="forward")(a), want)
    assert jvp(numbers_only, (a,), (np.ones(2),))[1] == pytest.approx(np.sum(want))
