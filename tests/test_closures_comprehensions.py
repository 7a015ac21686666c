"""Comprehensions, generators, nested def/lambda (closures), float("inf"),
print in the body (issue 14), and the refusals that remain.

Each scalar construct is checked in reverse mode (grad), forward mode
(grad(mode="forward"), jvp, derivative) against dual numbers and central
differences; NumPy ones in reverse mode against central differences.
"""
import ast
import math

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError
from tests.oracles import central_diff, dual_grad


# ---------------------------------------------------------------- scalar cases
def gen_sum(x, y):
    return sum(math.sin(x * k) * y for k in range(1, 4))


def gen_sum_runtime(x, n=4):
    return sum(x ** k / (k + 1) for k in range(n))


def list_sum_start_if(x, y):
    return sum([x * i + y for i in range(5) if i % 2 == 1], y * y)


def gen_over_tuple(x, y):
    return sum(math.exp(c * x) for c in (0.5, -1.0, y))


def gen_min_max(x, y):
    return max(x * c for c in (1.0, -2.0, 0.5)) + min(math.cos(x + i * y) for i in range(3))


def nested_gen(x, y):
    return sum(sum(x * i + y * j for j in range(i)) for i in range(4))


def gen_two_fors(x, y):
    return sum(x * i * j + y for i in range(3) for j in range(i, 3))


def comp_var_shadows(x, y):
    i = y
    s = sum(x * i for i in range(3))  # the comprehension's i is its own
    return s * i


def list_comp_static(x, y):
    ys = [x ** (i + 1) for i in range(3)]
    return ys[-1] + sum(ys) * y


def closure(x, y):
    def g(t):
        return t * y + math.sin(x * t)
    return g(x) * g(2.0)


def closure_late(x, y):
    a = x

    def g(t):
        return a * t
    first = g(y)
    a = y * y  # Python's late binding: the call below sees the new a
    return first + g(y)


def lambdas(x, y):
    sq = lambda t, p=2: t ** p  # noqa: E731
    return sq(x) + sq(y, p=3) + (lambda u: u * x)(y)


def helpers_calling(x, y):
    w = x + y

    def h(t):
        return t * w

    def g(t, *, scale=2.0):
        return h(t) * scale
    return g(x) + g(y, scale=0.5)


def nested_deeper(x, y):
    def outer(t):
        def inner(u):
            return u * t * y
        return inner(x) + t
    return outer(y)


def closure_with_gen(x, y):
    def f(t):
        return t * y
    return sum(f(x * k) for k in range(3))


def recursive_closure(x, y):
    def p(t, n):
        if n == 0:
            return y
        return t * p(t, n - 1)
    return p(x, 3)


def infinities(x, y):
    lo = float("-inf")
    return min(x, float("inf")) + max(lo, y * x) + (0.0 if x < float("inf") else 1.0)


def printing(x, y):
    print("x is", x)
    z = x * y
    print(z)
    return z * z


def appended(x, y):
    ys = []
    for i in range(4):
        v = x ** i
        ys.append(v * y)
    for c in (0.5, y):
        ys.append(math.sin(c * x))
    return sum(ys) + ys[-1] * len(ys)


SCALAR = [appended, gen_sum, gen_sum_runtime, list_sum_start_if, gen_over_tuple, gen_min_max,
          nested_gen, gen_two_fors, comp_var_shadows, list_comp_static, closure, closure_late, lambdas,
          helpers_calling, nested_deeper, closure_with_gen, recursive_closure, infinities,
          printing]
POINTS = [(0.7, 1.3), (-1.1, 0.4)]


def _args(fn, point):
    return point[:fn.__code__.co_argcount] if fn is not gen_sum_runtime else point[:1]


def _oracle(fn, args):
    duals = dual_grad(fn, args, range(len(args)))
    for i, d in enumerate(duals):
        fd = central_diff(fn, args, i)
        assert abs(d - fd) <= 1e-5 * max(1.0, abs(d)), (fn.__name__, i, d, fd)
    return duals


@pytest.mark.parametrize("fn", SCALAR, ids=lambda f: f.__name__)
@pytest.mark.parametrize("point", POINTS)
def test_scalar_both_modes(fn, point):
    args = _args(fn, point)
    want = _oracle(fn, args)
    wrt = tuple(range(len(args)))
    for mode in ("reverse", "forward"):
        got = adcompiler.grad(fn, wrt=wrt, mode=mode)(*args)
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), (mode, got, want)
    value, _ = adcompiler.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    tangent = tuple(1.0 if i == 0 else 0.0 for i in range(len(args)))
    _, jv = adcompiler.jvp(fn, args, tangent)
    assert jv == pytest.approx(want[0], rel=1e-9, abs=1e-12)
    if len(args) == 1:
        assert adcompiler.derivative(fn)(*args) == pytest.approx(want[0], rel=1e-9)


