"""Golden files of emitted source: the product users read.

Scalar reverse mode (``CASES``), and array reverse mode, forward mode and
second order (``MORE``: NumPy code from the command line with ``--shapes``
and from the API, tangent code, Hessian-vector products).

A change in emitted code shows up here as a readable diff.  After checking the
new output by eye, regenerate with ``ADC_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import adcompiler
import corpus
from adcompiler.frontend.source import load_live
from adcompiler.transform import composite

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).parent.parent
CASES = [
    ("seed000_J", corpus.seed000_J, 0),
    ("seed002_f", corpus.seed002_f, (0, 1)),
    ("seed004_f", corpus.seed004_f, (0, 1)),
    ("square_of_sum", corpus.square_of_sum, (0, 1)),
    ("logistic_map", corpus.logistic_map, 0),
    ("branchy", corpus.branchy, (0, 1)),
    ("data_while", corpus.data_while, 0),
    ("calls_helpers", corpus.calls_helpers, (0, 1)),
    ("early_return", corpus.early_return, 0),
]


@pytest.mark.parametrize("name,fn,wrt", CASES, ids=[c[0] for c in CASES])
def test_emitted_source_matches_golden_file(name, fn, wrt):
    text = adcompiler.source(fn, wrt=wrt)
    path = GOLDEN / f"{name}.py"
    if os.environ.get("ADC_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def _cli(example: str, *argv: str) -> str:
    """What ``adc compile examples/EXAMPLE ARGV`` prints (uncoloured)."""
    from adcompiler.cli.commands import build_parser, compile_file
    args = build_parser().parse_args(["compile", str(ROOT / "examples" / example), *argv])
    return compile_file(args.file, args.function, args.wrt, args.mode, args.order,
                        args.shapes, args.arrays)


def _seed003_api() -> str:
    """The API's code for the seed 003 network, specialised to these shapes."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import seed003_network as net
    finally:
        sys.path.pop(0)
    X, y = net.data(n=10)
    w0, W = np.ones(3), np.ones((3, 2))
    return adcompiler.source(net.nll, wrt=(0, 1), args=(w0, W, X, y))


def _hvp(fn, nargs: int) -> str:
    """``f_hvp(*params, *v)`` of the first ``nargs`` parameters, forward over
    reverse, as ``hvp_function(fn, nargs).source`` emits it."""
    return composite.hvp(load_live(fn), tuple(range(nargs))).compiled().source


MORE = [
    ("array_logistic_regression", lambda: _cli(
        "logistic_regression.py", "-f", "cross_entropy", "--shapes", "w=3,X=200x3,y=200")),
    ("array_rosenbrock", lambda: _cli("rosenbrock_scipy.py", "-f", "rosenbrock",
                                      "--shapes", "x=5")),
    ("array_seed003_nll", _seed003_api),
    ("forward_logistic_map", lambda: adcompiler.grad(corpus.logistic_map,
                                                     mode="forward").source),
    ("forward_branchy", lambda: adcompiler.grad(corpus.branchy, wrt=(0, 1),
                                                mode="forward").source),
    ("forward_seed002", lambda: _cli("seed002_modes.py", "--wrt", "x1,x2", "--mode",
                                     "forward")),
    ("hvp_logistic_map", lambda: _hvp(corpus.logistic_map, 1)),
    ("hvp_calls_helpers", lambda: _hvp(corpus.calls_helpers, 2)),
    ("hessian_seed002", lambda: _cli("seed002_modes.py", "--wrt", "x1,x2", "--order", "2")),
]


@pytest.mark.parametrize("name,produce", MORE, ids=[c[0] for c in MORE])
def test_arrays_forward_and_second_order_match_golden_files(name, produce):
    text = produce()
    path = GOLDEN / f"{name}.py"
    if os.environ.get("ADC_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
