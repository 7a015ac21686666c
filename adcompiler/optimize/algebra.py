"""Algebraic simplification of scalar adjoint expressions (the ``algebra`` pass).

Reverse mode writes an adjoint as the sum of its contributions, each the
chain rule's product: the logistic map's ``l = 4 * l * (1 - l)`` gets
``l_bar * (1 - l) * 4 - l_bar * (4 * l)`` where a person writes
``l_bar * (4 - 8 * l)``.  This pass takes each *tree* of scalar arithmetic
(``add sub mul neg div`` and ``pow`` by a small integer) whose root is an
adjoint (or, in forward mode, a tangent) statement and whose inner values are read once, by the tree, expands
it to a sum of monomials (coefficient times leaves to integer powers),
collects like terms and writes it back factored: the monomial common to every
term (``l_bar``, or ``x / cos(x)`` for ``x ** 2 / cos(x)``) times the sum of
the rest.  The rewrite is kept only when it has strictly fewer operations.

Honesty: this is reassociation.  It is exact in real arithmetic, not in
floating point: the result may differ from the unsimplified code in the last
bits (``a*c + b*c`` and ``(a + b)*c`` round differently), and an intermediate
overflow or an ``inf - inf`` may differ too.  Gradients are checked against
oracles (finite differences, dual numbers, sympy), never for bit-equality with
the unsimplified code.  What it never does: divide by a constant that is not a
power of two (``x / 3`` is not ``x * (1/3)``), or drop a term whose collected
coefficient is zero (``x*0`` would hide a NaN or an infinity): such a tree is
left as it was.

In array code only trees of values inferred scalar are rewritten (the
``scalars`` argument; Rosenbrock's loop body): NumPy elementwise expressions
are ``arrays/``' work, which may call :func:`simplify_algebra` with its own
notion of what is safe to reassociate.
"""
from __future__ import annotations

from ..core.ir import Block, Const, Eqn, ForRange, Function, If, Names, Var, While, sub_blocks

_ARITH = {"add", "sub", "mul", "neg", "div", "pow"}
_BOOLEAN = {"lt", "le", "gt", "ge", "eq", "ne", "not", "and", "or"}
MAX_TERMS = 24  # expansion beyond this is never cheaper: the tree is left alone
MAX_POWER = 4


class _Fail(Exception):
    """The tree (or a subtree) has no polynomial form worth writing."""


def simplify_algebra(fn: Function, scalars=None) -> Function:
    """Every scalar adjoint tree of ``fn`` rewritten when that is cheaper.
    ``scalars``: in array code, the set of values known to be scalars (every
    value of a rewritten tree must be one); None in scalar code."""
    uses: dict = {}
    bools: set = set()
    _count_block(fn.body, uses)
    _bools(fn.body, bools)
    rw = _Rewriter(fn, uses, bools, scalars)
    body = rw.block(fn.body)
    if not rw.changed:
        return fn
    return Function(fn.name, fn.params, body, fn.defaults, fn.filename, fn.source_line)



# ---------------------------------------------------------------- use counts
# (uses, definitions and absorbed values are keyed by the variable's name,
# its identity: a str hashes in C, a Var through its Python __hash__)
def _count(atoms, uses: dict) -> None:
    for a in atoms:
        if type(a) is Var:
            uses[a.name] = uses.get(a.name, 0) + 1


def _count_block(block: Block, uses: dict) -> None:
    get, var = uses.get, Var
    for s in block.stmts:
        if type(s) is Eqn:
            for a in s.args:  # (_count inline: this loop visits every statement)
                if type(a) is var:
                    uses[a.name] = get(a.name, 0) + 1
            continue
        if isinstance(s, If):
            _count((s.pred,), uses)
        elif isinstance(s, ForRange):
            _count((s.start, s.stop, s.step) + tuple(s.inits), uses)
        else:
            _count(s.inits, uses)
        for sub in sub_blocks(s):
            _count_block(sub, uses)
    _count(block.results, uses)


def _maybe_bool(a, bools: set) -> bool:
    return a in bools if isinstance(a, Var) else isinstance(a.value, bool)


