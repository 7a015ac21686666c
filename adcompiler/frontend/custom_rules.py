"""Functions with the user's own derivative rules (``@custom_vjp``,
``@custom_jvp``; docs/custom_rules.md): finding the rules, and lowering them.

The compiler reads the source and never runs it, so a rule is found the way
the reader finds it: ``@custom_vjp`` (or ``@custom_jvp``) on the ``def``,
then ``f.defvjp(f_fwd, f_bwd)`` (or ``f.defjvp(f_jvp)``, or ``@f.defjvp`` on
the rule's ``def``) at the top level of the same module.  For a live
function the rule objects are also on the decorator's object, and those win.

A rule takes or returns tuples (the residuals, ``primals``/``tangents``),
which IR functions cannot: :class:`RuleLowerer` flattens them.  A tuple
parameter becomes one parameter per item (the body sees the tuple), and the
returned tuples are flattened, so the rules become ordinary IR functions:

* ``key_fwd(*args) -> (*outs, res)``: the residuals packed into one value,
  as reverse mode's own ``f_fwd`` returns them;
* ``key_bwd(res, *out_bars) -> arg_bars``: one cotangent per argument;
* ``key_jvp(*args, *arg_dots) -> (*outs, *out_dots)``: the tangent function
  of ``f`` with every argument active, as forward mode's own.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..core.ir import Builder, Const, Eqn, Function, Var
from ..errors import CompileError
from .census import census
from .checks import check_nesting, check_signature
from .desugar import desugar
from .source import SourceFunction
from .syntax import Returned

KINDS = ("custom_vjp", "custom_jvp")


@dataclass
class Custom:
    """What the program knows of one custom function (by its key)."""

    kind: str  # 'custom_vjp' | 'custom_jvp'
    nargs: int
    nouts: int
    opaque: object = None  # the SourceFunction when its body cannot be lowered
    line: int = 0
    rules: dict = None  # key_fwd/key_bwd/key_jvp -> the rule's SourceFunction


def custom_kind(sf: SourceFunction) -> str:
    """``'custom_vjp'``, ``'custom_jvp'`` or ``''``: from the decorators, or
    from ``f = custom_vjp(f)`` at the top level of the module."""
    for deco in sf.node.decorator_list:
        name = _callee_name(deco.func if isinstance(deco, ast.Call) else deco)
        if name in KINDS:
            return name
    return _wrapped_kinds(sf).get(sf.node.name, "")


def _callee_name(node) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


_WRAPPED: dict = {}  # (filename, id of its lines) -> {name: kind}


def _wrapped_kinds(sf: SourceFunction) -> dict:
    """``{name: kind}`` of the module's ``name = custom_vjp(name)`` lines."""
    key = (sf.filename, id(sf.lines), len(sf.lines))
    if key not in _WRAPPED:
        found: dict = {}
        if any("custom_" in line for line in sf.lines):
            tree = _module_tree(sf.lines)
            for stmt in tree.body if tree is not None else ():
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
                        isinstance(stmt.targets[0], ast.Name) and \
                        isinstance(stmt.value, ast.Call) and \
                        _callee_name(stmt.value.func) in KINDS:
                    found[stmt.targets[0].id] = _callee_name(stmt.value.func)
        if len(_WRAPPED) > 64:
            _WRAPPED.clear()
        _WRAPPED[key] = found
    return _WRAPPED[key]


def _module_tree(lines: list):
    try:
        return ast.parse("\n".join(line.rstrip("\r\n") for line in lines))
    except SyntaxError:
        return None


def find_rules(sf: SourceFunction, kind: str) -> tuple:
    """The rule functions of ``sf`` (fwd, bwd for a vjp; the jvp rule), as
    SourceFunctions; a missing rule is refused at the ``def``."""
    name = sf.node.name
    live = sf.env.lookup(name) if sf.live is not None else None
    want = ("fwd", "bwd") if kind == "custom_vjp" else ("jvp",)
    objects = [getattr(live, w, None) for w in want] if live is not None else [None]
    record = getattr(sf.env, "_record", None)
    if live is not None and record is not None:  # f.defvjp(...) again: compiled again
        for w, o in zip(want, objects):
            record("attr", live, w, o)
    if all(o is not None for o in objects):
        found = [sf.env.function(o) for o in objects]
        if all(f is not None for f in found):
            return tuple(found)
    names = _rule_names(sf, name, "defvjp" if kind == "custom_vjp" else "defjvp")
    if names is None or len(names) != len(want):
        call = f"{name}.defvjp(fwd, bwd)" if kind == "custom_vjp" else f"{name}.defjvp(rule)"
        raise sf.error(f"{name} is decorated with @{kind} but its module gives it no rule: "
                       f"write {call} at the top level of the module", sf.node, kind)
    out = []
    for rule, node in names:
        obj = sf.env.lookup(rule)
        found = sf.env.function(obj) if obj is not None else None
        if found is None:
            raise sf.error(f"the rule {rule} of {name} is not a function defined with def",
                           node, kind)
        out.append(found)
    return tuple(out)


