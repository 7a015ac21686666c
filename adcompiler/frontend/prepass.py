"""AST rewrites run on a function body before :mod:`.desugar`:

1. ``print(...)`` statements are dropped (see below); ``assert`` is refused
   (the IR has no statement with an effect and no output yet, so it could
   not be kept as a check, and dropping it would hide a failing check);
2. ``float("inf")``, ``float("-inf")``, ``float("nan")`` become constants;
3. comprehensions (:mod:`.comprehensions`);
4. nested ``def`` and ``lambda`` lifted into helpers (:mod:`.closures`);
5. ``ys = []`` then ``ys.append(v)`` in loops of known trip count becomes a
   tuple built by concatenation (:mod:`.appends`); any other list mutation
   is refused with the workaround.

``print`` is dropped, not emitted: the emitted derivative replays the primal
once per transform (a gradient, then a Hessian over it) so a kept print
would repeat a different number of times than in the user's function, and it
must never run in the adjoint sweep.  Dropping it keeps the derivative
pure; docs/supported.md says so.
"""
from __future__ import annotations

import ast
import builtins
import copy

from ..core.astwalk import ast_walk, children
from .appends import rewrite_appends
from .census import census
from .closures import defines_functions, lift_closures
from .comprehensions import has_comprehension, rewrite_comprehensions

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_FLOATS = {"inf": float("inf"), "-inf": float("-inf"), "+inf": float("inf"),
           "infinity": float("inf"), "-infinity": float("-inf"), "nan": float("nan")}


def prepare(sf) -> list:
    """The body of ``sf`` with the rewrites above (the user's tree unchanged).
    Each rewrite walks the body only where the census (:mod:`.census`) saw
    what it rewrites, or an earlier rewrite changed the body."""
    seen = census(sf)
    body = rewrite_appends(sf, sf.node.body) if seen.may_append() else sf.node.body
    plain = body is sf.node.body and not seen.rewritten()  # no rewrite adds constructs
    body = _Statements(sf, not plain or seen.may_float_text()).body(body)
    if plain:
        return body
    # each rewrite and its walk for local names only where there is something
    # to rewrite (the walks were a fifth of the frontend on long functions)
    if any(has_comprehension(s) for s in body):
        body = rewrite_comprehensions(sf, body, local_names(sf.node, body))
    if not defines_functions(body):
        return body
    return lift_closures(sf, body, local_names(sf.node, body))


def local_names(fn, body: list) -> set:
    """Parameters and names the body binds (not inside nested functions)."""
    a = fn.args
    found = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs}
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(n.name)
            continue
        if isinstance(n, ast.Lambda):
            continue
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            found.add(n.id)
        todo.extend(children(n))
    return found


class _Statements:
    def __init__(self, sf, floats: bool = True) -> None:
        self.sf = sf
        self.floats = floats  # may an expression hold float("...")?

    def body(self, stmts: list) -> list:
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        if stmts and not out:
            out = [ast.copy_location(ast.Pass(), stmts[0])]
        return out

    def stmt(self, s: ast.stmt) -> list:
        if isinstance(s, _SCOPES):
            return [s]
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call):
            call = s.value
            if self.is_builtin(call.func, "print"):
                return []
            if isinstance(call.func, ast.Attribute) and call.func.attr in _LIST_METHODS \
                    and isinstance(call.func.value, ast.Name):
                name = call.func.value.id
                raise self.sf.error(
                    f"{name}.{call.func.attr}(...): building a list by mutation is not "
                    "supported; accumulate in the loop instead (s = s + v, or "
                    "best = max(best, v)), or, for a fixed number of items, use a comprehension: "
                    f"{name} = [v(i) for i in range(N)] then sum({name}) or np.array({name})",
                    call, f"list.{call.func.attr}")
        new = copy.copy(s)
        for field, value in ast.iter_fields(s):
            if field in ("body", "orelse", "finalbody") and isinstance(value, list):
                setattr(new, field, self.body(value))
            elif isinstance(value, ast.expr):
                setattr(new, field, self.expr(value))
            elif isinstance(value, list) and value and isinstance(value[0], ast.expr):
                setattr(new, field, [self.expr(v) for v in value])
        return [new]

    def expr(self, node: ast.expr) -> ast.expr:
        """``node``, or a copy with ``float("...")`` literals folded: copied
        only when it holds one (a deep copy per statement was a tenth of the
        frontend's time on long functions)."""
        if not self.floats or not any(_float_of_text(n) for n in ast_walk(node)):
            return node
        return _Floats(self).visit(copy.deepcopy(node))

    def is_builtin(self, func: ast.expr, name: str) -> bool:
        if not (isinstance(func, ast.Name) and func.id == name):
            return False
        try:
            return self.sf.env.lookup(name) is getattr(builtins, name)
        except Exception:
            return False


_LIST_METHODS = ("append", "extend", "insert")


def _float_of_text(node: ast.AST) -> bool:
    """Is ``node`` shaped like ``float("...")`` (what :class:`_Floats` folds)?"""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "float" and len(node.args) == 1 and not node.keywords \
        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)


class _Floats(ast.NodeTransformer):
    def __init__(self, owner: _Statements) -> None:
        self.owner = owner

    def visit_Call(self, node):
        self.generic_visit(node)
        if self.owner.is_builtin(node.func, "float") and len(node.args) == 1 \
                and not node.keywords and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            text = node.args[0].value.strip().lower()
            if text in _FLOATS:
                return ast.copy_location(ast.Constant(_FLOATS[text]), node)
            try:
                return ast.copy_location(ast.Constant(float(text)), node)
            except ValueError:
                raise self.owner.sf.error(f"float({node.args[0].value!r}) is not a number",
                                          node, "float") from None
        return node
