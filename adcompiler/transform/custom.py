"""The transforms of a custom function (``@custom_vjp``/``@custom_jvp``,
frontend/custom_rules.py): its rules take the place of its body.

* reverse mode of a ``custom_vjp`` function: its ``f_fwd``/``f_bwd`` pair
  *is* the user's rules (lowered as ``key_fwd``/``key_bwd``);
* forward mode of a ``custom_jvp`` function: its tangent function *is* the
  user's rule (``key_jvp``), called with zero tangents for the inactive
  arguments;
* forward mode of a ``custom_vjp`` function: when the pullback is linear in
  the output adjoints (checked on the IR: :func:`check_linear`),
  ``f_bwd(res, e_k)`` is row ``k`` of the Jacobian and the tangent its dot
  product with the argument tangents (one call per output);
* reverse mode of a ``custom_jvp`` function: when the rule's tangent is
  linear in the argument tangents (checked likewise), it transposes to
  ``arg_bar_i = sum_k g_k * jvp(x, e_i)_k``, one call of the rule per
  argument.  A rule that is not linear is refused at the line where it is
  not.
"""
from __future__ import annotations

from ..core.ir import Block, Builder, Const, Eqn, Function, If, Names, Var
from ..errors import CompileError

#: operations linear in their tangent-carrying arguments, when the others
#: (``mul``: one factor, ``div``: the divisor) carry no tangent
_LINEAR = {"add", "sub", "neg", "pos", "float", "pack", "unpack", "getitem"}


def entry_wrapper(program, key: str) -> Function:
    """``key(*params) = key(*params)``: a custom function as an entry point is
    differentiated through one call of itself, which the transforms then
    replace by its rules (its body may be opaque: no IR of it is needed)."""
    fn = program.functions.get(key)
    info = program.custom[key]
    if fn is not None:
        params, defaults, filename = fn.params, fn.defaults, fn.filename
    else:
        node = info.opaque.node
        params = tuple(Var(a.arg, a.arg) for a in node.args.args)
        defaults, filename = (), info.opaque.filename
    params = tuple(Var(p.name, p.hint) for p in params)
    b = Builder(Names(taken=tuple(p.name for p in params)))
    outs = b.eqn("call", *params, nouts=info.nouts, fn=key)
    outs = outs if isinstance(outs, tuple) else (outs,)
    return Function(key, params, Block((), tuple(b.stmts), outs), defaults, filename,
                    info.line)


def reverse_pair(program, key: str, ctx=None) -> tuple:
    """``key_fwd``/``key_bwd`` of custom function ``key`` (``ctx``: the
    array context of array code)."""
    info = program.custom[key]
    if info.kind == "custom_vjp":
        return program.functions[key + "_fwd"], program.functions[key + "_bwd"]
    if ctx is not None and any(s != () for s in ctx.callee_param_shapes(key).values()):
        sf = program.sources[key]
        raise sf.error(f"reverse mode of the custom_jvp function {key} called with an array "
                       "is not supported (its rule is transposed with unit tangents, one "
                       "per scalar argument); give it a custom_vjp rule", sf.node, "custom_jvp")
    rule = program.functions[key + "_jvp"]
    check_linear(rule, program.rule_sources[key + "_jvp"], rule.params[info.nargs:],
                 rule.body.results[:info.nouts],
                 f"reverse mode of the custom_jvp function {key} (the rule's tangent, transposed)")
    return _transposed(key, rule, info)


def _transposed(key: str, rule: Function, info) -> tuple:
    """``key_fwd`` keeps the arguments as residuals; ``key_bwd`` calls the
    rule once per argument ``i`` with the unit tangent ``e_i``:
    ``arg_bar_i = sum_k out_bar_k * out_dot_k``."""
    n, m = info.nargs, info.nouts
    params = tuple(Var(p.name, p.hint) for p in rule.params[:n])
    b = Builder(Names(taken=tuple(p.name for p in params)))
    outs = b.eqn("call", *params, *(Const(0.0),) * n, nouts=2 * m, fn=rule.name)[:m]
    res = params[0] if n == 1 else b.eqn("pack", *params, hint="res")
    fwd = Function(key + "_fwd", params, Block((), tuple(b.stmts), tuple(outs) + (res,)), (),
                   rule.filename, rule.source_line)
    names = Names()
    res_param = names.fresh("res")
    gs = tuple(names.fresh("out_bar") for _ in range(m))
    b = Builder(names)
    xs = (res_param,) if n == 1 else b.eqn("unpack", res_param, nouts=n)
    xs = xs if isinstance(xs, tuple) else (xs,)
    bars = []
    for i in range(n):
        unit = tuple(Const(1.0 if k == i else 0.0) for k in range(n))
        dots = b.eqn("call", *xs, *unit, nouts=2 * m, fn=rule.name)[m:]
        terms = [b.eqn("mul", g, d) for g, d in zip(gs, dots)]
        bars.append(_sum(b, terms, f"{params[i].hint or params[i].name}_bar"))
    bwd = Function(key + "_bwd", (res_param,) + gs, Block((), tuple(b.stmts), tuple(bars)),
                   (), rule.filename, rule.source_line)
    return fwd, bwd


def _sum(b: Builder, terms: list, hint: str = ""):
    total = terms[0] if terms else Const(0.0)
    for t in terms[1:]:
        total = b.eqn("add", total, t)
    return b.named(total, hint) if hint else total


