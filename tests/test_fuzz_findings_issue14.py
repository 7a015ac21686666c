"""Issue 14: what the program fuzzer found once its grammar wrote lists
(comprehensions, appends), closures, keyword-only helpers and the other
Python forms of the issue (branch ``fuzz``; ``docs/fuzzing.md``).

Every derivative is compared with central differences (step 1e-6; the
functions are smooth at the points used, tolerance 1e-6 relative), in both
modes for scalar code and in reverse mode for NumPy code (forward mode takes
scalars only so far).  Each test failed on the code before its fix.
"""
import math

import numpy as np
import pytest

from adcompiler import CompileError, grad, jvp
from oracles import central_diff

H = 1e-6


def check(fn, args, modes=("reverse", "forward")):
    wrt = tuple(range(len(args)))
    want = [central_diff(fn, args, i) for i in wrt]
    for mode in modes:
        got = grad(fn, wrt=wrt, mode=mode)(*args)
        for g, w in zip(got, want):
            assert np.allclose(g, w, rtol=1e-6, atol=1e-6), (mode, got, want)


# ---------------------------------------------- appends in a loop's else clause
# The append rewriting looked for the loop's appends in its body and else
# clause together, then asked the body for the list name to refuse with: an
# internal StopIteration in every transform (fuzz seed 1000248).  An else
# clause runs at most once, so its appends need no unrolling at all.
def append_in_for_else(x, y):
    for i, w in enumerate((x, y), start=2):
        y = y * w + i
    else:
        ys = []
        for k in range(3):
            ys.append(y * k + x)
        y = sum(ys) + ys[-1]
    return y * x


def append_in_while_else(x, y):
    n = 0
    while n < 2:
        n += 1
        x = math.sin(x) + y
    else:
        ys = [x]
        ys.append(x * y)
    return ys[1] + sum(ys)


@pytest.mark.parametrize("fn", [append_in_for_else, append_in_while_else])
def test_appends_in_a_loop_else_clause(fn):
    check(fn, (0.7, -0.4))


# ---------------------------------------------- a list built afresh in a loop body
# A list bound to [] in each iteration of an outer loop and appended to by an
# inner range loop has a known length in every iteration, but any loop whose
# body (at any depth) appended was refused unless it could be unrolled: the
# grammar's lists inside while loops and runtime-range loops were refused.
def list_per_iteration(x, y):
    n = 0
    while n < 2:
        n += 1
        ys = []
        for k in range(3):
            ys.append(x * k + y)
        x = ys[0] * ys[1] + sum(ys)
    return x


def list_per_iteration_in_a_branch(x, y):
    t = 0.0
    n = 0
    while n < 3:
        n += 1
        if x > 0:
            ys = []
            for k in range(3):
                ys.append(x * k + y)
            t = t + sum(ys) * ys[1]
    return t


@pytest.mark.parametrize("fn", [list_per_iteration, list_per_iteration_in_a_branch])
def test_a_list_built_afresh_in_each_iteration(fn):
    check(fn, (0.7, -0.3))


# ---------------------------------------------- reversed(range(...)) lists
# A list comprehension over reversed(range(3)) or appends in a loop over it
# were refused as "of unknown length", though a plain loop over it is fine.
def comprehension_over_reversed(x, y):
    ys = [math.sin(x * g) + y for g in reversed(range(3))]
    zs = [w * y for w in reversed((x, y, x * y))]
    return ys[0] * 2.0 + ys[2] + zs[0]


def appends_over_reversed(x, y):
    ys = []
    for g in reversed(range(1, 4)):
        ys.append(x ** g + y)
    return ys[0] + 3.0 * ys[-1]


@pytest.mark.parametrize("fn", [comprehension_over_reversed, appends_over_reversed])
def test_lists_over_reversed_ranges(fn):
    check(fn, (0.7, -0.4))


# ---------------------------------------------- max(L) and min(L) of a list
# Builtin max/min of one list of known length (Python compares its items
# left to right) were refused with "a tuple is not allowed here".
def max_min_of_lists(x, y):
    ys = [math.sin(x * g) + y for g in range(3)]
    zs = []
    for k in range(2):
        zs.append(x * k - y)
    return max(ys) * 2.0 + min(zs) + max([x * y]) + min((x, y, x + y))


