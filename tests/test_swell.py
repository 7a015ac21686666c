"""Expression swell (issue 5): sympy's derivative against adcompiler's gradient."""
import ast
import inspect
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import sympy as sp

import adcompiler
from adcompiler.frontend.source import load_live
from adcompiler.swellstudy.opcount import count_executed_ops
from adcompiler.swellstudy.measure import OVER, Budget, fix_counts, measure
from adcompiler.swellstudy.cli import parse_sweep
from adcompiler.swellstudy.families import FAMILIES, family, sweep_family
from adcompiler.swellstudy.sympy_steps import numeric
from adcompiler.swellstudy.to_sympy import NotSymbolic, function_expression, symbols_for
from corpus import CORPUS, data_while, logistic_map, square_of_sum

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAST = Budget(seconds=20.0, simplify_seconds=0.5)


def _exponent(ns, counts) -> float:
    """Least-squares slope of log(count) against log(n): the power of n."""
    return float(np.polyfit(np.log(ns), np.log(counts), 1)[0])


@pytest.mark.slow
def test_logistic_sympy_swells_while_ours_grows_linearly():
    report = sweep_family("logistic", range(1, 9), FAST)
    ns = [r.value for r in report.rows]
    raw = [r.sympy["raw"] for r in report.rows]
    ours = [r.ours for r in report.rows]
    function = [r.function_ops for r in report.rows]
    assert all(isinstance(c, int) for c in raw + ours)
    # ours: a straight line in n (second differences vanish, power fit ~ 1)
    assert np.allclose(np.diff(ours, 2), 0)
    assert 0.9 < _exponent(ns, ours) < 1.1
    # sympy: far faster than linear, and each step multiplies the size
    assert _exponent(ns, raw) > 3
    assert all(b > 2 * a for a, b in zip(raw[1:], raw[2:]))
    # the lead's target: the gradient costs at most 4x the function
    assert all(o <= 4 * f for o, f in zip(ours, function))
    assert all(r.agrees for r in report.rows)


def test_seed001_sympy_repeats_the_sum_of_squares_ours_computes_it_once():
    row = adcompiler.swell(square_of_sum, wrt=(0, 1), budget=FAST).rows[0]
    x1, x2 = sp.symbols("x1 x2", real=True)
    sf = load_live(square_of_sum)
    from adcompiler.compiler import lower
    program, key = lower(sf)
    (expr,), _ = function_expression(program.functions, key, (x1, x2), sf.filename)
    gradient = [sp.diff(expr, v) for v in (x1, x2)]
    inner = x1 ** 2 + x2 ** 2
    in_sympy = sum(1 for g in gradient for e in sp.preorder_traversal(g) if e == inner)
    assert in_sympy == 2
    target = ast.dump(ast.parse("x1 * x1 + x2 * x2", mode="eval").body)  # x**2 emits x*x
    in_ours = sum(1 for node in ast.walk(ast.parse(row.source)) if ast.dump(node) == target)
    assert in_ours == 1
    assert row.agrees and row.sympy["raw"] > row.ours


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_member_agrees(name):
    report = sweep_family(name, family(name).test_values, FAST)
    for row in report.rows:
        assert row.agrees, (row.label, row.sympy.get("value"), row.ours_value)
        assert isinstance(row.ours, int) and row.ours <= 4 * row.function_ops


def test_reference_figures_of_the_issue():
    """sympy 1.14's counts quoted in issue 5 come out of the same pipeline."""
    raw_cse = {r.value: (r.sympy["raw"], r.sympy["cse"])
               for r in sweep_family("logistic", (4, 8), FAST).rows}
    assert raw_cse == {4: (264, 45), 8: (13824, 157)}


def test_data_dependent_while_is_refused_with_its_line():
    with pytest.raises(NotSymbolic) as info:
        adcompiler.swell(data_while)
    lines, start = inspect.getsourcelines(data_while)
    while_line = start + next(i for i, t in enumerate(lines) if t.strip().startswith("while"))
    assert info.value.line == while_line
    assert "while condition depends on the inputs" in str(info.value)


