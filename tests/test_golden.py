"""Golden files of emitted source: the product users read.

A change in emitted code shows up here as a readable diff.  After checking the
new output by eye, regenerate with ``ADC_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py``.
"""
import os
from pathlib import Path

import pytest

import adcompiler
import corpus

GOLDEN = Path(__file__).parent / "golden"
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
