"""Per-call time of f, of adcompiler's gradient and of a hand-written NumPy
gradient, measured in one run (issue 8's benchmark).

    python bench/numpy_grads.py            # N = 100 000, d = 100 and N = 10 000
    python bench/numpy_grads.py --quick    # small sizes, a smoke run

Importable: ``run(quick=False) -> list of dict rows``.  Standalone: needs only
numpy and adcompiler.  Times are the best of several repeats (``timeit``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from adcompiler import grad  # noqa: E402


# ---------------------------------------------------------------- logistic regression
def logistic_loss(w, X, y):
    """Mean cross-entropy of a logistic model, labels y in {0, 1}."""
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_grad_by_hand(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (p - y) / len(y)


def softplus_loss(w, X, s):
    """The same loss written with labels s = 2y - 1 in {-1, 1}: mean log(1 + e^(-s z))."""
    return np.mean(np.log1p(np.exp(-s * (X @ w))))


def softplus_grad_by_hand(w, X, s):
    e = np.exp(-s * (X @ w))
    return X.T @ (-s * e / (1 + e)) / len(s)


# ---------------------------------------------------------------- seed 003 network
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def nll(w0, W, X, y):
    """Seed 003: NLL = -sum log sigmoid((2y - 1) phi(x)^T w0), phi(x) = sigmoid(W x)."""
    h = sigmoid(X @ W.T)
    return -np.sum(np.log(sigmoid((2 * y - 1) * (h @ w0))))


def nll_grad_by_hand(w0, W, X, y):
    h = 1 / (1 + np.exp(-(X @ W.T)))
    s = 2 * y - 1
    p = 1 / (1 + np.exp(-s * (h @ w0)))
    o_bar = s * (p - 1)
    w0_bar = h.T @ o_bar
    a_bar = np.outer(o_bar, w0) * h * (1 - h)
    return w0_bar, a_bar.T @ X


# ---------------------------------------------------------------- measuring
def per_call(fns, args, budget=0.05, rounds=21) -> tuple:
    """Per-call times in seconds of each function, measured in alternating
    rounds so that a busy machine slows all of them alike: the best time of
    each, and the median over rounds of each one's time relative to the last
    function (the hand-written gradient) measured next to it."""
    counts = []
    for fn in fns:
        fn(*args)
        once = max(timeit.timeit(lambda: fn(*args), number=1), 1e-7)
        counts.append(max(1, int(budget / once)))
    samples = [[] for _ in fns]
    for _ in range(rounds):
        for k, (fn, n) in enumerate(zip(fns, counts)):
            samples[k].append(timeit.timeit(lambda: fn(*args), number=n) / n)
    best = [min(s) for s in samples]
    ratios = [statistics.median(a / b for a, b in zip(s, samples[-1])) for s in samples]
    return best, ratios


def problems(quick: bool):
    rng = np.random.default_rng(8)
    n1, d1, n2 = (2000, 20, 500) if quick else (100_000, 100, 10_000)
    X1 = rng.normal(size=(n1, d1))
    y1 = (rng.random(n1) < 0.5).astype(float)
    w1 = rng.normal(size=d1) * 0.1
    X2 = rng.normal(size=(n2, 2))
    y2 = (rng.random(n2) < 0.5).astype(float)
    w0, W = rng.normal(size=3), rng.normal(size=(3, 2))
    return [
        (f"logistic regression N={n1} d={d1}", logistic_loss, grad(logistic_loss),
         logistic_grad_by_hand, (w1, X1, y1)),
        (f"logistic, log1p form N={n1} d={d1}", softplus_loss, grad(softplus_loss),
         softplus_grad_by_hand, (w1, X1, 2 * y1 - 1)),
        (f"seed 003 network N={n2}", nll, grad(nll, wrt=(0, 1)), nll_grad_by_hand,
         (w0, W, X2, y2)),
    ]


def run(quick: bool = False, show: bool = False) -> list:
    rows = []
    for name, f, g, hand, args in problems(quick):
        if show:
            g(*args)
            print(g.source)
        ours, theirs = g(*args), hand(*args)
        for a, b in zip(ours if isinstance(ours, tuple) else (ours,),
                        theirs if isinstance(theirs, tuple) else (theirs,)):
            assert np.allclose(a, b, rtol=1e-9, atol=1e-12), name
        (tf, tg, th), (_, ratio, _) = per_call([f, g, hand], args)
        rows.append({"problem": name, "f": tf, "adcompiler": tg, "hand": th, "ratio": ratio})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--show", action="store_true", help="print the emitted gradients")
    args = parser.parse_args(argv)
    rows = run(args.quick, args.show)
    print("best per-call times; adc/hand is the median ratio of adjacent measurements")
    print(f"{'problem':38} {'f':>10} {'adcompiler':>11} {'by hand':>10} {'adc/hand':>9} {'adc/f':>6}")
    for r in rows:
        print(f"{r['problem']:38} {r['f'] * 1e3:8.3f}ms {r['adcompiler'] * 1e3:9.3f}ms "
              f"{r['hand'] * 1e3:8.3f}ms {r['ratio']:9.2f} {r['adcompiler'] / r['f']:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
