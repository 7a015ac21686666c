"""A small MLP whose parameters are a dict (JAX's pytree convention):
``grad(loss)(params, X, y)`` returns a dict with the same keys.

Run it:              python examples/mlp_dict_params.py
See the derivative:  python -c "import adcompiler, examples.mlp_dict_params as m;
                                print(adcompiler.source(m.loss, args=m.example()))"
"""
import numpy as np

from adcompiler import value_and_grad


def loss(params, X, y):
    """Mean squared error of a one-hidden-layer tanh network."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    pred = h @ params["W2"] + params["b2"]
    r = pred - y
    return np.mean(r * r)


def init(n_in=2, n_hidden=8, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(scale=0.5, size=(n_in, n_hidden)), "b1": np.zeros(n_hidden),
            "W2": rng.normal(scale=0.5, size=n_hidden), "b2": 0.0}


def example(n=64, seed=1):
    """``(params, X, y)``: a regression of y = sin(x0) * x1 on random points."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    return init(), X, np.sin(X[:, 0]) * X[:, 1]


def train(steps=200, rate=0.1):
    """Plain gradient descent; returns the losses, one per step."""
    params, X, y = example()
    step = value_and_grad(loss)
    losses = []
    for _ in range(steps):
        value, g = step(params, X, y)
        params = {k: params[k] - rate * g[k] for k in params}
        losses.append(value)
    return params, losses


if __name__ == "__main__":
    _, losses = train()
    print(f"loss: {losses[0]:.4f} at step 0, {losses[-1]:.4f} after {len(losses)} steps")
