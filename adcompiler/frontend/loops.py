"""Loops beyond ``for i in range(...)``, rewritten on the AST into the loops
the lowering knows (range loops that index, flags), before :mod:`.desugar`
turns ``break``/``continue``/``return`` into flags.

* ``for x in X`` (a NumPy array: its rows, or its elements; a list or tuple
  argument; a tuple) becomes::

      for _k#1 in range(len(X)):
          x = X[_k#1]
          ...

  and ``enumerate``, ``zip`` and ``reversed`` of such sequences index the same
  way (``zip`` runs to the shortest, ``reversed`` indexes ``X[-1 - k]``).  A
  sequence that is an expression (``X.T``) or a name the body reassigns is
  first bound to a hidden name, so it is evaluated once, as Python does.
* ``reversed(range(a, b, s))`` becomes a range counting down.
* a tuple has a length known when compiling: the lowering unrolls a loop over
  one (:func:`unroll`), so that each item is picked by a constant index.

The user's loop variables (``x``) are marked ``adc_targets`` on the new loop:
like a range loop's index, they are readable after the loop only if they had
a value before it or the loop certainly runs once (otherwise Python raises
UnboundLocalError when it runs zero times, and the compiled code could not).
Hidden names contain ``#``, so they never collide with the user's.
"""
from __future__ import annotations

import ast
import copy
import operator

from ..core.astwalk import ast_walk
from ..core.ir import Builder, Const
from .census import census
from .syntax import literal_int

_WRAPPERS = ("enumerate", "zip", "reversed")


def is_call_of(node: ast.expr, name: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == name)


def needs_rewrite(s: ast.For) -> bool:
    """Everything but ``range(...)`` and a literal tuple or list (which the
    lowering unrolls itself)."""
    return not (is_call_of(s.iter, "range") or isinstance(s.iter, (ast.Tuple, ast.List)))


def names_in(target: ast.expr) -> list:
    return [n.id for n in ast_walk(target) if isinstance(n, ast.Name)]


