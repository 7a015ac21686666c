"""Lowering: desugared Python AST -> SSA IR (the Wengert list).

Each Python name maps to the atom that currently holds its value (``env``);
assignment just rebinds the name, so every IR variable is bound once.
Branches merge names through the outputs of :class:`If`; loops carry the names
they assign as block parameters.  A ``return`` inside an ``if`` moves the
statements that follow into the branch that does not return, so the IR never
needs a jump.
"""
from __future__ import annotations

import ast
import re
import types

import numpy as np

from . import loops
from .pytrees import string_key_error
from .desugar import count_returns, desugar
from ..errors import CompileError
from .source import LiveEnv, SourceFunction
from ..emit.globalnames import identifiers_in
from ..core.ir import Builder, Const, ForRange, Function, If, Loc, Names, Var, While, is_number
from ..arrays.lowering import NumpyLowering, handles, is_local
from ..arrays.emit import HELPER
from ..prims.primitives import PRIMS
from ..prims.spelling import lookup_object

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.MatMult: "matmul"}
_CMPOPS = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}


_SPECIAL_BUILTINS = {id(range): "range", id(len): "len", id(enumerate): "enumerate",
                     id(zip): "zip"}


class _Unbound:
    """A name that must not be read here (a loop index after its loop)."""

    def __init__(self, why: str) -> None:
        self.why = why


class Returned:
    def __init__(self, values: tuple) -> None:
        self.values = values


class Program:
    """The functions reachable from an entry point, lowered on demand."""

    def __init__(self, avoid: set = frozenset()) -> None:
        self.functions: dict = {}  # key -> Function
        self.arity: dict = {}  # key -> number of results
        self.sources: dict = {}  # key -> SourceFunction
        self.inplace: dict = {}  # key -> {out var name: (name, line, col)} of ``x op= e``
        self.aliases: dict = {}  # key -> {var name: [names a plain ``z = y`` also gave it]}
        self.global_arrays: dict = {}  # emitted name -> module-level array read live
        self._by_node: dict = {}
        self.avoid = set(avoid)  # the user's identifiers (see lower_program)

    def request(self, sf: SourceFunction) -> str:
        ident = (sf.filename, sf.node.lineno, sf.node.name)
        if ident in self._by_node:
            return self._by_node[ident]
        key = sf.name
        while key in self.sources or (self.sources and self.clashes(key, self.avoid)):
            # a trailing _ keeps h_fwd derived from h: a leading one does not
            key = key + "_" if key in self.sources else "_" + key
        self._by_node[ident] = key
        self.sources[key] = sf
        self.arity[key] = count_returns(sf.node)
        self.functions[key] = Lowerer(sf, self, key).lower()
        return key


    def clashes(self, key: str, names: set) -> bool:
        """Would a helper named ``key`` share a name with code emitted for
        another function: its ``key_fwd``/``key_jvp``... with a user's
        identifier or another helper, or itself with another helper's?"""
        return any(_derived_from(n, key) for n in names | set(self.sources)) or \
            any(_derived_from(key, k) for k in self.sources)


#: what the transforms append to a function's name (h_fwd, h_jvp_x, f_grad, f_d2)
_DERIVED = re.compile(r"_(grad|value_and_grad|fwd|bwd|jvp|vjp|hvp|hessian|jacobian|d[0-9]+)"
                      r"(_|$)")


def _derived_from(name: str, key: str) -> bool:
    return name.startswith(key) and _DERIVED.match(name, len(key)) is not None


def lower_program(sf: SourceFunction) -> tuple:
    """Lower ``sf`` and the helpers it calls.  Helpers are named so that no
    emitted name (``h_fwd`` of a helper ``h``) is one the user's code uses: a
    helper named like that is renamed (``h_``), which may take a second pass
    once every source reached is known."""
    avoid: set = set()
    while True:
        program = Program(avoid)
        key = program.request(sf)
        users = identifiers(program)
        if avoid >= users or not any(program.clashes(k, users) for k in program.sources
                                     if k != key):
            return program, key
        avoid |= users


def identifiers(program: Program) -> set:
    """Every identifier in the user's sources: emitted names must avoid them."""
    return set().union(*(identifiers_in(sf.node) for sf in program.sources.values()))


