"""The worked examples of the seed lecture notes (shared/seeds/README.md)."""
import math
from math import cos, log, sin

import numpy as np
import pytest

from adcompiler import grad, value_and_grad
from oracles import dual_grad


from corpus import reuse as loss003  # seed 003: a = x**2, b = 5a, c = log a, g = b c, L = -g
from corpus import seed000_J as J, seed002_f as f002, seed004_f as f004, x2_over_cos


def test_seed000_gradient_descent_converges():
    dJ = grad(J)
    w = -4.9
    for _ in range(50):
        w = w - 0.01 * dJ(w)
    assert w == pytest.approx(-3.294, abs=5e-4)
    assert abs(dJ(w)) < 1e-3
    assert J(w) == pytest.approx(-0.25, abs=1e-6)


def test_seed000_example_script():
    import runpy
    import os
    here = os.path.dirname(__file__)
    mod = runpy.run_path(os.path.join(here, "..", "examples", "gradient_descent.py"))
    assert mod["descend"]() == pytest.approx(-3.294, abs=5e-4)


def test_seed000_J_against_oracle():
    for w in (-4.9, -3.0, 0.3, 2.0):
        assert grad(J)(w) == pytest.approx(dual_grad(J, (w,), (0,))[0], rel=1e-12, abs=1e-12)


def test_seed002_partials():
    g = grad(f002, wrt=(0, 1))
    d1, d2 = g(2.0, 5.0)
    assert d1 == pytest.approx(5.5, abs=1e-12)
    assert d2 == pytest.approx(2.0, abs=1e-12)


def test_seed002_x2_over_cos():
    value, d = value_and_grad(x2_over_cos)(math.pi)
    assert value == pytest.approx(-math.pi ** 2, abs=1e-12)
    assert d == pytest.approx(-2 * math.pi, abs=1e-12)


def test_seed004_digits_exact():
    d1, d2 = grad(f004, wrt=("x1", "x2"))(2.0, 1.0)
    assert d1 == pytest.approx(1.3414709848078965, abs=1e-12)
    assert d2 == pytest.approx(1.0806046117362795, abs=1e-12)


def test_seed003_loss_reuses_values():
    # L = -5 x^2 log(x^2): dL/dx = -10 x log(x^2) - 10 x
    for x in (0.5, 1.5, 3.0):
        expected = -10 * x * log(x * x) - 10 * x
        assert grad(loss003)(x) == pytest.approx(expected, rel=1e-12)


def seed004_control(a, b):
    c: float = 0.0
    if a > b:
        for i in range(10):
            c += a * i
    c = a * b
    return c


from corpus import seed004_control as seed004_control_accumulating  # noqa: E402


@pytest.mark.parametrize("fn", [seed004_control, seed004_control_accumulating])
@pytest.mark.parametrize("point", [(2.0, 1.0), (1.0, 2.0), (3.5, -1.0)])
def test_seed004_control_flow(fn, point):
    got = grad(fn, wrt=(0, 1))(*point)
    assert got == pytest.approx(tuple(dual_grad(fn, point, (0, 1))), abs=1e-12)


def seed001_recursion(theta, depth=0):
    # seed 001's f with the random draw replaced by a deterministic term
    v = theta + 0.25 * sin(theta)
    if v > 2.0 or depth >= 20:
        return v
    return theta + seed001_recursion(theta + 0.5 * theta ** 2, depth + 1)


def test_seed001_recursion():
    for theta in (-2.0, 0.1, 0.5, 1.0):
        got = grad(seed001_recursion)(theta)
        assert got == pytest.approx(dual_grad(seed001_recursion, (theta,), (0,))[0], rel=1e-12)


from corpus import square_of_sum as seed001_square  # noqa: E402


def test_seed001_square_of_sum():
    g = grad(seed001_square, wrt=(0, 1))
    x1, x2 = 1.5, -0.5
    s = x1 ** 2 + x2 ** 2
    assert g(x1, x2) == pytest.approx((4 * s * x1, 4 * s * x2), rel=1e-14)
