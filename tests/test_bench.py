"""The benchmark harness (bench/) as a smoke test: every backend that is
installed must give the hand-written gradient on tiny inputs, and a workload
adcompiler cannot compile yet must be reported, not crash the run.  No
timing is asserted here (timing belongs to ``python -m bench``)."""
import cProfile
import io
import os
import pstats
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import __main__ as bench_main  # noqa: E402
from bench import gradients, growth, peers  # noqa: E402
from bench.workloads import WORKLOADS  # noqa: E402


@pytest.fixture(scope="module")
def quick_rows():
    return {r.name: r for r in gradients.run(quick=True, log=io.StringIO())}


def test_every_installed_backend_agrees_with_the_hand_written_gradient(quick_rows):
    assert gradients.problems(list(quick_rows.values())) == []


def test_adcompiler_compiles_every_scalar_workload(quick_rows):
    for wl in WORKLOADS:
        if wl.kind == "scalar" and not wl.name.startswith("Rosenbrock"):
            assert quick_rows[wl.name].cells["adcompiler"].status == "ok", wl.name


def test_quick_command_prints_the_report(capsys):
    assert bench_main.main(["--quick", "--only", "seed 000"]) == 0
    out = capsys.readouterr().out
    assert "| J(w) of seed 000 |" in out and "## Compile time" in out


def test_a_wrong_gradient_is_reported():
    wl = WORKLOADS[0]
    args = wl.make_args(True)
    cell, column = gradients.check_backend(lambda w, a: (lambda *x: 0.0, a), wl, args,
                                           wl.hand(*args), "broken")
    assert cell.status.startswith("WRONG") and column is None


def test_unsupported_source_is_reported_not_raised():
    def uses_try(w):
        try:
            return w * w
        except ValueError:
            return w

    wl = WORKLOADS[0].__class__("try", uses_try, None, None)
    with pytest.raises(peers.Unavailable, match="unsupported: .*[Tt]ry.*line"):
        peers.adcompiler_emitted(wl, ())


def test_missing_peer_is_reported():
    with pytest.raises(peers.Unavailable, match="not installed"):
        peers._module("no_such_peer_module_xyz")


def test_hand_written_gradients_match_central_differences():
    for wl in WORKLOADS:
        args = wl.make_args(True)
        fd, _ = peers.central_differences(wl, args)
        assert gradients.agree(fd(*args), wl.hand(*args), 1e-4) is None, wl.name


def _calls_to_compile(n: int) -> int:
    text = growth.loop_body(n)
    profile = cProfile.Profile()
    profile.enable()
    growth._compile_text(text, "/tmp" if os.path.isdir("/tmp") else ".", f"t{os.getpid()}_{n}")
    profile.disable()
    return pstats.Stats(profile).total_calls


@pytest.mark.slow
def test_compile_work_grows_linearly():
    # function calls, not seconds: deterministic.  Before the fix in
    # reverse._tape (list membership in a loop over the body) the ratio was 4.55.
    ratio = _calls_to_compile(320) / _calls_to_compile(80)
    assert ratio < 4.3


def test_a_growth_point_carries_the_cpu_time_of_each_phase(tmp_path):
    point = growth.measure_size("loop body", 20, str(tmp_path))
    phases = point["phases"]
    assert {"parse", "lower", "optimize", "reverse", "finish", "emit", "write", "print"} \
        <= set(phases)
    assert all(v >= 0 for v in phases.values())
    assert sum(phases.values()) <= point["cpu_seconds"] + 1e-3  # the run they come from


def test_phase_exponents_are_each_phases_growth():
    points = [{"n": n, "phases": {"lower": n * 1e-4, "write": (n / 100) ** 2 * 1e-3}}
              for n in (100, 1000, 10_000)]
    got = growth.phase_exponents(points)
    assert abs(got["lower"] - 1.0) < 1e-9 and abs(got["write"] - 2.0) < 1e-9
