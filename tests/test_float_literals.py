"""Int literals beside floats are emitted as floats (optimize/literals.py):
only where the other operand is known to be a float, with the same result
to the last bit, and never where Python would compute with integers."""
import math
import random

import pytest

import adcompiler
from corpus import logistic_map as logistic
from adcompiler.arrays.shapes import SCALAR, Inference
from adcompiler.compiler import lower
from adcompiler.core.ir import Const, Eqn, walk
from adcompiler.frontend.source import load_live
from adcompiler.optimize.literals import float_literals
from adcompiler.optimize.passes import optimize


def sines(x):
    return 2 * math.sin(x) + 3 * x


def turns_int(x, n=3):
    l = x
    s = 0.0
    for i in range(n):
        s = s + 3 * l
        l = int(l * 2)
    return s * x


def indexed(x, n=3):
    s = 0.0
    for i in range(n):
        s = s + (i + 1) * x
    return s


def _ir(fn):
    program, key = lower(load_live(fn))
    return optimize(program.functions[key])


def _literals(fn) -> list:
    """``(prim, literal)`` of every number literal, the literal as its repr
    (``2`` and ``2.0`` differ)."""
    return [(s.prim, repr(a.value)) for s in walk(fn.body) if isinstance(s, Eqn)
            for a in s.args if isinstance(a, Const) and type(a.value) in (int, float)]


def test_beside_a_float_an_int_literal_becomes_a_float():
    before = _ir(sines)
    after = float_literals(before)
    assert ("mul", "2") in _literals(before)
    assert ("mul", "2.0") in _literals(after) and ("mul", "2") not in _literals(after)
    assert ("mul", "3") in _literals(after)  # beside the parameter: it may be an int


def test_a_parameter_said_to_be_a_float_makes_its_values_floats():
    fn = _ir(logistic)
    assert float_literals(fn) is fn  # nothing known to be a float: unchanged
    after = _literals(float_literals(fn, ("x",)))
    assert ("mul", "4.0") in after and ("sub", "1.0") in after
    assert ("mul", "4") not in after and ("sub", "1") not in after


def test_a_loop_value_that_turns_int_is_not_a_float():
    """``l`` enters the loop a float and comes back an int: the body walked
    again without the assumption, ``3 * l`` keeps its int."""
    after = _literals(float_literals(_ir(turns_int), ("x",)))
    assert ("mul", "3") in after


def test_index_arithmetic_keeps_its_ints():
    after = _literals(float_literals(_ir(indexed), ("x",)))
    assert ("add", "1") in after


def test_inference_forgets_an_optimistic_float():
    fn = _ir(turns_int)
    inference = Inference()
    inference.run(fn, {p.name: SCALAR for p in fn.params}, {"x": "f"})
    threes = [s.outs[0] for s in walk(fn.body) if isinstance(s, Eqn) and s.prim == "mul"
              and Const(3) in s.args]
    assert threes and all(inference.dtypes.get(v) != "f" for v in threes)


def test_reverse_code_shows_float_literals_only_where_provable():
    src = adcompiler.source(sines)
    assert "3.0 + 2.0 * math.cos(x)" in src
    src = adcompiler.source(logistic)  # reverse mode, as adc compile prints it
    assert "4 - 8 * l" in src  # l is x's value: an int for an int x


@pytest.mark.parametrize("fn", [logistic, sines, turns_int])
def test_chosen_forward_code_gives_the_same_bits(fn):
    """grad() runs forward code with float literals for a float argument; the
    forward code ``adc compile --mode forward`` prints (int literals) gives
    the same float to the last bit."""
    g = adcompiler.grad(fn)
    plain = {}
    exec(adcompiler.grad(fn, mode="forward").source, plain)
    reference = plain[fn.__name__ + "_grad"]
    rng = random.Random(7)
    for _ in range(200):
        x = rng.uniform(-2.0, 2.0)
        assert g(x) == reference(x) or (math.isnan(g(x)) and math.isnan(reference(x)))
    g(0.3)
    code = "\n".join(line for line in g.source.splitlines() if not line.strip().startswith("#"))
    if fn is not turns_int:
        assert " 4 * " not in code and "2 * math" not in code


def test_an_int_argument_still_computes_with_python_ints():
    """The chosen code is for float arguments: an int runs the shared code,
    with Python's integers (exact, growing) as f(3) does."""
    g = adcompiler.grad(logistic)
    assert g(0.25) == pytest.approx(_central(logistic, 0.25), rel=1e-6)
    with pytest.raises(OverflowError):
        g(3, 12)  # f(3, 12) is an int of thousands of digits: no float holds it


def _central(fn, x, h=1e-6):
    return (fn(x + h) - fn(x - h)) / (2 * h)
