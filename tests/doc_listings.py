"""Every code listing in the docs comes from a test.

Each fenced block of README.md and docs/*.md (docs/api.md is generated from
docstrings and checked by test_api_docs.py; ``console`` blocks are re-run by
doc_console.py) follows a marker line saying where it comes from::

    <!-- listing: SPEC -->
    ```python
    ...
    ```

SPEC is ``KIND ARGS`` and optional filters ``| def NAME`` (only that
top-level function of the text), ``| defs`` (from the first top-level
function on: no header comment, no imports) and ``| excerpt`` (the block is a
run of consecutive lines of the text, possibly indented less):

* ``adc ARGS`` -- what the command prints (run on a copy of examples/);
* ``golden NAME`` -- the golden file tests/golden/NAME.py (checked byte for
  byte by test_golden.py);
* ``file PATH`` -- a file of the repository (an example's source);
* ``eval MODULE EXPR`` -- the string EXPR evaluates to, with examples/MODULE's
  names, ``adcompiler``, ``composite`` (transform/composite.py) and
  ``load_live`` in scope;
* ``run`` -- the block is Python that runs (written to a file and imported);
  a line ``EXPR  # ... = NUMBER`` also checks that EXPR equals NUMBER;
* ``from-run EXPR`` -- the string EXPR evaluates to in the module of the
  page's last ``run`` block (``J.source`` after ``@grad def J``);
* ``input`` -- Python the reader writes (it must parse);
* ``diagram`` -- a drawing, not code (nothing to check);
* ``shell`` -- commands: each ``adc ...`` or ``python -m adcompiler ...`` line
  must be accepted by adc's argument parser, and each ``--option`` of a
  synopsis line must exist.

``python tests/doc_listings.py [PAGE ...]`` rewrites every block whose SPEC
produces a whole text (not an excerpt) from its source; ``check`` returns
the problems, which tests/test_doc_listings.py asserts are none.
"""
from __future__ import annotations

import ast
import glob
import importlib
import os
import re
import shlex
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
MARK = re.compile(r"<!-- listing: (.*?) -->\n```([a-z]*)\n(.*?)```", re.S)
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.S | re.M)
CHECKED_ELSEWHERE = {"api.md"}  # generated from docstrings (test_api_docs.py)


def pages() -> list:
    found = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    return [os.path.join(ROOT, "README.md")] + [
        p for p in found if os.path.basename(p) not in CHECKED_ELSEWHERE]


def unmarked(text: str) -> list:
    """Fenced blocks with neither a marker nor the ``console`` language."""
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if m.group(1) != "console" and not before.startswith("<!-- listing: "):
            out.append(m.group(2).split("\n", 1)[0])
    return out


def parse(spec: str) -> tuple:
    """``(kind, args, def name or '' (all defs) or None, excerpt?)``."""
    head, *filters = [p.strip() for p in spec.split("|")]
    kind, _, args = head.partition(" ")
    name = next((f[4:].strip() for f in filters if f.startswith("def ")), None)
    if "defs" in filters:
        name = ""
    return kind, args.strip(), name, "excerpt" in filters


def select(text: str, name: str | None) -> str:
    """Apply a ``| def NAME`` (or ``| defs``) filter."""
    if name is None:
        return text
    if name == "":
        lines = text.split("\n")
        start = next(i for i, line in enumerate(lines) if line.startswith("def "))
        return "\n".join(lines[start:])
    return top_def(text, name)


# ---------------------------------------------------------------- producers
def produce(kind: str, args: str, workdir: str, ran: dict | None = None) -> str:
    if kind == "from-run":
        return str(eval(args, ran or {})).rstrip("\n") + "\n"  # noqa: S307 - our docs
    if kind == "adc":
        from doc_console import run
        return run("adc " + args, workdir) + "\n"
    if kind == "golden":
        return _read(os.path.join(ROOT, "tests", "golden", args + ".py"))
    if kind == "file":
        return _read(os.path.join(ROOT, args))
    if kind == "eval":
        module, _, expr = args.partition(" ")
        return str(eval(expr, _namespace(module))).rstrip("\n") + "\n"  # noqa: S307 - our docs
    raise ValueError(f"unknown listing kind {kind!r}")


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _namespace(module: str) -> dict:
    import adcompiler
    from adcompiler.frontend.source import load_live
    from adcompiler.transform import composite
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        mod = importlib.import_module(module)
    finally:
        sys.path.pop(0)
    return {**vars(mod), "adcompiler": adcompiler, "composite": composite,
            "load_live": load_live}


