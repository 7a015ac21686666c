"""Issue 14, the remaining language items: NumPy gaps (triangle indices,
joining lists that mix arrays, numbers and literals, ``slogdet`` fields,
``np.eye(n, m, k)``, ``dtype=`` of the ``*_like`` builders), ``*args`` in
the transforms and the command line, keyword arguments of emitted
callables, and messages that name what happened.  Gradients are checked
against central differences; refusals name the construct and its line."""
import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError, grad
from oracles import central_diff

RNG = np.random.default_rng(14)


def check(f, *args, argnum=0, tol=1e-6):
    got = grad(f, wrt=argnum)(*args)
    want = central_diff(f, args, argnum)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    return got


NUMPY_RELEASE = tuple(int(p) for p in np.__version__.split(".")[:2])


def refused(f, *args, words=()):
    with pytest.raises(CompileError) as info:
        grad(f)(*args)
    msg = str(info.value)
    for w in words:
        assert w in msg, msg
    return msg


def line_of(f, text: str) -> int:
    """The line number of the first source line of ``f`` containing ``text``."""
    import inspect
    lines, start = inspect.getsourcelines(f)
    return start + next(k for k, s in enumerate(lines) if text in s)


X3 = np.array([0.3, -1.2, 0.7])
M3 = np.array([[1.3, 0.2, -0.4], [0.5, 2.1, 0.3], [-0.2, 0.6, 1.7]])


# ---------------------------------------------------------------- triangle indices
def triu_of_matrix(M):
    return np.sum(M[np.triu_indices(3)] ** 2)


def tril_of_matrix(M):
    return np.sum(np.sin(M[np.tril_indices(3, -1)]))


def triu_by_name(x):
    iu = np.triu_indices(len(x), 1)
    M = np.outer(x, x)
    return np.sum(M[iu] ** 2)


def tril_rows_cols(x):
    rows, cols = np.tril_indices(len(x))
    return np.sum(np.outer(x, np.cos(x))[rows, cols])


def triu_rectangular(M):
    return np.sum(M[np.triu_indices(3, 1, 3)] * M[np.tril_indices(n=3, k=0, m=3)][:3])


@pytest.mark.parametrize("f,arg", [(triu_of_matrix, M3), (tril_of_matrix, M3),
                                   (triu_by_name, X3), (tril_rows_cols, X3),
                                   (triu_rectangular, M3)])
def test_triangle_indices(f, arg):
    check(f, arg)


def test_triangle_indices_emitted_as_numpy():
    code = adcompiler.source(triu_by_name, args=(X3,))
    assert "np.triu_indices(" in code


# ---------------------------------------------------------------- joining
def concat_list_mixed(x):
    return np.sum(np.concatenate([x, [1.0], np.zeros(2)]) ** 2 * np.arange(6.0))


def concat_tuple_mixed(x):
    return np.sum(np.concatenate((x * 2, [1.0, x[0]], x)) ** 3)


def stack_numbers_and_items(x):
    return np.sum(np.stack([x[0], 1.0, x[2] * x[1]]) ** 2)


def hstack_mixed(x):
    return np.sum(np.hstack([x, 1.0, np.ones(2), [x[1], 3.0]]) ** 2)


def concat_rows(M):
    return np.sum(np.concatenate([M, [[1.0, 2.0, 3.0]]], axis=0) ** 2)


@pytest.mark.parametrize("f,arg", [(concat_list_mixed, X3), (concat_tuple_mixed, X3),
                                   (stack_numbers_and_items, X3), (hstack_mixed, X3),
                                   (concat_rows, M3)])
def test_joining_mixed_items(f, arg):
    check(f, arg)


def concat_number(x):
    s = x[0]
    return np.sum(np.concatenate([x, s]))


def test_concatenate_of_a_number_is_refused_by_name():
    with pytest.raises(ValueError):  # NumPy itself refuses it
        concat_number(X3)
    msg = refused(concat_number, X3, words=("np.concatenate", "number", "[v]"))
    assert str(line_of(concat_number, "np.concatenate")) in msg


# ---------------------------------------------------------------- slogdet
def slogdet_attr(A):
    return np.linalg.slogdet(A).logabsdet


def slogdet_sign_attr(A):
    return np.linalg.slogdet(A).sign * np.sum(A ** 2)


def slogdet_indexed(A):
    res = np.linalg.slogdet(A)
    return res[1] + res[0]


def slogdet_name_attr(A):
    res = np.linalg.slogdet(A @ A.T + np.eye(3))
    return res.logabsdet * res.sign


@pytest.mark.parametrize("f", [slogdet_attr, slogdet_sign_attr, slogdet_indexed,
                               slogdet_name_attr])
def test_slogdet_fields(f):
    if f is not slogdet_indexed and NUMPY_RELEASE < (2, 0):
        # NumPy 1.x returns a plain tuple: Python raises, so the compiler refuses
        with pytest.raises(AttributeError):
            f(M3)
        refused(f, M3, words=("needs NumPy 2.0", "sign, logabsdet = np.linalg.slogdet(A)"))
        return
    check(f, M3)


def slogdet_bad_field(A):
    return np.linalg.slogdet(A).det


def test_slogdet_unknown_field_is_refused():
    msg = refused(slogdet_bad_field, M3, words=(".det",))
    assert str(line_of(slogdet_bad_field, ".det")) in msg


# ---------------------------------------------------------------- np.eye, *_like(dtype=)
def eye_offset(x):
    return np.sum(np.eye(3, 3, 1) @ x * x)


def eye_rectangular(x):
    return np.sum((np.eye(3, 4, -1) @ x) ** 2)


def eye_keywords(x):
    return np.sum(np.eye(len(x), k=1) @ x * x) + np.sum(np.eye(N=len(x), M=3) @ x[:3])


def zeros_like_float(x):
    return np.sum((np.zeros_like(x, dtype=float) + x) ** 2)


def ones_like_float(x):
    return np.sum(np.ones_like(x, dtype=np.float64) * x ** 3)


def asarray_of_array(x):
    return np.sum(np.asarray(x) ** 2)


