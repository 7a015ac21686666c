"""The benchmark workloads: each function ``f`` as a user would write it, its
hand-written gradient (the reference every backend is checked against), and
its inputs at full and at ``--quick`` size.

The functions name their elementary functions through module globals (``sin``,
``np``) so that :mod:`bench.peers` can re-execute the very same source with
JAX, autograd, PyTorch or sympy bound to those names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import cos, log, sin
from typing import Callable

import numpy as np


# ---------------------------------------------------------------- scalar workloads
def seed000_J(w, x=1.0):
    return x * w * sin(w) + (x * w * sin(w)) ** 2


def seed000_J_hand(w, x=1.0):
    s = sin(w)
    t = x * w * s
    return (1.0 + 2.0 * t) * x * (s + w * cos(w))


def seed002_f(x1, x2):
    return log(x1) + x1 * x2


def seed002_f_hand(x1, x2):
    return 1.0 / x1 + x2, x1


def x2_over_cos(x):
    return x ** 2 / cos(x)


def x2_over_cos_hand(x):
    c = cos(x)
    return (2.0 * x + x * x * sin(x) / c) / c


def logistic_map(x, n=10):
    l = x
    for i in range(n):
        l = 4 * l * (1 - l)
    return l


def logistic_map_hand(x, n=10):
    l, d = x, 1.0
    for i in range(n):
        d *= 4.0 - 8.0 * l
        l = 4 * l * (1 - l)
    return d


def sine_tower(x, n=30):
    s = x
    for _ in range(n):
        s = sin(s) + 0.5 * s
    return s


def sine_tower_hand(x, n=30):
    s, d = x, 1.0
    for _ in range(n):
        d *= cos(s) + 0.5
        s = sin(s) + 0.5 * s
    return d


def square_of_sum(x1, x2):
    return (x1 ** 2 + x2 ** 2) ** 2


def square_of_sum_hand(x1, x2):
    s4 = 4.0 * (x1 * x1 + x2 * x2)
    return s4 * x1, s4 * x2


def rosenbrock_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_hand(x):
    """Vectorised, as a person with NumPy would write it."""
    g = np.zeros_like(x)
    r = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * r - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * r
    return g


# ---------------------------------------------------------------- NumPy workloads
def logistic_regression(w, X, y):
    z = (2 * y - 1) * (X @ w)
    return np.sum(np.log(1.0 + np.exp(-z)))


def logistic_regression_hand(w, X, y):
    sign = 2 * y - 1
    return -(X.T @ (sign / (1.0 + np.exp(sign * (X @ w)))))


def network_nll(W, w0, X, y):
    """Seed 003: NLL of a logistic output on a layer of sigmoid units."""
    h = 1.0 / (1.0 + np.exp(-(X @ W.T)))
    z = (2 * y - 1) * (h @ w0)
    return np.sum(np.log(1.0 + np.exp(-z)))


def network_nll_hand(W, w0, X, y):
    h = 1.0 / (1.0 + np.exp(-(X @ W.T)))
    sign = 2 * y - 1
    dz = -sign / (1.0 + np.exp(sign * (h @ w0)))
    da = np.outer(dz, w0) * h * (1.0 - h)
    return da.T @ X, h.T @ dz


def linear_mse(w, X, y):
    """Seed 003: mean squared error of a linear model."""
    r = y - X @ w
    return np.sum(r ** 2) / len(y)


def linear_mse_hand(w, X, y):
    return (-2.0 / len(y)) * (X.T @ (y - X @ w))


# ---------------------------------------------------------------- the table
@dataclass
class Workload:
    name: str
    f: Callable
    hand: Callable
    make_args: Callable  # quick: bool -> tuple of arguments
    wrt: tuple = (0,)
    kind: str = "scalar"  # 'scalar' or 'numpy'
    sympy: bool = True  # small enough to differentiate symbolically
    notes: str = field(default="")
    loop: bool = False  # f is a Python loop (the JIT's targets)


def _data(n, d, seed=0, hidden=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.5).astype(float)
    if hidden:
        return rng.standard_normal((hidden, d)), rng.standard_normal(hidden), X, y
    return rng.standard_normal(d) / np.sqrt(d), X, y


def _rosen_args(quick):
    return (np.random.default_rng(1).uniform(-1.0, 1.5, 6 if quick else 100),)


WORKLOADS = [
    Workload("J(w) of seed 000", seed000_J, seed000_J_hand, lambda q: (-4.9, 1.0)),
    Workload("ln(x1) + x1·x2 (seed 002)", seed002_f, seed002_f_hand, lambda q: (2.0, 5.0), (0, 1)),
    Workload("x²/cos(x) (seed 002)", x2_over_cos, x2_over_cos_hand, lambda q: (3.0,)),
    Workload("logistic map, 10 iterations", logistic_map, logistic_map_hand, lambda q: (0.3,),
             loop=True),
    Workload("sine tower, 30 in a loop", sine_tower, sine_tower_hand, lambda q: (0.4,),
             loop=True),
    Workload("(x1² + x2²)² (seed 001)", square_of_sum, square_of_sum_hand,
             lambda q: (1.5, -0.5), (0, 1)),
    Workload("Rosenbrock, scalar loop, n=100", rosenbrock_loop, rosenbrock_hand, _rosen_args,
             notes="hand-written gradient is vectorised", loop=True),
    Workload("logistic regression, N=1e3, d=10", logistic_regression, logistic_regression_hand,
             lambda q: _data(20 if q else 1000, 3 if q else 10), kind="numpy", sympy=False),
    Workload("logistic regression, N=1e5, d=100", logistic_regression, logistic_regression_hand,
             lambda q: _data(30 if q else 100_000, 4 if q else 100, seed=2), kind="numpy",
             sympy=False),
    Workload("one-hidden-layer net (seed 003), N=1e3", network_nll, network_nll_hand,
             lambda q: _data(10 if q else 1000, 2, seed=3, hidden=3), (0, 1), kind="numpy",
             sympy=False),
    Workload("linear-regression MSE, N=1e3, d=10", linear_mse, linear_mse_hand,
             lambda q: _data(20 if q else 1000, 3 if q else 10, seed=4), kind="numpy",
             sympy=False),
]
