"""Shape inference that knows sizes (issues 14 and 17): buffers sized by
``len(x)``, ``x.shape[k]`` and integer arithmetic on them get the argument's
dimension, so the emitted gradient needs no generic ``_unbroadcast`` and no
defensive copy of a buffer's adjoint; ``x.shape[0] * x`` keeps ``x``'s shape;
``adc compile --shapes`` ties two dimensions only when the code needs them
equal.  Every gradient is checked against central differences."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import adcompiler

ROOT = Path(__file__).resolve().parent.parent
CODE = Path(adcompiler.__file__).resolve().parent.parent  # the compiler under test
H = 1e-6


def central(f, args, k):
    """Central differences of ``f`` with respect to argument ``k``."""
    x = np.asarray(args[k], dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = H
        up, down = list(args), list(args)
        up[k], down[k] = x + e, x - e
        out[i] = (f(*up) - f(*down)) / (2 * H)
    return out


def check(f, args, atol=1e-6):
    """``grad(f)`` (first argument) against central differences; the source."""
    g = adcompiler.grad(f)
    np.testing.assert_allclose(g(*args), central(f, args, 0), atol=atol, rtol=1e-5)
    return g.source


def running(x):
    out = np.zeros(len(x))
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = 0.7 * out[i - 1] + x[i]
    return np.sum(out * out)


def offset_buffer(obs):
    n = obs.shape[0] - 1
    traj = np.zeros((n + 1, 2))
    traj[0] = obs[0]
    for i in range(n):
        traj[i + 1] = 0.5 * traj[i] + obs[i + 1] * obs[i + 1]
    r = traj - obs
    return np.sum(r * r)


def like_shape(x):
    buf = np.ones(x.shape)
    buf[0, 0] = 2.0
    return np.sum(buf * x * x)


def scaled_by_size(x):
    return np.sum(x.shape[0] * x * x) + np.sum(x.shape[-1] * np.sin(x))


def half(x):
    n = len(x) // 2
    a = x[:n]
    b = np.zeros(n)
    b[0] = 1.5
    b[n - 1] += 0.5
    return np.sum(a * b * a) + np.sum(x[n:] % 2 * x[n:])


def test_slice_and_buffer_sized_by_floor_division_agree():
    src = check(half, (np.array([0.3, -1.2, 0.7, 1.1, 0.5, 0.25]),))
    assert "_unbroadcast" not in src, src


def test_buffer_sized_by_len_needs_no_unbroadcast():
    src = check(running, (np.array([0.3, -1.2, 0.7, 1.1, 0.5]),))
    assert "_unbroadcast" not in src, src
    assert ".copy()" not in src, src


def test_buffer_sized_by_shape_arithmetic_is_the_arguments_size():
    obs = np.random.default_rng(0).normal(size=(7, 2))
    src = check(offset_buffer, (obs,))
    assert "_unbroadcast" not in src, src
    assert "traj_bar.copy()" not in src, src


def test_buffer_of_x_shape_has_x_shape():
    x = np.random.default_rng(1).normal(size=(3, 4))
    src = check(like_shape, (x,))
    assert "buf *= x" in src, src  # a fresh buffer of x's shape, updated in place


def test_size_times_array_keeps_the_arrays_shape():
    x = np.random.default_rng(2).normal(size=(4, 3))
    src = check(scaled_by_size, (x,))
    assert "_unbroadcast" not in src, src
    assert "gradient needs a scalar output" not in src, src  # the output is known scalar


def scaled(x):
    return x.shape[0] * x


def test_vjp_of_size_times_array_has_the_arrays_shape():
    """Its output shape was unknown, so vjp refused it (no cotangent shape)."""
    x = np.array([0.5, -1.0, 2.0])
    out, pullback = adcompiler.vjp(scaled, x)
    np.testing.assert_allclose(out, 3 * x)
    (got,) = pullback(np.array([1.0, 2.0, -1.0]))
    np.testing.assert_allclose(got, [3.0, 6.0, -3.0])


def _adc(path, fn, shapes):
    run = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(path), "-f", fn,
                          "--shapes", shapes], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(CODE), "PATH": ""})
    assert run.returncode == 0, run.stderr
    namespace: dict = {}
    exec(compile(run.stdout, f"{fn}_grad.py", "exec"), namespace)
    return run.stdout, namespace[f"{fn}_grad"]


def test_cli_rk4_is_shape_generic_without_unbroadcast():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import rk4_trajectory as rk4
    finally:
        sys.path.pop(0)
    src, grad = _adc(ROOT / "examples" / "rk4_trajectory.py", "loss", "theta=2,obs=41x2")
    assert "_unbroadcast" not in src and "traj_bar.copy()" not in src, src
    theta = np.array([1.5, 0.2])
    for n in (40, 9):  # compiled for 41 rows, runs on any number
        obs = rk4.observations(n=n, noise=0.01)
        np.testing.assert_allclose(grad(theta, obs), central(rk4.loss, (theta, obs), 0),
                                   atol=1e-5, rtol=1e-5)


SHORTER = textwrap.dedent("""
    import numpy as np

    def f(x):
        b = np.ones(len(x) - 1)
        return np.sum(b * x[0:1] * x[0:1]) + np.sum(np.sin(b) * x[1:])
