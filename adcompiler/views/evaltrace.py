"""Evaluation traces as the seeds draw them: the primal trace with values,
then the tangent trace (forward mode) or the adjoint trace in reverse order.

The primal trace is the interpreter's record of the IR at given inputs.  The
tangent sweep walks it forwards, ``v̇ = Σ ∂v/∂u · u̇``; the adjoint sweep walks it
backwards, ``ū += v̄ · ∂v/∂u``.  Every local partial ``∂v/∂u`` comes from
:mod:`adcompiler.views.partials`, i.e. from the compiler's own rule table.
"""
from __future__ import annotations

import html
import sys
from dataclasses import dataclass

from ..errors import UsageError
from ..core.interp import EvaluationError, Interpreter
from .partials import partial_text, partial_value, times
from .textstyle import Notation, can_print_unicode, fmt_value


@dataclass
class Contribution:
    """One adjoint update ``ū += v̄ · ∂v/∂u`` of the reverse sweep."""

    step: object  # the step v being propagated
    source: object  # the step u receiving the contribution
    position: int
    partial: float
    amount: float
    total: float


class Trace:
    """The trace of one call: ``value``, and ``tangent`` (forward mode) or
    ``gradient`` (reverse mode, a dict parameter -> ∂f/∂parameter)."""

    def __init__(self, key: str, functions: dict, wengerts: dict, args: list,
                 mode: str = "primal", seed: dict | None = None) -> None:
        if mode not in ("primal", "forward", "reverse"):
            raise UsageError(f"mode must be 'primal', 'forward' or 'reverse', not {mode!r}")
        self.wengert = wengerts[key]
        self.params = [p.name for p in self.wengert.fn.params]
        self.args = list(args)
        self.mode = mode
        interp = Interpreter(functions, wengerts)
        self.results = interp.run(key, self.args)
        self.steps = interp.steps
        self.value = self.results[0][0] if len(self.results) == 1 else tuple(v for v, _ in self.results)
        self.seed = seed or {}
        self.tangents: dict = {}
        self.adjoints: dict = {}
        self.contributions: list = []
        if mode != "primal":
            self._scalars_only()
        if mode == "forward":
            self._forward()
        elif mode == "reverse":
            self._reverse()

    def _scalars_only(self) -> None:
        """The sweeps multiply scalar local partials: array values (which the
        interpreter evaluates with NumPy) are refused, never swept wrongly."""
        for step in self.steps:
            if hasattr(step.value, "shape") and getattr(step.value, "ndim", 0) > 0:
                what = step.entry.user_name or "a value"
                where = f" (line {step.entry.loc.line})" if step.entry.loc.line else ""
                raise EvaluationError(
                    f"the {self.mode} trace follows scalar values, but {what}{where} is an "
                    "array: trace array code with mode='primal', or use grad")

    # ------------------------------------------------------------ sweeps
    def partials(self, step) -> list:
        """``[(dep position, source step id, ∂step/∂source)]``, zeros left out."""
        if not step.deps:
            return []
        if step.copy:
            return [(i, sid, 1.0) for i, sid in step.deps]
        out = []
        eqn = step.entry.stmt
        args = [_value_of(a, self.steps, step) for a in eqn.args]
        for i, sid in step.deps:
            p = partial_value(eqn, i, args, step.value)
            if p is not None:
                out.append((i, sid, p))
        return out

    def _forward(self) -> None:
        unknown = set(self.seed) - set(self.params)
        if unknown:
            raise UsageError(f"seed names {', '.join(sorted(unknown))}, which "
                             f"{self.wengert.fn.name} has no parameter called")
        for step in self.steps:
            if step.entry.kind == "input" and not step.context:
                self.tangents[step.id] = float(self.seed.get(step.entry.var.name, 0.0))
            elif step.deps and _differentiable(step):
                self.tangents[step.id] = sum((p * self.tangents.get(sid, 0.0)
                                              for _, sid, p in self.partials(step)), 0.0)
        tangents = [self.tangents.get(sid, 0.0) if sid is not None else 0.0
                    for _, sid in self.results]
        self.tangent = tangents[0] if len(tangents) == 1 else tuple(tangents)

    def _reverse(self) -> None:
        if len(self.results) != 1:
            raise UsageError(f"reverse mode needs one output; {self.wengert.fn.name} "
                             f"returns {len(self.results)}")
        out = self.results[0][1]
        varied = self._varied()
        if out is not None and out in varied:
            self.adjoints[out] = 1.0
        for step in reversed(self.steps):
            bar = self.adjoints.get(step.id)
            if bar is None:
                continue
            for i, sid, p in self.partials(step):
                if sid not in varied:
                    continue
                amount = bar * p
                total = self.adjoints.get(sid, 0.0) + amount
                self.adjoints[sid] = total
                self.contributions.append(Contribution(step, self.steps[sid], i, p, amount, total))
        inputs = [s for s in self.steps if s.entry.kind == "input" and not s.context]
        self.gradient = {s.entry.var.name: self.adjoints.get(s.id, 0.0) for s in inputs}

    def _varied(self) -> set:
        """Steps that depend differentiably on the inputs (activity analysis on
        the trace): adjoints flow only between these."""
        varied = set()
        for step in self.steps:
            if step.entry.kind == "input" and not step.context:
                varied.add(step.id)
            elif step.deps and _differentiable(step) and any(sid in varied for _, sid in step.deps):
                varied.add(step.id)
        return varied

    # ------------------------------------------------------------ text
    def to_text(self, nota: Notation | None = None, color: bool = False,
                max_rows: int | None = 60, digits: int = 6) -> str:
        from .trace_tables import primal_table, tangent_table, adjoint_table, summary
        nota = nota or Notation()
        view = _View(self, nota, digits)
        title = (f"Evaluation trace of {self.wengert.fn.name} at "
                 + ", ".join(f"{p} = {fmt_value(a, digits)}" for p, a in zip(self.params, self.args)))
        parts = [title, ""]
        if self.mode == "forward":
            parts.append(tangent_table(view, color, max_rows))
        else:
            parts.append(primal_table(view, color, max_rows))
        if self.mode == "reverse":
            parts += ["", "Adjoint trace (reverse order)", adjoint_table(view, color, max_rows)]
        parts += ["", summary(view)]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.to_text(Notation(can_print_unicode(sys.stdout)))

    __repr__ = __str__  # a terminal shows the tables, not <Trace at 0x...>

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.to_text(Notation(), max_rows=200)) + "</pre>"


