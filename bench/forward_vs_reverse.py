"""Benchmark: forward against reverse mode, and the cost of the emitted HVP.

    python bench/forward_vs_reverse.py

Prints markdown (used in docs/forward_or_reverse.md):

1. the emitted Hessian-vector product (forward over reverse) as a multiple of
   the emitted gradient's run time, for a few functions (the emitted
   functions are timed directly, without the API's call overhead);
2. the full Jacobian of a function with 1 input / 100 outputs and of one with
   100 inputs / 1 output, by forward mode (one tangent pass per input) and by
   reverse mode (one adjoint pass per output).

Timing only: correctness is the test suite's job.  Not run by pytest.
"""
from __future__ import annotations

import datetime
import importlib.util
import os
import platform
import sys
import tempfile
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from adcompiler import jacobian  # noqa: E402
from adcompiler.api.arguments import defaults_tail  # noqa: E402
from adcompiler.api.reverse_grad import compiled  # noqa: E402
from adcompiler.api.emitted import cached  # noqa: E402
from adcompiler.api.higher import hvp_function  # noqa: E402
from adcompiler.api.linearize import VjpPair, jvp_function  # noqa: E402

N = 100


def _module(source: str, name: str):
    """Write generated benchmark functions to a real file so that their
    source can be read (adcompiler reads source, never bytecode)."""
    path = os.path.join(tempfile.mkdtemp(), name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def wide_functions():
    """fan_out: R -> R^100 and fan_in: R^100 -> R, straight-line code."""
    outs = ", ".join(f"sin({k + 1} * x) * x + x ** 2 / {k + 1}" for k in range(N))
    params = ", ".join(f"x{k}" for k in range(N))
    terms = " + ".join(f"sin(x{k}) * x{(k + 1) % N}" for k in range(N))
    src = (f"from math import sin\n\n\ndef fan_out(x):\n    return {outs}\n\n\n"
           f"def fan_in({params}):\n    return {terms}\n")
    return _module(src, "bench_wide")


def per_call(fn, *args, budget: float = 0.3) -> float:
    """Seconds per call: best of 3 runs of an automatically sized loop."""
    timer = timeit.Timer(lambda: fn(*args))
    number, _ = timer.autorange()
    number = max(1, int(number * budget / 0.2))
    return min(timer.repeat(3, number)) / number


def emitted_gradient(fn, n: int):
    """The emitted gradient function itself (no API wrapper in the timing)."""
    return compiled(fn, tuple(range(n))).load()


def hvp_table() -> list:
    import corpus
    from test_transforms import POINT5, rosenbrock
    cases = [("rosenbrock (5 inputs, unrolled)", rosenbrock, POINT5),
             ("logistic_map (loop of 8, tape)", corpus.logistic_map, (0.3,)),
             ("nested_loops (2 inputs, tape)", corpus.nested_loops, (0.3, 0.8)),
             ("calls_helpers (fwd/bwd pairs)", corpus.calls_helpers, (0.4, 1.1)),
             ("seed000_J", corpus.seed000_J, (-4.9,))]
    rows = []
    for label, fn, point in cases:
        n = len(point)
        full = point + defaults_tail(fn, n)  # the HVP's tangents follow every parameter
        g = emitted_gradient(fn, n)
        h = hvp_function(fn, n).emitted_function()
        t_f = per_call(fn, *point)
        t_g = per_call(g, *point)
        t_h = per_call(h, *full, *([1.0] * n))
        rows.append((label, t_f, t_g, t_h))
    return rows


def forward_jacobian(fn, n: int):
    """All n columns: one call of the emitted tangent function per input."""
    tangent = jvp_function(fn, n).emitted.emitted_function()
    seeds = [tuple(float(k == j) for k in range(n)) for j in range(n)]
    return lambda *x: [tangent(*x, *e) for e in seeds]


def reverse_jacobian(fn, m: int):
    """All m rows: one forward sweep, then one adjoint sweep per output."""
    fwd, bwd, _ = cached(VjpPair, fn).functions()
    seeds = [tuple(float(k == i) for k in range(m)) for i in range(m)]

    def jac(*x):
        res = fwd(*x)[-1]
        return [bwd(res, *e) for e in seeds]

    return jac


def jacobian_table() -> list:
    mod = wide_functions()
    x_in = tuple(0.01 * (k + 1) for k in range(N))
    rows = []
    for label, fn, point, m in [("fan_out: 1 input, 100 outputs", mod.fan_out, (0.7,), N),
                                ("fan_in: 100 inputs, 1 output", mod.fan_in, x_in, 1)]:
        wrt = tuple(range(len(point)))
        fwd = forward_jacobian(fn, len(point))
        rev = reverse_jacobian(fn, m)
        rows.append((label, per_call(fn, *point), per_call(fwd, *point), per_call(rev, *point),
                     jacobian(fn, wrt=wrt).chosen_mode()))
    return rows


def main() -> None:
    us = 1e6
    print(f"Measured {datetime.date.today().isoformat()} on {platform.machine()} "
          f"({platform.processor() or 'unknown cpu'}, {os.cpu_count()} cores), "
          f"Python {platform.python_version()}, {platform.system()}.\n")
    print("| function | f (µs) | gradient (µs) | HVP (µs) | HVP / gradient |")
    print("|---|---:|---:|---:|---:|")
    for label, t_f, t_g, t_h in hvp_table():
        print(f"| {label} | {t_f * us:.2f} | {t_g * us:.2f} | {t_h * us:.2f} | {t_h / t_g:.2f} |")
    print()
    print("| full Jacobian of | f (µs) | forward (µs) | reverse (µs) | reverse / forward "
          "| `mode=\"auto\"` picks |")
    print("|---|---:|---:|---:|---:|---|")
    for label, t_f, t_fw, t_rv, auto in jacobian_table():
        print(f"| {label} | {t_f * us:.1f} | {t_fw * us:.1f} | {t_rv * us:.1f} | "
              f"{t_rv / t_fw:.2f} | {auto} |")


if __name__ == "__main__":
    main()