def _rule_names(sf: SourceFunction, name: str, method: str):
    """``[(rule name, node)]`` from ``name.method(a, b)`` or ``@name.method``."""
    tree = _module_tree(sf.lines)
    for stmt in tree.body if tree is not None else ():
        if isinstance(stmt, ast.Expr) and _is_method_of(stmt.value, name, method):
            args = stmt.value.args
            if all(isinstance(a, ast.Name) for a in args):
                return [(a.id, a) for a in args]
            raise sf.error(f"the rules in {name}.{method}(...) must be names of functions "
                           "defined with def", stmt, method)
        if isinstance(stmt, ast.FunctionDef):
            for deco in stmt.decorator_list:
                if isinstance(deco, ast.Attribute) and deco.attr == method and \
                        isinstance(deco.value, ast.Name) and deco.value.id == name:
                    return [(stmt.name, stmt)]
    return None


def _is_method_of(node, name: str, method: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr == method and isinstance(node.func.value, ast.Name) and \
        node.func.value.id == name


def lower_rules(program, key: str, sf: SourceFunction, info: Custom) -> None:
    """Lower the rules of custom function ``key`` into ``program.functions``
    as ``key_fwd``/``key_bwd`` or ``key_jvp``."""
    from .lower import Lowerer  # noqa: F401  (RuleLowerer's base; import cycle)
    rules = find_rules(sf, info.kind)
    n = info.nargs
    if info.kind == "custom_vjp":
        fwd_sf, bwd_sf = rules
        _arity(fwd_sf, n, "fwd rule", sf.node.name)
        _arity(bwd_sf, 2, "bwd rule", sf.node.name)
        fwd = rule_lowerer()(fwd_sf, program, key + "_fwd", None, "fwd", info).lower_rule()
        structure = fwd.results_structure
        g = info.nouts if info.nouts > 1 else None  # a tuple of adjoints for a tuple output
        bwd = rule_lowerer()(bwd_sf, program, key + "_bwd", (structure, g), "bwd",
                             info).lower_rule()
        program.add_rule(key + "_fwd", fwd_sf, _packed_fwd(fwd, info.nouts))
        program.add_rule(key + "_bwd", bwd_sf, _unpacked_bwd(bwd, structure))
        info.rules = {key + "_fwd": fwd_sf, key + "_bwd": bwd_sf}
    else:
        (jvp_sf,) = rules
        _arity(jvp_sf, 2, "jvp rule", sf.node.name)
        jvp = rule_lowerer()(jvp_sf, program, key + "_jvp", (n, n), "jvp", info).lower_rule()
        program.add_rule(key + "_jvp", jvp_sf, jvp.function)
        info.rules = {key + "_jvp": jvp_sf}


def _arity(rule: SourceFunction, n: int, what: str, name: str) -> None:
    got = len(rule.node.args.args)
    if got != n or rule.node.args.vararg:
        raise rule.error(f"the {what} {rule.node.name} of {name} must take {n} parameter(s), "
                         f"not {got}", rule.node, "custom rule")


def _packed_fwd(rule, nouts: int) -> Function:
    """``(*outs, *residuals)`` -> ``(*outs, res)``: one residual value."""
    fn = rule.function
    outs, residuals = fn.body.results[:nouts], fn.body.results[nouts:]
    if rule.results_structure is None:
        return fn
    b = Builder(rule.names)
    res = b.eqn("pack", *residuals, hint="res") if residuals else Const(None)
    body = fn.body
    body = type(body)(body.params, body.stmts + tuple(b.stmts), outs + (res,))
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)


def _unpacked_bwd(rule, structure) -> Function:
    """Parameters ``(*residuals, *out_bars)`` -> ``(res, *out_bars)``."""
    fn = rule.function
    if structure is None:
        return fn
    k = structure
    residuals, rest = fn.params[:k], fn.params[k:]
    res = rule.names.fresh(rule.tuple_names[0] or "res")
    stmts = (Eqn(residuals, "unpack", (res,)),) if k else ()
    body = fn.body
    body = type(body)(body.params, stmts + body.stmts, body.results)
    return Function(fn.name, (res,) + rest, body, (), fn.filename, fn.source_line)


_CLASS: list = []


