"""Iteration (issue 14): ``while True`` ending by return/break, ``for ... else``,
loops over arrays, lists and tuples, ``enumerate``/``zip``/``reversed``, and
the loop variable read after its loop.

Scalar programs are checked in reverse mode (``grad``), forward mode
(``grad(mode="forward")``, ``jvp``, ``derivative``) against dual numbers run
on the original function; NumPy programs (reverse mode: forward mode takes
scalars only so far) against central differences with Richardson
extrapolation.  Constructs still refused raise a CompileError naming the
construct's line and a workaround.
"""
import math

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError, grad
from oracles import dual_grad

COEFFS = (0.5, -1.0, 2.0)


# ---------------------------------------------------------------- scalar programs
def while_true_return(x):
    while True:
        x = x * 0.5 + 0.1
        if x < 1.0:
            return x * x


def while_true_break_and_return(x):
    n = 0
    while True:
        x = math.sin(x) + x * 0.5
        n = n + 1
        if n >= 6:
            break
        if x < 0.2:
            return x * 3.0
    return -x


def while_true_dead_code(x):
    while 1:
        x = x * x
        if x > 4.0:
            return x
    raise ValueError("unreachable")  # never runs, as in Python


def newton_sqrt(a):
    x = a
    while True:
        nx = 0.5 * (x + a / x)
        if abs(nx - x) < 1e-12:
            return nx
        x = nx


def calls_newton(a, b):
    return newton_sqrt(a) * b + newton_sqrt(b * b)


def for_else_no_break(x):
    for i in range(3):
        if x > 100.0:
            break
        x = x * x + i
    else:
        x = x * 10.0
    return x


def for_else_return_and_break(x, y):
    for i in range(4):
        x = x * y
        if x > 50.0:
            return x + 1.0
        if x < -50.0:
            break
    else:
        return x * 2.0
    return x - 3.0


def while_else(x):
    k = 0
    while k < 3:
        k = k + 1
        x = math.cos(x) * x
        if x > 5.0:
            break
    else:
        x = x + k
    return x


def reversed_range(x):
    s = 0.0
    for i in reversed(range(4)):
        s = s * x + i
    for j in reversed(range(2, 5)):
        s = s + j * x
    for k in reversed(range(1, 8, 3)):  # 7, 4, 1
        s = s * x + k
    for m in reversed(range(9, 0, -4)):  # 1, 5, 9
        s = s * x - m
    return s + i + (j + 10 * m) * x  # the last values: 0, 2 and 9


def reversed_range_runtime(x, n, a, step):
    s = 1.0
    for i in reversed(range(a, n, step)):
        s = s * x + i
    return s


def index_after_loop(x):
    for i in range(3):
        x = x * (i + 1.5)
    for j in range(1, 8, 3):
        x = x + j
    return x * i + j


def index_bound_before(x, n):
    i = 10
    for i in range(n):
        x = x * 1.5 + i
    return x * i


def tuple_loops(x, y):
    xs = (x, y, x * y)
    s = 0.0
    for i, v in enumerate(xs, 1):
        s = s + i * v * v
    for a, b in zip(xs, (y, 2.0)):
        s = s + a * b
    for v in reversed(xs):
        s = s * 0.5 + v
    for k, (a, b) in enumerate(zip(reversed(xs), xs)):
        s = s + k * a * b
    for c in COEFFS:
        s = s * x + c
    for c in reversed([x, 2.0, y]):
        s = s * 0.25 + c
    return s + v + c  # loop variables after loops over tuples keep their last value


def range_inside_zip_and_enumerate(x, y):
    xs = (x, y, x * y)
    s = 0.0
    for i, v in zip(range(1, 10, 2), xs):
        s = s + i * v * v
    for k, i in enumerate(reversed(range(3, 9, 2))):
        s = s + k * i * x
    for i, a in zip(reversed(range(5)), xs):
        s = s * 0.5 + i * a
    for i, a in zip(reversed(range(2, 6)), reversed(xs)):  # found by the fuzzer
        s = s + i * a * x
    return s


