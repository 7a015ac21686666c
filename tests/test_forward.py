"""Forward mode on the shared corpus, against reverse mode and the oracles,
and the second-order transforms (forward over reverse, forward over forward)."""
import math

import pytest

from adcompiler import grad, value_and_grad
from adcompiler.api import derivative, hessian, hvp, jacobian
from corpus import CORPUS, cases
from oracles import central_diff, dual_grad

CASES = cases()
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=IDS)
def test_forward_matches_reverse_and_dual_numbers(name, fn, point, wrt):
    forward = grad(fn, wrt=wrt, mode="forward")(*point)
    reverse = grad(fn, wrt=wrt, mode="reverse")(*point)
    expected = dual_grad(fn, point, wrt)
    assert tuple(forward) == pytest.approx(tuple(expected), rel=1e-10, abs=1e-12)
    assert tuple(forward) == pytest.approx(tuple(reverse), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=IDS)
def test_forward_value_is_the_function_value(name, fn, point, wrt):
    value, _ = value_and_grad(fn, wrt=wrt, mode="forward")(*point)
    assert value == pytest.approx(fn(*point), rel=1e-12, abs=1e-12)


def _oracle_second(fn, point, i, j, h=1e-5):
    """d2 f / dxi dxj: central difference (in xj) of the dual-number gradient."""
    return central_diff(lambda *p: dual_grad(fn, p, (i,))[0], point, j, h)


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=IDS)
def test_forward_over_reverse_hessian(name, fn, point, wrt):
    """The Hessian transforms the emitted reverse code (tapes, fwd/bwd pairs)."""
    got = hessian(fn, wrt=wrt)(*point)
    for a, i in enumerate(wrt):
        for b, j in enumerate(wrt):
            want = _oracle_second(fn, point, i, j)
            assert got[a][b] == pytest.approx(want, rel=1e-5, abs=1e-5), (i, j)
            assert got[a][b] == pytest.approx(got[b][a], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=IDS)
def test_forward_over_forward_second_derivative(name, fn, point, wrt):
    i = wrt[0]
    got = derivative(fn, order=2, wrt=i)(*point)
    assert got == pytest.approx(_oracle_second(fn, point, i, i), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=IDS)
def test_grad_of_grad_is_forward_over_reverse(name, fn, point, wrt):
    i = wrt[-1]
    inner = grad(fn, wrt=i)
    got = grad(inner, wrt=i)(*point)
    assert got == pytest.approx(hessian(fn, wrt=i)(*point), rel=1e-12, abs=1e-12)


def test_hessian_through_helper_called_with_inactive_arguments():
    """``_looped(y*y)`` does not vary with x: its fwd/bwd pair is still
    transformed so that pushes and pops of its tape agree."""
    from corpus import calls_looped
    col = jacobian(grad(calls_looped, wrt=(0, 1)), wrt=0)(0.4, 0.7)
    for k in range(2):
        assert col[k] == pytest.approx(_oracle_second(calls_looped, (0.4, 0.7), k, 0),
                                       rel=1e-6, abs=1e-6)


def test_corpus_is_the_shared_one():
    assert len(CORPUS) >= 26 and len(CASES) > len(CORPUS)


def test_hvp_on_corpus_function_with_loop():
    from corpus import nested_loops
    point, v = (0.3, 0.8), (0.7, -1.3)
    h = hessian(nested_loops, wrt=(0, 1))(*point)
    expected = tuple(sum(h[i][j] * v[j] for j in range(2)) for i in range(2))
    assert hvp(nested_loops, point, v) == pytest.approx(expected, rel=1e-12)


def test_math_names_are_not_taken_for_tangents():
    from corpus import seed000_J
    src = value_and_grad(seed000_J, mode="forward").source
    compile(src, "<src>", "exec")
    assert "def seed000_J_value_and_grad(w, x=1.0):" in src
