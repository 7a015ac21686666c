"""Issue 19, Jupyter and the API surface: ``.source`` displays itself,
reports display as tables, inspection objects have plain-text reprs, and a
user's CompileError arrives with a short traceback."""
import os
import subprocess
import sys
import textwrap
import traceback
from math import sin

import pytest

import adcompiler
from adcompiler.runtime import display

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def J(w, x=1.0):
    return x * w * sin(w) + (x * w * sin(w)) ** 2


def two(x, y):
    return x * y + sin(x)


SOURCES = {
    "grad": lambda: adcompiler.grad(J).source,
    "value_and_grad": lambda: adcompiler.value_and_grad(J).source,
    "source()": lambda: adcompiler.source(J),
    "forward grad": lambda: adcompiler.grad(J, mode="forward").source,
    "jacobian": lambda: adcompiler.jacobian(two, wrt=(0, 1)).source,
    "hessian": lambda: adcompiler.hessian(two, wrt=(0, 1)).source,
    "derivative": lambda: adcompiler.derivative(J, order=2).source,
    "vjp": lambda: adcompiler.vjp(two, 1.0, 2.0)[1].source,
}


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_source_is_a_str_that_displays_as_code(kind):
    src = SOURCES[kind]()
    assert isinstance(src, str) and isinstance(src, display.Source)
    assert str(src) == src and "def " in src
    assert src._repr_markdown_().startswith("```python\n") and src.rstrip() in src._repr_markdown_()
    html = src._repr_html_()
    assert "def" in html and "<script" not in html


def test_source_html_is_highlighted_with_pygments():
    pytest.importorskip("pygments")
    html = adcompiler.grad(J).source._repr_html_()
    assert "<span style=" in html  # coloured tokens, inline styles (no stylesheet needed)
    assert "J_grad" in html


def test_source_html_without_pygments_is_escaped_pre(monkeypatch):
    from adcompiler.runtime import extras
    monkeypatch.setattr(extras.importlib, "import_module",
                        lambda name: (_ for _ in ()).throw(ImportError(name)))
    src = display.Source("def f(x):\n    return x < 1 and x > 0\n")
    assert src._repr_html_() == ("<pre><code>def f(x):\n    return x &lt; 1 and x &gt; 0\n"
                                 "</code></pre>")


def test_source_prints_plain_and_ipython_terminal_shows_code():
    src = adcompiler.grad(J).source
    assert "\x1b[" not in str(src)

    class Printer:
        text_out = ""

        def text(self, t):
            self.text_out += t

    p = Printer()
    src._repr_pretty_(p, False)
    assert p.text_out == str(src)


def test_check_grad_report_displays_as_a_table():
    report = adcompiler.check_grad(two, 0.5, 1.5)
    html = report._repr_html_()
    assert html.startswith("<table><caption>check_grad two at (0.5, 1.5): OK")
    assert html.count("<tr") == 1 + len(report.components)
    assert ">x<" in html and ">y<" in html and ">yes<" in html


def test_check_grad_table_marks_a_mismatch():
    from adcompiler.checkgrad import Component, GradCheck
    report = GradCheck("f", (1.0,), [Component("x", 1.0, 2.0, "central difference")])
    html = report._repr_html_()
    assert "MISMATCH" in html and "font-weight:bold" in html and ">NO<" in html


def square_of_sum(x1, x2):
    return (x1 * x1 + x2 * x2) ** 2


def test_swell_report_displays_as_a_table_and_prints_markdown():
    report = adcompiler.swell(square_of_sum, wrt=(0, 1), at=(0.5, 1.5))
    html = report._repr_html_()
    assert html.startswith("<table><caption>square_of_sum</caption>")
    assert "sympy raw" in html and ">square_of_sum<" in html and html.count("<tr") == 2
    assert str(report) == report.table()


def test_inspection_objects_have_plain_text_reprs():
    w = adcompiler.wengert(two)
    t = adcompiler.trace(two, 2.0, 5.0, mode="reverse")
    g = adcompiler.graph(two)
    for obj, start in ((w, "Wengert list of two(x, y)"), (t, ""), (g, 'digraph "two"')):
        text = repr(obj)
        assert " at 0x" not in text and text == str(obj)
        assert text.startswith(start)
    assert "Adjoint trace" in repr(t)


# ---------------------------------------------------------------- tracebacks
CALLS = {
    "grad call": "adcompiler.grad(f)(1.0)",
    "grad source": "adcompiler.grad(f).source",
    "source()": "adcompiler.source(f)",
    "wengert": "adcompiler.wengert(f)",
    "forward jacobian": "adcompiler.jacobian(f, mode='forward')(1.0)",
    "bad wrt": "adcompiler.grad(f, wrt='nope')",
    "check_grad": "adcompiler.check_grad(f, 1.0)",
}

# each call made from a user's function; the traceback printed exactly as an
# uncaught exception would be (one process for all the cases)
BAD = textwrap.dedent("""
    import sys
    import traceback

    import adcompiler


    def f(x):
        with open("a") as fh:
            return x


    def user_code(call):
        return eval(call)


    for call in sys.argv[1:]:
        try:
            user_code(call)
        except Exception as err:
            traceback.print_exception(err)
        print("----", file=sys.stderr)
""")


def _tracebacks(tmp_path, env_extra=None) -> dict:
    script = tmp_path / "user.py"
    script.write_text(BAD, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("ADC_FULL_TRACEBACK", None)
    env.update(env_extra or {})
    r = subprocess.run([sys.executable, str(script), *CALLS.values()], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    parts = r.stderr.split("----\n")[:-1]
    assert len(parts) == len(CALLS), r.stderr
    return dict(zip(CALLS, parts)), str(script)


def test_compile_error_traceback_is_the_users_call_and_the_message(tmp_path):
    tracebacks, script = _tracebacks(tmp_path)
    for kind, text in tracebacks.items():
        lines = text.strip().splitlines()
        frames = [ln for ln in lines if ln.startswith('  File "')]
        ours = [ln for ln in frames if os.sep + "adcompiler" + os.sep in ln]
        assert lines[0] == "Traceback (most recent call last):", (kind, text)
        assert frames[:2] == [f'  File "{script}", line 19, in <module>',
                              f'  File "{script}", line 14, in user_code'], (kind, text)
        assert len(ours) == 1, (kind, text)  # the entry point only
        assert lines[-1].startswith(("adcompiler.errors.CompileError: ",
                                     "adcompiler.errors.UsageError: ")), (kind, text)
        assert "During handling" not in text and "direct cause" not in text, kind


def test_full_traceback_on_request(tmp_path):
    tracebacks, _ = _tracebacks(tmp_path, {"ADC_FULL_TRACEBACK": "1"})
    text = tracebacks["grad call"]
    assert text.count(os.sep + "adcompiler" + os.sep) > 5 and "lower.py" in text


def test_short_traceback_in_process():
    def f(x):
        while x > 0:
            yield x

    with pytest.raises(adcompiler.CompileError) as info:
        adcompiler.grad(f)(1.0)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert [fr.name for fr in frames] == ["test_short_traceback_in_process", "__call__"]
    assert info.value.__suppress_context__
