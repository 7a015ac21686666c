"""transform/tape.py's ``_reads_of`` (issue 18): the primal values an
adjoint loop body reads, in the order ``ordered_free_vars`` gives them, for
every loop of the corpus' gradients and of loops with branches and inner
loops in their bodies (the walk it falls back to)."""
import pytest

from adcompiler.core.ir import ordered_free_vars
from adcompiler.frontend.program import lower_program
from adcompiler.frontend.source import load_live
from adcompiler.optimize.passes import optimize
from adcompiler.transform import tape as tape_module
from adcompiler.transform.reverse import reverse_function

import corpus


def nested_loops(x, n=3):
    s = x
    for i in range(n):
        s = s * x + 1.0
        for j in range(2):
            s = s * 0.5 + x
        if s > 2.0:
            s = s - x * x
    return s


def flat_loop(x, n=4):
    a, b = x, x * x
    for i in range(n):
        a = a * b + x
        b = b - a * 0.5
    return a + b


CASES = [(c[0].__name__, c[0], c[2]) for c in corpus.CORPUS] + [
    ("nested_loops", nested_loops, (0,)), ("flat_loop", flat_loop, (0,))]


@pytest.mark.parametrize("name,fn,wrt", CASES, ids=[c[0] for c in CASES])
def test_reads_of_is_ordered_free_vars_in_level(name, fn, wrt, monkeypatch):
    calls = []
    real = tape_module._reads_of

    def checked(block, level):
        got = real(block, level)
        want = [v for v in ordered_free_vars(block) if v.name in level]
        assert [(v.name, v.hint) for v in got] == [(v.name, v.hint) for v in want]
        calls.append(block)
        return got

    monkeypatch.setattr(tape_module, "_reads_of", checked)
    program, key = lower_program(load_live(fn))
    reverse_function(optimize(program.functions[key]), wrt)
    if name in ("nested_loops", "flat_loop"):
        assert calls  # the loops were taped
