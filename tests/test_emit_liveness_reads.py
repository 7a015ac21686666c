"""The liveness keeps each read's position only where a branch is emitted
(issue 18): elsewhere it keeps the last read alone, and the inlining's
decisions are also kept by name.  Over the corpus, both must tell what the
full record of reads tells."""
import pytest

import adcompiler.compiler as compiler
import corpus
from adcompiler.compiler import compile_grad
from adcompiler.emit.inlining import Inlining
from adcompiler.emit.liveness import Liveness, Ownership
from adcompiler.frontend.source import load_live


def _emitted_functions(monkeypatch, fn, wrt) -> list:
    """The IR functions the emitter is given when ``fn``'s gradient is compiled."""
    seen = []
    emit = compiler.emit_function

    def grab(ir, reserved, *args, **kwargs):
        seen.append(ir)
        return emit(ir, reserved, *args, **kwargs)

    monkeypatch.setattr(compiler, "emit_function", grab)
    compile_grad(load_live(fn), wrt)
    assert seen
    return seen


def _liveness(fn, keep_reads: bool):
    inl = Inlining(fn, Ownership(fn, None, None))
    inl.choose(fn.body, True)
    live = Liveness(inl)
    live.keep_reads = keep_reads
    live.run(fn)
    return inl, live


@pytest.mark.parametrize("case", corpus.CORPUS, ids=lambda c: c[0].__name__)
def test_last_reads_without_the_record_of_every_read(monkeypatch, case):
    f, _, wrt = case
    for fn in _emitted_functions(monkeypatch, f, wrt):
        inl, full = _liveness(fn, True)
        assert inl.by_name == {v.name: e for v, e in inl.inline.items()}
        assert full.last_at == {v: max(seen) for v, seen in full.reads.items()}
        _, short = _liveness(fn, False)
        assert short.last_at == full.last_at and not short.reads
        assert short.start == full.start and short.end == full.end


def test_literals_share_one_node_per_type_and_value():
    """``const_node`` shares the node of a non-negative int or float literal
    within one emitter; other values, types and signs each keep their own."""
    import ast
    import math
    from types import SimpleNamespace

    import numpy as np

    from adcompiler.emit.expressions import const_node

    em = SimpleNamespace(constants={}, need=lambda module: None)
    two = const_node(2.0, em)
    assert const_node(2.0, em) is two and const_node(2, em) is not two
    assert type(const_node(2, em).value) is int
    assert const_node(True, em).value is True and const_node(1, em).value == 1
    zero, minus = const_node(0.0, em), const_node(-0.0, em)
    assert math.copysign(1.0, zero.value) == 1.0 and isinstance(minus, ast.UnaryOp)
    assert type(const_node(np.float64(2.0), em).value) is np.float64
    assert isinstance(const_node(-3, em), ast.UnaryOp) and const_node(math.inf, em) is not None
    assert const_node(2.0) is not const_node(2.0)  # no emitter: nothing shared