def tuple_loop_break(x, y):
    xs = (x, y, x + y, x * y)
    s = 0.0
    for v in xs:
        if v > 3.0:
            break
        s = s + v * v
    else:
        s = s - 1.0
    return s + v


def tuple_loop_inside_while(x, y):
    """Found by test_fuzz: the loop's hidden tuple was carried by the while
    loop around it (the IR did not verify)."""
    n = 0
    while n < 2 and y < 50.0:
        n += 1
        for k, w in enumerate((x * y, math.sin(y), y)):
            y = y + k * w
    return y


def tuple_in_branch_not_read_after(x, y):
    """A tuple bound in one branch only: refused only where read after it."""
    if x > 0:
        t = (x, y)
        for a in t:
            y = y * a
    return y


def tuple_built_in_loop_body(x, y):
    """Found by test_fuzz_programs: a tuple first bound in a loop body was
    carried by the loop (the IR did not verify)."""
    n = 0
    while n < 3:
        n += 1
        t = (x * y, y)
        for w in t:
            y = y + 0.25 * w
    for i in range(2):
        p = (x, y * i)
        x = p[0] * p[1] + x
    return x + y


def tuple_loop_in_guarded_while_body(x, y):
    """Found by test_fuzz_programs: after a break the while body is guarded;
    the tuple and the loop variable bound under that guard were carried
    unreadable (the IR did not verify)."""
    n1 = 0
    while True:
        n1 += 1
        if n1 > 2:
            break
        a = x + y * n1
        t2 = (y, a)
        for w2 in t2:
            a = a * w2
        y = y + 0.1 * a
    return y


def inplace_on_a_folded_constant(x, y):
    """Found by test_fuzz: in a tuple loop ``w += w`` of an integer item folds
    to a constant, which the in-place bookkeeping took for a variable."""
    for k, w in enumerate((2, x)):
        w += w
        y = y * w + k
    return y


def tuple_target_rebinds_the_iterated_name(x, y):
    t = (x, y * x)
    for t in t:
        x = x * t
    return x + t


SCALAR = [
    (tuple_target_rebinds_the_iterated_name, [(0.5, 1.5)]),
    (inplace_on_a_folded_constant, [(0.5, 1.5)]),
    (tuple_loop_in_guarded_while_body, [(0.4, 0.13), (-0.7, 1.1)]),
    (tuple_built_in_loop_body, [(0.5, 1.5), (-0.3, 0.8)]),
    (tuple_loop_inside_while, [(0.5, 1.5), (2.0, -0.3)]),
    (tuple_in_branch_not_read_after, [(0.5, 1.5), (-0.5, 1.5)]),
    (while_true_return, [(5.0,), (0.3,), (37.0,)]),
    (while_true_break_and_return, [(0.5,), (3.0,), (-0.7,)]),
    (while_true_dead_code, [(1.3,), (3.0,)]),
    (calls_newton, [(2.0, 3.0), (0.7, 1.1)]),
    (for_else_no_break, [(0.7,), (11.0,)]),
    (for_else_return_and_break, [(1.5, 2.0), (1.5, 5.0), (1.5, -6.0), (0.5, 1.1)]),
    (while_else, [(0.3,), (2.5,)]),
    (reversed_range, [(0.7,), (-1.3,)]),
    (index_after_loop, [(0.9,)]),
    (index_bound_before, [(0.9, 3), (0.9, 0)]),
    (tuple_loops, [(0.6, 1.7), (-0.4, 2.2)]),
    (range_inside_zip_and_enumerate, [(0.7, 1.3), (-0.2, 0.4)]),
    (tuple_loop_break, [(0.5, 1.0), (0.5, 4.0), (0.1, 0.2)]),
]
CASES = [(fn, p) for fn, points in SCALAR for p in points]


def _float_wrt(fn, point):
    return tuple(i for i, v in enumerate(point) if isinstance(v, float))


