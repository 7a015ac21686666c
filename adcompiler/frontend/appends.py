"""``ys = []`` then ``ys.append(v)`` in loops of known trip count, rewritten
on the AST (before :mod:`.prepass` refuses any other list mutation)::

    ys = []                           ys = []
    for i in range(3):        ->      for i in (0, 1, 2):      # unrolled
        ys.append(f(i))                   ys = ys + [f(i)]

The lowering keeps a list as a tuple of values and unrolls a loop over a
literal tuple, so ``ys`` is a tuple of known length wherever it is read:
``sum(ys)``, ``ys[-1]``, ``len(ys)``, ``for y in ys``; ``np.array(ys)``
becomes ``np.stack(ys)``.  An append inside a ``while`` loop or a ``for``
loop whose trip count is known only at run time is refused, with an
accumulator as the workaround (array buffers with item writes are separate
work).
"""
from __future__ import annotations

import ast
import builtins
import copy

from ..core.astwalk import ast_walk
from .comprehensions import MAX_UNROLL
from .syntax import literal_int

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _append_of(s: ast.stmt, names) -> str | None:
    """The list name of a statement ``name.append(v)``, or None."""
    if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) \
            and isinstance(s.value.func, ast.Attribute) and s.value.func.attr == "append" \
            and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id in names \
            and len(s.value.args) == 1 and not s.value.keywords:
        return s.value.func.value.id
    return None


def _walk_stmts(stmts: list):
    for s in stmts:
        if isinstance(s, _SCOPES):
            continue
        yield s
        for field in ("body", "orelse"):
            yield from _walk_stmts(getattr(s, field, []) or [])


def _static_items(it: ast.expr, shadowed: set):
    """The items of a tuple or list display, ``range`` of integer literals,
    or ``reversed`` of one of those; else None (also when ``range`` or
    ``reversed`` is not the builtin: ``shadowed``)."""
    if isinstance(it, (ast.Tuple, ast.List)) and \
            not any(isinstance(e, ast.Starred) for e in it.elts):
        return list(it.elts)
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords \
            and it.func.id not in shadowed:
        if it.func.id == "reversed" and len(it.args) == 1:
            items = _static_items(it.args[0], shadowed)
            return None if items is None else items[::-1]
        if it.func.id == "range" and 1 <= len(it.args) <= 3:
            vals = [literal_int(a) for a in it.args]
            if None not in vals and vals[-1] != 0 and len(range(*vals)) <= MAX_UNROLL:
                return [ast.copy_location(ast.Constant(k), it) for k in range(*vals)]
    return None


