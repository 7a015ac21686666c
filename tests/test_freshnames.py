"""``Names.for_function`` makes the names the set of every name the function
binds would allow (issue 18: it keeps no such set, and reads only the
longest names as numbers), on every corpus function, its gradient, and IR
built to trip its shortcut (names with leading zeros, names longer than the
numbered ones, none)."""
import pytest

from adcompiler.core.ir import Block, Const, Eqn, Function, Names, Var, _index, all_vars
from adcompiler.frontend.program import lower_program
from adcompiler.frontend.source import load_live
from adcompiler.transform.reverse import reverse_function

import corpus


def _with_every_name(fn) -> Names:
    """The reference: the set of every name ``fn`` binds, counting on past the
    highest ``v<digits>`` of them (what ``for_function`` did before)."""
    taken = {v.name for v in all_vars(fn)}
    names = Names(tuple(taken))
    names.counter = max(map(_index, taken), default=0)
    return names


def same_names(fn, count=5):
    ours, theirs = Names.for_function(fn), _with_every_name(fn)
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
