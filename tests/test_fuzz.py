"""Property-based program fuzzing: random programs from the supported grammar
are compiled and their gradients compared with dual numbers (under a time
budget; sympy is no longer a fuzz oracle: its ``evalf`` once hung a run for
11 minutes).  The wider grammar (arrays, forward mode, Jacobians, Hessians,
the constructs of issue 12) is ``tests/fuzz`` + ``tests/test_fuzz_programs.py``.

CI runs the ``ci`` profile; the long run is

    python -m pytest -m fuzz --hypothesis-profile long

To fuzz a new mode, add a checker to :data:`CHECKERS` (a function
``(fn, point, wrt) -> tuple of derivatives``); every program is then checked
with it against the dual-number oracle.  To fuzz a new primitive, add a
template to ``fuzz_strategies.UNARY``/``BINARY``.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from adcompiler import CompileError, grad, value_and_grad
from fuzz.check import load
from fuzz.oracle import budget
from fuzz_strategies import POINTS, programs
from oracles import Irregular, dual_grad

pytestmark = pytest.mark.fuzz

WRT = (0, 1)


def reverse_checker(fn, point, wrt):
    return tuple(grad(fn, wrt=wrt, mode="reverse")(*point))


def one_input_checker(fn, point, wrt):
    """One gradient per parameter, no mode given: forward mode where the
    reverse code would run a loop back (api/mode_choice.py)."""
    return tuple(grad(fn, wrt=k)(*point) for k in wrt)


#: mode name -> checker
CHECKERS = {"reverse": reverse_checker, "one input": one_input_checker}


def primal_or_reject(fn, point):
    """The function's value; reject points where the program itself fails or
    leaves the finite floats (the grammar keeps this rare)."""
    try:
        value = fn(*point)
    except (OverflowError, ZeroDivisionError, ValueError, FloatingPointError,
            RuntimeWarning):  # NumPy's overflow warning (np.maximum's float64), an error here
        assume(False)
    assume(math.isfinite(value) and abs(value) < 1e12)
    return value


def close(got, expected, rel=1e-7) -> bool:
    scale = max(1.0, *(abs(e) for e in expected))
    return all(math.isclose(g, e, rel_tol=rel, abs_tol=rel * scale)
               for g, e in zip(got, expected))


def check_program(program, point, wrt=WRT):
    """Every mode against the dual numbers, and value_and_grad's value
    against the function itself."""
    note(program.source)
    note(f"point = {point}, wrt = {wrt}")
    fn = load(program.source).f
    with budget(30.0):  # no oracle call may hang the run
        value = primal_or_reject(fn, point)
        try:
            expected = dual_grad(fn, point, wrt, regular=True)
        except Irregular:
            expected = None
    assume(expected is not None)  # overflow on the way (0 * inf in any adjoint) or a tie
    assume(all(math.isfinite(e) for e in expected))
    for mode, checker in CHECKERS.items():
        got = checker(fn, point, wrt)
        assert close(got, expected), f"{mode}: {got} != dual {expected}"
    v, g = value_and_grad(fn, wrt=wrt)(*point)
    assert v == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert close(g, expected)
    return fn


@given(programs(), POINTS, st.sampled_from([WRT, (0,), (1,)]))
def test_programs_match_dual_numbers(program, point, wrt):
    # differentiating with respect to one parameter leaves the other inactive:
    # activity analysis decides what gets adjoints
    check_program(program, point, wrt)


#: statements adcompiler refuses, each with a fragment of its error message
UNSUPPORTED = [
    ("del x", "del statement"),
    ("assert x > 0, str(x)", "the message of an assert must be a string literal"),
    ("x.append(y)", "x.append(...): building a list by mutation"),
    ("import os", "import statement"),
    ("global q", "global statement"), ("t = {x: y}", "dict literal"),
    ("t = [v for v in range(int(x))]", "length must be known when compiling"),
    ("t = f'{x}'", "f-string"),
    ("t = 'text'", "str constants"), ("x.real = 1.0", "assignment to an attribute"),
    ("t = max([x, y], key=lambda v: -v)", "lambda used as a value"),
    ("t = undefined_name * x", "name 'undefined_name' is not defined"),
    ("t = math.frexp(x)[0]", "math.frexp"), ("t = (x, y)[0:1]", "slice"),
]


@given(programs(), st.sampled_from(UNSUPPORTED))
def test_unsupported_statements_are_refused_at_their_line(program, bad):
    """Any program with one unsupported statement at the top of ``f`` fails
    with a CompileError pointing at that line, never with anything else."""
    statement, message = bad
    lines = program.source.splitlines()
    at = lines.index("def f(x, y):") + 1
    lines.insert(at, "    " + statement)
    fn = load("\n".join(lines) + "\n").f
    with pytest.raises(CompileError) as info:
        grad(fn, wrt=WRT).source
    assert message in info.value.message and info.value.line == at + 1


def _overflows_then_returns_a_constant(x, y):
    big = x
    for _ in range(12):
        big = 1 + big * big * 1e30  # inf after a few steps
    if big > 0.0:
        return 2.5
    return x * y


def test_the_oracle_rejects_points_where_a_value_overflows():
    """Dual numbers give 0 for the constant returned; every reverse mode gives
    0 * inf = NaN through the overflowed values: such points say nothing
    about adcompiler and are rejected (a CI run found one: nan vs 0.0)."""
    assert dual_grad(_overflows_then_returns_a_constant, (0.3, 0.2), (0, 1)) == [0.0, 0.0]
    with pytest.raises(Irregular):
        dual_grad(_overflows_then_returns_a_constant, (0.3, 0.2), (0, 1), regular=True)
    assert dual_grad(lambda x, y: x * y + min(math.inf, x),  # an inf sentinel is fine
                     (0.3, 0.2), (0,), regular=True) == [1.2]


def _tie_in_a_loop(x, y):
    for i in range(2):
        x += max(y, i)
    return x


def test_the_oracle_rejects_points_where_max_meets_a_tie():
    """y == i: adcompiler splits the derivative of a tie (docs/conventions.md),
    dual numbers take the first value; the point is a kink, rejected."""
    assert dual_grad(_tie_in_a_loop, (0.5, 0.7), (0, 1), regular=True) == [1.0, 1.0]
    with pytest.raises(Irregular):
        dual_grad(_tie_in_a_loop, (0.5, 1.0), (0, 1), regular=True)
