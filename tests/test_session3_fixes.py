"""Session 3 correctness fixes: names Python leaves unbound on some path
(bound in one branch of an if, or first bound in a loop body that may run
zero times) are refused by name instead of giving a gradient where Python
raises; forward-mode callables take keyword arguments; a ragged list
argument gets a clear UsageError.  Values are checked against central
differences (an oracle independent of the compiler)."""
from __future__ import annotations

import pytest

import adcompiler
from adcompiler import CompileError, UsageError, grad, value_and_grad
from oracles import central_diff

MODES = ("reverse", "forward")


def one_branch(x):
    if x > 0:
        y = x * x
    return y


def loop_body_only(x):
    for i in range(int(x)):
        z = x * i
    return z


def loop_body_one_path(x):
    for i in range(3):
        if x > i:
            z = x * x
    return z


def bound_both_branches(x):
    if x > 0:
        y = x * x
    else:
        y = 3.0 * x
    return y


def bound_before(x):
    y = 1.0
    if x > 0:
        y = x * x
    return y * x


def used_inside_branch(x):
    r = x
    if x > 0:
        t = x * x
        r = t + x
    return r


def certain_loop(x):
    for i in range(3):
        z = x * i
    return z * x


def loop_bound_before(x):
    z = 0.0
    for i in range(int(x)):
        z = x * i * z + x
    return z


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn, message", [
    (one_branch, "y is assigned in only one branch of the if on line 19"),
    (loop_body_only, "z is first assigned inside a loop"),
    (loop_body_one_path, "z is first assigned inside a loop"),
])
def test_names_unbound_on_some_path_are_refused(fn, message, mode):
    # Python raises UnboundLocalError on some path (check it does)
    with pytest.raises(UnboundLocalError):
        fn(-2.0) if fn is not loop_body_only else fn(0.0)
    with pytest.raises(CompileError, match=message) as err:
        grad(fn, mode=mode)(2.0)
    assert "UnboundLocalError" in str(err.value)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn, at", [
    (bound_both_branches, 2.0), (bound_both_branches, -2.0), (bound_before, 2.0),
    (bound_before, -2.0), (used_inside_branch, 2.0), (used_inside_branch, -1.5),
    (certain_loop, 1.5), (loop_bound_before, 3.5), (loop_bound_before, 0.0),
])
def test_names_bound_where_read_still_compile(fn, at, mode):
    assert grad(fn, mode=mode)(at) == pytest.approx(central_diff(fn, (at,), 0), rel=1e-6,
                                                    abs=1e-8)


def scaled(x, y=2.0):
    return x * x * y


@pytest.mark.parametrize("mode", MODES)
def test_keyword_arguments_in_both_modes(mode):
    g = grad(scaled, mode=mode)
    want = central_diff(lambda x: scaled(x, 3.0), (1.5,), 0)
    assert g(1.5, y=3.0) == pytest.approx(want, rel=1e-6)
    assert g(x=1.5, y=3.0) == pytest.approx(want, rel=1e-6)
    assert g(1.5) == pytest.approx(central_diff(scaled, (1.5,), 0), rel=1e-6)
    gy = grad(scaled, wrt="y", mode=mode)
    assert gy(1.5, y=3.0) == pytest.approx(2.25, rel=1e-9)
    value, grads = value_and_grad(scaled, wrt=(0, 1), mode=mode)(1.5, y=3.0)
    assert value == pytest.approx(6.75) and grads == pytest.approx((9.0, 2.25), rel=1e-6)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        g(1.5, z=3.0)


def first_item(a):
    return a[0][0] * a[1][0]


@pytest.mark.parametrize("value", [[[1.0], [2.0, 3.0]], [["a"], ["b"]]])
def test_ragged_or_non_numeric_list_argument_is_a_usage_error(value):
    with pytest.raises(UsageError, match="argument a of first_item is a list or tuple that "
                       "is not an array of numbers"):
        grad(first_item)(value)


def test_rectangular_list_argument_still_works():
    import numpy as np
    g = grad(first_item)([[2.0, 0.0], [5.0, 1.0]])
    assert np.allclose(g, [[5.0, 0.0], [2.0, 0.0]])


def shadowed_reversed(x):
    s = x
    for i in reversed(range(2)):
        s = s * x + i
    reversed = 1.0
    return s * reversed


def shadowed_range(x):
    s = x
    for i in range(2):
        s = s * x
    range = 3.0
    return s + range


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [shadowed_reversed, shadowed_range])
def test_loop_builtin_shadowed_by_a_local_is_refused(fn, mode):
    """Found by the fuzzer's new unbound check: Python calls the local (not
    yet assigned: UnboundLocalError); the loop rewriting took the builtin."""
    with pytest.raises(UnboundLocalError):
        fn(1.5)
    with pytest.raises(CompileError, match="local variable"):
        grad(fn, mode=mode)(1.5)


def read_before_first_assignment(x):
    s = 0.0
    for i in range(3):
        s = s + y
        y = x * x
    return s


@pytest.mark.parametrize("mode", MODES)
def test_loop_read_before_first_assignment_is_refused(mode):
    with pytest.raises(UnboundLocalError):
        read_before_first_assignment(1.5)
    with pytest.raises(CompileError, match="y is read in a loop before it is assigned"):
        grad(read_before_first_assignment, mode=mode)(1.5)


def carried_after_first_assignment(x):
    s = 0.0
    for i in range(3):
        y = x * i
        s = s + y
        if x > i:
            y = s * x
        s = s + y
    return s


@pytest.mark.parametrize("mode", MODES)
def test_loop_names_assigned_before_their_read_still_compile(mode):
    want = central_diff(carried_after_first_assignment, (1.7,), 0)
    got = grad(carried_after_first_assignment, mode=mode)(1.7)
    assert got == pytest.approx(want, rel=1e-6)


def assigned_by_a_loop_that_runs(x):
    s = 0.0
    for i in range(3):
        for j in range(1):
            a = x * x
        s = s + a
    return s


@pytest.mark.parametrize("mode", MODES)
def test_assignment_by_an_inner_loop_that_certainly_runs_counts(mode):
    """Found by test_fuzz: a name a nested range(1) loop assigns is bound."""
    want = central_diff(assigned_by_a_loop_that_runs, (1.3,), 0)
    assert grad(assigned_by_a_loop_that_runs, mode=mode)(1.3) == pytest.approx(want, rel=1e-6)


def unbound_then_assigned_by_a_running_loop(x):
    s = tanh_free = 0.0
    while s < 1.0:
        s = s + 0.5 + x * x
        a = x
    n = 0
    while n < 1:
        n += 1
        for j in range(1, 0, -1):
            a = x * x
        x += a
    return x + tanh_free


@pytest.mark.parametrize("mode", MODES)
def test_name_unbound_after_one_loop_then_bound_by_a_running_loop(mode):
    """Found by test_fuzz: after a loop that may not run, a name bound again
    by an inner range(1, 0, -1) loop that certainly runs is readable."""
    want = central_diff(unbound_then_assigned_by_a_running_loop, (0.5,), 0)
    got = grad(unbound_then_assigned_by_a_running_loop, mode=mode)(0.5)
    assert got == pytest.approx(want, rel=1e-6)