def test_cli_reports_the_while_without_a_traceback(tmp_path):
    path = tmp_path / "w.py"
    path.write_text("def f(x):\n    while x > 1:\n        x = x / 2\n    return x\n")
    proc = _adc("swell", str(path), "-f", "f")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{path}:2:5: error: cannot build a symbolic expression")
    assert "Traceback" not in proc.stderr


def test_budget_gives_over_budget_in_bounded_time():
    start = time.monotonic()
    report = sweep_family("logistic", (14, 16), Budget(seconds=0.3, simplify_seconds=0.3))
    assert time.monotonic() - start < 10
    for row in report.rows:
        assert row.sympy["raw"] == OVER and row.sympy["simplify"] == OVER
        assert isinstance(row.ours, int)
    assert "| n=16 | 48 | > budget |" in report.table()


def test_size_budget_skips_count_ops_on_a_large_tree():
    sf, wrt, point = family("logistic").member(6)
    row = measure(sf, wrt, point, Budget(max_tree=100))
    assert row.sympy["size"] > 100 and row.sympy["raw"] == OVER
    assert isinstance(row.sympy["cse"], int) and row.agrees


def _complete(fn, point):
    params = list(inspect.signature(fn).parameters.values())
    return tuple(point) + tuple(p.default for p in params[len(point):])


CORPUS_IDS = [c[0].__name__ for c in CORPUS]


@pytest.mark.parametrize("fn,points,wrt", CORPUS, ids=CORPUS_IDS)
def test_sympy_expression_from_the_ir_matches_the_function(fn, points, wrt):
    """Either a NotSymbolic naming a line, or an expression whose value
    matches the function and whose sympy derivative matches adcompiler's
    gradient (sympy's diff runs under the budget: recursive20 exceeds it)."""
    sf, fixed_wrt = fix_counts(load_live(fn), wrt)
    kept = [a.arg for a in sf.node.args.args]
    from adcompiler.compiler import lower
    program, key = lower(sf)
    symbols = symbols_for(program.functions[key])
    try:
        (expr,), _ = function_expression(program.functions, key, symbols, sf.filename)
    except NotSymbolic as exc:
        assert exc.line > 0 and "cannot build a symbolic expression" in str(exc)
        return
    names = list(inspect.signature(fn).parameters)
    for point in points:
        full = _complete(fn, point)
        at = tuple(full[names.index(k)] for k in kept)
        value = numeric(expr, {s: sp.Float(v) for s, v in zip(symbols, at)})
        assert value == pytest.approx(fn(*point), rel=1e-12, abs=1e-12)
        row = measure(sf, fixed_wrt, at, Budget(seconds=1.0, simplify_seconds=0.2))
        assert row.agrees or (fn.__name__ == "recursive20" and row.sympy["value"] == OVER)


def test_sweep_over_a_parameter_of_a_live_function():
    report = adcompiler.swell(logistic_map, sweep_over={"n": [1, 2, 3]}, budget=FAST)
    assert [r.label for r in report.rows] == ["n=1", "n=2", "n=3"]
    assert [r.sympy["raw"] for r in report.rows] == [2, 21, 82]
    assert "| n=3 | 9 | 82 |" in report.table()


def test_opcount_counts_what_runs():
    src = ("import math\n\ndef g(x, n=-2):\n    for _ in reversed(range(3)):\n"
           "        x = x * 2 + 1\n    x += 1\n    k = 0\n    while k < n:\n        k = k + 1\n"
           "    if x > 0:\n        x = x - 1\n    else:\n        x = -x * 2 * 3\n"
           "    return h(x)\n\ndef h(y):\n    return math.sin(y) - -y\n")
    # loop 3 x 2, +=, while: 1 test (n=-2), if: test + 1, h: sin, -, unary -
    assert count_executed_ops(src, "g", (1.0,)) == 6 + 1 + 1 + 2 + 3
    # while runs twice: 3 tests + 2 increments; the else branch: 3 operations
    assert count_executed_ops(src, "g", (-9.0, 2)) == 6 + 1 + 5 + 1 + 3 + 3


