"""docs/learn_ad.md shows real output: every console example is re-run."""
import os

import pytest

from doc_console import BLOCK, ROOT, commands, run, scratch

DOC = os.path.join(ROOT, "docs", "learn_ad.md")
with open(DOC, encoding="utf-8") as _fh:
    BLOCKS = [commands(b) for b in BLOCK.findall(_fh.read())]


def test_the_tutorial_has_examples_and_its_image():
    assert sum(len(b) for b in BLOCKS) >= 10
    assert os.path.getsize(os.path.join(ROOT, "docs", "images", "seed002_f_graph.png")) > 1000


@pytest.mark.parametrize("block", BLOCKS, ids=[b[0][0] for b in BLOCKS])
def test_console_example_is_real_output(tmp_path, block):
    workdir = scratch(str(tmp_path / "doc"))
    for cmd, documented in block:  # in order: a block may write a file the next reads
        assert run(cmd, workdir) == documented.rstrip("\n"), \
            f"{cmd}: docs/learn_ad.md is stale; run python tests/doc_console.py docs/learn_ad.md"
