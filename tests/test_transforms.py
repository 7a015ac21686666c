"""The JAX-style API: seed 002's worked examples, vector outputs, Hessians,
HVPs, higher derivatives, the command line and the errors."""
import math
import os
import subprocess
import sys
from math import cos, exp, log, sin

import numpy as np
import pytest
import sympy

from adcompiler import (AdcError, UsageError, derivative, grad, hessian, hvp, jacobian, jvp,
                        value_and_grad, vjp)
from adcompiler.api.linearize import jvp_function
from adcompiler.api.higher import hvp_function
from adcompiler.transform import composite
from adcompiler.frontend.source import load_live
from budget import SYMPY_SECONDS, time_budget
from oracles import Dual, dual_grad, dualize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def f002(x1, x2):
    return log(x1) + x1 * x2


def cube(x):
    return x ** 3


def x1_cos_x2(x1, x2):
    return x1 * cos(x2)


def x2_over_cos(x):
    return x ** 2 / cos(x)


# ---------------------------------------------------------------- seed 002
def test_seed002_tangent_trace():
    assert grad(f002, wrt=0, mode="forward")(2.0, 5.0) == pytest.approx(5.5, abs=1e-15)
    value, tangent = jvp(f002, (2.0, 5.0), (1.0, 0.0))
    assert value == pytest.approx(math.log(2) + 10, abs=1e-15)
    assert tangent == pytest.approx(5.5, abs=1e-15)


def test_seed002_tangent_code_has_the_trace():
    src = jvp_function(f002, 2).source
    assert "x1_dot / x1" in src and "x2_dot" in src


def test_seed002_cube_value_first_second():
    assert derivative(cube, order=0)(2.0) == 8.0
    assert derivative(cube, order=1)(2.0) == pytest.approx(12.0, abs=1e-15)
    assert derivative(cube, order=2)(2.0) == pytest.approx(12.0, abs=1e-15)
    assert derivative(cube, order=3)(2.0) == pytest.approx(6.0, abs=1e-15)
    assert derivative(cube, order=4)(2.0) == 0.0


def test_seed002_x1_cos_x2_gradient_forward():
    d1, d2 = grad(x1_cos_x2, wrt=(0, 1), mode="forward")(2.0, math.pi)
    assert d1 == pytest.approx(-1.0, abs=1e-15)
    assert d2 == pytest.approx(0.0, abs=1e-15)


def test_seed002_x2_over_cos_forward():
    value, d = value_and_grad(x2_over_cos, mode="forward")(math.pi)
    assert value == pytest.approx(-math.pi ** 2, abs=1e-12)
    assert d == pytest.approx(-2 * math.pi, abs=1e-12)


# ---------------------------------------------------------------- vector outputs
def polar(r, t):
    return r * cos(t), r * sin(t), r * r


def _dual_jacobian(fn, point):
    dfn = dualize(fn)
    cols = []
    for j in range(len(point)):
        outs = dfn(*[Dual(a, float(k == j)) for k, a in enumerate(point)])
        cols.append([o.d for o in outs])
    return np.array(cols).T


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_of_tuple_output(mode):
    got = np.array(jacobian(polar, wrt=(0, 1), mode=mode)(2.0, 0.5))
    assert got == pytest.approx(_dual_jacobian(polar, (2.0, 0.5)), rel=1e-14)


def test_jacobian_shapes():
    assert jacobian(polar, wrt=0)(2.0, 0.5) == pytest.approx((cos(0.5), sin(0.5), 4.0))
    assert jacobian(f002, wrt=(0, 1))(2.0, 5.0) == pytest.approx((5.5, 2.0))
    assert jacobian(f002)(2.0, 5.0) == pytest.approx(5.5)


def test_jacobian_auto_picks_the_cheaper_mode():
    assert jacobian(polar, wrt=(0, 1)).chosen_mode() == "forward"  # 2 inputs, 3 outputs
    assert jacobian(f002, wrt=(0, 1)).chosen_mode() == "reverse"  # 2 inputs, 1 output
    assert "_jvp" in jacobian(polar, wrt=(0, 1)).source
    assert "_bwd" in jacobian(f002, wrt=(0, 1)).source


