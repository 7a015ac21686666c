"""Issue 12, item 10: stale globals, closures and helpers.

A derivative must agree with calling the function *now*: after a module
global, a closure cell, a helper or a module attribute is rebound, both an
existing ``grad(f)`` and a fresh one give the new gradient (notebook cells
re-run hit this).  Every gradient is checked against central differences of
the function as it runs at that moment.
"""
import math

import numpy as np
import pytest

from adcompiler import grad, hessian, jvp, source, value_and_grad, vjp
from adcompiler.api import reverse_grad as api
from adcompiler.errors import CompileError
from oracles import central_diff


def fd(fn, *args, i=0):
    return central_diff(fn, args, i, 1e-6)


def agrees(g, f, *args, i=0):
    want = fd(f, *args, i=i)
    assert g(*args) == pytest.approx(want, rel=1e-6, abs=1e-7)


GLOBAL_FLOAT = """
import math
LAM = 2.0
def f(x):
    return LAM * x * x + math.sin(x)
"""


def test_module_global_float_rebound(module_from_source):
    mod = module_from_source(GLOBAL_FLOAT)
    kept = grad(mod.f)
    agrees(kept, mod.f, 1.5)
    mod.LAM = 10.0
    agrees(grad(mod.f), mod.f, 1.5)  # a fresh grad(f)
    agrees(kept, mod.f, 1.5)  # and the one made before
    assert "10.0" in kept.source and "2.0" not in kept.source.split("\n", 1)[1]


def test_value_and_grad_and_source_see_the_new_value(module_from_source):
    mod = module_from_source(GLOBAL_FLOAT)
    vg = value_and_grad(mod.f)
    vg(0.5)
    mod.LAM = -3.0
    value, g = vg(0.5)
    assert value == pytest.approx(mod.f(0.5))
    assert g == pytest.approx(fd(mod.f, 0.5), rel=1e-6)
    assert "-3.0" in source(mod.f) or "3.0" in source(mod.f)


def test_global_loop_bound_rebound(module_from_source):
    mod = module_from_source("""
N = 2
def f(x):
    y = x
    for _ in range(N):
        y = y * x
    return y
""")
    g = grad(mod.f)
    agrees(g, mod.f, 1.1)
    mod.N = 5
    agrees(g, mod.f, 1.1)


def test_global_tuple_rebound(module_from_source):
    mod = module_from_source("""
C = (1.0, 2.0)
def f(x):
    return C[0] * x + C[1] * x * x
""")
    g = grad(mod.f)
    agrees(g, mod.f, 0.7)
    mod.C = (1.0, -4.0)
    agrees(g, mod.f, 0.7)


NONLOCAL = """
import math
def make(c):
    def f(x):
        return c * math.sin(x)
    def set_c(v):
        nonlocal c
        c = v
    return f, set_c
"""


def test_closure_cell_rebound_by_nonlocal(module_from_source):
    mod = module_from_source(NONLOCAL)
    f, set_c = mod.make(2.0)
    g = grad(f)
    agrees(g, f, 0.3)
    set_c(7.0)
    agrees(g, f, 0.3)
    agrees(grad(f), f, 0.3)


def test_recreated_closure(module_from_source):
    mod = module_from_source(NONLOCAL)
    f2, _ = mod.make(2.0)
    f5, _ = mod.make(5.0)
    agrees(grad(f2), f2, 0.3)
    agrees(grad(f5), f5, 0.3)


HELPERS = """
def h1(x):
    return x * x
def h2(x):
    return 5.0 * x
h = h1
def f(x):
    return h(x) + x
def square(x):
    return 3.0 * x
def g(x):
    return abs(x) + square(x)
"""


def test_helper_rebound(module_from_source):
    mod = module_from_source(HELPERS)
    g = grad(mod.f)
    agrees(g, mod.f, 2.0)  # 2x + 1 = 5
    mod.h = mod.h2
    agrees(g, mod.f, 2.0)  # 5 + 1 = 6
    agrees(grad(mod.f), mod.f, 2.0)


def test_helper_redefined_with_the_same_name(module_from_source):
    mod = module_from_source(HELPERS)
    g = grad(mod.g)
    agrees(g, mod.g, -2.0)
    mod.square = mod.h1  # a notebook cell redefining square
    agrees(g, mod.g, -2.0)


