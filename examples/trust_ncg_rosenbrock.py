"""Second order with scipy.optimize: trust-region Newton-CG on the extended
Rosenbrock function, its Hessian applied by adcompiler's hvp (forward over
the compiled gradient, never a full Hessian), beside L-BFGS-B with the
gradient only.  Which one wins is measured, not assumed.

Run it:                python examples/trust_ncg_rosenbrock.py
See the derivatives:   python -m adcompiler compile examples/trust_ncg_rosenbrock.py -f rosenbrock --order 2 --shapes x=100
"""
import time

import numpy as np
from scipy.optimize import minimize

from adcompiler import grad, hvp


def rosenbrock(x):
    """The extended Rosenbrock function: n/2 independent pairs."""
    odd, even = x[::2], x[1::2]
    return np.sum(100.0 * (even - odd ** 2) ** 2 + (1.0 - odd) ** 2)


def hessp(x, p):
    """H(x) @ p: one forward pass over the gradient's code."""
    return hvp(rosenbrock, (x,), (p,))


def start(n):
    x0 = np.ones(n)
    x0[::2] = -1.2
    return x0


def solve(n=100, method="trust-ncg", repeat=3):
    """Minimise from the classic start (-1.2, 1, -1.2, 1, ...); returns
    ``(scipy result, seconds)``, the best of ``repeat`` runs (compilation
    happens in a warm-up call first, SciPy's own first-call costs in run 1)."""
    x0 = start(n)
    g = grad(rosenbrock)
    g(x0), hessp(x0, x0)  # compile both for these shapes before timing
    options = {"gtol": 1e-8} if method == "trust-ncg" else {"gtol": 1e-8, "ftol": 1e-15}
    extra = {"hessp": hessp} if method == "trust-ncg" else {}
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = minimize(rosenbrock, x0, jac=g, method=method, options=options, **extra)
        best = min(best, time.perf_counter() - t0)
    return result, best


def report(n=100) -> str:
    lines = [f"extended Rosenbrock, n = {n}, start (-1.2, 1, ...):"]
    for method in ("trust-ncg", "L-BFGS-B"):
        result, seconds = solve(n, method)
        hev = f", {result.nhev} Hessian-vector products" if method == "trust-ncg" else ""
        lines.append(f"  {method:9s}: {result.nit:4d} iterations, {result.njev:4d} gradients"
                     f"{hev}, f = {result.fun:.1e}, |x - 1| = {np.max(np.abs(result.x - 1)):.1e},"
                     f" {seconds * 1000:.1f} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
