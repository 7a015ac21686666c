"""Issue 12, scalar language semantics: each case once gave a wrong number
or an internal error.  Every numeric test checks reverse AND forward mode
against an independent oracle (dual numbers or central differences)."""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import numpy
import pytest

from adcompiler import CompileError, grad, hessian, value_and_grad
from oracles import central_diff, dual_grad

NAN = float("nan")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def both_modes(fn, args, wrt=0):
    """(reverse, forward) gradients as tuples."""
    out = []
    for mode in ("reverse", "forward"):
        g = grad(fn, wrt=wrt, mode=mode)(*args)
        out.append(g if isinstance(g, tuple) else (g,))
    return out


def assert_matches(fn, args, wrt, expected, rel=1e-9):
    for got in both_modes(fn, args, wrt):
        assert got == pytest.approx(tuple(expected), rel=rel, abs=1e-12, nan_ok=True)


# ---------------------------------------------------------------- item 4
def loop_rebinds_bound(x, k):
    s = 0.0
    for j in range(2):
        for k in range(k):  # range(k) reads k before the loop rebinds it
            s = s + x * x
    return s


def loop_rebinds_local_bound(x):
    k = 4
    s = 0.0
    for j in range(2):
        for k in range(k):
            s = s + x
    return s + k * x  # k is 2 here: the last index of the second inner loop


def test_loop_variable_rebinding_its_range_bound():
    assert loop_rebinds_bound(2.0, 4) == 28.0  # 4 + 3 iterations
    assert_matches(loop_rebinds_bound, (2.0, 4), 0, dual_grad(loop_rebinds_bound, (2.0, 4), [0]))
    assert_matches(loop_rebinds_local_bound, (2.0,), 0,
                   [central_diff(loop_rebinds_local_bound, (2.0,), 0)], rel=1e-6)
    assert grad(loop_rebinds_local_bound)(2.0) == 9.0


def loop_var_read_after_zero_trips(x, n):
    i = 0.5 * x
    for i in range(n):
        x = x * 2.0
    return x * i  # i keeps its value when the loop runs zero times


def test_loop_variable_with_a_value_before_the_loop_keeps_python_semantics():
    for n in (0, 3):
        assert_matches(loop_var_read_after_zero_trips, (1.5, n), 0,
                       dual_grad(loop_var_read_after_zero_trips, (1.5, n), [0]))


# ---------------------------------------------------------------- item 5
def zeroed_in_branch(x, y):
    if y > 0:
        x = 0.0
    return y + math.sqrt(x)


def unused_in_branch(x, y):
    a = math.sqrt(x)
    if y > 0:
        r = a
    else:
        r = 1.0
    return r


def zeroed_then_looped(x, y):
    s = x
    if y > 0:
        s = 0.0
    for i in range(2):
        s = math.sqrt(s) + y
    return s


def rounded_in_loop(x, y):
    a = x * 0.5
    b = y
    for i in range(2):
        b = math.sqrt(abs(a))  # a's tangent is 0.0 from the second iteration
        a = round(a)
    return a + a * b - x * 0.25


def test_carried_tangent_that_becomes_absent_in_the_loop():
    # a = round(...) is piecewise constant: from then on only -x / 4 varies
    assert central_diff(rounded_in_loop, (0.7, 1.3), 0) == pytest.approx(-0.25)
    assert_matches(rounded_in_loop, (0.7, 1.3), 0, [-0.25])


def overwritten_in_loop(x, y):
    z = x * 0.0 + 0.0  # depends on x, but is 0 at every point
    for i in range(2):
        y = math.sqrt(z)  # y's adjoint is "none" after the first adjoint iteration
        z = 0.5
    return y * x


def test_carried_adjoint_that_becomes_absent_in_the_loop():
    # y = sqrt(0.5) at the end whatever x is (z = x * 0 only feeds the first y)
    assert central_diff(overwritten_in_loop, (2.6, 0.3), 0) == pytest.approx(math.sqrt(0.5))
    assert_matches(overwritten_in_loop, (2.6, 0.3), 0, [math.sqrt(0.5)])


