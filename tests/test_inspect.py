"""Wengert lists, evaluation traces and computational graphs (issue 6).

The seed examples are checked number for number; every corpus function's
traced derivatives are checked against the dual-number oracle, so the
interpreter and the tangent/adjoint sweeps cannot drift from the compiler."""
import io
import math
import os
import re
import shutil
import subprocess
import sys
import warnings

import pydot
import pytest

import adcompiler
from adcompiler import UsageError
from adcompiler.views.compgraph import Graph, RenderError
from adcompiler.core.interp import EvaluationError
from adcompiler.views.textstyle import Notation, can_print_unicode, notation_for
from corpus import (branchy, calls_helpers, cases, conditional_expr, data_while, early_return,
                    logistic_map, nested_loops, seed002_f, seed004_control, seed004_f)
from oracles import dual_grad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ESC = "\x1b"
CASES = cases()
SEED002 = "from math import log\n\n\ndef f(x1, x2):\n    return log(x1) + x1 * x2\n"
LOOP = ("def logistic(x, n=8):\n    l = x\n    for i in range(n):\n"
        "        l = 4 * l * (1 - l)\n    return l\n")


def adc(*args, env=None):
    full = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
    return subprocess.run([sys.executable, "-m", "adcompiler", *args], cwd=ROOT, env=full,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "seed002.py"
    path.write_text(SEED002)
    return str(path)


@pytest.fixture
def loop_file(tmp_path):
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    return str(path)


# ---------------------------------------------------------------- seed numbers
def test_seed002_forward_tangent_column():
    t = adcompiler.trace(seed002_f, 2, 5, mode="forward", seed="x1")
    assert [t.tangents[s.id] for s in t.steps] == [1, 0, 0.5, 5, 5.5]
    assert t.tangent == 5.5
    text = t.to_text(Notation())
    column = [line.split()[-1] for line in text.splitlines()[3:8]]
    assert column == ["1", "0", "0.5", "5", "5.5"]
    assert "v̇₁ = v̇₋₁ / v₋₁" in text and "v̇₂ = v̇₋₁ × v₀ + v̇₀ × v₋₁" in text


def test_seed002_reverse_adjoints():
    t = adcompiler.trace(seed002_f, 2, 5, mode="reverse")
    assert t.gradient == {"x1": 5.5, "x2": 2.0}
    steps = [(c.step.entry.index, c.source.entry.index, c.total) for c in t.contributions]
    # the seed's table: v̄1, v̄2 from v3; v̄-1, v̄0 from v2; then v̄-1 += 0.5 from v1
    assert steps == [(3, 1, 1.0), (3, 2, 1.0), (2, -1, 5.0), (2, 0, 2.0), (1, -1, 5.5)]
    text = t.to_text(Notation())
    assert "v̄₋₁ += v̄₁ / v₋₁" in text
    assert "∂seed002_f/∂x1 = v̄₋₁ = 5.5,  ∂seed002_f/∂x2 = v̄₀ = 2" in text


def test_seed004_trace_gradient():
    t = adcompiler.trace(seed004_f, 2, 1, mode="reverse")
    assert t.gradient["x1"] == 1.3414709848078965
    assert t.gradient["x2"] == 1.0806046117362795
    assert [round(s.value, 3) for s in t.steps] == [2, 1, 0.693, 0.841, 1.683, 2.376]
    assert adcompiler.trace(seed004_f, 2, 1, mode="forward", seed="x2").tangent == \
        1.0806046117362795


def test_forward_seed_vector_gives_directional_derivative():
    t = adcompiler.trace(seed002_f, 2, 5, mode="forward", seed={"x1": 1, "x2": 0.5})
    assert t.tangent == 5.5 + 0.5 * 2


@pytest.mark.parametrize("name,fn,point,wrt", CASES, ids=[c[0] for c in CASES])
def test_traces_match_dual_numbers(name, fn, point, wrt):
    expected = dual_grad(fn, point, wrt)
    rev = adcompiler.trace(fn, *point, mode="reverse")
    assert rev.value == fn(*point)
    params = list(rev.gradient)
    assert [rev.gradient[params[i]] for i in wrt] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    fwd = [adcompiler.trace(fn, *point, mode="forward", seed=i).tangent for i in wrt]
    assert fwd == pytest.approx(expected, rel=1e-9, abs=1e-12)


# ---------------------------------------------------------------- Wengert list
def test_wengert_list_in_seed_notation():
    text = adcompiler.wengert(seed002_f).to_text(Notation())
    entries = [line.split("  ")[0].strip() for line in text.splitlines()[2:]]
    assert entries == ["v₋₁ = x1", "v₀ = x2", "v₁ = ln(v₋₁)", "v₂ = v₋₁ × v₀",
                       "v₃ = v₁ + v₂", "y = v₃"]
    assert "return log(x1) + x1 * x2" in text


def test_wengert_ascii_fallback():
    text = adcompiler.wengert(seed002_f).to_text(Notation(unicode=False))
    assert "v-1 = x1" in text and "v2 = v-1 * v0" in text and "v1 = ln(v-1)" in text
    assert text.isascii()


def test_unicode_detection_follows_the_stream():
    ascii_stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert not can_print_unicode(ascii_stream)
    assert not notation_for(ascii_stream).unicode
    assert notation_for(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")).unicode
    assert not notation_for(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), True).unicode


def test_loops_are_phi_entries():
    w = adcompiler.wengert(logistic_map)
    text = w.to_text(Notation())
    assert "v₂ = φ(v₋₁, v₅)" in text and "v₁ in range(0, v₀)" in text
    assert [e.kind for e in w.entries] == ["input", "input", "index", "carried", "op", "op",
                                           "op", "exit"]


# ---------------------------------------------------------------- traces with loops
def test_loop_trace_shows_every_iteration():
    t = adcompiler.trace(logistic_map, 0.3, mode="reverse", n=8)
    body = [s for s in t.steps if s.entry.index == 5]
    assert [s.context[-1].number for s in body] == list(range(8))
    text = t.to_text(Notation(), max_rows=0)
    for k in range(8):
        assert f"[iteration {k + 1}, v₁ = {k}]" in text
    assert "left out" not in text


def test_max_rows_says_what_it_left_out():
    t = adcompiler.trace(logistic_map, 0.3, mode="reverse", n=8)
    text = t.to_text(Notation(), max_rows=20)
    notes = re.findall(r"… (\d+) rows left out \(iterations (\d+)-(\d+) of the loop at "
                       r"line (\d+)\); --max-rows 0 shows every row …", text)
    assert len(notes) == 2  # primal table and adjoint table
    line = logistic_map.__code__.co_firstlineno + 2
    assert all(int(n[3]) == line for n in notes)
    shown = _entry_rows(text)
    every = _entry_rows(t.to_text(Notation(), max_rows=0))
    assert shown + int(notes[0][0]) == every == len(t.steps)


def _entry_rows(text: str) -> int:
    """Entry rows of the primal table (not the loop headers or the note)."""
    table = text.split("\n\n")[1].splitlines()[1:]
    return sum(1 for line in table if not line.lstrip().startswith(("--", "…")))


def test_while_loop_and_branch_contexts():
    text = adcompiler.trace(data_while, 0.7, mode="forward").to_text(Notation(), max_rows=0)
    assert "[pass 6]" in text and "v₃ = v₁ < 10  False" in text
    text = adcompiler.trace(seed004_control, 2.0, 1.0).to_text(Notation(), max_rows=0)
    assert "[v₁ is True: then branch]" in text


def test_trace_arguments_and_errors():
    assert adcompiler.trace(logistic_map, 0.3).args == [0.3, 8]  # default n
    with pytest.raises(UsageError, match="no parameter named 'z'"):
        adcompiler.trace(seed002_f, 2, z=1)
    with pytest.raises(UsageError, match="give a value for x2"):
        adcompiler.trace(seed002_f, 2)
    with pytest.raises(UsageError, match="mode"):
        adcompiler.trace(seed002_f, 2, 5, mode="sideways")
    with pytest.raises(EvaluationError, match=r"v1 = ln\(v-1\)"):
        adcompiler.trace(seed002_f, -1.0, 5)


def test_jupyter_reprs():
    assert "<table>" in adcompiler.wengert(seed002_f)._repr_html_()
    assert "v̄₋₁" in adcompiler.trace(seed002_f, 2, 5, mode="reverse")._repr_html_()


# ---------------------------------------------------------------- graphs
def parse_dot(text: str):
    """pydot's parser; it calls pyparsing names that newer pyparsing deprecates."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pydot.graph_from_dot_data(text)


def _nodes(graph):
    found = [n for n in graph.get_nodes() if n.get_name() not in ("node", "edge", "graph")]
    for sub in graph.get_subgraphs():
        found += _nodes(sub)
    return found


def _edges(graph):
    found = list(graph.get_edges())
    for sub in graph.get_subgraphs():
        found += _edges(sub)
    return found


GRAPHED = [seed002_f, seed004_f, logistic_map, data_while, branchy, nested_loops,
           calls_helpers, conditional_expr, early_return]


@pytest.mark.parametrize("fn", GRAPHED, ids=[f.__name__ for f in GRAPHED])
def test_dot_parses_with_one_node_per_entry(fn):
    dot_has_one_node_per_entry(fn, partials=True)


def test_dot_without_partials_parses():
    dot_has_one_node_per_entry(seed004_control, partials=False)


def dot_has_one_node_per_entry(fn, partials):
    w = adcompiler.wengert(fn)
    g = adcompiler.graph(fn, partials=partials)
    parsed = parse_dot(g.source)
    assert len(parsed) == 1
    names = [n.get_name().strip('"') for n in _nodes(parsed[0])]
    assert sorted(names) == sorted(e.var.name for e in w.entries)
    for e in _edges(parsed[0]):
        assert e.get_source().strip('"') in names and e.get_destination().strip('"') in names


def test_dot_colours_and_partials():
    source = adcompiler.graph(seed002_f, partials=True).source
    assert source.count('fillcolor="#9ecae1"') == 2  # inputs
    assert source.count('fillcolor="#a1d99b"') == 2  # intermediates
    assert source.count('fillcolor="#fed976"') == 1  # output
    assert '"x1" -> "v1" [label="1 / v₋₁"];' in source
    assert '"x1" -> "v2" [label="v₀"];' in source
    assert "label=" not in adcompiler.graph(seed002_f).source.split("->", 1)[1]


def test_render_without_dot_gives_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    g = adcompiler.graph(seed002_f)
    with pytest.raises(RenderError, match="needs the Graphviz program 'dot'.*-o FILE.dot"):
        g.render(str(tmp_path / "g.svg"))
    assert g._repr_svg_() is None
    assert "needs the Graphviz program" in g._repr_html_()
    g.render(str(tmp_path / "g.dot"))  # DOT text needs no Graphviz
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == g.source


def test_cli_render_without_dot(seed_file, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = adc("graph", seed_file, "-o", str(tmp_path / "g.png"), env={"PATH": str(empty)})
    assert r.returncode == 1
    assert "needs the Graphviz program 'dot'" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz dot program is not installed")
def test_render_svg_with_dot(tmp_path):
    path = adcompiler.graph(seed002_f, partials=True).render(str(tmp_path / "g.svg"))
    with open(path, encoding="utf-8") as fh:
        svg = fh.read()
    assert svg.lstrip().startswith("<?xml") and "v₃ = v₁ + v₂" in svg


# ---------------------------------------------------------------- command line
def test_cli_forward_and_reverse_tables(seed_file):
    r = adc("trace", seed_file, "-f", "f", "--at", "x1=2,x2=5", "--mode", "forward",
            "--seed", "x1")
    assert r.returncode == 0, r.stderr
    assert "∂f/∂x1 = v̇₃ = 5.5" in r.stdout
    r = adc("trace", seed_file, "--at", "2,5", "--mode", "reverse")
    assert r.returncode == 0, r.stderr
    assert "∂f/∂x1 = v̄₋₁ = 5.5,  ∂f/∂x2 = v̄₀ = 2" in r.stdout


def test_piped_output_has_no_escape_codes(seed_file, loop_file):
    runs = [("wengert", seed_file), ("trace", seed_file, "--at", "2,5", "--mode", "reverse"),
            ("trace", loop_file, "--at", "0.3", "--max-rows", "10"),
            ("graph", seed_file, "--partials"), ("compile", seed_file)]
    for args in runs:
        r = adc(*args)
        assert r.returncode == 0, r.stderr
        assert ESC not in r.stdout and ESC not in r.stderr, args
    forced = adc("trace", seed_file, "--at", "2,5", "--color", "always")
    assert ESC in forced.stdout
    assert ESC in adc("compile", seed_file, "--color", "always").stdout


def test_cli_ascii_when_the_terminal_cannot_print_unicode(seed_file):
    r = adc("wengert", seed_file, env={"PYTHONIOENCODING": "ascii"})
    assert r.returncode == 0, r.stderr
    assert "v2 = v-1 * v0" in r.stdout and r.stdout.isascii()
    r = adc("trace", seed_file, "--at", "2,5", "--mode", "reverse", "--ascii")
    assert "v-1_bar += v1_bar / v-1" in r.stdout and r.stdout.isascii()


def test_cli_loop_max_rows_message(loop_file):
    r = adc("trace", loop_file, "--at", "x=0.3", "--mode", "reverse", "--max-rows", "12")
    assert r.returncode == 0, r.stderr
    assert re.search(r"rows left out \(iterations \d+-\d+ of the loop at line 3\)", r.stdout)


def test_cli_errors(seed_file, tmp_path):
    r = adc("trace", seed_file, "--at", "x1=two,x2=5")
    assert r.returncode == 1 and "'two' is not a number" in r.stderr
    r = adc("trace", seed_file, "--at", "2,5", "--seed", "x9")
    assert r.returncode == 1 and "x9" in r.stderr
    two = tmp_path / "two.py"
    two.write_text("def a(x):\n    return x\n\n\ndef b(x):\n    return x\n")
    r = adc("wengert", str(two))
    assert r.returncode == 1 and "choose one with -f NAME" in r.stderr
    r = adc("graph", seed_file, "-o", str(tmp_path / "g.jpg2"))
    assert r.returncode == 1 and "cannot tell the format" in r.stderr
