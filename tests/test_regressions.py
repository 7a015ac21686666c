"""One named test per core bug found by the program fuzzer (tests/test_fuzz.py)
or while building the reliability checks.  Each says what was wrong."""
import pytest

from adcompiler import grad
from oracles import dual_grad


def check(fn, point, wrt=(0,)):
    got = grad(fn, wrt=wrt)(*point)
    got = got if isinstance(got, tuple) else (got,)
    assert got == pytest.approx(tuple(dual_grad(fn, point, wrt)), rel=1e-10, abs=1e-12)


def test_helper_called_only_in_while_condition_is_emitted(module_from_source):
    # The emitted module called h1 but did not define it (NameError): primal
    # callees were collected only from statements the reverse transform
    # visited, never from a while loop's condition block.
    mod = module_from_source(
        "def h1(u, v):\n"
        "    return u * v\n"
        "\n"
        "def f(x):\n"
        "    a = x\n"
        "    n = 0\n"
        "    while n < 2 and 1.0 < h1(1.0, 2.0):\n"
        "        a = a * x\n"
        "        n += 1\n"
        "    return a\n")
    check(mod.f, (1.5,))
    assert "def h1(" in grad(mod.f).source
