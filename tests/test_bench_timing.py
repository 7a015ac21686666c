"""bench/timing.py's interleaved timer, and the gradient table's use of it
(one interleaved run per row, with the floors compared with that row).
Large contrasts and counted calls only: nothing here depends on how busy
the machine is."""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import floors, gradients, timing  # noqa: E402
from bench.workloads import WORKLOADS  # noqa: E402


def nothing(*args):
    return None


def _counted(seconds, log, name):
    """A call that sleeps ``seconds`` and appends ``name`` to ``log``."""
    def call():
        log.append(name)
        time.sleep(seconds)
    return call


def test_one_figure_per_column():
    got = timing.interleaved({"a": (nothing, ()), "b": (nothing, (1, 2.0)),
                              "c": (abs, (-3,))}, budget=0.02)
    assert set(got) == {"a", "b", "c"}
    assert all(isinstance(v, float) and 0 < v < 1e-3 for v in got.values())


def test_a_slower_call_measures_slower():
    got = timing.interleaved({"fast": (nothing, ()), "slow": (time.sleep, (0.002,))},
                             budget=0.05)
    assert got["slow"] >= 0.002  # a sleep is never shorter than asked
    assert got["fast"] < got["slow"] / 10


def test_columns_alternate_with_the_order_rotated_each_round():
    log = []
    columns = {name: (_counted(0.002, log, name), ()) for name in "ab"}
    timing.interleaved(columns, budget=0.001, min_samples=8)
    assert log[:2] == ["a", "b"]  # calibration: one call each (2 ms fills a 1 ms batch)
    assert log[2:] == ["a", "a", "b", "b", "b", "b", "a", "a"] * 4  # untimed call, batch


def test_a_slow_column_keeps_to_its_budget():
    log = []
    columns = {"slow": (_counted(0.01, log, "slow"), ()), "fast": (nothing, ())}
    timing.interleaved(columns, budget=0.05, min_samples=2)
    # calibration, then budget / 20 ms rounds of an untimed call and a timed one
    # (the fast column runs 50 rounds)
    assert len(log) == 1 + 2 * 2


def test_a_call_slower_than_slow_is_measured_once(monkeypatch):
    monkeypatch.setattr(timing, "SLOW", 0.005)
    log = []
    got = timing.interleaved({"slow": (_counted(0.01, log, "slow"), ()),
                              "fast": (nothing, ())}, budget=0.02)
    assert log == ["slow"] and got["slow"] >= 0.01


def test_a_row_costs_about_its_budget():
    start = time.perf_counter()
    timing.interleaved({k: (nothing, ()) for k in "abc"}, budget=0.05)
    assert time.perf_counter() - start < 3.0  # 3 columns x 0.05 s, with room for a busy machine


def test_samples_are_spread_evenly_over_the_rounds():
    for samples, rounds in [(1, 7), (3, 10), (10, 10), (5, 500), (499, 500)]:
        due = [r for r in range(rounds) if timing._due(r, samples, rounds)]
        assert len(due) == samples
        gaps = [b - a for a, b in zip(due, due[1:])]
        assert not gaps or max(gaps) - min(gaps) <= 1


def test_a_row_is_timed_in_one_interleaved_run_with_its_floors(monkeypatch):
    calls = []

    def fake(columns):
        calls.append(list(columns))
        return {name: (k + 1) * 1e-6 for k, name in enumerate(columns)}

    monkeypatch.setattr(gradients, "interleaved", fake)
    wl = WORKLOADS[0]  # a scalar workload: the forwarding instance's floor
    args = wl.make_args(True)
    row = gradients.Row(wl.name, wl.kind, None)
    cells = {"hand-written": (wl.hand, args), "adcompiler": (wl.hand, args)}
    row.cells = {label: gradients.Cell("ok") for label in cells}
    gradients._time_row(row, wl, args, cells)
    assert calls == [["f", "hand-written", "adcompiler", floors.FORWARD]]
    assert row.f_seconds == 1e-6 and row.cells["adcompiler"].seconds == 3e-6
    assert abs(row.floors["instance"] - 1e-6) < 1e-15  # forwarding 4 µs less emitted 3 µs


def test_array_floors_are_the_difference_of_two_columns():
    numpy_wl = next(wl for wl in WORKLOADS if wl.kind == "numpy")
    args = numpy_wl.make_args(True)
    extra = floors.columns(numpy_wl, args, {})
    assert set(extra) == {floors.TESTED, floors.UNTESTED}
    for call, call_args in extra.values():
        assert call(*call_args) is True
    got = floors.from_times({floors.TESTED: 1.5e-6, floors.UNTESTED: 1.0e-6})
    assert set(got) == {"array tests"} and abs(got["array tests"] - 0.5e-6) < 1e-15


def test_the_guard_is_the_guarded_copy_against_the_emitted_function():
    """grad(f)'s own fast path, called directly, is a column beside the
    emitted function: the difference is the guard, the rest of grad()'s
    extra the call of the instance."""
    import adcompiler
    wl = WORKLOADS[0]
    args = wl.make_args(True)
    g = adcompiler.grad(wl.f)
    g(*args)
    row_columns = {floors.EMITTED: (wl.hand, args), floors.WRAPPED: (g, args)}
    extra = floors.columns(wl, args, row_columns)
    call, call_args = extra[floors.GUARDED]
    assert call is g.func and call(*call_args) == g(*args)
    got = floors.from_times({floors.EMITTED: 1.0e-6, floors.GUARDED: 1.25e-6})
    assert abs(got["guard"] - 0.25e-6) < 1e-15
    assert floors.GUARDED not in floors.columns(wl, args, {floors.EMITTED: (wl.hand, args)})
