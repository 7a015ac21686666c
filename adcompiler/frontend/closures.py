"""Nested ``def`` and ``lambda``, lifted out of the function on the AST into
helpers that take the names they capture as extra parameters::

    def f(x, w):                        def g(t, w):        # lifted
        def g(t):                           return t * w
            return t * w
        return g(x) + g(2.0)            f:  return g(x, w) + g(2.0, w)

A call passes the captured values as they are when it runs, which is
Python's late binding.  The lowering calls a lifted helper like any other
(``adc_lifted`` on the call: an inlined helper in array code, a fwd/bwd pair
in scalar code), so closures over arrays work as helpers over arrays do.

Supported: ``def g`` and ``g = lambda ...`` at the top level of the body,
called after that statement; a lambda called where it is written
(``(lambda t: t * t)(x)``); constant default values; keyword-only
parameters; helpers calling each other and nested deeper (a helper's body is
lifted again when it is lowered).  Refused, each with its workaround: a
helper used as a value (passed to ``map``, returned), ``nonlocal``, a helper
defined inside a branch or loop, or called before its ``def``.
"""
from __future__ import annotations

import ast
import copy

from ..core.astwalk import ast_walk, children
from .source import SourceFunction

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


class LiftedRef:
    """A call's ``adc_lifted``: its helper, shared by every copy of the call
    (``copy.deepcopy`` of the AST must not copy the helper and its
    environment: modules cannot be copied, and a copy would be another
    function to the lowering)."""

    def __init__(self, source: SourceFunction) -> None:
        self.source = source

    def __deepcopy__(self, memo) -> "LiftedRef":
        return self


class Lifted:
    """One nested function: its lifted source and its parameters."""

    def __init__(self, name: str, node, sf: SourceFunction) -> None:
        self.name = name  # the name the body calls it by ('' for a lambda called in place)
        self.node = node  # the original FunctionDef or Lambda
        a = node.args
        self.params = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
        self.positional = [p.arg for p in a.posonlyargs + a.args]
        defaults = dict(zip(self.positional[len(self.positional) - len(a.defaults):],
                            a.defaults))
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
        for d in defaults.values():
            if not _constant(d):
                raise sf.error("a default value of a nested function must be a constant; pass "
                               "the value at each call instead", d, "default")
        self.defaults = defaults
        self.captured: list = []  # outer names it reads, in order of first use
        self.renames: dict = {}  # hidden captured names -> parameter names
        self.source: SourceFunction | None = None