@pytest.mark.parametrize("f,arg", [(eye_offset, X3), (eye_rectangular, np.arange(1.0, 5.0)),
                                   (eye_keywords, np.arange(1.0, 5.0)),
                                   (zeros_like_float, X3), (ones_like_float, X3),
                                   (asarray_of_array, X3)])
def test_builders_more(f, arg):
    check(f, arg)


def zeros_like_int(x):
    return np.sum(np.zeros_like(x, dtype=int) + x ** 2)


def ones_like_int(x):
    return np.sum(np.ones_like(x, dtype=np.int64) * x ** 2)


@pytest.mark.parametrize("f,label", [(zeros_like_int, "np.zeros_like"),
                                     (ones_like_int, "np.ones_like")])
def test_integer_dtype_of_like_refused(f, label):
    msg = refused(f, X3, words=(label, "dtype"))
    assert str(line_of(f, label)) in msg


def test_zeros_like_float_of_integer_array_gives_floats():
    def f(x, k):
        z = np.zeros_like(k, dtype=float) + 0.5
        return np.sum(z * x)
    k = np.array([1, 2, 3])
    np.testing.assert_allclose(grad(f)(X3, k), [0.5, 0.5, 0.5])


# ---------------------------------------------------------------- messages (item 3)
G2 = np.array([1.0, -2.0])


def pytree_with_global(p, x):
    return np.sum((p["W"] @ x + G2) ** 2)


def test_global_array_read_with_pytree_parameters():
    """Once refused with "G2 is a float64 array; only real numeric global
    arrays can be read" (the flattening's wrapper env was not live)."""
    W = np.array([[0.5, 0.1], [-0.3, 0.8]])
    x = np.array([1.0, 2.0])
    got = grad(pytree_with_global)({"W": W}, x)["W"]
    want = central_diff(lambda W: pytree_with_global({"W": W}, x), (W,), 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


class Model:
    def __init__(self):
        self.X = np.array([[1.0, 2.0], [3.0, 4.0]])
        self.labels = np.array(["a", "b"])

    def loss(self, p):
        return np.sum((self.X @ p["w"]) ** 2)

    def loss_labels(self, w):
        return np.sum((self.X @ w) ** 2) * len(self.labels)


def test_self_array_read_with_pytree_parameters():
    m = Model()
    w = np.array([0.5, -1.0])
    got = grad(m.loss)({"w": w})["w"]
    np.testing.assert_allclose(got, central_diff(lambda w: m.loss({"w": w}), (w,), 0),
                               rtol=1e-6, atol=1e-6)


def test_non_numeric_attribute_array_message_says_attribute():
    m = Model()
    msg = refused(m.loss_labels, np.array([1.0, 1.0]), words=("self.labels", "<U1", "attribute"))
    assert "global" not in msg


def make_closure_over_strings():
    names = np.array(["a", "b"])

    def f(x):
        return np.sum(x) * len(names)
    return f


def test_non_numeric_closure_array_message_says_closure():
    msg = refused(make_closure_over_strings(), np.ones(2), words=("names", "closure"))
    assert "global" not in msg


# the four "Messages that mislead today" of issue 14, each on the current code
def layers_in_a_list(params, x):
    h = x
    for W in params:
        h = np.tanh(W @ h)
    return np.sum(h)


def test_parameters_passed_as_a_list_work():
    Ws = [np.array([[0.5, 0.2], [0.1, -0.4]]), np.array([[1.0, 0.3], [-0.2, 0.7]])]
    x = np.array([1.0, 2.0])
    got = grad(layers_in_a_list)(Ws, x)
    for k in range(2):
        def fk(W, k=k):
            return layers_in_a_list([W if j == k else Ws[j] for j in range(2)], x)
        np.testing.assert_allclose(got[k], central_diff(fk, (Ws[k],), 0), rtol=1e-6, atol=1e-6)


def scaled_attention(Q, K):
    d = Q.shape[-1]
    return np.sum(np.tanh(Q @ K.T / np.sqrt(d)))


def test_shape_minus_one_keeps_the_rank():
    Q = RNG.normal(size=(2, 3))
    K = RNG.normal(size=(4, 3))
    check(scaled_attention, Q, K)
    check(scaled_attention, Q, K, argnum=1)


def make_closure_over_array():
    A = np.array([[1.0, 2.0], [3.0, -1.0]])

    def f(x):
        return np.sum(np.sin(A @ x))
    return f


def test_closure_over_an_array_works():
    check(make_closure_over_array(), np.array([0.3, 0.4]))


def append_known(x):
    ys = []
    for i in range(4):
        ys.append(x ** i)
    return sum(ys)


def append_unknown(x, n):
    ys = []
    for i in range(n):
        ys.append(x * i)
    return sum(ys)


def test_append_in_a_loop_of_known_length_works_both_modes():
    want = central_diff(append_known, (0.7,), 0)
    assert abs(grad(append_known)(0.7) - want) < 1e-6
    assert abs(grad(append_known, mode="forward")(0.7) - want) < 1e-6


def test_append_of_unknown_length_names_append_not_no_effect():
    msg = refused(append_unknown, 2.0, 3, words=("ys.append", "accumulate"))
    assert "no effect" not in msg
    assert f":{line_of(append_unknown, 'for i in range(n)')}:" in msg  # the loop


# ---------------------------------------------------------------- possibly unbound
def unbound_if_elif(x):
    if x > 0:
        y = x
    elif x < -1:
        y = -x
    return y * x


def unbound_after_loop(x, n):
    for i in range(n):
        z = x * i
    return z


def unbound_loop_in_branch(x, n):
    if x > 0:
        for i in range(n):
            z = x * i
    else:
        z = x
    return z


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f,args,name,where", [
    (unbound_if_elif, (-0.5,), "y", "if x > 0"),
    (unbound_after_loop, (2.0, 0), "z", "for i in range(n)"),
    (unbound_loop_in_branch, (2.0, 0), "z", "if x > 0"),
])
def test_possibly_unbound_names_the_variable_path_and_fix(f, args, name, where, mode):
    with pytest.raises(UnboundLocalError):
        f(*args)
    with pytest.raises(CompileError) as info:
        grad(f, mode=mode)(*args)
    msg = str(info.value)
    assert f"{name} " in msg and "UnboundLocalError" in msg, msg
    assert f"line {line_of(f, where)}" in msg, msg  # the path: the if or loop
    assert f":{line_of(f, 'return')}:" in msg, msg  # reported at the read
    assert f"give {name} a value before" in msg, msg
    assert "loop variable" not in msg, msg


