"""Logistic regression on a chunked dataset with Dask: the gradient is the
code adcompiler emits with its array-api backend, run on the Dask arrays
(each chunk on a worker), never on one NumPy array.

Run it:                python examples/dask_logistic_regression.py
On a real cluster:     python examples/dask_logistic_regression.py tcp://scheduler:8786
See the derivative:    python -m adcompiler compile examples/dask_logistic_regression.py -f cross_entropy --shapes w=3,X=200x3,y=200 --backend array-api

Needs dask[array] and distributed (pip install "dask[array]" distributed).
"""
import sys

import numpy as np

from adcompiler import grad


def cross_entropy(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def data(n=20_000, chunk=5_000, seed=1):
    """A chunked dataset: ``n`` rows in chunks of ``chunk`` rows."""
    import dask.array as da
    rng = da.random.default_rng(seed)
    X = da.concatenate([da.ones((n, 1), chunks=(chunk, 1)),
                        rng.normal(size=(n, 2), chunks=(chunk, 2))], axis=1)
    true_w = np.array([-0.5, 2.0, -1.0])
    y = (rng.random(n, chunks=chunk) < 1 / (1 + np.exp(-(X @ true_w)))).astype(float)
    return X.persist(), y.persist()  # kept in the workers' memory between steps


def fit(X, y, steps=100, rate=1.0):
    """Gradient descent; each step's gradient is a Dask graph over the chunks
    (the emitted code's reductions sum per chunk, then across chunks)."""
    import dask.array as da
    dloss = grad(cross_entropy)
    w = da.zeros(X.shape[1])
    for _ in range(steps):
        w = (w - rate * dloss(w, X, y)).persist()
    return w.compute()


def main(address=None, n=20_000, chunk=5_000, steps=100) -> tuple:
    """Fit on a ``LocalCluster`` of 2 workers (or the cluster at ``address``);
    returns ``(w, loss, accuracy)``."""
    from distributed import Client, LocalCluster
    cluster = None if address else LocalCluster(n_workers=2, threads_per_worker=1,
                                                processes=False, dashboard_address=None)
    try:
        with Client(address or cluster):
            X, y = data(n, chunk)
            w = fit(X, y, steps)
            Xn, yn = X.compute(), y.compute()
    finally:
        if cluster is not None:
            cluster.close()
    accuracy = np.mean(((Xn @ w) > 0) == (yn > 0.5))
    return w, cross_entropy(w, Xn, yn), accuracy


if __name__ == "__main__":
    w, loss, accuracy = main(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"w = {np.round(w, 3)}, loss = {loss:.4f}, accuracy = {accuracy:.2%}")
