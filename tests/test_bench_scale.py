"""bench/scale.py (``python -m bench.scale``): the Dask and PyTorch runs of
the emitted logistic-regression gradient agree with NumPy's on tiny sizes,
and the section it writes into docs/benchmarks.md survives ``python -m
bench`` (which rewrites the file).  No timing is asserted."""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import scale  # noqa: E402


def test_numpy_data_is_the_chunks_in_order():
    X, y = scale.numpy_data(60, 20)
    np.testing.assert_array_equal(X[20:40], scale.x_chunk(1, 20))
    assert set(np.unique(y)) <= {0.0, 1.0} and 0 < y.sum() < 60


def test_dask_data_holds_the_same_numbers():
    pytest.importorskip("dask.array")
    X, y = scale.dask_arrays(60, 20)
    Xn, yn = scale.numpy_data(60, 20)
    np.testing.assert_array_equal(X.compute(scheduler="sync"), Xn)
    np.testing.assert_array_equal(y.compute(scheduler="sync"), yn)


def test_numpy_child_gives_the_textbook_gradient():
    out = scale.child_numpy(60, 20, repeat=1, torch_too=False)
    X, y = scale.numpy_data(60, 20)
    w = scale.weights()
    p = 1 / (1 + np.exp(-(X @ w)))
    np.testing.assert_allclose(out["grad"], X.T @ (p - y) / 60, rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_a_tiny_run_agrees_across_libraries_and_writes_its_section(tmp_path):
    pytest.importorskip("distributed")
    import io
    runs = [scale.run(200, 50, repeat=1, log=io.StringIO())]
    r = runs[0]
    assert r["dask-persist"]["error"] < 1e-12 and r["dask-stream"]["error"] < 1e-12
    if "torch" in r["numpy"]:
        assert r["numpy"]["torch_error"] < 1e-12
        assert r["numpy"]["torch_type"] == "torch.Tensor"
    section = scale.markdown(runs, "versions: -", "machine: -")
    assert "| 200 | 50 |" in section and section.startswith(scale.START)
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nearlier sections\n")
    scale.write_section(str(out), section)
    scale.write_section(str(out), section)  # replaced, not appended twice
    text = out.read_text()
    assert text.count(scale.START) == 1 and text.startswith("# Benchmarks\n\nearlier")
    assert scale.kept_section(str(out)) == section


def test_python_m_bench_keeps_the_section(tmp_path):
    from bench import __main__ as bench_main
    out = tmp_path / "benchmarks.md"
    section = f"{scale.START}\n## Past one NumPy array\n\n| table |\n{scale.END}\n"
    out.write_text("# old\n\n" + section)
    assert bench_main.main(["--quick", "--only", "seed 000", "--no-growth", "--out",
                            str(out)]) == 0
    text = out.read_text()
    assert text.endswith(section) and "# old" not in text
