"""The checks array code passes before it is transformed, on the code as
lowered (before optimisation, so that two names the optimiser would merge
still count as two arrays): writes and in-place operators on shared arrays
(:mod:`.inplace`, :mod:`.writes`) and scalar-only spellings applied to
arrays (:mod:`.scalar_spellings`), in the entry and in every helper it
reaches."""
from __future__ import annotations

from ..core.ir import Function
from ..optimize.passes import dce
from .inplace import check_inplace, fresh_results, writes_kept
from .scalar_spellings import check_scalar_spellings
from .shapes import infer_with_dtypes
from .writes import check_writes


def check_program_inplace(program, key: str, ctx) -> None:
    """``x op= e`` on a shared array (inplace.py), in the entry and in every
    helper it reaches, checked on the code as lowered (before optimisation)."""
    raw = program.functions[key]
    shapes, dtypes = infer_with_dtypes(raw, ctx.params, ctx.callee_shapes, ctx.dtypes)
    check_writes(raw, shapes, dtypes, program.inplace.get(key) or {},
                 program.sources[key].filename)
    check_scalar_spellings(program, key, ctx, shapes)
    fresh = fresh_results(program.functions)
    _check_inplace(raw, shapes, program.inplace.get(key), program.sources[key].filename,
                   program.aliases.get(key), fresh)
    for other, ops in sorted(program.inplace.items()):
        params = ctx.callee_param_shapes(other)
        if other == key or not params:
            continue
        fn = program.functions[other]
        shapes, dtypes = infer_with_dtypes(fn, params, ctx.callee_shapes)
        check_writes(fn, shapes, dtypes, ops, program.sources[other].filename)
        _check_inplace(fn, shapes, ops, program.sources[other].filename,
                       program.aliases.get(other), fresh)


def _check_inplace(raw: Function, shapes: dict, ops, filename: str, aliases,
                   fresh) -> None:
    """A write into a parameter or a global is refused as written; a name
    sharing the written array counts only where a read of it reaches the
    result or a write (dead code, such as the value a loop carries out of
    itself that is never read, is dropped first; nothing is merged)."""
    if not ops:
        return
    check_inplace(raw, shapes, ops, filename, aliases, reads=False, fresh_call=fresh)
    check_inplace(dce(writes_kept(raw, ops)), shapes, ops, filename, aliases,
                  fresh_call=fresh)
