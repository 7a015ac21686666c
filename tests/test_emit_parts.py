"""The parts of emission and the passes that feed it (issue 13): the tape-walk
IR pass before DCE, exact ``a + a -> 2 * a``, and the split emitter
(naming, liveness, inlining, expressions) with the small interface array
emission uses."""
import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest

import adcompiler
import corpus
from adcompiler.core.ir import Block, Const, Eqn, ForRange, Function, Var, While, verify
from adcompiler.core.pretty import dump
from adcompiler.emit.inlining import Inlining
from adcompiler.emit.liveness import Liveness, Ownership
from adcompiler.emit.naming import Namer
from adcompiler.optimize.passes import finish, simplify
from adcompiler.optimize.tapes import walk_tapes, walked_loops
from oracles import dual_grad

PKG = Path(adcompiler.__file__).parent


def _central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# ---------------------------------------------------------------- tape walks
def _while_with_tape(counter_init=Const(0), step=Const(1)):
    """The shape reverse mode gives ``while s < 10: s = s + x``: a counted
    while loop pushing ``s``, and an adjoint loop over the count popping it."""
    x, t = Var("v1", "x"), Var("v2", "~tape")
    cs, ct, p = Var("v3"), Var("v4"), Var("v5")
    bs, bt, s2, tr2 = Var("v6", "s"), Var("v7", "~trips"), Var("v8", "s"), Var("v9", "~trips")
    sout, trips = Var("v10", "s"), Var("v11", "~trips")
    i, a, v, a2, acc = (Var("v12"), Var("v13", "~acc"), Var("v14", "s"), Var("v15", "~acc"),
                        Var("v16", "~acc"))
    loop = While((sout, trips), (Const(0.0), counter_init),
                 Block((cs, ct), (Eqn((p,), "lt", (cs, Const(10.0))),), (p,)),
                 Block((bs, bt), (Eqn((), "push", (t, bs)), Eqn((s2,), "add", (bs, x)),
                                  Eqn((tr2,), "add", (bt, step))), (s2, tr2)))
    adj = ForRange((acc,), Const(0), trips, Const(1), (Const(0.0),),
                   Block((i, a), (Eqn((v,), "pop", (t,)), Eqn((a2,), "add", (a, v))), (a2,)))
    fn = Function("f", (x,), Block((), (Eqn((t,), "new_tape", ()), loop, adj), (acc,)))
    verify(fn)
    return fn


WALKED = """\
def f(v1):
    v2 = new_tape()
    v10, v11 = while from (0.0, 0):
      ? params v3, v4
      ? v5 = lt(v3, 10.0)
      ? -> v5
        params v6, v7
        _ = push(v2, v6)
        v8 = add(v6, v1)
        v9 = add(v7, 1)
        -> v8, v9
    v17 = tape_len(v2)
    v16 = for range(0, v17, 1) from (0.0):
        params v12, v13
        v14 = pop(v2)
        v15 = add(v13, v14)
        -> v15
    -> v16"""

FINISHED = """\
def f(v1):
    v2 = new_tape()
    v10 = while from (0.0):
      ? params v3
      ? v5 = lt(v3, 10.0)
      ? -> v5
        params v6
        _ = push(v2, v6)
        v8 = add(v6, v1)
        -> v8
    v17 = tape_len(v2)
    v16 = for range(0, v17, 1) from (0.0):
        params v12, v13
        v14 = pop(v2)
        v15 = add(v13, v14)
        -> v15
    -> v16"""


def test_tape_walk_bounds_the_adjoint_loop_by_the_tape_length():
    walked = walk_tapes(_while_with_tape())
    verify(walked)
    assert dump(walked) == WALKED
    assert len(walked_loops(walked.body)) == 1


def test_dce_after_the_walk_removes_the_trip_counter():
    fn = _while_with_tape()
    assert "v11" in dump(fn)
    done = finish(fn)
    verify(done)
    assert dump(done) == FINISHED


@pytest.mark.parametrize("init,step", [(Const(1), Const(1)), (Const(0), Const(2))])
def test_tape_walk_needs_a_proof_of_the_trip_count(init, step):
    fn = _while_with_tape(init, step)  # the count is not the number of pushes
    assert walk_tapes(fn) is fn
    assert finish(fn) is fn


