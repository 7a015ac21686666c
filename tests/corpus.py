"""The shared corpus of example functions: every mode and every checker runs
over it (forward against reverse, both against the dual-number oracle).

Each entry: (function, points, wrt).  Add functions here, not copies elsewhere.
"""
import math
from math import atan, cos, exp, log, sin, sqrt, tanh

import numpy as np


def seed000_J(w, x=1.0):
    return x * w * sin(w) + (x * w * sin(w)) ** 2


def seed002_f(x1, x2):
    return log(x1) + x1 * x2


def seed004_f(x1, x2):
    return log(x1) + x1 * sin(x2)


def x2_over_cos(x):
    return x ** 2 / cos(x)


def square_of_sum(x1, x2):
    return (x1 ** 2 + x2 ** 2) ** 2


def reuse(x):
    a = x ** 2
    b = 5 * a
    c = log(a)
    g = b * c
    return -g


def np_scalar(x, y):
    return np.sin(x) * np.exp(y) + np.sqrt(x * x + y * y) - np.arctan2(y, x)


def logistic_map(x, n=8):
    l = x
    for i in range(n):
        l = 4 * l * (1 - l)
    return l


def sine_tower(x, n=6):
    s = x
    for _ in range(n):
        s = sin(s) + 0.5 * s
    return s


def branchy(a, b):
    if a > b:
        c = a * b
    elif a > 0:
        c = a / (1 + b * b)
    else:
        c = -a + exp(b)
    return c * c + (a if a > b else b)


def seed004_control(a, b):
    c = 0.0
    if a > b:
        for i in range(10):
            c += a * i
    c = c + a * b
    return c


def data_while(x):
    s = 0.0
    k = 0
    while s < 10:
        s = s + x * (k + 1)
        k += 1
    return s * x


def newton_sqrt(a):
    x = a
    for i in range(50):
        nxt = 0.5 * (x + a / x)
        if abs(nxt - x) < 1e-12:
            break
        x = nxt
    return x


def early_return(x):
    acc = 0.0
    for i in range(20):
        acc = acc + sin(x * i)
        if acc > 1.5:
            return acc * x
    return acc


def skip_odd(x):
    s = 0.0
    for i in range(8):
        if i % 2 == 1:
            continue
        s = s + x ** i
    return s


def nested_loops(x, y):
    s = 0.0
    for i in range(3):
        t = x
        for j in range(i + 1):
            t = t * y + sin(t)
        s = s + t
    return s


def fib_like(x):
    a, b = 1.0, x
    for _ in range(6):
        a, b = b, a + b * x
    return b


def over_list(x, y):
    total = 0.0
    for w in [x, y, x * y]:
        total = total + w * w
    for k, v in enumerate((x, y)):
        total = total + k * v
    return total


def _helper(u, scale=2.0):
    return scale * sin(u) + u * u


def _helper2(u, v):
    return _helper(u) * _helper(v, scale=0.5)


def calls_helpers(x, y):
    return _helper2(x, y) + _helper(y, scale=x)


def _rec(t, depth):
    if depth == 0:
        return t
    return t + _rec(t * 0.9 + 0.1 * sin(t), depth - 1)


def recursive20(x):
    return _rec(x, 20)


def range_from_value(x, n):
    s = x
    for i in range(int(n), 2 * int(n) + 1, 2):
        s = s * 0.5 + x / (i + 1)
    return s


def conditional_expr(x, y):
    z = x * y if x < y else x + y
    return z ** 3 if (0 < x < 2 and not y > 3) or x < -5 else z


def minmax_abs(x, y):
    return max(x, y) * min(x, 2 * y) + abs(x - y)


def hyperbolic(x):
    return math.sinh(x) * math.cosh(x) / (1 + tanh(x) ** 2) + math.log1p(x * x) + math.expm1(x)


def trig_inverse(x):
    return math.asin(x / 2) + math.acos(x / 3) + atan(x) + math.log2(1 + x * x) + math.log10(2 + x)


def power_forms(x, y):
    return x ** y + pow(x, 3) + math.pow(y, 2) + 2 ** x + math.hypot(x, y) + sqrt(x) * math.log(y, 3)


def _looped(u, k=4):
    acc = u
    for i in range(k):
        acc = acc * sin(acc) + u
    return acc


def calls_looped(x, y):
    return _looped(x) * _looped(y * y) + x * _looped(y)


CORPUS = [
    (seed000_J, [(-4.9,), (0.7,)], (0,)),
    (seed002_f, [(2.0, 5.0), (0.5, -1.0)], (0, 1)),
    (seed004_f, [(2.0, 1.0)], (0, 1)),
    (x2_over_cos, [(math.pi,), (0.3,)], (0,)),
    (square_of_sum, [(1.5, -0.5)], (0, 1)),
    (reuse, [(1.7,)], (0,)),
    (np_scalar, [(0.8, 0.3)], (0, 1)),
    (logistic_map, [(0.3,), (0.71,)], (0,)),
    (sine_tower, [(0.4,)], (0,)),
    (branchy, [(2.0, 1.0), (0.5, 2.0), (-1.0, 0.5)], (0, 1)),
    (seed004_control, [(2.0, 1.0), (1.0, 2.0)], (0, 1)),
    (data_while, [(0.7,), (2.3,)], (0,)),
    (newton_sqrt, [(2.0,), (9.0,)], (0,)),
    (early_return, [(0.3,), (0.01,)], (0,)),
    (skip_odd, [(1.3,)], (0,)),
    (nested_loops, [(0.3, 0.8)], (0, 1)),
    (fib_like, [(0.9,)], (0,)),
    (over_list, [(1.2, -0.7)], (0, 1)),
    (calls_helpers, [(0.4, 1.1)], (0, 1)),
    (recursive20, [(0.3,)], (0,)),
    (range_from_value, [(0.6, 3.0)], (0,)),
    (conditional_expr, [(1.0, 2.0), (3.0, 1.0), (-6.0, 1.0)], (0, 1)),
    (minmax_abs, [(1.0, 2.0), (3.0, 0.5)], (0, 1)),
    (hyperbolic, [(0.4,)], (0,)),
    (trig_inverse, [(0.5,)], (0,)),
    (power_forms, [(1.3, 0.7)], (0, 1)),
    (calls_looped, [(0.4, 0.7)], (0, 1)),
]


def cases():
    """(id, function, point, wrt) for pytest parametrisation."""
    out = []
    for fn, points, wrt in CORPUS:
        for k, p in enumerate(points):
            out.append((f"{fn.__name__}-{k}", fn, p, wrt))
    return out