class LoopRewriter:
    """Rewrites one ``for`` statement; ``n`` numbers its hidden names."""

    def __init__(self, sf, n: int) -> None:
        self.sf = sf
        self.n = n
        self.pre: list = []  # statements before the loop (hidden sequence names)
        self.seqs: list = []  # names of the sequences the loop indexes
        self.assigned: set = set()

    def rewrite(self, s: ast.For) -> list:
        # the loop's own target rebinds too: ``for row, e in zip(X, row)``
        # must index the ``row`` bound before the loop, not the target
        self.assigned = {n.id for st in [s.target] + s.body for n in ast_walk(st)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        if is_call_of(s.iter, "reversed"):
            arg = self.one_arg(s.iter, "reversed")
            if is_call_of(arg, "range"):
                return self.reversed_range(s, arg)
            if isinstance(arg, (ast.Tuple, ast.List)):
                new = copy.copy(s)
                new.iter = ast.copy_location(ast.Tuple(arg.elts[::-1], ast.Load()), arg)
                return [new]
        lengths, item = self.source(s.iter)
        k = f"_k#{self.n}"
        at = s
        stop = lengths[0] if len(lengths) == 1 else _call("min", lengths, at)
        rng = _call("range", [stop], s.iter)
        body = self.bind(s.target, item(_name(k, at)), at) + list(s.body)
        new = ast.copy_location(ast.For(ast.copy_location(ast.Name(k, ast.Store()), s.target),
                                        rng, body, []), s)
        new.adc_targets = names_in(s.target)
        new.adc_sequences = list(self.seqs)
        return self.pre + [new]

    # ------------------------------------------------------------ sources
    def source(self, node: ast.expr):
        """(length expressions, item: index expr -> item tree) of an iterable;
        an item tree is an expression or a tuple of item trees."""
        if is_call_of(node, "enumerate"):
            return self.enumerate(node)
        if is_call_of(node, "zip"):
            if node.keywords:
                raise self.sf.error("zip() with keyword arguments (strict=) is not supported in "
                                    "a loop; check the lengths before the loop", node, "zip")
            if not node.args or any(isinstance(a, ast.Starred) for a in node.args):
                raise self.sf.error("zip() needs its sequences written out here (no zip(*xs))",
                                    node, "zip")
            parts = [self.source(a) for a in node.args]
            lengths = [length for p in parts for length in p[0]]
            return lengths, lambda k: tuple(p[1](k) for p in parts)
        if is_call_of(node, "reversed"):
            arg = self.one_arg(node, "reversed")
            if is_call_of(arg, "range"):
                return self.range_source(arg, backwards=True)
            if any(is_call_of(arg, w) for w in _WRAPPERS):
                self.refuse_nested(arg, "reversed")
            seq = self.sequence(arg)
            return [_call("len", [_name(seq, node)], node)], \
                lambda k: _subscript(seq, _neg_index(k, node), node)
        if is_call_of(node, "range"):
            return self.range_source(node)
        if isinstance(node, ast.Starred):
            raise self.sf.error("a starred iterable is not supported in a loop", node, "starred")
        seq = self.sequence(node)
        return [_call("len", [_name(seq, node)], node)], lambda k: _subscript(seq, k, node)

    def range_source(self, rng: ast.Call, backwards: bool = False):
        """``range(a, b, s)`` inside ``zip``/``enumerate``: its length
        ``-((a - b) // s)`` (zero or less: empty) and its k-th item
        ``a + k * s`` (from the end: ``a + (length - 1 - k) * s``)."""
        if rng.keywords or not 1 <= len(rng.args) <= 3:
            raise self.sf.error("range() takes 1 to 3 positional arguments", rng, "range")
        args = [a if _simple(a) else self.hidden(a, "r") for a in rng.args]
        a, b, st = ([ast.Constant(0)] + args + [ast.Constant(1)])[:3] if len(args) == 1 else \
            (args + [ast.Constant(1)])[:3]
        unit = literal_int(st) == 1
        literal = [literal_int(x) for x in (a, b, st)]
        if None not in literal and literal[2] != 0:  # a number (a tuple loop folds it)
            length = ast.copy_location(ast.Constant(len(range(*literal))), rng)
        elif unit:
            length = b if literal_int(a) == 0 else _bin(b, ast.Sub(), a, rng)
        else:
            neg = _bin(_bin(a, ast.Sub(), b, rng), ast.FloorDiv(), st, rng)
            length = ast.copy_location(ast.UnaryOp(ast.USub(), neg), rng)
        if backwards and not _simple(length):
            length = self.hidden(length, "r")

        def item(k):
            if backwards:
                k = _bin(_bin(length, ast.Sub(), ast.Constant(1), rng), ast.Sub(), k, rng)
            step = k if unit else _bin(k, ast.Mult(), st, rng)
            return step if literal_int(a) == 0 else _bin(a, ast.Add(), step, rng)
        return [length], item

    def enumerate(self, node: ast.Call):
        args = list(node.args)
        for kw in node.keywords:
            if kw.arg != "start" or len(args) != 1:
                raise self.sf.error("enumerate() takes a sequence and an optional start here",
                                    node, "enumerate")
            args.append(kw.value)
        if not 1 <= len(args) <= 2:
            raise self.sf.error("enumerate() takes a sequence and an optional start here",
                                node, "enumerate")
        lengths, item = self.source(args[0])
        start = args[1] if len(args) == 2 else None
        if start is not None and not _simple(start):
            start = self.hidden(start, "start")

        def index(k):
            if start is None or (isinstance(start, ast.Constant) and start.value == 0):
                return k
            return ast.copy_location(ast.BinOp(k, ast.Add(), start), node)
        return lengths, lambda k: (index(k), item(k))

    def sequence(self, node: ast.expr) -> str:
        """The name the loop indexes: the user's own name when the body does
        not rebind it, else a hidden name bound before the loop."""
        if isinstance(node, ast.Name) and node.id not in self.assigned:
            self.seqs.append(node.id)
            return node.id
        name = self.hidden(node, "seq")
        self.seqs.append(name.id)
        return name.id

    def hidden(self, value: ast.expr, what: str) -> ast.Name:
        name = f"_{what}#{self.n}_{len(self.pre)}"
        self.pre.append(ast.copy_location(
            ast.Assign([ast.copy_location(ast.Name(name, ast.Store()), value)], value), value))
        return _name(name, value)

    def one_arg(self, node: ast.Call, fn: str) -> ast.expr:
        if len(node.args) != 1 or node.keywords:
            raise self.sf.error(f"{fn}() takes one argument", node, fn)
        return node.args[0]

    def refuse_nested(self, node: ast.expr, where: str) -> None:
        what = node.func.id if isinstance(node, ast.Call) else "this"
        raise self.sf.error(f"{what}(...) inside {where}(...) is not supported in a loop; "
                            "loop over an index instead (for i in range(len(xs)): x = xs[i])",
                            node, f"{what} in {where}")

    # ------------------------------------------------------------ targets
    def bind(self, target: ast.expr, item, at) -> list:
        """Assignments of an item tree to the loop's target."""
        if isinstance(item, tuple):
            if isinstance(target, (ast.Tuple, ast.List)) and \
                    not any(isinstance(e, ast.Starred) for e in target.elts):
                if len(target.elts) != len(item):
                    raise self.sf.error(f"cannot unpack {len(item)} values into "
                                        f"{len(target.elts)} names", target, "for target")
                return [a for t, i in zip(target.elts, item) for a in self.bind(t, i, at)]
            item = ast.copy_location(ast.Tuple([_tree_expr(i, at) for i in item], ast.Load()),
                                     at)
        return [ast.copy_location(ast.Assign([target], item), at)]

    # ------------------------------------------------------------ reversed(range)
    def reversed_range(self, s: ast.For, rng: ast.Call) -> list:
        """``reversed(range(a, b, s))`` as the range counting down from its
        last element: ``range(a - ((a - b) // s + 1) * s, a - s, -s)`` (empty
        exactly when the range is; simpler forms for one and two arguments)."""
        if rng.keywords or not 1 <= len(rng.args) <= 3:
            raise self.sf.error("range() takes 1 to 3 positional arguments", rng, "range")
        values = [literal_int(a) for a in rng.args]
        if None not in values and values[-1] != 0:  # literal bounds: count down literally
            down = range(*values)[::-1]
            bounds = [ast.Constant(down.start), ast.Constant(down.stop), ast.Constant(down.step)]
            return self.counting_down(s, rng, bounds)
        args = [a if _simple(a) else self.hidden(a, "r") for a in rng.args]
        one = ast.Constant(1)
        if len(args) == 1:
            bounds = [_bin(args[0], ast.Sub(), one, rng), ast.Constant(-1), ast.Constant(-1)]
        elif len(args) == 2:
            a, b = args
            bounds = [_bin(b, ast.Sub(), one, rng), _bin(a, ast.Sub(), one, rng),
                      ast.Constant(-1)]
        else:
            a, b, st = args
            trips = _bin(_bin(_bin(a, ast.Sub(), b, rng), ast.FloorDiv(), st, rng), ast.Add(),
                         one, rng)
            bounds = [_bin(a, ast.Sub(), _bin(trips, ast.Mult(), st, rng), rng),
                      _bin(a, ast.Sub(), st, rng),
                      ast.copy_location(ast.UnaryOp(ast.USub(), st), rng)]
        return self.counting_down(s, rng, bounds)

    def counting_down(self, s: ast.For, rng: ast.Call, bounds: list) -> list:
        new = copy.copy(s)
        new.iter = _call("range", [ast.copy_location(x, rng) for x in bounds], s.iter)
        return self.pre + [new]


# ---------------------------------------------------------------- AST helpers
def _simple(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    return isinstance(node, (ast.Name, ast.Constant))


def _name(name: str, at) -> ast.expr:
    return ast.copy_location(ast.Name(name, ast.Load()), at)


def _call(fn: str, args: list, at) -> ast.expr:
    return ast.copy_location(ast.Call(_name(fn, at), list(args), []), at)


def _bin(a, op, b, at) -> ast.expr:
    return ast.copy_location(ast.BinOp(a, op, b), at)


def _subscript(seq: str, index: ast.expr, at) -> ast.expr:
    return ast.copy_location(ast.Subscript(_name(seq, at), index, ast.Load()), at)


def _neg_index(k: ast.expr, at) -> ast.expr:
    """``-1 - k``: the k-th item from the end."""
    minus_one = ast.copy_location(ast.UnaryOp(ast.USub(), ast.Constant(1)), at)
    return _bin(minus_one, ast.Sub(), k, at)


def _tree_expr(item, at) -> ast.expr:
    if isinstance(item, tuple):
        return ast.copy_location(ast.Tuple([_tree_expr(i, at) for i in item], ast.Load()), at)
    return item


def is_hidden_temp(name: str) -> bool:
    """A hidden name of this module bound before a loop and read only by
    that loop (never carried by an enclosing loop: it may hold a tuple)."""
    return name.startswith(("_seq#", "_start#", "_r#"))


def rewrite_for(sf, s: ast.For, n: int) -> list:
    """The statements replacing ``s`` (``[s]`` when it needs no rewrite)."""
    refuse_shadowed(sf, s.iter)
    if not needs_rewrite(s):
        return [s]
    return LoopRewriter(sf, n).rewrite(s)


def refuse_shadowed(sf, node: ast.expr) -> None:
    """``range``, ``reversed``, ``enumerate`` or ``zip`` called in a loop
    header while the function assigns that name: Python calls the local
    there (UnboundLocalError before its assignment), not the builtin the
    loop rewriting recognises by name."""
    params = {a.arg for a in ast_walk(sf.node.args) if isinstance(a, ast.arg)}
    seen = census(sf)  # (a walk of the whole function per loop was quadratic)
    local = params | seen.stored | seen.head_stored
    for call in ast_walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                call.func.id in ("range",) + _WRAPPERS and call.func.id in local:
            raise sf.error(f"{call.func.id} is a local variable of this function (assigned "
                           f"in it), so Python calls that local here, not the builtin "
                           f"{call.func.id}; rename the variable", call.func, "name")


def static_nonempty(args: list) -> bool:
    """Do literal ``range`` arguments give at least one iteration?"""
    values = [literal_int(a) for a in args]
    if None in values or not 1 <= len(values) <= 3 or (len(values) == 3 and values[2] == 0):
        return False
    return len(range(*values)) > 0




# ---------------------------------------------------------------- lowering side
def runs_once(start, stop, step) -> bool:
    """Does ``range(start, stop, step)`` (lowered atoms) certainly run?"""
    vals = [a.value if isinstance(a, Const) else None for a in (start, stop, step)]
    if any(type(v) is not int for v in vals) or vals[2] == 0:
        return False
    return len(range(*vals)) > 0


def over_tuple(lw, s: ast.For, env: dict) -> bool:
    """Does this rewritten loop index a tuple (then it is unrolled)?"""
    for name in getattr(s, "adc_sequences", ()):
        value = env[name] if name in env else lw.sf.env.lookup(name)
        if isinstance(value, tuple):
            return True
    return False


def unroll(lw, s: ast.For, env: dict, b: Builder) -> dict:
    """Lower a loop over a tuple once per item, its hidden index a constant
    (integer arithmetic on constants is folded, so ``xs[-1 - k]`` and
    ``k + start`` stay constant indices)."""
    bounds = [static_int(a, env, lw) for a in s.iter.args]
    if None in bounds:
        raise lw.sf.error("this loop runs over a tuple together with an array or a range "
                          "whose length is not known when compiling (zip); convert the tuple "
                          "with np.array(...), or index the tuple with constants",
                          s.iter, "for iterable")
    folding = _Folding(b)
    for k in range(*bounds):
        env = dict(env)
        env[s.target.id] = Const(k)
        env = lw.stmts(s.body, env, folding)
        if not isinstance(env, dict):
            raise lw.sf.error("return inside a loop over a tuple is not supported", s, "return")
    b.loc = folding.loc
    return env


def static_int(node: ast.expr, env: dict, lw):
    """The integer value of a length expression of a tuple loop, or None."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name):
        value = env.get(node.id)
        return value.value if isinstance(value, Const) and type(value.value) is int else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = static_int(node.operand, env, lw)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_FOLD:
        left, right = static_int(node.left, env, lw), static_int(node.right, env, lw)
        if None in (left, right) or (isinstance(node.op, ast.FloorDiv) and right == 0):
            return None
        return _AST_FOLD[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        vals = [static_int(a, env, lw) for a in node.args]
        if node.func.id == "min" and None not in vals:
            return min(vals)
        if node.func.id == "len" and isinstance(node.args[0], ast.Name):
            name = node.args[0].id
            value = env[name] if name in env else lw.sf.env.lookup(name)
            return len(value) if isinstance(value, tuple) else None
    return None


_AST_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
             ast.FloorDiv: operator.floordiv}
_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "neg": operator.neg,
         "floordiv": operator.floordiv}


class _Folding(Builder):
    """A builder over another's statements that folds integer arithmetic on
    constants (used only while unrolling over a tuple)."""

    def __init__(self, base: Builder, share: bool = True) -> None:
        super().__init__(base.names, base.loc)
        if share:
            self.stmts = base.stmts

    def eqn(self, prim: str, *args, hint: str = "", nouts: int = 1, **params):
        if prim in _FOLD and not params and all(
                isinstance(a, Const) and type(a.value) is int for a in args):
            if not (prim == "floordiv" and args[1].value == 0):
                return Const(_FOLD[prim](*(a.value for a in args)))
        return super().eqn(prim, *args, hint=hint, nouts=nouts, **params)

    def child(self) -> Builder:
        return _Folding(self, share=False)
