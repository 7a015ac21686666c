"""The Wengert list of a function in the seeds' notation, read off the IR the
compiler differentiates (lowered and optimised, before reverse mode).

Inputs are numbered ``v₋ₙ₊₁ … v₀``, every other SSA value ``v₁, v₂, …`` in
program order; ``y = vₖ`` names the outputs.  Structured control flow stays
visible: loop-carried values and branch merges are φ entries, so every IR
variable is exactly one entry (and one node of the computational graph).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from .ir import Const, Eqn, ForRange, Function, If, Loc, NOLOC, Var
from ..prims.primitives import PRIMS
from ..views.textstyle import Notation, Row, can_print_unicode, render_table

_INFIX = {"add": "+", "sub": "-", "div": "/", "pow": "**", "floordiv": "//", "mod": "%",
          "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!=",
          "and": "and", "or": "or"}
_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "lt": 4, "le": 4, "gt": 4, "ge": 4, "eq": 4,
               "ne": 4, "add": 5, "sub": 5, "mul": 6, "div": 6, "floordiv": 6, "mod": 6,
               "neg": 7, "pow": 8}
_RENAMED = {"log": "ln"}  # the seeds write the natural logarithm ln


def const_text(value: object) -> str:
    """A literal as a person writes it: ``1.0`` shows as ``1``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def op_text(prim: str, args: list, nota: Notation, params: dict | None = None) -> tuple:
    """(text, precedence) of ``prim`` applied to already-formatted ``args``,
    each an (text, precedence) pair; parenthesises only where needed."""
    params = params or {}
    prec = _PRECEDENCE.get(prim, 9)

    def wrap(arg, right=False):
        text, p = arg
        tighter = p > prec or (p == prec and not right and prim != "pow")
        return text if tighter or (p == prec and prim in ("add", "mul") and right) else f"({text})"

    if prim == "mul":
        return f"{wrap(args[0])} {nota.times} {wrap(args[1], True)}", prec
    if prim in _INFIX and len(args) == 2:
        return f"{wrap(args[0])} {_INFIX[prim]} {wrap(args[1], True)}", prec
    if prim == "neg":
        return f"-{wrap(args[0])}", prec
    if prim == "not":
        return f"not {wrap(args[0])}", prec
    if prim == "select":
        return f"{args[1][0]} if {args[0][0]} else {args[2][0]}", 0
    if prim == "getitem":
        return f"{wrap(args[0])}[{params.get('index')}]", 9
    if prim == "pack":
        return "(" + ", ".join(a[0] for a in args) + ")", 9
    if prim == "call":
        name = params.get("fn", "call")
        return f"{name}({', '.join(a[0] for a in args)})", 9
    name = _RENAMED.get(prim, prim)
    return f"{name}({', '.join(a[0] for a in args)})", 9


@dataclass
class Entry:
    """One Wengert entry: an SSA variable, its number and how it is made."""

    var: Var
    index: int
    kind: str  # input | index | carried | op | merge | exit
    stmt: object  # the Eqn / If / ForRange / While that binds it (None for inputs)
    sources: tuple  # atoms it is computed from (φ: init then next value)
    loc: Loc = NOLOC

    @property
    def user_name(self) -> str:
        hint = self.var.hint
        return "" if not hint or hint.startswith("~") or hint == "_" else hint


@dataclass
class Line:
    """A printed line of the listing: an entry, or a control-flow header."""

    depth: int
    entry: Entry | None
    header: str = ""
    loc: Loc = NOLOC
    stmt: object = None  # the control-flow statement a header opens