# ---------------------------------------------------------------- keyword arguments (item 4)
import math  # noqa: E402


def iterated(x, n=3):
    y = x
    for _ in range(n):
        y = math.sin(y) * x
    return y


def scaled_pair(x, y, *, c=1.0):
    return x * y * c, x + c * math.sin(y)


def fd(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_jacobian_jvp_vjp_hvp_take_the_functions_keywords():
    x = 0.5
    d1 = fd(lambda t: iterated(t, n=5), x)
    d2 = fd(lambda t: fd(lambda s: iterated(s, n=5), t), x, 1e-3)
    assert abs(adcompiler.jacobian(iterated)(x, n=5) - d1) < 1e-7
    assert abs(adcompiler.jacobian(iterated, mode="reverse")(x, n=5) - d1) < 1e-7
    assert abs(adcompiler.jvp(iterated, (x,), (1.0,), n=5)[1] - d1) < 1e-7
    assert abs(adcompiler.vjp(iterated, x, n=5)[1](1.0)[0] - d1) < 1e-7
    assert abs(adcompiler.hvp(iterated, (x,), (1.0,), n=5) - d2) < 1e-5
    assert abs(adcompiler.jacobian(adcompiler.grad(iterated))(x, n=5) - d2) < 1e-5
    # the default is not what n=5 gives (so the keyword is not ignored)
    assert abs(adcompiler.jacobian(iterated)(x) - d1) > 1e-3


def test_keyword_only_parameters_in_jacobian_and_jvp():
    x, y, c = 0.5, 2.0, 3.0
    J = adcompiler.jacobian(scaled_pair, wrt=(0, 1))(x, y, c=c)
    for i in range(2):
        for j, h in enumerate(((1e-6, 0), (0, 1e-6))):
            want = (scaled_pair(x + h[0], y + h[1], c=c)[i] -
                    scaled_pair(x - h[0], y - h[1], c=c)[i]) / 2e-6
            assert abs(J[i][j] - want) < 1e-6
    out, dot = adcompiler.jvp(scaled_pair, (x, y), (1.0, 0.0), c=c)
    assert out == pytest.approx(scaled_pair(x, y, c=c))
    assert dot == pytest.approx((J[0][0], J[1][0]))


def test_unknown_or_repeated_keywords_are_pythons_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'm'"):
        adcompiler.jacobian(iterated)(0.5, m=5)
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        adcompiler.jvp(iterated, (0.5,), (1.0,), x=5)


# ---------------------------------------------------------------- *args (item 2)
def scipy_style(x, *args):
    a, b = args
    return a * math.sin(x) + b * x * x * x


def scipy_two(x, y, *args):
    (c,) = args
    return c * x * y * y + math.exp(x * c), x - c * y


def test_star_args_in_jvp_vjp_hessian_hvp_jacobian_derivative():
    x, a, b = 0.5, 2.0, 3.0
    d1 = fd(lambda t: scipy_style(t, a, b), x)
    d2 = fd(lambda t: fd(lambda s: scipy_style(s, a, b), t), x, 1e-3)
    assert abs(adcompiler.jvp(scipy_style, (x, a, b), (1.0, 0.0, 0.0))[1] - d1) < 1e-7
    bars = adcompiler.vjp(scipy_style, x, a, b)[1](1.0)
    assert abs(bars[0] - d1) < 1e-7 and abs(bars[2] - x ** 3) < 1e-12
    assert abs(adcompiler.hessian(scipy_style)(x, a, b) - d2) < 1e-5
    assert abs(adcompiler.hvp(scipy_style, (x, a, b), (1.0, 0.0, 0.0))[0] - d2) < 1e-5
    for mode in ("auto", "forward", "reverse"):
        assert abs(adcompiler.jacobian(scipy_style, mode=mode)(x, a, b) - d1) < 1e-7
    assert abs(adcompiler.derivative(scipy_style, order=2)(x, a, b) - d2) < 1e-5
    # another count of *args values compiles again
    def three(x, *args):
        return sum(args) * x * x
    assert adcompiler.hessian(three)(0.5, 1.0, 2.0) == pytest.approx(6.0)
    assert adcompiler.hessian(three)(0.5, 1.0, 2.0, 4.0) == pytest.approx(14.0)


def test_star_args_jacobian_of_several_outputs():
    x, y, c = 0.3, -0.7, 1.5
    J = adcompiler.jacobian(scipy_two, wrt=(0, 1))(x, y, c)
    for i in range(2):
        for j, h in enumerate(((1e-6, 0), (0, 1e-6))):
            want = (scipy_two(x + h[0], y + h[1], c)[i] -
                    scipy_two(x - h[0], y - h[1], c)[i]) / 2e-6
            assert abs(J[i][j] - want) < 1e-6


def test_star_args_wrt_still_refused_in_the_api():
    with pytest.raises(adcompiler.UsageError, match=r"\*args"):
        adcompiler.hessian(scipy_style, wrt="args")


STAR_FILE = '''\
import math


def cost(x, *args):
    a, b = args
    return a * math.sin(x) + b * x * x * x
'''


def _run_cli(tmp_path, *argv):
    import contextlib
    import io
    from adcompiler.cli.commands import main
    path = tmp_path / "star.py"
    path.write_text(STAR_FILE)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["compile", str(path), "--color", "never", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv,name,index", [
    ((), "cost_grad", None),
    (("--mode", "forward"), "cost_grad", None),
    (("--order", "2"), "cost_hessian", None),
    (("--wrt", "x,args_1"), "cost_grad", 1),
])
def test_cli_star_args(tmp_path, argv, name, index):
    code, out, err = _run_cli(tmp_path, "--star-args", "2", *argv)
    assert code == 0, err
    assert f"def {name}(x, args_0, args_1)" in out
    space: dict = {}
    exec(compile(out, "<emitted>", "exec"), space)
    x, a, b = 0.5, 2.0, 3.0
    got = space[name](x, a, b)
    if "--order" in argv:
        want = fd(lambda t: fd(lambda s: scipy_style(s, a, b), t), x, 1e-3)
        assert abs(got - want) < 1e-5
    elif index is None:
        assert abs(got - fd(lambda t: scipy_style(t, a, b), x)) < 1e-7
    else:
        assert abs(got[0] - fd(lambda t: scipy_style(t, a, b), x)) < 1e-7
        assert abs(got[1] - x ** 3) < 1e-12


