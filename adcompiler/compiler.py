"""The pipeline: lower -> optimise -> [inline] -> reverse -> optimise -> [specialize] ->
finish -> emit (``finish``: the tape walks and a last DCE, :func:`optimize.passes.finish`;
forward mode and its compositions: transform/composite.py).

Each stage is a pure function of the IR and goes through :func:`observed`
under one of the names in :data:`adcompiler.core.passlog.PASSES`: with
``CHECK_IR`` (the tests' setting) it runs :func:`adcompiler.core.ir.verify`
after every pass, and inside :func:`passlog.recording` it logs each function as
the pass left it, which is what ``adc compile --dump-ir --after PASS`` prints.
"""
from __future__ import annotations

import ast
import linecache
import os
from dataclasses import dataclass

from .emit.emitter import emit_function
from .emit.opaque import opaque_defs
from .runtime.deep import deep
from .errors import CompileError
from .frontend.source import SourceFunction
from .emit.globalnames import alias_globals, import_lines
from .runtime.watch import watch
from .core import passlog
from .core.gcpause import gc_paused as _gc_paused
from .core.ir import Function, verify
from .frontend.program import Program, identifiers, lower_program
from .optimize.algebra import simplify_algebra
from .optimize.literals import float_literals
from .optimize.passes import finish, optimize
from .optimize.schedule import schedule_loops
from .runtime.display import Source
from .emit.printer import comment_line, to_source
from .transform.reverse import reverse_callee, reverse_function
from .transform import custom as custom_rules
from .arrays import context as npcompile, emit as npemit
from .prims.shapecalc import ShapeNeeded
from .arrays.shapes import Tup, shown_dim
from .arrays.context import UNDECLARED, ArrayContext, shape_error, undeclared_shapes
from .frontend.inline import inline_calls
from .arrays.program_checks import check_program_inplace

CHECK_IR = False  # tests switch this on


@dataclass
class Compiled:
    """Emitted derivative code: the module text and the entry function's name."""
    source: str
    entry: str
    functions: tuple  # IR of every emitted function, for inspection and tests
    watch: object = None  # runtime.watch.Watch: the free names it was compiled with
    arrays: dict = None  # module-level arrays the code reads by name (see frontend/lower_globals.py)

    def fresh(self) -> bool:
        """Is this still the derivative of the functions as they are now?"""
        return self.watch is None or self.watch.fresh()

    def fresh_check(self):
        """:meth:`fresh` as the cheapest callable (it runs on every call)."""
        return self.fresh if self.watch is None else self.watch.fresh

    def __post_init__(self) -> None:
        self.source = Source(self.source)  # shows itself highlighted in Jupyter

    @deep
    def load(self):
        """Execute the module text in a fresh namespace; return the entry function."""
        filename = f"<adcompiler:{self.entry}>"
        lines = self.source.split("\n")  # Python's line breaks (frontend.source)
        lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        linecache.cache[filename] = (len(self.source), None, lines, filename)
        namespace: dict = {"__name__": "adcompiler_generated", **(self.arrays or {})}
        exec(compile(self.source, filename, "exec"), namespace)
        return namespace[self.entry]


def observed(name: str, fn: Function, types=None) -> Function:
    """``fn`` just came out of pass ``name`` (one of :data:`passlog.PASSES`):
    verify it (tests) and record it (``--dump-ir``).  Every pass of the
    pipeline goes through here."""
    if CHECK_IR:
        verify(fn)
    passlog.record(name, fn, types)
    return fn


def _pass(fn: Function, stage, name: str = "", types=None) -> Function:
    """Run pass ``stage``, named ``name`` or after the function (``optimize``)."""
    return observed(name or stage.__name__, stage(fn), types)


def lower(sf: SourceFunction) -> tuple:
    program, key = lower_program(sf)
    for fn in program.functions.values():
        observed("lower", fn)
    return program, key


def reverse_module(sf: SourceFunction, wrt: tuple, with_value: bool = False,
                   name: str | None = None, shapes: dict | None = None,
                   dtypes: dict | None = None, aux: int = 0) -> list:
    """IR of the gradient function of ``sf`` and of every helper it needs.
    ``shapes`` (``{param name: shape}``, see shapes.py) switches on array
    support; ``None`` or all-scalar shapes compile plain scalar code.
    ``aux``: trailing outputs returned as they are (``has_aux``, api/aux.py)."""
    try:
        return _reverse_module(sf, wrt, with_value, name, shapes, dtypes, aux)
    except ShapeNeeded as exc:
        raise shape_error(sf, exc) from None


