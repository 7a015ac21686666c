"""Parameters as pytrees: dicts, lists and tuples (nested) of arrays and numbers.

The structure of such an argument (keys, lengths, nesting) is known when the
API compiles (it is part of the call signature, like shapes), so the function
is rewritten on the AST into a *flat* function in which every leaf is its own
parameter, named after its path (``params["W"]`` -> ``params_W``,
``params[0][1]`` -> ``params_0_1``).  The rest of the pipeline then sees plain
array and scalar parameters; the API packs the flat gradient back into the
structure (emit/packing.py).

Rewritten here:

* ``params["W"]``, ``params[0]``, ``params[-1]``, ``params[1:]`` (literal keys,
  indices and slices, through any nesting);
* ``layer = params[0]`` and ``W, b = params`` (names for parts of the structure);
* ``for layer in params`` and ``for i, layer in enumerate(params)`` over a list
  or tuple (unrolled: its length is known);
* ``len(params)``;
* ``predict(params, X)``: a helper passed a structure is flattened too, once
  per structure (``predict_flat(params_W, params_b, X)``).

Everything else that touches a structure is refused at its line with a
workaround: keys that are not literals, writes into the structure, dict
methods, attributes, passing a dict to a library function.
"""
from __future__ import annotations

import ast
import copy

from ..emit.globalnames import identifiers_in
from .pytree_calls import HelperCalls
from .pytree_errors import items_hint
from .pytree_nodes import Leaf, Node, has_dict, leaves, name_tree
from .source import SourceFunction


def flatten_function(sf: SourceFunction, specs: dict, session: "_Session | None" = None,
                     name: str | None = None) -> tuple:
    """``(flat SourceFunction, {param: Node})`` for ``sf`` called with the
    structures ``specs`` (``{param name: spec}``).  Helpers it passes a
    structure to are flattened too (``session`` holds them: one flat helper
    per helper and structure)."""
    session = session or _Session()
    node = copy.deepcopy(sf.node)
    node.name = name or node.name
    taken = identifiers_in(node)
    trees = {p: name_tree(spec, p, taken) for p, spec in specs.items()}
    env = _FlatEnv(sf.env, session.functions)
    flat = SourceFunction(node, sf.filename, sf.lines, env, name or sf.name, sf.live)
    rewriter = _Rewriter(sf, trees, node, session)
    node.body = rewriter.stmts(node.body) or [ast.Pass()]
    args = []
    for a in node.args.args:
        if a.arg in trees:
            args += [ast.arg(leaf.name) for leaf in leaves(trees[a.arg])]
        else:
            args.append(ast.arg(a.arg))
    node.args = ast.arguments(posonlyargs=[], args=args, vararg=None, kwonlyargs=[],
                              kw_defaults=[], kwarg=None, defaults=[])
    for a in node.args.args:
        ast.copy_location(a, sf.node)
    node.decorator_list = []
    return flat, trees


class _Session:
    """The flat helpers of one compilation: ``(helper, structures) -> name``
    and ``name -> SourceFunction`` (what the flat functions' calls resolve to)."""

    def __init__(self) -> None:
        self.names: dict = {}
        self.functions: dict = {}

    def helper(self, callee: SourceFunction, specs: dict, avoid: set) -> str:
        key = (callee.filename, callee.node.lineno, callee.node.name,
               tuple(sorted(specs.items())))
        if key not in self.names:
            name = callee.node.name + "_flat"
            while name in avoid or name in self.functions:
                name += "_"
            self.names[key] = name
            self.functions[name] = None  # a recursive call finds the name already
            self.functions[name] = flatten_function(callee, specs, self, name)[0]
        return self.names[key]


class _FlatEnv:
    """The function's environment, and the flat helpers by name; no default
    values: the packing wrapper (or the caller) passes every argument."""

    def __init__(self, base, functions: dict) -> None:
        self._base = base
        self._functions = functions
        self.filename = base.filename

    def __getattr__(self, name):
        return getattr(self._base, name)

    def lookup(self, name: str):
        found = self._functions.get(name)
        return found if found is not None else self._base.lookup(name)

    def function(self, obj):
        return obj if isinstance(obj, SourceFunction) else self._base.function(obj)

    def defaults(self) -> tuple:
        return ()