@pytest.mark.parametrize("fn, point", CASES, ids=[f"{f.__name__}{p}" for f, p in CASES])
def test_scalar_reverse_and_forward_against_dual_numbers(fn, point):
    wrt = _float_wrt(fn, point)
    want = dual_grad(fn, point, wrt)
    got = [grad(fn, wrt=wrt)(*point), grad(fn, wrt=wrt, mode="forward")(*point)]
    for g in got:
        g = g if isinstance(g, tuple) else (g,)
        assert g == pytest.approx(want, rel=1e-12, abs=1e-12)
    for k, i in enumerate(wrt):  # jvp along each input
        tangents = tuple(1.0 if j == i else 0.0 for j in range(len(point)))
        value, tangent = adcompiler.jvp(fn, point, tangents)
        assert value == pytest.approx(fn(*point), rel=1e-12)
        assert tangent == pytest.approx(want[k], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("fn, x", [(while_true_return, 5.0), (while_else, 0.3),
                                   (reversed_range, 0.7), (tuple_loops, 0.6)])
def test_derivative_api(fn, x):
    f1 = (lambda x: fn(x, 1.7)) if fn is tuple_loops else fn
    want = dual_grad(fn, (x, 1.7) if fn is tuple_loops else (x,), (0,))[0]
    if fn is tuple_loops:
        got = grad(fn, wrt=0, mode="forward")(x, 1.7)
    else:
        got = adcompiler.derivative(f1)(x)
    assert got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("n, a, step", [(7, 0, 1), (7, 2, 2), (0, 5, -2), (-6, 3, -4),
                                        (3, 3, 1), (2, 5, 1), (10, 1, 3)])
def test_reversed_range_with_runtime_bounds(n, a, step):
    """reversed(range(a, n, step)) for every sign of step and empty ranges."""
    point = (0.8, n, a, step)
    want = dual_grad(reversed_range_runtime, point, (0,))[0]
    assert grad(reversed_range_runtime)(*point) == pytest.approx(want, rel=1e-12)
    assert grad(reversed_range_runtime, mode="forward")(*point) == pytest.approx(want, rel=1e-12)


def test_while_true_values_match_python():
    for fn, point in [(while_true_return, (5.0,)), (while_true_break_and_return, (3.0,))]:
        value, _ = adcompiler.value_and_grad(fn)(*point)
        assert value == fn(*point)


# ---------------------------------------------------------------- NumPy programs
def fd_grad(fn, args, i, h=1e-4):
    """Central differences, Richardson-extrapolated (error O(h^4))."""
    args = [np.array(a, dtype=float) if isinstance(a, (np.ndarray, list)) else a for a in args]
    x = args[i]
    out = np.zeros_like(x, dtype=float)
    for idx in np.ndindex(*np.shape(x)):
        def at(step):
            a = list(args)
            xx = np.array(x, dtype=float)
            if xx.ndim == 0:
                xx = float(x) + step
            else:
                xx[idx] += step
            a[i] = xx
            return fn(*a)
        d1 = (at(h) - at(-h)) / (2 * h)
        d2 = (at(h / 2) - at(-h / 2)) / h
        out[idx] = (4 * d2 - d1) / 3
    return out


def rows_sum(X):
    s = 0.0
    for row in X:
        s = s + np.sum(np.sin(row) * row)
    return s


def elements(x):
    s = 1.0
    for v in x:
        s = s * 0.5 + v * v
    return s


def list_argument(data, w):
    s = 0.0
    for d in data:
        s = s + (w * d - 1.0) ** 2
    return s


def enumerate_rows(X, v):
    s = 0.0
    for i, row in enumerate(X):
        s = s + (i + 1) * np.dot(row, v)
    for i, a in enumerate(v, start=2):
        s = s + i * a * a
    return s


def zip_shortest(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * b * b
    return s


def reversed_array(x):
    s = 0.0
    for v in reversed(x):
        s = s * 0.5 + np.tanh(v)
    return s


def reversed_indices(x):
    s = 0.0
    for i in reversed(range(len(x))):
        s = s * 0.5 + x[i] * (i + 1)
    for i, (a, b) in enumerate(np.reshape(x[:4], (2, 2))):
        s = s + i * a * b
    return s


def ranges_zipped_with_an_array(x, n):
    s = 0.0
    for i, v in zip(range(n), x):
        s = s + i * v * v
    for i, v in zip(reversed(range(1, n, 2)), x):
        s = s + i * v
    for j, i in enumerate(range(n, 0, -1)):
        s = s + j * i * x[0]
    return s


def unpack_rows(P):
    s = 0.0
    for a, b in P:
        s = s + a * b - a * a
    return s


def nested_targets(X, v):
    s = 0.0
    for k, (row, c) in enumerate(zip(X, reversed(v))):
        for e in row:
            s = s + k * c * e * e
    return s


def jumps_in_array_loop(x):
    s = 0.0
    for v in x:
        if v < 0.0:
            continue
        if v > 2.0:
            break
        s = s + v ** 3
    else:
        s = s * 2.0
    return s


def return_in_array_loop(x):
    t = 0.0
    for v in x:
        t = t + v
        if t > 1.0:
            return t * v
    return -t


def reassigned_in_body(x):
    s = 0.0
    for v in x:
        x = x * 2.0  # Python goes on iterating over the original array
        s = s + v * np.sum(x)
    return s


def inplace_on_a_copy_then_iterated(x):
    y = x * 1.0
    s = 0.0
    for v in y:
        s = s + v * np.sum(y)
        y = y * 2.0  # a new array: the loop still runs over the first one
    return s


def expression_iterable(X):
    s = 0.0
    for col in X.T:
        s = s + np.prod(col)
    return s


def last_item_bound_before(x):
    v = 0.0
    for v in x[1:]:
        v = v * 3.0
    return v * x[0]


def loop_variable_after_loop(X, v):
    row = v
    for row in X:
        row = row * 2.0
    return np.sum(row * v)


def target_rebinds_the_iterated_name(X, v):
    """Found by the fuzzer (seed 20303): Python evaluates ``zip(X, row)``
    once, before the target ``row`` is rebound; the loop indexed the
    rebound ``row`` (a gradient of 0)."""
    row = np.sin(v)
    e = 0.0
    for row, e in zip(X, row):
        e = e * np.sum(row)
    return e


def target_rebinds_the_sequence(v):
    v2 = v * 2.0
    acc = 0.0
    for k, v2 in enumerate(reversed(v2)):
        acc = acc + v2 * (k + 1)
    return acc


ARRAYS = [
    (target_rebinds_the_iterated_name, [(np.array([[0.3, -1.2], [2.0, 0.5], [1.1, 0.7]]),
                                         np.array([0.4, -0.9, 1.3, 0.2]))]),
    (target_rebinds_the_sequence, [(np.array([0.3, -1.2, 2.0]),)]),
    (rows_sum, [(np.array([[0.3, -1.2], [2.0, 0.5], [1.1, 0.7]]),)]),
    (elements, [(np.array([0.3, -1.2, 2.0, 0.5]),)]),
    (list_argument, [([0.5, 1.5, -2.0], 0.7)]),
    (enumerate_rows, [(np.array([[0.3, -1.2], [2.0, 0.5], [1.1, 0.7]]), np.array([0.4, -0.9]))]),
    (zip_shortest, [(np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.5])),
                    (np.array([0.3]), np.array([0.5, 1.5]))]),
    (reversed_array, [(np.array([0.3, -1.2, 2.0]),)]),
    (reversed_indices, [(np.array([0.3, -1.2, 2.0, 0.5, 0.9]),)]),
    (ranges_zipped_with_an_array, [(np.array([0.5, -1.0, 2.0, 0.3]), 0),
                                   (np.array([0.5, -1.0, 2.0, 0.3]), 3),
                                   (np.array([0.5, -1.0, 2.0, 0.3]), 6)]),
    (unpack_rows, [(np.array([[0.3, -1.2], [2.0, 0.5], [1.1, 0.7]]),)]),
    (nested_targets, [(np.array([[0.3, -1.2], [2.0, 0.5], [1.1, 0.7]]), np.array([0.4, -0.9, 1.3]))]),
    (jumps_in_array_loop, [(np.array([0.3, -1.2, 1.5, 0.5]),), (np.array([0.3, 2.5, 1.5]),)]),
    (return_in_array_loop, [(np.array([0.3, 0.2, 0.9, 0.5]),), (np.array([0.3, 0.2]),)]),
    (reassigned_in_body, [(np.array([0.3, -1.2, 2.0]),)]),
    (inplace_on_a_copy_then_iterated, [(np.array([1.0, 2.0, 3.0]),)]),
    (expression_iterable, [(np.array([[0.3, -1.2], [2.0, 0.5], [1.1, 0.7]]),)]),
    (last_item_bound_before, [(np.array([0.3, -1.2, 2.0]),), (np.array([0.7]),)]),
    (loop_variable_after_loop, [(np.array([[0.3, -1.2], [2.0, 0.5]]), np.array([0.4, 0.6])),
                                (np.zeros((0, 2)), np.array([0.4, 0.6]))]),
]
ARRAY_CASES = [(fn, p) for fn, points in ARRAYS for p in points]


