"""Seed 004: fit y = x + 1 + noise with a line w0 + w1 * x by gradient descent
on the mean squared error.  The gradient is compiled by adcompiler.

Run it:                python examples/linear_regression.py
See the derivative:    python -m adcompiler compile examples/linear_regression.py -f mse --shapes w=2,X=50,y=50
"""
import numpy as np

from adcompiler import grad


def mse(w, X, y):
    prediction = w[0] + w[1] * X
    return np.mean((prediction - y) ** 2)


def fit(n=50, steps=2000, rate=0.5, seed=4):
    rng = np.random.default_rng(seed)
    X = rng.random(n)
    y = X + 1 + rng.normal(0, 0.05, n)
    dmse = grad(mse)
    w = np.zeros(2)
    for _ in range(steps):
        w = w - rate * dmse(w, X, y)
    return w, mse(w, X, y)


if __name__ == "__main__":
    w, loss = fit()
    print(f"w0 = {w[0]:.4f}, w1 = {w[1]:.4f}, mse = {loss:.5f}")
