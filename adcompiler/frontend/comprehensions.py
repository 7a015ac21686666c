"""Comprehensions and generator expressions, rewritten on the AST (before
:mod:`.closures` and :mod:`.desugar`) into constructs the lowering knows.

* A reduction of one, ``sum(e for x in xs)``, ``sum([...], start)``,
  ``min(...)``/``max(...)`` of one generator, ``np.sum([...])``, becomes an
  accumulator loop placed before the statement that reads it::

      _sum#1 = 0
      for x#c1 in xs:
          if cond:
              _sum#1 = _sum#1 + e
      ... sum(...) replaced by _sum#1 ...

  so any iterable a ``for`` loop takes works, whatever its length.  ``min``
  and ``max`` take the first element, then compare each later one with it, as
  Python does (a NaN first element stays; an empty sequence gives ``inf``/
  ``-inf`` where Python raises ValueError).  ``np.sum`` of a list of arrays sums the
  accumulated array again (NumPy sums every element).
* A list comprehension whose length is known when compiling (``range`` of
  integer literals or global integer constants, a literal tuple or list, a
  module-level tuple, a local name assigned once to a tuple display; no
  ``if``) is unrolled into a
  list display, which the lowering keeps as a tuple; ``np.array([...])`` and
  ``np.asarray([...])`` of one become ``np.stack((e0, e1, ...))``.  A length
  known only at run time is refused, with a loop as the workaround.

The comprehension's variables are renamed (``x#c1``: Python keeps them local
to the comprehension, so they must not overwrite the function's ``x``).
Nothing inside a ``lambda`` or a nested ``def`` is touched here: they are
lifted into helpers (closures.py) whose bodies go through this pass when they
are lowered.  Rewriting a reduction inside a conditional expression, ``and``/
``or`` or a ``while`` condition would evaluate it where Python does not, so
those are refused.
"""
from __future__ import annotations

import ast
import builtins
import copy

import numpy as np

from ..core.astwalk import ast_walk, children
from .syntax import literal_int

#: longest list comprehension unrolled into a display
MAX_UNROLL = 1000
_SCOPES = (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPS = (ast.GeneratorExp, ast.ListComp)


class Comprehensions:
    """Rewrites the comprehensions of one function body."""

    def __init__(self, sf, local_names: set, displays: dict) -> None:
        self.sf = sf
        self.locals = local_names  # a local name shadows sum/min/max/np
        self.displays = displays  # local name -> length of the one tuple display it holds
        self.counter = 0

    # ------------------------------------------------------------ statements
    def body(self, stmts: list) -> list:
        out: list = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s: ast.stmt) -> list:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [s]
        if isinstance(s, ast.While):
            if _has_comp(s.test):
                raise self.sf.error("a comprehension in a while condition is evaluated on every "
                                    "test; compute it into a name before the loop and at the "
                                    "end of the body", s.test, "comprehension")
            new = copy.copy(s)
            new.body, new.orelse = self.body(s.body), self.body(s.orelse)
            return [new]
        pre: list = []
        new = copy.copy(s)
        for field, value in ast.iter_fields(s):
            if field in ("body", "orelse", "finalbody", "handlers"):
                setattr(new, field, self.body(value) if isinstance(value, list) else value)
            elif isinstance(value, ast.expr):
                setattr(new, field, self.expr(value, pre))
            elif isinstance(value, list) and value and isinstance(value[0], ast.expr):
                setattr(new, field, [self.expr(v, pre) for v in value])
        return pre + [new]

    def expr(self, node: ast.expr, pre: list) -> ast.expr:
        if not _has_comp(node):
            return node
        return _Rewriter(self, pre).visit(copy.deepcopy(node))

    # ------------------------------------------------------------ names
    def static_int(self, node: ast.expr):
        """An integer literal, or a global integer constant (``range(N)``)."""
        value = literal_int(node)
        if value is None and isinstance(node, ast.Name) and node.id not in self.locals:
            try:
                obj = self.sf.env.lookup(node.id)
            except Exception:
                return None
            value = obj if type(obj) is int else None
        return value

    def global_length(self, name: str):
        """The length of a module-level tuple or list of numbers, or None."""
        try:
            obj = self.sf.env.lookup(name)
        except Exception:
            return None
        return len(obj) if isinstance(obj, tuple) else None

    def fresh(self, what: str) -> str:
        self.counter += 1
        return f"_{what}#{self.counter}"

    def builtin(self, func: ast.expr):
        """The builtin or NumPy function ``func`` names, or None."""
        if isinstance(func, ast.Name):
            if func.id in self.locals:
                return None
            try:
                obj = self.sf.env.lookup(func.id)
            except Exception:
                return None
            return obj
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id not in self.locals:
            try:
                base = self.sf.env.lookup(func.value.id)
                return getattr(base, func.attr, None) if base is np else None
            except Exception:
                return None
        return None


