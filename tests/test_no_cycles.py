"""Compiling leaves no reference cycles behind (issue 18).

Compilation runs with the cyclic collector paused (core/gcpause.py), so
anything a pass leaves in a cycle (a closure calling itself, two objects
naming each other) outlives the compile and is freed by the next collection,
which must traverse every object made since the pause began: on a
10 000-statement loop body that collection took a tenth of the compile.
Everything a compile makes must be freed by reference counting instead.
"""
import gc
import sys
from pathlib import Path

import pytest

import adcompiler
from adcompiler.arrays.forward import cli_source
from adcompiler.compiler import compile_grad
from adcompiler.core import passlog
from adcompiler.frontend.source import load_live
from adcompiler.transform import composite
from corpus import ARRAY_CORPUS, CORPUS

PACKAGE = Path(adcompiler.__file__).parent
#: where the objects a user holds are defined (a gradient object, its
#: freshness watch and their closures): their lifetime is the user's, like
#: that of any function in a cycle with its globals
USER_HELD = (PACKAGE / "runtime", PACKAGE / "api")


def _cyclic_garbage(compile_once, home: Path = PACKAGE) -> list:
    """The objects of ``home`` (instances of its classes, functions defined
    in it) that ``compile_once()`` leaves unreachable only through cycles.
    (The standard library's and astor's own cycles are theirs.)"""
    compile_once()  # warm every cache first: a cache filled once is not garbage
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        with passlog.recording() as log:
            compile_once()
        passes = len(log.events)
        del log
        gc.collect()
        assert passes or home != PACKAGE, "nothing was compiled (a cache answered)"
        return [o for o in gc.garbage if _defined_in(o, home)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()


def _defined_in(o, home: Path) -> bool:
    code = getattr(o, "__code__", None)
    if code is not None:
        where = Path(code.co_filename)
    else:
        module = sys.modules.get(type(o).__module__)
        where = Path(getattr(module, "__file__", None) or "/")
    return home in where.parents and not any(d in where.parents for d in USER_HELD)


def _describe(garbage: list) -> str:
    kinds: dict = {}
    for o in garbage:
        name = getattr(o, "__qualname__", None) if callable(o) else None
        key = f"{type(o).__name__} {name or ''}".strip()
        kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:12])


def _scalar_source(fn, wrt, mode) -> str:
    sf = load_live(fn)
    if mode == "reverse":
        return compile_grad(sf, wrt).source
    return composite.forward_grad(composite.primal(sf), wrt, "g", False).compiled().source


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn,wrt", [(fn, wrt) for fn, _, wrt in CORPUS],
                         ids=[fn.__name__ for fn, _, _ in CORPUS])
def test_scalar_compile_leaves_no_cycles(fn, wrt, mode):
    garbage = _cyclic_garbage(lambda: _scalar_source(fn, wrt, mode))
    assert not garbage, _describe(garbage)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn,shapes,wrt", ARRAY_CORPUS, ids=[c[0].__name__ for c in ARRAY_CORPUS])
def test_array_compile_leaves_no_cycles(fn, shapes, wrt, mode):
    sf = load_live(fn)
    named = dict(zip((a.arg for a in sf.node.args.args), shapes))
    sources: list = []
    garbage = _cyclic_garbage(lambda: sources.append(cli_source(sf, wrt, mode, 1, named)))
    assert len(sources) == 2 and "import numpy as np" in sources[-1], "no array code was compiled"
    assert not garbage, _describe(garbage)


def test_the_check_sees_a_cycle():
    """The check can fail: a compile-like step that leaves a closure calling
    itself is caught."""
    def leaky():
        seen: list = []  # what the pass's walk holds

        def visit(n):
            return visit(n - 1) if n else len(seen)
        visit(1)
    assert _cyclic_garbage(leaky, Path(__file__).parent)