def _bools(block: Block, bools: set) -> None:
    """Values that may be a bool: comparisons' results, and branch outputs and
    loop-carried values into which one may be merged (to a fixpoint)."""
    for s in block.stmts:
        if isinstance(s, Eqn):
            if s.prim in _BOOLEAN:
                bools.update(s.outs)
        elif isinstance(s, If):
            _bools(s.then, bools)
            _bools(s.orelse, bools)
            for o, *pair in zip(s.outs, s.then.results, s.orelse.results):
                if any(_maybe_bool(a, bools) for a in pair):
                    bools.add(o)
        else:
            _loop_bools(s, bools)


def _loop_bools(s, bools: set) -> None:
    carried = s.body.params[1:] if isinstance(s, ForRange) else s.body.params
    extra = () if isinstance(s, ForRange) else s.cond.params
    while True:
        before = len(bools)
        for k, (init, res) in enumerate(zip(s.inits, s.body.results)):
            if _maybe_bool(init, bools) or _maybe_bool(res, bools):
                bools.update((carried[k], s.outs[k]) + ((extra[k],) if extra else ()))
        for sub in sub_blocks(s):
            _bools(sub, bools)
        if len(bools) == before:
            return


# ---------------------------------------------------------------- polynomials
# A polynomial is a dict {monomial: coefficient}; a monomial a tuple of
# (leaf number, power) sorted by leaf number (leaves numbered in the order the
# tree reads them, so the rewritten code keeps the user's order).
def _add(p: dict, q: dict, sign: int = 1) -> dict:
    out = dict(p)
    for m, c in q.items():
        out[m] = out[m] + sign * c if m in out else sign * c
    return out


def _mono_mul(m: tuple, n: tuple) -> tuple:
    powers = dict(m)
    for leaf, k in n:
        powers[leaf] = powers.get(leaf, 0) + k
    return tuple(sorted((leaf, k) for leaf, k in powers.items() if k))


def _mul(p: dict, q: dict) -> dict:
    out: dict = {}
    for m, c in p.items():
        for n, d in q.items():
            mn = _mono_mul(m, n)
            out[mn] = out[mn] + c * d if mn in out else c * d
    if len(out) > MAX_TERMS:
        raise _Fail
    return out


def _number(a) -> bool:
    return isinstance(a, Const) and type(a.value) in (int, float)


def _exact_inverse(c) -> float:
    """``1 / c`` when multiplying by it is exactly dividing by ``c`` (a power of two)."""
    if c in (1, -1):
        return c
    m = abs(float(c))
    if m != 0 and m == 2.0 ** round(__import__("math").log2(m)):
        return 1.0 / c
    raise _Fail