def _reverse_module(sf, wrt, with_value, name, shapes, dtypes, aux=0):
    def one_output(entry):
        if len(entry.body.results) != 1 + aux:
            raise CompileError(f"{sf.name} returns {len(entry.body.results)} values; a "
                               "gradient needs a single scalar output", sf.filename,
                               sf.node.lineno, sf.node.col_offset + 1, "return")

    program, key, entry, ctx, shapes, types = prepared(sf, shapes, dtypes, one_output)
    primal_shapes = ctx.entry_shapes(entry) if ctx else None
    check = ctx is not None and not scalar_output(sf, entry, primal_shapes)
    program.scalar_check = (sf.name, with_value) if check else None
    grad, fwd_needed = reverse_function(entry, wrt, with_value or check, primal_shapes,
                                        aux=aux)
    grad = observed("reverse", _renamed(grad, name or f"{sf.name}_grad"), types)
    grad = _pass(grad, optimize, types=types)
    if ctx:
        grad = _specialized(ctx, grad, shapes, dtypes)
        scalars = {v for v, s in ctx.emit_shapes[grad.name].items() if s == ()}
        new = simplify_algebra(grad, scalars)  # the scalar arithmetic of array code
        if new is not grad:
            grad = _specialized(ctx, observed("algebra", new, types), shapes, dtypes)
    else:  # scalar code: adjoint expressions collected and factored (optimize/algebra.py)
        grad = _pass(grad, _algebra, "algebra")
    # primal callees are read off the optimised code: the transform does not
    # visit every block (a while condition, an inactive loop), and DCE may
    # have removed calls it recorded
    primal_needed = primal_callees(program, grad)
    return [grad] + callee_functions(program, fwd_needed, primal_needed, ctx), program


def _algebra(fn: Function) -> Function:
    """The ``algebra`` pass (optimize/algebra.py), optimised again only when it
    rewrote something (the common case of nothing to collect costs one walk)."""
    new = simplify_algebra(fn)
    return fn if new is fn else optimize(new)


def prepared(sf: SourceFunction, shapes, dtypes, check=None) -> tuple:
    """The entry of ``sf`` lowered and optimised, ready for reverse mode:
    ``(program, key, entry, ctx, shapes, types)``; array code (``ctx``, its
    ArrayContext, not None) has its helpers inlined and its in-place
    operations checked.  ``check(entry)`` runs first on the optimised entry
    (the number of outputs).  Shared by the gradient and by the vector-Jacobian
    product of array code (compiler_vjp.py)."""
    program, key = lower(sf)
    entry = _optimized(program, key) if key not in program.custom else \
        _pass(custom_entry(program, key), optimize)
    if check is not None:
        check(entry)
    if shapes is UNDECLARED:  # command line without --shapes: arrays only if the code says so
        shapes = undeclared_shapes(program, entry)
    # scalar parameters of code that reads global arrays or uses array operations
    # (indexing, iterating): array code, whose shapes are checked
    array_code = program.global_arrays or npcompile.uses_arrays(program)
    if array_code and shapes is None:
        shapes = {p.name: () for p in entry.params}
    scalar = not array_code and (shapes is None or all(s == () for s in shapes.values()))
    ctx = None if scalar else ArrayContext(program, shapes, dtypes, CHECK_IR)
    program.arrays = ctx
    types = _typer(ctx, shapes, dtypes)
    if ctx:
        check_program_inplace(program, key, ctx)
        helpers = {k: optimize(f) for k, f in program.functions.items()
                   if k not in program.custom}  # their rules replace them: kept as calls
        entry = observed("inline", inline_calls(entry, helpers), types)
        entry = _pass(entry, optimize, types=types)
    return program, key, entry, ctx, shapes, types


def _typer(ctx, params: dict, dtypes: dict | None = None):
    """``fn -> (shapes, kinds)`` for a function with parameter shapes
    ``params`` in array code (what ``--dump-ir`` prints); None for scalar code."""
    if ctx is None:
        return None
    from .arrays.shapes import infer_with_dtypes
    return lambda fn: infer_with_dtypes(fn, params, ctx.callee_shapes, dtypes)


