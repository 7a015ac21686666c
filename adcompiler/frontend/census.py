"""One walk of a function's AST that answers what the frontend's checks and
rewrites ask of the whole function before they walk it themselves.

Each check (a ``yield``, the names the body assigns, the identifiers emitted
names must avoid, an ``append``, a ``float("...")``, a comprehension, a
nested function, a conditional expression) used to walk the whole function;
on a long function those walks were most of the frontend's time.  The census
walks it once and records the node kinds, names and attribute names present.
Where a check finds something only if a kind is present, the census says
"absent" and the check is skipped; where it is present the check runs as
before, so it finds exactly what it did (tests/test_census.py compares the
two on the corpus and the bad inputs).
"""
from __future__ import annotations

import ast

from ..core.astwalk import ast_walk

#: the node kinds some rewrite of the prepass acts on (comprehensions,
#: nested functions): where one is present the prepass may add others
REWRITTEN = frozenset({ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp,
                       ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda})
_YIELDS = frozenset({ast.Yield, ast.YieldFrom})


class Census:
    """What a function's AST holds: ``kinds`` (node types anywhere in it),
    ``stored`` (names a ``Store`` of its body binds: Python's locals, as
    :func:`~adcompiler.frontend.syntax.assigned` finds them; ``head_stored``,
    those of the rest of the ``def``), ``identifiers``
    (as :func:`~adcompiler.emit.globalnames.identifiers_in` finds them),
    ``names`` (every ``ast.Name`` id) and ``attrs`` (attribute names)."""

    def __init__(self, node: ast.FunctionDef) -> None:
        self.node = node
        self.kinds: set = set()
        self.stored: set = set()
        self.head_stored: set = set()  # a walrus in a default or decorator
        self.names: set = set()
        self.attrs: set = set()
        self.identifiers: set = {node.name} if type(node) is ast.FunctionDef else set()
        head = [getattr(node, f) for f in node._fields if f != "body"]
        self._visit([v for v in _flat(head) if isinstance(v, ast.AST)], False)
        self._visit(node.body, True)

    def _visit(self, roots: list, body: bool) -> None:
        kinds, names, attrs, idents = self.kinds, self.names, self.attrs, self.identifiers
        name_t, arg_t, attr_t, fdef_t, store_t = ast.Name, ast.arg, ast.Attribute, \
            ast.FunctionDef, ast.Store
        for root in roots:
            for node in ast_walk(root):
                kind = type(node)
                kinds.add(kind)
                if kind is name_t:
                    names.add(node.id)
                    if type(node.ctx) is store_t:
                        (self.stored if body else self.head_stored).add(node.id)
                elif kind is attr_t:
                    attrs.add(node.attr)
                elif kind is arg_t:
                    idents.add(node.arg)
                elif kind is fdef_t:
                    idents.add(node.name)
        idents |= names

    def may_yield(self) -> bool:
        return not _YIELDS.isdisjoint(self.kinds)

    def may_append(self) -> bool:
        """Could the body hold ``ys.append(v)`` (:mod:`.appends`)?"""
        return "append" in self.attrs

    def may_float_text(self) -> bool:
        """Could it hold ``float("...")`` (the prepass folds those)?"""
        return "float" in self.names

    def rewritten(self) -> bool:
        """Does it hold a construct the prepass rewrites into other constructs?"""
        return not REWRITTEN.isdisjoint(self.kinds)

    def stores_in_expressions(self) -> bool:
        """Could an expression bind a name (``:=``, a comprehension's target)?"""
        return ast.NamedExpr in self.kinds or self.rewritten()

    def may_ifexp(self) -> bool:
        """Could its desugared body hold a conditional expression (its own,
        or one the comprehension rewrite makes)?"""
        return ast.IfExp in self.kinds or self.rewritten()


def _flat(values: list):
    for v in values:
        if isinstance(v, list):
            yield from v
        else:
            yield v


def census(sf) -> Census:
    """The census of ``sf.node``, taken once per node (kept on ``sf``)."""
    got = sf.__dict__.get("_census")
    if got is None or got.node is not sf.node:
        got = sf._census = Census(sf.node)
    return got
