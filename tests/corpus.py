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


# ---------------------------------------------------------------- NumPy programs
# Each entry: (function, argument shapes, wrt).  Arguments are drawn at random
# (fixed seed) by tests/test_numpy.py and checked against central differences.
# A shape () is a Python float.  Positive-only arguments are named pos_*.

def np_elementwise(x):
    return np.sum(np.sin(x) * np.cos(x) + np.tan(x / 4) + np.exp(x / 3) + np.tanh(x)
                  + np.sinh(x / 2) * np.cosh(x / 3) + np.arctan(x))


def np_logs(pos_x):
    return np.sum(np.log(pos_x) + np.log1p(pos_x) + np.expm1(pos_x / 5) + np.sqrt(pos_x)
                  + np.log2(pos_x) + np.log10(pos_x))


def np_abs_square_power(x, pos_y):
    return np.sum(np.abs(x) * np.square(x) + np.power(pos_y, 3) + pos_y ** x)


def np_max_min_clip(x, y):
    return np.sum(np.maximum(x, y) * np.minimum(x, 0.3) + np.clip(x, -0.5, 0.5) * y)


def np_where_sign(x, y):
    return np.sum(np.where(x > 0, x * y, y ** 2) + np.sign(x) * y)


def np_scalar_array(a, x):
    return np.sum(a * x + x / (1 + a * a) - a)


def np_row_matrix(b, M):
    return np.sum((M + b) ** 2)


def np_column_matrix(c, M):
    return np.sum(np.tanh(c * M) - M / (2 + c * c))


def np_keepdims(M):
    centred = M - M.mean(axis=1, keepdims=True)
    return np.sum(centred ** 2 / np.sum(M * M, axis=0, keepdims=True))


def np_matmul_2d(A, B):
    return np.sum(np.tanh(A @ B))


def np_matvec(A, x):
    return np.sum((A @ x) ** 2) + x @ x + np.dot(x, A.T @ x)


def np_vecmat(x, A):
    return np.sum(np.sin(x @ A)) + np.sum(np.matmul(A.T, x))


def np_transpose_outer_trace(A, u, v):
    return np.trace(A @ A.T) + np.sum(np.outer(u, v) * A) + np.sum(np.transpose(A) ** 3)


def np_norm(x):
    return np.linalg.norm(x) + np.linalg.norm(2 * x) ** 2


def np_reductions(M):
    return (np.mean(M, axis=1) @ np.sum(np.sin(M), axis=0)[:3] + M.sum() + M.mean(axis=0).sum()
            + np.sum(np.prod(M, axis=1)) + M.prod())


def np_max_unique(x, M):
    return np.max(x) * 2 + np.min(x) + np.sum(M.max(axis=0)) + np.sum(np.min(M, axis=1,
                                                                         keepdims=True) * M)


def np_shapes(x, M):
    a = np.reshape(M, (2, 6)) * 2.0
    b = np.expand_dims(x, 0) * M[:, :3]
    c = x[:, None] * M[:3, :]
    d = np.concatenate([x, x * 2, M[0]])
    e = np.stack((x, x ** 2), axis=1)
    f = M.reshape(-1) @ M.ravel() + M.T.flatten()[2]
    return np.sum(a ** 2) + np.sum(b) + np.sum(c ** 3) + d @ d + np.sum(e[:, 1]) + f


def np_shape_values(M):
    n, total = len(M), M.shape[0] * M.shape[1]
    rows, cols = M.shape
    first, second, third = M
    return (np.sum(M) / total + n * np.sum(M ** 2) / M.size + M.ndim + rows * cols
            + np.sum(first * third) - second[0])


def np_indexing(x, M):
    idx = np.array([0, 2, 2, 1, 0])
    return (x[1] * x[-1] + np.sum(x[1:3] ** 2) + np.sum(x[::-2]) + np.sum(M[1, :] * M[:, 2])
            + np.sum(x[idx] ** 2) + np.sum(M[[0, 0, 2]]) + np.sum(M[..., 1]))


def np_boolean_mask(x, y):
    return np.sum(x[x > 0] ** 2) + np.sum(y[x < 0]) + np.sum(np.where(y > 0, y, 0.0))


def np_rosenbrock_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_seed003_network(w0, W, X, y):
    h = np_sigmoid(X @ W.T)
    return -np.sum(np.log(np_sigmoid((2 * y - 1) * (h @ w0))))


def np_seed003_mse(w, X, y):
    a = X @ w
    b = y - a
    c = b ** 2
    g = sum(c)
    L = g / len(y)
    return L


def np_branch_loop(x, W):
    h = x
    for _ in range(3):
        h = np.tanh(W @ h)
    if np.sum(h) > 0:
        out = np.sum(h ** 2)
    else:
        out = np.sum(np.abs(h))
    return out


ARRAY_CORPUS = [
    (np_elementwise, [(5,)], (0,)),
    (np_logs, [(4,)], (0,)),
    (np_abs_square_power, [(4,), (4,)], (0, 1)),
    (np_max_min_clip, [(6,), (6,)], (0, 1)),
    (np_where_sign, [(6,), (6,)], (0, 1)),
    (np_scalar_array, [(), (3, 4)], (0, 1)),
    (np_row_matrix, [(3,), (4, 3)], (0, 1)),
    (np_column_matrix, [(4, 1), (4, 3)], (0, 1)),
    (np_keepdims, [(3, 4)], (0,)),
    (np_matmul_2d, [(3, 4), (4, 2)], (0, 1)),
    (np_matvec, [(3, 3), (3,)], (0, 1)),
    (np_vecmat, [(3,), (3, 4)], (0, 1)),
    (np_transpose_outer_trace, [(3, 2), (3,), (2,)], (0, 1, 2)),
    (np_norm, [(4,)], (0,)),
    (np_reductions, [(3, 4)], (0,)),
    (np_max_unique, [(5,), (3, 4)], (0, 1)),
    (np_shapes, [(3,), (3, 4)], (0, 1)),
    (np_shape_values, [(3, 4)], (0,)),
    (np_indexing, [(4,), (3, 3)], (0, 1)),
    (np_boolean_mask, [(6,), (6,)], (0, 1)),
    (np_rosenbrock_loop, [(5,)], (0,)),
    (np_seed003_network, [(3,), (3, 2), (7, 2), (7,)], (0, 1)),
    (np_seed003_mse, [(2,), (6, 2), (6,)], (0,)),
    (np_branch_loop, [(3,), (3, 3)], (0, 1)),
]


def np_loop_carried_array(x, W):
    acc = x * 0.0
    h = x
    for i in range(4):
        h = np.tanh(W @ h) + 0.5 * h
        acc = acc + np.sin(h * i) + x
    return np.sum(acc * acc)


def np_loop_rows(M, v):
    s = 0.0
    for i in range(M.shape[0]):
        row = M[i, :]
        if row @ v > 0:
            s = s + np.sum(row * v) ** 2
        else:
            s = s - M[i, i % 2] * v[-1]
    return s


def np_nested_element_loops(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i):
            s = s + x[i] * x[j] * (i - j)
    return s + x[0] * np.sum(x)


def np_while_array(x):
    y = x
    k = 0
    while np.sum(y * y) < 50.0 and k < 20:
        y = y * 1.5 + 0.1 * np.sin(y)
        k += 1
    return np.sum(y ** 3)


ARRAY_CORPUS += [
    (np_loop_carried_array, [(3,), (3, 3)], (0, 1)),
    (np_loop_rows, [(4, 3), (3,)], (0, 1)),
    (np_nested_element_loops, [(5,)], (0,)),
    (np_while_array, [(3,)], (0,)),
]