@pytest.mark.parametrize("fn, point", ARRAY_CASES,
                         ids=[f"{f.__name__}-{k}" for k, (f, _) in enumerate(ARRAY_CASES)])
def test_array_loops_against_central_differences(fn, point):
    wrt = tuple(i for i, a in enumerate(point) if not isinstance(a, int))  # n stays an int
    value, got = adcompiler.value_and_grad(fn, wrt=wrt)(*point)
    assert value == pytest.approx(fn(*point), rel=1e-12)
    got = got if isinstance(got, tuple) else (got,)
    for g, i in zip(got, wrt):
        want = fd_grad(fn, point, i)
        assert np.shape(g) == np.shape(point[i])
        np.testing.assert_allclose(g, want, rtol=1e-7, atol=1e-8)


def test_array_loop_emits_an_indexed_range_loop():
    X = np.ones((3, 2))
    g = grad(rows_sum)
    g(X)
    src = g.source
    assert "_t1 = len(X)" in src and "for _k_1 in range(_t1):" in src
    assert "row = X[_k_1]" in src and "X_bar[_k_1] +=" in src  # the adjoint scatters per row
    assert "while" not in src


def test_while_true_emits_no_constant_test():
    src = grad(while_true_return).source
    assert "and True" not in src and "while not broke:" in src