def test_tape_walk_leaves_a_loop_reading_its_index_alone():
    fn = _while_with_tape()
    adj = fn.body.stmts[2]
    i, a = adj.body.params
    v, a2 = Var("v14", "s"), Var("v15", "~acc")
    body = Block((i, a), (Eqn((v,), "pop", (adj.body.stmts[0].args[0],)),
                          Eqn((a2,), "add", (a, i))), (a2,))
    adj2 = ForRange(adj.outs, adj.start, adj.stop, adj.step, adj.inits, body)
    fn2 = Function("f", fn.params, Block((), fn.body.stmts[:2] + (adj2,), fn.body.results))
    assert walk_tapes(fn2) is fn2


def test_dead_while_counter_is_gone_from_emitted_code():
    text = adcompiler.source(corpus.data_while, wrt=0)
    assert "trips" not in text
    assert "for k in reversed(tape):" in text
    g = adcompiler.grad(corpus.data_while)
    for x in (0.7, 2.3):
        assert g(x) == pytest.approx(_central(corpus.data_while, x), rel=1e-6)


def test_early_return_loop_without_counter_still_correct():
    text = adcompiler.source(corpus.early_return, wrt=0)
    assert "trips" not in text
    g = adcompiler.grad(corpus.early_return)
    for x in (0.3, 0.01):
        assert g(x) == pytest.approx(dual_grad(corpus.early_return, (x,), (0,))[0], rel=1e-9)


def test_tape_len_is_spelled_len_when_not_walked():
    """A loop that is no longer the walked form still computes its count."""
    fn = walk_tapes(_while_with_tape())
    adj = fn.body.stmts[3]
    a = adj.body.params[1]
    pop, add = adj.body.stmts
    w, a2 = Var("v20"), Var("v21", "~acc")
    body = Block(adj.body.params, (Eqn((w,), "mul", (a, Const(0.5))), pop,
                                   Eqn((a2,), "add", (w, pop.outs[0]))), (a2,))
    moved = Function("f", fn.params, Block((), fn.body.stmts[:3] + (
        ForRange(adj.outs, adj.start, adj.stop, adj.step, adj.inits, body),), fn.body.results))
    from adcompiler.emit.emitter import emit_function
    from adcompiler.emit.printer import to_source
    node, _ = emit_function(moved, set())
    text = to_source(ast.Module([node], []))
    assert "for _ in range(len(tape)):" in text, text
    namespace: dict = {}
    exec(text, namespace)
    s, n, want = 0.0, 0, 0.0  # the same loop by hand: acc = acc / 2 + s, s newest first
    stack = []
    while s < 10:
        stack.append(s)
        s += 3.0
    for v in reversed(stack):
        want = want * 0.5 + v
    assert namespace["f"](3.0) == want


# ---------------------------------------------------------------- a + a
def _one_add(lhs_prim, hint=""):
    x, y, z = Var("v1", "x"), Var("v2", hint), Var("v3")
    stmts = (Eqn((y,), lhs_prim, (x,)),) if lhs_prim else ()
    y = y if lhs_prim else x
    return Function("f", (x,), Block((), stmts + (Eqn((z,), "add", (y, y)),), (z,)))


@pytest.mark.parametrize("prim,two", [("sin", "2.0"), ("int", "2")])
def test_a_plus_a_becomes_two_times_a_for_a_number(prim, two):
    """A float doubles as ``2.0 * a`` (CPython's fast float product), an int
    as ``2 * a`` (it stays an int)."""
    out = simplify(_one_add(prim))
    assert dump(out).splitlines()[2] == f"    v3 = mul({two}, v2)"


def test_a_plus_a_becomes_two_times_a_for_an_adjoint():
    x, g, z = Var("v1", "x"), Var("v2", "~x_bar"), Var("v3")
    fn = Function("f", (x, g), Block((), (Eqn((z,), "add", (g, g)),), (z,)))
    assert "v3 = mul(2.0, v2)" in dump(simplify(fn))


