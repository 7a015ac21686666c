"""Expression swell: sympy's derivative against adcompiler's emitted gradient.

For one function (or a family of them, swept over a parameter) this measures

* the function's own operations (arithmetic entries of its Wengert list,
  loops unrolled, as :mod:`adcompiler.swellstudy.to_sympy` executes it);
* sympy's derivative of the same expression: ``count_ops`` of the raw result,
  its tree size, after ``cse`` and after ``simplify`` (:mod:`sympy_steps`,
  each step under a :class:`Budget`);
* the operations adcompiler's emitted gradient executes at the point, counted
  on its AST (:mod:`adcompiler.swellstudy.opcount`);
* how far the two derivatives differ at a point (relative error).

Parameters that a sweep varies, and parameters not differentiated whose
default is an integer, are made constants of the function (an ``n = 4``
statement replaces the parameter), so loops over ``range(n)`` unroll.
"""
from __future__ import annotations

import ast
import copy
import random
from dataclasses import dataclass, field

from . import sympy_worker
from ..compiler import compile_grad, lower
from ..errors import UsageError
from ..frontend.source import SourceFunction, load_live
from .opcount import count_executed_ops
from ..optimize.passes import optimize
from ..cli.progress import Progress
from .sympy_steps import OVER, Budget, Problem, run_steps
from .to_sympy import function_expression, symbols_for

AGREE = 1e-9  # relative difference below which the two derivatives agree


@dataclass
class Row:
    """One measured function (one member of a family)."""

    label: str  # e.g. "n=4"
    value: object  # the swept parameter's value, or None
    function_ops: int
    sympy: dict  # step -> result (see sympy_steps.STEPS)
    ours: object  # int, or a message when it cannot be counted
    ours_value: list = field(default_factory=list)
    source: str = ""  # the emitted gradient

    @property
    def difference(self):
        """Largest relative difference between sympy's and our gradient."""
        theirs = self.sympy.get("value")
        if not isinstance(theirs, list):
            return None
        return max(abs(a - b) / max(abs(a), abs(b), 1e-300) if a != b else 0.0
                   for a, b in zip(theirs, self.ours_value))

    @property
    def agrees(self) -> bool:
        d = self.difference
        return d is not None and d <= AGREE


@dataclass
class Report:
    """The rows of one function or one sweep, with how to show them."""

    title: str
    parameter: str  # swept parameter name ('' without a sweep)
    rows: list

    def table(self) -> str:
        from .report import markdown_table
        return markdown_table(self)

    def plot(self, path: str) -> None:
        from .report import plot_ops
        plot_ops(self, path)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:  # a terminal shows the table, not the rows' fields
        return self.table()

    def _repr_html_(self) -> str:
        from ..runtime.display import html_table
        from .report import COLUMNS, row_cells
        head = [self.parameter or "name", *COLUMNS]
        return html_table(head, [row_cells(r) for r in self.rows], self.title,
                          right=tuple(range(1, len(head) - 1)))


# ---------------------------------------------------------------- specialising
def specialise(sf: SourceFunction, name: str, value) -> SourceFunction:
    """``sf`` without the parameter ``name``, which becomes the constant
    ``value`` (a statement ``name = value`` opens the body)."""
    node = copy.deepcopy(sf.node)
    names = [a.arg for a in node.args.args]
    if name not in names:
        raise UsageError(f"{sf.name} has no parameter {name!r} to sweep over "
                         f"(it has {', '.join(names) or 'none'})")
    index = names.index(name)
    first_default = len(names) - len(node.args.defaults)
    del node.args.args[index]
    if index >= first_default:
        del node.args.defaults[index - first_default]
    assign = ast.Assign([ast.Name(name, ast.Store())], ast.Constant(value),
                        lineno=node.lineno, col_offset=node.col_offset)
    ast.fix_missing_locations(assign)
    has_doc = (node.body and isinstance(node.body[0], ast.Expr)
               and isinstance(node.body[0].value, ast.Constant))
    node.body.insert(1 if has_doc else 0, assign)
    return SourceFunction(node, sf.filename, sf.lines, sf.env, sf.name, sf.live)


def _integer_defaults(sf: SourceFunction, wrt: tuple) -> dict:
    """Parameters not differentiated whose default is an integer (counts)."""
    args = sf.node.args
    names = [a.arg for a in args.args]
    first = len(names) - len(args.defaults)
    out = {}
    for i, default in enumerate(args.defaults):
        if first + i in wrt or not isinstance(default, ast.Constant):
            continue
        if isinstance(default.value, int) and not isinstance(default.value, bool):
            out[names[first + i]] = default.value
    return out


def fix_counts(sf: SourceFunction, wrt: tuple) -> tuple:
    """``sf`` with integer-default parameters made constants, and ``wrt``
    renumbered for the parameters that remain."""
    names = [a.arg for a in sf.node.args.args]
    wrt_names = [names[i] for i in wrt]
    for name, value in _integer_defaults(sf, wrt).items():
        sf = specialise(sf, name, value)
    remaining = [a.arg for a in sf.node.args.args]
    return sf, tuple(remaining.index(n) for n in wrt_names)