class _Appends:
    def __init__(self, sf, lists: set, shadowed: set) -> None:
        self.sf = sf
        self.lists = lists
        self.shadowed = shadowed  # of range, reversed: not the builtins here

    def carried(self, body: list, fresh: frozenset = frozenset()) -> set:
        """The lists appended to in a loop ``body`` that the body does not
        first bind to a display itself (``ys = []`` earlier in the same block
        or in a block around it): only those grow from one iteration to the
        next, so that the loop must be unrolled.  A list bound in the body is
        a tuple of known length in each iteration (the lowering refuses it
        if it is also carried)."""
        fresh, grown = set(fresh), set()
        for s in body:
            if isinstance(s, ast.Assign) and len(s.targets) == 1 \
                    and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.List):
                fresh.add(s.targets[0].id)
            elif isinstance(s, (ast.If, ast.For, ast.While)):
                for block in (s.body, s.orelse):
                    grown |= self.carried(block, frozenset(fresh))
            elif not isinstance(s, _SCOPES):
                grown |= {n for n in map(lambda t: _append_of(t, self.lists), _walk_stmts([s]))
                          if n is not None and n not in fresh}
        return grown

    def body(self, stmts: list) -> list:
        return [self.stmt(s) for s in stmts]

    def stmt(self, s: ast.stmt) -> ast.stmt:
        name = _append_of(s, self.lists)
        if name is not None:
            call = s.value
            item = ast.copy_location(ast.List([call.args[0]], ast.Load()), call)
            value = ast.copy_location(ast.BinOp(ast.copy_location(
                ast.Name(name, ast.Load()), call), ast.Add(), item), call)
            target = ast.copy_location(ast.Name(name, ast.Store()), call)
            return ast.copy_location(ast.Assign([target], value), s)
        if isinstance(s, _SCOPES):
            return s
        if isinstance(s, (ast.If, ast.For, ast.While)):
            new = copy.copy(s)
            if self.carried(s.body):  # an else clause runs at most once: no unrolling
                if isinstance(s, ast.While):
                    raise self.refuse(s, "inside a while loop")
                if isinstance(s, ast.For):
                    new.iter = self.static_iter(s)
            new.body, new.orelse = self.body(s.body), self.body(s.orelse)
            return new
        return self.arrays(s)

    def static_iter(self, s: ast.For) -> ast.expr:
        items = _static_items(s.iter, self.shadowed)
        if items is None and any(isinstance(n, ast.Name) and n.id in self.shadowed
                                 for n in ast_walk(s.iter)):
            return s.iter  # a local range or reversed: the loop lowering refuses it by name
        if items is not None and len(items) <= MAX_UNROLL:
            return ast.copy_location(ast.Tuple(items, ast.Load()), s.iter)
        raise self.refuse(s, "in a loop whose number of iterations is known only when it runs "
                             f"(or is more than {MAX_UNROLL})")

    def refuse(self, loop, where: str):
        name = next(_append_of(s, self.lists) for s in _walk_stmts(loop.body)
                    if _append_of(s, self.lists))
        return self.sf.error(
            f"{name}.append(...) {where} builds a list of unknown length, which is not "
            "supported; accumulate in the loop instead (s = s + v, or best = max(best, v)), "
            "or loop over range(N) with a literal N", loop, "list.append")

    def arrays(self, s: ast.stmt) -> ast.stmt:
        """``np.array(ys)`` of an appended list as ``np.stack(ys)``."""
        class Stack(ast.NodeTransformer):
            def visit_Call(inner, node):
                inner.generic_visit(node)
                if isinstance(node.func, ast.Attribute) and node.func.attr in ("array",
                                                                               "asarray") \
                        and isinstance(node.func.value, ast.Name) and len(node.args) == 1 \
                        and not node.keywords and isinstance(node.args[0], ast.Name) \
                        and node.args[0].id in self.lists:
                    func = ast.copy_location(ast.Attribute(node.func.value, "stack",
                                                           ast.Load()), node.func)
                    return ast.copy_location(ast.Call(func, node.args, []), node)
                return node
        return Stack().visit(copy.deepcopy(s))


def rewrite_appends(sf, body: list) -> list:
    """``body`` with the appends above rewritten (lists bound only to list
    displays; anything else is left for the refusal in prepass.py)."""
    appended = {_append_of(s, {n.id for n in ast_walk(s) if isinstance(n, ast.Name)})
                for s in _walk_stmts(body)} - {None}
    if not appended:
        return body
    displays, others = set(), set()
    for s in _walk_stmts(body):
        for node in ast_walk(s) if not isinstance(s, (ast.For, ast.While, ast.If)) else \
                [getattr(s, "target", None)]:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                is_display = isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                    s.targets[0] is node and isinstance(s.value, ast.List)
                (displays if is_display else others).add(node.id)
    lists = (appended & displays) - others
    if not lists:
        return body
    stored = {n.id for s in body for n in ast_walk(s)
              if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    shadowed = {name for name in ("range", "reversed")
                if name in stored or not _is_builtin(sf, name)}
    return _Appends(sf, lists, shadowed).body(body)


def _is_builtin(sf, name: str) -> bool:
    try:
        return sf.env.lookup(name) is getattr(builtins, name)
    except Exception:  # noqa: BLE001 -- unknown here: not the builtin for sure
        return False
