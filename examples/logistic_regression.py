"""Logistic regression by gradient descent on the mean cross-entropy; the
gradient is compiled by adcompiler and agrees with the textbook X.T @ (p - y) / N.

Run it:                python examples/logistic_regression.py
See the derivative:    python -m adcompiler compile examples/logistic_regression.py -f cross_entropy --shapes w=3,X=200x3,y=200
"""
import numpy as np

from adcompiler import grad


def cross_entropy(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def data(n=200, seed=1):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    true_w = np.array([-0.5, 2.0, -1.0])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ true_w)))).astype(float)
    return X, y


def fit(n=200, steps=500, rate=1.0, seed=1):
    X, y = data(n, seed)
    dloss = grad(cross_entropy)
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = w - rate * dloss(w, X, y)
    accuracy = np.mean(((X @ w) > 0) == (y > 0.5))
    return w, cross_entropy(w, X, y), accuracy


if __name__ == "__main__":
    w, loss, accuracy = fit()
    print(f"w = {np.round(w, 3)}, loss = {loss:.4f}, accuracy = {accuracy:.2%}")
