"""The fast path of ``grad(f)(*args)`` (api/fastcall.py) keeps the general
call's dispatch: per argument type and array shape, globals checked for
freshness on every call, keywords and structures through the general path.
Correctness only (no timing)."""
import math

import numpy as np
import pytest

import adcompiler

SCALE = 2.0


def scaled(x):
    return SCALE * math.sin(x)


def square_sum(x):
    return np.sum(x * x) if isinstance(x, np.ndarray) else x * x


def arrays_or_scalars(x):
    return np.sum(x * x * x)


def two(a, b=3.0):
    return a * a * b


def test_arrays_after_scalars_run_array_code():
    g = adcompiler.grad(arrays_or_scalars)
    assert g(2.0) == pytest.approx(12.0)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(g(x), 3 * x * x)
    assert g(2.0) == pytest.approx(12.0)
    y = np.array([1.0, -1.0])  # another shape: other code
    np.testing.assert_allclose(g(y), 3 * y * y)
    np.testing.assert_allclose(g(x.astype(np.float32)), 3 * x * x, rtol=1e-6)


def test_integer_after_float_is_converted():
    g = adcompiler.grad(two)
    assert g(2.0) == 12.0
    r = g(2)
    assert r == 12.0 and type(r) is float
    assert type(g(True)) is float


def test_changed_global_seen_on_the_next_call():
    global SCALE
    g = adcompiler.grad(scaled)
    assert g(0.5) == pytest.approx(2.0 * math.cos(0.5))
    assert g(0.5) == pytest.approx(2.0 * math.cos(0.5))  # the fast path now
    try:
        SCALE = 5.0
        assert g(0.5) == pytest.approx(5.0 * math.cos(0.5))
    finally:
        SCALE = 2.0
    assert g(0.5) == pytest.approx(2.0 * math.cos(0.5))


def test_keywords_defaults_and_arity_after_fast_path():
    g = adcompiler.grad(two)
    assert g(2.0) == 12.0
    assert g(2.0, 5.0) == 20.0
    assert g(2.0, b=1.0) == 4.0
    assert g(a=2.0) == 12.0
    assert g(2.0) == 12.0
    with pytest.raises(TypeError):
        g(2.0, 1.0, 1.0)


def test_tuple_wrt_and_value_and_grad_fast():
    g = adcompiler.grad(two, wrt=(0, 1))
    for _ in range(3):
        assert g(2.0, 3.0) == (12.0, 4.0)
    assert g(2, 3) == (12.0, 4.0) and type(g(2, 3)[1]) is float
    one = adcompiler.grad(two, wrt=(0,))  # a 1-tuple, though the code returns a float
    assert one(2.0) == one(2.0) == (12.0,)
    vg = adcompiler.value_and_grad(two)
    for _ in range(3):
        assert vg(2.0) == (12.0, 12.0)


def test_structures_after_fast_path_show_their_source():
    def loss(p, x):
        return p["w"] * x * x

    g = adcompiler.grad(loss)
    assert g({"w": 2.0}, 3.0) == {"w": 9.0}
    h = adcompiler.grad(two)
    h(1.0)
    h(1.0)
    assert "two_grad" in h.source


def test_error_after_fast_path_has_short_traceback():
    import traceback

    g = adcompiler.grad(two)
    g(1.0)
    with pytest.raises(adcompiler.AdcError) as info:
        g(1.0 + 2.0j)
    names = [fr.name for fr in traceback.extract_tb(info.value.__traceback__)]
    # one frame of ours: the guarded copy of the emitted function (api/fused.py)
    assert names == ["test_error_after_fast_path_has_short_traceback", "two_grad"]


