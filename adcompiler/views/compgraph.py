"""The computational graph of a function as Graphviz DOT.

One node per Wengert entry (inputs blue, intermediates green, outputs yellow,
as in seed 004's figure; values that are never differentiated, such as loop
indices and comparisons, grey).  Loops and branches are drawn as clusters, a
loop's next-iteration edges dashed.  With ``partials`` every edge carries the
local partial derivative ``∂v/∂u`` built by the compiler's rule table.

DOT is text in Graphviz's own language, not Python, so it is written here
directly; rendering to SVG/PNG pipes it to the Graphviz ``dot`` program (no
Python wrapper package is needed).
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess

from ..errors import AdcError, UsageError
from ..core.ir import Eqn, ForRange, If, Var
from .partials import partial_text
from .textstyle import Notation
from ..core.wengert_list import WengertList, is_differentiable

COLORS = {"input": "#9ecae1", "intermediate": "#a1d99b", "output": "#fed976",
          "constant": "#e0e0e0"}
NO_DOT = ("rendering {fmt} needs the Graphviz program 'dot', which is not on PATH. "
          "Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
          "graphviz) or write the DOT text instead with -o FILE.dot")


class RenderError(AdcError):
    """The graph could not be rendered to an image (no Graphviz ``dot``...)."""


def quote(text: str) -> str:
    """A DOT double-quoted string (newlines become DOT's centred ``\\n``)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Graph:
    """DOT text of one function's computational graph (``.source``)."""

    def __init__(self, w: WengertList, partials: bool = False, ascii_only: bool = False) -> None:
        self.wengert = w
        self.partials = partials
        self.nota = Notation(unicode=not ascii_only)
        self.outputs = {o for o in w.outputs if isinstance(o, Var)}
        self.source = self._dot()

    # ------------------------------------------------------------ DOT text
    def _dot(self) -> str:
        w = self.wengert
        title = f"Computational graph of {w.fn.name}({', '.join(p.name for p in w.fn.params)})"
        lines = [f"digraph {quote(w.fn.name)} {{",
                 f"  graph [rankdir=LR, label={quote(title)}, labelloc=t, fontname=Helvetica];",
                 "  node [shape=box, style=\"rounded,filled\", fontname=Helvetica];",
                 "  edge [fontname=Helvetica, fontsize=12];"]
        for p in w.fn.params:
            lines.append("  " + self._node(w.by_var[p]))
        self._block(w.fn.body, lines, "  ", [0])
        for e in w.entries:
            lines += ["  " + edge for edge in self._edges(e)]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _node(self, e) -> str:
        kind = self._kind(e)
        label = self.wengert.entry_text(e, self.nota)
        if e.user_name and e.kind != "input":
            label += f"\n({e.user_name})"
        if e.var in self.outputs:
            label += "\noutput"
        extra = ", peripheries=2" if e.var in self.outputs else ""
        return f"{quote(e.var.name)} [label={quote(label)}, fillcolor=\"{COLORS[kind]}\"{extra}];"

    def _kind(self, e) -> str:
        if e.var in self.outputs:
            return "output"
        if e.kind == "input":
            return "input"
        if e.kind == "index" or (e.kind == "op" and not is_differentiable(e.stmt)):
            return "constant"
        return "intermediate"

    def _block(self, block, lines: list, ind: str, counter: list) -> None:
        w = self.wengert
        for p in block.params:
            lines.append(ind + self._node(w.by_var[p]))
        for s in block.stmts:
            if isinstance(s, Eqn):
                lines += [ind + self._node(w.by_var[o]) for o in s.outs]
                continue
            subs = [("then", s.then), ("else", s.orelse)] if isinstance(s, If) else \
                [("loop", s.body)] if isinstance(s, ForRange) else [("loop", s.cond), ("", s.body)]
            counter[0] += 1
            lines.append(f"{ind}subgraph cluster_{counter[0]} {{")
            lines.append(f"{ind}  label={quote(f'line {s.loc.line}: {s.loc.text}')}; "
                         "style=dashed; labeljust=l;")
            if isinstance(s, ForRange):
                lines.append(ind + "  " + self._node(w.by_var[s.body.params[0]]))
                inner = s.body.__class__(s.body.params[1:], s.body.stmts, s.body.results)
                self._block(inner, lines, ind + "  ", counter)
            else:
                for label, sub in subs:
                    if label in ("then", "else") and sub.stmts:
                        counter[0] += 1
                        lines.append(f"{ind}  subgraph cluster_{counter[0]} {{ label={quote(label)};"
                                     " style=dotted;")
                        self._block(sub, lines, ind + "    ", counter)
                        lines.append(f"{ind}  }}")
                    elif label not in ("then", "else"):
                        self._block(sub, lines, ind + "  ", counter)
            lines.append(f"{ind}}}")
            lines += [ind + self._node(w.by_var[o]) for o in s.outs]

    def _edges(self, e) -> list:
        out = []
        target = quote(e.var.name)
        for i, src in enumerate(e.sources):
            if not isinstance(src, Var):
                continue
            attrs = self._edge_attrs(e, i)
            out.append(f"{quote(src.name)} -> {target}{' [' + attrs + ']' if attrs else ''};")
        if e.kind == "merge" and isinstance(e.stmt.pred, Var):
            out.append(f"{quote(e.stmt.pred.name)} -> {target} [style=dotted, arrowhead=odot, "
                       "label=\"selects\"];")
        return out

    def _edge_attrs(self, e, i: int) -> str:
        attrs = []
        label = ""
        if e.kind in ("carried", "exit") and i == 1:
            attrs.append("style=dashed")
            label = "next iteration" if e.kind == "carried" else "last iteration"
            if e.kind == "carried":
                attrs.append("constraint=false")
        elif e.kind == "merge":
            label = "then" if i == 0 else "else"
        elif e.kind == "index" or (e.kind == "op" and not is_differentiable(e.stmt)):
            attrs.append("style=dotted")
        if self.partials:
            part = self._partial(e, i)
            if part is not None:
                label = f"{label}\n{part}" if label else part
        if label:
            attrs.append(f"label={quote(label)}")
        return ", ".join(attrs)

    def _partial(self, e, i: int):
        """``∂e/∂source`` as text: ``1`` for φ entries, the rule's expression for
        an operation, nothing where the derivative is zero by definition."""
        if e.kind in ("carried", "exit", "merge"):
            return "1"
        if e.kind != "op" or len(e.stmt.outs) != 1:
            return None
        part = partial_text(e.stmt, i, lambda v: self.nota.var(self.wengert.index[v]), self.nota)
        return part[0] if part else None

    # ------------------------------------------------------------ rendering
    def pipe(self, fmt: str = "svg") -> bytes:
        """The graph rendered by Graphviz ``dot`` (``svg``, ``png``, ``pdf``)."""
        dot = shutil.which("dot")
        if dot is None:
            raise RenderError(NO_DOT.format(fmt=fmt.upper()))
        try:
            done = subprocess.run([dot, f"-T{fmt}"], input=self.source.encode("utf-8"),
                                  capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderError(f"Graphviz dot could not run: {exc}") from None
        if done.returncode != 0:
            raise RenderError("Graphviz dot failed: "
                              + done.stderr.decode("utf-8", errors="replace").strip())
        return done.stdout

    def render(self, path: str) -> str:
        """Write ``path``: DOT text for ``.dot``/``.gv``, an image for
        ``.svg``/``.png``/``.pdf``."""
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        if ext in ("dot", "gv"):
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(self.source)
        elif ext in ("svg", "png", "pdf"):
            data = self.pipe(ext)
            with open(path, "wb") as fh:
                fh.write(data)
        else:
            raise UsageError(f"cannot tell the format of {path!r}: use .dot, .svg, .png or .pdf")
        return path

    def __str__(self) -> str:
        return self.source

    __repr__ = __str__  # a terminal shows the DOT text, not <Graph at 0x...>

    def _repr_svg_(self):
        try:
            return self.pipe("svg").decode("utf-8")
        except RenderError:
            return None

    def _repr_html_(self) -> str:
        svg = self._repr_svg_()
        if svg is not None:
            return svg
        note = html.escape(NO_DOT.format(fmt="SVG"))
        return f"<p><em>{note}</em></p><pre>{html.escape(self.source)}</pre>"
