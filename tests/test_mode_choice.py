"""grad() of a one-scalar-input function runs forward mode where the reverse
code would run a loop or recursion back (api/mode_choice.py): the same
gradients as the reverse code and as central differences, forward chosen
exactly where it should be, reverse kept everywhere else."""
import math

import numpy as np
import pytest

import adcompiler
from adcompiler.api import mode_choice
from adcompiler.api.reverse_grad import compiled
from corpus import logistic_map
from oracles import central_diff

W = np.array([1.5, -0.5, 0.25])


def grow_while(x):
    while x < 10.0:
        x = x * 1.5 + math.sin(x)
    return x


def nested(x, n=3):
    s = x
    for i in range(n):
        for j in range(i + 1):
            s = math.sin(s) * (1.0 + 0.1 * j) + 0.3 * s
    return s


def branch_inside(x, n=8):
    y = x
    for i in range(n):
        if y > 0.5:
            y = y * y - 0.2
        else:
            y = math.exp(y) * 0.4
    return y


def helper(u, k):
    return math.cos(u) * u + k


def calls_helper(x):
    y = x
    for k in range(4):
        y = helper(y, 0.1 * k)
    return y


def early_return(x, n=20):
    s = x
    for i in range(n):
        s = s * 1.3 + math.sin(s)
        if s > 5.0:
            return s * s
    return s


def breaks(x, n=20):
    s = x
    for i in range(n):
        s = s * math.cos(s) + 1.0
        if s > 1.8:
            break
    return s * x


def continues(x, n=6):
    s = x
    for i in range(n):
        if i % 2 == 1:
            continue
        s = s * s * 0.5 + math.tanh(s)
    return s


def while_true(x):
    s = x
    while True:
        s = s * 1.7 + 0.1 * math.cos(s)
        if s > 3.0:
            return s


def power(x, n=5):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def with_global_array(x):
    s = x
    for i in range(3):
        s = s * W[i] + math.sin(s)
    return s


def two_inputs(x, y, n=5):
    s = x
    for i in range(n):
        s = s * y + math.sin(s)
    return s


def straight(x, a=2.0):
    return math.sin(x) * a + x * x


def inactive_loop(x, a=2.0):
    s = 0.0
    for i in range(5):
        s = s + a * i
    return s * x


def array_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + math.sin(s + x[i])
    return s


LOOPS = [(logistic_map, 0.3), (grow_while, 0.7), (nested, 0.4), (branch_inside, 0.3),
         (branch_inside, 0.9), (calls_helper, 0.6), (early_return, 0.2), (early_return, 2.0),
         (breaks, 0.4), (continues, 0.3), (while_true, 0.5), (power, 1.1)]


def _forward(g) -> bool:
    return mode_choice.WHY in g.source


@pytest.mark.parametrize("fn,x", LOOPS, ids=[f"{f.__name__}-{x}" for f, x in LOOPS])
def test_loops_run_forward_mode_with_the_reverse_gradient(fn, x):
    g = adcompiler.grad(fn)
    got = g(x)
    assert type(got) is float and _forward(g)
    assert "tape" not in g.source and "_dot" in g.source
    reverse = compiled(fn).load()(x)
    assert got == pytest.approx(reverse, rel=1e-12, abs=1e-300)
    assert got == pytest.approx(central_diff(fn, (x,), 0), rel=1e-6, abs=1e-8)
    assert g(x) == got  # again, through the fast path


@pytest.mark.parametrize("fn,x", LOOPS[:6], ids=[f.__name__ for f, _ in LOOPS[:6]])
def test_value_and_grad_takes_the_value_from_the_forward_sweep(fn, x):
    vg = adcompiler.value_and_grad(fn)
    value, slope = vg(x)
    assert _forward(vg) and value == pytest.approx(fn(x), rel=1e-14)
    assert slope == pytest.approx(compiled(fn, with_value=True).load()(x)[1], rel=1e-12)


def test_wrt_by_name_keyword_call_and_tuple_wrt():
    g = adcompiler.grad(logistic_map, wrt="x")
    assert g(x=0.3, n=4) == pytest.approx(central_diff(logistic_map, (0.3, 4), 0), rel=1e-6)
    assert _forward(g)
    t = adcompiler.grad(logistic_map, wrt=(0,))(0.3)
    assert isinstance(t, tuple) and t[0] == pytest.approx(adcompiler.grad(logistic_map)(0.3))


def test_numpy_float_is_forward_integers_stay_reverse():
    """A float (np.float64 is one) runs forward mode; an integer or a
    boolean keeps the reverse code, which computes it as Python does."""
    g = adcompiler.grad(logistic_map)
    for x, forward in ((np.float64(0.3), True), (0, False), (1, False), (True, False),
                       (0.3, True)):
        got = g(x)  # (np.float64 in, np.float64 out: as reverse mode gives)
        assert isinstance(got, float) and _forward(g) is forward
        assert got == pytest.approx(compiled(logistic_map).load()(float(x)), rel=1e-12)