def _constant_key(node: ast.expr):
    """A literal key or index (``"W"``, ``0``, ``-1``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _stores(node: ast.AST) -> dict:
    """How many times each name is assigned in ``node`` (targets of any kind)."""
    counts: dict = {}
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _jumps(body: list) -> ast.AST | None:
    """A ``break``/``continue`` of this loop body (not of an inner loop)."""
    todo = list(body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.Break, ast.Continue)):
            return n
        if not isinstance(n, (ast.For, ast.While, ast.FunctionDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(n))
        elif isinstance(n, (ast.For, ast.While)):
            todo.extend(n.orelse)
    return None


class _Rewriter(HelperCalls, ast.NodeTransformer):
    def __init__(self, sf: SourceFunction, trees: dict, node: ast.FunctionDef,
                 session: _Session) -> None:
        self.sf = sf
        self.session = session
        self.avoid = identifiers_in(node)
        self.aliases = dict(trees)  # name -> Node (parameters and names for their parts)
        self.owner = {name: name for name in trees}  # alias -> the parameter it is part of
        self.stores = _stores(node)
        for name in trees:
            if self.stores.get(name):
                where = next(n for n in ast.walk(node) if isinstance(n, ast.Name)
                             and n.id == name and isinstance(n.ctx, ast.Store))
                raise self.error(f"{name} is assigned here, but it is a {trees[name].kind} of "
                                 "parameters (a structure), which is read-only; use another name",
                                 where, "assignment to a structure")

    def error(self, message: str, node: ast.AST, construct: str):
        return self.sf.error(message, node, construct)

    # ------------------------------------------------------------ statements
    def stmts(self, body: list) -> list:
        out: list = []
        for s in body:
            out += self.stmt(s)
        return out

    def stmt(self, s: ast.stmt) -> list:
        if isinstance(s, ast.Assign):
            return self.assign(s)
        if isinstance(s, ast.AugAssign):
            self.refuse_write(s.target)
            return [self.visit(s)]
        if isinstance(s, ast.For):
            tree = self.container(s.iter)
            if tree is not None:
                return self.unrolled(s, s.target, tree, None)
            if _is_enumerate(s.iter):
                tree = self.container(s.iter.args[0])
                if tree is not None:
                    return self.unrolled(s, s.target, tree, "enumerate")
            s.iter = self.visit(s.iter)
            s.target = self.visit(s.target)
            s.body = self.stmts(s.body) or [ast.Pass()]
            s.orelse = self.stmts(s.orelse)
            return [s]
        if isinstance(s, (ast.If, ast.While)):
            s.test = self.visit(s.test)
            s.body = self.stmts(s.body) or [ast.Pass()]
            s.orelse = self.stmts(s.orelse)
            return [s]
        return [self.visit(s)]

    def assign(self, s: ast.Assign) -> list:
        for t in s.targets:
            self.refuse_write(t)
        if len(s.targets) != 1:
            return [self.visit(s)]
        pairs: list = []
        if self.paired(s.targets[0], s.value, s, pairs):
            return self.assignments(pairs, s)
        return [self.visit(s)]

    def paired(self, target: ast.expr, value: ast.expr, at: ast.AST, pairs: list) -> bool:
        """``target = value`` as ``pairs`` when a structure is assigned, also
        inside tuples (``a, (b, c) = p['a'], p['bc']``); False when none is."""
        tree = self.container(value)
        if tree is not None:
            self.destructure(target, tree, at, pairs)
            return True
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                and len(target.elts) == len(value.elts) and \
                not any(isinstance(e, ast.Starred) for e in target.elts + value.elts) and \
                any(self.container(v) is not None for v in value.elts):
            for t, v in zip(target.elts, value.elts):
                if not self.paired(t, v, at, pairs):
                    pairs.append((self.visit(t), self.visit(v)))
            return True
        return False

    def assignments(self, pairs: list, at: ast.AST) -> list:
        if not pairs:
            return []
        if len(pairs) == 1:
            new = ast.Assign([pairs[0][0]], pairs[0][1])
        else:
            new = ast.Assign([ast.Tuple([t for t, _ in pairs], ast.Store())],
                             ast.Tuple([v for _, v in pairs], ast.Load()))
        return [ast.fix_missing_locations(ast.copy_location(new, at))]

    def destructure(self, target: ast.expr, tree, at: ast.AST, pairs: list) -> None:
        """Bind ``target`` to ``tree``: leaves become assignments (``pairs``),
        parts become names of parts (aliases)."""
        if isinstance(tree, Leaf):
            pairs.append((self.visit(target), self.leaf_name(tree, target)))
            return
        if isinstance(target, ast.Name):
            if self.stores.get(target.id, 0) > 1:
                raise self.error(f"{target.id} names a part of a structure here and is assigned "
                                 "again elsewhere in the function; use a different name",
                                 target, "name of a part of a structure")
            self.aliases[target.id] = tree
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if tree.kind == "dict":
                raise self.error("unpacking a dict gives its keys, not its values; read the "
                                 "items by key: W = params['W']", at, "dict unpacking")
            for elt in target.elts:
                if isinstance(elt, ast.Starred):
                    raise self.error("starred unpacking of a structure is not supported; "
                                     "index it: first = params[0]", elt, "starred")
            if len(target.elts) != len(tree.children):
                raise self.error(f"cannot unpack a {tree.kind} of {len(tree.children)} items "
                                 f"into {len(target.elts)} names", at, "tuple assignment")
            for elt, child in zip(target.elts, tree.children):
                self.destructure(elt, child, at, pairs)
            return
        raise self.error("a structure can be assigned only to names", target,
                         "assignment of a structure")

    def unrolled(self, s: ast.For, target: ast.expr, tree: Node, how) -> list:
        """``for x in params`` over a list or tuple: one copy of the body per item."""
        if tree.kind == "dict":
            raise self.error("iterating over a dict of parameters (its keys) is not supported; "
                             "read the items by key: params['W']", s.iter, "for over a dict")
        jump = _jumps(s.body)
        if jump is not None:
            word = "break" if isinstance(jump, ast.Break) else "continue"
            raise self.error(f"{word} in a loop over a structure (the loop is unrolled when "
                             "compiling, its length being known) is not supported; use an if",
                             jump, word)
        out: list = []
        for k, child in enumerate(tree.children):
            pairs: list = []
            if how == "enumerate":
                if not (isinstance(target, ast.Tuple) and len(target.elts) == 2):
                    raise self.error("write for i, item in enumerate(params)", target,
                                     "enumerate")
                pairs.append((self.visit(copy.deepcopy(target.elts[0])), ast.Constant(k)))
                self.destructure(copy.deepcopy(target.elts[1]), child, s, pairs)
            else:
                self.destructure(copy.deepcopy(target), child, s, pairs)
            out += self.assignments(pairs, s)
            out += self.stmts(copy.deepcopy(s.body))
        return out + self.stmts(s.orelse)

    def refuse_write(self, target: ast.expr) -> None:
        for n in ast.walk(target):
            if isinstance(n, (ast.Subscript, ast.Attribute)) and \
                    self.container(n.value) is not None:
                raise self.error(f"{ast.unparse(n)} = ...: writing into a structure of "
                                 "parameters is not supported (it is read-only); build the new "
                                 "value in a name: W = params['W'] - step", n,
                                 "write into a structure")

    # ------------------------------------------------------------ expressions
    def container(self, node: ast.expr):
        """The :class:`Node` that ``node`` denotes, or None."""
        tree = self.resolve(node)
        return tree if isinstance(tree, Node) else None

    def resolve(self, node: ast.expr):
        """The part of a structure that ``node`` denotes (Node or Leaf), or None."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if not isinstance(node, ast.Subscript):
            return None
        base = self.resolve(node.value)
        if not isinstance(base, Node):
            return None
        if isinstance(node.slice, ast.Slice) and base.kind != "dict":
            return self.sliced(base, node)
        key = _constant_key(node.slice)
        shown = ast.unparse(node)
        if key is None:
            hint = f"read its items with literal keys: {items_hint(node.value, base)}"
            if base.kind != "dict":
                hint += f"; to visit every item write for item in {ast.unparse(node.value)}"
            raise self.error(f"{shown}: the key is not a literal; a structure of parameters is "
                             f"flattened when compiling, so {hint}", node, "non-literal key")
        if base.kind == "dict":
            if key not in base.keys:
                keys = ", ".join(map(repr, base.keys)) or "none"
                raise self.error(f"{shown}: the dict has no key {key!r} (its keys: {keys})",
                                 node, "missing key")
            return base.child(key)
        if not isinstance(key, int) or not -len(base.children) <= key < len(base.children):
            raise self.error(f"{shown}: index {key!r} out of range for a {base.kind} of "
                             f"{len(base.children)} items", node, "index out of range")
        return base.children[key]

    def sliced(self, base: Node, node: ast.Subscript) -> Node:
        bounds = []
        for part in (node.slice.lower, node.slice.upper, node.slice.step):
            value = None if part is None else _constant_key(part)
            if part is not None and not isinstance(value, int):
                raise self.error(f"{ast.unparse(node)}: slices of a structure need literal "
                                 "bounds", node, "non-literal slice")
            bounds.append(value)
        children = base.children[slice(*bounds)]
        return Node(base.kind, tuple(range(len(children))), children)

    def leaf_name(self, leaf: Leaf, at: ast.AST) -> ast.Name:
        return ast.copy_location(ast.Name(leaf.name, ast.Load()), at)

    def visit_Name(self, node: ast.Name):
        tree = self.aliases.get(node.id)
        if tree is None:
            return node
        return self.as_value(tree, node)

    def visit_Subscript(self, node: ast.Subscript):
        tree = self.resolve(node)
        if tree is None:
            return self.generic_visit(node)
        if isinstance(tree, Leaf):
            return self.leaf_name(tree, node)
        return self.as_value(tree, node)

    def visit_Attribute(self, node: ast.Attribute):
        if self.container(node.value) is not None:
            what = ast.unparse(node)
            kind = "dict methods" if node.attr in _DICT_METHODS else "attributes"
            hint = items_hint(node.value, self.container(node.value))
            raise self.error(f"{what}: {kind} of a structure of parameters are not "
                             "supported (it is flattened when compiling); read the items "
                             f"with literal keys: {hint}", node, f".{node.attr} of a structure")
        return self.generic_visit(node)

    def visit_Call(self, node: ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1:
            tree = self.container(node.args[0])
            if tree is not None:
                return ast.copy_location(ast.Constant(len(tree.children)), node)
        structures = [a for a in list(node.args) + [k.value for k in node.keywords]
                      if self.container(a) is not None]
        if structures and \
                not (isinstance(node.func, ast.Name) and node.func.id in _BUILTIN_SEQUENCE):
            callee = self.helper(node.func)
            if callee is None and not any(has_dict(self.container(a)) for a in structures):
                return self.generic_visit(node)  # a list of arrays: a tuple of them
            if callee is None:
                arg = structures[0]
                tree = self.container(arg)
                name = ast.unparse(node.func)
                raise self.error(
                    f"passing {ast.unparse(arg)} (a {tree.kind} of parameters) to {name} is not "
                    f"supported (only to functions defined in Python); pass its items instead: "
                    f"{name}({items_hint(arg, tree)})", arg, "structure passed to a function")
            return self.helper_call(node, callee)
        return self.generic_visit(node)

    def as_value(self, tree: Node | Leaf, node: ast.expr):
        """A structure used as a value elsewhere: a list or tuple of lists,
        tuples and leaves is the tuple of its leaves (the lowering handles
        tuples); a dict is refused."""
        if isinstance(tree, Leaf):
            return self.leaf_name(tree, node)
        if has_dict(tree):
            what = "" if tree.kind == "dict" else " holding a dict"
            raise self.error(f"{ast.unparse(node)} is a {tree.kind} of parameters{what}, used "
                             "here as a value; use its items with literal keys: "
                             f"{items_hint(node, tree)}", node, "structure used as a value")
        return ast.copy_location(ast.Tuple([self.as_value(c, node) for c in tree.children],
                                            ast.Load()), node)


_DICT_METHODS = {"items", "keys", "values", "get", "copy", "update", "pop", "setdefault"}
#: builtins that take a list or tuple of leaves as the lowering's tuples
_BUILTIN_SEQUENCE = {"zip", "sum", "min", "max", "reversed", "enumerate", "tuple", "list"}


def _is_enumerate(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id == "enumerate" and len(node.args) == 1 and not node.keywords
