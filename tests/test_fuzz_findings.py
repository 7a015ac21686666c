"""Issue 12: classes the widened program fuzzer found that the issue did not
list (notes: fuzz-findings.md, branch fuzzer).

Every derivative is checked against central differences (step 1e-6,
tolerance 1e-6: the functions are piecewise smooth and of order one, and the
points used are away from their kinks), in both modes and through
``jacobian``/``vjp`` where the finding came from.  A program that cannot be
compiled correctly must be refused with a CompileError naming its line, never
answered with an internal exception.  Each test failed on the code before
its fix.
"""
import math

import pytest

from adcompiler import CompileError, grad, jacobian, vjp
from oracles import central_diff

TOL = 1e-6


def expected(fn, args):
    return tuple(central_diff(fn, args, i) for i in range(len(args)))


def assert_close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert abs(g - w) <= TOL * (1 + abs(w)), (got, want)


def check_modes(fn, args):
    want = expected(fn, args)
    wrt = tuple(range(len(args)))
    for mode in ("reverse", "forward"):
        assert_close(grad(fn, wrt=wrt, mode=mode)(*args), want)
    for mode in ("reverse", "forward"):
        assert_close(jacobian(fn, wrt=wrt, mode=mode)(*args), want)


# ------------------------------------------------ a helper inside a while loop
# The reverse transform never visits a while condition (nor a loop or branch
# whose values need no adjoint, such as code after an early return), so the vjp pipeline, which trusted its record of
# the helpers called without derivatives, left ``h1`` out of the emitted
# module: NameError in ``f_fwd``.  grad read them off the emitted code.
def h1(u, v):
    return u * v


def helper_in_condition(x, y):
    while h1(x, 1.0) > 5.0:
        x = x * 0.5
    return x * y


def helper_in_body(x, y):
    n = 1.0
    while n < 5.0:
        n = h1(n, 2.0)
    return x * y * n


def helper_in_both(x, y):
    k = 0.0
    while h1(k, x) < 4.0:
        k = k + h1(1.0, 1.0)
    return x * y * k