def test_a_point_outside_the_domain_is_a_clear_error(tmp_path):
    path = tmp_path / "d.py"
    path.write_text("from math import log\n\ndef f(x):\n    return log(x) * x\n")
    proc = _adc("swell", str(path), "--at", "-1")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "cannot be evaluated at (-1.0,)" in proc.stderr
    ok = _adc("swell", str(path), "--at", "2")
    assert ok.returncode == 0 and "| f | 2 | 2 | 4 | 2 | 2 |" in ok.stdout, ok.stdout


def test_parse_sweep():
    assert parse_sweep("n=1..4") == ("n", [1, 2, 3, 4])
    assert parse_sweep("h=1,2,8..9") == ("h", [1, 2, 8, 9])
    with pytest.raises(adcompiler.UsageError):
        parse_sweep("n=a..b")


def _adc(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "adcompiler", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_cli_sweep_writes_table_and_plots(tmp_path):
    path = tmp_path / "fam.py"
    path.write_text("def logistic(x, n=3):\n    l = x\n    for i in range(n):\n"
                    "        l = 4 * l * (1 - l)\n    return l\n")
    plot, fd_plot = tmp_path / "ops.png", tmp_path / "fd.png"
    proc = _adc("swell", str(path), "-f", "logistic", "--sweep", "n=1..3", "--plot", str(plot),
                "--fd", "--fd-plot", str(fd_plot), "--at", "0.3")
    assert proc.returncode == 0, proc.stderr
    assert "| n=3 | 9 | 82 |" in proc.stdout
    assert "| 1e-15 |" in proc.stdout
    for png in (plot, fd_plot):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fd_errors_fall_then_rise():
    from adcompiler.swellstudy.fdstudy import fd_study
    sf, wrt, point = family("logistic").member(3)
    study = fd_study(sf, wrt, point)
    central = [row[2] for row in study.rows]
    best = central.index(min(central))
    assert 0 < best < len(central) - 1
    assert central[0] > 100 * central[best] and central[-1] > 100 * central[best]
    forward = [row[1] for row in study.rows]
    assert forward[1] == pytest.approx(forward[0] / 10, rel=0.5)  # truncation O(h)
    assert math.isfinite(study.exact)


@pytest.mark.slow
def test_docs_command_writes_page_and_figures(tmp_path, monkeypatch):
    import dataclasses
    from adcompiler.swellstudy import families as swell_families
    from adcompiler.swellstudy.docs import COMMAND, write_docs
    small = {k: dataclasses.replace(f, values=f.values[:2]) for k, f in FAMILIES.items()}
    monkeypatch.setattr(swell_families, "FAMILIES", small)
    page = write_docs(str(tmp_path), FAST)
    assert COMMAND in page and page == (tmp_path / "swell.md").read_text()
    for name in list(FAMILIES) + ["fd"]:
        assert (tmp_path / f"swell_{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert f"(swell_{name}.png)" in page


def test_committed_docs_match_a_fresh_measurement():
    """docs/swell.md comes from the command, not from a hand edit."""
    from adcompiler.swellstudy.report import row_cells
    with open(os.path.join(ROOT, "docs", "swell.md"), encoding="utf-8") as fh:
        page = fh.read()
    logistic = page[page.index("## logistic"):page.index("## tower")]
    for row in sweep_family("logistic", (4, 8), FAST).rows:
        cells = row_cells(row)
        line = next(t for t in logistic.splitlines() if t.startswith(f"| {row.label} |"))
        committed = [c.strip() for c in line.strip("|").split("|")]
        keep = [i for i in range(len(cells)) if i != 5]  # simplify depends on the budget
        assert [committed[i] for i in keep] == [cells[i] for i in keep]
