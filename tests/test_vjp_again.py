"""``vjp_fn`` may be called more than once (JAX's convention): the emitted
``f_bwd`` pops its tapes, so each call gets its own copy of them."""
import math

import pytest

from adcompiler import grad, vjp


def helper(u):
    s = u
    while s < 3.0:
        s = s * 1.5 + math.sin(u)
    return s


def looped(x, y, n=4):
    for i in range(n):
        x = math.sin(x) * x + helper(y) * 0.1
    return x, x * y


def test_a_vjp_function_called_again_gives_the_same_cotangents():
    out, pull = vjp(looped, 0.7, 0.4)
    first = pull((1.0, 0.0))
    assert pull((1.0, 0.0)) == first
    assert pull((2.0, 0.0)) == pytest.approx(tuple(2 * v for v in first), rel=1e-15)
    want = (grad(looped_first, wrt=0)(0.7, 0.4), grad(looped_first, wrt=1)(0.7, 0.4))
    assert first == pytest.approx(want, rel=1e-12)


def looped_first(x, y, n=4):
    for i in range(n):
        x = math.sin(x) * x + helper(y) * 0.1
    return x
