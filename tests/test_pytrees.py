"""Parameters as pytrees (issue 14): dicts, lists, tuples (nested) of arrays
and numbers; the gradient has the same structure (JAX's convention).

Every gradient is checked leaf by leaf against central differences of the
function itself, run by Python.
"""
import math
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest

import adcompiler
from adcompiler import CompileError, UsageError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RNG = np.random.default_rng(14)


# ------------------------------------------------------------ the oracle
def _paths(tree, path=()):
    """(path, leaf) of every leaf, in order."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, path + (k,))
    elif isinstance(tree, (list, tuple)):
        for k, v in enumerate(tree):
            yield from _paths(v, path + (k,))
    else:
        yield path, tree


def _replaced(tree, path, value):
    if not path:
        return value
    if isinstance(tree, dict):
        out = dict(tree)
    else:
        out = list(tree)
    out[path[0]] = _replaced(tree[path[0]], path[1:], value)
    return out if not isinstance(tree, tuple) else tuple(out)


def _get(tree, path):
    for k in path:
        tree = tree[k]
    return tree


def fd_tree(f, args, i, h=1e-6):
    """Central differences of f with respect to every leaf of args[i]."""
    out = {}
    for path, leaf in _paths(args[i]):
        arr = np.array(leaf, dtype=float)
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            vals = []
            for sign in (1, -1):
                moved = arr.copy()
                moved[idx] += sign * h
                value = moved if isinstance(leaf, np.ndarray) else float(moved)
                new = list(args)
                new[i] = _replaced(args[i], path, value)
                vals.append(f(*new))
            g[idx] = (vals[0] - vals[1]) / (2 * h)
        out[path] = g
    return out


def same_structure(a, b) -> bool:
    """Same containers, keys (in order), lengths and leaf shapes."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and \
            all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and \
            all(same_structure(x, y) for x, y in zip(a, b))
    return not isinstance(b, (dict, list, tuple)) and np.shape(a) == np.shape(b)


def check(f, args, i=0, grad=None, tol=1e-5):
    grad = adcompiler.grad(f, wrt=i)(*args) if grad is None else grad
    assert same_structure(args[i], grad), grad
    expected = fd_tree(f, args, i)
    for path, leaf in _paths(grad):
        assert isinstance(leaf, (float, np.floating, np.ndarray)), (path, type(leaf))
        np.testing.assert_allclose(leaf, expected[path], rtol=tol, atol=tol, err_msg=str(path))
    return grad


# ------------------------------------------------------------ functions
def linreg(params, X, y):
    W = params["W"]
    b = params["b"]
    r = X @ W + b - y
    return np.sum(r * r)


def mlp_list(params, x):
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ x + b1)
    return np.sum((W2 @ h + b2) ** 2)


def indexed(params, x):
    h = np.sin(params[0] * x) + params[-1]
    return np.sum(h * h) * params[1]


def layers(params, x):
    h = x
    for layer in params["layers"]:
        h = np.tanh(layer["W"] @ h + layer["b"])
    return np.sum(h) * params["scale"]


def pairs(params, x):
    s = 0.0
    for i, (W, b) in enumerate(params[:-1]):
        s = s + (i + 1) * np.sum(np.tanh(W @ x + b))
    last = params[-1]
    return s * last[0] + len(params)


def scalars(p, x):
    a, (b, c) = p["a"], p["bc"]
    return a * math.sin(x * b) + c * c


def data_dict(w, data):
    r = data["X"] @ w - data["y"]
    return np.sum(r * r)


def X_data():
    return RNG.normal(size=(6, 3)), RNG.normal(size=6)


# ------------------------------------------------------------ gradients
def test_dict_of_array_and_float():
    X, y = X_data()
    g = check(linreg, ({"W": RNG.normal(size=3), "b": 0.3}, X, y))
    assert list(g) == ["W", "b"]


def test_list_unpacked():
    p = [RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=(2, 4)),
         RNG.normal(size=2)]
    g = check(mlp_list, (p, RNG.normal(size=3)))
    assert isinstance(g, list)


def test_tuple_unpacked_gives_tuple():
    p = (RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=(2, 4)), RNG.normal(size=2))
    assert isinstance(check(mlp_list, (p, RNG.normal(size=3))), tuple)


def test_list_of_arrays_of_one_shape_is_a_structure():
    p = [RNG.normal(size=3), 0.7, RNG.normal(size=3)]
    check(indexed, (p, RNG.normal(size=3)))