def _specialized(ctx, fn: Function, params: dict, dtypes: dict | None = None) -> Function:
    """The ``specialize`` pass: :meth:`ArrayContext.finish` (it optimises again)."""
    return _pass(fn, lambda f: ctx.finish(f, params, dtypes), "specialize",
                 _typer(ctx, params, dtypes))


def scalar_output(sf: SourceFunction, entry: Function, shapes: dict) -> bool:
    """A gradient is defined for a scalar output only (as JAX's ``grad``).
    An output known to be an array is refused at the return line; False
    when its shape is unknown (the emitted code checks it on every call,
    see :func:`npemit.scalar_output_check`); True when it is a scalar."""
    out = entry.body.results[0]
    shape = shapes.get(out) if not hasattr(out, "value") else ()
    if shape == () or isinstance(shape, Tup):
        return True
    if shape is None:
        return False
    dims = ["?" if d is None else str(shown_dim(d)) for d in shape]
    shown = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
    node = _return_node(sf, entry, shapes)
    raise sf.error(f"{sf.name} returns an array of shape {shown}, but a gradient needs a "
                   "scalar output (like JAX's grad); reduce it (np.sum, a norm), or use "
                   "jacobian or vjp for an array output", node, "return")


def _return_node(sf: SourceFunction, entry: Function, shapes: dict):
    """The ``return`` statement of ``sf`` whose value is the array: the one
    on the line of the statement that makes it (through branches), else the
    first."""
    returns = [n for n in _own_nodes(sf.node) if isinstance(n, ast.Return)]
    lines: list = []
    _array_lines(entry.body, entry.body.results[0], shapes, lines)
    for line in lines:
        for r in returns:
            if r.lineno == line:
                return r
    return returns[0] if returns else sf.node


def _own_nodes(node):
    """The nodes of a function body, not of the functions defined in it."""
    todo = list(node.body)
    while todo:
        n = todo.pop(0)
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(n))


def _array_lines(block, var, shapes, lines) -> None:
    """Source lines of the statements defining ``var`` as an array, branches included."""
    from .core.ir import Eqn, If, walk
    for s in walk(block):
        if isinstance(s, Eqn) and var in s.outs:
            lines.append(s.loc.line)
        elif isinstance(s, If) and var in s.outs:
            k = s.outs.index(var)
            lines.append(s.loc.line)
            for b in (s.then, s.orelse):
                r = b.results[k]
                if shapes.get(r) not in ((), None):
                    _array_lines(b, r, shapes, lines)


def callee_functions(program: Program, fwd_needed, primal_needed, ctx=None) -> list:
    """``f_fwd``/``f_bwd`` pairs and primal functions of the callees a reverse
    transform asked for, and of the callees they need in turn.  ``ctx`` is the
    array context (shapes) when the entry point is array code."""
    out: list = []
    done: set = set()
    todo = [(k, "fwd") for k in sorted(fwd_needed)] + \
        [(k, "primal") for k in sorted(set(primal_needed) & set(program.functions))]
    while todo:
        key_, kind = todo.pop(0)
        if (key_, kind) in done:
            continue
        done.add((key_, kind))
        if kind == "fwd" and key_ in program.custom:  # the user's rules (transform/custom.py)
            pair = [_pass(observed("reverse", f), optimize)
                    for f in custom_rules.reverse_pair(program, key_, ctx)]
            if ctx:
                pair[0] = _specialized(ctx, pair[0], ctx.callee_param_shapes(pair[0].name))
                pair[1] = _specialized(ctx, pair[1], ctx.bwd_params(*pair))
            out += pair
            done |= {(f.name, "primal") for f in pair}  # emitted once, as the pair
            todo += [(k, "primal") for k in sorted(primal_callees(program, *pair))]
            continue
        if key_ not in program.functions:  # an opaque custom function: emitted as written
            continue
        fn = _optimized(program, key_)
        if kind == "primal":
            out.append(_specialized(ctx, fn, ctx.callee_param_shapes(key_)) if ctx else fn)
            todo += [(k, "primal") for k in sorted(_callees(fn))]
            continue
        fwd, bwd, more_fwd = reverse_callee(
            fn, ctx.callee_primal_shapes(key_, fn) if ctx else None)
        fwd, bwd = observed("reverse", fwd), observed("reverse", bwd)
        fwd, bwd = _pass(fwd, optimize), _pass(bwd, optimize)
        if ctx:
            fwd = _specialized(ctx, fwd, ctx.callee_param_shapes(key_))
            bwd = _specialized(ctx, bwd, ctx.bwd_params(fwd, bwd))
        out += [fwd, bwd]
        more_primal = (_callees(fwd) | _callees(bwd)) & set(program.functions)
        todo += [(k, "fwd") for k in sorted(more_fwd)] + [(k, "primal") for k in sorted(more_primal)]
    return out