def test_printing_does_not_print_in_the_derivative(capsys):
    g = adcompiler.grad(printing)
    calls = [n.func.id for n in ast.walk(ast.parse(g.source))
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "print" not in calls
    g(1.0, 2.0)
    assert capsys.readouterr().out == ""


def test_closure_source_is_a_helper_with_captured_parameters():
    src = adcompiler.grad(closure).source
    assert "def g_fwd(t, y, x)" in src  # captured names in order of use
    assert "g_fwd(x, y, x)" in src


# ---------------------------------------------------------------- NumPy cases
def np_gen_over_rows(W, v):
    return sum(np.tanh(row @ v) for row in W)


def np_array_comp(W, v):
    a = np.array([np.sum(W[i] * v) ** 2 for i in range(3)])
    return np.sum(a * a) + np.sum([v[j] * v[j] for j in range(4)])


def np_closure_over_array(W, v):
    b = np.sin(v)

    def layer(x):
        return np.tanh(W @ (x + b))
    return np.sum(layer(v) ** 2)


def np_lambda_over_array(W, v):
    act = lambda z: z * np.exp(-z * z)  # noqa: E731
    return np.sum(act(W @ v)) + max(np.sum(W[i]) * v[i] for i in range(3))


def np_appended(W, v):
    rows = []
    for i in range(3):
        rows.append(np.tanh(W[i] @ v))
    a = np.array(rows)
    return np.sum(a * a) + rows[0]


COEFFS = (0.5, 1.5, 2.0)
SIZE = 3


def np_array_over_tuples(W, v):
    a = np.array([np.sum(W[i] * c) for c in COEFFS for i in range(SIZE)])
    cs = (v[0], v[1] * 2.0)
    b = [c * c for c in cs]
    return np.sum(a * a) + b[1]


ARRAYS = [np_array_over_tuples, np_appended, np_gen_over_rows, np_array_comp, np_closure_over_array, np_lambda_over_array]


@pytest.mark.parametrize("fn", ARRAYS, ids=lambda f: f.__name__)
def test_numpy_reverse(fn):
    rng = np.random.default_rng(3)
    args = (rng.normal(size=(3, 4)), rng.normal(size=4))
    got = adcompiler.grad(fn, wrt=(0, 1))(*args)
    for i in range(2):
        want = central_diff(fn, args, i)
        assert np.allclose(got[i], want, rtol=1e-6, atol=1e-7), (i, got[i], want)


# ---------------------------------------------------------------- refusals
def _refusal(src: str, tmp_path, fragment: str, line: int, name: str = "f"):
    from adcompiler.cli.commands import compile_file
    path = tmp_path / "bad.py"
    path.write_text(src)
    with pytest.raises(CompileError) as info:
        compile_file(str(path), [name], None)
    err = info.value
    assert fragment in err.message, err.message
    assert err.filename == str(path)
    assert err.line == line, err.line
    return err


REFUSED = {
    "runtime list": ("def f(x, n):\n    ys = [x * i for i in range(n)]\n    return x\n",
                     "length must be known when compiling", 2),
    "np.array runtime": ("import numpy as np\n\ndef f(x, n):\n"
                         "    return np.sum(np.array([x * i for i in range(n)]))\n",
                         "write a for loop with an accumulator", 4),
    "append runtime": ("def f(x, n):\n    ys = []\n    for i in range(n):\n"
                       "        ys.append(x * i)\n    return sum(ys)\n",
                       "ys.append(...) in a loop whose number of iterations is known only", 3),
    "append while": ("def f(x):\n    ys = []\n    while x < 3.0:\n        ys.append(x)\n"
                     "        x = x * 2.0\n    return sum(ys)\n", "inside a while loop", 3),
    "extend": ("def f(x):\n    ys = []\n    ys.extend([x])\n    return sum(ys)\n",
               "ys.extend(...): building a list by mutation is not supported", 3),
    "generator as value": ("def f(x):\n    g = (x * i for i in range(3))\n    return x\n",
                           "generator expression is supported only as the argument", 2),
    "nonlocal": ("def f(x):\n    z = x\n\n    def g(t):\n        nonlocal z\n        z = t\n"
                 "        return t\n    return g(x) + z\n", "nonlocal z", 4),
    "closure as value": ("def f(x):\n    def g(t):\n        return t\n"
                         "    return sum(map(g, [x]))\n", "nested function used as a value", 4),
    "lambda as value": ("def f(x):\n    return sorted([x], key=lambda t: -t)[0]\n",
                        "lambda used as a value", 2),
    "def in branch": ("def f(x):\n    if x > 0:\n        def g(t):\n            return t\n"
                      "    return x\n", "inside a branch or loop", 3),
    "called before def": ("def f(x):\n    y = g(x)\n\n    def g(t):\n        return t\n"
                          "    return y\n", "used before its definition", 2),
    "comprehension in ifexp": ("def f(x):\n    return x if x > 0 else sum(x * i for i in "
                               "range(3))\n", "conditional expression", 2),
    "comprehension in while": ("def f(x):\n    while x < sum(i for i in range(3)):\n"
                               "        x = x * 2\n    return x\n", "while condition", 2),
    "min key": ("def f(x):\n    return min((x * i for i in range(3)), key=abs)\n",
                "takes no other arguments", 2),
    "nonconstant default": ("def f(x):\n    def g(t, s=x):\n        return t * s\n"
                            "    return g(x)\n", "must be a constant", 2),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusals(name, tmp_path):
    src, fragment, line = REFUSED[name]
    _refusal(src, tmp_path, fragment, line)


def test_closure_over_array_is_not_called_a_global():
    def f(v):
        A = np.outer(v, v)

        def g(u):
            return A @ u
        return np.sum(g(v))
    v = np.array([1.0, 2.0])
    got = adcompiler.grad(f)(v)
    assert np.allclose(got, central_diff(f, (v,), 0), rtol=1e-6)


# ---------------------------------------------------------------- keyword-only parameters
SHIFT = 3.0


def kwonly(x, *, scale=2.0, shift=SHIFT):
    return math.sin(scale * x) + shift * x * x


def kwonly_no_default(x, *, n):
    return x ** n


def _kw_helper(t, *, p=2.0):
    return t ** p


def kwonly_helper(x):
    return _kw_helper(x) + _kw_helper(x, p=3.0)


def test_keyword_only_parameters_both_modes():
    def oracle(x, scale, shift):
        return _oracle(lambda a, b, c: kwonly(a, scale=b, shift=c), (x, scale, shift))
    want = oracle(0.7, 2.0, 3.0)
    assert adcompiler.grad(kwonly)(0.7) == pytest.approx(want[0], rel=1e-9)
    want = oracle(0.7, 0.5, 3.0)
    assert adcompiler.grad(kwonly)(0.7, scale=0.5) == pytest.approx(want[0], rel=1e-9)
    assert adcompiler.grad(kwonly, wrt="scale")(0.7, scale=0.5) == pytest.approx(want[1],
                                                                                  rel=1e-9)
    got = adcompiler.grad(kwonly, wrt=("x", "shift"), mode="forward")(0.7, 0.5)
    assert np.allclose(got, (want[0], want[2]), rtol=1e-9)
    assert adcompiler.grad(kwonly_no_default)(1.3, n=3) == pytest.approx(3 * 1.3 ** 2)
    want = _oracle(kwonly_helper, (1.3,))
    for mode in ("reverse", "forward"):
        assert adcompiler.grad(kwonly_helper, mode=mode)(1.3) == pytest.approx(want[0], rel=1e-9)


def test_closure_cell_of_a_live_function_is_not_called_a_global():
    def make(table):
        def f(x):
            return x * table
        return f
    with pytest.raises(CompileError) as info:
        adcompiler.grad(make("abc"))(1.0)
    assert "table is a variable of an enclosing function (a closure)" in info.value.message
    assert "global" not in info.value.message.split(";")[0]
    assert info.value.line == test_closure_cell_of_a_live_function_is_not_called_a_global \
        .__code__.co_firstlineno + 3


# ---------------------------------------------------------------- scoping corners
def lambda_in_generator(x, y):
    return sum((lambda t: t * c)(x) for c in (y, 2.0))


def inner_shadows_parameter(x, y):
    def g(x):
        return x * y
    return g(2.0 * x) + x


def lambda_returning_lambda_call(x, y):
    f = lambda a: (lambda b: a * b * y)(x)  # noqa: E731
    return f(y)


def generator_in_closure(x, y):
    def g(t):
        return sum(t ** k for k in range(3))
    return g(x) * y


def predicate_closure(x, y):
    def keep(v):
        return v > 0.5
    return sum(x * c for c in (0.2, 0.7, y) if keep(c))


def generator_zip_enumerate(x, y):
    return sum(a * b for a, b in zip((x, y), (y, 2.0))) + \
        sum(i * v for i, v in enumerate((x, y, x * y)))


@pytest.mark.parametrize("fn", [lambda_in_generator, inner_shadows_parameter,
                                lambda_returning_lambda_call, generator_in_closure,
                                predicate_closure, generator_zip_enumerate],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("point", [(1.3, 0.7), (0.4, 0.3)])
def test_scoping_corners(fn, point):
    want = _oracle(fn, point)
    for mode in ("reverse", "forward"):
        got = adcompiler.grad(fn, wrt=(0, 1), mode=mode)(*point)
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), (mode, got, want)