# ---------------------------------------------------------------- the pass
class _Rewriter:
    def __init__(self, fn: Function, uses: dict, bools: set, scalars) -> None:
        self.scalars = scalars
        self.fn = fn
        self.names = None  # the function's Names, made for the first rewrite kept
        self.skipped = 0  # fresh names the failed rewrites took before that
        self.uses = uses
        self.bools = bools
        self.changed = False
        # tree shape -> fresh names a failed rewrite of that shape used up (see attempt)
        self.failed: dict = {}

    def attempt(self, root: Eqn, defs: dict, absorbed: set):
        """:meth:`_Tree.rewrite` of ``root``, skipped when a tree of the same
        shape (:func:`_shape`) was already found not to be worth rewriting:
        the outcome is a function of the shape, and long functions repeat a
        few shapes thousands of times.  A rewrite is tried with throwaway
        names and made again with the function's when it is kept; a failed
        or skipped one still takes the fresh names it would have, so every
        later name is the same (and a function none of whose trees is
        rewritten never walks its variables for a :class:`Names`)."""
        shape = _shape(root, defs, absorbed, self.bools, self.scalars)
        if shape is None:
            return None  # a leaf or node the rewrite refuses before building
        if shape in self.failed:
            self.skipped += self.failed[shape]
            return None
        trial = Names()
        if _Tree(defs, absorbed, trial, self.bools, self.scalars).rewrite(root) is None:
            self.failed[shape] = trial.counter
            self.skipped += trial.counter
            return None
        if self.names is None:
            self.names = Names.for_function(self.fn)
        self.names.counter += self.skipped
        self.skipped = 0
        return _Tree(defs, absorbed, self.names, self.bools, self.scalars).rewrite(root)

    def block(self, block: Block) -> Block:
        if not _has_root(block):  # (a primal loop body: no tree to rewrite, no _defs)
            return self.controls(block)
        defs, absorbed = _defs(block, self.uses)
        drop: set = set()
        replace: dict = {}
        for name, s in defs.items():  # (in statement order: the names are taken in it)
            if name not in absorbed and _derivative(s):
                new = self.attempt(s, defs, absorbed)
                if new is not None:
                    eqns, removed = new
                    replace[s.outs[0]] = eqns
                    drop |= removed
        if not replace:  # (the block is kept: only its control statements may change)
            return self.controls(block)
        stmts: list = []
        for s in block.stmts:
            if isinstance(s, Eqn) and s.outs and s.outs[0] in replace:
                stmts += replace[s.outs[0]]
            elif isinstance(s, Eqn) and s.outs and s.outs[0] in drop:
                continue
            elif isinstance(s, Eqn):
                stmts.append(s)
            else:
                stmts.append(self.control(s))
        self.changed = True
        return Block(block.params, tuple(stmts), block.results)

    def controls(self, block: Block) -> Block:
        """``block`` with its control statements' blocks rewritten (itself if none changed)."""
        eqn = Eqn
        new = {k: self.control(s) for k, s in enumerate(block.stmts) if type(s) is not eqn}
        if all(new[k] is block.stmts[k] for k in new):
            return block
        stmts = tuple(new.get(k, s) for k, s in enumerate(block.stmts))
        return Block(block.params, stmts, block.results)

    def control(self, s):
        """``s`` with its blocks rewritten (``s`` itself when none changed)."""
        new = [self.block(b) for b in sub_blocks(s)]
        if all(a is b for a, b in zip(new, sub_blocks(s))):
            return s
        if isinstance(s, If):
            return If(s.outs, s.pred, new[0], new[1], s.loc)
        if isinstance(s, ForRange):
            return ForRange(s.outs, s.start, s.stop, s.step, s.inits, new[0], s.loc, s.reverse)
        return While(s.outs, s.inits, new[0], new[1], s.loc)


def _has_root(block: Block) -> bool:
    """Has ``block`` a tree's root (an arithmetic adjoint or tangent statement)?"""
    eqn, arith = Eqn, _ARITH
    for s in block.stmts:
        if type(s) is eqn and s.prim in arith and len(s.outs) == 1 and not s.params \
                and _derivative(s):
            return True
    return False


def _defs(block: Block, uses: dict) -> tuple:
    """``(defs, absorbed)``: the block's arithmetic statements by output name,
    and the names of those read once, by another of them (inner tree nodes).
    One loop: in SSA a value is defined before it is read."""
    defs: dict = {}
    absorbed: set = set()
    get, var, arith = uses.get, Var, _ARITH
    for s in block.stmts:
        if type(s) is Eqn and s.prim in arith and len(s.outs) == 1 and not s.params:
            for a in s.args:
                if type(a) is var and a.name in defs and get(a.name) == 1:
                    absorbed.add(a.name)
            defs[s.outs[0].name] = s
    return defs, absorbed