def has_comprehension(node: ast.AST) -> bool:
    """Does ``node`` hold a comprehension this module rewrites (not inside a
    nested function, whose own compilation rewrites it)?"""
    return _has_comp(node)


def _has_comp(node: ast.AST) -> bool:
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, _COMPS):
            return True
        if not isinstance(n, _SCOPES):
            todo.extend(children(n))
    return False


_REDUCE = {id(builtins.sum): "sum", id(builtins.min): "min", id(builtins.max): "max",
           id(np.sum): "npsum"}
_ARRAY = {id(np.array): "array", id(np.asarray): "array"}


class _Rewriter(ast.NodeTransformer):
    def __init__(self, owner: Comprehensions, pre: list) -> None:
        self.owner = owner
        self.sf = owner.sf
        self.pre = pre
        self.guarded = 0  # inside a branch of a conditional expression or and/or

    def visit_Lambda(self, node):
        return node

    def visit_IfExp(self, node):
        node.test = self.visit(node.test)
        self.guarded += 1
        node.body, node.orelse = self.visit(node.body), self.visit(node.orelse)
        self.guarded -= 1
        return node

    def visit_BoolOp(self, node):
        first = self.visit(node.values[0])
        self.guarded += 1
        rest = [self.visit(v) for v in node.values[1:]]
        self.guarded -= 1
        node.values = [first] + rest
        return node

    def visit_Call(self, node):
        comp = node.args[0] if node.args and isinstance(node.args[0], _COMPS) else None
        if comp is not None:
            obj = self.owner.builtin(node.func)
            kind = _REDUCE.get(id(obj)) or _ARRAY.get(id(obj))
            if kind in ("sum", "npsum", "min", "max"):
                return self.reduction(node, comp, kind)
            if kind == "array":
                return self.array(node, comp)
        return self.generic_visit(node)

    def visit_GeneratorExp(self, node):
        raise self.sf.error("a generator expression is supported only as the argument of "
                            "sum(), min(), max() or np.sum(); write a loop with an accumulator",
                            node, "generator expression")

    def visit_ListComp(self, node):
        items = self.unrolled(node, "a list comprehension")
        return self.visit(ast.copy_location(ast.List(items, ast.Load()), node))

    # ------------------------------------------------------------ reductions
    def reduction(self, call: ast.Call, comp, kind: str) -> ast.expr:
        name = "sum" if kind == "npsum" else kind
        if call.keywords or len(call.args) > (2 if kind == "sum" else 1):
            raise self.sf.error(f"{name}() of a comprehension takes no other arguments here "
                                "(key=, default=, axis=); write a loop", call, name)
        if self.guarded:
            raise self.sf.error(f"{name}(...) of a comprehension inside a conditional expression "
                                "or and/or would be evaluated where Python does not evaluate "
                                "it; compute it in its own statement", call, "comprehension")
        acc = self.owner.fresh(name)
        if kind in ("sum", "npsum"):
            init = call.args[1] if len(call.args) == 2 else ast.Constant(0)
        else:
            init = ast.Constant(float("inf") if kind == "min" else float("-inf"))
        init = ast.copy_location(init, call)
        self.pre.append(_assign(acc, init, call))
        if kind in ("sum", "npsum"):
            update = ast.BinOp(_load(acc, comp), ast.Add(), comp.elt)
            inner = [_assign(acc, ast.copy_location(update, comp.elt), comp.elt)]
        else:
            inner = self.extremum_update(call, comp, kind, acc)
        inner = [ast.fix_missing_locations(s) for s in inner]
        loop = self.loops(comp, inner)
        self.pre.extend(self.owner.body(loop))  # nested comprehensions, in the loop's body
        result = _load(acc, call)
        if kind == "npsum":  # np.sum of a list of arrays sums their elements too
            return ast.copy_location(ast.Call(call.func, [result], []), call)
        return result

    def extremum_update(self, call, comp, kind: str, acc: str) -> list:
        """``min``/``max`` of a sequence start from its FIRST element, as
        Python does: a flag picks the element itself on the first item and
        ``max(acc, e)`` after it.  Starting from ``-inf`` instead would lose a
        NaN first element (``max(-inf, nan)`` is ``-inf``, Python's answer is
        ``nan``), and the gradient of an element equal to the start value."""
        first = self.owner.fresh("first")
        self.pre.append(_assign(first, ast.copy_location(ast.Constant(True), call), call))
        later = ast.Call(ast.Name(kind, ast.Load()), [_load(acc, comp), comp.elt], [])
        pick = ast.IfExp(_load(first, comp), copy.deepcopy(comp.elt), later)
        return [_assign(acc, ast.copy_location(pick, comp.elt), comp.elt),
                _assign(first, ast.copy_location(ast.Constant(False), comp.elt), comp.elt)]

    def loops(self, comp, inner: list) -> list:
        """Nested ``for``/``if`` statements running ``inner`` per item, the
        comprehension's names renamed (they are local to it in Python)."""
        renames: dict = {}
        gens = []
        for gen in comp.generators:
            if gen.is_async:
                raise self.sf.error("async comprehensions are not supported", comp,
                                    "comprehension")
            it = _rename(gen.iter, renames)
            for n in ast_walk(gen.target):
                if isinstance(n, ast.Name):
                    renames[n.id] = f"{n.id}#c{self.owner.counter}"
            target = _rename(gen.target, renames, store=True)
            gens.append((target, it, [_rename(c, renames) for c in gen.ifs]))
        body = [_rename(s, renames) for s in inner]
        for target, it, conds in reversed(gens):
            if conds:
                test = conds[0] if len(conds) == 1 else ast.BoolOp(ast.And(), conds)
                body = [ast.copy_location(ast.If(test, body, []), conds[0])]
            body = [ast.copy_location(ast.For(target, it, body, []), comp)]
        return [ast.fix_missing_locations(s) for s in body]

    # ------------------------------------------------------------ arrays
    def array(self, call: ast.Call, comp) -> ast.expr:
        if isinstance(comp, ast.GeneratorExp) or call.keywords or len(call.args) != 1:
            raise self.sf.error("np.array() takes a list comprehension here (no generator, no "
                                "dtype=)", call, "np.array")
        items = self.unrolled(comp, "np.array([...])")
        if not isinstance(call.func, ast.Attribute):
            raise self.sf.error("write np.array([...]) with the module name (np.array) so that "
                                "it can become np.stack", call, "np.array")
        stack = ast.copy_location(ast.Attribute(call.func.value, "stack", ast.Load()), call.func)
        items = [self.visit(i) for i in items]
        return ast.copy_location(
            ast.Call(stack, [ast.copy_location(ast.Tuple(items, ast.Load()), comp)], []), call)

    def unrolled(self, comp, what: str) -> list:
        """The items of a comprehension of known length, or a CompileError."""
        envs = [{}]
        for gen in comp.generators:
            if gen.ifs or gen.is_async:
                raise self.runtime_length(comp, what, "it has an 'if'")
            new = []
            for env in envs:
                values = self.static_items(_substitute(gen.iter, env), comp, what)
                for v in values:
                    e = dict(env)
                    if not isinstance(gen.target, ast.Name):
                        raise self.runtime_length(comp, what, "its target is not one name")
                    e[gen.target.id] = v
                    new.append(e)
            envs = new
            if len(envs) > MAX_UNROLL:
                raise self.sf.error(f"{what} has more than {MAX_UNROLL} items; write a loop with "
                                    "an accumulator", comp, "comprehension")
        return [ast.fix_missing_locations(ast.copy_location(_substitute(comp.elt, env), comp.elt))
                for env in envs]

    def static_items(self, it: ast.expr, comp, what: str) -> list:
        if isinstance(it, (ast.Tuple, ast.List)) and \
                not any(isinstance(e, ast.Starred) for e in it.elts):
            return list(it.elts)
        if isinstance(it, ast.Name):  # a tuple of known length: its items by index
            n = self.owner.displays.get(it.id) if it.id in self.owner.locals else \
                self.owner.global_length(it.id)
            if n is not None:
                return [ast.copy_location(ast.Subscript(
                    _load(it.id, it), ast.Constant(k), ast.Load()), it) for k in range(n)]
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and len(it.args) == 1 \
                and not it.keywords and self.owner.builtin(it.func) is reversed:
            return self.static_items(it.args[0], comp, what)[::-1]
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
                and not it.keywords and 1 <= len(it.args) <= 3 \
                and self.owner.builtin(it.func) is range:
            vals = [self.owner.static_int(a) for a in it.args]
            if None not in vals and vals[-1] != 0:
                return [ast.Constant(k) for k in range(*vals)]
        raise self.runtime_length(comp, what, "its length is known only when it runs")

    def runtime_length(self, comp, what: str, why: str):
        return self.sf.error(f"{what} builds a sequence whose length must be known when "
                             f"compiling (range of integer constants, a tuple), but {why}; "
                             "write a for loop with an accumulator (s = s + e), or sum(...) "
                             "of a generator", comp, "comprehension")


