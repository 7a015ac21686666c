"""Item writes ``out[idx] = e`` (issue 14): buffers allocated in the
function, filled item by item, in straight-line code, loops and branches,
with ``+=``, column writes and masks; every gradient against central
differences.  The refusals (a write NumPy would see differently: into a
parameter, a global, an array another live name shares, a fancy index, a
float into an integer array) name the construct and the line.  The record's
own rules are checked by tests/test_registry_arrays.py."""
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError
from oracles import central_diff

ROOT = Path(__file__).resolve().parent.parent


def check(f, args, wrt=(0,), atol=1e-6, rtol=1e-5):
    """``grad(f)`` against central differences for each argument in ``wrt``;
    the arguments are left unchanged; returns the emitted source."""
    before = [np.copy(a) for a in args]
    g = adcompiler.grad(f, wrt=wrt if len(wrt) > 1 else wrt[0])
    got = g(*args)
    got = got if len(wrt) > 1 else (got,)
    for k, value in zip(wrt, got):
        np.testing.assert_allclose(value, central_diff(f, args, k), atol=atol, rtol=rtol,
                                   err_msg=f"argument {k} of {f.__name__}")
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    return g.source


# ---------------------------------------------------------------- accepted writes
def straight(x):
    out = np.zeros(3)
    out[0] = x[0] * x[1]
    out[1] = np.sin(x[2])
    out[-1] = x[0] ** 2
    return np.sum(out * out)


def overwrite(x):
    out = np.ones(3)
    out[1] = x[0] * 3.0
    s = np.sum(out * x)
    out[1] = x[1] ** 2  # the first write is overwritten: its adjoint is cut
    return s + np.sum(out ** 2)


def filled_in_loop(x):
    n = len(x)
    out = np.zeros(n)
    for i in range(n):
        out[i] = x[i] * (i + 1.0)
    return np.sum(out ** 3)


def recurrence(x, a):
    out = np.zeros(len(x))
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = a * out[i - 1] + np.sin(x[i])
    return np.sum(out ** 2)


def in_branches(x, t):
    out = np.zeros(3)
    if t > 0.0:
        out[0] = x[0] * t
    else:
        out[1] = x[1] * t
    out[2] = x[2]
    return np.sum(out * out) + out[0]


def augmented(x):
    out = np.zeros(2)
    for i in range(len(x)):
        out[i % 2] += x[i] ** 2
        out[0] *= 1.5
    return out[0] * out[1]


def columns(X):
    M = np.zeros((X.shape[0], 3))
    for j in range(3):
        M[:, j] = X[:, 0] * (j + 1.0)
    M[1, 2] = X[1, 1] ** 2
    M[0, :] = X[0, :2].sum()
    return np.sum(M * M)


def masked(x):
    y = x * 2.0
    y[x < 0.5] = 0.0
    z = x * 1.0
    z[z > 1.0] = z[z > 1.0] ** 2
    return np.sum(y * x) + np.sum(z)


def empty_filled(x):
    out = np.empty(len(x))
    for i in range(len(x)):
        out[i] = np.exp(x[i]) - 1.0
    return np.sum(out * x)


def matrix(x):
    n = len(x)
    M = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            M[i, j] = x[i] * x[j] + (i == j)
    return np.sum(M @ x)


def like(x):
    out = np.zeros_like(x)
    out[1:] = x[:-1] * x[1:]
    out[0] = 1.0
    return np.sum(out ** 2)


def copy_of_param(x):
    y = x.copy()
    y[0] = y[1] * 2.0
    return np.sum(y * y)


def slice_writes(x, w):
    out = np.zeros(6)
    out[:3] = w * x[0]
    out[3:] = x
    out[::2] += 1.0
    return np.sum(out ** 2)


def nested_items(x):
    """``M[i][j] = v`` (and ``+=``) as people write it for lists of lists."""
    n = len(x)
    M = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            M[i][j] = x[i] - x[j] ** 2
        M[i][i] += 1.0
    return np.sum(M @ x)


