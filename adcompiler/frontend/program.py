"""The functions reachable from an entry point, lowered on demand, and the
names their helpers get so that no emitted name meets one the user wrote."""
from __future__ import annotations

import re

from ..errors import CompileError
from .census import census
from .custom_rules import Custom, custom_kind, lower_rules
from .desugar import returns_of
from .lower import Lowerer
from .source import SourceFunction


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
        self.custom: dict = {}  # key -> custom_rules.Custom (@custom_vjp, @custom_jvp)
        self.rule_sources: dict = {}  # key_fwd, key_bwd, key_jvp -> the rule's SourceFunction

    def request(self, sf: SourceFunction) -> str:
        # a method bound to another instance is another function
        ident = (sf.filename, sf.node.lineno, sf.node.name, id(getattr(sf.env, "instance", None)))
        if ident in self._by_node:
            return self._by_node[ident]
        key = sf.name
        while key in self.sources or key in self.rule_sources or \
                (self.sources and self.clashes(key, self.avoid)):
            # a trailing _ keeps h_fwd derived from h: a leading one does not
            key = key + "_" if key in self.sources else "_" + key
        self._by_node[ident] = key
        self.sources[key] = sf
        self.arity[key] = returns_of(sf)
        kind = custom_kind(sf)
        if not kind:
            self.functions[key] = Lowerer(sf, self, key).lower()
            return key
        info = self.custom[key] = Custom(kind, len(sf.node.args.args), self.arity[key],
                                         line=sf.node.lineno)
        try:
            self.functions[key] = Lowerer(sf, self, key).lower()
        except CompileError:  # an opaque body: its rules differentiate it (emit/opaque.py)
            info.opaque = sf
        lower_rules(self, key, sf, info)
        return key

    def add_rule(self, key: str, sf: SourceFunction, fn) -> None:
        """A custom function's rule, lowered as ``key`` (``f_fwd``, ``f_bwd``, ``f_jvp``)."""
        if key in self.sources:
            raise sf.error(f"the rule function {key} would have the name of the function "
                           f"{key} it calls; rename one of them", sf.node, "custom rule")
        self.rule_sources[key] = sf
        self.functions[key] = fn

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
    """Every identifier in the user's sources: emitted names must avoid them.
    Walked once per program and set of sources (lowering and emission ask)."""
    nodes = tuple(sf.node for sf in program.sources.values())
    cached = program.__dict__.get("_identifiers")
    if cached is None or len(cached[0]) != len(nodes) or \
            any(a is not b for a, b in zip(cached[0], nodes)):
        cached = program._identifiers = (nodes, set().union(
            *(census(sf).identifiers for sf in program.sources.values())))
    return set(cached[1])
