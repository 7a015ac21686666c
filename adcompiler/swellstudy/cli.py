"""``adc swell``: expression swell of sympy's derivative against adcompiler's.

    adc swell FILE -f NAME [--wrt ARGS] [--sweep n=1..12] [--at VALUES]
    adc swell --family logistic|tower|sines|squares|all [--sweep n=1..8]
    adc swell ... [--plot OUT.png] [--fd [--fd-plot OUT.png]]
    adc swell --docs DIR          # regenerate DIR/swell.md and its figures

``--budget S`` bounds each sympy step (seconds), ``--simplify-budget S``
bounds ``simplify``; past a budget the table says "> budget".
"""
from __future__ import annotations

import sys

from ..errors import UsageError
from .sympy_steps import Budget


def register(sub) -> None:
    p = sub.add_parser("swell", help="compare sympy's derivative with adcompiler's gradient "
                                     "(operation counts, plots, finite differences)")
    p.add_argument("file", nargs="?", help="Python file holding the function (never run)")
    p.add_argument("-f", "--function", help="the function to measure (default: the first)")
    p.add_argument("--wrt", help="parameters to differentiate, comma separated (default: first)")
    p.add_argument("--sweep", help="vary one parameter: NAME=A..B or NAME=V1,V2,...")
    p.add_argument("--family", help="a built-in family: logistic, tower, sines, squares, all")
    p.add_argument("--at", help="the point: values of the remaining parameters, comma separated")
    p.add_argument("--plot", help="write the operation-count plot (PNG) to this file")
    p.add_argument("--fd", action="store_true", help="add the finite-difference error study")
    p.add_argument("--fd-plot", help="write the finite-difference plot (PNG) to this file")
    p.add_argument("--budget", type=float, default=Budget.seconds,
                   help="seconds allowed to each sympy step (default %(default)s)")
    p.add_argument("--simplify-budget", type=float, default=Budget.simplify_seconds,
                   help="seconds allowed to sympy.simplify (default %(default)s)")
    p.add_argument("--max-tree", type=int, default=Budget.max_tree,
                   help="largest derivative tree given to count_ops (default %(default)s)")
    p.add_argument("--docs", metavar="DIR", help="regenerate DIR/swell.md and its figures")
    p.set_defaults(run=run)


def budget_of(args) -> Budget:
    return Budget(seconds=args.budget, simplify_seconds=args.simplify_budget,
                  max_tree=args.max_tree)


def parse_sweep(text: str) -> tuple:
    """``n=1..12`` or ``n=1,2,4`` (or a mix) -> ('n', [values])."""
    name, sep, spec = (text or "").partition("=")
    values: list = []
    try:
        for part in spec.split(","):
            lo, dots, hi = part.partition("..")
            values += list(range(int(lo), int(hi) + 1)) if dots else [int(part)]
    except ValueError:
        values = []
    if not sep or not name.strip() or not values:
        raise UsageError(f"--sweep wants NAME=A..B or NAME=V1,V2,... (got {text!r})")
    return name.strip(), values


def run(args) -> int:
    if args.docs:
        from .docs import write_docs
        write_docs(args.docs, budget_of(args), echo=print)
        return 0
    if args.family:
        return _run_families(args)
    if not args.file:
        print("adc swell: error: give a FILE, --family NAME or --docs DIR", file=sys.stderr)
        return 2
    return _run_file(args)


def _run_families(args) -> int:
    from .families import FAMILIES, family, sweep_family
    names = list(FAMILIES) if args.family == "all" else [family(args.family).name]
    values = parse_sweep(args.sweep)[1] if args.sweep else None
    for name in names:
        report = sweep_family(name, values, budget_of(args))
        _show(report, args, suffix=f"_{name}" if len(names) > 1 else "")
        if args.fd:
            sf, wrt, point = family(name).member(report.rows[-1].value)
            _fd(sf, wrt, point, args, f"_{name}" if len(names) > 1 else "")
    return 0


def _run_file(args) -> int:
    from ..cli.commands import parse_wrt, refuse_output
    from ..frontend.source import find_static, load_file, same_file
    for output in (args.plot, args.fd_plot):
        if output and same_file(output, args.file):
            return refuse_output(output, args.file)
    from .measure import Report, fix_counts, measure, specialise, sweep
    env = load_file(args.file)
    name = args.function or next(iter(env.functions), None)
    if name is None:
        raise UsageError("no function in this file")
    sf = find_static(env, name)
    wrt = parse_wrt(args.wrt, [a.arg for a in sf.node.args.args], None, sf)
    at = _floats(args.at)
    if args.sweep:
        param, values = parse_sweep(args.sweep)
        report = sweep(sf, wrt, param, values, budget_of(args), at)
        member = specialise(sf, param, values[-1])
        wrt_names = [sf.node.args.args[i].arg for i in wrt]
        member_names = [a.arg for a in member.node.args.args]
        fixed, fixed_wrt = fix_counts(member, tuple(member_names.index(n) for n in wrt_names))
    else:
        fixed, fixed_wrt = fix_counts(sf, wrt)
        report = Report(sf.name, "", [measure(fixed, fixed_wrt, at, budget_of(args))])
    _show(report, args)
    if args.fd:
        from .measure import default_point
        _fd(fixed, fixed_wrt, at or default_point(fixed), args)
    return 0


def _floats(text):
    if not text:
        return None
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--at wants numbers separated by commas (got {text!r})") from None


def _show(report, args, suffix: str = "") -> None:
    print(f"## {report.title}\n")
    print(report.table())
    if args.plot:
        path = _suffixed(args.plot, suffix)
        report.plot(path)
        print(f"plot written to {path}\n")


def _suffixed(path: str, suffix: str) -> str:
    stem, dot, ext = path.rpartition(".")
    return f"{stem}{suffix}.{ext}" if dot else path + suffix


def _fd(sf, wrt, point, args, suffix: str = "") -> None:
    from .fdstudy import fd_study
    if len(point) != len(sf.node.args.args):
        raise UsageError(f"--at gives {len(point)} values; {sf.name} has "
                         f"{len(sf.node.args.args)} parameters")
    study = fd_study(sf, wrt, tuple(point))
    print(f"## finite differences: {study.title}, exact derivative {study.exact!r}\n")
    print(study.table())
    if args.fd_plot:
        path = _suffixed(args.fd_plot, suffix)
        study.plot(path)
        print(f"plot written to {path}\n")


__all__ = ["register", "run", "parse_sweep"]
