"""Issue 13: every code listing in README.md and docs/ comes from a test
(tests/doc_listings.py); ``python tests/doc_listings.py`` regenerates them."""
import os

import pytest

import doc_listings as dl
from doc_console import BLOCK, commands, run, scratch

PAGES = dl.pages()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return scratch(str(tmp_path_factory.mktemp("listings")))


@pytest.mark.parametrize("page", PAGES, ids=[os.path.basename(p) for p in PAGES])
def test_every_listing_is_marked_and_matches_its_source(page, workdir):
    problems = dl.check(page, workdir)
    assert not problems, (f"{os.path.relpath(page, dl.ROOT)} is stale (python "
                          f"tests/doc_listings.py rewrites whole listings): {problems}")


@pytest.mark.parametrize("page", [p for p in PAGES if not p.endswith("learn_ad.md")])
def test_console_blocks_elsewhere_are_real_output_too(page, workdir):
    with open(page, encoding="utf-8") as fh:
        blocks = [commands(b) for b in BLOCK.findall(fh.read())]
    for block in blocks:  # docs/learn_ad.md has its own test (test_learn_ad_doc.py)
        for cmd, documented in block:
            assert run(cmd, workdir) == documented.rstrip("\n"), cmd


def test_the_pages_have_listings_of_each_kind():
    kinds = set()
    for page in PAGES:
        with open(page, encoding="utf-8") as fh:
            kinds |= {dl.parse(m.group(1))[0] for m in dl.MARK.finditer(fh.read())}
    assert {"adc", "golden", "file", "eval", "run", "from-run", "shell", "input"} <= kinds


STALE = '''Text.

<!-- listing: golden logistic_map | defs -->
```python
def logistic_map_grad(x, n=8):
    return 0.0
```

<!-- listing: adc compile examples/seed002.py -f cube | defs -->
```python
def cube_grad(x):
    return 3 * x ** 2
```
'''


def test_a_stale_listing_fails_and_the_command_rewrites_it(tmp_path, workdir):
    page = tmp_path / "page.md"
    page.write_text(STALE)
    assert [p for _, p in dl.check(str(page), workdir)] == [
        "golden logistic_map | defs: differs from what it quotes",
        "adc compile examples/seed002.py -f cube | defs: differs from what it quotes"]
    fixed = dl.refresh(STALE, workdir)
    page.write_text(fixed)
    assert dl.check(str(page), workdir) == []
    assert "tape.append(l)" in fixed and "def cube_grad(x):\n" in fixed
    assert fixed.startswith("Text.\n\n<!-- listing: golden logistic_map | defs -->\n```python\n")


def test_unmarked_blocks_excerpts_runs_and_commands_are_checked(tmp_path, workdir):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(1)\n```\n\n```console\n$ adc --version\n```\n")
    assert dl.check(str(page), workdir) == [("print(1)", "no <!-- listing: ... --> marker")]
    text = "a\n    b\n\n    c\nd\n"
    assert dl.is_excerpt("b\n\nc\n", text) and dl.is_excerpt("    b\n", text)
    assert not dl.is_excerpt("b\nc\n", text) and not dl.is_excerpt("b\n", "    bb\n")
    assert dl.check_block("run", "from math import sqrt\n\nsqrt(4.0)   # = 2.0\n", workdir,
                          {}) is None
    assert "is 2.0, not 3.0" in dl.check_block("run", "from math import sqrt\n\nsqrt(4.0)"
                                               "   # root = 3.0\n", workdir, {})
    assert dl.check_block("shell", "adc compile f.py --dump-ir --after reverse\n", workdir,
                          {}) is None
    assert "invalid choice" in dl.check_block("shell", "adc compile f.py --after x\n",
                                              workdir, {})
    assert "has no option --nope" in dl.check_block(
        "shell", "adc compile FILE [--nope]\n", workdir, {})
    assert "does not parse" in dl.check_block("input", "def (:\n", workdir, {})