def test_cli_star_args_missing_says_which_option(tmp_path):
    code, out, err = _run_cli(tmp_path, "-f", "cost")
    assert code == 1
    assert "--star-args" in err and "*args" in err and "star.py:4:" in err


def test_cli_help_documents_star_args(capsys):
    from adcompiler.cli.commands import main
    with pytest.raises(SystemExit):
        main(["compile", "--help"])
    out = capsys.readouterr().out
    assert "--star-args N" in out and "args_0" in out
# ---------------------------------------------------------------- docs/supported.md table
#: one program per row of the "Python constructs" table, keyed by the row's
#: example cell; every `fragment` of the cell appears in the program, whose
#: run(nd) returns (got, want) pairs: derivatives and their central differences
#: (nd(f, args, argnum=0) is central_diff)
HEAD = "import math\nimport numpy as np\nfrom adcompiler import grad, jacobian, hessian, jvp\n\n"

CASES = {
    '`out = np.zeros(n)`, `out[i] = e`, `traj[i + 1] = step(traj[i])`, `M[:, j] = col`, `M[i, j] += v`, `M[i][j] = v`, `x[x < 0] = 0.0`': '''
def fill(x, e, v, col, n=3):
    out = np.zeros(n)
    for i in range(n):
        out[i] = e * x[i]
    traj = np.zeros((n + 1, 3))
    traj[0] = x
    for i in range(n):
        traj[i + 1] = step(traj[i])
    M = np.zeros((3, 3))
    for j in range(3):
        M[:, j] = col * x[j]
    i, j = 1, 2
    M[i, j] += v
    M[i][j] = v * M[i, j]
    x = x - 1.0
    x[x < 0] = 0.0
    return np.sum(out ** 2) + np.sum(np.sin(traj)) + np.sum(M ** 2) + np.sum(x ** 3)


def step(s):
    return s + 0.1 * np.cos(s)


def run(nd):
    args = (np.array([0.6, 1.4, 2.1]), 0.7, 1.3, np.array([0.5, -1.0, 2.0]))
    return [(grad(fill, wrt=k)(*args), nd(fill, args, k)) for k in range(4)]
''',
    '`while True:` … `if r < tol: return x`': '''
def newton_sqrt(a, tol=1e-12):
    x = a
    while True:
        r = abs(x * x - a)
        if r < tol: return x
        x = 0.5 * (x + a / x)


def run(nd):
    return [(grad(newton_sqrt)(2.0), 0.5 / math.sqrt(2.0))]
''',
    '`for i in range(n):` … `break` … `else: x = x0`': '''
def search(x0, n=5):
    x = 2 * x0
    for i in range(n):
        x = x * 0.5
        if x < 0.1:
            break
    else: x = x0
    return x * x


def run(nd):
    return [(grad(search)(a), nd(search, (a,))) for a in (0.3, 0.05)] + \\
        [(grad(search, mode="forward")(0.3), nd(search, (0.3,)))]
''',
    '`for row in X: s = s + row @ w`': '''
def rows(w, X):
    s = 0.0
    for row in X: s = s + row @ w
    return s * s


def run(nd):
    w, X = np.array([0.5, -1.0]), np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 0.1]])
    return [(grad(rows)(w, X), nd(rows, (w, X)))]
''',
    '`for c in (a, b, 2.0):`': '''
def tup(a, b):
    s = 1.0
    for c in (a, b, 2.0):
        s = s * c + math.sin(c)
    return s


def run(nd):
    return [(grad(tup, wrt=0)(0.3, 0.7), nd(tup, (0.3, 0.7))),
            (grad(tup, wrt=1, mode="forward")(0.3, 0.7), nd(tup, (0.3, 0.7), 1))]
''',
    '`for i, x in enumerate(xs, 1):`': '''
def weighted(xs):
    s = 0.0
    for i, x in enumerate(xs, 1):
        s = s + i * x * x
    return s


def run(nd):
    xs = np.array([0.5, -1.0, 2.0])
    return [(grad(weighted)(xs), nd(weighted, (xs,)))]
''',
    '`for k, (x, y) in enumerate(zip(xs, ys)):`': '''
def pairs(xs, ys):
    s = 0.0
    for k, (x, y) in enumerate(zip(xs, ys)):
        s = s + k * x * y
    return s


def run(nd):
    xs, ys = np.array([0.5, -1.0, 2.0]), np.array([1.5, 2.0])
    return [(grad(pairs)(xs, ys), nd(pairs, (xs, ys)))]
''',
    '`for i in reversed(range(n)):`, `for x in reversed(xs):`': '''
def horner(x, c, n=3):
    s = 0.0
    for i in reversed(range(n)):
        s = s * x + c[i]
    return s


def last_first(xs):
    s = 0.0
    for x in reversed(xs):
        s = s * 0.5 + x
    return s


def run(nd):
    xs = np.array([0.5, -1.0, 2.0])
    c = np.array([1.0, 2.0, 3.0])
    return [(grad(horner)(0.7, c), nd(horner, (0.7, c))), (grad(horner, wrt=1)(0.7, c), [1, 0.7, 0.49]),
            (grad(last_first)(xs), nd(last_first, (xs,)))]
''',
    '`for i, x in zip(range(1, n, 2), xs):`': '''
def odd(xs, n=6):
    s = 0.0
    for i, x in zip(range(1, n, 2), xs):
        s = s + i * x ** 2
    return s


def run(nd):
    xs = np.array([0.5, -1.0, 2.0, 4.0])
    return [(grad(odd)(xs), nd(odd, (xs,)))]
''',
    '`for i in range(3):` … then `return x * i`': '''
def after(x):
    for i in range(3):
        x = x * 1.5
    return x * i


def run(nd):
    return [(grad(after)(0.7), nd(after, (0.7,))), (grad(after, mode="forward")(0.7), 2 * 1.5 ** 3)]
''',
    '`sum(w[i] * x ** i for i in range(n))`, `max(abs(r) for r in rows)`': '''
def poly(x, w, n=3):
    return sum(w[i] * x ** i for i in range(n))


def biggest(x, rows):
    return x * max(abs(r) for r in rows)


def run(nd):
    w = np.array([1.0, -2.0, 0.5])
    rows = np.array([0.5, -3.0, 2.0])
    return [(grad(poly)(0.7, w), nd(poly, (0.7, w))),
            (grad(biggest, wrt=1)(2.0, rows), nd(biggest, (2.0, rows), 1))]
''',
    '`ys = [x ** k for k in range(3)]`, `np.array([f(W[i]) for i in range(3)])`': '''
def f(v):
    return np.tanh(v)


def powers(x):
    ys = [x ** k for k in range(3)]
    return ys[0] + ys[1] * ys[2]


def stacked(W):
    return np.sum(np.array([f(W[i]) for i in range(3)]) ** 2)


def run(nd):
    W = np.array([[0.5, -1.0], [2.0, 0.1], [0.3, 0.3]])
    return [(grad(powers)(0.7), nd(powers, (0.7,))),
            (grad(powers, mode="forward")(0.7), nd(powers, (0.7,))),
            (grad(stacked)(W), nd(stacked, (W,)))]
''',
    '`ys = []`, `ys.append(x ** k)`, `return sum(ys) + ys[-1]`': '''
def appended(x):
    ys = []
    for k in range(4):
        ys.append(x ** k)
    return sum(ys) + ys[-1]


def run(nd):
    return [(grad(appended)(0.7), nd(appended, (0.7,))),
            (grad(appended, mode="forward")(0.7), nd(appended, (0.7,)))]
''',
    '`def layer(h): return np.tanh(W @ h + b)`, `sq = lambda t: t * t`': '''
def net(x, W, b):
    def layer(h): return np.tanh(W @ h + b)
    sq = lambda t: t * t
    return np.sum(sq(layer(layer(x))))


def run(nd):
    x, W, b = np.array([0.5, -1.0]), np.array([[0.5, 0.2], [-0.3, 0.8]]), np.array([0.1, 0.2])
    return [(grad(net)(x, W, b), nd(net, (x, W, b))),
            (grad(net, wrt=1)(x, W, b), nd(net, (x, W, b), 1))]
''',
    '`def power(x, n): return 1.0 if n == 0 else x * power(x, n - 1)`': '''
def power(x, n): return 1.0 if n == 0 else x * power(x, n - 1)


def run(nd):
    return [(grad(power)(0.7, 5), 5 * 0.7 ** 4), (grad(power)(1.3, 3), 3 * 1.3 ** 2)]
''',
    '`return np.sum(W @ x) + SCALE * sum(COEFFS)`': '''
W = np.array([[1.0, 2.0], [3.0, -1.0]])
SCALE = 2.5
COEFFS = (1.0, 2.0)


def consts(x):
    x = x * x
    return np.sum(W @ x) + SCALE * sum(COEFFS)


def run(nd):
    x = np.array([0.5, -1.0])
    return [(grad(consts)(x), nd(consts, (x,)))]
''',
    '`def f(x, *, scale=2.0):`': '''
def f(x, *, scale=2.0):
    return scale * math.sin(x)


def run(nd):
    return [(grad(f)(0.7), 2.0 * math.cos(0.7)), (grad(f)(0.7, scale=3.0), 3.0 * math.cos(0.7)),
            (grad(f, wrt="scale")(0.7, scale=3.0), math.sin(0.7))]
''',
    '`grad(f)(x, n=5)`, `jacobian(f)(x, n=5)`, `hessian(f)(x, scale=3.0)`, `jvp(f, (x,), (1.0,), n=5)`': '''
def f(x, n=3, *, scale=1.0):
    y = x
    for _ in range(n):
        y = scale * math.sin(y) * x
    return y


def run(nd):
    x = 0.4
    d1 = nd(lambda t: f(t, n=5), (x,))
    d2 = nd(lambda t: nd(lambda s: f(s, scale=3.0), (t,)), (x,))
    return [(grad(f)(x, n=5), d1), (jacobian(f)(x, n=5), d1),
            (hessian(f)(x, scale=3.0), d2), (jvp(f, (x,), (1.0,), n=5)[1], d1)]
''',
    '`def f(x, *args): a, b = args`, `minimize(f, x0, args=(a, b), jac=grad(f))`, `hessian(f)(x, a, b)`': '''
def f(x, *args): a, b = args; return np.sum(a * (x - b) ** 2) + np.sum(x ** 4)


def scalar_f(x, *args):
    a, b = args
    return a * math.sin(x) + b * x ** 3


def run(nd):
    from scipy.optimize import minimize  # tests need SciPy ([test] extra)
    x0, a, b = np.array([1.0, -1.0]), 2.0, np.array([0.5, 0.25])
    res = minimize(f, x0, args=(a, b), jac=grad(f))
    pairs = [(grad(f)(x0, a, b), nd(f, (x0, a, b))),
             (np.linalg.norm(grad(f)(res.x, a, b)) < 1e-4, True)]
    return pairs + second()


def second(f=scalar_f):
    x, a, b = 0.3, 2.0, 3.0
    h = (scalar_f(x + 1e-4, a, b) - 2 * scalar_f(x, a, b) + scalar_f(x - 1e-4, a, b)) / 1e-8
    return [(hessian(f)(x, a, b), h), (hessian(f)(x, a, b), -a * math.sin(x) + 6 * b * x)]
''',
    '`def loss(self, w): return np.sum((self.predict(w, self.X) - self.y) ** 2)`': '''
class Model:
    def __init__(self):
        self.X = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])
        self.y = np.array([1.0, 0.0, 2.0])

    def predict(self, w, X):
        return np.tanh(X @ w)

    def loss(self, w): return np.sum((self.predict(w, self.X) - self.y) ** 2)


def run(nd):
    model, w = Model(), np.array([0.3, -0.2])
    return [(grad(model.loss)(w), nd(model.loss, (w,)))]
''',
    '`assert x > 0, "x must be positive"`': '''
def checked(x):
    assert x > 0, "x must be positive"
    return math.log(x) * x


def run(nd):
    try:
        grad(checked)(-1.0)
        raised = 0.0
    except AssertionError:
        raised = 1.0
    return [(grad(checked)(0.7), nd(checked, (0.7,))), (raised, 1.0),
            (grad(checked, mode="forward")(0.7), nd(checked, (0.7,)))]
''',
    '`first, *rest = t`, `a, *mid, z = (x, y, u, v)`': '''
def starred(x, y, u, v):
    t = (x * y, u, v)
    first, *rest = t
    a, *mid, z = (x, y, u, v)
    return first * rest[0] + a * z + mid[0] * mid[1]


def run(nd):
    args = (0.5, -1.0, 2.0, 0.3)
    return [(grad(starred, wrt=k)(*args), nd(starred, args, k)) for k in range(4)] + \\
        [(grad(starred, mode="forward")(*args), nd(starred, args))]
''',
    '`best = float("inf")`': '''
def smallest(xs):
    best = float("inf")
    for x in xs:
        best = min(best, x * x)
    return best


def run(nd):
    xs = np.array([0.5, -0.3, 2.0])
    return [(grad(smallest)(xs), nd(smallest, (xs,)))]
''',
    '`print("loss", loss)`': '''
def noisy(x):
    loss = x * x
    print("loss", loss)
    return loss * x


def run(nd):
    return [(grad(noisy)(0.7), 3 * 0.7 ** 2), (grad(noisy, mode="forward")(0.7), 3 * 0.7 ** 2)]
''',
    '`grad(loss)({"W": W, "b": b}, X, y)` returns `{"W": ..., "b": ...}`': '''
def loss(params, X, y):
    return np.sum((X @ params["W"] + params["b"] - y) ** 2)


def run(nd):
    W, b = np.array([0.5, -0.2]), 0.3
    X, y = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]]), np.array([1.0, 0.0, 2.0])
    g = grad(loss)({"W": W, "b": b}, X, y)  # returns {"W": ..., "b": ...}
    return [(g["W"], nd(lambda W: loss({"W": W, "b": b}, X, y), (W,))),
            (g["b"], nd(lambda b: loss({"W": W, "b": b}, X, y), (b,))),
            (sorted(g) == ["W", "b"], True)]
''',
    '`params["W"]`, `params[0]`, `params[-1]`, `params["layers"][1]["b"]`, `params[:-1]`': '''
def keyed(params, x):
    return np.sum(params["W"] @ x) * params["layers"][1]["b"]


def indexed(params, x):
    head = params[:-1]
    return params[0] * x + params[-1] * head[1] * x * x


def run(nd):
    W, x = np.array([[0.5, -0.2], [0.1, 0.3]]), np.array([1.0, 2.0])
    tree = {"W": W, "layers": [{"b": 1.5}, {"b": 0.7}]}
    g = grad(keyed)(tree, x)
    h = grad(indexed)([0.5, 2.0, -1.0], 0.3)
    return [(g["W"], nd(lambda W: keyed({"W": W, "layers": tree["layers"]}, x), (W,))),
            (g["layers"][1]["b"], np.sum(W @ x)),
            (np.array(h), np.array([0.3, -0.09, 0.18]))]
''',
    '`layer = params[0]`, `W1, b1, W2, b2 = params`, `(W, b), c = params`': '''
def named(params, x):
    layer = params[0]
    W1, b1, W2, b2 = params
    return np.sum(np.tanh(W1 @ x + b1) * W2) + b2 * np.sum(layer)


def nested(params, x):
    (W, b), c = params
    return np.sum(W @ x + b) * c


def run(nd):
    W1, b1, W2 = np.array([[0.5, -0.2], [0.1, 0.3]]), np.array([0.1, 0.2]), np.array([1.0, -1.0])
    x = np.array([1.0, 2.0])
    g = grad(named)([W1, b1, W2, 0.5], x)
    h = grad(nested)(((W1, b1), 2.0), x)
    return [(g[0], nd(lambda W: named([W, b1, W2, 0.5], x), (W1,))),
            (h[1], np.sum(W1 @ x + b1)), (h[0][1], np.array([2.0, 2.0]))]
''',
    '`for layer in params["layers"]: h = np.tanh(layer["W"] @ h + layer["b"])`': '''
def mlp(params, x):
    h = x
    for layer in params["layers"]: h = np.tanh(layer["W"] @ h + layer["b"])
    return np.sum(h) * len(params["layers"])


def run(nd):
    W1, W2 = np.array([[0.5, -0.2], [0.1, 0.3]]), np.array([[1.0, 0.4], [-0.6, 0.2]])
    b, x = np.array([0.1, -0.1]), np.array([1.0, 2.0])
    tree = {"layers": [{"W": W1, "b": b}, {"W": W2, "b": b}]}
    g = grad(mlp)(tree, x)
    return [(g["layers"][0]["W"], nd(lambda W: mlp({"layers": [{"W": W, "b": b},
                                                              {"W": W2, "b": b}]}, x), (W1,)))]
''',
    '`pred = predict(params, X)`': '''
def predict(params, X):
    return X @ params["w"] + params["c"]


def fit(params, X, y):
    pred = predict(params, X)
    return np.sum((pred - y) ** 2)


def run(nd):
    w, X, y = np.array([0.5, -0.2]), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 0.0])
    g = grad(fit)({"w": w, "c": 0.1}, X, y)
    return [(g["w"], nd(lambda w: fit({"w": w, "c": 0.1}, X, y), (w,)))]
''',
}