def test_nested_dicts_in_a_list_loop_unrolled():
    p = {"layers": [{"W": RNG.normal(size=(4, 3)), "b": RNG.normal(size=4)},
                    {"W": RNG.normal(size=(2, 4)), "b": RNG.normal(size=2)}],
         "scale": 1.5}
    g = check(layers, (p, RNG.normal(size=3)))
    assert isinstance(g["layers"], list) and list(g["layers"][1]) == ["W", "b"]


def test_enumerate_slice_len_and_tuples_of_pairs():
    p = [(RNG.normal(size=(2, 3)), RNG.normal(size=2)),
         (RNG.normal(size=(2, 3)), RNG.normal(size=2)), (2.0,)]
    g = check(pairs, (p, RNG.normal(size=3)))
    assert isinstance(g[0], tuple) and isinstance(g[2], tuple)


def test_scalars_only_structure():
    g = check(scalars, ({"a": 1.2, "bc": (0.7, -0.4)}, 0.9))
    assert isinstance(g["bc"], tuple) and isinstance(g["a"], float)


def test_unused_and_integer_leaves_get_float_zeros():
    def f(p, x):
        return np.sum(p["W"] * x)

    p = {"W": np.arange(3), "unused": np.ones((2, 2)), "n": 3}
    g = adcompiler.grad(f)(p, np.arange(3.0))
    np.testing.assert_array_equal(g["W"], np.arange(3.0))
    assert g["W"].dtype == np.float64
    np.testing.assert_array_equal(g["unused"], np.zeros((2, 2)))
    assert g["n"] == 0.0 and isinstance(g["n"], float)


# ------------------------------------------------------------ wrt, value_and_grad
def test_wrt_selects_top_level_parameters():
    X, y = X_data()
    params = {"W": RNG.normal(size=3), "b": 0.3}
    gp, gX = adcompiler.grad(linreg, wrt=(0, "X"))(params, X, y)
    check(linreg, (params, X, y), 0, gp)
    np.testing.assert_allclose(gX, fd_tree(linreg, (params, X, y), 1)[()], atol=1e-5)
    (only,) = adcompiler.grad(linreg, wrt=(0,))(params, X, y)
    assert same_structure(params, only)


def test_structure_that_is_not_differentiated():
    X, y = X_data()
    w = RNG.normal(size=3)
    g = adcompiler.grad(data_dict)(w, {"X": X, "y": y})
    np.testing.assert_allclose(g, 2 * X.T @ (X @ w - y), atol=1e-12)


def test_value_and_grad():
    X, y = X_data()
    params = {"W": RNG.normal(size=3), "b": -0.2}
    value, g = adcompiler.value_and_grad(linreg)(params, X, y)
    assert value == pytest.approx(linreg(params, X, y))
    check(linreg, (params, X, y), 0, g)
    value, (g0, g1) = adcompiler.value_and_grad(data_dict, wrt=(0, 1))(
        params["W"], {"X": X, "y": y})
    assert value == pytest.approx(data_dict(params["W"], {"X": X, "y": y}))
    check(data_dict, (params["W"], {"X": X, "y": y}), 1, g1)


def test_each_structure_compiles_its_own_code():
    g = adcompiler.grad(linreg)
    X, y = X_data()
    a = g({"W": RNG.normal(size=3), "b": 0.3}, X, y)
    b = g({"b": 0.3, "W": RNG.normal(size=3)}, X, y)  # other key order: its own packing
    assert list(a) == ["W", "b"] and list(b) == ["b", "W"]
    check(linreg, ({"b": 0.1, "W": RNG.normal(size=3)}, X, y), 0, None)


# ------------------------------------------------------------ emitted source
def test_source_shows_the_structure_and_is_deterministic():
    X, y = X_data()
    args = ({"W": RNG.normal(size=3), "b": 0.3}, X, y)
    text = adcompiler.source(linreg, args=args)
    assert "def linreg_grad_flat(params_W, params_b, X, y):" in text
    assert "def linreg_grad(params, X, y):" in text
    assert "params_W = params['W']" in text
    assert "return {'W': params_W_bar, 'b': params_b_bar}" in text
    assert text == adcompiler.source(linreg, args=args)
    g = adcompiler.grad(linreg)
    g(*args)
    assert g.source == text
    namespace: dict = {}
    exec(compile(text, "<emitted>", "exec"), namespace)  # standalone, runs as shown
    check(linreg, args, 0, namespace["linreg_grad"](*args))


