"""Issue 12, NumPy half: gradients that came back wrong with no error, or
crashed, because of names, aliases and in-place updates of arrays.

Every gradient is checked against central differences (step 1e-6, absolute
and relative tolerance 1e-6: the functions are smooth and of order one at the
points used); every refusal must be a CompileError naming the line.  Each
test failed on the code before the fix (the accepted in-place forms at the
end guard against refusing too much; they fail if the check over-refuses).
"""
import numpy as np
import pytest

from adcompiler import CompileError, grad
from oracles import central_diff


def check(fn, args, wrt=0):
    copies = [np.copy(a) for a in args]
    got = grad(fn, wrt=wrt)(*args)
    for a, c in zip(args, copies):  # f itself must not change its inputs here
        assert np.array_equal(a, c)
    got = got if isinstance(wrt, tuple) else (got,)
    for i, g in zip(wrt if isinstance(wrt, tuple) else (wrt,), got):
        expected = central_diff(fn, args, i)
        assert np.shape(g) == np.shape(args[i])
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-6)
    return got


M23 = np.array([[1.0, 2.0, 0.5], [0.3, -0.7, 1.1]])
X3 = np.array([0.2, 0.4, 0.9])
U8 = np.linspace(0.1, 1.0, 8) ** 2


# ---------------------------------------------------------------- item 1
# a name rebound from an indexed read of its old value: the scatter of the
# new adjoint must not overwrite the old adjoint it still reads

def rebound_stack(M, x):
    P = M * 2.0
    P = np.stack([x, P[1]])
    return np.sum(P)


def rotate_loop(x, decay=0.9, n=3):
    for _ in range(n):
        x = decay * np.concatenate([x[1:], x[:1]])
    return np.sum(x * x * x)


def rotate_scaled_loop(x, n=3):
    for _ in range(n):
        x = np.concatenate([x[2:], x[:2] * 0.5])
    return np.sum(x * x)


def smoothing_loop(u, n=2):
    for _ in range(n):
        u = 0.25 * u[:-2] + 0.5 * u[1:-1] + 0.25 * u[2:]
    return np.sum(u * u)


def pairwise_loop(u, n=3):
    for _ in range(n):
        u = u[1:] + u[:-1]
    return np.sum(np.exp(u))


def shifted_sum_loop(u, n=3):
    for _ in range(n):
        u = u[1:] * u[:-1] + u[1:]
    return np.sum(u)


def swap_rows_loop(M, x, n=2):
    for _ in range(n):
        M = np.stack([M[1] * x, M[0]])
    return np.sum(M * M)


def concat_then_loop(a, b):  # found by a random program generator
    c = a * b
    c = np.concatenate([c[3:] * b[:3], c[:3]])
    for _ in range(2):
        b = np.tanh(a) + b[::-1] * 0.3
        c = np.sin(c) * b
    return np.sum(a * a) + np.sum(np.sin(c))


def loop_in_branch(u, n=2):
    if u[0] > 0.0:
        for _ in range(n):
            u = u[1:] - 0.5 * u[:-1]
    return np.sum(u * u)