def tangent(funcs: dict, info, key: str, mask: tuple, name: str) -> Function:
    """The tangent function ``name(*params, *dots of the active ones)`` of
    custom function ``key`` built from its rules."""
    base = funcs.get(key + "_jvp") if info.kind == "custom_jvp" else funcs[key + "_fwd"]
    if info.kind == "custom_jvp" and name == base.name:
        return base  # every argument active: the rule is the tangent function
    n = info.nargs
    params = tuple(Var(p.name, p.hint) for p in base.params[:n]) if info.kind == "custom_jvp" \
        else tuple(Var(p.name, p.hint) for p in base.params)
    names = Names(taken=tuple(p.name for p in params))
    dots = tuple(names.fresh(f"{p.hint or p.name}_dot") for p, m in zip(params, mask) if m)
    it = iter(dots)
    b = Builder(names)
    if info.kind == "custom_jvp":
        tangents = tuple(next(it) if m else Const(0.0) for m in mask)
        results = b.eqn("call", *params, *tangents, nouts=2 * info.nouts, fn=key + "_jvp")
    else:
        results = _vjp_tangent(b, funcs, key, info, params, mask, it)
    fn = funcs.get(key)
    defaults = fn.defaults if fn is not None else ()
    defaults = defaults + tuple((d.name, Const(0.0)) for d in dots) if defaults else ()
    return Function(name, params + dots, Block((), tuple(b.stmts), tuple(results)), defaults,
                    base.filename, base.source_line)


def _vjp_tangent(b: Builder, funcs: dict, key: str, info, params: tuple, mask: tuple,
                 dots) -> tuple:
    """Forward mode from a pullback linear in its adjoints: the pullback of
    the unit adjoint ``e_k`` is row ``k`` of the Jacobian, so
    ``out_dot_k = sum_i f_bwd(res, e_k)_i * x_dot_i``."""
    bwd = funcs[key + "_bwd"]
    check_linear(bwd, info.rules[bwd.name], bwd.params[1:], (),
                 f"forward mode of the custom_vjp function {key} (its pullback seeded with 1.0)")
    m = info.nouts
    results = b.eqn("call", *params, nouts=m + 1, fn=key + "_fwd")
    outs, res = results[:m], results[m]
    dots = [next(dots) if active else None for active in mask]
    out_dots = []
    for k in range(m):
        unit = tuple(Const(1.0 if j == k else 0.0) for j in range(m))
        row = b.eqn("call", res, *unit, nouts=info.nargs, fn=key + "_bwd")
        row = row if isinstance(row, tuple) else (row,)
        out_dots.append(_sum(b, [b.eqn("mul", r, d) for r, d in zip(row, dots) if d is not None]))
    return tuple(outs) + tuple(out_dots)


def check_linear(rule: Function, sf, tangents: tuple, primal: tuple, what: str) -> None:
    """Refuse a rule whose results other than ``primal`` are not linear in
    its parameters ``tangents`` (nor ``primal`` free of them): ``what`` says
    which transform needs that."""
    carries = set(tangents)  # values that depend on the tangents
    word = "a tangent" if primal else "the adjoint"

    def refuse(s, why: str):
        line, col = (s.loc.line, s.loc.col) if s is not None and s.loc.line else \
            (sf.node.lineno, sf.node.col_offset + 1)
        raise CompileError(f"{what} needs the rule {sf.node.name} to be linear in its "
                           f"{'tangents' if primal else 'output adjoint'}, but {why}",
                           sf.filename, line, col, "custom rule")

    _linear_block(rule.body, carries, refuse, word)
    for r in primal:
        if r in carries:
            refuse(None, "its primal output depends on the tangents")


def _linear_block(block: Block, carries: set, refuse, word: str) -> None:
    """Mark what depends on the tangents; refuse the first nonlinear use."""
    for s in block.stmts:
        line = s.loc.line
        if isinstance(s, Eqn):
            hit = [k for k, a in enumerate(s.args) if a in carries]
            if not hit:
                continue
            if s.prim == "call":
                refuse(s, f"line {line} passes {word} to {s.param('fn')}")
            ok = s.prim in _LINEAR or (s.prim == "mul" and len(hit) == 1) or \
                (s.prim == "div" and hit == [0])
            if not ok:
                refuse(s, f"line {line} applies {s.prim} to {word}")
            carries.update(s.outs)
        elif isinstance(s, If):
            if s.pred in carries:
                refuse(s, f"line {line} branches on {word}")
            _linear_block(s.then, carries, refuse, word)
            _linear_block(s.orelse, carries, refuse, word)
            for k, o in enumerate(s.outs):
                if s.then.results[k] in carries or s.orelse.results[k] in carries:
                    carries.add(o)
        elif any(a in carries for a in s.inits) or _reads(s, carries):
            refuse(s, f"line {line} carries {word} through a loop")


def _reads(s, carries: set) -> bool:
    from ..core.ir import free_vars
    body = free_vars(s.body) | (free_vars(s.cond) if hasattr(s, "cond") else set())
    return bool(body & carries)


def opaque_stub(info, key: str) -> Function:
    """A stand-in for an opaque custom function (its body could not be
    lowered): its name and parameters, a body that is never emitted."""
    node = info.opaque.node
    params = tuple(Var(a.arg, a.arg) for a in node.args.args)
    return Function(key, params, Block((), (), (Const(None),) * info.nouts), (),
                    info.opaque.filename, info.line)


def with_stubs(funcs: dict, custom: dict) -> dict:
    """``funcs`` and a stand-in for each opaque custom function."""
    stubs = {k: opaque_stub(i, k) for k, i in custom.items() if i.opaque and k not in funcs}
    return {**funcs, **stubs} if stubs else funcs