# ------------------------------------------------------------ refused forms
def _refused(f, args, line_offset, words, construct=None):
    with pytest.raises(CompileError) as info:
        adcompiler.grad(f)(*args)
    err = info.value
    assert err.line == f.__code__.co_firstlineno + line_offset, str(err)
    for w in words:
        assert w in str(err), str(err)
    if construct:
        assert err.construct == construct
    return err


def test_non_literal_key_refused_with_a_workaround():
    def f(params, i):
        return np.sum(params[i])

    _refused(f, ([np.ones(2), np.ones(2)], 0), 1,
             ["params[i]", "literal", "for item in params"], "non-literal key")


def test_range_len_loop_refused_with_a_workaround():
    def f(params):
        s = 0.0
        for i in range(len(params)):
            s = s + np.sum(params[i])
        return s

    _refused(f, ([np.ones(2), np.ones(2)],), 3, ["params[i]", "for item in params"])


def test_write_into_structure_refused():
    def f(params):
        params["W"] = params["W"] * 2.0
        return np.sum(params["W"])

    _refused(f, ({"W": np.ones(2)},), 1, ["writing into a structure", "read-only"],
             "write into a structure")


def test_dict_methods_refused():
    def f(params):
        s = 0.0
        for k, v in params.items():
            s = s + np.sum(v)
        return s

    _refused(f, ({"W": np.ones(2), "b": 1.0},), 2, ["params.items", "dict methods",
                                                     "params['W'], params['b']"])


def test_attribute_refused():
    def f(params):
        return np.sum(params.W)

    _refused(f, ({"W": np.ones(2)},), 1, ["params.W", "attributes"])


def _predict(params, X):
    return np.tanh(X @ params["W"] + params["b"])


def _penalty(w, scale=1.0):
    return scale * np.sum(w * w)


def _layer(p, h):
    W, b = p
    return np.tanh(W @ h + b)


def helper_loss(params, X, y):
    r = _predict(params, X) - y
    return np.sum(r * r) + 0.1 * _penalty(params["W"], scale=2.0)


def helper_net(params, x):
    h = x
    for p in params:
        h = _layer(p, h)
    return np.sum(h)


def test_structure_passed_to_a_helper_is_flattened_with_it():
    X, y = X_data()
    check(helper_loss, ({"W": RNG.normal(size=3), "b": 0.2}, X, y))
    p = [(RNG.normal(size=(4, 3)), RNG.normal(size=4)), (RNG.normal(size=(2, 4)),
                                                         RNG.normal(size=2))]
    check(helper_net, (p, RNG.normal(size=3)))


def test_structure_passed_to_a_library_function_refused():
    def f(params):
        return np.sum(params)

    _refused(f, ({"W": np.ones(2)},), 1, ["passing params", "np.sum(params['W'])"],
             "structure passed to a function")


def test_unpacking_a_dict_refused():
    def f(params):
        a, b = params
        return np.sum(a) + b

    _refused(f, ({"W": np.ones(2), "b": 1.0},), 1, ["unpacking a dict gives its keys"])


def test_missing_key_and_bad_index():
    def f(params):
        return np.sum(params["V"])

    _refused(f, ({"W": np.ones(2)},), 1, ["no key 'V'", "'W'"], "missing key")

    def g(params):
        return np.sum(params[2])

    _refused(g, ([np.ones(2), 1.0],), 1, ["index 2 out of range"])


def test_break_in_unrolled_loop_refused():
    def f(params):
        s = 0.0
        for p in params:
            if np.sum(p) > 0:
                break
            s = s + np.sum(p)
        return s

    _refused(f, ([np.ones(2), np.ones(2)],), 4, ["break", "unrolled"])


def test_reassigning_the_structure_refused():
    def f(params):
        params = params["W"]
        return np.sum(params)

    _refused(f, ({"W": np.ones(2)},), 1, ["read-only"])


def test_bad_leaves_are_usage_errors():
    with pytest.raises(UsageError, match=r"params\['act'\] is a str"):
        adcompiler.grad(linreg)({"W": np.ones(3), "b": 0.0, "act": "tanh"}, *X_data())
    with pytest.raises(UsageError, match="complex"):
        adcompiler.grad(linreg)({"W": np.ones(3) * 1j, "b": 0.0}, *X_data())


def test_string_key_without_a_structure_says_where_it_comes_from():
    """.source before any call, and the command line, cannot know the dict."""
    with pytest.raises(CompileError) as info:
        adcompiler.source(linreg)
    assert "params['W']" in str(info.value) and "args=" in str(info.value)
    assert info.value.line == linreg.__code__.co_firstlineno + 1


