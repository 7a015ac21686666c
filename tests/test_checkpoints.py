"""Checkpointed loops (issue 16): the revolve schedule itself, and gradients
that are bit-for-bit those of the plain tape (docs/checkpointing.md)."""
import math
import subprocess
import sys
import textwrap
from functools import lru_cache

import numpy as np
import pytest

import adcompiler
from adcompiler.errors import CompileError, UsageError
from adcompiler.runtime.checkpoints import Revolve


# ---------------------------------------------------------------- the schedule
@lru_cache(None)
def _reverse_cost(steps: int, kept: int) -> int:
    """Brute force: the fewest recomputed iterations to reverse ``steps``
    iterations from a kept state at their start, ``kept`` states available."""
    if steps == 1:
        return 0
    if kept == 1:
        return steps * (steps - 1) // 2
    return min(m + _reverse_cost(steps - m, kept - 1) + _reverse_cost(m, kept)
               for m in range(1, steps))


@lru_cache(None)
def _best(steps: int, kept: int) -> int:
    """The same when the primal loop has just run all ``steps`` iterations
    (reaching a kept state on its way costs nothing)."""
    if steps <= 1:
        return 0
    if kept == 1:
        return steps * (steps - 1) // 2
    return min(_best(steps - m, kept - 1) + _reverse_cost(m, kept) for m in range(1, steps))


class Counting(Revolve):
    """Counts the iterations run (each offers its state once)."""
    runs = 0

    def append(self, item):
        self.runs += 1
        super().append(item)


def _drive(n: int, kept: int, start: int = 0, step: int = 1) -> Revolve:
    """Run the schedule as the emitted code does, checking each state."""
    steps = range(start, start + n * step, step)
    rv = Counting(kept, steps)
    for i in steps:
        rv.append((i, 10 * i))
    for i in reversed(steps):
        j, state = rv.restore(i)
        assert state == 10 * j and (i - j) * step >= 0
        for k in range(j, i, step):
            rv.append((k, 10 * k))
        assert len(rv.kept) <= kept
    return rv


@pytest.mark.parametrize("kept", [1, 2, 3, 4, 6])
def test_schedule_is_optimal_and_bounded(kept):
    for n in range(1, 31):
        rv = _drive(n, kept)
        assert rv.runs - n == _best(n, kept), (n, kept)
        assert rv.peak <= kept


def test_schedule_with_enough_snapshots_recomputes_nothing():
    rv = _drive(20, 20)
    assert rv.runs == 20 and rv.peak == 20


def test_schedule_on_any_range():
    assert _drive(13, 3, start=5, step=-2).runs == _drive(13, 3).runs


def test_schedule_one_million_steps_stays_cheap():
    from adcompiler.runtime.checkpoints import split
    assert 1 <= split(10 ** 6, 100, True) < 10 ** 6


# ---------------------------------------------------------------- gradients
def logistic(x, n=10):
    l = x
    for i in range(n):
        l = 3.7 * l * (1 - l) + math.sin(l) * 0.01
    return l


def branchy(x, n=20):
    s = x
    for i in range(n):
        if s > 0.5:
            s = s * 0.9 + 0.1 * math.sin(s)
        else:
            s = s * 1.3
        for j in range(3):
            s = s + 0.01 * s * s
    return s


def two_states(x, y, n=8):
    a = x
    b = y
    total = 0.0
    for i in range(2, 2 + 2 * n, 2):
        a, b = b, a * math.cos(b) + 0.1 * i
        total = total + a * b
    for i in range(n):
        total = total * 0.99 + math.sin(total)
    return total


def backwards(x, n=8):
    s = x
    for i in range(3 * n, 1, -3):
        s = s * math.cos(s) + 0.01 * i
    return s


def heat(u0, c, n=30):
    u = u0
    for t in range(n):
        lap = np.roll(u, 1) + np.roll(u, -1) - 2.0 * u
        u = u + c * lap - 0.01 * u ** 3
    return np.sum(u ** 2)


def fill(theta, n=12):
    traj = np.zeros((n + 1, 2))
    traj[0] = np.array([1.0, 0.0])
    for i in range(n):
        s = traj[i]
        traj[i + 1] = s + 0.1 * np.array([s[1], -theta[0] * s[0] - theta[1] * s[1]])
    return np.sum(traj * traj)


def poke(u0, n=10):
    u = u0 * 1.0
    for t in range(n):
        v = u * 0.9
        v[0] = v[0] + 0.1 * np.sin(u[1])
        u = v
    return np.sum(u * u)


@pytest.mark.parametrize("kept", [1, 2, 5])
def test_bit_for_bit_with_item_writes(kept):
    """A kept state is never changed by a later write into the same buffer."""
    th = np.array([1.3, 0.2])
    assert np.array_equal(adcompiler.grad(fill)(th, 12),
                          adcompiler.grad(fill, checkpoints=kept)(th, 12))
    u0 = np.linspace(0.1, 1.0, 5)
    assert np.array_equal(adcompiler.grad(poke)(u0, 10),
                          adcompiler.grad(poke, checkpoints=kept)(u0, 10))