# ---------------------------------------------------------------- measuring
def default_point(sf: SourceFunction, seed: int = 0) -> tuple:
    """Parameter values: defaults where given, else uniform in (0.2, 0.8)."""
    rng = random.Random(seed)
    args = sf.node.args
    first = len(args.args) - len(args.defaults)
    point = []
    for i, _ in enumerate(args.args):
        default = args.defaults[i - first] if i >= first else None
        if isinstance(default, ast.Constant) and isinstance(default.value, (int, float)):
            point.append(float(default.value))
        else:
            point.append(round(rng.uniform(0.2, 0.8), 6))
    return tuple(point)


def measure(sf: SourceFunction, wrt: tuple, point: tuple | None = None,
            budget: Budget | None = None, label: str = "", value=None) -> Row:
    """Measure one function.  Raises :class:`adcompiler.AdcError` (a
    :class:`to_sympy.NotSymbolic`) when it has no symbolic expression."""
    budget = budget or Budget()
    sympy_worker.prestart()  # sympy's process starts while we build the expression
    point = default_point(sf) if point is None else tuple(point)
    program, key = lower(sf)
    functions = {k: optimize(fn) for k, fn in program.functions.items()}
    entry = functions[key]
    symbols = symbols_for(entry)
    results, function_ops = function_expression(functions, key, symbols, sf.filename,
                                                 budget.max_ops)
    compiled = compile_grad(sf, wrt)
    try:
        ours_value = compiled.load()(*point)
        ours = count_executed_ops(compiled.source, compiled.entry, point)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise UsageError(f"the gradient of {sf.name} cannot be evaluated at {point} "
                         f"({type(exc).__name__}: {exc}); choose another point "
                         "(--at, or at= in Python)") from None
    ours_value = list(ours_value) if isinstance(ours_value, tuple) else [ours_value]
    problem = Problem(results[0], tuple(symbols[i] for i in wrt),
                      dict(zip(symbols, point)), budget)
    return Row(label or sf.name, value, function_ops, run_steps(problem), ours,
               [float(v) for v in ours_value], compiled.source)


def sweep(sf: SourceFunction, wrt: tuple, parameter: str, values, budget: Budget | None = None,
          point=None, title: str = "") -> Report:
    """Measure ``sf`` with ``parameter`` fixed to each of ``values`` in turn.
    ``point`` maps a value to the point for that member (default: seeded)."""
    names = [a.arg for a in sf.node.args.args]
    wrt_names = [names[i] for i in wrt]
    if parameter in wrt_names:
        raise UsageError(f"cannot sweep over {parameter!r}: it is differentiated")
    rows = []
    values = list(values)
    progress = Progress(len(values), f"swell {sf.name}")
    try:
        for v in values:
            progress.step(f"{parameter}={v}")
            member = specialise(sf, parameter, v)
            member, member_wrt = fix_counts(member, tuple(
                [a.arg for a in member.node.args.args].index(n) for n in wrt_names))
            at = point(v) if callable(point) else point
            rows.append(measure(member, member_wrt, at, budget, f"{parameter}={v}", v))
    finally:
        progress.done()
    return Report(title or sf.name, parameter, rows)


def swell(f, wrt=None, sweep_over: dict | None = None, at=None, budget: Budget | None = None,
          *, argnums=None):
    """Compare sympy's derivative of ``f`` with adcompiler's gradient: sizes,
    operation counts and values (expression swell).

    Parameters:
        f: a function with a symbolic expression (loops are unrolled).
        wrt: as in :func:`grad`.
        sweep_over: ``{"n": range(1, 9)}`` measures ``f`` with ``n`` fixed to
            each value.
        at: the point (all parameters but the swept one) where the derivatives
            are compared; default: a fixed pseudo-random point.
        budget: a ``Budget`` of seconds and sizes for the sympy steps.
        argnums: JAX's name for ``wrt`` (give one of them).

    Returns:
        A ``Report``: ``.rows``, ``.table()`` (markdown; also ``print``),
        ``.plot(path)``; in Jupyter it displays as a table.

    Example:
        >>> def squares(x, n=3):
        ...     for _ in range(n):
        ...         x = x * x
        ...     return x
        >>> report = adcompiler.swell(squares, sweep_over={"n": [1, 2]}, at=(1.1,))
        >>> [row.agrees for row in report.rows]
        [True, True]
    """
    from ..api.arguments import WRT0, pick_wrt, wrt_indices
    sf = load_live(f)
    indices = wrt_indices(f, pick_wrt(WRT0 if wrt is None else wrt, argnums))
    if sweep_over:
        if len(sweep_over) != 1:
            raise UsageError("sweep over exactly one parameter")
        (name, values), = sweep_over.items()
        return sweep(sf, indices, name, values, budget, at)
    fixed, fixed_wrt = fix_counts(sf, indices)
    return Report(sf.name, "", [measure(fixed, fixed_wrt, at, budget)])


__all__ = ["swell", "sweep", "measure", "specialise", "Budget", "Report", "Row", "OVER"]