class _Tree:
    """One tree: its polynomial, then the factored statements."""

    def __init__(self, defs: dict, absorbed: set, names: Names, bools: set, scalars) -> None:
        self.defs, self.absorbed, self.names, self.bools = defs, absorbed, names, bools
        self.scalars = scalars
        self.leaves: list = []  # leaf number -> atom
        self.numbers: dict = {}
        self.removed: set = set()

    def rewrite(self, root: Eqn):
        self.line = root.loc.line
        try:
            poly = self.node(root)
        except _Fail:
            return None
        if not poly or any(c == 0 for c in poly.values()):
            return None  # a cancelled term: x*0 would hide a NaN or an infinity
        build = _Build(self.leaves, self.names, root.loc)
        try:
            result = build.poly(poly)
        except _Fail:
            return None
        if len(build.stmts) >= len(self.removed):
            return None
        last = build.stmts[-1] if build.stmts else None
        if last is None or last.outs[0] != result:
            return None  # the tree is a single leaf or constant: leave it to optimize
        stmts = build.stmts[:-1] + [Eqn(root.outs, last.prim, last.args, (), root.loc)]
        return stmts, self.removed

    def leaf(self, a) -> dict:
        if _number(a):
            return {(): a.value}
        if isinstance(a, Const):
            raise _Fail  # a bool, None, a tuple: not arithmetic
        if a in self.bools or (self.scalars is not None and a not in self.scalars):
            raise _Fail  # NumPy's bool + bool is a logical or: not arithmetic
        if a not in self.numbers:
            self.numbers[a] = len(self.leaves)
            self.leaves.append(a)
        return {((self.numbers[a], 1),): 1}

    def operand(self, a) -> dict:
        """A value computed for this tree alone, on the root's source line (each
        line keeps its comment), is expanded; anything else is a leaf."""
        if type(a) is Var and a.name in self.absorbed and a.name in self.defs \
                and self.defs[a.name].loc.line == self.line:
            return self.node(self.defs[a.name])
        return self.leaf(a)

    def node(self, e: Eqn) -> dict:
        if self.scalars is not None and e.outs[0] not in self.scalars:
            raise _Fail  # an array: NumPy elementwise code is arrays/' work
        if e.prim == "pow":
            if not (_number(e.args[1]) and isinstance(e.args[1].value, int)
                    and 1 <= e.args[1].value <= MAX_POWER):
                raise _Fail
            base = self.operand(e.args[0])
            out = base
            for _ in range(e.args[1].value - 1):
                out = _mul(out, base)
            self.removed.add(e.outs[0])
            return out
        args = [self.operand(a) for a in e.args]
        if e.prim == "add":
            out = _add(args[0], args[1])
        elif e.prim == "sub":
            out = _add(args[0], args[1], -1)
        elif e.prim == "neg":
            out = {m: -c for m, c in args[0].items()}
        elif e.prim == "mul":
            out = _mul(args[0], args[1])
        else:
            out = _mul(args[0], _inverse(args[1]))
        self.removed.add(e.outs[0])
        return out


def _shape(root: Eqn, defs: dict, absorbed: set, bools: set, scalars):
    """What :meth:`_Tree.rewrite` of ``root`` depends on, as a hashable key:
    the tree's operations, which leaves are the same value (numbered in the
    order the tree reads them) and the constants (by ``repr``: ``1`` and
    ``1.0``, ``0.0`` and ``-0.0`` differ).  None where the rewrite would give
    up before building anything (a bool or array leaf, an odd power): the
    same walk as :meth:`_Tree.node`, without the polynomials."""
    try:
        return _ShapeWalk(root.loc.line, defs, absorbed, bools, scalars).node(root)
    except _Fail:
        return None


class _ShapeWalk:
    """The walk of :func:`_shape`.  A class, not two closures calling each
    other: such closures form a reference cycle (through their cells) that
    keeps ``defs`` (the whole IR) alive until the cyclic collector runs, and
    that collection was a tenth of compiling a long function."""

    __slots__ = ("line", "defs", "absorbed", "bools", "scalars", "numbers")

    def __init__(self, line, defs: dict, absorbed: set, bools: set, scalars):
        self.line, self.defs, self.absorbed = line, defs, absorbed
        self.bools, self.scalars, self.numbers = bools, scalars, {}

    def operand(self, a):
        defs = self.defs
        if type(a) is Var and a.name in self.absorbed and a.name in defs \
                and defs[a.name].loc.line == self.line:
            return self.node(defs[a.name])
        if _number(a):
            return repr(a.value)
        scalars = self.scalars
        if isinstance(a, Const) or a in self.bools or (scalars is not None and a not in scalars):
            raise _Fail
        return self.numbers.setdefault(a.name, len(self.numbers))

    def node(self, e: Eqn):
        if self.scalars is not None and e.outs[0] not in self.scalars:
            raise _Fail
        if e.prim == "pow":
            k = e.args[1]
            if not (_number(k) and isinstance(k.value, int) and 1 <= k.value <= MAX_POWER):
                raise _Fail
            return ("pow", self.operand(e.args[0]), k.value)
        return (e.prim,) + tuple(self.operand(a) for a in e.args)