def counted(x):
    k = 0
    while x < 10.0:
        x = x * 1.5 + 0.1
        k = k + 1
    return x


_CASES = [(logistic, (0.3,)), (branchy, (0.7,)), (two_states, (0.4, 1.1)),
          (backwards, (0.6,))]


@pytest.mark.parametrize("fn,args", _CASES, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("n", [0, 1, 2, 9, 25])
@pytest.mark.parametrize("kept", [1, 2, 5, 100])
def test_bit_for_bit_scalar(fn, args, n, kept):
    wrt = tuple(range(len(args)))
    plain = adcompiler.value_and_grad(fn, wrt=wrt, mode="reverse")(*args, n)
    ckpt = adcompiler.value_and_grad(fn, wrt=wrt, checkpoints=kept)(*args, n)
    assert ckpt == plain  # the same floats, not merely close


@pytest.mark.parametrize("n,kept", [(0, 3), (1, 1), (12, 1), (12, 3), (12, 12), (12, 50)])
def test_bit_for_bit_array_time_stepper(n, kept):
    u0 = np.linspace(0.0, 1.0, 16) ** 2
    plain = adcompiler.grad(heat, wrt=(0, 1))(u0, 0.2, n)
    ckpt = adcompiler.grad(heat, wrt=(0, 1), checkpoints=kept)(u0, 0.2, n)
    assert np.array_equal(plain[0], ckpt[0]) and plain[1] == ckpt[1]


def test_against_central_differences():
    g = adcompiler.grad(two_states, wrt=(0, 1), checkpoints=3)
    h = 1e-6
    for k, got in enumerate(g(0.4, 1.1, 15)):
        hi = [0.4, 1.1]
        lo = [0.4, 1.1]
        hi[k] += h
        lo[k] -= h
        fd = (two_states(*hi, 15) - two_states(*lo, 15)) / (2 * h)
        assert abs(got - fd) <= 1e-6 * max(1.0, abs(fd))
    u0 = np.linspace(0.0, 1.0, 8)
    gu = adcompiler.grad(heat, checkpoints=4)(u0, 0.2, 20)
    for i in range(8):
        e = np.zeros(8)
        e[i] = h
        fd = (heat(u0 + e, 0.2, 20) - heat(u0 - e, 0.2, 20)) / (2 * h)
        assert abs(gu[i] - fd) <= 1e-6 * max(1.0, abs(fd))


def test_emitted_code_keeps_snapshots_not_a_tape():
    src = adcompiler.grad(logistic, checkpoints=4).source
    assert "Revolve(4, range(0, n, 1))" in src and "snapshots.restore(i)" in src
    assert "tape" not in src
    assert "tape" in adcompiler.grad(logistic, mode="reverse").source
    # nested loops: only the outermost is checkpointed, the inner keeps its tape
    src = adcompiler.grad(branchy, checkpoints=4).source
    assert src.count("Revolve(") == 1 and "tape.pop()" in src


def test_memory_is_bounded_at_run_time(monkeypatch):
    """The number of states kept at once never exceeds K."""
    import adcompiler.runtime.checkpoints as rt
    peaks = []

    class Watched(rt.Revolve):
        def restore(self, index):
            peaks.append(len(self.kept))
            return super().restore(index)

    monkeypatch.setattr(rt, "Revolve", Watched)
    adcompiler.grad(logistic, checkpoints=3)(0.3, 40)
    assert peaks and max(peaks) <= 3


def test_while_loops_keep_their_tape():
    plain = adcompiler.grad(counted)(0.5)
    assert adcompiler.grad(counted, checkpoints=2)(0.5) == plain
    assert "Revolve" not in adcompiler.grad(counted, checkpoints=2).source


def test_bad_counts_are_refused():
    with pytest.raises(UsageError, match="checkpoints must be a positive int"):
        adcompiler.grad(logistic, checkpoints=0)
    with pytest.raises(UsageError, match="forward mode keeps no tape"):
        adcompiler.grad(logistic, mode="forward", checkpoints=3)


def _module(tmp_path, text):
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(text))
    return path


def _compile(path, *extra):
    return subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(path), *extra],
                          capture_output=True, text=True)


_HELPER = """
    import math

    def inner(x, n):
        l = x
        for i in range(n):  # adc: checkpoints=2
            l = 3.7 * l * (1 - l) + math.sin(l) * 0.01
        return l

    def outer(x, n=9):
        s = 0.0
        for j in range(3):
            s = s + inner(x + 0.01 * j, n) * s + x
        return s
    """


