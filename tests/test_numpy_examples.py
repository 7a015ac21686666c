"""The NumPy examples run and converge (small sizes), and the command line
compiles array code (known shapes, unknown shapes) into modules that run."""
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def example(name):
    return runpy.run_path(os.path.join(ROOT, "examples", name + ".py"))


def test_seed004_linear_regression_converges_to_one_one():
    w, loss = example("linear_regression")["fit"](n=50, steps=800)
    assert w == pytest.approx([1.0, 1.0], abs=0.05)
    assert loss < 0.005


def test_logistic_regression_matches_textbook_gradient_and_learns():
    mod = example("logistic_regression")
    X, y = mod["data"](60)
    w = np.array([0.1, -0.2, 0.3])
    p = 1 / (1 + np.exp(-(X @ w)))
    from adcompiler import grad
    np.testing.assert_allclose(grad(mod["cross_entropy"])(w, X, y), X.T @ (p - y) / len(y),
                               rtol=1e-12, atol=1e-15)
    w, loss, accuracy = mod["fit"](n=200, steps=300)
    assert accuracy > 0.75 and loss < 0.5


def test_seed003_network_trains():
    start, end, _, _ = example("seed003_network")["train"](n=60, steps=600)
    assert end < 0.1 * start


def test_scipy_minimize_with_compiled_jacobian():
    result = example("rosenbrock_scipy")["solve"](4)
    assert result.success
    np.testing.assert_allclose(result.x, np.ones(4), atol=1e-6)


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "adcompiler", "compile", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)


SOURCE = '''import numpy as np


def loss(w: np.ndarray, X: np.ndarray, y: np.ndarray):
    return np.sum((X @ w - y) ** 2)


def mixed(x: np.ndarray, b):
    return np.sum(np.sin(x) * b + x[:, None] * x)
'''


def load_module(text, tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return runpy.run_path(str(path))


def test_cli_with_shapes_emits_runnable_numpy_code(tmp_path):
    src = tmp_path / "model.py"
    src.write_text(SOURCE)
    out = run_cli(str(src), "-f", "loss", "--shapes", "w=3,X=5x3,y=5")
    assert out.returncode == 0, out.stderr
    grad_fn = load_module(out.stdout, tmp_path, "emitted1")["loss_grad"]
    rng = np.random.default_rng(0)
    w, X, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    np.testing.assert_allclose(grad_fn(w, X, y), 2 * X.T @ (X @ w - y), rtol=1e-12)


def test_cli_annotations_give_generic_code_that_is_correct(tmp_path):
    src = tmp_path / "model.py"
    src.write_text(SOURCE)
    out = run_cli(str(src), "-f", "mixed")
    assert out.returncode == 0, out.stderr
    assert "def _unbroadcast(g, like):" in out.stdout  # shapes unknown: reduced at run time
    grad_fn = load_module(out.stdout, tmp_path, "emitted2")["mixed_grad"]
    x, b = np.array([0.3, -1.2, 2.0]), 0.7
    # the (3,) term is broadcast over 3 rows: f = 3 b sum(sin x) + (sum x)^2
    np.testing.assert_allclose(grad_fn(x, b), 3 * np.cos(x) * b + 2 * x.sum(), rtol=1e-12)


def test_cli_rank_unknown_for_matmul_is_a_clear_error(tmp_path):
    src = tmp_path / "model.py"
    src.write_text(SOURCE)
    out = run_cli(str(src), "-f", "loss")
    assert out.returncode == 1
    assert "model.py:4:1: error: the number of dimensions of X is unknown" in out.stderr


def test_cli_bad_shapes_name_is_an_error(tmp_path):
    src = tmp_path / "model.py"
    src.write_text(SOURCE)
    out = run_cli(str(src), "-f", "loss", "--shapes", "v=3")
    assert out.returncode == 1 and "no compiled function has a parameter v" in out.stderr


def test_cli_without_declarations_never_assumes_scalars_for_array_code(tmp_path):
    src = tmp_path / "plain.py"
    src.write_text("import numpy as np\n\n\ndef f(x, b):\n    return np.sum(x * b) + b\n"
                   "\n\ndef g(u):\n    return np.sin(u) * u\n")
    out = run_cli(str(src), "--wrt", "0")
    assert out.returncode == 0, out.stderr
    mod = load_module(out.stdout, tmp_path, "emitted3")
    # f uses np.sum: its parameters may be arrays; here x is an array and b a float
    gx = mod["f_grad"](np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(gx, [3.0, 3.0])
    # g is elementwise code: compiled as scalar code, as before
    assert "_unbroadcast" not in out.stdout.split("def g_grad")[1]