SUPPORTED = __import__("os").path.join(__import__("os").path.dirname(__file__), "..", "docs",
                                       "supported.md")


def table_rows(heading: str) -> list:
    """The example cells of the (first) table under ``## heading``."""
    with open(SUPPORTED, encoding="utf-8") as fh:
        text = fh.read()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows, started = [], False
    for line in section.splitlines():
        if line.startswith("| construct | example | since |"):
            started = True
        elif started and line.startswith("|") and not line.startswith("|---"):
            rows.append(line.strip().strip("|").split(" | ")[1].strip())
        elif started and not line.startswith("|"):
            break
    return rows


def _squeeze(text: str) -> str:
    return "".join(text.split())


def test_every_row_of_the_python_table_has_a_program():
    rows = table_rows("Python constructs")
    assert len(rows) >= 25
    assert set(rows) == set(CASES), (set(rows) ^ set(CASES))


@pytest.mark.parametrize("example", sorted(CASES))
def test_supported_table_row(example, module_from_source):
    import re
    program = HEAD + CASES[example]
    for fragment in re.findall(r"`([^`]+)`", example):
        assert _squeeze(fragment) in _squeeze(program), fragment
    mod = module_from_source(program, "supported_row")
    for got, want in mod.run(lambda f, args, argnum=0: central_diff(f, args, argnum)):
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                                   rtol=1e-5, atol=1e-6)