def test_absent_tangent_times_infinite_partial_is_zero_not_nan():
    # x is overwritten by a constant: the function does not depend on x there
    assert central_diff(zeroed_in_branch, (4.0, 1.0), 0) == 0.0
    assert_matches(zeroed_in_branch, (4.0, 1.0), 0, [0.0])
    assert_matches(zeroed_in_branch, (4.0, -1.0), 0, [0.25])
    # r = 1.0 does not depend on x (at x = 0 differences would leave sqrt's domain)
    assert unused_in_branch(0.0, -1.0) == 1.0
    assert_matches(unused_in_branch, (0.0, -1.0), 0, [0.0])
    assert_matches(unused_in_branch, (4.0, 1.0), 0, [0.25])
    assert_matches(zeroed_then_looped, (4.0, 1.0), 0, [0.0])
    assert_matches(zeroed_then_looped, (4.0, -1.0), 1,
                   [central_diff(zeroed_then_looped, (4.0, -1.0), 1)], rel=1e-6)


# ---------------------------------------------------------------- item 6
def and_value(x, y):
    return (x and y) * 2.0


def or_value(x, y):
    return (x or y) * 2.0


def chained_bool_values(x, y, z):
    return (x and y or z) * x


@pytest.mark.parametrize("fn", [and_value, or_value])
@pytest.mark.parametrize("point", [(1.5, 2.5), (0.0, 2.5), (-1.0, 0.0)])
def test_and_or_values_differentiate_the_chosen_operand(fn, point):
    expected = dual_grad(fn, point, [0, 1])
    assert_matches(fn, point, (0, 1), expected)
    assert any(expected)


@pytest.mark.parametrize("point", [(1.5, 2.5, 3.0), (1.5, 0.0, 3.0), (0.0, 2.0, 3.0)])
def test_chained_and_or(point):
    assert_matches(chained_bool_values, point, (0, 1, 2),
                   dual_grad(chained_bool_values, point, [0, 1, 2]))


# ---------------------------------------------------------------- item 7
def max_nan(x, y):
    return max(x, y) * 3.0


def min_nan(x, y):
    return min(x, y) * 3.0


def max3(x, y, z):
    return max(x, y, z) * 3.0


def pythons_pick(builtin, point) -> list:
    """3.0 for the argument object Python's max/min returns, 0.0 elsewhere
    (dual numbers give nan where the value is nan: nan times a constant's 0)."""
    args = [float(a) for a in point]  # distinct objects
    chosen = builtin(*args)
    k = next(i for i, a in enumerate(args) if a is chosen)
    return [3.0 if i == k else 0.0 for i in range(len(args))]


@pytest.mark.parametrize("fn, builtin", [(max_nan, max), (min_nan, min)])
@pytest.mark.parametrize("point", [(1.0, NAN), (NAN, 1.0), (NAN, NAN), (2.0, 1.0)])
def test_builtin_max_min_follow_pythons_pick_with_nan(fn, builtin, point):
    expected = pythons_pick(builtin, point)
    if not math.isnan(fn(*point)):
        assert dual_grad(fn, point, [0, 1]) == expected
    assert_matches(fn, point, (0, 1), expected)


@pytest.mark.parametrize("point", [(1.0, NAN, 2.0), (NAN, 1.0, 2.0), (1.0, 2.0, NAN)])
def test_builtin_max_of_three_with_nan(point):
    assert_matches(max3, point, (0, 1, 2), pythons_pick(max, point))


def test_ties_still_split_evenly():
    assert_matches(max_nan, (2.0, 2.0), (0, 1), [1.5, 1.5])
    assert_matches(min_nan, (2.0, 2.0), (0, 1), [1.5, 1.5])


