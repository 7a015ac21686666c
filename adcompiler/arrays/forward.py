"""Forward mode and second order on array code: the array pipeline of
reverse mode (``compiler.reverse_module``) with ``forward`` in place of (or
after) ``reverse``::

    jvp          lower → optimize → inline → optimize → forward → optimize → specialize
    HVP          (array reverse, specialised) → forward → optimize → specialize
    derivative   lower → optimize → inline → optimize → (forward → optimize → specialize) k times

Each is compiled for the shapes of one call (the API caches per shapes, as
``api/reverse_grad.py`` does) or of ``--shapes``.  The structural jvp rules
read the primal shapes inferred before the transform; ``specialize`` then
rewrites the tangent code for the shapes of the parameters, a tangent
parameter having its primal's shape.  Helpers are inlined; a recursive
helper (left as a call) is refused, since its tangent function would have
no shapes.
"""
from __future__ import annotations

from .. import compiler
from .context import ArrayContext, shape_error
from .shapes import infer
from ..core.ir import Const, Eqn, Function, walk
from ..errors import CompileError
from ..frontend.inline import inline_calls
from ..frontend.source import SourceFunction
from ..optimize.passes import optimize
from ..prims.shapecalc import ShapeNeeded
from ..transform.composite import IRModule, _params
from ..transform.forward import jvp_module, seeded


def _guarded(build):
    """Shape errors become the CompileError that reverse mode gives."""
    def run(sf: SourceFunction, *args):
        try:
            return build(sf, *args)
        except ShapeNeeded as exc:
            raise shape_error(sf, exc) from None
    run.__name__, run.__doc__ = build.__name__, build.__doc__
    return run


def inlined(sf: SourceFunction, shapes: dict, dtypes: dict | None) -> tuple:
    """``(entry, program, ctx)``: the user's function with its helpers inlined,
    optimised, with an :class:`ArrayContext` for ``shapes`` on the program."""
    program, key = compiler.lower(sf)
    entry = compiler._pass(program.functions[key], optimize)
    shapes = dict(shapes or {})
    for p in entry.params:
        shapes.setdefault(p.name, ())
    ctx = ArrayContext(program, shapes, dtypes, compiler.CHECK_IR)
    program.arrays = ctx
    types = compiler._typer(ctx, shapes, dtypes)
    compiler.check_program_inplace(program, key, ctx)
    helpers = {k: optimize(f) for k, f in program.functions.items()}
    entry = compiler.observed("inline", inline_calls(entry, helpers), types)
    entry = compiler._pass(entry, optimize, types=types)
    _no_calls(entry, sf)
    return entry, program, ctx


def _no_calls(fn: Function, sf: SourceFunction) -> None:
    for s in walk(fn.body):
        if isinstance(s, Eqn) and s.prim == "call":
            raise CompileError(
                f"forward mode on array code calls the recursive helper {s.param('fn')!r}, "
                "which cannot be inlined; use reverse mode (grad) for it",
                fn.filename, s.loc.line if s.loc else sf.node.lineno, 1, "call")


def _shape_of(shapes: dict):
    return lambda a: () if isinstance(a, Const) else shapes.get(a)


def tangent(fn: Function, mask: tuple, name: str, ctx: ArrayContext, params: dict,
            dtypes: dict | None) -> tuple:
    """``(tangent function, its parameter shapes, dtypes)``: forward mode over
    ``fn`` (a specialised array function with parameter shapes ``params``)
    along the parameters in ``mask``, optimised and specialised."""
    shapes = infer(fn, params, ctx.callee_shapes, dtypes)
    types = compiler._typer(ctx, params, dtypes)

    def finish(f: Function) -> Function:
        return compiler._pass(compiler.observed("forward", f, None), optimize)

    functions = jvp_module({fn.name: fn}, fn.name, mask, name, finish, shape=_shape_of(shapes))
    tan = functions[0]
    tparams = dict(params)
    tdtypes = dict(dtypes or {})
    active = [p for p, m in zip(fn.params, mask) if m]
    for p, d in zip(active, tan.params[len(fn.params):]):
        tparams[d.name] = params.get(p.name)
        tdtypes[d.name] = "f"
    tan = compiler._pass(tan, lambda f: ctx.finish(f, tparams, tdtypes), "specialize", types)
    return tan, tparams, tdtypes