@pytest.mark.parametrize("make", [
    lambda: adcompiler.grad(logistic_map, mode="reverse"),
    lambda: adcompiler.grad(logistic_map, checkpoints=3),
    lambda: adcompiler.grad(two_inputs, wrt=(0, 1)),
    lambda: adcompiler.grad(straight),
    lambda: adcompiler.grad(inactive_loop),
], ids=["mode-reverse", "checkpoints", "two-inputs", "straight-line", "no-adjoint-loop"])
def test_reverse_mode_kept(make):
    g = make()
    args = (0.3, 0.8) if "two_inputs" in repr(g) else (0.3,)
    g(*args)
    assert not _forward(g) and "_dot" not in g.source


def test_one_of_two_inputs_is_forward():
    g = adcompiler.grad(two_inputs, wrt=1)
    assert g(0.3, 0.8) == pytest.approx(central_diff(two_inputs, (0.3, 0.8), 1), rel=1e-6)
    assert _forward(g)


def test_array_argument_keeps_reverse_and_scalars_forward_again():
    g = adcompiler.grad(array_loop)
    x = np.array([0.1, 0.7, -0.4])
    np.testing.assert_allclose(g(x), central_diff(array_loop, (x,), 0), rtol=1e-6)
    assert not _forward(g)
    assert adcompiler.grad(logistic_map)(np.array(0.3)) == pytest.approx(
        central_diff(logistic_map, (0.3,), 0), rel=1e-6)  # a 0-d array: not a float


def test_forward_refusal_falls_back_to_reverse():
    """Forward mode refuses a global array (composite.py); reverse reads it."""
    from adcompiler.frontend.source import load_live
    from adcompiler.transform import composite
    with pytest.raises(adcompiler.AdcError):
        composite.primal(load_live(with_global_array))
    g = adcompiler.grad(with_global_array)
    assert g(0.4) == pytest.approx(central_diff(with_global_array, (0.4,), 0), rel=1e-6)
    assert not _forward(g) and "tape" in g.source


def test_other_entry_points_stay_reverse():
    """adcompiler.source and adc compile show reverse mode unless asked."""
    assert "tape" in adcompiler.source(logistic_map)
    assert mode_choice.WHY not in adcompiler.source(logistic_map)
    assert _forward(adcompiler.grad(logistic_map))


def test_source_before_and_for_a_call():
    g = adcompiler.grad(logistic_map)
    assert _forward(g)  # before a call: the scalar code that a float runs
    assert mode_choice.WHY in g.source_for((0.3,))
    assert g.source.splitlines()[1] == "# " + mode_choice.WHY


def test_fast_path_is_the_guarded_copy_of_the_forward_code():
    g = adcompiler.grad(logistic_map)
    g(0.3)
    emitted = next(iter(g._loaded.values()))[1]
    assert g.func is not emitted and g.func.__code__.co_filename == \
        emitted.__code__.co_filename == "<adcompiler:logistic_map_grad>"
    assert "l_dot" in emitted.__code__.co_varnames


def test_second_order_is_unchanged():
    """grad of grad and hessian go through the reverse code (forward over
    reverse), whatever grad() itself runs."""
    gg = adcompiler.grad(adcompiler.grad(logistic_map))
    h = adcompiler.hessian(logistic_map)
    first = adcompiler.grad(logistic_map)
    expected = central_diff(lambda x: first(x), (0.3,), 0)
    assert gg(0.3) == pytest.approx(expected, rel=1e-5)
    assert h(0.3) == pytest.approx(gg(0.3), rel=1e-12)
    assert "tape" in gg.source


def test_copies_keep_the_choice():
    import copy
    import pickle
    g = adcompiler.grad(logistic_map)
    r = adcompiler.grad(logistic_map, mode="reverse")
    assert _forward(copy.copy(g)) and not _forward(copy.copy(r))
    assert _forward(pickle.loads(pickle.dumps(g)))


RATE = 1.5


def scaled_loop(x, n=4):
    s = x
    for i in range(n):
        s = math.sin(s) * RATE
    return s


def star_loop(x, *rates):
    s = x
    for i in range(3):
        for r in rates:  # (unrolled: a tuple of known length)
            s = s * math.cos(s) * r
    return s


def test_rebound_global_is_seen_through_the_fast_path():
    global RATE
    g = adcompiler.grad(scaled_loop)
    before = g(0.4)
    assert g(0.4) == before and _forward(g)
    try:
        RATE = 0.7
        after = g(0.4)
        assert after == pytest.approx(central_diff(scaled_loop, (0.4,), 0), rel=1e-6)
        assert after != pytest.approx(before)
    finally:
        RATE = 1.5
    assert g(0.4) == before


def test_varargs_loop_is_forward_per_count():
    g = adcompiler.grad(star_loop)
    for rates in ((0.5,), (0.5, 1.2, 0.9)):
        args = (0.3,) + rates
        assert g(*args) == pytest.approx(central_diff(star_loop, args, 0), rel=1e-6)
        assert g(*args) == pytest.approx(adcompiler.grad(star_loop, mode="reverse")(*args),
                                         rel=1e-12)
        assert _forward(g)


def test_compiled_with_choose_is_the_code_grad_runs():
    """bench/peers.py times this as "the emitted function" beside grad()."""
    chosen = compiled(logistic_map, choose=True)
    assert mode_choice.WHY in chosen.source
    assert chosen.load()(0.3) == adcompiler.grad(logistic_map)(0.3)
    assert mode_choice.WHY not in compiled(logistic_map).source
    assert mode_choice.WHY not in compiled(two_inputs, (0, 1), choose=True).source
