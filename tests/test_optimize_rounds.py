"""optimize ends after a round that left no work for the next one (issue 18):
what it returns is what the full fixpoint (rounds until one changes nothing)
returns, and the rounds that do leave work are recognised as unsettled."""
import pytest

from adcompiler.core.ir import verify
from adcompiler.core.pretty import dump
from adcompiler.frontend.program import lower_program
from adcompiler.frontend.source import load_live
from adcompiler.optimize import passes
from adcompiler.optimize.passes import _Simplifier, dce, optimize, prune_tapes, simplify
from adcompiler.transform.reverse import reverse_function

import corpus


def lowered(fn):
    program, key = lower_program(load_live(fn))
    return program.functions[key]


def fixpoint(fn):
    """optimize as it was: rounds until one changes nothing."""
    while True:
        new = prune_tapes(dce(simplify(fn)))
        if new == fn:
            return new
        fn = new


def rounds_settled(fn) -> list:
    """Whether each round of the full fixpoint was settled."""
    out = []
    while True:
        s = _Simplifier()
        new = prune_tapes(dce(s.function(fn)))
        out.append(s.settled)
        if new == fn:
            return out
        fn = new


def invariant_after_body(x, n):
    y = x
    for i in range(n):
        y = y * 1  # the body hands y back unchanged, seen only once simplified
    return y + x


def rewrite_chain(x):
    return (-x * -1) * x  # mul(neg x, -1) becomes neg(neg x), then x: two rounds


def while_invariant(x):
    y, k = x, 0
    while k < 3:
        y = y * 1
        k = k + 1
    return y * x


@pytest.mark.parametrize("fn", [invariant_after_body, rewrite_chain, while_invariant])
def test_a_round_leaving_work_is_unsettled_and_the_next_round_runs(fn):
    ir = lowered(fn)
    assert rounds_settled(ir)[0] is False
    got = optimize(ir)
    verify(got)
    assert dump(got) == dump(fixpoint(ir))
    assert "neg" not in dump(got) and "for " not in dump(got)


def test_an_invariant_loop_value_found_after_the_body_leaves_no_loop():
    got = dump(optimize(lowered(invariant_after_body)))
    assert "range" not in got and "mul" not in got, got


@pytest.mark.parametrize("case", corpus.CORPUS, ids=[c[0].__name__ for c in corpus.CORPUS])
def test_optimize_is_the_full_fixpoint_on_the_corpus(case, monkeypatch):
    monkeypatch.setattr(passes, "CHECK_SETTLED", False)  # compared here instead
    fn, _, wrt = case
    ir = lowered(fn)
    assert dump(optimize(ir)) == dump(fixpoint(ir))
    grad, _ = reverse_function(fixpoint(ir), wrt)
    assert dump(optimize(grad)) == dump(fixpoint(grad))


def test_the_settled_check_catches_a_round_that_would_change_the_ir(monkeypatch):
    """CHECK_SETTLED (on in the tests) is an assertion that can fail: a
    simplifier that calls every round settled trips it on a rewrite chain."""
    monkeypatch.setattr(passes, "CHECK_SETTLED", True)

    class Careless(_Simplifier):
        settled = property(lambda self: True, lambda self, value: None)

    monkeypatch.setattr(passes, "_Simplifier", Careless)
    with pytest.raises(AssertionError, match="settled"):
        optimize(lowered(rewrite_chain))


@pytest.mark.parametrize("case", corpus.CORPUS, ids=[c[0].__name__ for c in corpus.CORPUS])
def test_the_tape_census_is_the_three_walks_it_replaces(case):
    """optimize/tapes.py tape_census: local_tapes, the pops of local tapes
    and uses (by name), in one walk, on every gradient of the corpus (with tapes)."""
    from adcompiler.core.ir import Eqn, uses, walk
    from adcompiler.optimize.tapes import tape_census
    from adcompiler.transform.forward import local_tapes
    fn, _, wrt = case
    for grad in (reverse_function(fixpoint(lowered(fn)), wrt)[0],):
        local, pops, counts = tape_census(grad)
        assert local == local_tapes(grad) and counts == {v.name: n for v, n in uses(grad.body).items()}
        assert pops == {s.args[0]: s for s in walk(grad.body)
                        if isinstance(s, Eqn) and s.prim == "pop" and s.args[0] in local}
