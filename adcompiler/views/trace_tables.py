"""The tables of an evaluation trace: rows, loop/branch/call headers, and the
``max_rows`` cap that says what it left out."""
from __future__ import annotations

from .partials import partial_text, times
from .textstyle import Row, render_table


# ---------------------------------------------------------------- context
def context_note(ctx, view) -> str:
    """``line 46 for i in range(n): iteration 2 (v₁ = 1)`` and the like."""
    nota, w, stmt = view.nota, ctx.wengert, ctx.stmt
    where = f"-- line {stmt.loc.line}: {stmt.loc.text}".rstrip()
    if ctx.kind == "loop":
        if hasattr(stmt, "start"):
            idx = nota.var(w.index[stmt.body.params[0]])
            return f"{where}  [iteration {ctx.number + 1}, {idx} = {ctx.detail}]"
        return f"{where}  [pass {ctx.number + 1}]"
    if ctx.kind == "branch":
        side = "then" if ctx.number else "else"
        return f"{where}  [{w.name(stmt.pred, nota)} is {ctx.detail}: {side} branch]"
    args = ", ".join(view.num(a) for a in ctx.detail)
    return f"{where}  [call {stmt.param('fn')}({args})]"


def with_headers(items: list, view) -> list:
    """Rows for ``(step, cells)`` items, with a note wherever the loop
    iteration, branch or call changes; entries are indented by nesting."""
    rows, prev = [], ()
    for step, cells in items:
        ctx = step.context if step is not None else ()
        common = 0
        while common < min(len(prev), len(ctx)) and prev[common] is ctx[common]:
            common += 1
        for d in range(common, len(ctx)):
            note = Row(note=context_note(ctx[d], view), depth=d)
            note.ctx = ctx[:d + 1]
            rows.append(note)
        cells = list(cells)
        cells[0] = "  " * len(ctx) + cells[0]
        row = Row(tuple(cells))
        row.ctx = ctx
        rows.append(row)
        prev = ctx
    return rows


def cap(rows: list, max_rows: int | None, view) -> list:
    """At most ``max_rows`` rows: the first and last ones, and between them a
    note saying how many rows and which loop iterations were left out."""
    if not max_rows or len(rows) <= max_rows:
        return rows
    head = (max_rows + 1) // 2
    tail = max_rows - head
    left = rows[head:len(rows) - tail]
    count = sum(1 for r in left if not r.note)
    loops: dict = {}
    for r in left:
        for c in getattr(r, "ctx", ()):
            if c.kind == "loop":
                word = "iteration" if hasattr(c.stmt, "start") else "pass"
                line, lo, hi, _ = loops.get(id(c.stmt), (c.stmt.loc.line, c.number, c.number, word))
                loops[id(c.stmt)] = (line, min(lo, c.number), max(hi, c.number), word)
                break
    where = "; ".join(_span(*loop) for loop in loops.values())
    dots = view.nota.ellipsis
    msg = (f"{dots} {count} rows left out{' (' + where + ')' if where else ''}; "
           f"--max-rows 0 shows every row {dots}")
    rest = rows[len(rows) - tail:]
    first = rest[0] if rest else None
    cut_header = rows[len(rows) - tail - 1].note  # the cut ends on the header of first's context
    suffix = "" if cut_header else " (continued)"
    again = [] if first is None or first.note else \
        [Row(note=context_note(c, view) + suffix, depth=d)
         for d, c in enumerate(getattr(first, "ctx", ()))]
    return rows[:head] + [Row(note=msg)] + again + rest


def _span(line: int, lo: int, hi: int, word: str) -> str:
    if lo == hi:
        return f"{word} {lo + 1} of the loop at line {line}"
    plural = word + ("es" if word == "pass" else "s")
    return f"{plural} {lo + 1}-{hi + 1} of the loop at line {line}"