def test_builtin_shadowed_later(module_from_source):
    mod = module_from_source(HELPERS)
    g = grad(mod.g)
    agrees(g, mod.g, -2.0)
    mod.abs = mod.h2  # now abs(x) in g calls h2
    agrees(g, mod.g, -2.0)


def test_helper_reads_its_own_global(module_from_source):
    mod = module_from_source("""
K = 1.0
def h(x):
    return K * x * x
def f(x):
    return h(x) * 2.0
""")
    g = grad(mod.f)
    agrees(g, mod.f, 1.3)
    mod.K = 4.0
    agrees(g, mod.f, 1.3)


def test_module_attribute_helper_and_constant(module_from_source):
    helpers = module_from_source("""
SCALE = 2.0
def h(x):
    return x * x
def other(x):
    return x * x * x
""", "helpers")
    mod = module_from_source("""
hp = None
def f(x):
    return hp.h(x) * hp.SCALE
""")
    mod.hp = helpers
    g = grad(mod.f)
    agrees(g, mod.f, 1.2)
    helpers.h = helpers.other  # module.h = other
    agrees(g, mod.f, 1.2)
    helpers.SCALE = -1.5
    agrees(g, mod.f, 1.2)


def test_module_alias_rebound(module_from_source):
    mod = module_from_source("""
import math as m
def f(x):
    return m.sin(x)
""")
    g = grad(mod.f)
    agrees(g, mod.f, 0.4)
    mod.m = np  # m.sin is now np.sin: same values, the gradient still right
    agrees(g, mod.f, 0.4)
    mod.m = module_from_source("def sin(x):\n    return 3.0 * x * x\n", "fake_math")
    agrees(g, mod.f, 0.4)  # m.sin is now a user function


def test_default_value_is_the_one_def_evaluated(module_from_source):
    """Python evaluates ``a=N`` once, when ``def`` runs: a later ``N = 5.0``
    does not change what ``f(x)`` computes, so it must not change the gradient."""
    mod = module_from_source("""
N = 3.0
def f(x, a=N):
    return a * x * x
""")
    mod.N = 5.0
    agrees(grad(mod.f), mod.f, 1.0)


def test_helper_default_is_the_one_def_evaluated(module_from_source):
    mod = module_from_source("""
N = 3.0
def h(x, a=N):
    return a * x
def f(x):
    return h(x) * x
""")
    mod.N = 5.0
    agrees(grad(mod.f), mod.f, 1.0)


def test_defaults_reassigned(module_from_source):
    mod = module_from_source("""
def f(x, a=3.0):
    return a * x * x
""")
    g = grad(mod.f)
    agrees(g, mod.f, 1.0)
    mod.f.__defaults__ = (7.0,)
    agrees(g, mod.f, 1.0)


def test_array_code_sees_a_rebound_global(module_from_source):
    mod = module_from_source("""
import numpy as np
LAM = 0.5
def f(w):
    return LAM * np.sum(w * w)
""")
    w = np.array([1.0, -2.0, 3.0])
    g = grad(mod.f)
    assert np.allclose(g(w), 2 * 0.5 * w)
    mod.LAM = 4.0
    assert np.allclose(g(w), 2 * 4.0 * w)
    assert np.allclose(grad(mod.f)(w), 2 * 4.0 * w)


def test_forward_mode_and_second_order_see_the_new_value(module_from_source):
    mod = module_from_source(GLOBAL_FLOAT)
    fwd = grad(mod.f, mode="forward")
    hess = hessian(mod.f)
    fwd(1.0), hess(1.0), jvp(mod.f, (1.0,), (1.0,)), vjp(mod.f, 1.0)
    mod.LAM = 6.0
    assert fwd(1.0) == pytest.approx(fd(mod.f, 1.0), rel=1e-6)
    assert hess(1.0) == pytest.approx(2 * 6.0 - math.sin(1.0))
    assert jvp(mod.f, (1.0,), (1.0,))[1] == pytest.approx(12.0 + math.cos(1.0))
    assert vjp(mod.f, 1.0)[1](1.0)[0] == pytest.approx(12.0 + math.cos(1.0))
    assert grad(grad(mod.f), mode="forward")(1.0) == pytest.approx(2 * 6.0 - math.sin(1.0))