def _fresh_buffer(x):
    b = np.zeros(3)
    b[1] = x[0] * x[1]
    return b


def _passes_through(x):
    return x


def helper_buffer(x):
    """A helper returns an array of its own: the caller may write into it."""
    b = _fresh_buffer(x)
    b[0] = x[2] ** 2
    return np.sum(b * b)


CASES = [
    (straight, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (overwrite, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (filled_in_loop, (np.array([0.3, -1.2, 0.7, 1.1]),), (0,)),
    (recurrence, (np.array([0.3, -1.2, 0.7, 1.1]), 0.8), (0, 1)),
    (in_branches, (np.array([0.3, -1.2, 0.7]), 0.5), (0, 1)),
    (in_branches, (np.array([0.3, -1.2, 0.7]), -0.5), (0, 1)),
    (augmented, (np.array([0.3, -1.2, 0.7, 0.4, 0.9]),), (0,)),
    (columns, (np.array([[0.3, -1.2], [0.7, 0.2], [1.5, -0.4]]),), (0,)),
    (masked, (np.array([0.3, 1.2, 0.7, 1.4, -0.2]),), (0,)),
    (empty_filled, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (matrix, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (nested_items, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (helper_buffer, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (like, (np.array([0.3, -1.2, 0.7, 2.0]),), (0,)),
    (copy_of_param, (np.array([0.3, -1.2, 0.7]),), (0,)),
    (slice_writes, (np.array([0.3, -1.2, 0.7]), np.array([1.0, 2.0, 0.5])), (0, 1)),
]


@pytest.mark.parametrize("f,args,wrt", CASES,
                         ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_gradient_matches_central_differences(f, args, wrt):
    check(f, args, wrt)


# ---------------------------------------------------------------- refusals
GLOBAL_BUF = np.zeros(3)


def into_parameter(x):
    x[0] = 2.0
    return np.sum(x * x)


def into_global(x):
    GLOBAL_BUF[0] = x[0]
    return np.sum(GLOBAL_BUF * x)


def alias_read_after(x):
    out = np.zeros(3)
    b = out
    out[0] = x[0]
    return np.sum(b * x)


def view_read_after(x):
    M = np.zeros((2, 3))
    r = M[0]
    M[0, 1] = x[1]
    return np.sum(r * x)


def through_a_view(x):
    M = np.zeros((2, 3))
    r = M[0]
    r[1] = x[1]
    return np.sum(M) + np.sum(r * x)


def old_value_in_loop(x):
    out = np.zeros(3)
    prev = out
    for i in range(3):
        out[i] = x[i] + np.sum(prev)
    return np.sum(out)


def fancy(x):
    out = np.zeros(3)
    out[np.array([0, 0, 1])] = x
    return np.sum(out * x)


def fancy_computed(x):
    out = np.zeros(3)
    out[np.argsort(x)] = x
    return np.sum(out * x)


def float_into_int(x):
    idx = np.arange(3)
    idx[0] = x[0]
    return np.sum(idx * x)


def item_of_slice(x):
    M = np.zeros((3, 3))
    M[1:][0] = x
    return np.sum(M * M)


def item_of_masked_rows(x):
    M = np.zeros((3, 3))
    M[x > 0.0][0] = x[0]
    return np.sum(M * M)


def bad_broadcast(x):
    M = np.zeros((3, 3))
    M[0] = np.ones(2) * x[0]
    return np.sum(M)


def into_number(x):
    s = x[0] * 2.0
    s[0] = 1.0
    return s


def into_tuple(x):
    t = (x[0], x[1])
    t[0] = 1.0
    return t[0] + t[1]


def into_helper_result(x):
    y = _passes_through(x)
    y[0] = 1.0
    return np.sum(y * x)


REFUSALS = [
    (into_parameter, r"item assignment x\[\.\.\.\] = \.\.\. writes into an array shared with "
                     r"the caller \(it is the parameter x\)", 1),
    (into_global, r"writes into the global GLOBAL_BUF", 1),
    (alias_read_after, r"item assignment out\[\.\.\.\] = \.\.\. writes into an array shared "
                       r"with b", 3),
    (view_read_after, r"item assignment M\[\.\.\.\] = .* shared with r", 3),
    (through_a_view, r"item assignment r\[\.\.\.\] = .* shared with M", 3),
    (old_value_in_loop, r"item assignment out\[\.\.\.\] = .* shared with prev", 4),
    (into_helper_result, r"item assignment y\[\.\.\.\] = .* shared with the parameter x",
     2),
    (fancy, r"integer-array index is not supported", 2),
    (fancy_computed, r"integer-array index is not supported", 2),
    (float_into_int, r"idx is an integer array: NumPy would truncate", 2),
    (item_of_slice, r"item of a slice .* is not supported: write one index", 2),
    (item_of_masked_rows, r"M\[i\]\[j\] = \.\.\. where i is not an integer: M\[i\] is then a "
                          "copy", 2),
    (bad_broadcast, r"a value of shape \(2,\) cannot be written into a part of shape \(3,\)", 2),
    (into_number, r"s is a number, not an array", 2),
    (into_tuple, r"item of the tuple or list t is not supported", 2),
]


@pytest.mark.parametrize("f,pattern,line", REFUSALS, ids=[r[0].__name__ for r in REFUSALS])
def test_refusals_name_the_construct_and_line(f, pattern, line):
    first = f.__code__.co_firstlineno
    with pytest.raises(CompileError, match=pattern) as info:
        adcompiler.grad(f)(np.array([0.3, -1.2, 0.7]))
    assert f":{first + line}:" in str(info.value)
    assert "item assignment" in str(info.value) or info.value.construct == "item assignment"


def view_of_row_read_after(x):
    M = np.ones((2, 3)) * x[0]
    row = M[0]
    M[0] = row * 2.0
    return np.sum(row) + np.sum(M)


def dead_write_seen_through_alias(x):
    out = np.zeros(3)
    b = out
    out[1] = x[1]
    return np.sum(b * x)


@pytest.mark.parametrize("f", [view_of_row_read_after, dead_write_seen_through_alias])
def test_a_name_sharing_the_array_is_refused_even_when_the_write_looks_dead(f):
    with pytest.raises(CompileError, match="item assignment .* writes into an array shared"):
        adcompiler.grad(f)(np.array([0.3, -1.2, 0.7]))


def test_cli_prints_file_line_col(tmp_path):
    src = tmp_path / "w.py"
    src.write_text("import numpy as np\n\n\ndef f(x):\n    y = x\n    y[0] = 2.0\n"
                   "    return np.sum(y * x)\n")
    run = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(src),
                          "--shapes", "x=3"], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert run.returncode != 0
    assert f"{src}:6:5: error: the item assignment y[...] = ..." in run.stderr


# ---------------------------------------------------------------- views and the tape
def squares_in_place(x):
    out = x * 1.0
    for k in range(3):
        s = out[0:2]  # a view the adjoint reads: the tape must keep a copy
        out[0:2] = s * s + x[2]
    return np.sum(out)


def test_a_view_on_the_tape_does_not_see_later_writes():
    src = check(squares_in_place, (np.array([0.9, 1.1, 0.2]),))
    assert "tape.append(s.copy())" in src


# ---------------------------------------------------------------- the trajectory loop
def _rk4():
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import rk4_trajectory
    finally:
        sys.path.pop(0)
    return rk4_trajectory


def test_rk4_example_gradient_matches_central_differences():
    rk4 = _rk4()
    obs = rk4.observations(n=12, noise=0.01)
    check(rk4.loss, (np.array([1.5, 0.2]), obs), atol=1e-5)


def _loop_lines(src: str) -> list:
    """The lines of the ``for`` loops of the emitted function (by indentation)."""
    lines, inside, out = src.splitlines(), None, []
    for line in lines:
        depth = len(line) - len(line.lstrip())
        if inside is not None and line.strip() and depth <= inside:
            inside = None
        if inside is not None:
            out.append(line)
        if line.lstrip().startswith("for "):
            inside = depth
    return out


def test_trajectory_is_written_in_place_in_both_sweeps():
    rk4 = _rk4()
    obs = rk4.observations(n=8)
    src = adcompiler.source(rk4.loss, args=(np.array([1.5, 0.2]), obs))
    loops = "\n".join(_loop_lines(src))
    assert "traj[i + 1] = " in loops
    # no buffer copied per iteration: only a row pushed (s.copy()) and a row read
    copies = [line.strip() for line in _loop_lines(src) if ".copy()" in line]
    assert all("traj.copy()" not in c and "traj_bar.copy()" not in c for c in copies), copies
    # traj's size is obs's (np.zeros((n + 1, 2)), n = obs.shape[0] - 1), so its
    # adjoint is a fresh array the adjoint loop owns: not even copied once
    assert "traj_bar.copy()" not in src


def trajectory(theta, n):
    """A buffer of n rows filled by a recurrence (the memory test)."""
    traj = np.zeros((n + 1, 3))
    traj[0] = 1.0
    for i in range(n):
        traj[i + 1] = np.tanh(traj[i] * theta)
    return np.sum(traj)


def _peak(n: int) -> int:
    g = adcompiler.grad(trajectory)
    theta = np.array([0.5, -0.3, 0.8])
    g(theta, n)  # compiled outside the measurement
    tracemalloc.start()
    g(theta, n)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_gradient_memory_grows_linearly_with_the_trajectory():
    """A copy of the buffer per iteration (the tape storing it whole) would
    make the peak grow as n**2: 16 times from n to 4n, not 4."""
    small, large = _peak(400), _peak(1600)
    assert large < 6 * small, (small, large)
    check(trajectory, (np.array([0.5, -0.3, 0.8]), 5))


# ---------------------------------------------------------------- golden file
def test_emitted_source_matches_golden_file():
    from writes_corpus import running
    text = adcompiler.source(running, wrt=(0, 1), args=(np.ones(5), 0.5))
    path = ROOT / "tests" / "golden" / "item_writes_running.py"
    if os.environ.get("ADC_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
    check(running, (np.array([0.3, -1.2, 0.7, 1.1, 0.5]), 0.8), wrt=(0, 1))


def test_adc_compile_of_the_rk4_example_runs(tmp_path):
    """``adc compile examples/rk4_trajectory.py -f loss --shapes ...`` (the
    example's docstring) writes a module whose gradient is the API's."""
    out = tmp_path / "rk4_grad.py"
    run = subprocess.run([sys.executable, "-m", "adcompiler", "compile",
                          str(ROOT / "examples" / "rk4_trajectory.py"), "-f", "loss",
                          "--shapes", "theta=2,obs=41x2", "-o", str(out)],
                         capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert run.returncode == 0, run.stderr
    namespace: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), namespace)
    rk4 = _rk4()
    obs = rk4.observations(n=40, noise=0.01)
    theta = np.array([1.5, 0.2])
    np.testing.assert_allclose(namespace["loss_grad"](theta, obs),
                               central_diff(rk4.loss, (theta, obs), 0), rtol=1e-5)


def test_adjoint_zeroes_the_written_part_in_place():
    """The adjoint of ``M[:, j] = v`` reads ``M_bar[:, j]`` (a copy) and then
    zeroes it in ``M_bar`` itself, not in a copy of the whole adjoint."""
    src = check(columns, (np.array([[0.3, -1.2], [0.7, 0.2], [1.5, -0.4]]),))
    assert "M_bar[:, j] = 0.0" in src and "M_bar[0, :] = 0.0" in src
    assert "M_bar.copy()" not in src
