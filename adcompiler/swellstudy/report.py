"""Tables (markdown, readable in a terminal too) and plots of swell reports.

Plots draw on a matplotlib ``Figure`` with the Agg canvas directly: no global
backend is chosen and no window ever opens.
"""
from __future__ import annotations

from ..errors import UsageError
from .sympy_steps import OVER, Failed

COLUMNS = ("function", "sympy raw", "tree size", "sympy cse", "sympy simplify",
           "adcompiler", "adcompiler ÷ function", "agree")


def cell(value) -> str:
    if isinstance(value, Failed):
        return "error"
    if value == OVER:
        return OVER
    if isinstance(value, int):
        return f"{value:,}"
    if value is None:
        return "–"
    return str(value)


def row_cells(row) -> list:
    s = row.sympy
    ratio = f"{row.ours / row.function_ops:.2f}" if isinstance(row.ours, int) \
        and not isinstance(row.ours, Failed) and row.function_ops else "–"
    diff = row.difference
    agree = "–" if diff is None else ("yes" if row.agrees else "NO") + f" ({diff:.0e})"
    return [row.label, cell(row.function_ops), cell(s.get("raw")), cell(s.get("size")),
            cell(s.get("cse")), cell(s.get("simplify")), cell(row.ours), ratio, agree]


def markdown_table(report) -> str:
    head = [report.parameter or "name", *COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row_cells(r)) + " |" for r in report.rows]
    notes = [f"- {r.label}, {step}: {value}" for r in report.rows
             for step, value in [*r.sympy.items(), ("adcompiler", r.ours)]
             if isinstance(value, Failed)]
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def _figure(title: str, xlabel: str, ylabel: str):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError("plots need matplotlib: pip install 'adcompiler[plot]'") from None
    fig = Figure(figsize=(7, 4.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    return fig, ax


def _series(report, get) -> tuple:
    xs, ys = [], []
    for r in report.rows:
        y = get(r)
        if isinstance(y, int) and not isinstance(y, Failed) and y > 0:
            xs.append(r.value)
            ys.append(y)
    return xs, ys


def plot_ops(report, path: str) -> None:
    """Operation count against the swept parameter, log scale, one line per
    method; points past the budget are left out."""
    fig, ax = _figure(f"Expression swell: {report.title}", report.parameter or "member",
                      "operations (log scale)")
    lines = [("sympy raw derivative", lambda r: r.sympy.get("raw"), "o-", "tab:red"),
             ("sympy derivative after cse", lambda r: r.sympy.get("cse"), "s-", "tab:orange"),
             ("sympy derivative after simplify", lambda r: r.sympy.get("simplify"), "^-",
              "tab:purple"),
             ("adcompiler gradient", lambda r: r.ours, "D-", "tab:blue"),
             ("the function itself", lambda r: r.function_ops, "x--", "tab:gray")]
    for label, get, style, color in lines:
        xs, ys = _series(report, get)
        if xs:
            ax.plot(xs, ys, style, label=label, color=color)
    _axes_ticks(ax, [r.value for r in report.rows if isinstance(r.value, (int, float))])
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path)


def _axes_ticks(ax, xs: list) -> None:
    """Log y with plain numbers (1, 2, 5 per decade when the range is short);
    x in integers, on a log-2 scale when the values double."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    if high < 1000 * low:
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    if xs and min(xs) > 0 and max(xs) >= 16 * min(xs):
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_fd(study, path: str) -> None:
    """Relative error of forward and central differences against h, log-log."""
    fig, ax = _figure(f"Finite differences against the exact gradient: {study.title}",
                      "step size h", "relative error")
    for label, index, style in (("forward difference", 1, "o-"), ("central difference", 2, "s-")):
        pts = [(row[0], row[index]) for row in study.rows if row[index] > 0]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
