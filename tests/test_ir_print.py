"""Issue 13: the IR prints itself like a jaxpr (``print(fn)``), exactly and
deterministically (core/pretty.py)."""
from math import sin

from adcompiler.compiler import compile_grad
from adcompiler.core.ir import (Block, Builder, Const, ForRange, Function, If, Loc, Module,
                                Names, Var, While)
from adcompiler.core.pretty import labels, pformat, type_text
from adcompiler.frontend.source import load_live


def _fn(name, params, build, defaults=()):
    b = Builder(Names(taken=tuple(p.name for p in params)))
    results = build(b, params)
    return Function(name, params, Block((), tuple(b.stmts), tuple(results)), defaults)


def test_straight_line_with_params_constants_and_hints():
    x, y = Var("x", "x"), Var("y", "y")

    def build(b, ps):
        b.loc = Loc(3)
        t = b.eqn("mul", x, y)
        s = b.eqn("sin", x, hint="s", ns="math")
        b.loc = Loc(4, role="adjoint")
        return (b.eqn("add", t, Const(2.5), hint="~z_bar"), s)

    fn = _fn("f", (x, y), build, (("y", 1.0),))
    assert str(fn) == (
        "f = { lambda x, y=1.0. let\n"
        "    # line 3\n"
        "    v1 = mul x y\n"
        "    s_2 = sin[ns=math] x\n"
        "    # adjoint of line 4\n"
        "    z_bar_3 = add v1 2.5\n"
        "  in (z_bar_3, s_2) }")


def test_if_prints_both_branches_nested_and_an_empty_block_on_one_line():
    a = Var("a", "a")
    names = Names(taken=("a",))
    pred = names.fresh()
    then = Builder(names)
    c = then.eqn("neg", a, hint="c")
    out = names.fresh("c")
    body = (If((out,), pred, then.block((c,)), Block((), (), (a,))),)
    fn = Function("g", (a,), Block((), (_gt(pred, a),) + body, (out,)))
    assert str(fn) == (
        "g = { lambda a. let\n"
        "    v1 = gt a 0\n"
        "    c_3 = if v1\n"
        "      then { let\n"
        "          c_2 = neg a\n"
        "        in (c_2) }\n"
        "      else { in (a) }\n"
        "  in (c_3) }")


def _gt(out, a):
    from adcompiler.core.ir import Eqn
    return Eqn((out,), "gt", (a, Const(0)))


def test_loops_show_their_carried_values_and_direction():
    x, n = Var("x", "x"), Var("n", "n")
    names = Names(taken=("x", "n"))
    i, l_in = names.fresh("i"), names.fresh("l")
    body = Builder(names)
    l_next = body.eqn("mul", l_in, l_in, hint="l")
    out = names.fresh("l")
    loop = ForRange((out,), Const(0), n, Const(1), (x,), body.block((l_next,), (i, l_in)),
                    reverse=True)
    s = names.fresh("s")
    cond = Builder(names)
    p = cond.eqn("lt", s, Const(10))
    s2 = names.fresh("s")
    step = Builder(names)
    s3 = step.eqn("add", s2, out, hint="s")
    s_out = names.fresh("s")
    wh = While((s_out,), (Const(0.0),), cond.block((p,), (s,)), step.block((s3,), (s2,)))
    fn = Function("h", (x, n), Block((), (loop, wh), (s_out,)), (("n", Const(3)),))
    assert str(fn) == (
        "h = { lambda x, n=3. let\n"
        "    l_4 = for reversed range(0, n, 1) init (x) { lambda i_1, l_2. let\n"
        "        l_3 = mul l_2 l_2\n"
        "      in (l_3) }\n"
        "    s_9 = while init (0.0)\n"
        "      cond { lambda s_5. let\n"
        "          v6 = lt s_5 10\n"
        "        in (v6) }\n"
        "      body { lambda s_7. let\n"
        "          s_8 = add s_7 l_4\n"
        "        in (s_8) }\n"
        "  in (s_9) }")


def test_types_are_shown_where_shapes_are_known():
    X, w = Var("X", "X"), Var("w", "w")

    def build(b, ps):
        return (b.eqn("matmul", X, w), b.eqn("pack", w, X))

    fn = _fn("m", (X, w), build)
    z, r = fn.body.results

    class Sym:  # the duck type of arrays.shapes.Sym (a size read at run time)
        label = "200"

    class Tup:
        items = ((3,), ())

    shapes = {X: (Sym(), 3), w: (3,), z: (Sym(),), r: Tup()}
    kinds = {X: "f", z: "f", w: "i"}
    assert pformat(fn, shapes, kinds) == (
        "m = { lambda X:f64[~200,3], w:int[3]. let\n"
        "    v1:f64[~200] = matmul X w\n"
        "    v2:([3], []) = pack w X\n"
        "  in (v1, v2) }")
    assert type_text((None, 2), None) == "[?,2]" and type_text((), "b") == "bool[]"
    assert type_text(None, "f") == ""


def test_labels_fall_back_to_ssa_names_when_two_would_print_alike():
    a = Var("a_2", "a_2")  # a parameter whose name looks like hint 'a' of v2
    fn = _fn("k", (a,), lambda b, ps: (b.eqn("neg", a), b.eqn("neg", a, hint="a")))
    names = labels(fn)
    assert names[fn.body.results[1]] == "v2" and names[a] == "a_2"
    assert len(set(names.values())) == len(names)


def tower(x, n=3):
    s = x
    for i in range(n):
        s = sin(s) * s
    return s


def test_a_compiled_gradient_prints_deterministically_and_modules_print_every_function():
    fns = compile_grad(load_live(tower), (0,)).functions
    text = str(fns[0])
    assert text.startswith("tower_grad = { lambda x, n=3. let\n")
    assert "for reversed range(0, n, 1)" in text and "pop tape_" in text
    assert text.endswith("  in (" + text.rsplit("in (", 1)[1])
    fresh = compile_grad(load_live(tower), (0,)).functions[0]
    assert fresh is not fns[0] and str(fresh) == text
    assert str(Module(tuple(fns))) == "\n\n".join(map(str, fns))
    assert repr(fns[0]).startswith("Function(")  # repr stays the dataclass's
