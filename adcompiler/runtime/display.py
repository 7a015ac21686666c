"""How results show themselves: plain text in a terminal, HTML in Jupyter.

:class:`Source` is the ``str`` that ``.source`` returns: it is the emitted
module text (compare, write or ``exec`` it like any string; ``print`` shows
it plain), and in Jupyter it displays as highlighted code.  Highlighting
uses pygments when it is installed (the ``[color]`` extra); without it the
code is shown escaped in a ``<pre>``, never an error.  :func:`html_table`
builds the tables that ``check_grad`` and ``swell`` reports display.
"""
from __future__ import annotations

import html

from .extras import require


class Source(str):
    """Emitted Python code: a ``str`` that Jupyter shows highlighted."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        pygments = require("pygments", "color", "highlighting", strict=False)
        if pygments is None:
            return f"<pre><code>{html.escape(str(self))}</code></pre>"
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
        return pygments.highlight(str(self), PythonLexer(), HtmlFormatter(noclasses=True))

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.rstrip()}\n```\n"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython's terminal shows the code itself, not a quoted string."""
        printer.text(str(self))


def html_table(headers, rows, caption: str = "", right=(), marks=()) -> str:
    """An HTML table; cells are escaped; ``right`` columns are right-aligned
    (numbers); rows whose index is in ``marks`` are bold (mismatches)."""
    def cell(tag: str, k: int, text) -> str:
        align = "right" if k in right else "left"
        return f"<{tag} style='text-align:{align}'>{html.escape(str(text))}</{tag}>"

    head = "<tr>" + "".join(cell("th", k, h) for k, h in enumerate(headers)) + "</tr>"
    body = []
    for i, row in enumerate(rows):
        style = " style='font-weight:bold'" if i in marks else ""
        body.append(f"<tr{style}>" + "".join(cell("td", k, c) for k, c in enumerate(row))
                    + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}{head}{''.join(body)}</table>"
