"""Which mode ``grad(f)`` runs: forward mode where it is the cheaper one.

With one scalar input, forward mode gives the derivative in one sweep: a
tangent is carried beside each value and nothing is stored.  Reverse mode
runs the function, then the adjoint sweep; where that sweep runs a loop back
(reading the values the loop pushed on a tape, or its trip count) or unwinds
a recursion (reading the residuals each level stored), the gradient pays for
a second loop and for the tape.  Measured (issue 18, docs/forward_or_reverse.md):
the logistic map of 10 steps costs about 2.5x ``f`` through reverse mode
and 1.4x through forward mode.

So a call of ``grad(f)`` / ``value_and_grad(f)`` (``mode`` not given) with
respect to one parameter, with every argument a scalar and the
differentiated one a float (integers and booleans keep the reverse code,
which computes them as Python does), without ``checkpoints=``, runs the
forward code when the reverse code would keep such a tape; the value of
``value_and_grad`` comes from the same sweep, which computes it anyway.
Straight-line code keeps reverse mode (no adjoint loop: the two cost about
the same), and so does every call that does not fit: several ``wrt``,
arrays, structures, ``has_aux``, ``mode="reverse"``, a loop marked
``# adc: checkpoints=K``, a function forward mode refuses
(:class:`AdcError`), and recursion under ``jit=True``.  ``adc compile`` and
``adcompiler.source(f)`` show the reverse code unless asked (``--mode
forward``); second derivatives transform the reverse code as before.
"""
from __future__ import annotations

import dataclasses
import inspect

from ..compiler import Compiled
from ..core.ir import Eqn, ForRange, While, walk
from ..emit import backend
from ..errors import AdcError
from ..frontend.source import SourceFunction
from ..transform import composite

#: the second line of the header of the forward code grad() chose
WHY = ("Forward mode, chosen by grad(): one scalar input, and reverse mode would store a loop "
       "or recursion to run it back.")


def may_choose(derivative, sig, args: tuple, kwargs: dict) -> bool:
    """May a call of ``derivative`` (an api.Derivative) with the converted
    ``args``, ``kwargs`` (of :func:`~adcompiler.arrays.context.signature`
    ``sig``) run forward mode?  No mode given, one ``wrt``, no
    ``checkpoints=``, every argument a scalar (``sig`` None) on NumPy's
    backend, and the differentiated one a float (before any call, with no
    arguments to look at: the scalar code ``.source`` shows)."""
    if (not derivative.auto or len(derivative._indices) != 1 or sig is not None
            or derivative.checkpoints is not None or derivative._backend is not backend.NUMPY):
        return False
    index = derivative._indices[0]
    params = list(inspect.signature(derivative.fn).parameters.values())
    if index < len(args):
        return isinstance(args[index], float)
    value = kwargs.get(params[index].name, params[index].default)
    return value is inspect.Parameter.empty or isinstance(value, float)


def runs_back(functions: tuple) -> bool:
    """Does the reverse code's adjoint sweep run a loop back or unwind a
    recursion?  Read off the IR of the emitted functions: a loop of the
    adjoint sweep (``Loc.role == "adjoint"``), or a cycle of adjoint calls
    (a ``_bwd`` calling itself, directly or through others)."""
    for fn in functions:
        for s in walk(fn.body):
            if isinstance(s, (ForRange, While)) and s.loc.role == "adjoint":
                return True
    return _recursive(functions, "adjoint")


def _recursive(functions: tuple, role=None) -> bool:
    """Does one of ``functions`` call itself, directly or through others
    (counting only the calls of the sweep ``role``, None: every call)?"""
    calls = {fn.name: {s.param("fn") for s in walk(fn.body) if isinstance(s, Eqn)
                       and s.prim == "call" and (role is None or s.loc.role == role)}
             for fn in functions}
    return any(_reaches(calls, name, name) for name in calls)


def _checkpointed(functions: tuple) -> bool:
    """Does the reverse code checkpoint a loop the source marks (``# adc:
    checkpoints=K``)?  The user asked for reverse mode there."""
    return any(isinstance(s, Eqn) and s.prim == "new_checkpoints"
               for fn in functions for s in walk(fn.body))


def _reaches(calls: dict, start: str, goal: str) -> bool:
    """Is ``goal`` reached from ``start`` along one or more calls?"""
    seen: set = set()
    todo = list(calls.get(start, ()))
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(calls.get(name, ()))
    return False


def forward_instead(sf: SourceFunction, index: int, with_value: bool, reverse: Compiled,
                    jit: bool = False) -> Compiled:
    """The code to run for ``sf``'s gradient with respect to parameter
    ``index`` (scalar arguments): the forward code when ``reverse`` runs a
    loop or recursion back and forward mode takes the function, else
    ``reverse`` itself.  ``jit``: numba compiles the result; it runs
    recursive forward code wrongly (an unresolved symbol at the call), so
    recursion keeps the reverse code, which numba refuses by name."""
    if not runs_back(reverse.functions) or _checkpointed(reverse.functions):
        return reverse
    name = sf.name + ("_value_and_grad" if with_value else "_grad")
    params = [a.arg for a in sf.node.args.args]
    what = "value and gradient" if with_value else "gradient"
    label = f"{what} of {sf.name} with respect to {params[index]}"
    try:
        forward = composite.forward_grad(composite.primal(sf), (index,), name, with_value,
                                         label)
    except AdcError:  # what forward mode refuses, reverse mode may take: keep it
        return reverse
    if jit and _recursive(forward.functions):
        return reverse
    # this code runs for float arguments only (may_choose): its int literals
    # beside the argument's values may be floats (optimize/literals.py)
    return dataclasses.replace(forward, floats=(params[index],)).compiled(WHY)
