"""Primitives defined by a formula (prims/formula.py): one definition read by
evaluation, scalar emission and array code."""
from __future__ import annotations

import math

import numpy as np
import pytest

import adcompiler
from adcompiler.prims.formula import Arg, fold, reads
from adcompiler.prims.primitives import evaluate
from adcompiler.prims.record import REGISTRY

FORMULA_RECORDS = sorted(name for name, r in REGISTRY.items() if r.formula)


def test_the_formula_records():
    assert FORMULA_RECORDS == ["div", "keep_weight", "max_weight", "pow", "sign"]


@pytest.mark.parametrize("name", FORMULA_RECORDS)
def test_formulas_use_registered_primitives_and_their_own_arguments(name):
    record = REGISTRY[name]
    for tree in record.formula.values():
        used = []
        fold(tree, lambda k: None, lambda v: None, lambda prim, kids: used.append(prim))
        assert set(used) <= set(REGISTRY)
        assert all(0 <= k < record.nargs for k in reads(tree))


@pytest.mark.parametrize("prim,args,params,want", [
    ("sign", (2.5,), {}, 1.0), ("sign", (-0.1,), {}, -1.0), ("sign", (0.0,), {}, 0.0),
    ("sign", (-0.0,), {}, 0.0),
    ("max_weight", (2.0, 1.0), {}, 1.0), ("max_weight", (1.0, 1.0), {}, 0.5),
    ("max_weight", (1.0, 2.0), {}, 0.0),
    # builtin max(kept, challenger) keeps its first operand unless the other is greater
    ("keep_weight", (2.0, 1.0), {}, 0.0), ("keep_weight", (1.0, 1.0), {}, 0.5),
    ("keep_weight", (math.nan, 1.0), {}, 1.0),
    ("div", (1.0, 0.0), {"ieee": True}, math.inf), ("div", (-1.0, 0.0), {"ieee": True}, -math.inf),
    ("div", (3.0, 2.0), {"ieee": True}, 1.5),
    ("pow", (0.0, -1.0), {"ieee": True}, math.inf), ("pow", (2.0, -1.0), {"ieee": True}, 0.5),
    ("pow", (0.0, 0.5), {"ieee": True}, 0.0),
])
def test_evaluation_follows_the_formula(prim, args, params, want):
    assert evaluate(prim, args, params) == want


def test_ieee_division_of_zero_by_zero_is_nan():
    assert math.isnan(evaluate("div", (0.0, 0.0), {"ieee": True}))
    with pytest.raises(ZeroDivisionError):
        evaluate("div", (1.0, 0.0), {})  # plain division stays Python's


def test_an_argument_the_formula_reads_twice_is_computed_once(module_from_source):
    """sign(x * y + 1.0) is written ``1.0 if t > 0 else -1.0 if t < 0 else 0.0``:
    ``t`` is a temporary, not an expression written (and evaluated) twice."""
    f = module_from_source("def f(x, y):\n    return abs(x * y + 1.0)\n").f
    g = adcompiler.grad(f)
    code = [line for line in g.source.splitlines() if not line.strip().startswith("#")]
    assert sum(line.count("x * y + 1.0") for line in code) == 1
    assert g(0.5, -4.0) == 4.0 and g(0.5, 4.0) == 4.0


def test_on_arrays_the_formula_uses_numpy(module_from_source):
    src = ("import numpy as np\n\n\ndef f(x, y):\n"
           "    return np.sum(np.maximum(x, y) * np.abs(x))\n")
    f = module_from_source(src).f
    x, y = np.array([1.0, -2.0, 3.0]), np.array([1.0, 0.5, 4.0])
    g = adcompiler.grad(f)
    got = g(x, y)
    assert "np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0))" in g.source
    assert "np.sign(x)" in g.source
    want = np.maximum(x, y) * np.sign(x) + np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0)) \
        * np.abs(x)
    assert np.allclose(got, want, rtol=1e-14)


def test_arguments_are_arg_nodes():
    assert Arg(0) == Arg(0) and Arg(0) != Arg(1)
