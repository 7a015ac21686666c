"""A gradient is defined for a scalar output only (as JAX's ``grad``).

Before this was checked, ``grad`` of ``x * w`` with an array ``x`` returned
a number (the gradient of one element, or of the sum), ``adc compile``
emitted a gradient for it, and shapes that cannot broadcast (``x=3,w=4``)
emitted ``return w``.  Now an output known to be an array is a
CompileError at the return line, an output of unknown shape is checked by
the emitted code on every call, and operands that cannot broadcast are a
CompileError at their line.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError

SOURCE = textwrap.dedent('''\
    import numpy as np


    def f(x, w):
        return x * w


    def g(x, w):
        return f(x, w) + 1.0


    def branchy(x, w):
        if w > 0:
            return x * w
        return x - w


    def mixed(x):
        if x[0] > 0:
            return x * 2.0
        return np.sum(x)


    def loss(x, w):
        return np.sum(x * w)
    ''')


@pytest.fixture()
def module(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(SOURCE)
    namespace: dict = {}
    exec(compile(SOURCE, str(path), "exec"), namespace)
    return path, namespace


def _cli(path, *args):
    return subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(path), *args],
                          capture_output=True, text=True)


# ---------------------------------------------------------------- API
@pytest.mark.parametrize("name,line", [("f", 5), ("g", 9), ("branchy", 14)])
@pytest.mark.parametrize("transform", [adcompiler.grad, adcompiler.value_and_grad])
def test_api_refuses_array_output_at_the_return_line(module, name, line, transform):
    path, ns = module
    with pytest.raises(CompileError) as info:
        transform(ns[name])(np.ones(3), 2.0)
    err = info.value
    assert err.filename == str(path) and err.line == line
    assert "shape (3,)" in err.message and "scalar output" in err.message
    assert "jacobian" in err.message and "vjp" in err.message


def test_api_output_of_unknown_shape_is_checked_when_called(module):
    _, ns = module
    gradient = adcompiler.grad(ns["mixed"])
    with pytest.raises(ValueError, match=r"shape \(3,\).*scalar output"):
        gradient(np.ones(3))
    # the scalar branch still gives its gradient (d sum(x) / dx = 1)
    assert np.array_equal(gradient(-np.ones(3)), np.ones(3))
    value, g = adcompiler.value_and_grad(ns["mixed"])(-np.ones(3))
    assert value == -3.0 and np.array_equal(g, np.ones(3))


def test_api_scalar_output_still_works(module):
    _, ns = module
    x = np.array([1.0, 2.0, 3.0])
    assert np.allclose(adcompiler.grad(ns["loss"])(x, 2.0), [2.0, 2.0, 2.0])
    assert np.isclose(adcompiler.grad(ns["loss"], wrt=1)(x, 2.0), 6.0)
    assert adcompiler.grad(ns["f"])(3.0, 2.0) == 2.0  # scalars: a scalar output


def test_api_shapes_that_cannot_broadcast(module):
    path, ns = module
    with pytest.raises(CompileError) as info:
        adcompiler.grad(ns["loss"])(np.ones(3), np.ones(4))
    assert info.value.line == 25 and "cannot be broadcast" in info.value.message


def test_jacobian_and_vjp_keep_array_like_outputs():
    def two(x, y):
        return x * y, x + y
    assert adcompiler.jacobian(two, wrt=(0, 1))(2.0, 3.0) == ((3.0, 2.0), (1.0, 1.0))
    out, pull = adcompiler.vjp(two, 2.0, 3.0)
    assert out == (6.0, 5.0) and pull((1.0, 0.0)) == (3.0, 2.0)


# ---------------------------------------------------------------- CLI
@pytest.mark.parametrize("name,line", [("f", 5), ("g", 9), ("branchy", 14)])
def test_cli_refuses_array_output(module, name, line):
    path, _ = module
    run = _cli(path, "-f", name, "--shapes", "x=3")
    assert run.returncode != 0 and run.stdout == ""
    assert f"model.py:{line}:" in run.stderr and "shape (3,)" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_shapes_that_cannot_broadcast(module):
    path, _ = module
    run = _cli(path, "-f", "f", "--shapes", "x=3,w=4")
    assert run.returncode != 0 and run.stdout == ""
    assert "model.py:5:" in run.stderr and "cannot be broadcast" in run.stderr
    assert "(3,) and (4,)" in run.stderr and "Traceback" not in run.stderr


def test_cli_unknown_output_shape_is_checked_at_run_time(module, tmp_path):
    path, _ = module
    out = tmp_path / "f_grad.py"
    run = _cli(path, "-f", "f", "--arrays", "x", "-o", str(out))
    assert run.returncode == 0, run.stderr
    ns: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), ns)
    with pytest.raises(ValueError, match=r"f returned an array of shape \(3,\)"):
        ns["f_grad"](np.ones(3), 2.0)
    assert ns["f_grad"](np.float64(3.0), 2.0) == 2.0  # a 0-d value is a scalar output


def test_cli_scalar_code_has_no_check(module):
    path, _ = module
    run = _cli(path, "-f", "f")
    assert run.returncode == 0, run.stderr
    assert "ndim" not in run.stdout and "raise" not in run.stdout
    run = _cli(path, "-f", "loss", "--shapes", "x=3")
    assert run.returncode == 0, run.stderr
    assert "returned an array" not in run.stdout
