"""Terminal text for the inspection commands: the seeds' notation (v₋₁, v̇₁,
v̄₁) with an ASCII fallback, aligned tables, and colour only when asked for
or when writing to a terminal (never escape codes into a pipe)."""
from __future__ import annotations

import os
import sys
import unicodedata

from ..runtime.extras import require

_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
_DOT, _BAR = "\u0307", "\u0304"  # combining dot above, combining macron
_PROBE = "v₋₁ v̇₀ v̄₁ × φ ∂ ȳ … ─"
# ANSI SGR codes of the few styles the tables use (no library needed for these)
_SGR = {"bold": "01", "faint": "02", "green": "32", "yellow": "33", "magenta": "35",
        "cyan": "36"}
_RESET = "\x1b[39;49;00m"


class Notation:
    """How variables, tangents and adjoints are spelled: the seeds' Unicode
    (``v₋₁``, ``v̇₁``, ``v̄₁``) or plain ASCII (``v-1``, ``v1_dot``, ``v1_bar``)."""

    def __init__(self, unicode: bool = True) -> None:
        self.unicode = unicode
        self.times = "×" if unicode else "*"
        self.phi = "φ" if unicode else "phi"
        self.ellipsis = "…" if unicode else "..."
        self.partial = "∂" if unicode else "d"

    def var(self, index: int) -> str:
        return "v" + (str(index).translate(_SUBSCRIPT) if self.unicode else str(index))

    def dot(self, name: str) -> str:
        return name[0] + _DOT + name[1:] if self.unicode else name + "_dot"

    def bar(self, name: str) -> str:
        return name[0] + _BAR + name[1:] if self.unicode else name + "_bar"


def can_print_unicode(stream) -> bool:
    """Whether ``stream``'s encoding can represent the seeds' notation."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        _PROBE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def notation_for(stream, ascii_only: bool = False) -> Notation:
    return Notation(unicode=not ascii_only and can_print_unicode(stream))


def use_color(stream, mode: str = "auto") -> bool:
    """``always``/``never``, or ``auto``: only on a terminal, and not when
    ``NO_COLOR`` is set (https://no-color.org convention)."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def paint(text: str, style: str, color: bool) -> str:
    """``text`` in a terminal style (``bold``, ``cyan``, ``bold+cyan``...) when
    ``color``; plain ANSI codes, so tables colour without pygments."""
    if not color or not style or not text:
        return text
    out = text
    for part in style.split("+"):
        out = f"\x1b[{_SGR[part]}m{out}{_RESET}"
    return out


def highlight_python(source: str, color: bool, required: bool = False) -> str:
    """Python source with syntax colours for a terminal (unchanged without colour).

    Highlighting needs pygments (the ``[color]`` extra): without it the source
    is returned plain, or, when colour was ``required`` (``--color always``),
    a one-line :class:`~adcompiler.errors.MissingExtra` says what to install."""
    if not color:
        return source
    pygments = require("pygments", "color", "colour highlighting", strict=required)
    if pygments is None:
        return source
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import PythonLexer
    return pygments.highlight(source, PythonLexer(), TerminalFormatter())


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: combining marks take none."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    gap = " " * max(columns - width(text), 0)
    return gap + text if right else text + gap


class Row:
    """A table row: ``cells``, or a full-width ``note`` (loop iteration
    headers, what was left out)."""

    def __init__(self, cells: tuple = (), note: str = "", depth: int = 0) -> None:
        self.cells = tuple(cells)
        self.note = note
        self.depth = depth


def render_table(headers: tuple, rows: list, color: bool = False, numeric: tuple = (),
                 styles: tuple = ()) -> str:
    """Rows as aligned columns; ``numeric`` columns are right-aligned; notes
    are indented by their depth and printed across the table."""
    cols = len(headers)
    widths = [width(h) for h in headers]
    for row in rows:
        for k, cell in enumerate(row.cells):
            widths[k] = max(widths[k], width(cell))
    lines = ["  ".join(paint(pad(h, widths[k], k in numeric), "bold", color)
                       for k, h in enumerate(headers)).rstrip()]
    for row in rows:
        if row.note:
            lines.append(paint("  " * row.depth + row.note, "cyan", color))
            continue
        cells = list(row.cells) + [""] * (cols - len(row.cells))
        parts = []
        for k, cell in enumerate(cells):
            style = styles[k] if k < len(styles) else ""
            parts.append(paint(pad(cell, widths[k], k in numeric), style, color))
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def fmt_value(value: object, digits: int = 6) -> str:
    """A number as the seeds print them: ``2``, ``0.5``, ``0.693147``;
    ``digits=0`` prints the shortest exact form (``repr``)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if digits <= 0:
            return repr(value)
        return f"{value:.{digits}g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(fmt_value(v, digits) for v in value) + ")"
    if isinstance(value, list):
        return f"<tape of {len(value)}>"
    return str(value)


def write(text: str, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(text if text.endswith("\n") else text + "\n")
