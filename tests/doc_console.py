"""Console examples in the docs are real output of the adc program.

A fenced block whose language is ``console`` holds ``$ adc ARGS`` lines, each
followed by what the command prints.  ``check`` re-runs them (in a scratch
directory holding a copy of examples/) and returns the blocks that differ;
``python tests/doc_console.py docs/learn_ad.md`` rewrites the outputs in place.
"""
import contextlib
import io
import os
import re
import shlex
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def commands(block: str) -> list:
    """[(command line, documented output)] of one console block."""
    out, cmd, lines = [], None, []
    for line in block.splitlines():
        if line.startswith("$ "):
            if cmd is not None:
                out.append((cmd, "\n".join(lines)))
            cmd, lines = line[2:], []
        else:
            lines.append(line)
    if cmd is not None:
        out.append((cmd, "\n".join(lines)))
    return out


def run(cmd: str, cwd: str) -> str:
    """What ``adc ...`` prints (stdout and stderr, as a terminal shows them)."""
    from adcompiler.cli.commands import main
    argv = shlex.split(cmd)
    assert argv[0] == "adc", cmd
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
            main(argv[1:])
    finally:
        os.chdir(old)
    stream.flush()
    return raw.getvalue().decode("utf-8").rstrip("\n")


def scratch(where: str | None = None) -> str:
    """A directory holding a copy of examples/ to run the commands in."""
    where = where or tempfile.mkdtemp(prefix="adc-doc-")
    shutil.copytree(os.path.join(ROOT, "examples"), os.path.join(where, "examples"))
    return where


def refresh(text: str, cwd: str) -> str:
    def replace(match):
        parts = []
        for cmd, _ in commands(match.group(1)):
            parts.append(f"$ {cmd}\n{run(cmd, cwd)}".rstrip("\n"))
        return "```console\n" + "\n".join(parts) + "\n```"
    return BLOCK.sub(replace, text)


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    path = sys.argv[1]
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    new = refresh(text, scratch())
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)
    print("unchanged" if new == text else f"rewrote the console output in {path}")
