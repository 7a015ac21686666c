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