def np_maximum_nan(x, y):
    return numpy.maximum(x, y) * 3.0


def test_np_maximum_propagates_nan_and_no_derivative_picks_a_side():
    # NumPy returns nan whichever side it is on: neither input decides the value
    for point in [(1.0, NAN), (NAN, 1.0)]:
        assert math.isnan(np_maximum_nan(*point))
        assert_matches(np_maximum_nan, point, (0, 1), [0.0, 0.0])


# ---------------------------------------------------------------- item 8
def h(x):
    return x * x


def h_fwd(x):
    return 3.0 * x


def uses_h_and_h_fwd(x):
    return h(x) + h_fwd(x) * h(x)


def test_user_helper_named_like_an_emitted_pass():
    assert_matches(uses_h_and_h_fwd, (2.0,), 0, dual_grad(uses_h_and_h_fwd, (2.0,), [0]))
    assert value_and_grad(uses_h_and_h_fwd)(2.0) == (28.0, 40.0)


def param_math(math, y):
    return math ** 0.5 * y


def param_np(x, np):
    return numpy.sin(x) * np


def param_reversed(reversed, n=3):
    s = reversed
    for i in range(n):
        s = s * reversed
    return s


def params_shadow_builtins(x, range=2.0, tape=1.0, _math=3.0, abs=2.0, float=1.0):
    s = x
    while s < 10.0:  # its adjoint runs for _ in range(trips)
        s = s * range + (x * tape) ** 0.5 * _math
    return s


def test_parameter_named_math_at_the_domain_edge():
    assert_matches(param_math, (0.0, 2.0), 0, [math.inf])  # inf needs the math module


@pytest.mark.parametrize("fn, args", [(param_math, (4.0, 2.0)),
                                      (param_np, (0.5, 2.0)), (param_reversed, (1.5,)),
                                      (params_shadow_builtins, (0.5,))])
def test_parameters_named_like_modules_and_builtins(fn, args):
    expected = dual_grad(fn, args, [0])
    assert_matches(fn, args, 0, expected)
    source = grad(fn).source
    compile(source, "<emitted>", "exec")


# ---------------------------------------------------------------- crashes
def fabs_times(x):
    return math.fabs(x) * x


def test_math_fabs_is_emitted_as_fabs():
    assert_matches(fabs_times, (-1.5,), 0, dual_grad(fabs_times, (-1.5,), [0]))
    assert value_and_grad(fabs_times)(-1.5) == (-2.25, 3.0)
    assert hessian(fabs_times)(-1.5) == -2.0


def sqrt_of_product(x, t=1.0):
    s = x
    for i in [1, 2]:
        s = s * x * 2.0 + math.sqrt(x * t) * 3.0
    return s


def test_hessian_keeps_ieee_division_at_the_domain_edge():
    # forward over reverse once divided by zero in the tangent of sqrt's derivative
    # -inf + inf from two sqrt terms: IEEE gives nan, Python division raised
    assert math.isnan(hessian(sqrt_of_product)(0.0))
    assert hessian(sqrt_of_product)(4.0) == pytest.approx(
        central_diff(grad(sqrt_of_product), (4.0,), 0), rel=1e-6)


def test_two_thousand_term_sum(module_from_source):
    terms = " + ".join(f"x * {i}.5" for i in range(2000))
    mod = module_from_source(f"def f(x):\n    return {terms}\n")
    expected = sum(i + 0.5 for i in range(2000))
    assert_matches(mod.f, (1.0,), 0, [expected])


def test_deep_product_in_forward_mode(module_from_source):
    factors = " * ".join(f"(1.0 + x * {i}e-4)" for i in range(300))
    mod = module_from_source(f"def f(x):\n    return {factors}\n")
    expected = central_diff(mod.f, (0.5,), 0, h=1e-6)
    assert_matches(mod.f, (0.5,), 0, [expected], rel=1e-6)


