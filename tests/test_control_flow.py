"""Control flow and calls in reverse mode, and the errors for what is out of scope."""
import math
from math import cos, exp, sin

import pytest

from adcompiler import CompileError, grad
from oracles import dual_grad


def both(fn, point, wrt=(0,)):
    got = grad(fn, wrt=wrt)(*point)
    assert tuple(got) if isinstance(got, tuple) else (got,) == pytest.approx(
        tuple(dual_grad(fn, point, wrt)), rel=1e-11, abs=1e-12)


def check(fn, point, wrt=(0,)):
    got = grad(fn, wrt=wrt)(*point)
    assert got == pytest.approx(tuple(dual_grad(fn, point, wrt)), rel=1e-11, abs=1e-12)


def while_break(x):
    s = x
    while True:
        s = s * 1.5 + sin(s)
        if s > 10:
            break
    return s


def nested_break(x):
    total = 0.0
    for i in range(4):
        for j in range(10):
            if j * x > 2:
                break
            total = total + x * j + i
    return total


def return_in_nested_loop(x):
    for i in range(5):
        for j in range(5):
            if x * i * j > 3:
                return x * i + j
    return -x


def chained(x, y):
    if 0 < x < y <= 4 and not (x == y or y > 3.5):
        return x * y
    return x + y


def zipped(x, y):
    s = 0.0
    for a, b in zip((x, y, 2.0), (y, x, x)):
        s = s + a * b
    return s


def list_variable(x, y):
    xs = [x, y, x * y]
    s = 1.0
    for v in xs:
        s = s * v + 1
    return s + len(xs)


def negative_step(x):
    s = 0.0
    for i in range(10, 0, -3):
        s = s + x ** i / (i + 1)
    return s


def loop_index_use(a):
    c = 0.0
    for i in range(1, 6):
        c = c + a * i + a ** i
    return c


def while_countdown(x, n):
    k = int(n)
    y = x
    while k > 0:
        y = y * cos(y)
        k = k - 1
    return y


def _inner(u):
    return u * exp(-u)


def _outer(u, times=3):
    for _ in range(times):
        u = _inner(u) + u
    return u


def helper_in_loop(x):
    return _outer(x) + _outer(x, times=1)


def branch_only_in_loop(x):
    s = x
    for i in range(6):
        if i % 2 == 0:
            t = s * s
            s = t * 0.5
        else:
            s = sin(s) + s
    return s


def swap(x, y):
    a, b = x, y
    for _ in range(5):
        a, b = b, a * 0.5 + b * x
    return a - b


def int_round(x):
    n = round(x * 3)
    return x * n + int(x) * x * x


CASES = [
    (while_break, [(0.5,), (3.0,)], (0,)),
    (nested_break, [(0.3,), (0.9,)], (0,)),
    (return_in_nested_loop, [(0.2,), (1.0,)], (0,)),
    (chained, [(1.0, 2.0), (2.0, 1.0), (1.0, 3.8), (3.0, 3.0)], (0, 1)),
    (zipped, [(0.4, 1.5)], (0, 1)),
    (list_variable, [(0.4, 1.5)], (0, 1)),
    (negative_step, [(0.9,)], (0,)),
    (loop_index_use, [(1.1,)], (0,)),
    (while_countdown, [(0.3, 4.0)], (0,)),
    (helper_in_loop, [(0.7,)], (0,)),
    (branch_only_in_loop, [(0.6,)], (0,)),
    (swap, [(0.3, 0.8)], (0, 1)),
    (int_round, [(1.3,)], (0,)),
]


@pytest.mark.parametrize("fn,points,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_control_flow_against_dual_numbers(fn, points, wrt):
    for p in points:
        check(fn, p, wrt)


def deep(x, depth):
    if depth == 0:
        return sin(x)
    return x * 0.5 + deep(x * 0.99, depth - 1)


def test_recursion_depth_20():
    check(lambda_free_deep, (0.4,), (0,))


def lambda_free_deep(x):
    return deep(x, 20)


def test_long_loop_runs_and_tape_stays_linear():
    def long_loop(x, n):
        s = x
        for i in range(n):
            s = s + 1e-6 * sin(s)
        return s
    ns = {"sin": sin}
    g = grad(long_loop)
    d = g(0.5, 100000)
    assert d == pytest.approx(dual_grad(long_loop, (0.5, 100000), (0,))[0], rel=1e-9)


# ------------------------------------------------------------ out of scope
ERRORS = {
    "try": ("def f(x):\n    try:\n        y = x\n    except ValueError:\n        y = 0.0\n    return y\n",
            "try statement", 2),
    "with": ("def f(x):\n    with open('a') as fh:\n        y = x\n    return y\n", "with statement", 2),
    "global": ("G = 1.0\ndef f(x):\n    global G\n    G = x\n    return x\n", "global statement", 3),
    "nonlocal": ("def f(x):\n    nonlocal y\n    return x\n", None, 2),
    "yield": ("def f(x):\n    yield x\n", "generator", 2),
    "await": ("async def f(x):\n    await x\n    return x\n", "async def", 1),
    "generator expression": ("def f(x):\n    g = (x * i for i in range(3))\n    return x\n",
                             "generator expression", 2),
    "list comprehension": ("def f(x, n):\n    g = [x * i for i in range(n)]\n    return x\n",
                           "length must be known when compiling", 2),
    "list append": ("def f(x, n):\n    xs = [x]\n    for i in range(n):\n        xs.append(x)\n"
                    "    return x\n", "list of unknown length", 3),
    "item assignment": ("def f(x):\n    xs = [x, x]\n    xs[0] = 2.0\n    return xs[1]\n",
                        "assignment to an item", 3),
    "class": ("def f(x):\n    class A:\n        pass\n    return x\n", "class definition", 2),
    "nested def": ("def f(x):\n    def g(y):\n        return y\n    return sum(map(g, [x]))\n",
                   "nested function used as a value", 4),
    "lambda": ("def f(x):\n    return sum(map(lambda y: y, [x]))\n", "lambda", 2),
    "async def": ("async def f(x):\n    return x\n", "async def", 1),
    "raise": ("def f(x):\n    if x > 0:\n        raise ValueError\n    return x\n", "raise statement", 3),
    "no return": ("def f(x):\n    y = x\n", "without returning", 2),
    "string": ("def f(x):\n    s = 'a'\n    return x\n", "str constants", 2),
    "unknown function": ("import math\ndef f(x):\n    return math.frexp(x)[0]\n", "math.frexp", 3),
    "undefined name": ("def f(x):\n    return x * nowhere\n", "'nowhere' is not defined", 2),
    # range(n) may run zero times: then Python raises UnboundLocalError (range(3) is fine)
    "loop var after loop": ("def f(x, n):\n    for i in range(n):\n        x = x * 2\n    return x * i\n",
                            "after its loop", 4),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_out_of_scope_constructs_raise_compile_error(name, tmp_path):
    from adcompiler.cli.commands import compile_file
    source, fragment, line = ERRORS[name]
    path = tmp_path / "bad.py"
    path.write_text(source)
    with pytest.raises(CompileError) as info:
        compile_file(str(path), ["f"], None)
    err = info.value
    assert err.filename == str(path)
    assert err.line == line
    if fragment:
        assert fragment in err.message