class Lifter:
    def __init__(self, sf: SourceFunction, outer_locals: set) -> None:
        self.sf = sf
        self.outer = outer_locals  # params and names the body assigns
        self.helpers: dict = {}  # name -> Lifted

    def lift(self, body: list) -> list:
        self.check_scopes(body)
        for k, s in enumerate(body):
            node = _definition(s)
            if node is None:
                continue
            name = s.name if isinstance(s, _FUNCS) else s.targets[0].id
            if name in self.helpers:
                raise self.sf.error(f"{name} is defined twice in the function; give the nested "
                                    "functions different names", s, "nested function")
            early = _reads(body[:k], name)
            if early is not None:
                raise self.sf.error(f"{name} is used before its definition (Python raises "
                                    "NameError); move the def up", early, "nested function")
            self.helpers[name] = Lifted(name, node, self.sf)
        for s in body:
            if _definition(s) is None:
                for n in ast_walk(s):
                    if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) \
                            and n.id in self.helpers:
                        raise self.sf.error(f"{n.id} is a nested function and is also assigned; "
                                            "use another name for the value", n,
                                            "nested function")
        for name, h in self.helpers.items():
            self.capture(h)
        for h in self.helpers.values():  # every name first: helpers call each other
            h.source = self.shell(h, h.name)
        for h in self.helpers.values():
            self.fill(h)
        out = []
        for s in body:
            if _definition(s) is not None:
                continue
            out.append(self.rewrite(s))
        return out

    def check_scopes(self, body: list) -> None:
        """Refuse nested functions inside branches and loops."""
        for s in body:
            for inner in _stmts_below(s):
                if _definition(inner) is not None:
                    raise self.sf.error("a nested function defined inside a branch or loop is not "
                                        "supported; define it at the top level of the function "
                                        "body", inner, "nested function")

    # ------------------------------------------------------------ captures
    def capture(self, h: Lifted) -> None:
        """The outer names ``h`` reads, directly or through helpers it calls."""
        seen, order = set(), []

        def visit(helper: Lifted, stack: tuple) -> None:
            for n in _free_names(helper.node):
                if n in self.helpers:
                    if n not in stack:
                        visit(self.helpers[n], stack + (n,))
                elif n in self.outer and n not in seen:
                    seen.add(n)
                    order.append(n)
        visit(h, (h.name,))
        for n in _nonlocals(h.node):
            raise self.sf.error(f"nonlocal {n}: a nested function that rebinds a name of the "
                                "enclosing function is not supported; return the new value "
                                "instead", h.node, "nonlocal")
        h.captured = order

    def shell(self, h: Lifted, name: str) -> SourceFunction:
        """The helper as a plain def (its body filled by :meth:`fill`): its
        parameters, then the captured names (renamed when hidden, ``x#c1`` ->
        ``x_c1``), without defaults."""
        node = h.node
        used = {n.id for n in ast_walk(node) if isinstance(n, ast.Name)} | set(h.params)
        h.renames = {}
        for c in h.captured:
            if "#" in c:
                base = c.replace("#", "_")
                while base in used:
                    base += "_"
                used.add(base)
                h.renames[c] = base
        params = h.params + [h.renames.get(c, c) for c in h.captured]
        args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                             kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        fn = ast.copy_location(ast.FunctionDef(name, args, [], [], None), node)
        for a in fn.args.args:
            ast.copy_location(a, node)
        return SourceFunction(fn, self.sf.filename, self.sf.lines, self.sf.env, name=name)

    def fill(self, h: Lifted) -> None:
        node = h.node
        if isinstance(node, ast.Lambda):
            body = [ast.copy_location(ast.Return(copy.deepcopy(node.body)), node.body)]
        else:
            if node.decorator_list:
                raise self.sf.error("decorators on nested functions are not supported",
                                    node.decorator_list[0], "decorator")
            body = copy.deepcopy(node.body)
        body = [_CallRewriter(self, inner=True).visit(s) for s in body]
        body = [_RenameLoads(h.renames).visit(s) for s in body]
        h.source.node.body = [ast.fix_missing_locations(s) for s in body]

    # ------------------------------------------------------------ calls
    def rewrite(self, s: ast.stmt) -> ast.stmt:
        return _CallRewriter(self).visit(copy.deepcopy(s))

    def call(self, h: Lifted, call: ast.Call) -> ast.Call:
        """``g(a, k=b)`` as the lifted helper's positional call."""
        values: dict = {}
        if any(isinstance(a, ast.Starred) for a in call.args) or \
                any(k.arg is None for k in call.keywords):
            raise self.sf.error("*args and **kwargs in a call of a nested function are not "
                                "supported", call, "call")
        if len(call.args) > len(h.positional):
            raise self.sf.error(f"{h.name or 'the lambda'}() takes {len(h.positional)} "
                                f"positional arguments, got {len(call.args)}", call, "call")
        values.update(zip(h.positional, call.args))
        for k in call.keywords:
            if k.arg not in h.params or k.arg in values:
                raise self.sf.error(f"bad keyword argument {k.arg!r} in call of "
                                    f"{h.name or 'the lambda'}", call, "keyword arguments")
            values[k.arg] = k.value
        args = []
        for p in h.params:
            if p in values:
                args.append(values[p])
            elif p in h.defaults:
                args.append(copy.deepcopy(h.defaults[p]))
            else:
                raise self.sf.error(f"missing argument {p!r} in call of "
                                    f"{h.name or 'the lambda'}", call, "call")
        args += [ast.copy_location(ast.Name(c, ast.Load()), call) for c in h.captured]
        func = ast.copy_location(ast.Name(h.source.name, ast.Load()), call.func)
        new = ast.copy_location(ast.Call(func, args, []), call)
        new.adc_lifted = LiftedRef(h.source)
        return new

    def in_place(self, lam: ast.Lambda) -> Lifted:
        """A lambda called where it is written."""
        h = Lifted("", lam, self.sf)
        self.capture(h)
        h.source = self.shell(h, f"lambda_{lam.lineno}_{lam.col_offset}")
        self.fill(h)
        return h


