"""scipy.optimize.minimize with the gradient compiled by adcompiler: the
Rosenbrock function written as a loop over the elements of x.

Run it:                python examples/rosenbrock_scipy.py
See the derivative:    python -m adcompiler compile examples/rosenbrock_scipy.py -f rosenbrock --shapes x=5
"""
import numpy as np
from scipy.optimize import minimize

from adcompiler import grad


def rosenbrock(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def solve(n=5):
    x0 = np.full(n, -1.0)
    x0[::2] = 1.2
    return minimize(rosenbrock, x0, jac=grad(rosenbrock), method="BFGS", options={"gtol": 1e-9})


if __name__ == "__main__":
    result = solve()
    print(f"x = {np.round(result.x, 6)}, f = {result.fun:.2e}, {result.nit} iterations, "
          f"{result.njev} gradient calls")