@pytest.mark.parametrize("prim", [None, "not"])
def test_a_plus_a_stays_when_a_may_be_a_bool(prim):
    """NumPy's bool + bool is a logical or: ``m + m`` is ``m``, not ``2 * m``."""
    fn = _one_add(prim)
    assert "add(" in dump(simplify(fn))


def test_doubling_is_exact():
    for a in (0.1, 1e308, -3.7e-320, math.inf, np.array([0.1, 1e-310, 7.0])):
        assert np.array_equal(a + a, 2 * a)


def test_x_times_x_gives_one_doubled_share():
    def f(u, scale=2.0):
        return scale * math.sin(u) + u * u

    text = adcompiler.source(f, wrt=0)
    assert re.search(r"u_bar = 2\.0 \* ", text), text
    assert "u_bar += u_bar" not in text
    assert adcompiler.grad(f)(0.7) == pytest.approx(2 * math.cos(0.7) + 1.4, rel=1e-12)


def test_b_bar_is_not_updated_twice_with_one_share():
    text = adcompiler.source(corpus.branchy, wrt=(0, 1))
    lines = [ln.strip() for ln in text.splitlines()]
    assert not any(a == b and "+=" in a for a, b in zip(lines, lines[1:])), text
    assert re.search(r"b_bar [+-]= 2\.0 \* ", text), text  # one share, sign folded in
    g = adcompiler.grad(corpus.branchy, wrt=(0, 1))
    for point in [(2.0, 1.0), (0.5, 2.0), (-1.0, 0.5)]:
        want = dual_grad(corpus.branchy, point, (0, 1))
        assert g(*point) == pytest.approx(want, rel=1e-12)


def test_bool_mask_added_to_itself_keeps_numpy_semantics():
    def f(x, m):
        k = m + m
        return np.sum(x * k)

    m = np.array([True, False, True])
    assert np.array_equal(adcompiler.grad(f)(np.array([1.0, 2.0, 3.0]), m), [1.0, 0.0, 1.0])


# ---------------------------------------------------------------- emitter parts
def test_namer_reuses_a_dead_name_and_never_a_reserved_one():
    x1, x2 = Var("v1", "x"), Var("v2", "x")

    class Live:  # x1 dies at position 3
        def live_after(self, v, pos):
            return v == x1 and pos < 3

        def dies_by(self, v, pos):
            return not self.live_after(v, pos)

    namer = Namer(Live(), {"x_1"}, set(), array_code=False)
    assert namer.take(x1, 1) == "x"
    assert namer.take(x2, 2) == "x_2"  # x still live, x_1 is the user's
    assert namer.take(Var("v3", "x"), 5) == "x"  # both dead by now
    assert namer.take(Var("v4"), 5) == "_t1"
    assert namer.take(Var("v5", "~lambda_bar"), 5) == "lambda_bar"
    assert namer.take(Var("v6", "~lambda"), 5) == "lambda_"  # a keyword


def test_liveness_and_inlining_of_a_single_use_temporary():
    x, t, y = Var("v1", "x"), Var("v2"), Var("v3", "y")
    fn = Function("f", (x,), Block((), (Eqn((t,), "sin", (x,)), Eqn((y,), "mul", (t, x))),
                                   (y,)))
    inl = Inlining(fn, Ownership(fn, None, None))
    inl.choose(fn.body, True)
    assert t in inl and y not in inl
    live = Liveness(inl)
    live.run(fn)
    assert live.last[x] == live.start[id(fn.body.stmts[1])]  # read by y = sin(x) * x
    assert not live.live_after(x, live.last[x])


def test_array_emission_uses_only_the_public_interface():
    text = (PKG / "arrays" / "emit.py").read_text()
    used = set(re.findall(r"\bem\.(\w+)", text))
    assert used <= {"expr", "need", "is_float", "can_overwrite", "can_write_item",
                    "name_of"}, used


def test_emit_modules_and_classes_are_small():
    for path in sorted((PKG / "emit").glob("*.py")) + [PKG / "optimize" / "tapes.py"]:
        source = path.read_text()
        assert len(source.splitlines()) <= 500, path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno - node.lineno < 300, (path, node.name)