@pytest.mark.parametrize("fn,args", [
    (rebound_stack, (M23, X3)),
    (rotate_loop, (np.linspace(0.1, 1.0, 6),)),
    (rotate_scaled_loop, (np.linspace(0.1, 1.0, 6),)),
    (smoothing_loop, (U8,)),
    (pairwise_loop, (np.linspace(0.1, 0.5, 8),)),
    (shifted_sum_loop, (U8,)),
    (swap_rows_loop, (M23 * 0.5, X3)),
    (loop_in_branch, (U8,)),
    (concat_then_loop, (np.linspace(-0.8, 0.9, 6), np.cos(np.arange(6.0)))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_name_rebound_from_its_own_index(fn, args):
    check(fn, args, wrt=tuple(range(len(args))))


# ---------------------------------------------------------------- item 2
# in-place emission on an array a branch output or loop value still points at

def branch_keeps_old(M, x):
    v = np.expm1(M)
    if x[0] > 5:
        v = M
    return np.sum(v * M)


def branch_alias_and_old(M, x):
    v = np.expm1(M)
    w = v
    if x[0] > 0.5:
        w = M * 3.0
    return np.sum(w * M) + np.sum(v * v)


def branch_in_loop_keeps_old(M, x, n=2):
    v = np.expm1(M)
    for _ in range(n):
        if x[0] > 5:
            v = M
    return np.sum(v * M)


def branch_with_else_keeps_old(M, x):
    v = np.expm1(M)
    if x[0] > 5:
        v = M
    else:
        v = v
    return np.sum(v * M) + np.sum(v)


def two_branches_keep_old(M, x):
    v = np.expm1(M)
    if x[0] < 5:
        pass
    else:
        v = M * 2.0
    w = v
    if x[1] > 5:
        w = M
    return np.sum(w * M)


BRANCHY = [branch_keeps_old, branch_alias_and_old, branch_in_loop_keeps_old,
           branch_with_else_keeps_old, two_branches_keep_old]


@pytest.mark.parametrize("fn", BRANCHY, ids=lambda f: f.__name__)
def test_inplace_emission_respects_branch_outputs(fn):
    check(fn, (M23 * 0.5, X3))


# ---------------------------------------------------------------- item 3
# in-place operators in the user's code on arrays that other names share

def alias_param(x):
    y = x
    y *= 2.0
    return np.sum(y * x)


def slice_view(x):
    v = x[:2]
    v *= 3.0
    return np.sum(x * x)


def accumulate_alias(x, n=3):
    acc = x
    for _ in range(n):
        acc += x
    return np.sum(acc * acc)


def transpose_view(M):
    T = M.T
    T += 1.0
    return np.sum(M * M)


def reshape_view(M):
    P = M * 2.0
    Q = np.reshape(P, (6,))
    Q *= 2.0
    return np.sum(P * P)


def normalise_alias(z):
    p = z
    p /= np.sum(z)
    return np.sum(p * p)


def param_itself(x):
    x -= 1.0
    return np.sum(x * x)


def row_view(M):
    r = M[0]
    r *= 2.0
    return np.sum(M)


def fresh_then_alias_read(x):
    y = x * 2.0
    z = y
    y += 1.0
    return np.sum(z * y)


def view_read_in_loop(x, n=3):
    y = x * 2.0
    w = y[:2]
    s = 0.0
    for _ in range(n):
        s = s + np.sum(w)
        y += 1.0
    return np.sum(y) + s


def branch_output_shares(M, x):
    v = np.expm1(M)
    u = v
    if x[0] > 5:
        u = M * 1.0
    v += 1.0
    return np.sum(u * v)


def helper_mutates(z):
    z *= 2.0
    return z


def calls_mutating_helper(x):
    y = x * 1.0
    return np.sum(helper_mutates(y) * x)


def maybe_never_rebound(x, n=2):
    y = x
    for _ in range(n):  # n may be 0: y may still be the caller's x
        y = np.sin(y)
    y += x
    return np.sum(y * y)


def alias_read_in_while(x):
    y = x * 2.0
    w = y
    k = 0
    while np.sum(w) < 10.0 and k < 3:
        y += 1.0
        k = k + 1
    return np.sum(y * x)


REFUSED = [
    (alias_param, (X3,), "y", "parameter x"),
    (slice_view, (X3,), "v", "parameter x"),
    (accumulate_alias, (X3,), "acc", "parameter x"),
    (transpose_view, (M23,), "T", "parameter M"),
    (reshape_view, (M23,), "Q", "with P"),
    (normalise_alias, (X3,), "p", "parameter z"),
    (param_itself, (X3,), "x", "parameter x"),
    (row_view, (M23,), "r", "parameter M"),
    (fresh_then_alias_read, (X3,), "y", "with z"),
    (alias_read_in_while, (X3,), "y", "with w"),
    (view_read_in_loop, (X3,), "y", "with w"),
    (branch_output_shares, (M23, X3), "v", "with u"),
    (calls_mutating_helper, (X3,), "z", "parameter z"),
    (maybe_never_rebound, (X3,), "y", "parameter x"),
]


@pytest.mark.parametrize("fn,args,name,other", REFUSED, ids=[c[0].__name__ for c in REFUSED])
def test_inplace_operator_on_shared_array_is_refused(fn, args, name, other):
    import inspect
    source, first = inspect.getsourcelines(fn)
    if fn is calls_mutating_helper:
        source, first = inspect.getsourcelines(helper_mutates)
    line = first + next(k for k, text in enumerate(source)
                        if any(f" {name} {op}=" in text for op in "+-*/"))
    with pytest.raises(CompileError) as info:
        grad(fn)(*args)
    err = info.value
    assert err.line == line and err.filename.endswith("test_wrong_gradients_arrays.py")
    assert f"on {name} " in err.message and other in err.message
    assert f"{name} = {name} " in err.message  # the suggested rewrite


def fresh_scaled(x):
    y = x * 2.0
    y *= 3.0
    return np.sum(y * x)


def fresh_accumulator(x, n=3):
    acc = np.zeros_like(x)
    for i in range(n):
        acc += x * i
    return np.sum(acc * acc)


def copied(x):
    y = x.copy()
    y *= 2.0
    return np.sum(y * x)


def array_copy(x):
    y = np.array(x)
    y += x
    return np.sum(y * y)


def reshaped_fresh(M):
    P = M * 2.0
    Q = np.reshape(P, (6,))
    Q *= 2.0
    return np.sum(Q * Q)


def branch_fresh(x):
    if x[0] > 0.0:
        y = x * 2.0
    else:
        y = np.sin(x)
    y += x
    return np.sum(y * y)


def scalars_inplace(x):
    s = 0.0
    s += np.sum(x)
    t = x[0]
    t *= 2.0
    return s * t


def rebound_in_loop(x):
    y = x
    for _ in range(2):  # runs: y is a new array afterwards
        y = np.sin(y)
    y += x
    return np.sum(y * y)


ACCEPTED = [(fresh_scaled, (X3,)), (fresh_accumulator, (X3,)), (copied, (X3,)),
            (array_copy, (X3,)), (reshaped_fresh, (M23,)), (branch_fresh, (X3,)),
            (branch_fresh, (-X3,)), (scalars_inplace, (X3,)), (rebound_in_loop, (X3,))]


@pytest.mark.parametrize("fn,args", ACCEPTED, ids=[c[0].__name__ for c in ACCEPTED])
def test_inplace_operator_on_private_array_is_a_rebinding(fn, args):
    check(fn, args)


# ---------------------------------------------------------------- item 11
def dot(w, x):
    return np.dot(w, x)


def product_sum(a, b):
    return np.sum(a * b)


def transposed(M, N):
    return np.sum(M.T * N)


@pytest.mark.parametrize("fn,args", [(dot, (X3, X3 + 1.0)), (product_sum, (X3, X3 - 2.0)),
                                     (transposed, (M23.T.copy(), M23))],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_is_never_the_callers_array(fn, args):
    args = tuple(np.array(a) for a in args)
    copies = [a.copy() for a in args]
    gs = check(fn, args, wrt=(0, 1))
    for g in gs:
        for a in args:
            assert not np.shares_memory(g, a)
        g *= 0.5  # an optimiser's step must not touch the user's data
    for a, c in zip(args, copies):
        assert np.array_equal(a, c)
    assert not np.shares_memory(gs[0], gs[1])


def sum_of_transpose(M):
    return np.sum(M.T)


def mean_of_transpose_scaled(M):
    return np.mean(M.T * 2.0)


@pytest.mark.parametrize("fn", [sum_of_transpose, mean_of_transpose_scaled],
                         ids=lambda f: f.__name__)
def test_gradient_is_never_a_read_only_broadcast(fn):
    g = check(fn, (M23.copy(),))[0]
    g *= 0.5  # raised "output array is read-only"
    assert g.flags.writeable


def test_fresh_gradient_is_not_copied_again():
    src = grad(product_sum, wrt=(0, 1))
    src(X3, X3 - 2.0)
    assert src.source.count(".copy()") == 2
    g = grad(fresh_scaled)
    g(X3)
    assert ".copy()" not in g.source and "np.copy" not in g.source


# ---------------------------------------------------------------- crashes
def sum_of_array(x):
    return np.sum(np.array(x) * x)


def mask_times(x):
    return np.sum((x > np.sin(x)) * (1.0 - x))


def mask_times_scalar(x):
    return (x[0] > 0.0) * (1.0 - x[1]) + np.sum(x)


def mean_of(x):
    return np.mean(x)


@pytest.mark.parametrize("fn,x", [(sum_of_array, X3), (mask_times, np.array([0.5, -1.0, 2.0])),
                                  (mask_times_scalar, X3)],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_former_crashes(fn, x):
    check(fn, (x,))


def test_mean_of_empty_array():
    x = np.zeros(0)
    with pytest.warns(RuntimeWarning):
        assert np.isnan(mean_of(x))
    g = grad(mean_of)(x)
    assert isinstance(g, np.ndarray) and g.shape == (0,)
    M = np.zeros((3, 0))
    assert grad(mean_of)(M).shape == (3, 0)


def test_mean_of_empty_array_with_shapes_unknown(tmp_path):
    """Command line, shapes unknown when compiling: the count is read at run
    time and an empty input gives an empty gradient, not ZeroDivisionError."""
    import subprocess
    import sys
    from pathlib import Path
    src = tmp_path / "means.py"
    src.write_text("import numpy as np\n\n\ndef m(x):\n    return np.mean(x)\n")
    out = tmp_path / "means_grad.py"
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-m", "adcompiler", "compile", str(src), "-f", "m",
                          "--arrays", "x", "-o", str(out)], capture_output=True, text=True,
                         env={"PYTHONPATH": str(root), "PATH": ""})
    assert run.returncode == 0, run.stderr
    namespace: dict = {}
    exec(compile(out.read_text(), str(out), "exec"), namespace)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        assert namespace["m_grad"](np.zeros(0)).shape == (0,)
    np.testing.assert_allclose(namespace["m_grad"](np.ones(4)), np.full(4, 0.25))


VIEWS = ["M", "M.T", "M[0]", "M[:, 1:]", "M[::-1]", "M[..., 0]", "M[:, None]",
         "np.reshape(M, (6,))", "M.reshape(3, 2)", "M.ravel()", "np.expand_dims(M, 0)",
         "np.transpose(M)"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("source", ["param", "fresh"])
def test_every_view_kind_shares_its_base(module_from_source, view, source):
    """``v = view of M; v *= 2.0``: refused when M is the caller's array, or
    when M is the function's own array and is read afterwards."""
    base = "X" if source == "param" else "X * 1.5"
    text = (f"import numpy as np\n\n\ndef f(X):\n    M = {base}\n    v = {view}\n"
            "    v *= 2.0\n    return np.sum(v) + np.sum(M * M)\n")
    mod = module_from_source(text, "views")
    with pytest.raises(CompileError) as info:
        grad(mod.f)(M23.copy())
    assert info.value.line == 7
    assert ("parameter X" in info.value.message) if source == "param" \
        else ("with M" in info.value.message)