def _optimized(program: Program, key: str) -> Function:
    """The user's function ``key`` optimised, once per program (the entry is
    optimised again as a callee when it calls itself, or as a primal callee)."""
    fn, memo = program.functions[key], program.__dict__.setdefault("optimized", {})
    if key in memo and memo[key][0] is fn:
        return observed("optimize", memo[key][1])
    memo[key] = (fn, _pass(fn, optimize))
    return memo[key][1]


def custom_entry(program: Program, key: str) -> Function:
    """The entry's IR; a custom function is entered through a call of itself,
    which reverse mode replaces by its rules."""
    if key in program.custom:
        return custom_rules.entry_wrapper(program, key)
    return program.functions[key]


def primal_callees(program: Program, *fns: Function) -> set:
    """The user's functions that ``fns`` call as they are (no derivative)."""
    return set().union(*map(_callees, fns)) & set(program.functions)


def _callees(fn: Function) -> set:
    from .core.ir import Eqn, walk
    return {s.param("fn") for s in walk(fn.body) if isinstance(s, Eqn) and s.prim == "call"}


def _renamed(fn: Function, name: str) -> Function:
    return Function(name, fn.params, fn.body, fn.defaults, fn.filename, fn.source_line)


def reserved_names(program: Program) -> set:
    """Every identifier in the user's sources: emitted names must avoid them."""
    return identifiers(program)


def emit_module(functions: list, program, header: str = "", checks: dict | None = None,
                extra: tuple = (), opaque: list | None = None, floats: tuple = ()) -> str:
    """One module holding ``functions``; ``program`` (a Program, or a set of
    names) tells which names the user's code owns (and, for array code, the
    shapes the emitter needs).  ``checks``: the entry's declared parameter
    shapes, checked on entry (see :func:`npemit.shape_checks`).  ``extra``:
    function definitions (AST) appended as they are (emit/packing.py).
    ``opaque``: the custom functions' own code it carries (emit/opaque.py),
    found from ``program`` when not given.  ``floats``: the entry's
    parameters known to be floats (optimize/literals.py)."""
    arrays = getattr(program, "arrays", None)
    functions = [_pass(fn, _finisher(arrays, floats if k == 0 else ()), "finish")
                 for k, fn in enumerate(functions)]
    users = reserved_names(program) if isinstance(program, Program) else set(program)
    reserved = users | {fn.name for fn in functions}
    defs, imports = [], set()
    for fn in functions:
        observed("emit", fn, _emit_types(arrays, fn))
        if arrays:
            node, used = emit_function(fn, reserved, arrays.emit_shapes.get(fn.name),
                                       arrays.emit_floats.get(fn.name), fn is functions[0],
                                       arrays.emit_kinds.get(fn.name))
        else:
            node, used = emit_function(fn, reserved)
        check = getattr(program, "scalar_check", None)
        if check and fn is functions[0]:
            npemit.scalar_output_check(node, *check)
            used = used | npemit.checks_need()
        if checks and fn is functions[0]:
            stmts = npemit.shape_checks(node, checks)
            if stmts:
                node.body[:0] = stmts
                used = used | npemit.checks_need()
        defs.append(node)
        imports |= used
        passlog.lap("write")
    defs += extra
    if npemit.HELPER in imports:
        defs.insert(0, npemit.helper_def())
    carried = opaque_defs(program, functions) if opaque is None else opaque
    module = ast.Module(defs, [])
    passlog.lap("write")
    aliases = alias_globals(module, {npemit.HELPER})
    head = import_lines(imports, aliases)
    have = {ast.dump(i) for i in head}
    module.body[:0] = head + [c for c in carried if ast.dump(c) not in have]
    passlog.lap("globals")
    text = to_source(module)
    passlog.lap("print")
    return (header + text).lstrip("\n")