class WengertList:
    """The numbered entries of one IR function, and the listing of them."""

    def __init__(self, fn: Function, callees: tuple = (), line_text=None) -> None:
        self.fn = fn
        self.callees = callees  # WengertLists of the user functions it calls
        self.line_text = line_text or (lambda line: "")
        self.index: dict = {}
        self.entries: list = []
        self.lines: list = []
        n = len(fn.params)
        for k, p in enumerate(fn.params):
            loc = Loc(fn.source_line, 0, self.line_text(fn.source_line))
            self._add(Entry(p, k - n + 1, "input", None, (), loc), 0)
        self._block(fn.body, 0)
        self.outputs = fn.body.results
        self.by_var = {e.var: e for e in self.entries}

    # ------------------------------------------------------------ numbering
    def _add(self, entry: Entry, depth: int) -> None:
        self.index[entry.var] = entry.index
        self.entries.append(entry)
        self.lines.append(Line(depth, entry, loc=entry.loc))

    def _next(self) -> int:
        return sum(1 for e in self.entries if e.kind != "input") + 1

    def _entry(self, var, kind, stmt, sources, loc, depth) -> None:
        self._add(Entry(var, self._next(), kind, stmt, tuple(sources), loc), depth)

    def _block(self, block, depth: int) -> None:
        for s in block.stmts:
            if isinstance(s, Eqn):
                for o in s.outs:
                    self._entry(o, "op", s, s.args, s.loc, depth)
            elif isinstance(s, If):
                self.lines.append(Line(depth, None, "if", s.loc, s))
                self._block(s.then, depth + 1)
                self.lines.append(Line(depth, None, "else", s.loc))
                self._block(s.orelse, depth + 1)
                for o, a, b in zip(s.outs, s.then.results, s.orelse.results):
                    self._entry(o, "merge", s, (a, b), s.loc, depth)
            elif isinstance(s, ForRange):
                idx, carried = s.body.params[0], s.body.params[1:]
                self._entry(idx, "index", s, (s.start, s.stop, s.step), s.loc, depth)
                self._carried(s, carried, s.body.results, depth + 1)
                self._block(s.body, depth + 1)
                self._exits(s, s.body.results, depth)
            else:
                self.lines.append(Line(depth, None, "while", s.loc))
                self._carried(s, s.cond.params, s.body.results, depth + 1)
                self._block(s.cond, depth + 1)
                self.lines.append(Line(depth, None, "loop", s.loc))
                for p, c in zip(s.body.params, s.cond.params):
                    self._entry(p, "carried", s, (c,), s.loc, depth + 1)
                self._block(s.body, depth + 1)
                self._exits(s, s.body.results, depth)

    def _carried(self, s, params, nexts, depth) -> None:
        for p, init, nxt in zip(params, s.inits, nexts):
            self._entry(p, "carried", s, (init, nxt), s.loc, depth)

    def _exits(self, s, nexts, depth) -> None:
        for o, init, nxt in zip(s.outs, s.inits, nexts):
            self._entry(o, "exit", s, (init, nxt), s.loc, depth)

    # ------------------------------------------------------------ text
    def name(self, atom, nota: Notation) -> str:
        if isinstance(atom, Const):
            return const_text(atom.value)
        return nota.var(self.index[atom]) if atom in self.index else atom.name

    def rhs(self, entry: Entry, nota: Notation) -> str:
        """The right-hand side of an entry: ``ln(v₋₁)``, ``φ(v₋₁, v₅)``."""
        names = [self.name(a, nota) for a in entry.sources]
        if entry.kind == "input":
            return entry.var.hint or entry.var.name
        if entry.kind == "index":
            start, stop, step = names
            rng = f"range({start}, {stop}{'' if step == '1' else ', ' + step})"
            return f"{'reversed ' if entry.stmt.reverse else ''}{rng}"
        if entry.kind in ("carried", "merge", "exit"):
            return f"{nota.phi}({', '.join(names)})" if len(names) > 1 else names[0]
        eqn = entry.stmt
        text, _ = op_text(eqn.prim, [(n, 9) for n in names], nota, dict(eqn.params))
        if len(eqn.outs) > 1:
            text += f"[{eqn.outs.index(entry.var)}]"
        return text

    def entry_text(self, entry: Entry, nota: Notation) -> str:
        sep = " in " if entry.kind == "index" else " = "
        return nota.var(entry.index) + sep + self.rhs(entry, nota)

    def header_text(self, line: Line, nota: Notation) -> str:
        if line.header == "if":
            return f"if {self.name(line.stmt.pred, nota)}:"
        if line.header == "while":
            return "while (test each pass):"
        if line.header == "loop":
            return "loop while the test holds:"
        return f"{line.header}:"

    def output_lines(self, nota: Notation) -> list:
        outs = self.outputs
        y = "out" if any(p.name == "y" for p in self.fn.params) else "y"
        if len(outs) == 1:
            return [f"{y} = {self.name(outs[0], nota)}"]
        return [f"{y}{k + 1} = {self.name(o, nota)}" for k, o in enumerate(outs)]

    def rows(self, nota: Notation) -> list:
        rows, last_line = [], None
        for line in self.lines:
            indent = "    " * line.depth
            if line.entry is None:
                text, kind, user = indent + self.header_text(line, nota), "", ""
            else:
                e = line.entry
                text = indent + self.entry_text(e, nota)
                kind = {"input": f"input {e.index + len(self.fn.params)}", "index": "loop index",
                        "carried": "carried", "merge": "branch merge", "exit": "loop result",
                        "op": ""}[e.kind]
                user = e.user_name
            src, where = "", ""
            if line.loc.line and line.loc.line != last_line and line.header != "else":
                where, src = str(line.loc.line), line.loc.text
                last_line = line.loc.line
            rows.append(Row((text, user, kind, where, src)))
        for text in self.output_lines(nota):
            rows.append(Row((text, "", "output", "", "")))
        return rows

    def to_text(self, nota: Notation | None = None, color: bool = False) -> str:
        nota = nota or Notation()
        title = f"Wengert list of {self.fn.name}({', '.join(p.name for p in self.fn.params)})"
        parts = [title, render_table(("entry", "name", "role", "line", "source"),
                                     self.rows(nota), color, styles=("", "green", "faint"))]
        for callee in self.callees:
            parts.append("")
            parts.append(callee.to_text(nota, color))
        return "\n".join(parts)

    def __str__(self) -> str:
        import sys
        return self.to_text(Notation(can_print_unicode(sys.stdout)))

    __repr__ = __str__  # a terminal shows the list, not <WengertList at 0x...>

    def _repr_html_(self) -> str:
        rows = self.rows(Notation())
        cells = "".join("<tr>" + "".join(f"<td style='text-align:left'><code>"
                                         f"{html.escape(c)}</code></td>" for c in r.cells)
                        + "</tr>" for r in rows)
        head = "".join(f"<th>{h}</th>" for h in ("entry", "name", "role", "line", "source"))
        return f"<table><caption>Wengert list of {html.escape(self.fn.name)}</caption>" \
               f"<tr>{head}</tr>{cells}</table>"


def is_differentiable(eqn: Eqn) -> bool:
    return eqn.prim in PRIMS and PRIMS[eqn.prim].differentiable
