"""How the command line shows errors: ``FILE:LINE:COL: error: MESSAGE``, then
the source line and a caret under the column, as C compilers do, so a user
sees what was refused without opening the file.

The API keeps ``str(CompileError)`` to the one-line form; only the command
line adds the excerpt (it knows it prints to a person reading a terminal).
"""
from __future__ import annotations

from ..errors import CompileError

#: constructs of errors about the whole file or the options, not one line
WHOLE_FILE = {"file", "shapes"}


def render(exc: CompileError, kind: str = "error", prefix: str = "") -> str:
    """The full diagnostic of ``exc``: the one-line header, and when the
    source line is available, that line and a caret under the column.
    ``cli_message``, when the error has one, words the hint for the command
    line (``--shapes X=NxD`` rather than "call the gradient with arrays")."""
    message = getattr(exc, "cli_message", None) or exc.message
    head = f"{exc.filename}:{exc.line}:{exc.col}: {kind}: {prefix}{message}"
    text = None if exc.construct in WHOLE_FILE else source_line(exc.filename, exc.line)
    if text is None or not text.strip() or any(c < " " and c != "\t" for c in text):
        return head  # nothing to show, or not text (a binary file)
    caret = caret_line(text, exc.col, exc.construct == "syntax")
    return f"{head}\n    {text.rstrip()}\n    {caret}".rstrip()


def source_line(filename: str, line: int) -> str | None:
    """Line ``line`` (1-based) of ``filename`` as Python decodes it, or None."""
    from ..frontend.source import read_source
    try:
        lines = read_source(filename).split("\n")
    except CompileError:  # undecodable: show it as best we can
        with open(filename, "rb") as fh:
            lines = fh.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return lines[line - 1] if 0 < line <= len(lines) else None


def caret_line(text: str, col: int, chars: bool) -> str:
    """Spaces (tabs where the source has tabs) up to column ``col`` and a ``^``.

    ``col`` is 1-based; the parser's columns count characters, the AST's
    count UTF-8 bytes (``chars`` says which), so non-ASCII text before the
    column does not shift the caret.
    """
    if col <= 0:
        return ""
    index = col - 1
    if not chars:
        index = len(text.encode("utf-8")[:index].decode("utf-8", errors="ignore"))
    index = min(index, len(text))
    pad = "".join("\t" if ch == "\t" else " " for ch in text[:index])
    return pad + "^"
