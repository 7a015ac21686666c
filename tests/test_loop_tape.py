"""Loops at the cheap-gradient bound (issue 18): what a loop's adjoint can read
again is not stored (transform/tape.py), and scalar adjoint expressions are
collected and factored (optimize/algebra.py).  Each rewrite is checked for the
text it produces and against an independent oracle (dual numbers, central
differences, a hand-written gradient), never for bit-equality."""
import math
import os
import sys

import numpy as np
import pytest

from adcompiler import grad, source, value_and_grad
from oracles import central_diff, dual_grad

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.workloads import rosenbrock_hand, rosenbrock_loop as rosenbrock  # noqa: E402


def code(text: str) -> str:
    """The emitted text without its comments (which quote the user's source)."""
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


# ---------------------------------------------------------------- loops: recompute, don't store
def test_rosenbrock_gradient_is_one_loop_without_a_tape():
    x = np.random.default_rng(1).uniform(-1.0, 1.5, 9)
    text = code(source(rosenbrock, args=(x,)))
    assert "tape" not in text and text.count("for ") == 1
    # the scalar arithmetic of array code is factored too (optimize/algebra.py)
    assert "200.0 * (x[_t1] - _t2 * _t2)" in text and "2 * (_t2 - _t3 * _t2 - 1)" in text
    got = grad(rosenbrock)(x)
    np.testing.assert_allclose(got, rosenbrock_hand(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, central_diff(rosenbrock, (x,), 0), rtol=1e-5, atol=1e-5)


def weighted_recurrence(x, w):
    s = 1.0
    for i in range(len(x)):
        s = s * (x[i] * w[i]) + math.sin(s)
    return s


def test_a_carried_value_is_stored_alone_the_array_reads_are_recomputed():
    x = np.array([0.3, -0.8, 1.1, 0.5])
    w = np.array([1.5, 0.25, -0.7, 2.0])
    text = code(source(weighted_recurrence, args=(x, w), wrt=(0, 1)))
    assert "tape.append(s)" in text  # one float an iteration, not a tuple with x[i] * w[i]
    assert "tape.append((" not in text and "s = tape.pop()" in text
    gx, gw = grad(weighted_recurrence, wrt=(0, 1))(x, w)
    for k, g in enumerate((gx, gw)):
        np.testing.assert_allclose(g, central_diff(weighted_recurrence, (x, w), k),
                                   rtol=1e-6, atol=1e-8)


def while_sum(x, n):
    s = 0.0
    k = 0
    while k < n:
        s = s + x[k] ** 2 * x[k + 1]
        k = k + 1
    return s


def test_a_while_loop_reading_an_array_by_its_counter():
    x = np.array([0.5, -1.5, 2.0, 0.25, 3.0])
    g = grad(while_sum)(x, 4)
    want = np.zeros_like(x)
    for k in range(4):
        want[k] += 2 * x[k] * x[k + 1]
        want[k + 1] += x[k] ** 2
    np.testing.assert_allclose(g, want, rtol=1e-13)


def test_value_and_gradient_keep_the_forward_sweep():
    x = np.array([0.1, 0.9, -0.4, 1.3])
    value, g = value_and_grad(rosenbrock)(x)
    assert value == pytest.approx(rosenbrock(x), rel=1e-15)
    np.testing.assert_allclose(g, rosenbrock_hand(x), rtol=1e-12)


# ---------------------------------------------------------------- scalar algebra
def logistic_map(x, n=10):
    l = x
    for i in range(n):
        l = 4 * l * (1 - l)
    return l


def sine_tower(x, n=30):
    s = x
    for _ in range(n):
        s = math.sin(s) + 0.5 * s
    return s


def x2_over_cos(x):
    return x ** 2 / math.cos(x)


def test_logistic_map_adjoint_is_one_factor():
    text = code(source(logistic_map))
    assert "l_bar *= 4 - 8 * l" in text
    for x in (0.3, 0.71, 0.05):
        assert grad(logistic_map)(x) == pytest.approx(
            dual_grad(logistic_map, (x,), (0,))[0], rel=1e-9)


def test_sine_tower_adjoint_is_one_factor():
    text = code(source(sine_tower))
    assert "s_bar *= 0.5 + math.cos(s)" in text
    for x in (0.4, -2.0, 3.0):
        assert grad(sine_tower)(x) == pytest.approx(dual_grad(sine_tower, (x,), (0,))[0],
                                                    rel=1e-10)


def test_quotient_rule_shares_one_division():
    text = code(source(x2_over_cos))
    assert text.count("math.cos") == 1 and text.count("/") == 1
    for x in (3.0, 0.3, -1.2, 1.5):
        c = math.cos(x)
        assert grad(x2_over_cos)(x) == pytest.approx((2 * x + x * x * math.sin(x) / c) / c,
                                                     rel=1e-13)


def thirds(x, n=5):
    s = x
    for _ in range(n):
        s = s / 3.0 + s * s
    return s


def test_a_constant_that_is_not_a_power_of_two_stays_a_division():
    text = code(source(thirds))
    assert "s_bar / 3.0" in text  # never s_bar * 0.333...: x / 3 is not x * (1 / 3) in floats
    for x in (0.7, -0.3, 0.1):
        assert grad(thirds)(x) == pytest.approx(dual_grad(thirds, (x,), (0,))[0], rel=1e-13)


def cancelling(x, y):
    return x * y - x * y + x


def test_a_cancelled_term_keeps_nan_and_infinity():
    g = grad(cancelling, wrt=0)
    assert g(2.0, 3.0) == 1.0
    # y - y + 1 with y infinite is nan; collecting the terms to 1 would hide it
    assert math.isnan(g(2.0, math.inf))


def branchy(x):
    if x > 0:
        y = x * x
    else:
        y = -x
    return 3.0 * y * x + y * x


def test_trees_next_to_branches():
    for x in (0.5, -0.5, 2.0):
        assert grad(branchy)(x) == pytest.approx(dual_grad(branchy, (x,), (0,))[0], rel=1e-13)


@pytest.mark.parametrize("fn,args", [(logistic_map, (0.3,)), (sine_tower, (0.4,)),
                                     (x2_over_cos, (3.0,)), (branchy, (1.5,))])
def test_central_differences_agree(fn, args):
    assert grad(fn)(*args) == pytest.approx(central_diff(fn, args, 0), rel=1e-5)


def test_output_is_deterministic():
    assert source(logistic_map) == source(logistic_map)
    assert source(x2_over_cos) == source(x2_over_cos)


def test_forward_mode_tangents_are_factored_too():
    fwd = grad(logistic_map, mode="forward")
    assert "l_dot *= 4 * _t2 - _t1" in code(fwd.source)
    assert "s_dot *= math.cos(s) + 0.5" in code(grad(sine_tower, mode="forward").source)
    for x in (0.3, 0.71):
        assert fwd(x) == pytest.approx(dual_grad(logistic_map, (x,), (0,))[0], rel=1e-9)


def test_primal_values_are_never_rewritten():
    # value_and_grad returns exactly what f computes: only adjoints and
    # tangents are reassociated
    for fn, x in ((x2_over_cos, 3.0), (logistic_map, 0.3), (sine_tower, 0.4)):
        assert value_and_grad(fn)(x)[0] == fn(x)
        assert value_and_grad(fn, mode="forward")(x)[0] == fn(x)
