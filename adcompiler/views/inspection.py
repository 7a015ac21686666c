"""Seeing the computation: ``wengert(f)``, ``trace(f, ...)``, ``graph(f)``.

All three read the IR the compiler differentiates: the function (and every
user function it calls) lowered and optimised exactly as ``grad`` does it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..compiler import _pass, lower
from ..errors import UsageError
from ..frontend.source import SourceFunction, load_live
from ..optimize.passes import optimize
from ..core.wengert_list import WengertList


@dataclass
class WengertProgram:
    """The entry's key, its optimised IR functions and their Wengert lists
    (what the views show; the lowering's own record of the functions reached
    is :class:`adcompiler.frontend.program.Program`)."""

    key: str
    functions: dict
    wengerts: dict

    @property
    def entry(self) -> WengertList:
        return self.wengerts[self.key]


def load_program(sf: SourceFunction) -> WengertProgram:
    program, key = lower(sf)
    functions = {k: _pass(fn, optimize) for k, fn in program.functions.items()}
    wengerts = {k: WengertList(fn, line_text=program.sources[k].line_text)
                for k, fn in functions.items()}
    others = tuple(w for k, w in wengerts.items() if k != key)
    wengerts[key].callees = others
    return WengertProgram(key, functions, wengerts)


def _source_of(f) -> SourceFunction:
    """The parsed source of a function, of a ``grad``-decorated one too."""
    from ..api.reverse_grad import Derivative
    if isinstance(f, SourceFunction):
        return f
    return load_live(f.fn if isinstance(f, Derivative) else f)


def wengert(f) -> WengertList:
    """The Wengert list of ``f``: one numbered entry per elementary operation, in
    the notation of AD lectures (inputs ``v₋ₙ₊₁ … v₀``).

    Parameters:
        f: a function (or a compiled derivative: its function is shown).

    Returns:
        A :class:`WengertList`: ``print`` it (or just show it in a terminal)
        for the table; in Jupyter it displays as an HTML table.

    Example:
        >>> from math import exp
        >>> def h(x, y):
        ...     return x * x * y + exp(y)
        >>> print(adcompiler.wengert(h).to_text())
        Wengert list of h(x, y)
        entry           name  role     line  source
        v₋₁ = x         x     input 1  1     def h(x, y):
        v₀ = y          y     input 2
        v₁ = v₋₁ × v₋₁                 2     return x * x * y + exp(y)
        v₂ = v₁ × v₀
        v₃ = exp(v₀)
        v₄ = v₂ + v₃
        out = v₄              output
    """
    return load_program(_source_of(f)).entry


def bind_args(w: WengertList, args: tuple, kwargs: dict) -> list:
    """Argument values in parameter order; defaults fill what is missing."""
    params = [p.name for p in w.fn.params]
    defaults = {name: c.value for name, c in w.fn.defaults}
    if len(args) > len(params):
        raise UsageError(f"{w.fn.name} takes {len(params)} arguments, not {len(args)}")
    values = dict(zip(params, args))
    for name, value in kwargs.items():
        if name not in params:
            raise UsageError(f"{w.fn.name} has no parameter named {name!r} "
                             f"(it has {', '.join(params)})")
        if name in values:
            raise UsageError(f"{name} is given twice")
        values[name] = value
    missing = [p for p in params if p not in values and p not in defaults]
    if missing:
        raise UsageError(f"give a value for {', '.join(missing)}")
    return [values[p] if p in values else defaults[p] for p in params]


def seed_vector(w: WengertList, seed) -> dict:
    """A forward-mode seed: a parameter name or index (unit seed), or a dict
    of parameter -> tangent value; default: the first parameter."""
    params = [p.name for p in w.fn.params]
    if seed is None:
        seed = 0
    if isinstance(seed, int) and not isinstance(seed, bool):
        if not -len(params) <= seed < len(params):
            raise UsageError(f"seed={seed} is out of range: {w.fn.name} has {len(params)} parameters")
        return {params[seed]: 1.0}
    if isinstance(seed, str):
        return {seed: 1.0}
    if isinstance(seed, dict):
        return {k: float(v) for k, v in seed.items()}
    raise UsageError(f"seed must be a parameter name, index or dict, not {seed!r}")


def trace(f, *args, mode: str = "primal", seed=None, **kwargs):
    """The evaluation trace of ``f`` at ``args`` (and keyword arguments).

    Parameters:
        f: a function.
        *args: the point (and ``**kwargs``).
        mode: ``"primal"`` (values only), ``"forward"`` (adds the tangent trace
            for ``seed``) or ``"reverse"`` (adds the adjoint trace, in reverse
            order, and ``.gradient``).
        seed: for forward mode, a parameter name or index, or a dict of tangents.

    Returns:
        A :class:`Trace`; ``print`` it for the tables.

    Example:
        >>> from math import exp
        >>> def h(x, y):
        ...     return x * x * y + exp(y)
        >>> adcompiler.trace(h, 1.0, 0.0, mode="reverse").gradient
        {'x': 0.0, 'y': 2.0}
    """
    from .evaltrace import Trace
    prog = load_program(_source_of(f))
    values = bind_args(prog.entry, args, kwargs)
    seeds = seed_vector(prog.entry, seed) if mode == "forward" else None
    return Trace(prog.key, prog.functions, prog.wengerts, values, mode, seeds)


def graph(f, partials: bool = False, ascii_only: bool = False):
    """The computational graph of ``f`` as Graphviz DOT.

    Parameters:
        f: a function.
        partials: label each edge with its local partial derivative.
        ascii_only: spell ``v-1`` instead of ``v₋₁``.

    Returns:
        A :class:`Graph`: ``.source`` is the DOT text, ``.render(path)`` writes
        ``.dot``, or ``.svg``/``.png``/``.pdf`` through Graphviz's ``dot``
        program; Jupyter shows it as SVG.

    Example:
        >>> def cube(x):
        ...     return x ** 3
        >>> print(adcompiler.graph(cube).source)
        digraph "cube" {
          graph [rankdir=LR, label="Computational graph of cube(x)", labelloc=t, fontname=Helvetica];
          node [shape=box, style="rounded,filled", fontname=Helvetica];
          edge [fontname=Helvetica, fontsize=12];
          "x" [label="v₀ = x", fillcolor="#9ecae1"];
          "v1" [label="v₁ = v₀ ** 3\\noutput", fillcolor="#fed976", peripheries=2];
          "x" -> "v1";
        }
        <BLANKLINE>
    """
    from .compgraph import Graph
    return Graph(load_program(_source_of(f)).entry, partials, ascii_only)