def top_def(text: str, name: str) -> str:
    """The top-level ``def name`` of ``text`` (decorators and comments above
    it excluded), without trailing blank lines."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {name}("))
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t)"):
        end += 1
    return "\n".join(lines[start:end]).rstrip("\n") + "\n"


def is_excerpt(block: str, text: str) -> bool:
    """``block``'s lines are consecutive lines of ``text``, each with the same
    extra indentation (blank lines match blank lines)."""
    want = block.rstrip("\n").split("\n")
    have = text.split("\n")
    for i in range(len(have) - len(want) + 1):
        first = have[i]
        pad = first[:len(first) - len(want[0])] if first.endswith(want[0]) else None
        if pad is None or pad.strip():
            continue
        if all((not w and not h.strip()) or h == pad + w for w, h in zip(want, have[i:])):
            return True
    return False


# ---------------------------------------------------------------- checks
def check_block(spec: str, block: str, workdir: str, ran: dict) -> str | None:
    """None if the block is right, else what is wrong.  ``ran`` holds the
    names of the page's last ``run`` block."""
    kind, args, name, excerpt = parse(spec)
    if kind == "diagram":
        return None
    if kind == "input":
        return _parses(block)
    if kind == "run":
        return _runs(block, ran)
    if kind == "shell":
        return _shell(block)
    text = select(produce(kind, args, workdir, ran), name)
    if excerpt:
        return None if is_excerpt(block, text) else "not an excerpt of what it quotes"
    return None if block == text else "differs from what it quotes"


def _parses(block: str) -> str | None:
    try:
        ast.parse(textwrap.dedent(block))
    except SyntaxError as exc:
        return f"does not parse: {exc}"
    return None


RESULT = re.compile(r"^(\S.*?)\s+#.*=\s*(-?\d[\d.e+-]*)\s*$")


def _runs(block: str, ran: dict) -> str | None:
    """Import the block as a module (adcompiler reads its source from the
    file), then check every ``EXPR  # ... = NUMBER`` line; ``ran`` gets
    the module's names."""
    folder = tempfile.mkdtemp(prefix="adc-listing-")
    with open(os.path.join(folder, "listing.py"), "w", encoding="utf-8") as fh:
        fh.write(block)
    import contextlib
    import io
    sys.path.insert(0, folder)
    sys.modules.pop("listing", None)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            mod = importlib.import_module("listing")
    finally:
        sys.path.pop(0)
    ran.clear()
    ran.update(vars(mod))
    for line in block.splitlines():
        m = RESULT.match(line)
        if m:
            got = eval(m.group(1), vars(mod))  # noqa: S307 - our docs
            if abs(got - float(m.group(2))) > 1e-12 * abs(float(m.group(2))):
                return f"{m.group(1)} is {got!r}, not {m.group(2)}"
    return None


def _shell(block: str) -> str | None:
    from adcompiler.cli.commands import build_parser
    parser = build_parser()
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        commands += [c.strip() for c in line.split("  #")[0].split("&&")]
    for line in commands:
        for prefix in ("python -m adcompiler ", "adc "):
            if line.startswith(prefix):
                argv = shlex.split(line[len(prefix):])
                problem = _synopsis(parser, argv) if "[" in line else _accepted(parser, argv)
                if problem:
                    return f"{line}: {problem}"
    return None


def _accepted(parser, argv: list) -> str | None:
    import contextlib
    import io
    try:
        with contextlib.redirect_stderr(io.StringIO()) as err:
            parser.parse_args(argv)
    except SystemExit:
        return err.getvalue().strip().splitlines()[-1]
    return None


def _synopsis(parser, argv: list) -> str | None:
    sub = parser._subparsers._group_actions[0].choices[argv[0]]
    known = {o for a in sub._actions for o in a.option_strings}
    for word in argv:
        for opt in re.findall(r"(--?[a-z][a-z-]*)", word):
            if opt not in known:
                return f"adc {argv[0]} has no option {opt}"
    return None


def check(path: str, workdir: str) -> list:
    """[(first line of the block, problem)] for one page."""
    text = _read(path)
    problems = [(first, "no <!-- listing: ... --> marker") for first in unmarked(text)]
    ran: dict = {}
    for m in MARK.finditer(text):
        problem = check_block(m.group(1), m.group(3), workdir, ran)
        if problem:
            problems.append((m.group(3).split("\n", 1)[0], f"{m.group(1)}: {problem}"))
    return problems


def refresh(text: str, workdir: str) -> str:
    ran: dict = {}

    def replace(m):
        kind, args, name, excerpt = parse(m.group(1))
        if kind == "run":
            _runs(m.group(3), ran)
        if excerpt or kind in ("input", "run", "shell", "diagram"):
            return m.group(0)
        new = select(produce(kind, args, workdir, ran), name)
        return f"<!-- listing: {m.group(1)} -->\n```{m.group(2)}\n{new}```"
    return MARK.sub(replace, text)


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    from doc_console import scratch
    work = scratch()
    for page in sys.argv[1:] or pages():
        old = _read(page)
        new = refresh(old, work)
        if new != old:
            with open(page, "w", encoding="utf-8") as fh:
                fh.write(new)
            print(f"rewrote listings in {os.path.relpath(page, ROOT)}")
        for first, problem in check(page, work):
            print(f"{os.path.relpath(page, ROOT)}: {first!r}: {problem}")
