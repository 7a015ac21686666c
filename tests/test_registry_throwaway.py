"""A primitive added through the registry alone differentiates everywhere.

The test registers ``softplus`` -- a function of a module the compiler has
never heard of (``throwaway_fns``) -- as one record: its evaluation, its
spelling, its derivative rule, its sympy form and its test domain.  Nothing
else in the package changes, yet the lowering accepts calls of it, both
modes differentiate it, the emitted code imports and calls it, the trace
views evaluate and tabulate it, and the systematic test checks it.  The
fixture then restores the registry.
"""
from __future__ import annotations

import math

import pytest

import adcompiler
import throwaway_fns
from adcompiler.prims.helpers import div, neg, spellings
from adcompiler.prims.record import REGISTRY, register
from adcompiler.core.ir import Const
from test_registry_systematic import check_record

SOURCE = """\
import throwaway_fns


def f(x, y):
    return throwaway_fns.softplus(x * y) + y
"""


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def r_softplus(b, e, i, g):
    """softplus'(x) = 1 / (1 + exp(-x)), times g."""
    x = e.args[0]
    return div(b, g, b.eqn("add", Const(1.0), b.eqn("exp", neg(b, x), ns="math")))


@pytest.fixture
def softplus():
    saved = dict(REGISTRY)
    record = register("softplus", 1, impl=throwaway_fns.softplus, form="call", op="softplus",
                      partial=r_softplus, spellings=spellings(throwaway_fns="softplus"),
                      dtype="float", domain=((-3.0, 3.0),),
                      sympy=lambda x: __import__("sympy").log(1 + __import__("sympy").exp(x)))
    try:
        yield record
    finally:
        REGISTRY.clear()
        REGISTRY.update(saved)


def test_before_it_is_registered_its_source_is_differentiated(module_from_source):
    """Unregistered, softplus is one more Python function: its source (with its
    branch) is inlined; registered, it is one primitive (see below)."""
    f = module_from_source(SOURCE).f
    source = adcompiler.grad(f).source
    assert "softplus_fwd" in source and "import throwaway_fns" not in source


def test_gradients_in_both_modes(module_from_source, softplus):
    f = module_from_source(SOURCE).f
    x, y = 0.7, -1.3
    want = (y * sigmoid(x * y), x * sigmoid(x * y) + 1.0)  # the analytic derivative
    reverse = adcompiler.grad(f, wrt=(0, 1))
    assert reverse(x, y) == pytest.approx(want, rel=1e-14)
    both = adcompiler.value_and_grad(f, wrt=(0, 1))
    value, gradient = both(x, y)
    assert value == pytest.approx(throwaway_fns.softplus(x * y) + y, rel=1e-15)
    assert gradient == pytest.approx(want, rel=1e-14)
    assert "import throwaway_fns\n" in both.source  # emitted code calls the module's function
    assert "throwaway_fns.softplus(_t1)" in both.source
    assert adcompiler.grad(f, wrt=(0, 1), mode="forward")(x, y) == pytest.approx(want, rel=1e-14)
    value, tangent = adcompiler.jvp(f, (x, y), (1.0, 0.0))
    assert value == pytest.approx(throwaway_fns.softplus(x * y) + y, rel=1e-15)
    assert tangent == pytest.approx(want[0], rel=1e-14)
    # second order: forward over reverse differentiates the rule's own IR
    h = adcompiler.hessian(f, wrt=(0, 1))(x, y)
    s = sigmoid(x * y) * (1 - sigmoid(x * y))
    assert h[0][0] == pytest.approx(y * y * s, rel=1e-12)


def test_trace_views(module_from_source, softplus):
    f = module_from_source(SOURCE).f
    x, y = 0.7, -1.3
    want = {"x": y * sigmoid(x * y), "y": x * sigmoid(x * y) + 1.0}
    reverse = adcompiler.trace(f, x, y, mode="reverse")
    assert reverse.gradient == pytest.approx(want, rel=1e-14)
    forward = adcompiler.trace(f, x, y, mode="forward", seed="x")
    assert forward.value == pytest.approx(throwaway_fns.softplus(x * y) + y, rel=1e-15)
    assert forward.tangent == pytest.approx(want["x"], rel=1e-14)
    assert "softplus" in str(forward)
    text = adcompiler.wengert(f).to_text()
    assert "softplus(" in text
    # the graph's edge labels are the rule's partial, written out
    dot = adcompiler.graph(f, partials=True, ascii_only=True).source
    assert "softplus(v" in dot and "1 / (1 + exp(-v" in dot


def test_checked_by_the_systematic_test(module_from_source, softplus):
    assert check_record(module_from_source, softplus) == 1


def test_registry_restored():
    assert "softplus" not in REGISTRY


SHADOWED = """\
import scipy.special
import throwaway_fns


def f(scipy, throwaway_fns):
    return g(scipy) * h(throwaway_fns)


def g(x):
    return scipy.special.erf(x)


def h(x):
    return throwaway_fns.softplus(x)
"""


def test_a_parameter_may_shadow_the_module_a_primitive_lives_in(module_from_source, softplus):
    """The emitted helpers still reach the modules (imported under another
    name), as the user's helpers do."""
    f = module_from_source(SHADOWED).f
    x, y = 0.4, -0.8
    both = adcompiler.value_and_grad(f, wrt=(0, 1))
    value, (dx, dy) = both(x, y)
    erf, sp = math.erf(x), throwaway_fns.softplus(y)
    assert value == pytest.approx(erf * sp, rel=1e-15)
    assert dx == pytest.approx(2 / math.sqrt(math.pi) * math.exp(-x * x) * sp, rel=1e-14)
    assert dy == pytest.approx(erf * sigmoid(y), rel=1e-14)
    assert "import throwaway_fns as _throwaway_fns\n" in both.source
    assert "import scipy.special\n_scipy = scipy\n" in both.source