def helper_after_early_return(x, y):
    # the code after the return moves into a branch that needs no adjoint
    if y > 5.0:
        return 2.0
    if h1(y, x) == x:
        x = 1.0
    return math.cos(x // 1.25)  # gradient 0: no adjoint visits the branches


def helper_in_loop_with_break(x, y):
    # a for loop with break becomes a while loop
    n = 1.0
    for i in range(5):
        if h1(n, 1.0) > 4.0:
            break
        n = n * 1.5
    return x * y * n


def h1_fwd(u):
    return u  # beside h1: the emitted module renames the helper h1


def helper_renamed_in_condition(x, y):
    while h1(x, 1.0) > 5.0:
        x = x * 0.5
    return h1_fwd(x) * y


def two_outputs(x, y):
    while h1(x, 1.0) > 5.0:
        x = x * 0.5
    return x * y, x + y


@pytest.mark.parametrize("fn", [helper_in_condition, helper_in_body, helper_in_both,
                                helper_after_early_return, helper_in_loop_with_break,
                                helper_renamed_in_condition])
@pytest.mark.parametrize("args", [(7.0, 2.0), (1.3, -0.7), (23.0, 0.4), (1.37, 6.0)])
def test_helper_called_in_while_loop(fn, args):
    check_modes(fn, args)


def test_vjp_of_helper_in_while_condition():
    out, pull = vjp(helper_in_condition, 7.0, 2.0)
    assert out == helper_in_condition(7.0, 2.0)
    assert_close(pull(1.0), expected(helper_in_condition, (7.0, 2.0)))


def test_jacobian_reverse_of_two_outputs_with_helper_in_while():
    args = (7.0, 2.0)
    jac = jacobian(two_outputs, wrt=(0, 1), mode="reverse")(*args)
    for k, row in enumerate(jac):
        want = expected(lambda x, y: two_outputs(x, y)[k], args)
        assert_close(row, want)


# ------------------------------------ a parameter reused as a loop variable
# A parameter (a name with a value) reused as a loop variable inside a branch
# and read in a later loop gave gradient 0 in both modes (finding 1); with a
# while loop and an early return, an internal TypeError (finding 2, variant).
# Python keeps the last index after the loop, so the loop variable is carried
# (fixed by commit 4539a16 of branch scalar-sem).
def param_loop_var_in_branch(x, y):
    if y > 3.0:
        for x in range(2):
            a = y
    for i in range(1):
        x = x + y
    return x


def param_loop_var_then_early_return(x, y):
    n = 0
    while n < 0:
        for x in range(2):
            n += 1
    for i in range(1):
        x = x + y
        if x < -5.0:
            return x * 2.0
    return x


@pytest.mark.parametrize("fn", [param_loop_var_in_branch, param_loop_var_then_early_return])
@pytest.mark.parametrize("args", [(1.6, -1.1), (1.6, 3.5), (-4.0, -3.0)])
def test_parameter_reused_as_loop_variable_then_read_in_later_loop(fn, args):
    check_modes(fn, args)


# ------------------------------------ a loop variable read in a later loop
# After ``for k in range(2)`` with no value of k before it, Python holds the
# last index (or nothing if the loop ran zero times); the IR holds nothing.
# A later loop that assigned k started from ``None`` instead, so reading k in
# it gave an internal TypeError in the emitted code (both modes).  It is
# refused at the read, naming the line.
def branch_loop_then_loop(x, y):
    if y > 3.0:
        for k in range(2):
            a = y
    for i in range(1):
        k = k + x
    return k * x


def nested_loop_then_loop(x, y):
    for i in range(1):
        for k in range(2):
            a = y
    for i in range(1):
        k = k + x
    return k * x


def loop_then_while(x, y):
    for k in range(2):
        a = y
    while k < 3.0:
        k = k + x
    return k * y


# Since issue 14 a loop that certainly runs (constant bounds) leaves its
# variable bound, as in Python: loop_then_while compiles and is checked.  The
# loop inside a branch may not have run, so k stays refused there; so does k
# of a loop nested in another loop (the outer loop does not carry it).
def test_loop_variable_of_a_loop_that_certainly_ran_is_read_in_later_loop():
    check_modes(loop_then_while, (1.6, 3.5))
    check_modes(loop_then_while, (0.3, -1.2))


@pytest.mark.parametrize("fn, line", [(branch_loop_then_loop, "k = k + x"),
                                      (nested_loop_then_loop, "k = k + x")])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_unbound_loop_variable_read_in_later_loop_is_refused(fn, line, mode):
    import inspect
    lines, first = inspect.getsourcelines(fn)
    lineno = first + next(k for k, t in enumerate(lines) if t.strip() == line)
    with pytest.raises(CompileError) as err:
        grad(fn, wrt=(0, 1), mode=mode)(1.6, 3.5)
    assert err.value.line == lineno
    assert "loop variable" in err.value.message and "k" in err.value.message.split()


def assigned_in_later_loop(x, y):
    for k in range(2):
        y = y * x
    for i in range(3):
        k = x * i
        y = y + k
    return y


def read_after_later_loop(x, y):
    for k in range(2):
        y = y * x
    for i in range(3):
        k = x * i
    return k * y


def test_loop_variable_reassigned_in_later_loop_before_any_read_still_compiles():
    # guard against refusing too much (passed before the fix too)
    check_modes(assigned_in_later_loop, (1.6, 0.7))


def test_loop_variable_assigned_in_later_loop_then_read_after_it():
    # the later loop may run zero times, leaving Python's last index of the
    # first loop: since issue 14 the IR holds it (range(2) certainly runs)
    check_modes(read_after_later_loop, (1.6, 0.7))


# ------------------------------------------------ tangent versions by name
# Forward mode makes one tangent version of a callee per set of varying
# arguments, named after those arguments and merged by name.  The adjoint
# seeds of a helper with two outputs are both ``out_bar``: forward over
# reverse (hessian, hvp) named two versions of ``h_bwd`` alike and ran one
# version's tangent at the other's call site, a silently wrong Hessian (fuzz
# seed 300690).  Labels that run together (``a_b`` beside ``a``, ``b``) gave
# a TypeError in the emitted code.
def two_results(u):
    return u * u, 0.5


def second_result_then_first(y):
    w0 = y - two_results(y)[1]
    return math.sin(two_results(w0)[0])


def seed_300690(x, y):
    # the fuzzer's program, reduced: the helper's first output is used at
    # one call, its second at another
    x = math.tanh(two_results(y)[0])
    w0 = y - two_results(x)[1]
    return math.tanh(two_results(w0)[0]) * x


def h3(u, v):
    a, u = u // 1.5, math.sinh(math.tanh(u))
    return u, math.hypot(u, 1 + a * a)


def h4(u, v):
    c = 1.0
    return min(v, c), math.pi


def asymmetric_hessian(x, y):
    # fuzz-findings NEW 3: the Hessian came back asymmetric
    for w0 in [y - x]:
        y = y / (1 + (h3(x, w0)[0]) * (h3(x, w0)[0]))
    return h4(h3(x, y)[1], math.tan(0.5 * math.tanh(y)))[0]


def labels_run_together(a, b, a_b):
    return a * b + 3.0 * a_b * a_b


def calls_with_both_labels(x, y):
    return labels_run_together(x, y, 1.0) + labels_run_together(1.0, 2.0, x * y)


def second_differences(fn, args, h=1e-4):
    n = len(args)

    def at(i, di, j, dj):
        a = list(args)
        a[i] += di
        a[j] += dj
        return fn(*a)

    return tuple(tuple((at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h))
                       / (4 * h * h) for j in range(n)) for i in range(n))


