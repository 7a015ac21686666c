"""Property-based program fuzzing: random programs from the supported grammar
are compiled and their gradients compared with independent oracles.

CI runs the ``ci`` profile; the long run is

    python -m pytest -m fuzz --hypothesis-profile long

To fuzz a new mode, add a checker to :data:`CHECKERS` (a function
``(fn, point, wrt) -> tuple of derivatives``); every program is then checked
with it against the dual-number oracle.  To fuzz a new primitive, add a
template to ``fuzz_strategies.UNARY``/``BINARY``.
"""
from __future__ import annotations

import importlib.util
import itertools
import math
import tempfile
from pathlib import Path

import pytest
import sympy
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from adcompiler import CompileError, grad, value_and_grad
from fuzz_strategies import POINTS, programs
from oracles import dual_grad

pytestmark = pytest.mark.fuzz

_DIR = Path(tempfile.mkdtemp(prefix="adc_fuzz_"))
_COUNTER = itertools.count()
WRT = (0, 1)


def load(source: str):
    """Write ``source`` to a fresh file and import it (so inspect.getsource works)."""
    path = _DIR / f"fuzzmod_{next(_COUNTER)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def reverse_checker(fn, point, wrt):
    return tuple(grad(fn, wrt=wrt)(*point))


#: mode name -> checker; forward mode registers here once it exists
CHECKERS = {"reverse": reverse_checker}


def primal_or_reject(fn, point):
    """The function's value; reject points where the program itself fails or
    leaves the finite floats (the grammar keeps this rare)."""
    try:
        value = fn(*point)
    except (OverflowError, ZeroDivisionError, ValueError):
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
    value = primal_or_reject(fn, point)
    expected = dual_grad(fn, point, wrt)
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


SYMPY_FUNCS = {name: getattr(sympy, name) for name in
               ("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
                "tanh", "exp", "log", "sqrt")}
SYMPY_FUNCS.update(expm1=lambda a: sympy.exp(a) - 1, log1p=lambda a: sympy.log(1 + a),
                   log2=lambda a: sympy.log(a, 2), log10=lambda a: sympy.log(a, 10),
                   hypot=lambda a, b: sympy.sqrt(a * a + b * b), pow=lambda a, b: a ** b)


class _SympyMath:
    """``math`` as seen by a straight-line program evaluated on sympy symbols."""

    pi = sympy.pi

    def __getattr__(self, name):
        return SYMPY_FUNCS[name]

    @staticmethod
    def log(a, base=None):
        return sympy.log(a) if base is None else sympy.log(a, base)


def sympy_derivatives(program, point):
    namespace = dict(SYMPY_FUNCS, math=_SympyMath(), float=lambda a: a, pow=lambda a, b: a ** b)
    exec(compile(program.body, "<fuzz-sympy>", "exec"), namespace)
    syms = sympy.symbols("x y")
    expr = namespace["f"](*syms)
    subs = dict(zip(syms, point))
    return [float(sympy.diff(expr, s).evalf(subs=subs)) for s in syms]


_SYMPY_EXAMPLES = max(10, settings.default.max_examples // 5)


@settings(max_examples=_SYMPY_EXAMPLES)
@given(programs(control=False, sympy_only=True), POINTS)
def test_straight_line_programs_match_sympy(program, point):
    assert program.straight
    fn = check_program(program, point)
    expected = sympy_derivatives(program, point)
    assume(all(math.isfinite(e) for e in expected))
    got = grad(fn, wrt=WRT)(*point)
    assert close(got, expected, rel=1e-6), f"{got} != sympy {expected}"


#: statements adcompiler refuses, each with a fragment of its error message
UNSUPPORTED = [
    ("del x", "del statement"), ("assert x > 0", "assert statement"),
    ("print(x)", "expression statements"), ("import os", "import statement"),
    ("global q", "global statement"), ("t = {x: y}", "dict literal"),
    ("t = [v for v in (x, y)]", "list comprehension"), ("t = f'{x}'", "f-string"),
    ("t = 'text'", "str constants"), ("x.real = 1.0", "assignment to an attribute"),
    ("t = lambda v: v", "lambda"),
    ("t = undefined_name * x", "name 'undefined_name' is not defined"),
    ("t = math.gamma(x)", "math.gamma"), ("t = (x, y)[0:1]", "slice"),
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