def test_marked_loop_in_a_helper_called_in_a_loop(tmp_path):
    marked = _imported(tmp_path, "ckpt_helper", _HELPER)
    plain = _imported(tmp_path, "ckpt_helper_plain", _HELPER.replace("  # adc: checkpoints=2", ""))
    g = adcompiler.grad(marked.outer)
    for n in (0, 1, 5, 9):
        assert g(0.3, n) == adcompiler.grad(plain.outer, mode="reverse")(0.3, n)
    assert "Revolve(2," in g.source


_MARKED = """
    import math

    def f(x, n=30):
        l = x
        for i in range(n):  # adc: checkpoints=3
            l = 3.7 * l * (1 - l) + math.sin(l) * 0.01
        for i in range(n):
            l = l * math.cos(l)
        return l
    """


def test_comment_marks_one_loop_for_the_cli(tmp_path):
    path = _module(tmp_path, _MARKED)
    done = _compile(path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Revolve(3, range(0, n, 1))") == 1
    assert "tape" in done.stdout  # the unmarked loop keeps its tape
    done = _compile(path, "--checkpoints", "5")
    assert done.stdout.count("Revolve(3,") == 1 and done.stdout.count("Revolve(5,") == 1
    # the -o module runs on its own and agrees bit for bit with the plain gradient
    out = tmp_path / "g.py"
    assert _compile(path, "-o", str(out)).returncode == 0
    space: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), space)
    plain = _imported(tmp_path, "ckpt_plain_o", _MARKED.replace("# adc: checkpoints=3", ""))
    assert space["f_grad"](0.3, 30) == adcompiler.grad(plain.f, mode="reverse")(0.3, 30)


@pytest.mark.parametrize("loop,why", [
    ("    while x < 3.0:  # adc: checkpoints=2\n        x = x * 1.5\n", "on a while loop"),
    ("    for i in range(3):\n        for j in range(2):  # adc: checkpoints=2\n"
     "            x = x * 1.5\n", "only the outermost for loops"),
    ("    for i in range(3):  # adc: checkpoints=zero\n        x = x * x\n",
     "needs a positive integer"),
])
def test_misplaced_comments_are_refused(tmp_path, loop, why):
    path = _module(tmp_path, "def f(x):\n" + loop + "    return x * x\n")
    done = _compile(path)
    assert done.returncode != 0 and why in done.stderr
    assert "m.py:" in done.stderr and "Traceback" not in done.stderr


def _imported(tmp_path, name, text):
    import importlib
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def test_marked_loop_through_the_api_matches_plain(tmp_path):
    marked = _imported(tmp_path, "ckpt_marked", _MARKED)
    plain = _imported(tmp_path, "ckpt_plain", _MARKED.replace("# adc: checkpoints=3", ""))
    g = adcompiler.grad(marked.f)  # a marked loop: reverse mode (api/mode_choice.py)
    assert g(0.3, 30) == adcompiler.grad(plain.f, mode="reverse")(0.3, 30)
    assert "Revolve(3," in g.source


def test_other_transforms_keep_the_tape(tmp_path):
    """vjp, hvp and hessian reuse or differentiate the reverse sweep: a marked
    loop keeps its plain tape there, with the same numbers."""
    marked = _imported(tmp_path, "ckpt_other", _MARKED)
    plain = _imported(tmp_path, "ckpt_other_plain", _MARKED.replace("# adc: checkpoints=3", ""))
    for m in (marked, plain):
        out, back = adcompiler.vjp(m.f, 0.3, 12)
        m.results = (back(2.0), adcompiler.hessian(m.f)(0.3, 12),
                     adcompiler.hvp(m.f, (0.3, 12), (1.0, 0.0)))
    assert repr(marked.results) == repr(plain.results)


def test_cli_refuses_checkpoints_outside_reverse_gradients(tmp_path):
    path = _module(tmp_path, _MARKED)
    done = _compile(path, "--checkpoints", "4", "--mode", "forward")
    assert done.returncode == 2 and "--checkpoints applies to reverse-mode" in done.stderr
    assert _compile(path, "--mode", "forward").returncode == 0  # the comment is ignored there


def rollout(params, n=10):
    s = params["x0"]
    for i in range(n):
        s = s * params["a"] + math.sin(s)
    return s


def test_pytree_parameters():
    p = {"x0": 0.3, "a": 0.9}
    plain = adcompiler.grad(rollout)(p, 17)
    g = adcompiler.grad(rollout, checkpoints=3)
    assert g(p, 17) == plain and "Revolve(3," in g.source


def with_aux(x, n=12):
    l = x
    for i in range(n):
        l = 3.7 * l * (1 - l) + math.sin(l) * 0.01
    return l, {"last": l}


def test_has_aux():
    plain = adcompiler.value_and_grad(with_aux, has_aux=True)(0.3, 12)
    g = adcompiler.value_and_grad(with_aux, has_aux=True, checkpoints=2)
    assert g(0.3, 12) == plain and "Revolve(2," in g.source