def assert_hessian(got, want, tol=1e-5):
    for g_row, w_row in zip(got, want):
        for g, w in zip(g_row, w_row):
            assert abs(g - w) <= tol * (1 + abs(w)), (got, want)


@pytest.mark.parametrize("fn, args", [(second_result_then_first, (-0.5993270532316017,)),
                                      (second_result_then_first, (1.1,)),
                                      (seed_300690, (1000.0, -0.5993270532316017)),
                                      (seed_300690, (0.3, 0.8)),
                                      (calls_with_both_labels, (0.7, -1.3)),
                                      (asymmetric_hessian, (0.258, 0.051)),
                                      (asymmetric_hessian, (-0.4, 0.9))])
def test_tangent_versions_with_alike_parameter_labels(fn, args):
    from adcompiler import derivative, hessian
    check_modes(fn, args)
    wrt = tuple(range(len(args)))
    want = second_differences(fn, args)
    got = hessian(fn, wrt=wrt)(*args)
    got = got if isinstance(got[0], tuple) else (got,)
    assert_hessian(got, want)
    for i in wrt:  # forward over forward, one diagonal entry at a time
        assert abs(derivative(fn, order=2, wrt=i)(*args) - want[i][i]) <= 1e-5 * (1 + abs(want[i][i]))


# ------------------------------------------------ names across sibling branches
# The emitter reuses a name once its holder is dead.  After the first branch
# of an ``if`` gave a name (``x_dot``) to one of its own values, the second
# branch saw that value as the name's holder (dead there) instead of the
# value the name still held on its path (the parameter's tangent, read
# later), and updated it in place: ``x_dot += ...`` clobbered ``x_dot``.
# Silently wrong in forward mode and jacobian/jvp (fuzz seed 501294); the
# code after an early return is such a second branch.
def early_return_then_reuse(x, y):
    if y > 5.0:
        x = x * 0.5
        return x * x
    w = x
    x = x + math.cos(y)
    x = x + math.sin(w)
    return x * x


def early_return_then_list_loop(x, y):
    if y > 5.0:
        x = x * 0.5
        return x * x
    for w in [y, x]:
        x = x + math.cos(w)
    return x * x


def seed_501294(x, y):
    # the fuzzer's program, reduced
    if y > 5.0:
        if 0.5 == y:
            return x
    else:
        for w0 in [y, math.cosh(math.tanh(y)), x]:
            x -= 0.25 / (2 + math.cos(w0))
    x -= max(0.5, x)
    return x ** 3


def nested_early_return(x, y):
    # fuzz-findings NEW 5: forward mode -0.1316 for d/dy = -0.2262
    if not (math.log1p(x * x) > x):
        if x < x:
            return y * y
        for w0 in [x]:
            y -= 0.25
    else:
        y *= math.tanh(y)
    return math.atan2(math.cosh(math.tanh(x)), 2 + math.cos(y))


@pytest.mark.parametrize("fn", [early_return_then_reuse, early_return_then_list_loop,
                                seed_501294, nested_early_return])
@pytest.mark.parametrize("args", [(-0.3, -1.7), (0.4, 6.0), (-0.31265036303509386, -1.71),
                                  (-0.6789173759914306, -1.5507474886097103)])
def test_name_given_in_one_branch_still_held_in_the_other(fn, args):
    from adcompiler import jvp
    check_modes(fn, args)
    want = expected(fn, args)
    for j in range(len(args)):
        seed = tuple(float(k == j) for k in range(len(args)))
        assert_close((jvp(fn, args, seed)[1],), (want[j],))


# Fuzz seed 376 (session 5): max()/min() of a generator started from -inf/inf,
# so a NaN first element was lost (max(-inf, nan) is -inf; Python's max of the
# sequence is nan) and a later branch went the other way: value 0.5 for True.
def nan_first_in_a_generator(x, y):
    x = max(min(math.nan, max(x, math.nan)) for g4 in (1,))
    if not (x * y < y):
        return 0.5 * y
    return y * y


def first_of_several_wins(x, y):
    # the first maximal element gets the gradient (Python keeps the first of equals)
    m = max(x * k for k in (1.0, 1.0, 0.5))
    return m * y + min(y * i for i in range(1, 3))


@pytest.mark.parametrize("fn", [nan_first_in_a_generator, first_of_several_wins])
@pytest.mark.parametrize("args", [(-1.0294739492341138, 1.4901802372545625), (0.4, 0.3)])
def test_min_max_of_a_generator_start_from_its_first_element(fn, args):
    from adcompiler import value_and_grad
    value, _ = value_and_grad(fn, wrt=(0, 1))(*args)
    assert value == fn(*args) or (math.isnan(value) and math.isnan(fn(*args)))
    check_modes(fn, args)