class _View:
    """Names and formulas of a trace in one notation."""

    def __init__(self, trace: Trace, nota: Notation, digits: int) -> None:
        self.trace = trace
        self.nota = nota
        self.digits = digits

    def num(self, value) -> str:
        return fmt_value(value, self.digits)

    def name(self, step) -> str:
        return self.nota.var(step.entry.index)

    def entry(self, step) -> str:
        """The executed entry; a φ shows the value it took this time."""
        w, e = step.wengert, step.entry
        if step.copy and step.deps and e.kind != "input":
            src = self.trace.steps[step.deps[0][1]]
            if src.wengert is w:
                return f"{self.name(step)} = {self.name(src)}"
        if step.copy and not step.deps and e.kind in ("carried", "merge", "exit"):
            return f"{self.name(step)} = {self.num(step.value)}"
        return w.entry_text(e, self.nota)

    def tangent_formula(self, step) -> str:
        """``v̇₂ = v̇₋₁ × v₀ + v̇₀ × v₋₁``: each dependency's tangent times its partial."""
        dot = self.nota.dot(self.name(step))
        if step.entry.kind == "input" and not step.context:
            return f"{dot} = {self.nota.dot(step.entry.var.name)}"
        terms = []
        for i, sid in step.deps:
            src = self.trace.steps[sid]
            src_dot = self.nota.dot(self.name(src))
            if src.wengert is not step.wengert:
                src_dot += f" (in {src.wengert.fn.name})"
            part = ("1", 9) if step.copy else partial_text(step.entry.stmt, i,
                                                           self.var_name(step), self.nota)
            if part is not None:
                terms.append(times(src_dot, part, self.nota))
        return f"{dot} = {' + '.join(terms) if terms else '0'}"

    def var_name(self, step):
        return lambda v: self.nota.var(step.wengert.index[v])


def _differentiable(step) -> bool:
    from ..core.wengert_list import is_differentiable
    return step.copy or is_differentiable(step.entry.stmt)


def _value_of(atom, steps, step):
    """The value an argument atom had when ``step`` ran."""
    from ..core.ir import Const
    if isinstance(atom, Const):
        return atom.value
    for i, sid in step.deps:
        if step.entry.stmt.args[i] == atom:
            return steps[sid].value
    return None