# ---------------------------------------------------------------- AST helpers


def _load(name: str, at) -> ast.expr:
    return ast.copy_location(ast.Name(name, ast.Load()), at)


def _assign(name: str, value: ast.expr, at) -> ast.stmt:
    target = ast.copy_location(ast.Name(name, ast.Store()), at)
    return ast.copy_location(ast.Assign([target], value), at)


class _Renamer(ast.NodeTransformer):
    """Renames free occurrences of names (not inside a nested comprehension
    or lambda that binds the same name)."""

    def __init__(self, renames: dict, store: bool) -> None:
        self.renames = renames
        self.store = store

    def visit_Name(self, node):
        if node.id in self.renames and (self.store or isinstance(node.ctx, ast.Load)):
            return ast.copy_location(ast.Name(self.renames[node.id], node.ctx), node)
        return node

    def visit_Lambda(self, node):
        bound = {a.arg for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs}
        inner = _Renamer({k: v for k, v in self.renames.items() if k not in bound}, False)
        node.body = inner.visit(node.body)
        return node

    def _comp(self, node):
        bound = {n.id for g in node.generators for n in ast_walk(g.target)
                 if isinstance(n, ast.Name)}
        inner = _Renamer({k: v for k, v in self.renames.items() if k not in bound}, False)
        node.generators[0].iter = self.visit(node.generators[0].iter)
        for k, g in enumerate(node.generators):
            if k:
                g.iter = inner.visit(g.iter)
            g.ifs = [inner.visit(c) for c in g.ifs]
        if isinstance(node, ast.DictComp):
            node.key, node.value = inner.visit(node.key), inner.visit(node.value)
        else:
            node.elt = inner.visit(node.elt)
        return node

    visit_GeneratorExp = visit_ListComp = visit_SetComp = visit_DictComp = _comp


def _rename(node, renames: dict, store: bool = False):
    if not renames:
        return copy.deepcopy(node)
    return _Renamer(renames, store).visit(copy.deepcopy(node))


class _Substituter(_Renamer):
    def visit_Name(self, node):
        if node.id in self.renames and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.renames[node.id])
        return node


def _substitute(node, env: dict):
    return _Substituter(env, False).visit(copy.deepcopy(node)) if env else node


def rewrite_comprehensions(sf, body: list, local_names: set) -> list:
    return Comprehensions(sf, local_names, _displays(body)).body(body)


def _displays(body: list) -> dict:
    """Local names assigned exactly once, to a tuple or list display: their
    lengths (``cs = (a, b, 2.0)``, then ``[f(c) for c in cs]`` unrolls)."""
    counts: dict = {}
    lengths: dict = {}
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            counts[n.id] = counts.get(n.id, 0) + 1
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and \
                isinstance(n.targets[0], ast.Name) and isinstance(n.value, (ast.Tuple, ast.List)) \
                and not any(isinstance(e, ast.Starred) for e in n.value.elts):
            lengths[n.targets[0].id] = len(n.value.elts)
        todo.extend(children(n))
    return {k: v for k, v in lengths.items() if counts.get(k) == 1}
