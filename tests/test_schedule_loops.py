"""Loop bodies read a carried value's old version before its new one is
computed, where that saves the copy (optimize/schedule.py)."""
import math

import pytest

import adcompiler
import adcompiler.compiler as compiler
from adcompiler.core.ir import Eqn, ForRange, verify
from adcompiler.frontend.source import load_live
from adcompiler.optimize import schedule
from adcompiler.optimize.schedule import schedule_loops
from adcompiler.transform import composite
from corpus import cases, sine_tower


def fib_like(x, n=5):
    a, b = x, 1.0
    for _ in range(n):
        a, b = b, a + b * x
    return a


def two_lines(x, n=4):
    s = x
    for _ in range(n):
        t = math.sin(s)
        s = t * s
    return s


def _body_code(source: str) -> list:
    return [line.strip() for line in source.splitlines()
            if line.startswith("        ") and not line.strip().startswith("#")]


def test_the_tangent_reads_the_old_value_first_no_copy():
    code = _body_code(adcompiler.grad(sine_tower, mode="forward").source)
    assert code == ["s_dot *= math.cos(s) + 0.5", "s = math.sin(s) + 0.5 * s"]


def _forward_ir(fn, wrt=(0,)) -> list:
    """The forward-mode functions before ``finish`` (so before this pass)."""
    return composite.forward_grad(composite.primal(load_live(fn)), wrt, "g").functions


def test_the_ir_moves_the_tangent_above_the_new_value():
    loop = next(s for s in schedule_loops(_forward_ir(sine_tower)[0]).body.stmts
                if isinstance(s, ForRange))
    prims = [s.prim for s in loop.body.stmts]
    assert prims[-1] == "add" and loop.body.stmts[-1].outs[0] == loop.body.results[0]
    assert "cos" in prims and prims.index("mul", prims.index("cos")) < len(prims) - 1


def test_a_swap_keeps_its_copy_and_the_source_order():
    """``a, b = b, a + b * x``: the old ``a`` and ``b`` are both read after
    each new one; nothing to gain, so nothing moves."""
    ir = _forward_ir(fib_like)[0]
    assert schedule_loops(ir) is ir


def test_statements_of_another_line_do_not_move():
    """``t``'s line stays above ``s``'s (each comment heads its own
    statements); within ``s``'s line its tangent goes first."""
    src = adcompiler.grad(two_lines, mode="forward").source
    lines = [line.strip() for line in src.splitlines()]
    heads = [line for line in lines if line.startswith("# line ")]
    assert [h.split(": ", 1)[1] for h in heads][-2:] == ["t = math.sin(s)", "s = t * s"]
    assert _body_code(src) == ["t = math.sin(s)", "t_dot = s_dot * math.cos(s)",
                               "s_dot = t_dot * s + s_dot * t", "s = t * s"]


@pytest.mark.parametrize("name,fn,point,wrt", cases(), ids=[c[0] for c in cases()])
def test_scheduled_code_computes_the_same_bits(name, fn, point, wrt, monkeypatch):
    """Forward and reverse code of every corpus function, with and without the
    pass: a reordering of pure equations, so the same floats exactly."""
    for mode in ("forward", "reverse"):
        got = adcompiler.grad(fn, wrt=wrt, mode=mode)(*point)
        with monkeypatch.context() as m:
            m.setattr(compiler, "schedule_loops", lambda f: f)
            want = adcompiler.grad(fn, wrt=wrt, mode=mode)(*point)
        assert _bits(got) == _bits(want), mode


def test_every_scheduled_function_verifies():
    """The pass's output is valid SSA (every value defined before it is read)."""
    for _, fn, point, wrt in cases():
        for ir in _forward_ir(fn, tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,)):
            verify(schedule_loops(ir))


def _bits(value):
    values = value if isinstance(value, (tuple, list)) else (value,)
    return tuple("nan" if isinstance(v, float) and math.isnan(v) else float(v).hex()
                 for v in values)


def test_no_moving_across_a_call_or_a_tape():
    assert {"call", "check"} <= schedule._STAYS
    assert not schedule._movable(Eqn((), "push", ()), 0)
