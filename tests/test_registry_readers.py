"""Passes that read a primitive's facts from its record, not from a list of
their own: the swell study's sympy forms, the lowering's spellings."""
from __future__ import annotations

import pytest

import adcompiler
from adcompiler.swellstudy.to_sympy import NotSymbolic


def test_swell_refuses_a_failing_operation_of_constants(module_from_source):
    """``3 // n`` with ``n = 0`` has no value: a refusal at its line (it was an
    internal ZeroDivisionError)."""
    f = module_from_source("def f(x, n=0):\n    return x * (3 // n)\n").f
    with pytest.raises(NotSymbolic, match=r"floordiv\(3, 0\) fails") as info:
        adcompiler.swell(f)
    assert info.value.line == 2


def test_swell_evaluates_operations_without_a_sympy_form_on_numbers(module_from_source):
    src = "import math\n\n\ndef f(x, n=7):\n    return x * math.floor(n / 2) + x * (n % 4)\n"
    report = adcompiler.swell(module_from_source(src).f, at=(3.0,))
    assert all(row.agrees for row in report.rows)


@pytest.mark.parametrize("expr,why", [
    ("math.floor(x) * x", "floor of a value that depends on the inputs is piecewise constant"),
    ("x % 3.0", "the operation mod has no symbolic form"),
])
def test_swell_refuses_operations_of_the_inputs_without_a_formula(module_from_source, expr, why):
    f = module_from_source(f"import math\n\n\ndef f(x):\n    return {expr}\n").f
    with pytest.raises(NotSymbolic, match=why):
        adcompiler.swell(f)


def test_a_registered_spelling_wins_over_the_functions_source(module_from_source):
    """The lowering asks the registry first: ``math.erf`` is one primitive
    (before its record existed it was 'not supported')."""
    f = module_from_source("import math\n\n\ndef f(x):\n    return math.erf(2.0 * x)\n").f
    assert adcompiler.grad(f)(0.0) == pytest.approx(4 / 3.141592653589793 ** 0.5, rel=1e-15)
