"""Issue 19: the user-facing docs carry no internal wording (who owns what,
which branch) and explain the "seed" examples they name."""
import glob
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
STALE = ("engineer owns", "in this branch", "seed lecture", "once forward mode exists",
         "when arrays land", "Pending:")


@pytest.mark.parametrize("page", PAGES, ids=[os.path.basename(p) for p in PAGES])
def test_no_internal_wording(page):
    with open(page, encoding="utf-8") as fh:
        text = fh.read()
    found = [w for w in STALE if w.lower() in text.lower()]
    assert not found, f"{os.path.basename(page)} says {found}"


def test_readme_and_tutorial_explain_the_seeds():
    for name in ("README.md", os.path.join("docs", "learn_ad.md")):
        with open(os.path.join(ROOT, name), encoding="utf-8") as fh:
            text = fh.read()
        assert "lecture notes" in text and '"seed' in text, name