def test_too_deeply_nested_returns_are_refused(module_from_source):
    body = "".join(f"    if y > {i}.5 + 1e9:\n        return y\n    y = y + x\n"
                   for i in range(120))
    mod = module_from_source(f"def f(x):\n    y = x\n{body}    return y\n")
    with pytest.raises(CompileError) as info:
        grad(mod.f)(1.0)
    assert "nested" in info.value.message and info.value.line > 1


def _run(code: str, timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


def test_huge_integer_power_is_not_folded(tmp_path):
    path = tmp_path / "huge.py"
    path.write_text("def g(x):\n    return x * 10 ** 10 ** 9 if x > 1e300 else x * 3.0\n")
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        from adcompiler import grad
        import huge
        print(grad(huge.g)(2.0), grad(huge.g, mode="forward")(2.0))
    """)
    out = _run(code, 60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3.0", "3.0"]


def test_cli_static_evaluator_skips_huge_constants(tmp_path):
    path = tmp_path / "huge_const.py"
    path.write_text("N = 10 ** 10 ** 9\n\ndef f(x):\n    return x * x + 1.0\n")
    out = _run(f"from adcompiler.cli.commands import main; main(['compile', {str(path)!r}])", 60)
    assert out.returncode == 0, out.stderr
    assert "def f_grad(x):" in out.stdout


# ---------------------------------------------------------------- bool partials across a branch
def bool_partial_after_branch(x, y):
    x = numpy.sqrt(x)  # a NumPy float: `y > x` is a numpy.bool_, which `-` rejects
    if y > 5.0:
        return y * y
    y -= (y > x) * x
    return y


@pytest.mark.parametrize("point", [(2.0, 3.0), (16.0, 1.0)])
def test_bool_partial_leaving_a_branch_is_not_negated_as_a_bool(point):
    """The partial of ``(y > x) * x`` wrt ``x`` is the bool ``y > x``; carried
    out of the branch it must still not be folded to ``-b`` (a NumPy bool
    raises there): fuzz seed 6698."""
    expected = [central_diff(bool_partial_after_branch, point, i) for i in (0, 1)]
    for got in both_modes(bool_partial_after_branch, point, (0, 1)):
        assert got == pytest.approx(tuple(expected), rel=1e-6, abs=1e-8)
        assert not any(isinstance(g, (bool, numpy.bool_)) for g in got)


# ---------------------------------------------------------------- and/or/max/min are not commutative
def and_swapped(x, y):
    if (y and x) != (x and y):  # x != y: the two values differ
        return y * 2.0
    return x * 3.0


def max_swapped(x, y):
    return max(x, y, NAN) * 2.0 + max(NAN, x, y)  # the first is max(x, y), the second nan


@pytest.mark.parametrize("point", [(1.3, 1.58), (-0.7, 0.4)])
def test_and_values_with_swapped_operands_are_not_one_value(point):
    """Fuzz seed 301416: CSE took ``x and y`` for ``y and x`` and ran the
    wrong branch (the value of value_and_grad differed from f)."""
    value, grads = value_and_grad(and_swapped, wrt=(0, 1))(*point)
    assert value == and_swapped(*point)
    expected = [central_diff(and_swapped, point, i) for i in (0, 1)]
    for got in both_modes(and_swapped, point, (0, 1)):
        assert got == pytest.approx(tuple(expected), rel=1e-6, abs=1e-8)


def test_max_with_swapped_nan_operands_are_not_one_value():
    value, _ = value_and_grad(max_swapped, wrt=(0, 1))(1.0, 2.0)
    assert math.isnan(value) and math.isnan(max_swapped(1.0, 2.0))
    assert value_and_grad(lambda_free_max, wrt=(0, 1))(1.0, 2.0)[1] == (0.0, 2.0)


def lambda_free_max(x, y):
    return max(x, y, NAN) * 2.0 + 0.0 * max(y, x)