# ---------------------------------------------------------------- refused
def _refused(fn, *args, fragment, line, construct=None):
    with pytest.raises(CompileError) as info:
        grad(fn)(*args)
    err = info.value
    assert fragment in err.message
    assert err.line == line, err.message
    assert err.filename.endswith("test_iteration.py")
    if construct:
        assert err.construct == construct
    return err


def row_after_loop(X):
    s = 0.0
    for row in X:
        s = s + np.sum(row)
    return s + np.sum(row)


def index_after_runtime_range(x, n):
    for i in range(n):
        x = x * 2.0
    return x * i


def index_after_range_with_break(x, n):
    for i in range(n):
        if x > 3.0:
            break
        x = x * 2.0
    return x * i


def test_loop_variable_after_a_loop_that_may_not_run_is_refused():
    line = row_after_loop.__code__.co_firstlineno
    err = _refused(row_after_loop, np.ones((2, 2)), fragment="row is a loop variable read "
                   "after its loop, which may run zero times", line=line + 4)
    assert "give row a value before the loop" in err.message  # the workaround
    line = index_after_runtime_range.__code__.co_firstlineno
    _refused(index_after_runtime_range, 1.0, 3, fragment="UnboundLocalError", line=line + 3)
    line = index_after_range_with_break.__code__.co_firstlineno
    _refused(index_after_range_with_break, 1.0, 3, fragment="UnboundLocalError", line=line + 5)


def iterate_number(x):
    s = 0.0
    for v in x:
        s = s + v
    return s