def _finisher(arrays, floats: tuple):
    """The ``finish`` pass; in scalar code, with a loop's carried values read
    before they are overwritten (:func:`schedule_loops`: no copies) and
    integer literals beside floats written as floats (:func:`float_literals`:
    CPython's float fast path)."""
    if arrays:
        return finish
    return lambda fn: float_literals(schedule_loops(finish(fn)), floats)


def _emit_types(arrays, fn: Function):
    """The shapes the emitter uses for ``fn`` (array code), for ``--dump-ir``."""
    if not arrays or fn.name not in arrays.emit_shapes:
        return None
    return lambda _: (arrays.emit_shapes[fn.name], arrays.emit_kinds.get(fn.name))


def _header_line(sf: SourceFunction, wrt: tuple, with_value: bool) -> str:
    params = [a.arg for a in sf.node.args.args]
    what = "value and gradient" if with_value else "gradient"
    return comment_line(f"Generated by adcompiler: {what} of {sf.name} with respect to "
                        f"{', '.join(params[i] for i in wrt)} (from "
                        f"{os.path.basename(sf.filename)}, line {sf.node.lineno}).")


@deep
def compile_grad(sf: SourceFunction, wrt: tuple, with_value: bool = False,
                 shapes: dict | None = None, dtypes: dict | None = None,
                 aux: int = 0) -> Compiled:
    suffix = "_value_and_grad" if with_value else "_grad"
    with _gc_paused():
        functions, program = reverse_module(sf, wrt, with_value, sf.name + suffix, shapes,
                                            dtypes, aux)
        source = emit_module(functions, program, _header_line(sf, wrt, with_value))
    return Compiled(source, functions[0].name, tuple(functions), watch(program),
                    dict(program.global_arrays))


@deep
def compile_many(requests: list, progress=None) -> str:
    """One module with the gradients of several functions ([(sf, wrt, shapes)]);
    helpers they share are emitted once.  Array code is emitted per function
    (its shapes differ), scalar code shares one module.  ``progress``: a
    :class:`~adcompiler.cli.progress.Progress` told of each function."""
    try:
        with _gc_paused():
            return _compile_many(requests, progress)
    finally:
        if progress is not None:
            progress.done()


def _compile_many(requests: list, progress) -> str:
    functions: dict = {}
    reserved: set = set()
    carried: list = []  # opaque custom functions' code (emit/opaque.py)
    header = ""
    parts: list = []  # emitted array modules, and None where the shared module goes
    for sf, wrt, shapes in requests:
        if progress is not None:
            progress.step(sf.name)
        mark = passlog.mark()
        fns, program = reverse_module(sf, wrt, False, sf.name + "_grad", shapes)
        if getattr(program, "arrays", None):
            parts.append(_array_module(sf, wrt, shapes, fns, program, mark))
            continue
        if not functions:
            parts.append(None)
        reserved |= reserved_names(program)
        header += _header_line(sf, wrt, False)
        carried += [d for d in opaque_defs(program, fns)
                    if ast.dump(d) not in {ast.dump(c) for c in carried}]
        for fn in fns:
            functions.setdefault(fn.name, fn)
    shared = emit_module(list(functions.values()), reserved, header,
                         opaque=carried) if functions else ""
    parts = [shared if p is None else p for p in parts]
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _array_module(sf, wrt, shapes, fns, program, mark: int = 0) -> str:
    """Array code from the command line.  Sizes declared with ``--shapes
    X=200x3`` are compiled as symbols first: shape-generic code that reads
    sizes from the arguments at run time, its entry checking the ranks, the
    sizes declared 1 and, only where the code needs it, which sizes are
    equal (each dimension its own symbol first, then one symbol per distinct
    size: :func:`arrays.context.symbolic`).  If that compilation fails or
    a size would still be baked into the text, the code specialised to the
    declared sizes (``fns``) is emitted, checking those sizes on entry."""
    header = _header_line(sf, wrt, False)
    declared = shapes if isinstance(shapes, dict) else None
    trial = passlog.mark()  # --dump-ir shows the passes of the compilation emitted
    def attempt(generic):
        passlog.forget(trial)
        gfns, gprogram = reverse_module(sf, wrt, False, sf.name + "_grad", generic)
        text = emit_module(gfns, gprogram, header, generic)
        return None if "__adc_dim_" in text else text
    text = npcompile.compile_symbolic(declared, attempt)
    if text is not None:
        passlog.forget(mark, trial)
        return text
    passlog.forget(trial)
    return emit_module(fns, program, header, declared)
