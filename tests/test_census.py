"""The census (adcompiler/frontend/census.py) walks a function once and lets
the frontend skip its other whole-function walks: on every function of the
corpus, the array corpus and the bad inputs, what it reports, and every
check it gates, must agree with the separate walks it replaces."""
from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from adcompiler.core.astwalk import ast_walk
from adcompiler.emit.globalnames import identifiers_in
from adcompiler.frontend import checks, prepass
from adcompiler.frontend.appends import rewrite_appends
from adcompiler.frontend.census import Census, census
from adcompiler.frontend.closures import defines_functions
from adcompiler.frontend.comprehensions import has_comprehension
from adcompiler.frontend.desugar import desugar
from adcompiler.frontend.source import load_live
from adcompiler.frontend.syntax import assigned, assigned_and_loop_targets

from corpus import ARRAY_CORPUS, CORPUS

BAD = sorted((Path(__file__).parent / "bad_inputs").glob("*.py"))


def bad_input_functions() -> list:
    """Every ``def`` (nested ones too) of the bad inputs that parse."""
    out = []
    for path in BAD:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue  # no function to take a census of
        out += [(f"{path.stem}:{n.name}", n) for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


LIVE = [(fn.__name__, fn) for fn, *_ in CORPUS + ARRAY_CORPUS]
NODES = bad_input_functions() + [(name, load_live(fn).node) for name, fn in LIVE]


def test_the_corpus_is_there():
    assert len(BAD) > 50 and len(NODES) > 100


@pytest.mark.parametrize("name,node", NODES, ids=[n for n, _ in NODES])
def test_census_finds_what_the_walks_find(name, node):
    seen = Census(node)
    walked = list(ast_walk(node))
    assert seen.stored == set(assigned(node.body))
    assert seen.stored | seen.head_stored == {
        n.id for n in walked if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assert seen.identifiers == identifiers_in(node)
    assert seen.may_yield() == any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walked)
    if not seen.may_append():
        sf = types.SimpleNamespace(node=node, env=None)
        assert rewrite_appends(sf, node.body) is node.body
    if not seen.may_float_text():
        assert not any(prepass._float_of_text(n) for n in walked)
    if not seen.rewritten():
        assert not any(has_comprehension(s) for s in node.body)
        assert not defines_functions(node.body)
    if not seen.may_ifexp():
        assert not any(isinstance(n, ast.IfExp) for n in walked)


@pytest.mark.parametrize("name,fn", LIVE, ids=[n for n, _ in LIVE])
def test_gated_checks_give_what_the_ungated_ones_do(name, fn):
    """The desugared body, and the nesting check over it, are the same with
    the census's gates as with every walk run."""
    sf = load_live(fn)
    body = desugar(sf)
    assert census(sf) is census(sf)  # taken once per node
    everything = types.SimpleNamespace(**vars(census(sf)))
    everything.rewritten = everything.may_append = everything.may_float_text = \
        everything.may_ifexp = lambda: True
    gated = checks._nesting(body, 1, checks._ifexp_depth if census(sf).may_ifexp()
                            else checks._none)
    assert gated == checks._nesting(body, 1, checks._ifexp_depth)
    sf._census = everything
    assert ast.dump(ast.Module(desugar(sf), [])) == ast.dump(ast.Module(body, []))


def test_a_changed_node_gets_a_new_census():
    def f(x):
        return x

    def g(y):
        z = y
        return z

    sf = load_live(f)
    assert census(sf).stored == set()
    sf.node = load_live(g).node
    assert census(sf).stored == {"z"}


def loop_targets_walked(stmts: list) -> set:
    """The separate walk :func:`assigned_and_loop_targets` replaced."""
    found = set()
    for s in stmts:
        for node in ast_walk(s):
            if isinstance(node, ast.For):
                found |= {n.id for n in ast_walk(node.target) if isinstance(n, ast.Name)}
            if isinstance(node, (ast.For, ast.While)):
                found |= set(getattr(node, "adc_targets", ()))
    return found


@pytest.mark.parametrize("name,fn", LIVE, ids=[n for n, _ in LIVE])
def test_loop_bodies_one_walk(name, fn):
    """Every loop body of the desugared function (where loops.py marked its
    ``adc_targets``): one walk finds what ``assigned`` and the loop-target
    walk found."""
    bodies = [desugar(load_live(fn))]
    bodies += [n.body for n in ast.walk(ast.Module(bodies[0], []))
               if isinstance(n, (ast.For, ast.While))]
    for body in bodies:
        assert assigned_and_loop_targets(body) == (assigned(body), loop_targets_walked(body))