# the NumPy and SciPy tables: every call in an example cell is compiled as
# ``return t * np.sum(<call>)`` of the names it reads, and its gradient in
# every float parameter (and t) checked against central differences
FN_HEAD = HEAD + ("import scipy\nimport scipy.special\nimport scipy.special as sc\n"
                  "from scipy.special import erf, logsumexp\n\nn, m, k = 3, 2, 1\n\n")
_R = np.random.default_rng(7)
ENV = {  # shapes chosen so that every example's operands fit together
    "x": np.array([0.6, 0.8, 1.3]), "y": np.array([0.7, 1.1, 0.9]),
    "a": np.array([0.6, 0.9, 1.2]), "b": np.array([1.4, 0.55, 0.8]),
    "c": np.array([0.5, -1.0, 2.0]), "d": np.array([0.3, 0.2, 0.1]),
    "w": np.array([0.45, -0.3, 0.2]), "p": np.array([0.2, 0.3, 0.5]),
    "v": 0.85, "lam": 0.7, "alpha": 1.7,
    "xp": np.array([0.0, 0.5, 1.0, 1.5, 2.0]), "fp": np.array([1.0, 0.2, 0.7, 0.4, 1.1]),
    "r": _R.uniform(0.5, 1.5, (2, 3)), "M": _R.uniform(0.5, 1.5, (3, 3)),
    "X": _R.uniform(-1.0, 1.0, (3, 3)), "Y": _R.uniform(0.5, 1.5, (4, 3)),
    "W": _R.uniform(-1.0, 1.0, (2, 3)), "z": _R.uniform(-1.0, 1.0, (2, 3)),
    "A": np.array([[2.0, 0.3, -0.4], [0.1, 1.5, 0.2], [0.3, -0.2, 1.8]]),
    "S": np.array([[2.0, 0.3, 0.1], [0.3, 1.5, 0.2], [0.1, 0.2, 1.0]]),
}
#: a name that means a number in one example (and an array elsewhere)
NUMBER_IN = {"np.array([1.0, x, x * x])": {"x": 0.7}, "np.linspace(0.0, a, 50)": {"a": 1.3}}
#: parameters an example is documented as not differentiable in
CONSTANT_IN = {"np.interp(x, xp, fp)": {"xp"}}
#: examples whose value is used through another expression
BODY = {"iu = np.triu_indices(len(x), 1)":
        "iu = np.triu_indices(len(x), 1)\n    return t * np.sum(np.outer(x, x)[iu])"}