def test_equal_value_keeps_the_compiled_code(module_from_source):
    """Rebinding to an equal number (a notebook cell re-run) does not
    recompile: the check compares values, not only identities."""
    mod = module_from_source(GLOBAL_FLOAT)
    g = grad(mod.f)
    g(1.0)
    before = api._entry(mod.f, (0,), False, None)[0]
    mod.LAM = float("2.0")
    g(1.0)
    assert api._entry(mod.f, (0,), False, None)[0] is before
    mod.LAM = 2.5
    g(1.0)
    assert api._entry(mod.f, (0,), False, None)[0] is not before


def test_nan_global_does_not_recompile_every_call(module_from_source):
    mod = module_from_source(GLOBAL_FLOAT)
    mod.LAM = float("nan")
    g = grad(mod.f)
    assert math.isnan(g(1.0))
    first = api._entry(mod.f, (0,), False, None)[0]
    mod.LAM = float("nan")  # another nan object
    assert math.isnan(g(1.0))
    assert api._entry(mod.f, (0,), False, None)[0] is first


def test_deleted_global_is_an_error_not_the_old_gradient(module_from_source):
    mod = module_from_source(GLOBAL_FLOAT)
    g = grad(mod.f)
    g(1.0)
    del mod.LAM
    with pytest.raises(CompileError, match="LAM"):
        g(1.0)


GLOBAL_ARRAY = """
import numpy as np
W = np.array([1.0, 2.0, 3.0])
def h(v):
    W = v * 2.0          # a local named like the global: the emitted names differ
    return np.sum(W * W)
def f(x):
    return np.sum(W * x) + h(x) * np.sum(W)
def g(s):
    return s * np.sum(W * W) + np.dot(W, W) * s * s
def lin(x):
    return np.sum(W * x)
"""


def test_global_array_rebound_and_mutated(module_from_source):
    mod = module_from_source(GLOBAL_ARRAY)
    x = np.array([0.5, -1.0, 2.0])
    g = grad(mod.f)
    assert np.allclose(g(x), central_diff(mod.f, (x,), 0), rtol=1e-6)
    mod.W[0] = 10.0  # mutated in place: read when the derivative runs
    assert np.allclose(g(x), central_diff(mod.f, (x,), 0), rtol=1e-6)
    mod.W = np.array([1.0, -1.0, 0.5])  # rebound
    assert np.allclose(g(x), central_diff(mod.f, (x,), 0), rtol=1e-6)
    assert np.allclose(grad(mod.f)(x), central_diff(mod.f, (x,), 0), rtol=1e-6)
    mod.W = np.array([1.0, 2.0])  # a new shape: compiled again for it
    x2 = np.array([0.3, 0.4])
    assert np.allclose(g(x2), central_diff(mod.f, (x2,), 0), rtol=1e-6)


def test_global_array_with_scalar_argument(module_from_source):
    mod = module_from_source(GLOBAL_ARRAY)
    g = grad(mod.g)
    assert g(2.0) == pytest.approx(fd(mod.g, 2.0), rel=1e-6)
    mod.W *= 3.0
    assert g(2.0) == pytest.approx(fd(mod.g, 2.0), rel=1e-6)


def test_global_array_reshaped_in_place_recompiles(module_from_source):
    mod = module_from_source(GLOBAL_ARRAY)
    mod.W = np.arange(1.0, 7.0)
    x = np.ones(6)
    g = grad(mod.lin)
    assert np.allclose(g(x), mod.W)
    # the same object, another shape (W * x is now 6 x 6); resize, since
    # NumPy 2.5 deprecates assigning to .shape
    mod.W.resize((6, 1), refcheck=False)
    assert np.allclose(g(x), central_diff(mod.lin, (x,), 0), rtol=1e-6)


def test_gradient_is_not_the_global_array(module_from_source):
    mod = module_from_source(GLOBAL_ARRAY)
    g = grad(mod.lin)(np.ones(3))
    g *= 0.0  # the caller updates the gradient in place
    assert np.array_equal(mod.W, [1.0, 2.0, 3.0])