def test_jvp_and_vjp_of_tuple_output_are_transposes():
    point, v, w = (2.0, 0.5), (0.3, -1.1), (0.7, 0.2, -0.4)
    out, jv = jvp(polar, point, v)
    out2, pull = vjp(polar, *point)
    assert out == pytest.approx(polar(*point)) and out2 == pytest.approx(out)
    wj = pull(w)
    assert np.dot(w, jv) == pytest.approx(np.dot(wj, v), rel=1e-14)
    J = _dual_jacobian(polar, point)
    assert jv == pytest.approx(tuple(J @ v), rel=1e-14)
    assert "polar_bwd" in pull.source


# ---------------------------------------------------------------- second order
def rosenbrock(x0, x1, x2, x3, x4):
    total = 0.0
    for a, b in zip((x0, x1, x2, x3), (x1, x2, x3, x4)):
        total = total + 100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2
    return total


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] -= 400 * x[i]
        H[i + 1, i] -= 400 * x[i]
    return H


POINT5 = (0.3, -1.2, 0.8, 1.5, -0.4)


def test_rosenbrock_hessian_is_analytic():
    H = np.array(hessian(rosenbrock, wrt=(0, 1, 2, 3, 4))(*POINT5))
    assert H == pytest.approx(rosenbrock_hessian(POINT5), rel=1e-13, abs=1e-12)


def test_hvp_equals_hessian_times_v():
    v = (1.0, -0.5, 2.0, 0.25, -3.0)
    H = rosenbrock_hessian(POINT5)
    assert np.array(hvp(rosenbrock, POINT5, v)) == pytest.approx(H @ np.array(v), rel=1e-13)


def test_grad_of_grad_and_jacobian_of_grad_are_the_hessian():
    H = rosenbrock_hessian(POINT5)
    assert grad(grad(rosenbrock, wrt=2), wrt=3)(*POINT5) == pytest.approx(H[2, 3], rel=1e-13)
    J = np.array(jacobian(grad(rosenbrock, wrt=(0, 1, 2, 3, 4)), wrt=(0, 1, 2, 3, 4))(*POINT5))
    assert J == pytest.approx(H, rel=1e-13, abs=1e-12)


def poly(x):
    return 3 * x ** 5 - 2 * x ** 3 + x * x - 7


def exp_sin(x):
    return exp(sin(x))


@pytest.mark.parametrize("fn,expr", [(poly, lambda x: 3 * x ** 5 - 2 * x ** 3 + x * x - 7),
                                     (exp_sin, lambda x: sympy.exp(sympy.sin(x)))])
@pytest.mark.parametrize("x", [0.3, -1.7])
def test_third_derivative_against_sympy(fn, expr, x):
    s = sympy.Symbol("x")
    with time_budget(SYMPY_SECONDS, "sympy"):
        want = {k: float(sympy.diff(expr(s), s, k).evalf(subs={s: x})) for k in (1, 2, 3)}
    for k in (1, 2, 3):
        assert derivative(fn, order=k)(x) == pytest.approx(want[k], rel=1e-12, abs=1e-12)
    # grad(grad(grad(f))) is forward over forward over reverse
    assert grad(grad(grad(fn)))(x) == pytest.approx(want[3], rel=1e-12)


def test_emitted_code_is_deterministic():
    a = composite.hessian(load_live(rosenbrock), (0, 1, 2, 3, 4)).compiled().source
    b = composite.hessian(load_live(rosenbrock), (0, 1, 2, 3, 4)).compiled().source
    assert a == b


def test_hvp_code_pushes_tangents_on_the_tape():
    from corpus import logistic_map
    src = hvp_function(logistic_map, 1).source
    assert "def logistic_map_hvp(x, n=8, x_dot=0.0):" in src
    assert "tape.append((l, l_dot))" in src and "l_bar_dot" in src
    hv = hvp(logistic_map, (0.3,), (2.0,))
    assert hv == pytest.approx(2.0 * hessian(logistic_map)(0.3), rel=1e-14)