def test_list_of_arrays_of_different_shapes_was_an_internal_error():
    """Issue 14: parameters passed as a list gave a misleading message (an
    internal TypeError on 0.2.0's main); now they are a structure."""
    p = [RNG.normal(size=(4, 3)), RNG.normal(size=4), RNG.normal(size=(2, 4)),
         RNG.normal(size=2)]
    g = adcompiler.grad(mlp_list)(p, RNG.normal(size=3))
    assert [np.shape(x) for x in g] == [(4, 3), (4,), (2, 4), (2,)]


def test_lists_of_numbers_stay_vectors():
    """A flat list of numbers is still a vector (realargs.py), not a structure."""
    def f(x):
        return x[0] * x[1]

    g = adcompiler.grad(f)([2.0, 3.0])
    assert isinstance(g, np.ndarray)
    np.testing.assert_allclose(g, [3.0, 2.0])


# ------------------------------------------------------------ the example
def test_mlp_example_trains():
    mod = runpy.run_path(os.path.join(ROOT, "examples", "mlp_dict_params.py"))
    params, X, y = mod["example"]()
    check(mod["loss"], (params, X, y), tol=1e-5)
    _, losses = mod["train"]()
    assert losses[-1] < 0.2 * losses[0]


def test_mlp_example_runs_as_a_script():
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "mlp_dict_params.py")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("loss: ")


def test_forward_grad_and_jvp_take_structures():
    def f(p):
        return p["a"] * p["b"]

    # grad(mode="forward") flattens structures since issue 15 (tests/test_forward_arrays.py)
    assert adcompiler.grad(f, mode="forward")({"a": 1.0, "b": 2.0}) == {"a": 2.0, "b": 1.0}
    # and jvp / hvp / hessian / jacobian since then too (tests/test_forward_gaps.py)
    assert adcompiler.jvp(f, ({"a": 1.0, "b": 2.0},), ({"a": 1.0, "b": 0.0},)) == (2.0, 2.0)


def test_name_for_a_part_assigned_twice_refused():
    def f(params, flag):
        if flag > 0:
            layer = params[0]
        else:
            layer = params[1]
        return np.sum(layer["W"])

    _refused(f, ([{"W": np.ones(2)}, {"W": np.ones(2)}], 1.0), 2, ["assigned again"])


def test_keyword_call_and_default_after_a_structure():
    def f(params, x, scale=2.0):
        return scale * np.sum(params["W"] * x)

    x = RNG.normal(size=3)
    g = adcompiler.grad(f)(x=x, params={"W": np.ones(3)})
    np.testing.assert_allclose(g["W"], 2.0 * x)
    g = adcompiler.grad(f)({"W": np.ones(3)}, x, scale=3.0)
    np.testing.assert_allclose(g["W"], 3.0 * x)


def _inner(p, x):
    return p["a"] * math.sin(p["b"] * x)


def test_structure_passed_to_a_helper_in_a_loop_scalar_code():
    def outer(p, x):
        s = 0.0
        for i in range(3):
            s = s + _inner(p, x + i)
        return s

    g = check(outer, ({"a": 1.5, "b": 0.7}, 0.3))
    assert "_inner_flat_fwd" in adcompiler.grad(outer).source_for(({"a": 1.5, "b": 0.7}, 0.3))


# ------------------------------------------------------------ the command line
UNPACKING = '''import numpy as np


def mlp(params, x):
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ x + b1)
    return np.sum(W2 @ h + b2)


def loop(params, x):
    h = x
    for W, b in params:
        h = np.tanh(W @ h + b)
    return np.sum(h)


def keyed(params, x):
    return np.sum(params["W"] * x)
'''


@pytest.mark.parametrize("name, line, words", [
    ("mlp", 5, ["params is unpacked into names here", "list or tuple of arrays",
                "grad(mlp)(params, ...)", "--shapes params="]),
    ("loop", 12, ["params is unpacked into names here", "grad(loop)(params, ...)"]),
    ("keyed", 18, ["params['W']: params is read as a dict", "--shapes"]),
])
def test_command_line_points_at_the_structure(tmp_path, capsys, name, line, words):
    """Issue 14: a list of parameters unpacked gave "the number of dimensions
    of an operand is unknown here" at the def line."""
    from adcompiler.cli.commands import main
    path = tmp_path / "m.py"
    path.write_text(UNPACKING)
    assert main(["compile", str(path), "-f", name]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}:"), err
    for w in words:
        assert w in err, err
