"""The one intermediate representation every pass reads and writes.

A function is a list of parameters, a body and its results, in SSA form: each
:class:`Var` is bound exactly once.  Control flow is *structured*, never a
graph of jumps, so that every pass is a plain recursion over nested blocks:

* :class:`Eqn` -- one primitive applied to atoms (the Wengert-list entry);
* :class:`If` -- two blocks and the values that merge after them;
* :class:`ForRange` -- ``for i in range(start, stop, step)`` with loop-carried
  values (block parameters play the role of phi nodes);
* :class:`While` -- a condition block and a body block over carried values.

Blocks may read any variable bound in an enclosing block before them (lexical
scope), which keeps the IR close to the Python it comes from and goes back to.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Union

from .node import node
from .var import Var


@node
class Const:
    """A literal: a float, int, bool, None or a tuple of those."""

    value: object

    def __repr__(self) -> str:
        return repr(self.value)

    def __eq__(self, other: object) -> bool:  # 0.0 and -0.0, 1 and True differ here
        return (isinstance(other, Const) and type(self.value) is type(other.value)
                and _same(self.value, other.value))

    def __hash__(self) -> int:
        return hash((type(self.value).__name__, repr(self.value)))


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return repr(a) == repr(b)  # distinguishes -0.0 and treats nan as equal to nan
    return a == b


Atom = Union[Var, Const]


@node
class Loc:
    """Where a statement came from: source line and column, and the line's text."""

    line: int = 0
    col: int = 0
    text: str = ""
    # '' for primal code (forward mode's tangent code keeps its primal's Loc),
    # 'adjoint' for the adjoint sweep (commented "adjoint of line N"), 'tape'
    # for the creation of a loop's tape at the top of the function
    role: str = ""


NOLOC = Loc()


@node
class Eqn:
    """``outs = prim(*args, **params)``: one primitive, one Wengert-list line."""

    outs: tuple
    prim: str
    args: tuple
    params: tuple = ()  # sorted (key, value) pairs of static parameters
    loc: Loc = NOLOC

    @property
    def out(self) -> Var:
        return self.outs[0]

    def param(self, key: str, default: object = None) -> object:
        for k, v in self.params:
            if k == key:
                return v
        return default


def _eqn_init(self, outs: tuple, prim: str, args: tuple, params: tuple = (),
              loc: Loc = NOLOC) -> None:
    """The dataclass's ``__init__`` (the same arguments), its slots set
    through their descriptors: the frozen dataclass's own calls
    ``object.__setattr__`` per field, and an Eqn is made for every statement
    of every pass (core/var.py does the same for Var)."""
    set_outs, set_prim, set_args, set_params, set_loc = _EQN_SLOTS
    set_outs(self, outs)
    set_prim(self, prim)
    set_args(self, args)
    set_params(self, params)
    set_loc(self, loc)


_EQN_SLOTS = (Eqn.outs.__set__, Eqn.prim.__set__, Eqn.args.__set__, Eqn.params.__set__,
              Eqn.loc.__set__)
Eqn.__init__ = _eqn_init


@node
class Block:
    """A sequence of statements.  ``params`` are bound on entry (loop index and
    carried values); ``results`` are what the block hands to its parent."""

    params: tuple
    stmts: tuple
    results: tuple


@node
class If:
    outs: tuple
    pred: Atom
    then: Block
    orelse: Block
    loc: Loc = NOLOC


@node
class ForRange:
    """``for idx in range(start, stop, step)``; ``body.params`` is
    ``(idx, *carried)`` and ``body.results`` the next carried values."""

    outs: tuple
    start: Atom
    stop: Atom
    step: Atom
    inits: tuple
    body: Block
    loc: Loc = NOLOC
    reverse: bool = False  # iterate ``reversed(range(...))`` (adjoint loops)


@node
class While:
    """``cond.params`` and ``body.params`` are the carried values;
    ``cond.results`` is ``(predicate,)``."""

    outs: tuple
    inits: tuple
    cond: Block
    body: Block
    loc: Loc = NOLOC


Stmt = Union[Eqn, If, ForRange, While]


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple  # Vars
    body: Block  # body.params == (); body.results are the outputs
    defaults: tuple = ()  # (param name, Const) pairs, for emission
    filename: str = "<unknown>"
    source_line: int = 0

    def __str__(self) -> str:  # print(fn): the jaxpr-like form of core/pretty.py
        from .pretty import pformat
        return pformat(self)


@dataclass(frozen=True)
class Module:
    """Several functions emitted together (a gradient and the helpers it calls)."""

    functions: tuple

    def __str__(self) -> str:
        from .pretty import pformat_module
        return pformat_module(self)


# ---------------------------------------------------------------- traversal
def sub_blocks(stmt: Stmt) -> tuple:
    if isinstance(stmt, Eqn):  # the commonest statement, asked first
        return ()
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, ForRange):
        return (stmt.body,)
    return (stmt.cond, stmt.body) if isinstance(stmt, While) else ()