# ---------------------------------------------------------------- errors
def test_reverse_over_reverse_is_refused_clearly():
    with pytest.raises(AdcError, match="forward over reverse"):
        grad(grad(cube), mode="reverse")
    with pytest.raises(AdcError, match="reverse over reverse"):
        vjp(grad(cube), 1.0)


def test_bad_arguments():
    with pytest.raises(UsageError, match="mode"):
        grad(cube, mode="sideways")
    with pytest.raises(UsageError, match="order"):
        derivative(cube, order=-1)
    with pytest.raises(UsageError, match="one tangent per primal"):
        jvp(f002, (1.0, 2.0), (1.0,))
    with pytest.raises(AdcError, match="3 outputs"):
        grad(polar, mode="forward")(1.0, 2.0)


# ---------------------------------------------------------------- command line
def _adc(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "adcompiler", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def _run(src: str, name: str):
    ns: dict = {}
    exec(compile(src, "<cli>", "exec"), ns)
    return ns[name]


def test_cli_forward_and_second_order(tmp_path):
    path = tmp_path / "seed002.py"
    path.write_text("from math import log\n\ndef f(x1, x2):\n    return log(x1) + x1 * x2\n")
    fwd = _adc("compile", str(path), "--mode", "forward", "--wrt", "x1,x2")
    assert fwd.returncode == 0, fwd.stderr
    assert "forward mode" in fwd.stdout
    assert _run(fwd.stdout, "f_grad")(2.0, 5.0) == pytest.approx((5.5, 2.0))
    second = _adc("compile", str(path), "--order", "2", "--wrt", "x1,x2")
    assert second.returncode == 0, second.stderr
    H = _run(second.stdout, "f_hessian")(2.0, 5.0)
    assert np.array(H) == pytest.approx(np.array([[-0.25, 1.0], [1.0, 0.0]]))
    ff = _adc("compile", str(path), "--order", "2", "--mode", "forward")
    assert _run(ff.stdout, "f_d2")(2.0, 5.0) == pytest.approx(-0.25)
    bad = _adc("compile", str(path), "--order", "3", "--mode", "forward", "--wrt", "0,1")
    assert bad.returncode == 1 and "single --wrt" in bad.stderr


def test_docs_show_the_emitted_code():
    """Every ``def f_...`` block of docs/forward_or_reverse.md is what the
    compiler emits for examples/seed002_modes.py today."""
    import re
    with open(os.path.join(ROOT, "docs", "forward_or_reverse.md")) as fh:
        doc = fh.read()
    emitted = (_adc("compile", "examples/seed002_modes.py", "--wrt", "x1,x2").stdout
               + _adc("compile", "examples/seed002_modes.py", "--wrt", "x1,x2", "--mode",
                      "forward").stdout)
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import seed002_modes
    finally:
        sys.path.pop(0)
    emitted += jvp_function(seed002_modes.f, 2).source
    blocks = [b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if b.startswith("def f_")]
    assert len(blocks) == 3
    for block in blocks:
        assert block.strip() in emitted


def seed001_f(v1, v2):
    return v1 * v2 - sin(v2)


def test_seed001_both_modes():
    point = (1.5, 0.5)
    want = dual_grad(seed001_f, point, (0, 1))
    for mode in ("forward", "reverse"):
        assert grad(seed001_f, wrt=(0, 1), mode=mode)(*point) == pytest.approx(want, rel=1e-15)


def only_x_varies(x, y):
    a = sin(y) * y
    return x * a + exp(x)


def test_only_values_depending_on_the_seed_get_tangents():
    src = grad(only_x_varies, wrt=0, mode="forward").source
    assert "cos" not in src and "y_dot" not in src
    assert grad(only_x_varies, wrt=0, mode="forward")(0.5, 2.0) == pytest.approx(
        dual_grad(only_x_varies, (0.5, 2.0), (0,))[0], rel=1e-15)
    jsrc = jvp_function(only_x_varies, 2).source
    assert "def only_x_varies_jvp(x, y, x_dot, y_dot):" in jsrc and "cos" in jsrc
