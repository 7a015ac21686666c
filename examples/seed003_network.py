"""Seed 003: logistic-regression NLL through a layer of three sigmoid units,
NLL = -sum_i log sigma((2 y_i - 1) phi(x_i)^T w0),  phi(x) = sigma(W x),
trained by gradient descent on W and w0.  ``sigmoid`` is a helper function:
adcompiler differentiates through it.

Run it:                python examples/seed003_network.py
See the derivative:    python -m adcompiler compile examples/seed003_network.py -f nll --wrt w0,W --shapes w0=3,W=3x2,X=100x2,y=100
"""
import numpy as np

from adcompiler import grad


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def nll(w0, W, X, y):
    h = sigmoid(X @ W.T)
    return -np.sum(np.log(sigmoid((2 * y - 1) * (h @ w0))))


def data(n=100, seed=3):
    """Two classes separated by the line x1 = x2 (the model has no bias terms)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] > X[:, 1]).astype(float)
    return X, y


def train(n=100, steps=1500, rate=0.05, seed=3):
    X, y = data(n, seed)
    rng = np.random.default_rng(seed + 1)
    w0, W = rng.normal(size=3), rng.normal(size=(3, 2))
    dnll = grad(nll, wrt=(0, 1))
    start = nll(w0, W, X, y)
    for _ in range(steps):
        g0, gW = dnll(w0, W, X, y)
        w0, W = w0 - rate * g0, W - rate * gW
    return start, nll(w0, W, X, y), w0, W


if __name__ == "__main__":
    start, end, w0, W = train()
    print(f"NLL {start:.2f} -> {end:.2f}")