_MODULE_NAMES = {"np", "math", "scipy", "sc", "erf", "logsumexp", "n", "m", "k", "len",
                 "float", "abs", "sum", "min", "max", "range"}


def _calls(cell: str) -> list:
    """The code fragments of an example cell that call something, each with
    the earlier statements of the cell it reads (``res = ...`` then ``res[1]``)."""
    import ast
    import re
    out, stmts = [], []
    for fragment in re.findall(r"`([^`]+)`", cell):
        try:
            tree = ast.parse(fragment)
        except SyntaxError:
            continue  # `dtype=float`, `indexing=`: words, not code
        reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        before = [st for st, targets in stmts if targets & reads]
        if not any(isinstance(n, ast.Call) and (n.args or n.keywords or isinstance(
                n.func, ast.Attribute)) for n in ast.walk(tree)) and not before:
            continue  # `np.trapz`, `len()`: names
        out.append((fragment, before))
        if isinstance(tree.body[0], ast.Assign):
            stmts.append((fragment, {n.id for t in tree.body[0].targets for n in ast.walk(t)
                                     if isinstance(n, ast.Name)}))
    used_later = {b for _, bs in out for b in bs}  # tested with the fragment that reads it
    return [(f, b) for f, b in out if f not in used_later]


def _program(fragment: str, before: list) -> tuple:
    """The module text of one example, its function's parameter names."""
    import ast
    text = "\n".join(before + [fragment])
    tree = ast.parse(text)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store)}
    loaded = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Load)]
    params = list(dict.fromkeys(n for n in loaded if n not in stored | _MODULE_NAMES))
    unknown = [n for n in params if n not in ENV]
    assert not unknown, f"add {unknown} to ENV in tests/test_language_more.py for {fragment!r}"
    last = tree.body[-1]
    if fragment in BODY:
        body = "\n    ".join(before + [BODY[fragment]])
    elif isinstance(last, ast.Assign):
        names = [n.id for t in last.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        body = "\n    ".join(before + [fragment, "return t * (" + " + ".join(
            f"np.sum({n})" for n in names) + ")"])
    else:
        body = "\n    ".join(before + [f"return t * np.sum({fragment})"])
    return FN_HEAD + f"def example(t, {', '.join(params)}):\n    {body}\n", params


def _numpy_examples() -> list:
    return [(c, f, b) for heading in ("NumPy functions", "Functions")
            for c in table_rows(heading) for f, b in _calls(c)]


def test_the_numpy_tables_have_examples():
    examples = [f for _, f, _ in _numpy_examples()]
    assert len(examples) >= 80
    for new in ("M[np.triu_indices(3)]", "np.concatenate([x, [1.0], np.zeros(2)])",
                "np.linalg.slogdet(A).logabsdet", "np.eye(n, m, k)", "res[1]",
                "np.zeros_like(x, dtype=float)"):
        assert new in examples, new


@pytest.mark.parametrize("fragment,before", [(f, b) for _, f, b in _numpy_examples()],
                         ids=[f for _, f, _ in _numpy_examples()])
def test_numpy_table_example(fragment, before, module_from_source):
    pytest.importorskip("scipy")
    program, params = _program(fragment, before)
    env = {**ENV, **NUMBER_IN.get(fragment, {})}
    args = (1.3,) + tuple(env[p] for p in params)
    fn = module_from_source(program, "numpy_row").example
    if NUMPY_RELEASE < (2, 0) and ("trapezoid" in fragment or "slogdet(A)." in fragment):
        # NumPy 2 names (np.trapezoid, slogdet's fields): on NumPy 1.x Python
        # raises AttributeError running the example, so the gradient is refused
        with pytest.raises(AttributeError):
            fn(*args)
        with pytest.raises(CompileError):
            grad(fn)(*args)
        return
    names = ("t",) + tuple(params)
    for i, a in enumerate(args):
        if np.asarray(a).dtype.kind != "f" or names[i] in CONSTANT_IN.get(fragment, ()):
            continue
        got = grad(fn, wrt=i)(*args)
        np.testing.assert_allclose(got, central_diff(fn, args, i), rtol=1e-5, atol=1e-5,
                                   err_msg=f"{fragment}: d/d{names[i]}")


def loop_index_after_loop(x, n):
    for i in range(n):
        x = x * 1.5
    return x * i


def test_loop_index_after_a_loop_that_may_not_run_names_the_loop_line():
    msg = refused(loop_index_after_loop, 2.0, 3, words=("i is a loop variable", "give i a value"))
    assert f"line {line_of(loop_index_after_loop, 'for i in range(n)')}" in msg


# ---------------------------------------------------------------- index arrays beside slices
# (found while adding the triangle indices: the adjoint of X[:, i] with an
# index array that may repeat was emitted as np.add.at(X_bar, (:, i), g), a
# SyntaxError; several index arrays, or one after an integer, got a wrong
# shape: x[0, :, idx] was refused as a broadcasting error)
def cols_repeated(X, i):
    return np.sum(np.sin(X[:, i]) * np.arange(1.0, 4.0)[:, None])


def fancy_after_slice(X, i, j):
    return np.sum(X[1:, i, j] ** 2 * np.arange(1.0, 4.0))


def fancy_apart(X, i, j):
    return np.sum(np.cos(X[i, :, j]) * np.arange(1.0, 4.0)[:, None])


def int_then_fancy(X, w):
    y = X[0, :, np.array([0, 1])]
    return np.sum(y * w)


def stepped(X, i):
    return np.sum(X[::2, i] ** 3)


X234 = np.arange(24.0).reshape(2, 3, 4) / 10
IDX = np.array([0, 2, 2])


@pytest.mark.parametrize("f,args", [
    (cols_repeated, (M3, IDX)), (fancy_after_slice, (X234, IDX, np.array([1, 1, 3]))),
    (fancy_apart, (X234, np.array([0, 1, 1]), np.array([3, 0, 3]))),
    (int_then_fancy, (X234, np.arange(6.0).reshape(2, 3))), (stepped, (M3, IDX)),
])
def test_index_arrays_beside_slices(f, args):
    check(f, *args)


def concat_literal_number(x):
    return np.sum(np.concatenate((x, 1.0)))


def test_concatenate_of_a_literal_number_is_refused_at_the_call():
    msg = refused(concat_literal_number, X3, words=("np.concatenate", "[v]"))
    assert f":{line_of(concat_literal_number, 'np.concatenate')}:" in msg


# a name assigned after a `return` inside a loop that certainly runs is bound
# whenever the loop ends without returning (found by test_fuzz: it was refused
# as "first assigned inside a loop that may run zero times")
def return_in_loop_then_assign(x):
    for i in range(2):
        if x > 5:
            return x
        a = x * i
    return a * x


def fuzz_found_return_in_loop(x, y):
    for i in range(1):
        for k1, w1 in enumerate((x,)):
            a = x
        if x < x < x:
            return x
        a, b = x, x
    a = a * y
    return x * a


def break_in_loop_then_assign(x):
    for i in range(2):
        if x > 5:
            break
        a = x * i
    return a * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_assigned_after_a_return_in_a_loop(mode):
    for x in (1.0, 6.0):
        got = grad(return_in_loop_then_assign, mode=mode)(x)
        assert abs(got - central_diff(return_in_loop_then_assign, (x,), 0)) < 1e-6
    got = grad(fuzz_found_return_in_loop, wrt=(0, 1), mode=mode)(-0.05, 0.05)
    for k in range(2):
        want = central_diff(fuzz_found_return_in_loop, (-0.05, 0.05), k)
        assert abs(got[k] - want) < 1e-6
    with pytest.raises(UnboundLocalError):
        break_in_loop_then_assign(6.0)
    with pytest.raises(CompileError, match="a is first assigned inside a loop"):
        grad(break_in_loop_then_assign, mode=mode)(1.0)


def append_in_one_branch(x):
    ys = [x]
    if x > 0:
        ys.append(x * 2)
    return sum(ys)


def test_append_in_a_branch_names_the_if_and_the_workaround():
    """It said only "ys holds a tuple that depends on a branch" (no tuple in sight)."""
    msg = refused(append_in_one_branch, 1.5, words=("ys", "list", "append", "separate names"))
    assert f"if on line {line_of(append_in_one_branch, 'if x > 0')}" in msg
    assert f":{line_of(append_in_one_branch, 'return sum(ys)')}:" in msg


class Recorder:
    def __init__(self):
        self.ys = []

    def loss(self, x):
        self.ys.append(x)
        return x * x


def pop_in_loop(x):
    ys = [x, x]
    for i in range(2):
        ys.pop()
    return x


@pytest.mark.parametrize("f,what", [(Recorder().loss, "self.ys.append(...)"),
                                    (pop_in_loop, "ys.pop(...)")])
def test_method_call_statements_say_they_change_an_object(f, what):
    """They said "expression statements have no effect on the result"."""
    msg = refused(f, 1.5, words=(what, "in place"))
    assert "no effect" not in msg
