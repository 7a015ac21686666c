"""Generated scalar and NumPy programs through every transform that applies
(``grad`` in both modes, ``value_and_grad``, ``jvp``, ``jacobian``,
``hessian``; reverse mode for arrays) against central differences with a step
check (``tests/fuzz``).  Accepted: the oracle's numbers, or a refusal
(``CompileError`` with a line, ``UsageError``).  Programs shrink on failure
(hypothesis drives the grammar's decisions).

CI leaves out the features listed in ``tests/fuzz/known.py:KNOWN_OPEN`` (open
bugs of issue 12); the long run generates everything:

    python -m tests.fuzz.run --count 10000
"""
from __future__ import annotations

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from fuzz.arrays import array_program
from fuzz.check import check_program
from fuzz.choose import DataChooser
from fuzz.known import array_features, scalar_features
from fuzz.oracle import Timeout, budget
from fuzz.scalar import scalar_program

pytestmark = pytest.mark.fuzz

_EXAMPLES = max(20, settings.default.max_examples // 4)  # 50 each in the ci profile


def _check(program):
    note(program.source)
    result = check_program(program)
    note(f"point = {result.point!r}, wrt = {program.wrt}")
    failures = [f"{f.checker}: {f.verdict}: {f.detail}" for f in result.failures()]
    assert not failures, "\n".join(failures)
    assert result.status != "timeout"


@settings(max_examples=_EXAMPLES)
@given(st.data())
def test_scalar_programs(data):
    _check(scalar_program(DataChooser(data), scalar_features()))


@settings(max_examples=_EXAMPLES)
@given(st.data())
def test_numpy_programs(data):
    _check(array_program(DataChooser(data), array_features()))


def test_budget_interrupts_a_hang():
    """The time budget every oracle and checker call runs under really stops
    a loop that would not end (a hung CI run lands nothing)."""
    with pytest.raises(Timeout):
        with budget(0.2):
            while True:
                pass