def rule_lowerer():
    """:class:`RuleLowerer`, built on first use (Lowerer imports this module's callers)."""
    if not _CLASS:
        from .lower import Lowerer

        class RuleLowerer(Lowerer):
            """Lowers a rule: tuple parameters flattened, returned tuples flattened."""

            def __init__(self, sf, program, key, layout, role, info) -> None:
                super().__init__(sf, program, key)
                self.layout = layout  # per parameter: None, or the length of its tuple
                self.role = role  # 'fwd' | 'bwd' | 'jvp'
                self.info = info
                self.results_structure = "unset"
                self.tuple_names: list = []
                self.function = None

            def lower_rule(self):
                self.function = self.lower_flat()
                return self

            def lower_flat(self) -> Function:
                node = self.sf.node
                check_signature(self.sf, node)
                layout = self.layout or (None,) * len(node.args.args)
                params, env = [], {}
                for a, size in zip(node.args.args, layout):
                    if size is None:
                        v = Var(a.arg, a.arg)
                        params.append(v)
                        env[a.arg] = v
                        continue
                    hints = _unpacked_names(node, a.arg, size)
                    items = tuple(Var(f"{a.arg}_{k}", h) for k, h in enumerate(hints))
                    params.extend(items)
                    env[a.arg] = items
                    self.tuple_names.append(a.arg)
                self.names.taken.update(p.name for p in params)
                b = self.root = Builder(self.names)
                self.locals = set(census(self.sf).stored)
                body = desugar(self.sf)
                check_nesting(self.sf, body)
                outcome = self.stmts(body, env, b)
                self.locals = set()
                if not isinstance(outcome, Returned):
                    raise self.sf.error(f"{node.name} can reach its end without returning a "
                                        "value", node.body[-1], "return")
                return Function(self.key, tuple(params), b.block(outcome.values), (),
                                self.sf.filename, node.lineno)

            def return_values(self, s: ast.Return, env: dict, b: Builder) -> tuple:
                if s.value is None:
                    raise self._shape_error(s)
                items = s.value.elts if isinstance(s.value, ast.Tuple) else [s.value]
                values = [self.expr(e, env, b) for e in items]
                if len(values) == 1 and isinstance(values[0], tuple):
                    values = list(values[0])  # return name_of_a_tuple
                return self.flattened(values, s)

            def flattened(self, values: list, s) -> tuple:
                nouts, role = self.info.nouts, self.role
                if role == "bwd":
                    if len(values) != self.info.nargs or any(isinstance(v, tuple) for v in values):
                        raise self._shape_error(s)
                    return tuple(Const(0.0) if isinstance(v, Const) and v.value is None else v
                                 for v in values)
                if len(values) != 2:
                    raise self._shape_error(s)
                out, second = values
                outs = out if isinstance(out, tuple) else (out,)
                if len(outs) != nouts or any(isinstance(v, tuple) for v in outs):
                    raise self._shape_error(s)
                if role == "jvp":
                    dots = second if isinstance(second, tuple) else (second,)
                    if len(dots) != nouts or any(isinstance(v, tuple) for v in dots):
                        raise self._shape_error(s)
                    return outs + dots
                structure = len(second) if isinstance(second, tuple) else None
                if structure is not None and any(isinstance(v, tuple) for v in second):
                    raise self.sf.error("the residuals must be one value or a flat tuple of "
                                        "values", s, "custom rule")
                if self.results_structure not in ("unset", structure):
                    raise self.sf.error("every return of a fwd rule must give residuals of "
                                        "the same structure", s, "custom rule")
                self.results_structure = structure
                return outs + (second if structure is not None else (second,))

            def _shape_error(self, s) -> CompileError:
                name, fn = self.sf.node.name, self.info
                shape = {"fwd": "(out, residuals)", "jvp": "(out, out_tangent)",
                         "bwd": f"a tuple of {fn.nargs} cotangent(s), one per argument"}
                return self.sf.error(f"the {self.role} rule {name} must return "
                                     f"{shape[self.role]}", s, "custom rule")

        _CLASS.append(RuleLowerer)
    return _CLASS[0]


def _unpacked_names(node: ast.FunctionDef, param: str, size: int) -> tuple:
    """Hints for the items of a tuple parameter: the names of the first
    ``a, b = param`` in the body, else ``param_0``, ``param_1``..."""
    for s in node.body:
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Name) and \
                s.value.id == param and len(s.targets) == 1 and \
                isinstance(s.targets[0], (ast.Tuple, ast.List)) and \
                len(s.targets[0].elts) == size and \
                all(isinstance(e, ast.Name) for e in s.targets[0].elts):
            return tuple(e.id for e in s.targets[0].elts)
    return tuple(f"{param}{k}" for k in range(size))


def rule_function_names(tree: ast.Module) -> set:
    """Names of the functions a module (its parsed ``tree``) gives as rules
    (``f.defvjp(a, b)``, ``f.defjvp(r)``, ``@f.defjvp``): the command line
    does not compile them on their own (they return tuples; their function's
    derivative uses them)."""
    out: set = set()
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
                call.func.attr in ("defvjp", "defjvp"):
            out.update(a.id for a in call.args if isinstance(a, ast.Name))
        if isinstance(stmt, ast.FunctionDef) and any(
                isinstance(d, ast.Attribute) and d.attr == "defjvp" for d in stmt.decorator_list):
            out.add(stmt.name)
    return out
