"""Reverse mode on the shared corpus against the dual-number oracle."""
import pytest

from adcompiler import grad
from corpus import cases
from oracles import dual_grad

CASES = cases()


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=[c[0] for c in CASES])
def test_reverse_matches_dual_numbers(name, fn, point, wrt):
    got = grad(fn, wrt=wrt)(*point)
    expected = dual_grad(fn, point, wrt)
    assert tuple(got) == pytest.approx(tuple(expected), rel=1e-10, abs=1e-12)