@_guarded
def jvp(sf: SourceFunction, mask: tuple, shapes: dict, dtypes: dict | None,
        name: str) -> IRModule:
    """``name(*params, *tangents of the active params) -> (*outs, *out tangents)``
    for array code of these shapes."""
    entry, program, ctx = inlined(sf, shapes, dtypes)
    entry = compiler._pass(entry, lambda f: ctx.finish(f, ctx.params, ctx.dtypes),
                           "specialize", compiler._typer(ctx, ctx.params, ctx.dtypes))
    tan, _, _ = tangent(entry, mask, name, ctx, ctx.params, ctx.dtypes)
    what = ", ".join(p for p, m in zip(_params(entry), mask) if m)
    return IRModule([tan], program, f"tangent of {sf.name} along {what or 'nothing'}")


@_guarded
def hvp(sf: SourceFunction, wrt: tuple, shapes: dict, dtypes: dict | None,
        along: tuple | None = None, name: str = "") -> IRModule:
    """Forward over the array gradient: ``f_hvp(*params, *v) -> (*gradient, *H v)``,
    the tangents along the parameters ``along`` (default: ``wrt``)."""
    along = wrt if along is None else along
    shapes = dict(shapes or {})
    functions, program = compiler.reverse_module(sf, wrt, False, sf.name + "_grad", shapes,
                                                 dtypes)
    grad = functions[0]
    ctx = program.arrays
    if ctx is None:  # scalar code after all: the scalar pipeline's HVP
        from ..transform import composite
        return composite.hvp(sf, wrt)
    if len(functions) > 1 or getattr(program, "scalar_check", None):
        raise CompileError(f"the Hessian of {sf.name} needs its gradient to be one function of "
                           "known shapes (a scalar output, no recursive helpers)",
                           sf.filename, sf.node.lineno, sf.node.col_offset + 1, "hessian")
    params = {p.name: ctx.params.get(p.name, ()) for p in grad.params}
    mask = tuple(k in along for k in range(len(grad.params)))
    tan, _, _ = tangent(grad, mask, name or sf.name + "_hvp", ctx, params, ctx.dtypes)
    return IRModule([tan], program,
                    f"Hessian-vector product of {sf.name} (forward over reverse)")


@_guarded
def derivative(sf: SourceFunction, order: int, wrt: int, shapes: dict,
               dtypes: dict | None) -> IRModule:
    """Forward mode ``order`` times with respect to the scalar parameter
    ``wrt``: ``f_dK(*params) -> d^K out / d x^K`` (outputs may be arrays)."""
    entry, program, ctx = inlined(sf, shapes, dtypes)
    params, types = ctx.params, ctx.dtypes
    if params.get(entry.params[wrt].name, ()) != ():
        raise CompileError(f"derivative needs a scalar parameter; "
                           f"{_params(entry)[wrt]} is an array (use jacobian)",
                           sf.filename, sf.node.lineno, sf.node.col_offset + 1, "derivative")
    fn = compiler._pass(entry, lambda f: ctx.finish(f, params, types), "specialize",
                        compiler._typer(ctx, params, types))
    n = len(entry.params)
    mask = tuple(k == wrt for k in range(n))
    for k in range(1, order + 1):
        name = f"{sf.name}_d{k}"
        tan, tparams, tdtypes = tangent(fn, mask, name, ctx, params, types)
        fn = optimize(seeded(tan, n, False, name))
        fn = compiler._pass(fn, lambda f: ctx.finish(f, params, types), "specialize",
                            compiler._typer(ctx, params, types))
    label = f"derivative {order} of {sf.name} (forward mode, {order} nested passes)"
    return IRModule([fn], program, label)


# ---------------------------------------------------------------- command line
def cli_source(sf: SourceFunction, wrt: tuple, mode: str, order: int, shapes: dict) -> str:
    """``adc compile --mode MODE --order K --shapes ...`` of array code: the
    code the API emits for arguments of these shapes (float arrays and
    numbers): ``grad(f, mode="forward")`` and ``jacobian`` emit the tangent
    function along ``wrt`` (the API seeds one basis tangent per element),
    ``--order 2`` the Hessian-vector product that ``hessian`` and ``hvp`` call,
    ``--mode forward --order K`` the K-th derivative by a scalar parameter."""
    dtypes = {name: "f" for name in shapes}
    if order < 1:
        raise sf.error(f"--order must be at least 1, not {order}", sf.node, "order")
    if order == 1:
        if mode == "reverse":
            return compiler.compile_grad(sf, wrt, False, shapes).source
        mask = tuple(k in wrt for k in range(len(sf.node.args.args)))
        return jvp(sf, mask, shapes, dtypes, sf.name + "_jvp").compiled().source
    if mode == "reverse" and order == 2:
        return hvp(sf, wrt, shapes, dtypes).compiled().source
    if len(wrt) != 1:
        raise sf.error(f"--order {order} with --mode {mode} needs a single --wrt parameter",
                       sf.node, "wrt")
    return derivative(sf, order, wrt[0], shapes, dtypes).compiled().source
