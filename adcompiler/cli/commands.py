"""``adc``: the command line.  Files are read and parsed, never imported or run.

    adc compile FILE [-f NAME ...] [--wrt ARGS] [--mode reverse|forward] [--order K] [-o OUT.py|-]
                [--star-args N] [--checkpoints K]
    adc compile FILE ... --dump-ir [--after PASS]

Errors print as ``FILE:LINE:COL: error: MESSAGE`` followed by the source line
and a caret (see :mod:`adcompiler.cli.diagnostics`) and exit 1; usage errors (a
missing file, bad options) exit 2.  No input shows a Python traceback: an
internal failure prints one line asking for a report (``ADC_TRACEBACK=1``
shows the traceback).
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import importlib.util
import os
import sys

from .. import __version__
from ..compiler import compile_many
from ..core import passlog
from ..core.gcpause import gc_paused
from ..transform import checkpointing
from .help import FILE_HELP, describe
from .diagnostics import render
from ..errors import AdcError, CompileError, UsageError
from ..frontend.source import StaticEnv, find_static, load_file, read_files, same_file
from ..frontend.checks import check_signature
from ..frontend import varargs
from ..emit import backend
from ..emit.backend import BACKENDS, NUMPY
from ..arrays.context import UNDECLARED, cli_shapes, parse_shapes, unknown_names
from .progress import Progress
from ..emit.jitmodule import jit_modules
from ..runtime.jit import INSTALL as jit_install


class _NotLiteral:
    """The ``wrt=`` of a decorator that is not a literal: the file is never
    run, so ``adc compile`` cannot know its value (see :func:`parse_wrt`)."""

    def __init__(self, node: ast.expr) -> None:
        self.node = node


def _decorator_wrt(deco: ast.expr):
    """(is ours, wrt) for a decorator node such as ``@grad(wrt="w")``."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name not in ("grad", "value_and_grad"):
        return False, None
    wrt = None
    if isinstance(deco, ast.Call):
        for kw in deco.keywords:
            if kw.arg in ("wrt", "argnums"):  # argnums: JAX's name for wrt
                try:
                    wrt = ast.literal_eval(kw.value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    wrt = _NotLiteral(kw.value)
    return True, wrt


def targets(env: StaticEnv, names: list) -> list:
    """[(function name, wrt or None)] to compile from a file; a function
    named by ``-f`` keeps the ``wrt=`` of its ``@grad`` decorator."""
    if names:
        return [(n, _own_wrt(env.functions.get(n))) for n in dict.fromkeys(names)]
    decorated = []
    for name, node in env.functions.items():
        for deco in node.decorator_list:
            ours, wrt = _decorator_wrt(deco)
            if ours:
                decorated.append((name, wrt))
    if decorated:
        return decorated
    from ..frontend.custom_rules import rule_function_names
    rules = rule_function_names(env.tree)  # custom rules: used by their function
    return [(n, None) for n in env.functions if n not in rules]


def _own_wrt(node):
    """The ``wrt=`` of the ``@grad`` decorating ``node``, or None."""
    for deco in getattr(node, "decorator_list", []):
        ours, wrt = _decorator_wrt(deco)
        if ours:
            return wrt
    return None


def parse_wrt(text: str | None, params: list, default, sf) -> tuple:
    if not params:
        raise sf.error(f"{sf.name} has no parameters to differentiate", sf.node, "parameters")
    if text is None and isinstance(default, _NotLiteral):
        raise sf.error(f"wrt={ast.unparse(default.node)} is not a literal, and adc compile never "
                       "runs the file: write the parameter names (wrt=\"w\") or give --wrt",
                       default.node, "wrt")
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
            close = difflib.get_close_matches(str(item), params, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise sf.error(f"{sf.name} has no parameter {item!r} to differentiate with respect to"
                           f"{hint} (parameters: {', '.join(params)})", sf.node, "wrt")
        if out[-1] in out[:-1]:
            raise sf.error(f"wrt names parameter {params[out[-1]]!r} twice", sf.node, "wrt")
    if not out:
        raise sf.error(f"wrt is empty: name the parameters of {sf.name} to differentiate "
                       f"({', '.join(params)})", sf.node, "wrt")
    return tuple(out)


def compile_file(path: str, names: list, wrt_text: str | None, mode: str = "reverse",
                 order: int = 1, shapes_text: str | None = None,
                 arrays_text: str | None = None, notes: list | None = None,
                 star_args: int | None = None) -> str:
    """The emitted code for the functions of ``path`` that were asked for.

    With ``-f`` names or ``@grad`` decorators, any error is fatal.  Otherwise
    every top-level function is a candidate, and one that cannot be
    differentiated (a helper without parameters, one taking strings) is
    skipped: ``(name, error)`` goes to ``notes``.  If none compiles, the first
    error is raised, carrying the others in ``.skipped``.
    """
    env = load_file(path)
    chosen = targets(env, names)
    if not chosen:
        raise CompileError("no function to compile in this file", path, 1, 1, "file")
    stray = unknown_names([_star_args(find_static(env, n), star_args, False).node
                           for n, _ in chosen], shapes_text, arrays_text)
    if stray:
        raise CompileError(f"no compiled function has a parameter {', '.join(stray)} "
                           "(from --shapes/--arrays)", path, 1, 1, "shapes")

    def build(name, wrt):
        sf = _star_args(find_static(env, name), star_args, True)
        params = [a.arg for a in sf.node.args.args]
        check_signature(sf, sf.node)  # *args etc. before "no parameters"
        if not params:
            raise sf.error(f"{name} has no parameters to differentiate", sf.node, "parameters")
        shapes = cli_shapes(sf.node, shapes_text, arrays_text)
        if shapes is None and (mode, order) != ("reverse", 1) and \
                set(params) <= set(parse_shapes(shapes_text)):
            shapes = {p: () for p in params}  # declared scalars (array code: forward_arrays)
        return (sf, parse_wrt(wrt_text, params, wrt, sf),
                UNDECLARED if shapes is None else shapes)

    def emit(requests):
        return _emit(requests, mode, order)

    optional = not names and not any(_is_decorated(env.functions[n]) for n, _ in chosen)
    if not optional or len(chosen) == 1:
        return emit([build(n, w) for n, w in chosen])
    return _compile_what_can(chosen, build, emit, notes if notes is not None else [])


def _star_args(sf, count: int | None, strict: bool):
    """``def f(x, *args)`` with ``--star-args N``: compiled as ``def f(x,
    args_0, ..., args_N-1)`` (the API does the same per call, varargs.py).
    Without ``--star-args`` (``strict``): an error saying to give it."""
    star = sf.node.args.vararg
    if star is None:
        return sf
    if count is None:
        if not strict:
            return sf
        raise sf.error(f"{sf.name} takes *{star.arg}, and adc compile must know how many values "
                       f"a call passes to it: give --star-args N (they become the parameters "
                       f"{star.arg}_0, {star.arg}_1, ... of the emitted code)", star, "*args")
    return varargs.specialize(sf, count)


def _is_decorated(node: ast.FunctionDef) -> bool:
    return any(_decorator_wrt(d)[0] for d in node.decorator_list)


def _emit(requests: list, mode: str, order: int) -> str:
    passlog.restart()  # --dump-ir shows the last compilation, the one printed
    with gc_paused():  # (see core/gcpause.py: every mode's compile, not only reverse)
        return _emit_paused(requests, mode, order)


def _emit_paused(requests: list, mode: str, order: int) -> str:
    if mode == "reverse" and order == 1:
        return compile_many(requests, progress=Progress(len(requests), "compiling"))
    for sf, _, shapes in requests:
        _refuse_arrays(sf, shapes, mode, order)
    from ..transform.composite import cli_source
    from ..arrays import forward as forward_arrays
    sources = [forward_arrays.cli_source(sf, wrt_, mode, order, shapes)
               if _declared_array_code(sf, shapes) else cli_source(sf, wrt_, mode, order)
               for sf, wrt_, shapes in requests]
    return "\n\n".join(s.rstrip("\n") for s in sources) + "\n"


def _compile_what_can(chosen: list, build, emit, notes: list) -> str:
    """Compile every candidate that compiles; the others go to ``notes``."""
    failed: dict = {}
    requests = []
    for name, wrt in chosen:
        try:
            requests.append(build(name, wrt))
        except AdcError as exc:
            failed[name] = exc
    try:
        text = emit(requests) if requests else None
    except AdcError:  # find the culprits one by one, then compile the rest together
        good = []
        for request in requests:
            try:
                emit([request])
                good.append(request)
            except AdcError as exc:
                failed[request[0].name] = exc
        text = emit(good) if good else None
    skipped = [(name, failed[name]) for name, _ in chosen if name in failed]
    if text is None:
        first = skipped[0][1]
        first.skipped = skipped[1:]
        raise first
    notes.extend(skipped)
    return text


def _declared_array_code(sf, shapes) -> bool:
    """Array parameters of declared sizes, or array operations on declared scalars."""
    if shapes is UNDECLARED:
        return False
    from ..arrays.context import uses_array_operations
    return any(s != () for s in shapes.values()) or uses_array_operations(sf)


def _refuse_arrays(sf, shapes, mode: str, order: int) -> None:
    """Forward mode and higher orders compile array code for declared sizes
    (``--shapes x=3``), as the API does for the shapes of a call; code that
    uses array operations without them, or sizes left unknown, is refused."""
    what = "--mode forward" if mode == "forward" else f"--order {order}"
    if shapes is UNDECLARED:
        from ..arrays.context import uses_array_operations
        if uses_array_operations(sf):
            example = ",".join(f"{a.arg}=3" for a in sf.node.args.args)
            raise sf.error(f"{what} on array code needs the shape of every parameter, and "
                           f"{sf.name} uses array operations: give --shapes {example} (sizes, "
                           "or scalar)", sf.node, "mode")
        return
    unknown = [name for name, shape in shapes.items() if shape is None or (
        shape != () and any(not isinstance(d, int) for d in shape))]
    if unknown:
        raise sf.error(f"{what} compiles array code for declared sizes only so far, but the "
                       f"size of {', '.join(unknown)} of {sf.name} is not given (--arrays, ? or "
                       "a name in --shapes); give numbers: --shapes x=3,M=3x2", sf.node, "mode")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="adc", description="adcompiler: emit readable "
                                     "derivative code for Python functions.",
                                     epilog="run 'adc COMMAND --help' for examples")
    parser.add_argument("--version", action="version", version=f"adc (adcompiler) {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    comp = sub.add_parser("compile", help="print the emitted gradient code of functions in FILE")
    comp.add_argument("file", metavar="FILE", help=FILE_HELP)
    comp.add_argument("-f", "--function", action="append", default=[],
                      help="function to differentiate (repeatable); default: every @grad "
                           "function, or every top-level function that can be differentiated "
                           "(the others are skipped with a note)")
    comp.add_argument("--wrt", help="parameters to differentiate with respect to, "
                                    "comma separated names or indices (default: the first)")
    comp.add_argument("--checkpoints", type=int, metavar="K",
                      help="reverse mode: keep at most K states of each outermost for loop "
                           "over range instead of a tape entry per iteration (binomial "
                           "checkpointing; per loop: a '# adc: checkpoints=K' comment on its "
                           "for line)")
    comp.add_argument("--mode", choices=["reverse", "forward"], default="reverse",
                      help="reverse (adjoint code, default) or forward (tangent code)")
    comp.add_argument("--order", type=int, default=1,
                      help="derivative order: 2 prints second-derivative code (the Hessian, "
                           "forward over reverse; with --mode forward, forward over forward)")
    comp.add_argument("-o", "--output", metavar="OUT.py",
                      help="write an importable module instead of printing ('-': stdout, "
                           "without colours)")
    comp.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="syntax colours when printing (auto: only on a terminal)")
    comp.add_argument("--shapes", help="shapes of array parameters, e.g. x=3,M=3x2 (a dimension "
                                       "may be ? or a name, both any size); default: scalars, or "
                                       "arrays of unknown shape for parameters annotated "
                                       "np.ndarray.  Sizes of 2 or more are read at run time: "
                                       "the code runs for any size but 1, and two sizes are "
                                       "checked equal only where the code needs them equal (an "
                                       "elementwise operation or @ between them), not because "
                                       "they were declared with the same number")
    comp.add_argument("--arrays", help="comma separated parameters that are arrays of unknown "
                                       "shape")
    comp.add_argument("--star-args", metavar="N", type=_count,
                      help="for a function taking *args (SciPy-style f(x, *args)): how many "
                           "values a call passes to it; they become the parameters args_0, "
                           "..., args_N-1 of the emitted code, constants of the derivative "
                           "unless --wrt names them")
    comp.add_argument("--jit", action="store_true",
                      help="decorate the emitted functions with numba's @njit "
                           "(pip install 'adcompiler[jit]' to run them)")
    comp.add_argument("--dump-ir", action="store_true",
                      help="print the IR (jaxpr-like text) instead of the emitted code, as the "
                           "emitter receives it, or after the pass named by --after")
    comp.add_argument("--after", metavar="PASS", choices=list(passlog.PASSES),
                      help="with --dump-ir: print the IR after every run of PASS. " +
                           "; ".join(f"{k}: {v}" for k, v in passlog.PASSES.items()))
    comp.add_argument("--backend", choices=BACKENDS, default=NUMPY,
                      help="the array library emitted array code calls: numpy (default: "
                           "np.exp) or array-api (xp = array_namespace(x, ...), then the "
                           "Array API standard: the module runs on NumPy, PyTorch, CuPy, "
                           "JAX, Dask arrays; see docs/scaling.md)")
    comp.set_defaults(run=run_compile)
    for module in _command_modules():
        module.register(sub)
    describe(sub)
    return parser


def _count(text: str) -> int:
    """A non-negative integer option (argparse reports a bad one)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, not {text!r}")
    return int(text)


def _command_modules() -> list:
    """Other subcommands live in their own modules, each with ``register(sub)``
    adding a subparser whose ``run(args) -> exit code`` is set as a default."""
    import importlib
    mods = []
    for name in COMMANDS:
        mods.append(importlib.import_module(name))
    return mods


#: modules providing further subcommands (see :func:`_command_modules`)
COMMANDS: list = ["adcompiler.cli.inspect", "adcompiler.swellstudy.cli"]


def main(argv: list | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _tolerant_streams()
    return guarded(args, args.run)


def _tolerant_streams() -> None:
    """On a terminal that cannot show some character (an ASCII locale), write
    ``\\xe9`` rather than fail: emitted comments quote the user's source."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - a stream that cannot
                pass


def guarded(args, run) -> int:
    """Run a subcommand that reads ``args.file``: a missing file exits 2, an
    AdcError prints ``FILE:LINE:COL: error: ...`` (and the source line) and
    exits 1.  Anything else is a bug of adcompiler: one line, exit 3, and the
    traceback only with ``ADC_TRACEBACK=1``."""
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
        print(render(exc), file=sys.stderr)
        _print_notes(getattr(exc, "skipped", []), args.file)
        return 1
    except AdcError as exc:
        print(f"{args.file or 'adc'}: error: {getattr(exc, 'cli_message', None) or exc}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("adc: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # an output file (plot, graph) that cannot be written
        where = exc.filename if exc.filename is not None else args.file
        print(f"adc: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the one place that hides a traceback
        if os.environ.get("ADC_TRACEBACK"):
            raise
        what = (str(exc).splitlines() or [""])[0][:200]
        print(f"adc: internal error ({type(exc).__name__}: {what}) while running "
              f"'adc {args.command}' on {args.file}; this is a bug in adcompiler, please "
              "report it with the file (ADC_TRACEBACK=1 shows the traceback)", file=sys.stderr)
        return 3


def _print_notes(skipped: list, path: str) -> None:
    """``FILE:LINE:COL: note: skipped NAME: why`` for each function left out."""
    for name, exc in skipped:
        if isinstance(exc, CompileError):
            print(render(exc, "note", f"skipped {name}: "), file=sys.stderr)
        else:
            print(f"{path}: note: skipped {name}: {exc}", file=sys.stderr)


def run_compile(args) -> int:
    to_file = args.output not in (None, "-")
    if to_file and same_file(args.output, args.file):
        return refuse_output(args.output, args.file)
    notes: list = []
    dump = args.dump_ir or args.after is not None
    gradient = args.mode == "reverse" and args.order == 1
    if args.checkpoints is not None and not gradient:
        print("adc compile: error: --checkpoints applies to reverse-mode gradients "
              "(--mode reverse, --order 1)", file=sys.stderr)
        return 2
    with passlog.recording() if dump else contextlib.nullcontext() as log, \
            checkpointing.default(args.checkpoints) if gradient else contextlib.nullcontext(), \
            jit_modules() if args.jit else contextlib.nullcontext(), \
            backend.using(getattr(args, "backend", NUMPY)):
        text = compile_file(args.file, args.function, args.wrt, args.mode, args.order,
                            args.shapes, args.arrays, notes, args.star_args)
    if dump:
        text = passlog.render(log, args.after or passlog.DEFAULT)
    for read in read_files() if to_file else ():
        if same_file(args.output, read):  # a sibling module the input imports
            return refuse_output(args.output, read)
    _print_notes(notes, args.file)
    if args.jit and importlib.util.find_spec("numba") is None:
        print(f"note: the --jit code needs numba to run, which is not installed here: "
              f"{jit_install}", file=sys.stderr)
    if args.output == "-":
        sys.stdout.write(text)
    elif args.output:
        write_output(args.output, text)
    elif dump:
        sys.stdout.write(text)
    else:
        from ..views.textstyle import highlight_python, use_color
        sys.stdout.write(highlight_python(text, use_color(sys.stdout, args.color),
                                          required=args.color == "always"))
    return 0


def write_output(path: str, text: str) -> None:
    """Write the module, or say in one line why it cannot be written."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        folder = os.path.dirname(os.path.abspath(path))
        if isinstance(exc, FileNotFoundError) and not os.path.isdir(folder):
            reason = f"the folder {folder} does not exist"
        raise UsageError(f"cannot write {path}: {reason}") from None


def refuse_output(output: str, source: str) -> int:
    """``-o`` naming a source file would replace the user's code by its gradient."""
    print(f"adc: error: the output file {output} is the source file {source}; "
          "choose another output file (refusing to overwrite the source)", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