""")


def test_offset_size_is_not_taken_for_the_arguments_size(tmp_path):
    """``len(x) - 1`` may be 1 (x of 2 items): the code must not assume it
    equals any other size."""
    path = tmp_path / "shorter.py"
    path.write_text(SHORTER)
    namespace: dict = {}
    exec(compile(SHORTER, str(path), "exec"), namespace)
    _, grad = _adc(path, "f", "x=5")
    for x in (np.array([0.4, -0.3, 1.2, 0.8, 0.1]), np.array([0.4, -0.3])):
        np.testing.assert_allclose(grad(x), central(namespace["f"], (x,), 0), atol=1e-6)


TIED = textwrap.dedent("""
    import numpy as np

    def f(X, w, v):
        r = X @ w - v
        return np.sum(r * r)
""")


def _exec(text, path):
    namespace: dict = {}
    exec(compile(text, str(path), "exec"), namespace)
    return namespace


def test_equal_literal_sizes_are_not_tied_unless_the_code_needs_it():
    src, grad = _adc(ROOT / "examples" / "rk4_trajectory.py", "loss", "theta=2,obs=41x2")
    assert "np.shape(obs)[1] != np.shape(theta)[0]" not in src, src
    assert "theta=n, obs=mxp" in src, src
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import rk4_trajectory as rk4
    finally:
        sys.path.pop(0)
    theta, obs = np.array([1.5, 0.2, 9.0]), rk4.observations(n=10)  # theta of 3: extra unused
    np.testing.assert_allclose(grad(theta, obs), central(rk4.loss, (theta, obs), 0),
                               atol=1e-5, rtol=1e-5)


def test_sizes_the_code_combines_are_tied_and_checked(tmp_path):
    path = tmp_path / "tied.py"
    path.write_text(TIED)
    src, grad = _adc(path, "f", "X=3x3,w=3,v=3")
    assert "X=nxm, w=m, v=n" in src, src  # X's columns with w (the @), its rows with v
    f = _exec(TIED, path)["f"]
    rng = np.random.default_rng(4)
    X, w, v = rng.normal(size=(4, 2)), np.array([0.3, -0.2]), rng.normal(size=4)
    np.testing.assert_allclose(grad(X, w, v), central(f, (X, w, v), 0), atol=1e-6)
    for bad in ((np.ones((4, 2)), np.ones(4), np.ones(4)), (X, w, np.ones(2))):
        try:
            grad(*bad)
        except ValueError as exc:
            assert "compiled for X=nxm, w=m, v=n" in str(exc)
        else:
            raise AssertionError("sizes the code needs equal were accepted unequal")


def test_entry_check_is_one_short_line_per_parameter():
    src, _ = _adc(ROOT / "examples" / "rk4_trajectory.py", "loss", "theta=2,obs=41x2")
    head = src[src.index("def loss_grad"):src.index("raise ValueError")].splitlines()
    assert head[1:] == ["    bad = np.ndim(theta) != 1 or np.shape(theta)[0] == 1",
                        "    bad = bad or np.ndim(obs) != 2 or 1 in np.shape(obs)",
                        "    if bad:", "        "], head