def _derivative(e: Eqn) -> bool:
    """An adjoint statement, or a tangent's (forward mode keeps the primal's
    line, and names the tangent ``x_dot``): primal values are never rewritten,
    so ``value_and_grad`` returns exactly what ``f`` computes."""
    hint = e.outs[0].hint
    return e.loc.role == "adjoint" or (hint.startswith("~") and hint.endswith("_dot"))


def _inverse(p: dict) -> dict:
    """``1 / p`` for a single monomial ``p`` (with an exactly invertible coefficient)."""
    if len(p) != 1:
        raise _Fail
    (m, c), = p.items()
    return {tuple((leaf, -k) for leaf, k in m): _exact_inverse(c)}


class _Build:
    """Statements computing a polynomial, factored; identical operations shared."""

    def __init__(self, leaves: list, names: Names, loc) -> None:
        self.leaves, self.names, self.loc = leaves, names, loc
        self.stmts: list = []
        self.memo: dict = {}

    def emit(self, prim: str, *args):
        key = (prim, args)
        if key not in self.memo:
            out = self.names.fresh("")
            self.stmts.append(Eqn((out,), prim, args, (), self.loc))
            self.memo[key] = out
        return self.memo[key]

    def poly(self, poly: dict):
        terms = list(poly.items())
        if len(terms) == 1:
            return self.signed(*terms[0])
        common = _common(terms)
        if common:
            terms = [(_mono_mul(m, tuple((leaf, -k) for leaf, k in common)), c)
                     for m, c in terms]
        scale = abs(terms[0][1])
        if scale != 1 and all(abs(c) == scale for _, c in terms):
            # 2*a - 2*b: 2 * (a - b); the coefficients become exactly +-1
            terms = [(m, 1 if c > 0 else -1) for m, c in terms]
        else:
            scale = 1
        out = self.sum(terms)
        if common:
            out = self.emit("mul", self.monomial(common), out)
        return out if scale == 1 else self.emit("mul", Const(scale), out)

    def sum(self, terms: list):
        terms = sorted(terms, key=lambda t: t[1] < 0)  # a positive term first (stable)
        acc = self.signed(*terms[0])
        for m, c in terms[1:]:
            acc = self.emit("sub" if c < 0 else "add", acc, self.term(m, abs(c)))
        return acc

    def signed(self, m: tuple, c):
        if c < 0:
            return self.emit("neg", self.term(m, -c))
        return self.term(m, c)

    def term(self, m: tuple, c):
        if not m:
            return Const(c)
        if m[0][1] < 0 and c != 1:  # c / x rather than c * (1.0 / x)
            return self.monomial(m, Const(c))
        body = self.monomial(m)
        return body if c == 1 else self.emit("mul", Const(c), body)

    def monomial(self, m: tuple, acc=None):
        for leaf, k in m:
            atom = self.leaves[leaf]
            for _ in range(abs(k)):
                if k > 0:
                    acc = atom if acc is None else self.emit("mul", acc, atom)
                else:
                    acc = self.emit("div", Const(1.0) if acc is None else acc, atom)
        return acc


def _common(terms: list) -> tuple:
    """The monomial dividing every term: each leaf at the power nearest zero
    that it has, with one sign, in all of them."""
    first = dict(terms[0][0])
    common = []
    for leaf, k in first.items():
        ks = [dict(m).get(leaf, 0) for m, _ in terms]
        if all(x > 0 for x in ks):
            common.append((leaf, min(ks)))
        elif all(x < 0 for x in ks):
            common.append((leaf, max(ks)))
    return tuple(common)