def test_max_and_min_of_a_list():
    check(max_min_of_lists, (0.7, -0.4))
    check(max_min_of_lists, (-1.3, 0.9))


# ---------------------------------------------- a read-only 0-d scalar adjoint
# np.sum of a scalar in NumPy code: the adjoint of that sum was emitted as
# np.broadcast_to(g, ()), a read-only 0-d array, and the scalar adjoint was
# then accumulated in place (s_bar += ...) in the loop's reverse sweep:
# "ValueError: output array is read-only" (fuzz seed 1100375, a helper
# h1(-1.5, w=s) with a keyword-only w summing np.sin(A) * w).
def scalar_sum_then_loop(v, s):
    for _ in range(2):
        v = s * v
    return np.sum(v) + np.sum(-1.5 * s) * s


def kwonly_helper(A, *, w=2.0):
    return np.sum(np.sin(A) * w) * w


def scalar_argument_to_a_helper(v, s):
    for _ in range(3):
        v = (s - 0.5) * np.concatenate([v[1:], v[:1]])
    return np.sum(np.sin(v)) + np.exp(np.tanh(kwonly_helper(-1.5, w=s)))


@pytest.mark.parametrize("fn", [scalar_sum_then_loop, scalar_argument_to_a_helper])
def test_scalar_adjoint_of_a_sum_is_writable(fn):
    check(fn, (np.array([0.28, 0.7, -2.1, -1.1]), 0.17), modes=("reverse",))


# ---------------------------------------------- a helper calling a helper, in NumPy code
# Array code inlines its helpers.  A helper's own calls were inlined first
# with fresh names taken from the outer function only, so an inlined value
# could get the name of one of the helper's own variables, and the helper's
# copy then renamed both as one: k2(v, s) / (1.5 + np.max(v) ** 2) was
# differentiated as np.max(v) ** 2 / (1.5 + np.max(v) ** 2) -- a silently
# wrong gradient (fuzz seed 1200859, closures calling closures; the same
# with module-level helpers), or a wrong shape refused.
def inner_sum(r, s):
    return np.sum(r * s)


def outer_ratio(r, s, v):
    return inner_sum(v, s) / (1.5 + np.max(v) ** 2)


def outer_with_local(s, v):
    t = np.max(v) ** 2
    return inner_sum(v, s) / (1.5 + t)


def helper_calls_helper(v, s):
    return outer_ratio(s, s, v)


def helper_with_local_calls_helper(v, s):
    return outer_with_local(s, v)


def closure_calls_closure(v, s):
    k2 = lambda r: np.sum(r * s)

    def k4(r):
        return k2(v) / (1.5 + np.max(v) ** 2) * r
    return k4(s)


@pytest.mark.parametrize("fn", [helper_calls_helper, helper_with_local_calls_helper,
                                closure_calls_closure])
def test_helpers_calling_helpers_in_numpy_code(fn):
    check(fn, (np.array([0.3, 0.7, -0.2]), 0.4), modes=("reverse",))


# ---------------------------------------------- copying a call of a closure
# A call of a lifted closure carries its helper (adc_lifted); the prepass
# deep-copied expressions with that helper and its environment: "TypeError:
# cannot pickle 'module' object" for a closure calling a closure whose
# expression holds a call (float(np.sum(...))).
def closure_with_float(v, s):
    k2 = lambda r: float(np.sum(r * s))

    def k4(r):
        return k2(v) * r
    return k4(s)


def test_a_closure_call_inside_a_closure_is_copied():
    check(closure_with_float, (np.array([0.3, 0.7]), 0.4), modes=("reverse",))


# ---------------------------------------------- a local range or reversed before appends
# The append rewriting unrolled ``for g in range(2): ys.append(...)`` by the
# name range alone; when the function also assigns range (or reversed),
# Python calls that local there and raises UnboundLocalError, but a gradient
# was returned (fuzz seed 1200040, with the grammar's colliding names).  Now
# the loop is left to the lowering, which refuses it by name.
def appends_then_local_range(x, y):
    ys = []
    for g in range(2):
        ys.append(x * g)
    range = 3
    return sum(ys) + y * range


def appends_then_local_reversed(x, y):
    ys = []
    for g in reversed(range(2)):
        ys.append(x * g)
    for w in (x, y):
        reversed = w * 0.5
    return sum(ys) + y + reversed


