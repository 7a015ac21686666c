"""Checkpointed loops: the reverse transform of a ``for`` loop over ``range``
that keeps at most ``K`` states of the loop instead of a tape entry per
iteration (docs/checkpointing.md).

The primal loop is the user's loop with one statement added: each iteration
offers the state it starts with to a :class:`adcompiler.runtime.checkpoints.Revolve`
(``snapshots.append((i, *state))``), which keeps the positions of Griewank's
binomial schedule.  The adjoint loop's iteration ``i`` starts by asking for
the latest kept state at or before ``i`` (``restore``), runs the loop's body
forward from there to ``i`` (offering the states it passes, so that later
iterations restart closer), recomputes iteration ``i`` exactly as the primal
loop ran it, and then runs the adjoint statements unchanged.  Every value the
adjoint reads is computed by the same operations on the same inputs as in the
primal loop, so the gradient is bit-for-bit the one the plain tape gives.

Which loops: the ``for`` loops over ``range`` at the top of a function (not
inside a branch or another loop): those of the differentiated function
(``grad(f, checkpoints=K)``, ``adc compile --checkpoints K``), and those whose
``for`` line carries the comment ``# adc: checkpoints=K`` (in a helper too:
its ``_fwd`` hands the kept states to its ``_bwd`` in its residuals).  ``while`` loops
keep their tape (their trip count is not known on entry).
"""
from __future__ import annotations

import contextlib
import contextvars
import re

from ..core.ir import Block, Const, Eqn, ForRange, Loc, Names, Var, ordered_free_vars, substitute
from ..errors import CompileError
from ..frontend.inline import _fresh_copy

#: outside :func:`default` (vjp, hvp, hessian, jacobian: transforms that
#: reuse the reverse sweep, call f_bwd again or differentiate it) loops keep
#: their tape, comments or not
_OFF = object()

#: the ``checkpoints=K`` of the gradient being compiled (None: only loops
#: marked in the source are checkpointed)
_DEFAULT: contextvars.ContextVar = contextvars.ContextVar("adc_checkpoints", default=_OFF)

_MARK = re.compile(r"#\s*adc:\s*checkpoints\s*=\s*(\S*)")


@contextlib.contextmanager
def default(snapshots):
    """Compile the gradients inside the block with ``checkpoints=snapshots``
    (None: the loops marked ``# adc: checkpoints=K`` only).  Only ``grad``,
    ``value_and_grad`` and ``adc compile`` in reverse mode compile inside it."""
    token = _DEFAULT.set(check_count(snapshots))
    try:
        yield
    finally:
        _DEFAULT.reset(token)


def check_count(snapshots):
    """``None`` or a positive int; anything else is the caller's mistake."""
    if snapshots is None:
        return None
    if isinstance(snapshots, bool) or not isinstance(snapshots, int) or snapshots < 1:
        from ..errors import UsageError
        raise UsageError(f"checkpoints must be a positive int (the most loop states kept at "
                         f"once), not {snapshots!r}")
    return snapshots


def marked(loc: Loc, filename: str = ""):
    """The ``K`` of a ``# adc: checkpoints=K`` comment on the line at ``loc``."""
    found = _MARK.search(loc.text or "")
    if found is None:
        return None
    if not found.group(1).isdigit() or int(found.group(1)) < 1:
        raise CompileError(f"'# adc: checkpoints={found.group(1)}' needs a positive integer",
                           filename, loc.line, loc.col)
    return int(found.group(1))


def snapshots_for(loop, top_level: bool, filename: str = ""):
    """How many states to keep for ``loop`` (None: a plain tape)."""
    setting = _DEFAULT.get()
    if setting is _OFF:
        return None
    own = marked(loop.loc, filename)
    if own is not None and not (isinstance(loop, ForRange) and top_level):
        raise CompileError("'# adc: checkpoints' on a for loop inside a branch or a loop: "
                           "only the outermost for loops over range of a function are "
                           "checkpointed"
                           if isinstance(loop, ForRange) else
                           "'# adc: checkpoints' on a while loop: its trip count is not "
                           "known on entry; write it as a for loop over range",
                           filename, loop.loc.line, loop.loc.col)
    if not isinstance(loop, ForRange) or not top_level:
        return None
    return own if own is not None else setting


def needs_state(body: Block, primal_stmts: list, adj_body: Block) -> bool:
    """Does the adjoint read anything computed in the primal iteration?"""
    level = set(body.params)
    for st in primal_stmts:
        level.update(st.outs)
    return any(v in level for v in ordered_free_vars(adj_body))


def checkpointed(names: Names, loop: ForRange, primal_stmts: list, adj_body: Block,
                 aidx: Var, snapshots: int) -> tuple:
    """``(statements before the primal loop, the primal loop's body, the
    adjoint loop's body)`` of a checkpointed ``loop``: see the module's doc.
    ``primal_stmts`` is the body as the reverse transform rewrote it (tapes of
    inner loops, ``f_fwd`` calls), ``adj_body`` the adjoint of one iteration."""
    body = loop.body
    idx, carried = body.params[0], body.params[1:]
    store = names.fresh("~snapshots")
    make = Eqn((store,), "new_checkpoints",
               (Const(snapshots), loop.start, loop.stop, loop.step), (), Loc(role="tape"))
    primal = Block(body.params, (_offer(store, body.params),) + body.stmts,
                   body.results)
    # adjoint iteration: the latest kept state, forward to aidx, iteration aidx again
    loc = Loc(loop.loc.line, loop.loc.col, loop.loc.text, "adjoint")
    at, step = names.fresh("~j"), names.fresh("~k")
    kept = tuple(names.fresh(v.hint) for v in carried)
    restore = Eqn((at,) + kept, "restore", (store, aidx), (), loc)
    again = substitute(primal, {idx: step})
    again = Block((step,) + tuple(carried), again.stmts, again.results)
    forward = ForRange(tuple(carried), at, aidx, loop.step, kept, again, loop.loc)
    forward = _fresh_copy((), Block((), (forward,), ()), (), names)[0][0]
    mapping: dict = {}
    again, _ = _fresh_copy(body.params, Block((), tuple(primal_stmts), ()),
                           (aidx,) + forward.outs, names, mapping)
    adj = substitute(adj_body, mapping)
    stmts = (restore, forward) + tuple(again) + adj.stmts
    return [make], primal, Block(adj.params, stmts, adj.results)


def _offer(store: Var, state: tuple) -> Eqn:
    """``snapshots.append((i, *state))``: the state an iteration starts with
    (no line of its own: it is written right under the ``for``)."""
    return Eqn((), "push", (store,) + tuple(state), (), Loc())