def stmt_inputs(stmt: Stmt) -> tuple:
    """Atoms a statement reads directly (not counting its nested blocks)."""
    if isinstance(stmt, Eqn):
        return stmt.args
    if isinstance(stmt, If):
        return (stmt.pred,)
    if isinstance(stmt, ForRange):
        return (stmt.start, stmt.stop, stmt.step) + stmt.inits
    return stmt.inits


def walk(block: Block) -> Iterator[Stmt]:
    """Every statement in a block and its nested blocks, outer first."""
    for stmt in block.stmts:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from walk(sub)


def free_vars(block: Block) -> set:
    """Variables read in ``block`` (recursively) but bound outside it."""
    reads: dict = {}
    bound: set = set()
    _ordered_reads(block, reads, bound)
    return {v for name, v in reads.items() if name not in bound}


def reads_and_binds(block: Block) -> tuple:
    """(variables read in ``block``, recursively; variables it binds)."""
    reads: dict = {}
    _ordered_reads(block, reads, set())
    return set(reads.values()), bound_vars(block)


def uses(block: Block) -> dict:
    """How many times each variable is read in ``block`` (recursively).
    (The reads are gathered into one list and counted by ``Counter``'s C
    loop: at 10 000 statements a dict update per read was most of the
    schedule pass.)"""
    return dict(Counter([a for a in reads_in(block) if isinstance(a, Var)]))


def reads_in(block: Block) -> list:
    """Every atom ``block`` reads (recursively; a variable once per read)."""
    reads: list = []
    _add_reads(block, reads)
    return reads


def _add_reads(b: Block, reads: list) -> None:
    """(Module level, not a closure calling itself: such a closure is a
    reference cycle, freed only by the cyclic collector; see
    core/gcpause.py.)"""
    for stmt in b.stmts:
        if type(stmt) is Eqn:
            reads.extend(stmt.args)
            continue
        reads.extend(stmt_inputs(stmt))
        for sub in sub_blocks(stmt):
            _add_reads(sub, reads)
    reads.extend(b.results)


# ---------------------------------------------------------------- builder
class Names:
    """Fresh SSA names for one function: ``v1, v2, ...`` in creation order."""

    def __init__(self, taken: tuple = ()) -> None:
        self.counter = 0
        self.taken = set(taken)

    def fresh(self, hint: str = "") -> Var:
        taken, n = self.taken, self.counter + 1  # (locals: the passes' commonest call)
        name = f"v{n}"
        while name in taken:
            n += 1
            name = f"v{n}"
        self.counter = n
        taken.add(name)
        return Var(name, hint)

    @staticmethod
    def for_function(fn: Function) -> "Names":
        """Fresh names for ``fn``: counting on past its highest ``v<digits>``
        name.  A name past the highest is never one ``fn`` binds, nor is any
        later one (the counter only grows), so no set of ``fn``'s names is
        kept: ``taken`` starts empty (a caller adds names it must avoid)."""
        found = [v.name for v in fn.params]
        _bound_names(fn.body, found)  # one walk of the IR
        names = Names()
        names.counter = _highest_index(found)
        return names


def _bound_names(block: Block, found: list) -> None:
    """Add the name of every variable ``block`` binds (recursively) to
    ``found``: one comprehension per block (every pass that makes fresh
    names starts with this walk)."""
    stmts = block.stmts
    found += [p.name for p in block.params]
    found += [o.name for s in stmts for o in s.outs]
    for s in stmts:
        if type(s) is not Eqn:
            for sub in sub_blocks(s):
                _bound_names(sub, found)


def _index(name: str) -> int:
    """The number of a name ``v<digits>`` (0 for any other name)."""
    return int(name[1:]) if name[:1] == "v" and name[1:].isdigit() else 0


def _highest_index(names) -> int:
    """``max(map(_index, names), default=0)``, read from the longest names
    alone when they are all ``v<digits>`` without a leading zero (then the
    longest is the highest), else from every name by ``filter`` and ``map``
    in C."""
    names = list(names)
    size = max(map(len, names), default=0)
    top = [n for n in names if len(n) == size]
    if size > 1 and all(n[:1] == "v" and n[1:].isdigit() and n[1:2] != "0" for n in top):
        return max(map(int, [n[1:] for n in top]))
    digits = filter(str.isdigit, [n[1:] for n in names if n[:1] == "v"])
    return max(map(int, digits), default=0)


def all_vars(fn: Function) -> Iterator[Var]:
    yield from fn.params
    yield from _block_vars(fn.body)


def _block_vars(b: Block) -> Iterator[Var]:
    yield from b.params
    for stmt in b.stmts:
        yield from stmt.outs
        for sub in sub_blocks(stmt):
            yield from _block_vars(sub)