def test_global_array_in_closure(module_from_source):
    mod = module_from_source("""
import numpy as np
def make(a):
    def f(x):
        return np.sum(a * x * x)
    return f
""")
    a = np.array([1.0, 2.0])
    f = mod.make(a)
    g = grad(f)
    x = np.array([0.5, -1.5])
    assert np.allclose(g(x), 2 * a * x)
    a[1] = -4.0
    assert np.allclose(g(x), 2 * a * x)


def test_global_array_refused_where_unsupported(module_from_source):
    mod = module_from_source(GLOBAL_ARRAY + "C = np.array([1j, 2j])\n"
                             "def c(x):\n    return np.sum(C * x)\n")
    # forward mode reads global arrays since issue 15: d/ds at 1 is 14 + 2 * 14
    assert grad(mod.g, mode="forward")(1.0) == pytest.approx(42.0, rel=1e-14)
    with pytest.raises(CompileError, match="C is a complex128 array"):
        grad(mod.c)(np.ones(2))


def test_global_array_named_like_a_parameter_of_the_caller(module_from_source):
    helpers = module_from_source("""
import numpy as np
W = np.array([1.0, 2.0])
def h(v):
    return np.sum(W * v)
""", "helpers")
    mod = module_from_source("""
hp = None
def f(x, W):
    return hp.h(x) * W
""")
    mod.hp = helpers
    with pytest.raises(CompileError, match="parameter"):
        grad(mod.f)(np.ones(2), 2.0)


def test_global_array_attributes_methods_and_indices(module_from_source):
    mod = module_from_source("""
import numpy as np
W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
IDX = np.array([0, 2, 2])
MASK = np.array([True, False, True])
def rows(x):
    s = 0.0
    for i in range(len(W)):
        s = s + np.sum(W[i] * x)
    return s
def transposed(x):
    return np.sum((W.T @ x[IDX]) ** 2)
def masked(x):
    return np.sum(x[MASK] * x[MASK]) * W.sum()
def shaped(x):
    return np.sum(np.sum(W, axis=0) * x) + W.shape[0] * np.sum(x * x)
""")
    for name, x in [("rows", [0.5, -1.0]), ("transposed", [0.3, 0.1, -0.4]),
                    ("masked", [0.3, 0.1, -0.4]), ("shaped", [0.5, -1.0])]:
        f, x = getattr(mod, name), np.array(x)
        g = grad(f)
        assert np.allclose(g(x), central_diff(f, (x,), 0), rtol=1e-6), name
        mod.W *= -0.5  # seen at the next call
        assert np.allclose(g(x), central_diff(f, (x,), 0), rtol=1e-6), name


def test_global_name_assigned_in_the_function_is_a_local(module_from_source):
    """``C = C + x`` makes C local: Python raises UnboundLocalError, so the
    compiler must not differentiate it as if C were the global."""
    mod = module_from_source("""
C = 2.0
def f(x):
    C = C + x
    return C * x
""")
    with pytest.raises(UnboundLocalError):
        mod.f(1.0)
    with pytest.raises(CompileError, match="read before it is assigned"):
        grad(mod.f)(1.0)


def test_in_place_operator_on_a_global_array_is_refused(module_from_source):
    """``V = W; V *= 2.0`` changes the global array on every call of f."""
    mod = module_from_source("""
import numpy as np
W = np.array([1.0, 2.0])
def alias(x):
    V = W
    V *= 2.0
    return np.sum(V * x)
def view(x):
    V = W[:1]
    V += 1.0
    return np.sum(V * x)
""")
    for f, x in ((mod.alias, np.ones(2)), (mod.view, np.ones(1))):
        with pytest.raises(CompileError, match="global array W"):
            grad(f)(x)
    assert np.array_equal(mod.W, [1.0, 2.0])


def test_global_array_named_like_emitted_module_names(module_from_source):
    mod = module_from_source("""
import numpy
np = numpy.array([1.0, 2.0])
f_grad = numpy.array([1.0, 2.0])
def f(x):
    return numpy.sum(np * x)
def g(x):
    return numpy.sum(f_grad * x)
""")
    for fn in (mod.f, mod.g):
        with pytest.raises(CompileError, match="rename it"):
            grad(fn)(np.ones(2))
