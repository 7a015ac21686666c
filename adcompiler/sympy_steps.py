"""The sympy side of the swell comparison, each step under a time budget.

sympy can take minutes (or exhaust memory) on a swollen derivative, and a
running sympy call cannot be interrupted from Python.  So the steps run in a
child process that reports each result through a pipe as soon as it has it; when a step overruns its budget the parent kills the child, marks the
step ``> budget`` and starts a fresh child for the steps that remain.  A step
whose input is too large (tree size above the size budget) is marked
``> budget`` without being tried.

The child is started the portable way, never by a bare ``fork`` (absent on
Windows, unsafe on macOS and in threaded parents): with the ``forkserver``
method where the platform has it, else ``spawn``.  Either way the child
receives the pickled :class:`Problem` and runs :func:`_child`, a module-level
function of this importable module, so nothing of the caller's ``__main__``
is needed (a script that calls ``swell`` at top level still wants the usual
``if __name__ == "__main__":`` guard under ``spawn``).
"""
from __future__ import annotations

import multiprocessing
import os
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


def _child(problem: Problem, steps: list, conn) -> None:
    cache: dict = {}
    for step in steps:
        try:
            value = _RUN[step](problem, cache)
        except Exception as exc:  # reported in the table, never a crash
            value = Failed(f"{type(exc).__name__}: {exc}")
        conn.send((step, value))
    conn.close()


# ---------------------------------------------------------------- the parent
def run_steps(problem: Problem, steps=STEPS) -> dict:
    """{step: result or OVER or Failed}, each step within its time budget."""
    results: dict = {}
    remaining = list(steps)
    while remaining:
        if results.get("diff") == OVER or isinstance(results.get("diff"), Failed):
            results.update({s: results["diff"] for s in remaining})
            break
        remaining = _one_child(problem, remaining, results)
    return results


def _seconds(problem: Problem, step: str) -> float:
    b = problem.budget
    return b.simplify_seconds if step == "simplify" else b.seconds


def start_method() -> str:
    """``forkserver`` where the platform has it (POSIX), else ``spawn``; the
    environment variable ``ADC_START_METHOD`` chooses another (tests use it)."""
    chosen = os.environ.get("ADC_START_METHOD")
    available = multiprocessing.get_all_start_methods()
    if chosen in available:
        return chosen
    return "forkserver" if "forkserver" in available else "spawn"


def _context():
    ctx = multiprocessing.get_context(start_method())
    if ctx.get_start_method() == "forkserver":
        # children fork from a server that has sympy imported already (this
        # only takes effect when the server starts, once per session)
        ctx.set_forkserver_preload(["adcompiler.sympy_steps", "sympy"])
    return ctx


def _one_child(problem: Problem, steps: list, results: dict) -> list:
    """Run ``steps`` in one child until one overruns; return those not run."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(problem, steps, sender), daemon=True)
    try:
        proc.start()
    except (RecursionError, pickle.PicklingError) as exc:  # a too-deep expression
        sender.close()
        receiver.close()
        results.update({s: Failed(f"cannot hand the expression to sympy's process: "
                                  f"{type(exc).__name__}") for s in steps})
        return []
    sender.close()
    try:
        for k, step in enumerate(steps):
            if not receiver.poll(_seconds(problem, step)):
                results[step] = OVER
                return steps[k + 1:]
            try:
                name, value = receiver.recv()
            except EOFError:  # the child died (memory, recursion limit)
                results[step] = Failed("sympy's process ended without an answer")
                return steps[k + 1:]
            results[name] = value
        return []
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join()
