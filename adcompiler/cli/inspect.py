"""``adc wengert``, ``adc trace`` and ``adc graph``: the inspection commands.

    adc wengert FILE [-f NAME] [--ascii] [--color auto|always|never]
    adc trace FILE [-f NAME] --at x1=2,x2=5 [--mode forward --seed x1 | --mode reverse]
              [--max-rows N] [--digits N] [--ascii] [--color ...]
    adc graph FILE [-f NAME] [-o out.svg|out.png|out.dot] [--partials] [--ascii]

Files are read, never imported or run: the interpreter evaluates the IR.
"""
from __future__ import annotations

import ast
import sys

from ..errors import UsageError
from ..frontend.source import find_static, load_file, same_file
from ..views.inspection import bind_args, load_program, seed_vector
from ..views.textstyle import can_print_unicode, notation_for, use_color, write


def register(sub) -> None:
    w = sub.add_parser("wengert", help="print the Wengert list of a function in FILE")
    _common(w)
    w.set_defaults(run=run_wengert)

    t = sub.add_parser("trace", help="print the evaluation trace of a function at a point, "
                                     "with its tangent (forward) or adjoint (reverse) trace")
    _common(t)
    t.add_argument("--at", required=True, metavar="x1=2,x2=5",
                   help="argument values, by name (x1=2) or in order (2,5)")
    t.add_argument("--mode", choices=("primal", "forward", "reverse"),
                   help="add the tangent trace (forward) or the adjoint trace (reverse); "
                        "default: primal, or forward when --seed is given")
    t.add_argument("--seed", help="forward mode: the parameter to differentiate by (x1), "
                                  "or tangent values (x1=1,x2=0.5); default: the first")
    t.add_argument("--max-rows", type=int, default=60, metavar="N",
                   help="show at most N rows per table, saying what is left out (0: all)")
    t.add_argument("--digits", type=int, default=6, metavar="N",
                   help="significant digits of numbers (0: every digit)")
    t.set_defaults(run=run_trace)

    g = sub.add_parser("graph", help="print or render the computational graph (Graphviz DOT)")
    _common(g, color=False)
    g.add_argument("-o", "--output", help="write FILE.dot, or render FILE.svg / FILE.png / "
                                          "FILE.pdf (needs the Graphviz dot program)")
    g.add_argument("--partials", action="store_true",
                   help="label each edge with the local partial derivative")
    g.set_defaults(run=run_graph)


def _common(p, color: bool = True) -> None:
    p.add_argument("file")
    p.add_argument("-f", "--function", help="the function (default: the only one in FILE)")
    p.add_argument("--ascii", action="store_true", help="write v-1, v1_dot, v1_bar instead "
                                                        "of the Unicode notation")
    if color:
        p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the tables (auto: only on a terminal)")


def _program(args):
    env = load_file(args.file)
    name = args.function
    if name is None:
        names = list(env.functions)
        if len(names) != 1:
            raise UsageError(f"{args.file} defines {len(names)} functions "
                             f"({', '.join(names) or 'none'}): choose one with -f NAME")
        name = names[0]
    return load_program(find_static(env, name))


def parse_values(text: str, what: str) -> tuple:
    """``x1=2,x2=5`` or ``2,5`` -> (positional values, {name: value})."""
    args, kwargs = [], {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, _, raw = item.rpartition("=")
        try:
            value = ast.literal_eval(raw.strip())
        except (ValueError, SyntaxError):
            value = None
        if not isinstance(value, (int, float)):
            raise UsageError(f"{what}: {raw.strip()!r} is not a number")
        if name:
            kwargs[name.strip()] = value
        elif kwargs:
            raise UsageError(f"{what}: a value without a name follows a named one")
        else:
            args.append(value)
    return tuple(args), kwargs


def run_wengert(args) -> int:
    prog = _program(args)
    nota = notation_for(sys.stdout, args.ascii)
    write(prog.entry.to_text(nota, use_color(sys.stdout, args.color)))
    return 0


def run_trace(args) -> int:
    from ..views.evaltrace import Trace
    prog = _program(args)
    positional, named = parse_values(args.at, "--at")
    values = bind_args(prog.entry, positional, named)
    mode = args.mode or ("forward" if args.seed else "primal")
    seed = None
    if mode == "forward":
        seed = seed_vector(prog.entry, _seed(args.seed))
    elif args.seed:
        raise UsageError("--seed belongs to --mode forward")
    trace = Trace(prog.key, prog.functions, prog.wengerts, values, mode, seed)
    nota = notation_for(sys.stdout, args.ascii)
    write(trace.to_text(nota, use_color(sys.stdout, args.color), args.max_rows, args.digits))
    return 0


def _seed(text):
    if text is None:
        return None
    if "=" not in text:
        return text.strip()
    _, named = parse_values(text, "--seed")
    return named


def run_graph(args) -> int:
    from .commands import refuse_output
    from ..views.compgraph import Graph
    if args.output and same_file(args.output, args.file):
        return refuse_output(args.output, args.file)
    plain = args.ascii or (not args.output and not can_print_unicode(sys.stdout))
    graph = Graph(_program(args).entry, args.partials, ascii_only=plain)
    if args.output:
        graph.render(args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(graph.source)
    return 0
