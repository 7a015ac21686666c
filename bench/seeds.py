"""The worked examples of the seed lecture notes, for their compile times
(the notes and what each example must give: /work/shared/seeds/README.md)."""
from math import cos, exp, log, sin


def J(w, x=1.0):  # seed 000
    return x * w * sin(w) + (x * w * sin(w)) ** 2


def square_of_sum(x1, x2):  # seed 001
    return (x1 ** 2 + x2 ** 2) ** 2


def v1v2_minus_sin(v1, v2):  # seed 001
    return v1 * v2 - sin(v2)


def recursion(theta, depth=0):  # seed 001, the random draw made deterministic
    v = theta + 0.25 * sin(theta)
    if v > 2.0 or depth >= 20:
        return v
    return theta + recursion(theta + 0.5 * theta ** 2, depth + 1)


def ln_plus_product(x1, x2):  # seed 002
    return log(x1) + x1 * x2


def x2_over_cos(x):  # seed 002
    return x ** 2 / cos(x)


def cube(x):  # seed 002
    return x ** 3


def x1_cos_x2(x1, x2):  # seed 002
    return x1 * cos(x2)


def neg_log_sigmoid(w, x):  # seed 003
    return -log(1.0 / (1.0 + exp(-w * x ** 2)))


def loss(x):  # seed 003
    a = x ** 2
    b = 5 * a
    c = log(a)
    g = b * c
    L = -g
    return L


def ln_plus_sin(x1, x2):  # seed 004
    return log(x1) + x1 * sin(x2)


def control(a, b):  # seed 004
    c = 0.0
    if a > b:
        for i in range(10):
            c += a * i
    c = c + a * b
    return c


def linear_fit(w0, w1):  # seed 004: the squared error of y = w0 + w1·x on a few points
    xs = (0.0, 0.5, 1.0, 1.5, 2.0)
    ys = (1.1, 1.4, 2.1, 2.4, 3.0)
    total = 0.0
    for x, y in zip(xs, ys):
        r = w0 + w1 * x - y
        total = total + r * r
    return total / len(xs)


EXAMPLES = [
    ("000 J(w)", J, (0,)),
    ("001 (x1² + x2²)²", square_of_sum, (0, 1)),
    ("001 v1·v2 − sin(v2)", v1v2_minus_sin, (0, 1)),
    ("001 recursion", recursion, (0,)),
    ("002 ln(x1) + x1·x2", ln_plus_product, (0, 1)),
    ("002 x²/cos(x)", x2_over_cos, (0,)),
    ("002 x³", cube, (0,)),
    ("002 x1·cos(x2)", x1_cos_x2, (0, 1)),
    ("003 −log σ(w·x²)", neg_log_sigmoid, (0, 1)),
    ("003 loss(x)", loss, (0,)),
    ("004 ln(x1) + x1·sin(x2)", ln_plus_sin, (0, 1)),
    ("004 control flow", control, (0, 1)),
    ("004 linear fit", linear_fit, (0, 1)),
]
