"""The forward-mode half (``jvp``) of every structural array rule, checked on
its own: a primitive and its jvp are built as IR, emitted, run, and compared
with the central difference along the tangent.  (Reverse mode, ``vjp``, is
checked end to end by test_numpy.py.)"""
import numpy as np
import pytest

from adcompiler.emit.emitter import emit_function
from adcompiler.core.ir import Block, Builder, Const, Function, Names
from adcompiler.emit.printer import to_source
from adcompiler.prims.rules import ARRAY_RULES
from adcompiler.arrays.shapes import infer

# (primitive, argument shapes, static params, extra constant args)
CASES = [
    ("matmul", [(3, 4), (4, 2)], {}, ()), ("matmul", [(4,), (4, 2)], {}, ()),
    ("matmul", [(3, 4), (4,)], {}, ()), ("matmul", [(4,), (4,)], {}, ()),
    ("outer", [(3,), (2,)], {}, ()), ("transpose", [(3, 4)], {}, ()),
    ("trace", [(3, 3)], {}, ()),
    ("sum", [(3, 4)], {"axis": 1, "keepdims": True}, ()),
    ("sum", [(3, 4)], {"axis": None, "keepdims": False}, ()),
    ("mean", [(3, 4)], {"axis": 0, "keepdims": False}, ()),
    ("amax", [(3, 4)], {"axis": 1, "keepdims": False}, ()),
    ("amin", [(3, 4)], {"axis": None, "keepdims": False}, ()),
    ("prod", [(3, 4)], {"axis": 0, "keepdims": False}, ()),
    ("norm", [(4,)], {}, ()),
    ("reshape", [(3, 4)], {}, (Const(2), Const(6))),
    ("expand_dims", [(3, 4)], {"axis": 1}, ()),
    ("index", [(3, 4)], {"spec": (("s", True, False, False), "a")}, (Const(1), Const(0))),
    ("concatenate", [(2, 3), (2, 2)], {"axis": 1}, ()),
    ("stack", [(3,), (3,)], {"axis": 1}, ()),
]


def build(prim, shapes, params, extra):
    names = Names()
    xs = tuple(names.fresh(f"x{k}") for k in range(len(shapes)))
    ts = tuple(names.fresh(f"t{k}") for k in range(len(shapes)))
    b = Builder(names)
    out = b.eqn(prim, *xs, *extra, **params)
    eqn = b.stmts[-1]
    arg_shapes = {v.name: s for v, s in zip(xs + ts, shapes + shapes)}
    primal = Function("primal", xs + ts, Block((), tuple(b.stmts), (out,)))
    known = infer(primal, arg_shapes)
    tangent = ARRAY_RULES[prim].jvp(b, eqn, ts, lambda a: () if isinstance(a, Const)
                                    else known.get(a))
    fn = Function("jvp", xs + ts, Block((), tuple(b.stmts), (out, tangent)))
    shapes_all = infer(fn, arg_shapes)
    node, _ = emit_function(fn, set(), shapes_all, set())
    import ast
    text = to_source(ast.Module([ast.Import([ast.alias("numpy", "np")]), node], []))
    namespace: dict = {}
    exec(compile(text, "<jvp>", "exec"), namespace)
    return namespace["jvp"], text


@pytest.mark.parametrize("prim,shapes,params,extra", CASES,
                         ids=[f"{c[0]}-{k}" for k, c in enumerate(CASES)])
def test_jvp_matches_directional_difference(prim, shapes, params, extra):
    fn, text = build(prim, shapes, params, extra)
    rng = np.random.default_rng(3)
    xs = [rng.uniform(0.5, 1.5, size=s) for s in shapes]
    ts = [rng.normal(size=s) for s in shapes]
    h = 1e-6
    up, _ = fn(*[x + h * t for x, t in zip(xs, ts)], *ts)
    down, _ = fn(*[x - h * t for x, t in zip(xs, ts)], *ts)
    _, tangent = fn(*xs, *ts)
    np.testing.assert_allclose(tangent, (up - down) / (2 * h), rtol=1e-6, atol=1e-8,
                               err_msg=text)


def test_every_structural_rule_is_checked():
    assert {c[0] for c in CASES} == set(ARRAY_RULES)
