"""The sympy side of the swell comparison, each step under a time budget.

sympy can take minutes (or exhaust memory) on a swollen derivative, and a
running sympy call cannot be interrupted from Python.  So the steps run in a
worker process that reports each result through a pipe as soon as it has it;
a step that overruns its budget is marked ``> budget`` and the remaining
steps go on.  A step
whose input is too large (tree size above the size budget) is marked
``> budget`` without being tried.

The worker is a plain ``python`` subprocess (see :mod:`sympy_worker`), never a
``fork`` (absent on Windows, unsafe on macOS and in threaded parents such as
Jupyter) nor a ``multiprocessing`` child (``spawn`` re-runs the caller's
``__main__``, which breaks a script that calls ``swell`` at top level).  It is
kept between calls; it stops an overrunning step with its own alarm where
the OS has one, and is killed and replaced only when it does not answer.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass

OVER = "> budget"
STEPS = ("diff", "size", "value", "raw", "cse", "simplify")


@dataclass(frozen=True)
class Budget:
    """Limits of the sympy steps: ``seconds`` per step (``simplify_seconds``
    for simplify), and tree sizes above which a step is not even tried."""

    seconds: float = 20.0
    simplify_seconds: float = 3.0
    max_tree: int = 5_000_000  # count_ops walks the whole tree
    simplify_max_tree: int = 2_000
    max_ops: int = 200_000  # Wengert entries when unrolling the function


@dataclass
class Problem:
    """What the child needs: the expression, the variables, a numeric point."""

    expr: object  # sympy expression of the function's result
    wrt: tuple  # sympy symbols to differentiate with respect to
    point: dict  # symbol -> float
    budget: Budget


class Failed(str):
    """A step that raised: the text says what went wrong."""


# ---------------------------------------------------------------- the steps
def _derivative(problem: Problem, cache: dict) -> list:
    if "diff" not in cache:
        import sympy as sp
        cache["diff"] = [sp.diff(problem.expr, s) for s in problem.wrt]
    return cache["diff"]


def tree_size(exprs) -> int:
    """Nodes of the expression *trees* (shared subexpressions counted each time
    they occur), computed on the DAG in linear time."""
    memo: dict = {}

    def size(e) -> int:
        if e not in memo:
            memo[e] = 1 + sum(size(a) for a in e.args)
        return memo[e]

    return sum(size(e) for e in exprs)


def numeric(expr, point: dict) -> float:
    """``expr`` at ``point``, evaluating each distinct subexpression once."""
    memo: dict = {}

    def ev(e):
        if e not in memo:
            if e.is_Symbol:
                memo[e] = point[e]
            elif not e.args:
                memo[e] = e
            else:
                memo[e] = e.func(*(ev(a) for a in e.args))
        return memo[e]

    return complex(ev(expr).evalf()).real


def _size(problem, cache):
    cache["size"] = tree_size(_derivative(problem, cache))
    return cache["size"]


def _value(problem, cache):
    import sympy as sp
    point = {s: sp.Float(v) for s, v in problem.point.items()}
    return [numeric(d, point) for d in _derivative(problem, cache)]


def _too_big(problem, cache, limit) -> bool:
    size = cache.get("size")
    if size is None:
        size = _size(problem, cache)
    return size > limit


def _raw(problem, cache):
    import sympy as sp
    if _too_big(problem, cache, problem.budget.max_tree):
        return OVER
    return sum(sp.count_ops(d) for d in _derivative(problem, cache))


def _cse(problem, cache):
    return cse_ops(_derivative(problem, cache))


def cse_ops(exprs) -> int:
    """Operations after ``sympy.cse``: the replacements plus the reduced forms."""
    import sympy as sp
    replacements, reduced = sp.cse(list(exprs))
    return (sum(sp.count_ops(rhs) for _, rhs in replacements)
            + sum(sp.count_ops(e) for e in reduced))


def _simplify(problem, cache):
    import sympy as sp
    if _too_big(problem, cache, problem.budget.simplify_max_tree):
        return OVER
    return sum(sp.count_ops(sp.simplify(d)) for d in _derivative(problem, cache))


_RUN = {"diff": lambda p, c: len(_derivative(p, c)), "size": _size, "value": _value,
        "raw": _raw, "cse": _cse, "simplify": _simplify}


class _Overrun(BaseException):
    """Raised in the worker by its own alarm (a BaseException, so no
    ``except Exception`` inside sympy swallows it)."""


def _on_alarm(signum, frame):
    raise _Overrun


def run_in_child(problem: Problem, steps: list, send) -> None:
    """Run ``steps`` one after another, ``send``-ing each ``(step, result)``
    as soon as it is known (runs in the worker process).

    Where there is ``SIGALRM`` (POSIX) each step is interrupted at its budget
    and reported ``> budget`` by the worker itself, which then carries on:
    no new process (and no new import of sympy) per overrun.  The parent
    still kills a worker that does not answer in time (a long C call, or
    Windows)."""
    import signal
    alarm = hasattr(signal, "setitimer")
    if alarm:
        signal.signal(signal.SIGALRM, _on_alarm)
    cache: dict = {}
    for k, step in enumerate(steps):
        try:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, _seconds(problem, step))
            try:
                value = _RUN[step](problem, cache)
            finally:
                if alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except _Overrun:
            value = OVER
        except Exception as exc:  # reported in the table, never a crash
            value = Failed(f"{type(exc).__name__}: {exc}")
        send((step, value))
        if step == "diff" and (value == OVER or isinstance(value, Failed)):
            for rest in steps[k + 1:]:  # every other step needs the derivative
                send((rest, value))
            return


# ---------------------------------------------------------------- the parent
def run_steps(problem: Problem, steps=STEPS) -> dict:
    """{step: result or OVER or Failed}, each step within its time budget."""
    results: dict = {}
    remaining = list(steps)
    while remaining:
        if results.get("diff") == OVER or isinstance(results.get("diff"), Failed):
            results.update({s: results["diff"] for s in remaining})
            break
        remaining = _one_worker_run(problem, remaining, results)
    return results


def _seconds(problem: Problem, step: str) -> float:
    b = problem.budget
    return b.simplify_seconds if step == "simplify" else b.seconds


def _one_worker_run(problem: Problem, steps: list, results: dict) -> list:
    """Run ``steps`` in the worker until one overruns (the worker is then
    killed, a fresh one serves the rest); return the steps not run."""
    from . import sympy_worker
    grace = sympy_worker.GRACE_SECONDS  # the worker's own alarm comes first
    with sympy_worker.LOCK:
        worker = sympy_worker.get()
        try:
            worker.send(problem, steps)
        except (RecursionError, pickle.PicklingError) as exc:  # a too-deep expression
            sympy_worker.stop()
            results.update({s: Failed("cannot hand the expression to sympy's process: "
                                      f"{type(exc).__name__}") for s in steps})
            return []
        done = interrupted = False
        try:
            for k, step in enumerate(steps):
                answer = worker.receive(_seconds(problem, step) + grace)
                if answer is sympy_worker.TIMEOUT:
                    results[step] = OVER
                    return steps[k + 1:]
                if answer is sympy_worker.ENDED:  # the worker died (memory, recursion)
                    results[step] = Failed("sympy's process ended without an answer")
                    return steps[k + 1:]
                name, value = answer
                results[name] = value
            done = True
            return []
        except BaseException:
            interrupted = True
            raise
        finally:  # a worker that overran or died, or was busy when we were
            if interrupted:  # interrupted, is never reused
                sympy_worker.stop()
            elif not done:
                sympy_worker.replace()