class _CallRewriter(ast.NodeTransformer):
    def __init__(self, lifter: Lifter, inner: bool = False) -> None:
        self.lifter = lifter
        self.inner = inner  # inside a lifted helper: captured names are its parameters

    def visit_Call(self, node):
        node.args = [self.visit(a) for a in node.args]
        for k in node.keywords:
            k.value = self.visit(k.value)
        if isinstance(node.func, ast.Name) and node.func.id in self.lifter.helpers:
            return self.lifter.call(self.lifter.helpers[node.func.id], node)
        if isinstance(node.func, ast.Lambda):
            if self.inner:  # lifted when the helper itself is lowered
                return node
            return self.lifter.call(self.lifter.in_place(node.func), node)
        node.func = self.visit(node.func)
        return node

    def visit_Name(self, node):
        if node.id in self.lifter.helpers and isinstance(node.ctx, ast.Load):
            raise self.lifter.sf.error(f"{node.id} is a nested function used as a value (passed "
                                       "or returned); only calls such as "
                                       f"{node.id}(...) are supported", node, "nested function")
        return node

    def visit_Lambda(self, node):
        if self.inner:
            return node
        raise self.lifter.sf.error("a lambda used as a value (passed to map, sorted, another "
                                   "function...) is not supported; assign it to a name and call "
                                   "it, or write a loop", node, "lambda")

    def visit_FunctionDef(self, node):
        return node  # lifted separately, lowered with its own pass


def _definition(s: ast.stmt):
    """The FunctionDef or Lambda a statement defines (``g = lambda ...``)."""
    if isinstance(s, _FUNCS):
        return s
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
            and isinstance(s.value, ast.Lambda):
        return s.value
    return None


def _stmts_below(s: ast.stmt):
    """Statements nested in ``s``'s blocks (not inside nested functions)."""
    if isinstance(s, _FUNCS + (ast.ClassDef,)):
        return
    for field in ("body", "orelse", "finalbody"):
        for inner in getattr(s, field, []) or []:
            if isinstance(inner, ast.stmt):
                yield inner
                yield from _stmts_below(inner)


def _reads(stmts: list, name: str):
    for s in stmts:
        for n in ast_walk(s):
            if isinstance(n, ast.Name) and n.id == name:
                return n
    return None


def _constant(node) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _constant(node.operand)
    return isinstance(node, ast.Constant) and not isinstance(node.value, str)


def _nonlocals(node) -> list:
    return [n for s in ast_walk(node) if isinstance(s, ast.Nonlocal) for n in s.names]


def _free_names(node) -> list:
    """Names a function or lambda reads that it does not bind (scope-aware:
    nested functions, lambdas and comprehensions bind their own names)."""
    a = node.args
    bound = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    bound |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
    body = [node.body] if isinstance(node, ast.Lambda) else node.body
    loads: dict = {}
    _scan(body, bound, loads)
    return [n for n in loads if n not in bound]


def _scan(nodes: list, bound: set, loads: dict) -> None:
    todo = list(nodes)
    while todo:
        n = todo.pop(0)
        if isinstance(n, _FUNCS + (ast.Lambda,)):
            if not isinstance(n, ast.Lambda):
                bound.add(n.name)
            for f in _free_names(n):
                loads.setdefault(f, None)
            if not isinstance(n, ast.Lambda):
                todo.extend(n.args.defaults)
            continue
        if isinstance(n, (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            inner_bound = set(bound)
            inner_loads: dict = {}
            for g in n.generators:
                _scan([g.iter], set(), inner_loads)
                inner_bound |= {t.id for t in ast_walk(g.target) if isinstance(t, ast.Name)}
                _scan(g.ifs, set(), inner_loads)
            _scan([n.key, n.value] if isinstance(n, ast.DictComp) else [n.elt], set(),
                  inner_loads)
            targets = {t.id for g in n.generators for t in ast_walk(g.target)
                       if isinstance(t, ast.Name)}
            for f in inner_loads:
                if f not in targets:
                    loads.setdefault(f, None)
            continue
        if isinstance(n, ast.Name):
            if isinstance(n.ctx, ast.Load):
                loads.setdefault(n.id, None)
            else:
                bound.add(n.id)
            continue
        todo.extend(children(n))


class _RenameLoads(ast.NodeTransformer):
    def __init__(self, renames: dict) -> None:
        self.renames = renames

    def visit_Name(self, node):
        if node.id in self.renames:
            return ast.copy_location(ast.Name(self.renames[node.id], node.ctx), node)
        return node


def lift_closures(sf: SourceFunction, body: list, outer_locals: set) -> list:
    """``body`` without its nested functions, their calls rewritten."""
    if not defines_functions(body):
        return body
    return Lifter(sf, outer_locals).lift(body)


def defines_functions(body: list) -> bool:
    """Does ``body`` define a function (``def`` or ``lambda``) anywhere?"""
    return any(isinstance(n, _FUNCS + (ast.Lambda,)) for s in body for n in ast_walk(s))
