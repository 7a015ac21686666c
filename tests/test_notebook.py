"""Issue 19: examples/learn_ad.ipynb runs top to bottom in a real Jupyter
kernel (nbclient + ipykernel, test extras), and shows what it promises:
tables and graphs as HTML/SVG, the emitted code highlighted."""
import os

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(ROOT, "examples", "learn_ad.ipynb")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = ROOT + (os.pathsep + env_path if env_path else "")
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path_factory.mktemp("nb"))}}
                       ).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    return nb


@pytest.mark.slow
@pytest.mark.budget(300)
def test_notebook_runs_without_errors(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert all(c.execution_count for c in code)


def _output_of(nb, needle: str) -> dict:
    for cell in nb.cells:
        if cell.cell_type == "code" and needle in cell.source:
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert results, f"the cell with {needle!r} shows nothing"
            return results[-1]["data"]
    raise AssertionError(f"no cell with {needle!r}")


@pytest.mark.slow
@pytest.mark.budget(300)
def test_notebook_displays_tables_graph_and_code(executed):
    wengert = _output_of(executed, "adcompiler.wengert(f)")
    assert "<table>" in wengert["text/html"] and "Wengert list of f" in wengert["text/plain"]
    reverse = _output_of(executed, 'mode="reverse")\nreverse')
    assert "Adjoint trace" in reverse["text/plain"]
    graph = _output_of(executed, "adcompiler.graph(f, partials=True)")
    assert graph["text/plain"].startswith('digraph "f"')
    source = _output_of(executed, "df.source")
    assert "def f_grad(x1, x2):" in source["text/plain"]
    assert source["text/markdown"].startswith("```python")
    assert "<span style=" in source["text/html"]  # highlighted (pygments is a test extra)
    check = _output_of(executed, "check = adcompiler.check_grad")
    assert check["text/html"].startswith("<table><caption>check_grad f at (2.0, 5.0): OK")
