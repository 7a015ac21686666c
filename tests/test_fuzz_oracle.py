"""The fuzzer's own parts: the oracle's step check, the classification of
outcomes, and the grammars' coverage of every feature they claim."""
from __future__ import annotations

import math

import numpy as np
import pytest

import fuzz.check as check
from adcompiler import CompileError
from fuzz import arrays, scalar
from fuzz.choose import SeedChooser
from fuzz.oracle import partials, second_partial
from fuzz.program import Program


def test_smooth_derivatives_match():
    est = partials(lambda x, y: math.sin(x) * math.exp(y), (0.3, 0.4), (0, 1))
    assert est[0].smooth and est[1].smooth
    assert est[0].value == pytest.approx(math.cos(0.3) * math.exp(0.4), rel=1e-8)
    arr = partials(lambda X, s: float(np.sum(np.sin(X)) * s), (np.ones((2, 2)), 2.0), (0,))
    np.testing.assert_allclose(arr[0].value, 2 * np.cos(np.ones((2, 2))), rtol=1e-8)


@pytest.mark.parametrize("fn, x", [
    (abs, 0.0),                                        # a kink
    (lambda x: float(math.floor(x)), 1e8),             # jumps below the relative step
    (lambda x: float(math.floor(1e12 * x)), 0.3),      # a steep staircase
    (lambda x: x if x > 0.3 else 2 * x, 0.3 + 1e-7),   # a branch switch inside the step
])
def test_not_smooth_points_are_skipped(fn, x):
    assert not partials(lambda a, b: fn(a), (x, 0.0), (0,))[0].smooth


def test_second_derivative_sees_a_switch_that_keeps_f_and_its_slope():
    f = lambda x, y: math.log(1 + x * x) if x > 0 else 0.0  # noqa: E731
    assert not second_partial(f, (1e-9, 0.0), 0, 0)[1]
    est, smooth, _ = second_partial(lambda x, y: math.sin(x) * math.exp(y), (0.3, 0.4), 0, 1)
    assert smooth and est == pytest.approx(math.cos(0.3) * math.exp(0.4), rel=1e-5)


SOURCE = "import math\n\n\ndef f(x, y):\n    return math.sin(x) * y\n"


def _program():
    return Program(SOURCE, "scalar", [(0.5, 1.5)], (0, 1))


def test_a_correct_program_passes():
    assert check.check_program(_program()).status == "passed"


@pytest.mark.parametrize("fake, verdict", [
    (lambda fn, wrt=0, mode=None: lambda *a: (0.0, 0.0), "wrong"),      # wrong numbers
    (lambda fn, wrt=0, mode=None: lambda *a: (True, 0.5), "wrong"),     # a bool gradient
    (lambda fn, wrt=0, mode=None: lambda *a: 1 / 0, "internal"),        # any other exception
])
def test_failures_are_classified(monkeypatch, fake, verdict):
    monkeypatch.setattr(check, "grad", fake)
    result = check.check_program(_program())
    assert result.status == verdict
    assert any(f.checker in ("reverse", "forward") and f.verdict == verdict
               for f in result.failures())


def test_a_compile_error_needs_a_line(monkeypatch):
    def refuse(line):
        def make(fn, wrt=0, mode=None):
            def call(*a):
                raise CompileError("not supported", "f.py", line)
            return call
        return make
    monkeypatch.setattr(check, "grad", refuse(3))
    assert {f.verdict for f in check.check_program(_program()).findings
            if f.checker == "reverse"} == {"refused"}
    monkeypatch.setattr(check, "grad", refuse(0))
    assert check.check_program(_program()).status == "internal"


@pytest.mark.parametrize("module, make", [(scalar, scalar.scalar_program),
                                          (arrays, arrays.array_program)])
def test_grammar_writes_every_feature_and_runnable_programs(module, make):
    seen, runnable = set(), 0
    for seed in range(600):
        program = make(SeedChooser(seed))
        seen |= program.features
        namespace = {}
        exec(compile(program.source, "<fuzz>", "exec"), namespace)  # noqa: S102
        for point in program.points:
            try:
                namespace["f"](*[np.copy(a) if isinstance(a, np.ndarray) else a for a in point])
                runnable += 1
                break
            except Exception:  # noqa: BLE001 -- f may fail at a point; counted
                pass
    assert module.ALL_FEATURES <= seen, module.ALL_FEATURES - seen
    assert runnable >= 0.9 * 600