def test_iterating_a_number_is_refused_in_both_modes():
    line = iterate_number.__code__.co_firstlineno + 2
    _refused(iterate_number, 2.0, fragment="gets a number, not an array, a list or a tuple",
             line=line)
    with pytest.raises(CompileError) as info:
        grad(iterate_number, mode="forward")(2.0)
    assert info.value.line == line and "Python raises TypeError" in info.value.message


def zip_tuple_and_array(a, x):
    s = 0.0
    for p, q in zip((a, 2.0 * a), x):
        s = s + p * q
    return s


def test_zip_of_a_tuple_and_an_array_is_refused():
    line = zip_tuple_and_array.__code__.co_firstlineno + 2
    err = _refused(zip_tuple_and_array, 1.0, np.ones(2), fragment="tuple together with an "
                   "array or a range", line=line)
    assert "np.array" in err.message


def forever(x):
    while True:
        x = x * 0.5
        if x < 1.0:
            continue


def inplace_on_row(X):
    s = 0.0
    for row in X:
        row *= 2.0
        s = s + np.sum(row)
    return s + np.sum(X)


def test_while_true_without_exit_and_inplace_on_a_row_are_refused():
    line = forever.__code__.co_firstlineno + 1
    _refused(forever, 2.0, fragment="never ends", line=line, construct="while True")
    # row is a view of X: NumPy would change X too (see docs/conventions.md)
    line = inplace_on_row.__code__.co_firstlineno + 3
    _refused(inplace_on_row, np.ones((2, 2)), fragment="shared with the parameter X", line=line)


def inplace_on_the_iterated_array(x):
    y = x * 1.0
    s = 0.0
    for v in y:
        y *= 2.0  # Python's loop would see the doubled values
        s = s + v * v
    return s


def tuple_read_after_branch(x, y):
    if x > 0:
        t = (x, y)
    else:
        t = (y, x)
    return t[0]


def test_inplace_on_the_iterated_array_and_branch_tuples_are_refused_where_they_matter():
    line = inplace_on_the_iterated_array.__code__.co_firstlineno + 4
    err = _refused(inplace_on_the_iterated_array, np.ones(3), fragment="the y that a for loop "
                   "runs over", line=line)
    assert "#" not in err.message  # no hidden name in the message
    line = tuple_read_after_branch.__code__.co_firstlineno + 5
    _refused(tuple_read_after_branch, 1.0, 2.0, fragment="holds a tuple that depends on a "
             "branch", line=line)


CLI_SOURCE = """import numpy as np


def f(X, w):
    s = 0.0
    for i, row in enumerate(X):
        s = s + (i + 1) * np.tanh(row @ w)
    return s
"""


def test_command_line_asks_for_the_parameters_shapes_not_the_loop_variables(tmp_path):
    from adcompiler.cli.commands import compile_file
    path = tmp_path / "rows.py"
    path.write_text(CLI_SOURCE)
    with pytest.raises(CompileError) as info:
        compile_file(str(path), ["f"], None)
    assert "--shapes X=N,w=N" in info.value.cli_message  # not row=N: row is no parameter
    code = compile_file(str(path), ["f"], None, shapes_text="X=5x3,w=3")
    namespace = {}
    exec(compile(code, "f_grad", "exec"), namespace)
    X, w = np.linspace(-1, 1, 15).reshape(5, 3), np.array([0.3, -0.2, 0.5])
    namespace_f = {}
    exec(compile(CLI_SOURCE, "f", "exec"), namespace_f)
    want = fd_grad(namespace_f["f"], (X, w), 0)
    np.testing.assert_allclose(namespace["f_grad"](X, w), want, rtol=1e-7, atol=1e-9)


def tuple_read_after_its_loop(x, y):
    for i in range(2):
        t = (x * y, y)
    return t[0]


def test_a_tuple_built_in_a_loop_is_refused_only_when_read_after_it():
    line = tuple_read_after_its_loop.__code__.co_firstlineno + 3
    _refused(tuple_read_after_its_loop, 0.5, 1.5, fragment="t holds a tuple built in a loop; "
             "read it inside the loop", line=line)
