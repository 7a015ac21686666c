"""``adc``: the command line.  Files are read and parsed, never imported or run.

    adc compile FILE [-f NAME ...] [--wrt ARGS] [--mode reverse|forward] [--order K] [-o OUT.py]

Errors print as ``FILE:LINE:COL: error: MESSAGE`` and exit 1; usage errors
(a missing file, bad options) exit 2.
"""
from __future__ import annotations

import argparse
import ast
import sys

from .compiler import compile_many
from .errors import AdcError, CompileError
from .frontend import StaticEnv, find_static, load_file, read_files, same_file
from .lower import Lowerer
from .npcompile import UNDECLARED, cli_shapes, unknown_names


def _decorator_wrt(deco: ast.expr):
    """(is ours, wrt) for a decorator node such as ``@grad(wrt="w")``."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name not in ("grad", "value_and_grad"):
        return False, None
    wrt = None
    if isinstance(deco, ast.Call):
        for kw in deco.keywords:
            if kw.arg == "wrt":
                wrt = ast.literal_eval(kw.value)
    return True, wrt


def targets(env: StaticEnv, names: list) -> list:
    """[(function name, wrt or None)] to compile from a file."""
    if names:
        return [(n, None) for n in names]
    decorated = []
    for name, node in env.functions.items():
        for deco in node.decorator_list:
            ours, wrt = _decorator_wrt(deco)
            if ours:
                decorated.append((name, wrt))
    return decorated or [(n, None) for n in env.functions]


def parse_wrt(text: str | None, params: list, default, sf) -> tuple:
    raw = default if text is None else [w.strip() for w in text.split(",") if w.strip()]
    if raw is None:
        raw = [0]
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    out = []
    for item in items:
        if isinstance(item, str) and item.lstrip("-").isdigit():
            item = int(item)
        if isinstance(item, int) and -len(params) <= item < len(params):
            out.append(item % len(params))
        elif isinstance(item, str) and item in params:
            out.append(params.index(item))
        else:
            raise sf.error(f"{sf.name} has no parameter {item!r} to differentiate with respect to",
                           sf.node, "wrt")
    return tuple(out)


def compile_file(path: str, names: list, wrt_text: str | None, mode: str = "reverse",
                 order: int = 1, shapes_text: str | None = None,
                 arrays_text: str | None = None) -> str:
    env = load_file(path)
    chosen = targets(env, names)
    if not chosen:
        raise CompileError("no function to compile in this file", path, 1, 1, "file")
    stray = unknown_names([find_static(env, n).node for n, _ in chosen], shapes_text, arrays_text)
    if stray:
        raise CompileError(f"no compiled function has a parameter {', '.join(stray)} "
                           "(from --shapes/--arrays)", path, 1, 1, "shapes")
    requests = []
    for name, wrt in chosen:
        sf = find_static(env, name)
        params = [a.arg for a in sf.node.args.args]
        Lowerer(sf, None, name).check_signature(sf.node)  # *args etc. before "no parameters"
        if not params:
            raise sf.error(f"{name} has no parameters to differentiate", sf.node, "parameters")
        shapes = cli_shapes(sf.node, shapes_text, arrays_text)
        requests.append((sf, parse_wrt(wrt_text, params, wrt, sf),
                         UNDECLARED if shapes is None else shapes))
    if mode == "reverse" and order == 1:
        return compile_many(requests)
    from .composite import cli_source
    sources = [cli_source(sf, wrt_, mode, order) for sf, wrt_, _ in requests]
    return "\n\n".join(s.rstrip("\n") for s in sources) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adc", description="adcompiler: emit readable "
                                     "derivative code for Python functions.")
    sub = parser.add_subparsers(dest="command", required=True)
    comp = sub.add_parser("compile", help="print the emitted gradient code of functions in FILE")
    comp.add_argument("file")
    comp.add_argument("-f", "--function", action="append", default=[],
                      help="function to differentiate (repeatable); default: every @grad "
                           "function, or every top-level function")
    comp.add_argument("--wrt", help="parameters to differentiate with respect to, "
                                    "comma separated names or indices (default: the first)")
    comp.add_argument("--mode", choices=["reverse", "forward"], default="reverse",
                      help="reverse (adjoint code, default) or forward (tangent code)")
    comp.add_argument("--order", type=int, default=1,
                      help="derivative order: 2 prints second-derivative code (the Hessian, "
                           "forward over reverse; with --mode forward, forward over forward)")
    comp.add_argument("-o", "--output", help="write an importable module instead of printing")
    comp.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="syntax colours when printing (auto: only on a terminal)")
    comp.add_argument("--shapes", help="shapes of array parameters, e.g. x=3,M=3x2 (a dimension "
                                       "may be ?); default: scalars, or arrays of unknown shape "
                                       "for parameters annotated np.ndarray")
    comp.add_argument("--arrays", help="comma separated parameters that are arrays of unknown "
                                       "shape")
    comp.set_defaults(run=run_compile)
    for module in _command_modules():
        module.register(sub)
    return parser


def _command_modules() -> list:
    """Other subcommands live in their own modules, each with ``register(sub)``
    adding a subparser whose ``run(args) -> exit code`` is set as a default."""
    import importlib
    mods = []
    for name in COMMANDS:
        mods.append(importlib.import_module(f"adcompiler.{name}"))
    return mods


#: modules providing further subcommands (see :func:`_command_modules`)
COMMANDS: list = ["inspect_cli", "swell_cli"]


def main(argv: list | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return guarded(args, args.run)


def guarded(args, run) -> int:
    """Run a subcommand that reads ``args.file``: a missing file exits 2, an
    AdcError prints ``FILE:LINE:COL: error: ...`` and exits 1."""
    try:
        if args.file is not None:  # commands whose FILE is optional pass None
            with open(args.file, encoding="utf-8"):
                pass
    except OSError as exc:
        print(f"adc: error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        return run(args)
    except CompileError as exc:
        print(exc.format(), file=sys.stderr)
        return 1
    except AdcError as exc:
        print(f"{args.file or 'adc'}: error: {exc}", file=sys.stderr)
        return 1


def run_compile(args) -> int:
    if args.output and same_file(args.output, args.file):
        return refuse_output(args.output, args.file)
    text = compile_file(args.file, args.function, args.wrt, args.mode, args.order,
                        args.shapes, args.arrays)
    for read in read_files() if args.output else ():
        if same_file(args.output, read):  # a sibling module the input imports
            return refuse_output(args.output, read)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        from .textstyle import highlight_python, use_color
        sys.stdout.write(highlight_python(text, use_color(sys.stdout, args.color),
                                          required=args.color == "always"))
    return 0


def refuse_output(output: str, source: str) -> int:
    """``-o`` naming a source file would replace the user's code by its gradient."""
    print(f"adc: error: the output file {output} is the source file {source}; "
          "choose another output file (refusing to overwrite the source)", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