@pytest.mark.parametrize("fn", [appends_then_local_range, appends_then_local_reversed])
def test_appends_in_a_loop_over_a_local_range_are_refused(fn):
    with pytest.raises(UnboundLocalError):
        fn(0.5, 0.3)
    for mode in ("reverse", "forward"):
        with pytest.raises(CompileError, match="local variable"):
            grad(fn, wrt=(0, 1), mode=mode)(0.5, 0.3)


# ---------------------------------------------- X * 1.0 as a buffer of an integer array
# The optimiser's identity x * 1.0 -> x made the user's buffer O = X * 1.0 the
# integer array X itself (copied before its first write): the item writes
# O[0] *= s then truncated, and value and gradient were silently wrong when
# X (not differentiated) held integers (fuzz seed 2200059).  Now a value the
# user names keeps the identity only when its operand is known to be a float.
def scaled_copy_then_write(X, s):
    O = X * 1.0
    O[0] *= s
    return np.sum(np.sin(O))


def shifted_copy_then_write(X, s):
    O = X + 0.0
    O[1, 0] += s
    P = X / 1
    P[0, 1] = s * s
    return np.sum(O * O) + np.sum(np.cos(P))


@pytest.mark.parametrize("fn", [scaled_copy_then_write, shifted_copy_then_write])
def test_a_float_copy_of_an_integer_array_keeps_its_fractions(fn):
    from adcompiler import value_and_grad
    X = np.array([[1, 2], [3, 4]])
    value, (ds,) = value_and_grad(fn, wrt=(1,))(X.copy(), 0.5)
    assert value == pytest.approx(fn(X.copy(), 0.5), rel=1e-12)
    want = (fn(X.copy(), 0.5 + H) - fn(X.copy(), 0.5 - H)) / (2 * H)
    assert ds == pytest.approx(want, rel=1e-6, abs=1e-6)


# ---------------------------------------------- forward mode: a tangent broadcast up
# Forward mode on NumPy code (branch fwdarr, merged at 05:30) gave an
# elementwise equation the sum of its active arguments' tangents, in their
# shapes: in v + X with X constant the tangent kept v's shape, so np.sum
# after it counted it once instead of once per row (a wrong derivative:
# 1 instead of 3), and (X - s).T or (s - c) @ w of a scalar tangent failed
# (AttributeError, ValueError; fuzz seeds 5000051, 5000195, 5000565).
def sum_of_broadcast(X, v):
    return np.sum(v + X)


def transpose_of_broadcast(X, v, s):
    A = (X - s).T
    return np.sum(np.sin(A)) + np.sum(v * s)


def matmul_of_broadcast(X, v, s):
    return (s - X[:, 0]) @ np.cos(X[:, 1]) + np.sum(v)


@pytest.mark.parametrize("fn, wrt", [(sum_of_broadcast, (1,)), (transpose_of_broadcast, (1, 2)),
                                     (matmul_of_broadcast, (1, 2))])
def test_forward_tangent_has_the_output_shape(fn, wrt):
    rng = np.random.default_rng(7)
    args = [rng.normal(size=(3, 4)), rng.normal(size=4), 0.3][:fn.__code__.co_argcount]
    for mode in ("forward", "reverse"):
        got = grad(fn, wrt=wrt, mode=mode)(*args)
        for g, i in zip(got, wrt):
            assert np.allclose(g, central_diff(fn, args, i), rtol=1e-6, atol=1e-6), (mode, i)


# A value a loop carries that is a number on entry and an array after the
# first iteration has no one shape, so forward mode could not prove that its
# tangent already had the shape of A + X: np.sum(A + X) counted A's tangent
# once instead of once per row (3 instead of 9; fuzz seed 3200227).
def accumulated_from_a_number(v, X):
    A = 0
    for r in X:
        A = A + v
    return np.sum(A + X)


def test_forward_tangent_of_a_value_whose_shape_changes_in_a_loop():
    rng = np.random.default_rng(3)
    args = [rng.normal(size=3), rng.normal(size=(3, 3))]
    for mode in ("forward", "reverse"):
        got = grad(accumulated_from_a_number, mode=mode)(*args)
        assert np.allclose(got, central_diff(accumulated_from_a_number, args, 0), rtol=1e-6), mode
    out, dot = jvp(accumulated_from_a_number, tuple(args), (np.ones(3), np.zeros((3, 3))))
    assert dot == pytest.approx(27.0)
