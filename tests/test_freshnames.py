"""optimize/freshnames.py's ``names_past`` makes the names
``Names.for_function`` makes (issue 18: it skips the set of every name), on
every corpus function, its gradient, and IR built to trip its shortcut
(names with leading zeros, names longer than the numbered ones, none)."""
import pytest

from adcompiler.core.ir import Block, Const, Eqn, Function, Names, Var
from adcompiler.frontend.program import lower_program
from adcompiler.frontend.source import load_live
from adcompiler.optimize.freshnames import names_past
from adcompiler.transform.reverse import reverse_function

import corpus


def same_names(fn, count=5):
    ours, theirs = names_past(fn), Names.for_function(fn)
    assert [ours.fresh("h") for _ in range(count)] == [theirs.fresh("h") for _ in range(count)]


@pytest.mark.parametrize("name,f,point,wrt", corpus.cases(), ids=[c[0] for c in corpus.cases()])
def test_corpus_functions_and_gradients(name, f, point, wrt):
    program, key = lower_program(load_live(f))
    for fn in program.functions.values():
        same_names(fn)
    same_names(reverse_function(program.functions[key], wrt)[0])


def _fn(*names):
    """A function binding ``names`` (the first is its parameter)."""
    x = Var(names[0])
    stmts = tuple(Eqn((Var(n),), "add", (x, Const(1)), ()) for n in names[1:])
    return Function("f", (x,), Block((), stmts, (x,)))


@pytest.mark.parametrize("names", [
    ("x", "v1", "v2", "v10"),
    ("a_long_parameter", "v3", "v12"),  # a longer name than every number
    ("x", "v007", "v12"),  # leading zeros: 7, not the longest
    ("x", "v0999", "v1000"),
    ("x", "v0999", "v998"),
    ("v", "w"),  # no numbered name
    ("x", "v12x", "v9"),
    ("x",),
])
def test_edge_names(names):
    same_names(_fn(*names))