# ---------------------------------------------------------------- tables
def primal_table(view, color: bool, max_rows) -> str:
    items = [(s, (view.entry(s), s.entry.user_name, view.num(s.value))) for s in view.trace.steps]
    rows = cap(with_headers(items, view), max_rows, view)
    return render_table(("primal trace", "name", "value"), rows, color, numeric=(2,),
                        styles=("", "green", "yellow"))


def tangent_table(view, color: bool, max_rows) -> str:
    t = view.trace
    items = []
    for s in t.steps:
        has = s.id in t.tangents
        items.append((s, (view.entry(s), view.num(s.value),
                          view.tangent_formula(s) if has else "",
                          view.num(t.tangents[s.id]) if has else "")))
    rows = cap(with_headers(items, view), max_rows, view)
    p = view.nota.partial
    seeded = [k for k, v in t.seed.items() if v]
    direction = seeded[0] if len(seeded) == 1 and t.seed[seeded[0]] == 1 else "seed"
    i = "ᵢ" if view.nota.unicode else "i"
    head = f"tangent trace ({view.nota.dot('v')}{i} = {p}v{i}/{p}{direction})"
    return render_table(("primal trace", "value", head, "tangent"), rows, color,
                        numeric=(1, 3), styles=("", "yellow", "", "magenta"))


def adjoint_table(view, color: bool, max_rows) -> str:
    t, nota = view.trace, view.nota
    items = []
    out = t.results[0][1]
    if out is not None:
        step = t.steps[out]
        seed = f"{nota.bar(view.name(step))} = {nota.bar('y')} = 1"
        items.append((step, (view.entry(step), seed, "", "", "1")))
    seen, last = {out}, (t.steps[out] if out is not None else None)
    for c in t.contributions:
        verb = "+=" if c.source.id in seen else "="
        seen.add(c.source.id)
        items.append((c.step, (view.entry(c.step) if c.step is not last else "",
                               _update(view, c, verb), view.num(c.partial), view.num(c.amount),
                               view.num(c.total))))
        last = c.step
    rows = cap(with_headers(items, view), max_rows, view)
    p = nota.partial
    heads = ("reverse step", "adjoint update", f"{p}v/{p}u", nota.bar("v") + " " + nota.times
             + f" {p}v/{p}u", nota.bar("u") + " now")
    return render_table(heads, rows, color, numeric=(2, 3, 4),
                        styles=("", "", "", "", "magenta"))


def _update(view, c, verb: str) -> str:
    nota = view.nota
    src, dst = nota.bar(view.name(c.source)), nota.bar(view.name(c.step))
    if c.source.wengert is not c.step.wengert:
        src += f" (in {c.source.wengert.fn.name})"
    part = ("1", 9) if c.step.copy else partial_text(c.step.entry.stmt, c.position,
                                                     view.var_name(c.step), nota)
    return f"{src} {verb} {times(dst, part, nota)}"


def summary(view) -> str:
    t, nota, p = view.trace, view.nota, view.nota.partial
    name = t.wengert.fn.name
    lines = [f"{name} = {view.num(t.value)}"]
    if t.mode == "forward":
        out = t.results[0][1] if len(t.results) == 1 else None
        seeded = {k: v for k, v in t.seed.items() if v}
        what = (f"{p}{name}/{p}{next(iter(seeded))}" if len(seeded) == 1
                and list(seeded.values())[0] == 1 else "directional derivative along the seed")
        via = f" = {nota.dot(view.name(t.steps[out]))}" if out is not None else ""
        lines.append(f"{what}{via} = {view.num(t.tangent)}")
    elif t.mode == "reverse":
        inputs = [s for s in t.steps if s.entry.kind == "input" and not s.context]
        lines.append(",  ".join(f"{p}{name}/{p}{s.entry.var.name} = {nota.bar(view.name(s))} = "
                                f"{view.num(t.gradient[s.entry.var.name])}" for s in inputs))
    return "\n".join(lines)