def test_deleted_global_after_fast_path_is_a_compile_error(tmp_path, monkeypatch):
    (tmp_path / "gone_mod.py").write_text(
        "import math\n\nK = 3.0\n\n\ndef f(x):\n    return K * math.sin(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import gone_mod
    g = adcompiler.grad(gone_mod.f)
    assert g(0.2) == g(0.2) == pytest.approx(3.0 * math.cos(0.2))
    del gone_mod.K
    with pytest.raises(adcompiler.CompileError, match="K"):
        g(0.2)
    gone_mod.K = 4.0
    assert g(0.2) == pytest.approx(4.0 * math.cos(0.2))


def test_shadowed_builtin_after_fast_path_is_noticed(tmp_path, monkeypatch):
    (tmp_path / "shadow_mod.py").write_text(
        "def f(x):\n    s = 0.0\n    for i in range(3):\n        s = s + x * x\n    return s\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import shadow_mod
    g = adcompiler.grad(shadow_mod.f)
    assert g(1.5) == g(1.5) == pytest.approx(9.0)
    shadow_mod.range = lambda n: [0]  # noticed: compiled again (and refused)
    try:
        with pytest.raises(adcompiler.CompileError, match="lambda"):
            g(1.5)
    finally:
        del shadow_mod.range
    assert g(1.5) == pytest.approx(9.0)


def total(x, *args):
    s = x * x
    for a in args:
        s = s + a * x
    return s


def test_varargs_counts_after_fast_path():
    g = adcompiler.grad(total)
    assert g(2.0, 1.0) == g(2.0, 1.0) == 5.0
    assert g(2.0, 1.0, 3.0) == 8.0  # one more value for *args: other code
    assert g(2.0) == 4.0
    assert g(2.0, 1.0) == 5.0
    assert "total_grad" in g.source


def stepped(x, n=3):
    s = x
    for _ in range(n):
        s = s * x
    return s


def test_changed_default_seen_when_left_out():
    """The guarded copy tests the user's defaults when a call leaves one out
    (and only then: a call giving every value does not depend on them)."""
    g = adcompiler.grad(stepped)
    assert g(1.5, 2) == g(1.5, 2) == pytest.approx(3 * 1.5 ** 2)
    assert g(1.5) == g(1.5) == pytest.approx(4 * 1.5 ** 3)  # the fast path for one value
    old = stepped.__defaults__
    try:
        stepped.__defaults__ = (1,)
        assert g(1.5) == pytest.approx(2 * 1.5)
        assert g(1.5, 2) == g(1.5, 2) == pytest.approx(3 * 1.5 ** 2)
        stepped.__defaults__ = (2,)  # after a fast call giving every value
        assert g(1.5) == pytest.approx(3 * 1.5 ** 2)
    finally:
        stepped.__defaults__ = old
    assert g(1.5) == pytest.approx(4 * 1.5 ** 3)


def test_equal_global_rebound_and_closure_cell_changed():
    global SCALE
    g = adcompiler.grad(scaled)
    for _ in range(2):
        assert g(0.5) == pytest.approx(2.0 * math.cos(0.5))
    try:
        SCALE = float("2.0")  # a new object of the same value: same code, still right
        assert g(0.5) == g(0.5) == pytest.approx(2.0 * math.cos(0.5))
    finally:
        SCALE = 2.0
    k = 3.0

    def inner(x):
        return k * x * x

    h = adcompiler.grad(inner)
    assert h(2.0) == h(2.0) == 12.0
    k = 5.0
    assert h(2.0) == 20.0


def failing(x):
    return x / (x - 1.0)


def test_error_in_emitted_code_shows_its_line():
    import traceback

    g = adcompiler.grad(failing)
    g(2.0)
    g(2.0)
    with pytest.raises(ZeroDivisionError) as info:
        g(1.0)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert last.name == "failing_grad" and "/" in last.line


def test_positional_keyword_and_missing_arguments_after_fast_path():
    g = adcompiler.grad(two, wrt=(0, 1))
    assert g(2.0, 3.0) == g(2.0, 3.0) == (12.0, 4.0)
    assert g(b=3.0, a=2.0) == (12.0, 4.0)
    assert g(2.0) == (12.0, 4.0)
    assert g(np.float64(2.0), 3.0) == (12.0, 4.0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        g(2.0, c=1.0)
    with pytest.raises(TypeError, match="missing"):
        g(b=1.0)


def test_copies_are_derivatives_of_the_same_function():
    import copy

    g = adcompiler.grad(two, wrt=(0, 1))
    assert g(2.0, 3.0) == g(2.0, 3.0) == (12.0, 4.0)
    for h in (copy.copy(g), copy.deepcopy(g)):
        assert h is not g and h(2.0, 3.0) == (12.0, 4.0) and h(1.0) == (6.0, 1.0)
        assert repr(h) == repr(g) and "two_grad" in h.source
    assert g(2.0, 3.0) == (12.0, 4.0)


def keyword_only(x, *, s=2.0):
    return s * x * x


def test_keyword_only_parameters_after_fast_path():
    g = adcompiler.grad(keyword_only)
    assert g(1.5) == g(1.5) == 6.0
    assert g(1.5, s=3.0) == 9.0 and g(x=1.5, s=1.0) == 3.0
    assert g(1.5) == 6.0


def net(W, w0, X):
    return np.sum(np.tanh(X @ W.T) @ w0)


def test_float64_array_results_skip_the_finishing_call(monkeypatch):
    """The guarded copy returns float64 gradients (one, or a tuple) as they are,
    without calling ``finish`` (which would give them back unchanged)."""
    from adcompiler.api import reverse_grad
    calls = []
    real = reverse_grad.Derivative._finish

    def counting(self, result):
        calls.append(result)
        return real(self, result)

    monkeypatch.setattr(reverse_grad.Derivative, "_finish", counting)
    rng = np.random.default_rng(0)
    W, w0, X = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((5, 4))
    for wrt in (0, (0, 1)):
        g = adcompiler.grad(net, wrt=wrt)
        first = g(W, w0, X)
        del calls[:]
        again = g(W, w0, X)
        assert calls == []
        for a, b in zip(np.atleast_1d(first) if wrt == 0 else first,
                        np.atleast_1d(again) if wrt == 0 else again):
            np.testing.assert_array_equal(a, b)
