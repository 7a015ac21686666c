"""Issue 19: the API reference (docs/api.md) is generated from the public
docstrings, is up to date, documents every public name, and its examples run."""
import doctest
import inspect
import os
import subprocess
import sys

import pytest

import adcompiler
from adcompiler import docs_api

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_committed_api_page_is_up_to_date():
    with open(docs_api.PAGE, encoding="utf-8") as fh:
        assert fh.read() == docs_api.render(), "run: python -m adcompiler.docs_api"


def test_check_command_fails_on_a_stale_page(tmp_path, monkeypatch):
    stale = tmp_path / "api.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(docs_api, "PAGE", str(stale))
    assert docs_api.main(["--check"]) == 1
    assert docs_api.main([]) == 0 and docs_api.main(["--check"]) == 0


@pytest.mark.parametrize("name", adcompiler.__all__)
def test_every_public_name_has_parameters_returns_and_an_example(name):
    obj = getattr(adcompiler, name)
    sections = docs_api.split_sections(inspect.getdoc(obj) or "")
    assert sections[""], f"{name} has no summary"
    for section in docs_api.SECTIONS:
        assert sections.get(section), f"{name}'s docstring has no {section} section"
    assert ">>> " in sections["Example:"]
    documented = {n.strip().lstrip("*") for p, _ in docs_api.parameters(sections["Parameters:"])
                  for n in p.split(",")}
    if inspect.isfunction(inspect.unwrap(obj)):
        real = set(inspect.signature(obj).parameters)
        assert real - {"kwargs"} <= documented, f"{name}: undocumented {real - documented}"
    assert f"## `{name}`" in docs_api.render()


@pytest.mark.parametrize("name", adcompiler.__all__)
def test_docstring_examples_run(name):
    obj = getattr(adcompiler, name)
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(obj, name, globs={"adcompiler": adcompiler})
    assert tests and tests[0].examples
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"the example of {name} fails (see output above)"


def test_module_command_writes_the_page(tmp_path):
    r = subprocess.run([sys.executable, "-m", "adcompiler.docs_api", "--check"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0, r.stderr
