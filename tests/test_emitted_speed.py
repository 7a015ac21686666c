"""Rewrites that make the emitted gradient faster (found by bench/, issue 9),
each checked for the text it produces and against the dual-number oracle."""
import math

import pytest

from adcompiler import grad, source, value_and_grad
from corpus import square_of_sum, x2_over_cos
from oracles import dual_grad


def shifted_square(x):
    return (x + 1.0) ** 2 * x


def negated_twice(x, y):
    return -(-x * y) * math.cos(y)


def code(text: str) -> str:
    """The emitted text without its comments (which quote the user's source)."""
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def test_negated_product_cancels_in_quotient_rule():
    # d/dx x**2/cos(x) used to read  a - -(x ** 2 / c / c) * sin(x)
    text = code(source(x2_over_cos))
    assert "- -" not in text and "-(" not in text
    for x in (math.pi, 0.3, -1.2):
        assert grad(x2_over_cos)(x) == pytest.approx(dual_grad(x2_over_cos, (x,), (0,))[0],
                                                     rel=1e-13)


def test_negation_through_a_product():
    g = grad(negated_twice, wrt=(0, 1))
    for point in [(0.7, -0.4), (-2.0, 1.5)]:
        assert g(*point) == pytest.approx(dual_grad(negated_twice, point, (0, 1)), rel=1e-13)


def test_square_of_a_name_is_a_product():
    text = code(source(square_of_sum, wrt=(0, 1)))
    assert "x1 * x1" in text and "x2 * x2" in text and "** 2" not in text
    g = grad(square_of_sum, wrt=(0, 1))
    for point in [(1.5, -0.5), (-0.0, 2.0), (3, 4)]:
        assert g(*point) == pytest.approx(tuple(dual_grad(square_of_sum, point, (0, 1))))
    # integer arguments are differentiated as real (docs/conventions.md): exact floats
    assert g(3, 4) == (4 * 25 * 3, 4 * 25 * 4) and type(g(3, 4)[0]) is float


def test_square_of_an_expression_keeps_its_value():
    value, d = value_and_grad(shifted_square)(0.25)
    assert value == shifted_square(0.25)
    assert d == pytest.approx(dual_grad(shifted_square, (0.25,), (0,))[0], rel=1e-14)


@pytest.mark.parametrize("x", [math.inf, -math.inf, math.nan])
def test_square_rewrite_keeps_non_finite_behaviour(x):
    def sq(u):
        return u ** 2

    expected = dual_grad(sq, (x,), (0,))[0]
    got = grad(sq)(x)
    assert (math.isnan(got) and math.isnan(expected)) or got == expected


def test_top_level_adjoint_loop_walks_its_tape():
    from corpus import sine_tower
    text = code(source(sine_tower))
    assert "for s in reversed(tape):" in text and ".pop()" not in text
    for x in (0.4, -2.0):
        assert grad(sine_tower)(x, 9) == pytest.approx(dual_grad(sine_tower, (x, 9), (0,))[0],
                                                        rel=1e-13)


def test_nested_loop_tape_is_still_popped():
    from corpus import nested_loops
    text = code(source(nested_loops, wrt=(0, 1)))
    assert "tape.pop()" in text  # the inner tape is filled across outer iterations
    g = grad(nested_loops, wrt=(0, 1))
    assert g(0.3, 0.8) == pytest.approx(tuple(dual_grad(nested_loops, (0.3, 0.8), (0, 1))),
                                        rel=1e-13)


def test_adjoint_loop_that_reads_its_index_keeps_the_range():
    from corpus import seed004_control
    text = code(source(seed004_control, wrt=(0, 1)))
    assert "reversed(range(" in text or "tape" not in text
    g = grad(seed004_control, wrt=(0, 1))
    assert g(2.0, 1.0) == pytest.approx(tuple(dual_grad(seed004_control, (2.0, 1.0), (0, 1))))


def _unsupported(w):
    try:
        return w
    except ValueError:
        return w


@pytest.mark.parametrize("was_enabled", [True, False])
def test_compile_restores_the_garbage_collector(was_enabled):
    import gc

    from adcompiler import CompileError
    from adcompiler.compiler import compile_grad
    from adcompiler.frontend.source import load_live
    (gc.enable if was_enabled else gc.disable)()
    try:
        compile_grad(load_live(x2_over_cos), (0,))
        assert gc.isenabled() == was_enabled
        with pytest.raises(CompileError):
            compile_grad(load_live(_unsupported), (0,))
        assert gc.isenabled() == was_enabled
    finally:
        gc.enable()


def test_loop_pushes_the_carried_value_not_a_tuple():
    import tracemalloc

    from corpus import logistic_map
    text = code(source(logistic_map))
    assert "tape.append(l)" in text  # 4*l and 1-l are recomputed in the adjoint
    g = grad(logistic_map)
    for x in (0.3, 0.71):
        assert g(x, 12) == pytest.approx(dual_grad(logistic_map, (x, 12), (0,))[0], rel=1e-12)
    g(0.3, 10)
    tracemalloc.start()
    g(0.3, 20_000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak / 20_000 < 48  # a float and a list slot (a tuple of two took 112 bytes)


def test_grad_object_calls_the_emitted_function_directly(monkeypatch):
    import adcompiler.api.reverse_grad as api
    g = grad(x2_over_cos)
    first = g(0.3)
    assert grad(x2_over_cos, wrt=(0,))(0.3) == (first,)  # tuple wrt keeps its wrapper
    assert "def x2_over_cos_grad" in g.source and isinstance(g, api.Derivative)
    assert "x2_over_cos" in repr(g) and g.__name__ == "x2_over_cos"
    monkeypatch.setattr(api, "compiled", lambda *a, **k: pytest.fail("compiled again"))
    monkeypatch.setattr(api.Derivative, "_compiled",
                        lambda self, sig=None: pytest.fail("looked up"))
    assert g(0.3) == first  # a repeated call reuses the loaded function


def test_grad_of_several_parameters_returns_the_emitted_tuple():
    g = grad(square_of_sum, wrt=("x1", "x2"))
    first = g(1.5, -0.5)
    assert g(1.5, -0.5) == first == tuple(dual_grad(square_of_sum, (1.5, -0.5), (0, 1)))