class Lowerer:
    def __init__(self, sf: SourceFunction, program: Program, key: str) -> None:
        self.sf = sf
        self.program = program
        self.key = key
        self.names = Names()
        self.root: Builder | None = None  # the function body's builder
        self.locals: set = set()  # names the body assigns (while lowering the body)
        self.global_reads: dict = {}  # emitted name -> Var (global arrays, read once)

    # ------------------------------------------------------------ entry
    def lower(self) -> Function:
        node = self.sf.node
        self.check_signature(node)
        params = tuple(Var(a.arg, a.arg) for a in node.args.args)
        self.names.taken.update(p.name for p in params)
        env = {p.hint: p for p in params}
        b = self.root = Builder(self.names)
        self.locals = set(_assigned(node.body))  # Python's rule: assigned anywhere = local
        body = desugar(self.sf)
        self.check_nesting(body)
        outcome = self.stmts(body, env, b)
        self.locals = set()
        if not isinstance(outcome, Returned):
            raise self.sf.error(f"{node.name} can reach its end without returning a value",
                                node.body[-1], "return")
        defaults = self.defaults(node)
        return Function(self.key, params, b.block(outcome.values), defaults,
                        self.sf.filename, node.lineno)

    def check_signature(self, node: ast.FunctionDef) -> None:
        if isinstance(node, ast.AsyncFunctionDef):
            raise self.sf.error("async def is not supported; write a plain def", node, "async def")
        for inner in ast.walk(node):
            if isinstance(inner, (ast.Yield, ast.YieldFrom)):
                raise self.sf.error("generator functions (yield) are not supported", inner,
                                    "yield")
        a = node.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
            raise self.sf.error("only plain positional parameters are supported "
                                "(no *args, **kwargs or keyword-only parameters)", node, "parameters")
        for deco in node.decorator_list:
            if not self.is_our_decorator(deco):
                raise self.sf.error("decorators other than @grad are not supported", deco,
                                    "decorator")

    def check_nesting(self, body: list) -> None:
        """Refuse code whose emitted form Python cannot compile: more than
        100 nested blocks (every ``if`` that returns nests the statements
        after it; conditional expressions become ``if`` statements)."""
        depth, where = _nesting(body, 1)
        if depth > MAX_NESTING:
            raise self.sf.error(f"the code here is nested {depth} blocks deep once the "
                                "statements after each 'if ...: return' move into its else "
                                f"branch; Python compiles at most 100 (limit {MAX_NESTING}): "
                                "split the function", where, "nesting")

    def is_our_decorator(self, deco: ast.expr) -> bool:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        return name in {"grad", "value_and_grad", "jit"}

    def defaults(self, node: ast.FunctionDef) -> tuple:
        args = node.args.args
        out = []
        live = self.live_defaults(node)
        for k, (arg, default) in enumerate(zip(args[len(args) - len(node.args.defaults):],
                                               node.args.defaults)):
            value = self.static_value(default) if live is None else \
                self.as_value(live[k], default, arg.arg).value
            out.append((arg.arg, Const(value)))
        return tuple(out)

    def live_defaults(self, node: ast.FunctionDef):
        """A live function's default values as the ``def`` evaluated them, or
        None (a file read as text, or defaults that do not match the source)."""
        fetch = getattr(self.sf.env, "defaults", None)
        if fetch is None or node is not self.sf.node:
            return None
        values = fetch()
        if len(values) != len(node.args.defaults):
            return None
        for value, default in zip(values, node.args.defaults):
            if not (is_number(value) or isinstance(value, (bool, np.floating))):
                raise self.sf.error("default values must be numbers", default, "default")
        return values

    def static_value(self, node: ast.expr):
        b = Builder(Names())
        atom = self.expr(node, {}, b)
        if not isinstance(atom, Const) or b.stmts:
            raise self.sf.error("default values must be constants", node, "default")
        return atom.value

    # ------------------------------------------------------------ statements
    def stmts(self, stmts: list, env: dict, b: Builder):
        for k, s in enumerate(stmts):
            b.loc = self.loc(s)
            if isinstance(s, ast.Return):
                return Returned(self.return_values(s, env, b))
            if isinstance(s, ast.If) and _contains_return(s):
                return self.returning_if(s, stmts[k + 1:], env, b)
            env = self.stmt(s, env, b)
        return env

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", 0)
        return Loc(line, getattr(node, "col_offset", 0) + 1, self.sf.line_text(line))

    def return_values(self, s: ast.Return, env: dict, b: Builder) -> tuple:
        if s.value is None:
            raise self.sf.error("a return without a value cannot be differentiated", s, "return")
        value = self.expr(s.value, env, b)
        values = value if isinstance(value, tuple) else (value,)
        if len(values) != self.program.arity[self.key]:
            raise self.sf.error("all return statements must return the same number of values",
                                s, "return")
        return values

    def returning_if(self, s: ast.If, rest: list, env: dict, b: Builder) -> Returned:
        pred = self.scalar(s.test, env, b)
        branches = []
        for body in (s.body, s.orelse):
            child = b.child()
            outcome = self.stmts(body + rest, dict(env), child)
            if not isinstance(outcome, Returned):
                last = (body + rest)[-1] if body + rest else s
                raise self.sf.error(f"{self.sf.node.name} can reach its end without returning a value",
                                    last, "return")
            branches.append(child.block(outcome.values))
        outs = tuple(self.names.fresh("~result") for _ in branches[0].results)
        b.loc = self.loc(s)
        b.emit(If(outs, pred, branches[0], branches[1], b.loc))
        return Returned(outs)

    def stmt(self, s: ast.stmt, env: dict, b: Builder) -> dict:
        if isinstance(s, ast.Assign):
            value = self.expr(s.value, env, b)
            if len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
                value = b.named(value, _hint(s.targets[0].id))
                if isinstance(value, Var) and value.hint != s.targets[0].id:  # z = y
                    self.program.aliases.setdefault(self.key, {}).setdefault(
                        value.name, []).append(s.targets[0].id)
            if isinstance(value, Var) and any(isinstance(t, (ast.Tuple, ast.List))
                                              for t in s.targets):
                value = NumpyLowering(self).unpack(value, s.targets, b)
            for target in s.targets:
                self.bind(target, value, env, s)
            return env
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
                return env  # docstring
            if isinstance(s.value, (ast.Yield, ast.YieldFrom, ast.Await)):
                raise self.unsupported(s.value)
            raise self.sf.error("expression statements have no effect on the result and "
                                "are not supported", s, _describe(s.value))
        if isinstance(s, ast.Pass):
            return env
        if isinstance(s, ast.If):
            return self.if_stmt(s, env, b)
        if isinstance(s, ast.For):
            return self.for_stmt(s, env, b)
        if isinstance(s, ast.While):
            return self.while_stmt(s, env, b)
        raise self.unsupported(s)

    def unsupported(self, s: ast.AST) -> CompileError:
        what = _describe(s)
        return self.sf.error(f"{what} is not supported", s, what)

    def bind(self, target: ast.expr, value, env: dict, at: ast.AST) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, tuple) or isinstance(value, (Var, Const)):
                env[target.id] = value
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                if isinstance(elt, ast.Starred):
                    raise self.sf.error("starred assignment (a, *b = ...) is not supported",
                                        elt, "starred")
            if not isinstance(value, tuple) or len(value) != len(target.elts):
                raise self.sf.error("cannot unpack this value into "
                                    f"{len(target.elts)} names", at, "tuple assignment")
            for t, v in zip(target.elts, value):
                self.bind(t, v, env, at)
            return
        kind = "item" if isinstance(target, ast.Subscript) else "attribute"
        raise self.sf.error(f"assignment to an {kind} (in-place mutation) is not supported",
                            target, f"{kind} assignment")

    # ------------------------------------------------------------ branches
    def if_stmt(self, s: ast.If, env: dict, b: Builder) -> dict:
        pred = self.scalar(s.test, env, b)
        envs, builders = [], []
        for body in (s.body, s.orelse):
            child = b.child()
            envs.append(self.stmts(body, dict(env), child))
            builders.append(child)
        changed = [n for n in _ordered_union(envs[0], envs[1])
                   if envs[0].get(n) is not env.get(n) or envs[1].get(n) is not env.get(n)]
        # a loop variable bound in one branch only (by a loop that certainly runs)
        # stays unreadable, as Python's UnboundLocalError on the other path
        one_sided = {n for n in _loop_targets(s.body + s.orelse)
                     if not _has_value(env, n) and not all(_has_value(e, n) for e in envs)}
        unbound = [n for n in changed
                   if n in one_sided or any(isinstance(e.get(n), _Unbound) for e in envs)]
        tuples = [n for n in changed if _branch_tuple(n, envs)]
        changed = [n for n in changed if n not in tuples and n not in one_sided and
                   self.mergeable(n, envs, s)]
        outs = tuple(self.names.fresh(_hint(n)) for n in changed)
        blocks = [bl.block(tuple(e.get(n, Const(None)) for n in changed))
                  for bl, e in zip(builders, envs)]
        b.loc = self.loc(s)
        b.emit(If(outs, pred, blocks[0], blocks[1], b.loc))
        env = dict(env)
        env.update(zip(changed, outs))
        for n in unbound:
            env[n] = _Unbound(f"{n} is a loop variable of a loop inside a branch; reading it "
                              "after that loop is not supported")
        for n in tuples:  # an error only where it is read after the branch
            env[n] = _Unbound(f"{n} holds a tuple that depends on a branch; unpack it into "
                              "separate names")
        return env

    def mergeable(self, name: str, envs: list, at) -> bool:
        values = [e.get(name) for e in envs]
        if any(isinstance(v, tuple) for v in values):  # the same tuple on both sides
            return False
        return not any(isinstance(v, _Unbound) for v in values)

    # ------------------------------------------------------------ loops
    def carried(self, body: list, env: dict, exclude: set, at) -> list:
        """Names the loop carries: those it assigns, except loop variables
        (of this loop or nested ones) that have no value before it: those
        stay unreadable after their loop (Python would raise NameError when
        the loop runs zero times).  A name that must not be read here is not
        carried either: a loop cannot start from a value the IR does not hold,
        so it stays unreadable until assigned in the body, and after the loop."""
        exclude = exclude | {n for n in _loop_targets(body) if not _has_value(env, n)} | \
            _unbound(env, _assigned(body)) | set(filter(loops.is_hidden_temp, _assigned(body)))
        names = [n for n in _assigned(body) if n not in exclude]
        for n in names:
            if isinstance(env.get(n), tuple):
                raise self.sf.error(f"{n} holds a tuple and is reassigned in a loop; unpack it "
                                    "into separate names", at, "tuple in loop")
        return names

    def for_stmt(self, s: ast.For, env: dict, b: Builder, skip=None) -> dict:
        """``skip``: names the loop cannot carry (see :meth:`uncarried`)."""
        skip = skip or {}
        if loops.over_tuple(self, s, env):
            return loops.unroll(self, s, env, b)
        kind, args = self.iteration(s.iter, env, b)
        if kind == "unroll":
            return self.unrolled_for(s, args, env, b)
        if not isinstance(s.target, ast.Name):
            raise self.sf.error("a range loop needs a single loop variable", s.target, "for target")
        start, stop, step = args
        idx = self.names.fresh(s.target.id)
        runs = loops.runs_once(start, stop, step)
        targets = [s.target.id] + getattr(s, "adc_targets", [])
        hidden = {t for t in targets if not (_has_value(env, t) or runs)} | set(skip)
        names = self.carried(s.body, env, set(targets) | set(skip), s)
        # Python keeps the last index after the loop (or the value before a loop that
        # runs zero times); see loops.py for the loop variables of sequence loops
        names += [t for t in dict.fromkeys(targets) if t not in hidden]
        inits = tuple(self.init(n, env) for n in names)
        params = tuple(self.names.fresh(_hint(n)) for n in names)
        inner = dict(env)
        inner.update(zip(names, params))
        inner[s.target.id] = idx
        inner.update(skip)
        child = b.child()
        inner = self.stmts(s.body, inner, child)
        more = self.uncarried(names, inner, env, s)
        if more:  # lower the loop again without carrying them
            return self.for_stmt(s, env, b, {**skip, **more})
        body = child.block(tuple(inner[n] for n in names), (idx,) + params)
        outs = tuple(self.names.fresh(_hint(n)) for n in names)
        b.loc = self.loc(s)
        b.emit(ForRange(outs, start, stop, step, inits, body, b.loc))
        env = self.after_loop(env, names, outs, s.body)
        for t in hidden:
            env[t] = skip.get(t) or _Unbound(_after_loop_message(t))
        return env

    def uncarried(self, names: list, inner: dict, env: dict, at) -> dict:
        """Carried names the body leaves as a tuple, or unreadable (bound on
        one path only): a loop carries scalars and arrays.  They are lowered
        again as unreadable from the start of each iteration to after the
        loop (``{name: _Unbound}``); a tuple that had another value before the
        loop is refused."""
        found = {}
        for n in names:
            value = inner.get(n)
            if isinstance(value, tuple):
                if _has_value(env, n):
                    raise self.sf.error(f"{n} holds a tuple and is reassigned in a loop; "
                                        "unpack it into separate names", at, "tuple in loop")
                found[n] = _Unbound(_tuple_message(n))
            elif isinstance(value, _Unbound):
                found[n] = value
        return found

    def init(self, name: str, env: dict):
        value = env.get(name, Const(None))
        return Const(None) if isinstance(value, _Unbound) else value

    def iteration(self, node: ast.expr, env: dict, b: Builder):
        """('range', (start, stop, step)) or ('unroll', [items])."""
        if isinstance(node, ast.Call):
            special = self.special_builtin(node.func, env)
            if special == "range":
                if node.keywords or not 1 <= len(node.args) <= 3:
                    raise self.sf.error("range() takes 1 to 3 positional arguments", node, "range")
                vals = [self.scalar(a, env, b) for a in node.args]
                if len(vals) == 1:
                    return "range", (Const(0), vals[0], Const(1))
                return "range", (vals[0], vals[1], vals[2] if len(vals) > 2 else Const(1))
            if special == "enumerate":
                items = self.static_items(node.args[0], env, b)
                return "unroll", [(Const(i), v) for i, v in enumerate(items)]
            if special == "zip":
                seqs = [self.static_items(a, env, b) for a in node.args]
                return "unroll", list(zip(*seqs))
        return "unroll", self.static_items(node, env, b)

    def static_items(self, node: ast.expr, env: dict, b: Builder) -> list:
        value = self.expr(node, env, b)
        if not isinstance(value, tuple):
            raise self.sf.error("loops run over range(...) or over a list or tuple built in "
                                "the function", node, "for iterable")
        return list(value)

    def unrolled_for(self, s: ast.For, items: list, env: dict, b: Builder) -> dict:
        for item in items:
            self.bind(s.target, item, env, s)
            env = self.stmts(s.body, env, b)
            if isinstance(env, Returned):
                raise self.sf.error("return inside a loop over a list is not supported", s, "return")
        return env

    def while_stmt(self, s: ast.While, env: dict, b: Builder, skip=None) -> dict:
        skip = skip or {}
        targets = getattr(s, "adc_targets", [])  # a range loop with a break (desugar.py)
        hidden = {t for t in targets if not (_has_value(env, t) or s.adc_runs)} | set(skip)
        names = self.carried(s.body, env, hidden, s)
        inits = tuple(self.init(n, env) for n in names)
        cparams = tuple(self.names.fresh(_hint(n)) for n in names)
        cenv = dict(env)
        cenv.update(zip(names, cparams))
        cenv.update(skip)
        cb = b.child()
        pred = self.scalar(s.test, cenv, cb)
        cond = cb.block((pred,), cparams)
        bparams = tuple(self.names.fresh(_hint(n)) for n in names)
        benv = dict(env)
        benv.update(zip(names, bparams))
        bb = b.child()
        benv.update(skip)
        benv = self.stmts(s.body, benv, bb)
        more = self.uncarried(names, benv, env, s)
        if more:  # lower the loop again without carrying them
            return self.while_stmt(s, env, b, {**skip, **more})
        body = bb.block(tuple(benv[n] for n in names), bparams)
        outs = tuple(self.names.fresh(_hint(n)) for n in names)
        b.loc = self.loc(s)
        b.emit(While(outs, inits, cond, body, b.loc))
        env = self.after_loop(env, names, outs, s.body)
        for t in hidden:
            env[t] = skip.get(t) or _Unbound(_after_loop_message(t))
        return env

    def after_loop(self, env: dict, names: list, outs: tuple, body: list) -> dict:
        env = dict(env)
        env.update(zip(names, outs))
        for n in _unbound(env, _assigned(body)):
            env[n] = _Unbound(f"{n} is a loop variable of an earlier loop, then assigned in a "
                              "loop that may run zero times; reading it after that loop is "
                              "not supported")
        for n in _loop_targets(body) - set(names):
            env[n] = _Unbound(f"reading the loop variable {n} after its loop is not supported")
        return env


    # ------------------------------------------------------------ expressions
    def scalar(self, node: ast.expr, env: dict, b: Builder):
        value = self.expr(node, env, b)
        if isinstance(value, tuple):
            raise self.sf.error("a tuple is not allowed here", node, "tuple")
        return value

    def expr(self, node: ast.expr, env: dict, b: Builder):
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(node)
        return method(node, env, b)

    def e_Constant(self, node, env, b):
        if is_number(node.value) or isinstance(node.value, bool) or node.value is None:
            return Const(node.value)
        raise self.sf.error(f"{type(node.value).__name__} constants are not supported", node,
                            "constant")

    def e_Name(self, node, env, b):
        if node.id in env:
            value = env[node.id]
            if isinstance(value, _Unbound):
                raise self.sf.error(value.why, node, "name")
            return value
        if node.id in self.locals:  # assigned later in the function: not the global
            raise self.sf.error(f"{node.id} is read before it is assigned (it is a local "
                                "variable of the function: Python raises UnboundLocalError)",
                                node, "name")
        return self.global_value(node, node.id, b)

    def global_value(self, node, name: str, b: Builder | None = None):
        obj = self.sf.env.lookup(name)
        return self.as_value(obj, node, name, b)

    def as_value(self, obj, node, name: str, b: Builder | None = None):
        from .source import _MISSING
        if obj is _MISSING:
            raise self.sf.error(f"name {name!r} is not defined", node, "name")
        if isinstance(obj, np.ndarray) and b is not None and self.program is not None:
            return self.global_array(obj, node, name, b)
        if is_number(obj) or isinstance(obj, bool):
            return Const(obj)
        if isinstance(obj, np.floating):
            return Const(float(obj))
        if isinstance(obj, tuple) and all(is_number(x) for x in obj):
            return tuple(Const(x) for x in obj)
        raise self.sf.error(f"{name} is not a number; only numeric globals can be used as values",
                            node, "global")

    def e_Attribute(self, node, env, b):
        if is_local(node.value, env) or self.is_global_array(node.value, env):
            return NumpyLowering(self).attribute(node, env, b)
        obj = self.resolve(node, env)
        return self.as_value(obj, node, _dotted(node), b)

    def is_global_array(self, node: ast.expr, env: dict) -> bool:
        """Is ``node`` a global name bound to a NumPy array (``W`` in ``W.T``)?"""
        return isinstance(node, ast.Name) and node.id not in env and \
            self.program is not None and isinstance(self.sf.env.lookup(node.id), np.ndarray)

    def global_array(self, obj, node, name: str, b: Builder):
        """A module-level NumPy array (of a live function): the emitted code
        reads it by name when it runs, so changes made in place are seen; a
        rebinding recompiles (see frontend.Watch).  Never differentiated."""
        kind = {"f": "f", "i": "i", "u": "i", "b": "b"}.get(obj.dtype.kind)
        if kind is None or not isinstance(self.sf.env, LiveEnv):
            raise self.sf.error(f"{name} is a {obj.dtype} array; only real numeric global "
                                "arrays can be read", node, "global")
        emitted = name.replace(".", "_")
        if emitted in _MODULE_NAMES or emitted.endswith(_EMITTED_SUFFIXES):
            raise self.sf.error(f"the global array {name} has a name the emitted module uses "
                                "itself; rename it", node, "global")
        entry = next(iter(self.program.sources.values())).node
        if emitted in {a.arg for a in entry.args.args}:  # emitted code would read the parameter
            raise self.sf.error(f"the global array {name} has the name of a parameter of "
                                f"{entry.name}; rename one", node, "global")
        arrays = self.program.global_arrays
        if arrays.get(emitted, obj) is not obj:
            raise self.sf.error(f"two different global arrays are named {name}; rename one",
                                node, "global")
        arrays[emitted] = obj
        if emitted not in self.global_reads:  # read once, at the top of the function
            # (so that a loop does not store it on the tape every iteration)
            root = self.root or b
            self.global_reads[emitted] = root.eqn("global", name=emitted,
                                                  shape=tuple(obj.shape), kind=kind)
        return self.global_reads[emitted]

    def resolve(self, node: ast.expr, env: dict):
        """The object a global (possibly dotted) name refers to."""
        if isinstance(node, ast.Name):
            if node.id in env:
                raise self.sf.error(f"{node.id} is a local value, not a function", node, "call")
            return self.sf.env.lookup(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in env:
                raise self.sf.error(f"method calls and attributes of local values "
                                    f"({_dotted(node)}) are not supported", node, "method")
            base = self.resolve(node.value, env)
            if isinstance(base, types.ModuleType):
                return self.sf.env.attribute(base, node.attr)
            raise self.sf.error(f"attribute access {_dotted(node)} is not supported", node,
                                "attribute")
        raise self.sf.error(f"calling {_describe(node)} is not supported", node, "call")

    def e_Tuple(self, node, env, b):
        return tuple(self.scalar(e, env, b) for e in node.elts)

    e_List = e_Tuple

    def e_BinOp(self, node, env, b):
        prim = _BINOPS.get(type(node.op))
        if prim is None:
            raise self.sf.error(f"the operator {type(node.op).__name__} is not supported", node,
                                type(node.op).__name__)
        left = self.scalar(node.left, env, b)
        right = self.scalar(node.right, env, b)
        out = b.eqn(prim, left, right)
        target = getattr(node, "adc_inplace", None)
        if target is not None and isinstance(out, Var):  # ``x op= e``: see inplace.py
            # (a tuple loop folds integer constants: loops.py)
            self.program.inplace.setdefault(self.key, {})[out.name] = (
                target, node.lineno, node.col_offset + 1)
        return out

    def e_UnaryOp(self, node, env, b):
        operand = self.scalar(node.operand, env, b)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            if isinstance(operand, Const) and is_number(operand.value):
                return Const(-operand.value)
            return b.eqn("neg", operand)
        if isinstance(node.op, ast.Not):
            return b.eqn("not", operand)
        raise self.sf.error("the ~ operator is not supported", node, "Invert")

    def e_BoolOp(self, node, env, b):
        prim = "and" if isinstance(node.op, ast.And) else "or"
        acc = self.scalar(node.values[0], env, b)
        for v in node.values[1:]:
            acc = b.eqn(prim, acc, self.scalar(v, env, b))
        return acc

    def e_Compare(self, node, env, b):
        left = self.scalar(node.left, env, b)
        acc = None
        for op, right_node in zip(node.ops, node.comparators):
            prim = _CMPOPS.get(type(op))
            if prim is None:
                raise self.sf.error(f"the comparison {type(op).__name__} is not supported", node,
                                    type(op).__name__)
            right = self.scalar(right_node, env, b)
            c = b.eqn(prim, left, right)
            acc = c if acc is None else b.eqn("and", acc, c)
            left = right
        return acc

    def e_IfExp(self, node, env, b):
        pred = self.scalar(node.test, env, b)
        blocks = []
        for branch in (node.body, node.orelse):
            child = b.child()
            blocks.append(child.block((self.scalar(branch, env, child),)))
        out = self.names.fresh("")
        b.emit(If((out,), pred, blocks[0], blocks[1], b.loc))
        return out

    def e_Subscript(self, node, env, b):
        if string_key_error(self.sf, node):  # a dict parameter read without its structure
            raise string_key_error(self.sf, node)
        value = self.expr(node.value, env, b)
        if not isinstance(value, tuple):
            return NumpyLowering(self).subscript(node, value, env, b)
        index = self.expr(node.slice, env, b)
        if isinstance(index, Const) and isinstance(index.value, int):
            try:
                return value[index.value]
            except IndexError:
                raise self.sf.error("tuple index out of range", node, "subscript") from None
        raise self.sf.error("indexing is supported only on tuples with constant indices",
                            node, "subscript")

    def e_Call(self, node, env, b):
        special = self.special_builtin(node.func, env)
        if special == "len":
            value = self.expr(node.args[0], env, b) if len(node.args) == 1 else None
            if isinstance(value, tuple):
                return Const(len(value))
            if isinstance(value, Var):
                return b.eqn("len", value)
            raise self.sf.error("len() is supported on tuples built in the function", node, "len")
        if special:
            raise self.sf.error(f"{special}() is only supported as the iterable of a for loop",
                                node, special)
        if isinstance(node.func, ast.Attribute) and (
                is_local(node.func.value, env) or self.is_global_array(node.func.value, env)):
            return NumpyLowering(self).method(node, env, b)
        obj = self.resolve(node.func, env)
        if handles(obj):
            return NumpyLowering(self).np_call(node, obj, env, b)
        entry = lookup_object(obj)  # a primitive, by its spellings in the registry
        if entry is None:
            sf = self.sf.env.function(obj)
            if sf is not None:
                return self.user_call(node, sf, env, b)
            if isinstance(obj, SourceFunction):
                return self.user_call(node, obj, env, b)
            name = _dotted(node.func)
            raise self.sf.error(f"the function {name} is not supported", node, name)
        if node.keywords:
            raise self.sf.error(f"keyword arguments to {_dotted(node.func)} are not supported",
                                node, "keyword arguments")
        args = [self.scalar(a, env, b) for a in node.args]
        return self.prim_call(entry, args, node, b)

    def prim_call(self, entry, args: list, node, b: Builder):
        prim, ns = entry
        name = _dotted(node.func)
        record = PRIMS[prim]
        special = record.extra.get("lower_call")  # math.log(x, base), max(a, b, c)
        result = special(b, args, ns) if special is not None else None
        if result is not None:
            return result
        if len(args) != record.nargs:
            raise self.sf.error(f"{name} takes {record.nargs} argument(s), got {len(args)}",
                                node, name)
        return b.eqn(prim, *args, ns=ns)

    def special_builtin(self, func: ast.expr, env: dict):
        if isinstance(func, ast.Name) and func.id not in env:
            obj = self.sf.env.lookup(func.id)
            return _SPECIAL_BUILTINS.get(id(obj))
        return None

    def user_call(self, node: ast.Call, sf: SourceFunction, env: dict, b: Builder):
        key = self.program.request(sf) if sf.node is not self.sf.node or \
            sf.filename != self.sf.filename else self.key
        source = self.sf if key == self.key else self.program.sources[key]
        args = self.bind_arguments(node, source.node, source, env, b)
        nouts = self.program.arity[key]
        result = b.eqn("call", *args, nouts=nouts, fn=key, hint="")
        return result if nouts == 1 else tuple(result)

    def bind_arguments(self, node: ast.Call, callee: ast.FunctionDef, sf, env, b) -> list:
        params = [a.arg for a in callee.args.args]
        if len(node.args) > len(params):
            raise self.sf.error(f"{callee.name}() takes {len(params)} arguments, "
                                f"got {len(node.args)}", node, "call")
        values: dict = {}
        for p, a in zip(params, node.args):
            values[p] = self.scalar(a, env, b)
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in params or kw.arg in values:
                raise self.sf.error(f"bad keyword argument {kw.arg!r} in call of {callee.name}",
                                    node, "keyword arguments")
            values[kw.arg] = self.scalar(kw.value, env, b)
        defaults = dict(zip(params[len(params) - len(callee.args.defaults):],
                            callee.args.defaults))
        out = []
        for p in params:
            if p in values:
                out.append(values[p])
            elif p in defaults:
                sub = Lowerer(sf, self.program, self.key)
                out.append(Const(dict(sub.defaults(callee))[p].value))
            else:
                raise self.sf.error(f"missing argument {p!r} in call of {callee.name}", node,
                                    "call")
        return out


#: module-level names of emitted code (imports, the NumPy helper) and the
#: endings of emitted function names: a global array read by name must differ
_MODULE_NAMES = {"math", "np", "numpy", HELPER, "__name__", "__builtins__"}
_EMITTED_SUFFIXES = ("_grad", "_fwd", "_bwd", "_jvp", "_hvp", "_hessian")


def _hint(name: str) -> str:
    """The user-visible base name for a Python name (flags carry a '#')."""
    return "~" + name.split("#")[0].lstrip("_") if "#" in name else name


#: deepest block nesting allowed in emitted code (Python's limit is 100; the
#: emitted function and tape loops add a few levels)
MAX_NESTING = 90


def _nesting(stmts: list, level: int) -> tuple:
    """(deepest block level the emitted code reaches, statement reaching it)."""
    deepest, where = level, stmts[0] if stmts else None
    for s in stmts:
        found = [(level + _ifexp_depth(s), s)]
        if isinstance(s, ast.If):
            found += [_nesting(s.body, level + 1), _nesting(s.orelse, level + 1)]
            if _contains_return(s):
                level += 1  # the statements after it move into a branch
        elif isinstance(s, (ast.For, ast.While)):
            found.append(_nesting(s.body, level + 1))
        for d, w in found:
            if d > deepest and w is not None:
                deepest, where = d, w
        if deepest > MAX_NESTING:
            break
    return deepest, where


def _ifexp_depth(stmt: ast.stmt) -> int:
    """How deeply conditional expressions nest in one statement's own
    expressions (iterative: a long sum is a deep tree)."""
    deepest = 0
    todo = [(child, 0) for child in ast.iter_child_nodes(stmt) if isinstance(child, ast.expr)]
    while todo:
        node, d = todo.pop()
        if isinstance(node, ast.IfExp):
            d += 1
            deepest = max(deepest, d)
        todo.extend((child, d) for child in ast.iter_child_nodes(node))
    return deepest


def _tuple_message(name: str) -> str:
    return (f"{name} holds a tuple built in a loop; read it inside the loop, or unpack it "
            "into separate names")


def _after_loop_message(name: str) -> str:
    return (f"{name} is a loop variable read after its loop, which may run zero times (Python "
            f"would then raise UnboundLocalError); give {name} a value before the loop "
            f"(e.g. {name} = 0) or read it inside the loop")


def _branch_tuple(name: str, envs: list) -> bool:
    """Does ``name`` hold a tuple that differs between the branches?"""
    values = [e.get(name) for e in envs]
    return any(isinstance(v, tuple) for v in values) and values[0] is not values[1]


def _has_value(env: dict, name: str) -> bool:
    """Whether ``name`` holds a readable scalar or array value here."""
    return isinstance(env.get(name), (Var, Const))


def _ordered_union(a: dict, b: dict) -> list:
    seen = dict.fromkeys(a)
    seen.update(dict.fromkeys(b))
    return list(seen)


def _unbound(env: dict, names) -> set:
    return {n for n in names if isinstance(env.get(n), _Unbound)}


def _assigned(stmts: list) -> list:
    """Names assigned anywhere in ``stmts`` (including nested blocks), in order."""
    found: dict = {}
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found[node.id] = None
    return list(found)


def _loop_targets(stmts: list) -> set:
    """Names bound as the target of a for loop nested in ``stmts``."""
    found = set()
    for s in stmts:
        for node in ast.walk(s):
            if isinstance(node, ast.For):
                found |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
            if isinstance(node, (ast.For, ast.While)):  # the marks of loops.py
                found |= set(getattr(node, "adc_targets", ()))
    return found


def _contains_return(s: ast.stmt) -> bool:
    return any(isinstance(n, ast.Return) for n in ast.walk(s))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return _describe(node)


_DESCRIPTIONS = {
    "Try": "try statement", "TryStar": "try statement", "With": "with statement",
    "AsyncWith": "async with", "AsyncFor": "async for", "AsyncFunctionDef": "async def",
    "Raise": "raise statement", "Global": "global statement", "Nonlocal": "nonlocal statement",
    "ClassDef": "class definition", "FunctionDef": "nested function definition",
    "Delete": "del statement", "Assert": "assert statement", "Import": "import statement",
    "ImportFrom": "import statement", "Yield": "yield", "YieldFrom": "yield from",
    "Await": "await", "Lambda": "lambda", "ListComp": "list comprehension",
    "SetComp": "set comprehension", "DictComp": "dict comprehension",
    "GeneratorExp": "generator expression", "Dict": "dict literal", "Set": "set literal",
    "JoinedStr": "f-string", "NamedExpr": "assignment expression (:=)", "Starred": "starred expression",
    "Match": "match statement", "Slice": "slice", "Call": "call", "Break": "break",
    "Continue": "continue",
}


def _describe(node: ast.AST) -> str:
    return _DESCRIPTIONS.get(type(node).__name__, type(node).__name__)
