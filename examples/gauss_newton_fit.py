"""Gauss-Newton on a small nonlinear curve fit, y = a * exp(-b * t) + c, with
the Jacobian of the residual vector compiled by adcompiler.  ``mode="auto"``
picks forward mode (3 parameters, 20 residuals) where forward mode takes
arrays, else reverse mode: one sweep of the emitted vector-Jacobian product
per residual (its code is printed by the command below).

Each step solves the linearised least-squares problem J dp = -r; with a good
start it converges quadratically on data without noise.

Run it:                python examples/gauss_newton_fit.py
See the derivative:    python -c "import sys; sys.path.insert(0, 'examples'); \
import gauss_newton_fit as g; J = g.residual_jacobian; J(g.START, *g.data()); print(J.source)"
"""
import numpy as np

from adcompiler import jacobian

TRUE = np.array([2.5, 1.3, 0.5])  # a, b, c
START = np.array([2.0, 1.0, 0.0])


def residuals(p, t, y):
    a, b, c = p[0], p[1], p[2]
    return a * np.exp(-b * t) + c - y


residual_jacobian = jacobian(residuals, wrt="p")  # shape (len(t), 3)


def data(n=20, noise=0.0, seed=0):
    t = np.linspace(0.0, 4.0, n)
    y = TRUE[0] * np.exp(-TRUE[1] * t) + TRUE[2]
    return t, y + noise * np.random.default_rng(seed).normal(size=n)


def gauss_newton(p, t, y, steps=20, tol=1e-12):
    """``(parameters, history of the sum of squares)``."""
    history = [float(np.sum(residuals(p, t, y) ** 2))]
    for _ in range(steps):
        r = residuals(p, t, y)
        J = residual_jacobian(p, t, y)
        step, *_ = np.linalg.lstsq(J, -r, rcond=None)
        p = p + step
        history.append(float(np.sum(residuals(p, t, y) ** 2)))
        if np.max(np.abs(step)) < tol:
            break
    return p, history


if __name__ == "__main__":
    t, y = data()
    p, history = gauss_newton(START, t, y)
    for k, sse in enumerate(history):
        print(f"step {k:2d}: sum of squares {sse:.3e}")
    print(f"fitted a, b, c = {np.round(p, 10)} (true {TRUE})")