class Builder:
    """Appends statements to a block under construction."""

    def __init__(self, names: Names, loc: Loc = NOLOC) -> None:
        self.names = names
        self.stmts: list = []
        self.loc = loc

    def eqn(self, prim: str, *args: Atom, hint: str = "", nouts: int = 1, **params) -> Atom:
        fresh = self.names.fresh  # (one output and no parameters: the common case, no loops)
        outs = (fresh(hint),) if nouts == 1 else tuple(fresh(hint) for _ in range(nouts))
        self.stmts.append(Eqn(outs, prim, args, tuple(sorted(params.items())) if params else (),
                              self.loc))
        return outs[0] if nouts == 1 else outs

    def emit(self, stmt: Stmt) -> None:
        self.stmts.append(stmt)

    def named(self, atom, hint: str):
        """Give the temporary the last equation just made a hint (the same SSA
        variable, which is identified by its name), so emitted code can call it
        ``w_bar`` or ``x_dot`` or after the user's variable instead of ``_t3``."""
        last = self.stmts[-1] if self.stmts else None
        if (hint and isinstance(atom, Var) and not atom.hint and isinstance(last, Eqn)
                and last.outs == (atom,)):
            named = Var(atom.name, hint)
            self.stmts[-1] = Eqn((named,), last.prim, last.args, last.params, last.loc)
            return named
        return atom

    def block(self, results: tuple, params: tuple = ()) -> Block:
        return Block(tuple(params), tuple(self.stmts), tuple(results))

    def child(self) -> "Builder":
        return Builder(self.names, self.loc)


# ---------------------------------------------------------------- printing
def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def derived(hint: str, suffix: str = "") -> str:
    """The hint of a value the compiler made from ``hint`` (``w`` -> ``w_bar``).
    The leading ``~`` tells the emitter that the user does not own this name."""
    return "~" + hint.lstrip("~") + suffix


# ---------------------------------------------------------------- rewriting
def substitute(block: Block, mapping: dict) -> Block:
    """Replace every *read* of a variable in ``mapping`` (recursively).  An
    equation that reads none is kept as it is (most, in a long loop body)."""
    return _Substitution(mapping).block(block) if mapping else block


class _Substitution:
    """The walk of :func:`substitute` (a class: closures calling each other
    would form a reference cycle holding ``mapping`` until the cyclic
    collector runs)."""

    __slots__ = ("mapping",)

    def __init__(self, mapping: dict) -> None:
        self.mapping = mapping

    def atom(self, a):
        return self.mapping.get(a, a) if isinstance(a, Var) else a

    def atoms(self, xs) -> tuple:
        return tuple(self.atom(a) for a in xs)

    def stmt(self, s):
        if type(s) is Eqn:
            mapping = self.mapping
            for a in s.args:
                if type(a) is Var and a in mapping:
                    return Eqn(s.outs, s.prim, self.atoms(s.args), s.params, s.loc)
            return s
        atom, block = self.atom, self.block
        if isinstance(s, If):
            return If(s.outs, atom(s.pred), block(s.then), block(s.orelse), s.loc)
        if isinstance(s, ForRange):
            return ForRange(s.outs, atom(s.start), atom(s.stop), atom(s.step),
                            self.atoms(s.inits), block(s.body), s.loc, s.reverse)
        return While(s.outs, self.atoms(s.inits), block(s.cond), block(s.body), s.loc)

    def block(self, b: Block) -> Block:
        stmt = self.stmt
        return Block(b.params, tuple(stmt(s) for s in b.stmts), self.atoms(b.results))


def bound_vars(block: Block) -> set:
    """Variables bound anywhere inside ``block`` (its params included)."""
    out = set(block.params)
    for s in block.stmts:
        out.update(s.outs)
        for sub in sub_blocks(s):
            out |= bound_vars(sub)
    return out


def ordered_free_vars(block: Block) -> list:
    """:func:`free_vars` in order of first reading, for deterministic output
    (one walk: the reads in order, then those ``block`` does not bind)."""
    reads: dict = {}
    bound: set = set()
    _ordered_reads(block, reads, bound)
    return [v for name, v in reads.items() if name not in bound]


def _ordered_reads(block: Block, reads: dict, bound: set) -> None:
    """``reads``: name -> the variable, each first read in walk order;
    ``bound``: the names bound.  (Names, not Vars: a str hashes in C.)"""
    bound.update(p.name for p in block.params)
    var = Var
    for s in block.stmts:
        for a in (s.args if type(s) is Eqn else stmt_inputs(s)):
            if type(a) is var and a.name not in reads:
                reads[a.name] = a
        if type(s) is not Eqn:
            for sub in sub_blocks(s):
                _ordered_reads(sub, reads, bound)
        for o in s.outs:
            bound.add(o.name)
    for a in block.results:
        if type(a) is var and a.name not in reads:
            reads[a.name] = a


# the IR's check, in a module of its own (re-exported: passes and tests ask ir for it)
from .verify import IRError, verify  # noqa: E402,F401
