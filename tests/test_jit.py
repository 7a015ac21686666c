"""``grad(f, jit=True)``: the emitted code compiled by numba gives the same
gradients; without numba, a clear error saying how to install it."""
import builtins
import sys

import numpy as np
import pytest

import adcompiler
from oracles import central_diff


def logistic_map(x, n=10):
    l = x
    for i in range(n):
        l = 4 * l * (1 - l)
    return l


def rosenbrock_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def test_logistic_map_same_with_jit():
    pytest.importorskip("numba")
    plain, jitted = adcompiler.grad(logistic_map), adcompiler.grad(logistic_map, jit=True)
    for x in (0.3, 0.61, 0.05):
        assert jitted(x) == pytest.approx(plain(x), rel=1e-12)
        assert jitted(x, 4) == pytest.approx(plain(x, 4), rel=1e-12)
    fd = (logistic_map(0.3 + 1e-7) - logistic_map(0.3 - 1e-7)) / 2e-7
    assert jitted(0.3) == pytest.approx(fd, rel=1e-5)


def test_rosenbrock_loop_same_with_jit():
    pytest.importorskip("numba")
    x = np.random.default_rng(3).uniform(-1.0, 1.5, 30)
    plain, jitted = adcompiler.grad(rosenbrock_loop), adcompiler.grad(rosenbrock_loop, jit=True)
    np.testing.assert_allclose(jitted(x), plain(x), rtol=1e-12)
    np.testing.assert_allclose(jitted(x), central_diff(rosenbrock_loop, (x,), 0), rtol=1e-5, atol=1e-6)
    y = x[:7].copy()  # another shape
    np.testing.assert_allclose(jitted(y), plain(y), rtol=1e-12)


def test_value_and_grad_with_jit():
    pytest.importorskip("numba")
    v, g = adcompiler.value_and_grad(logistic_map, jit=True)(0.3)
    assert v == pytest.approx(logistic_map(0.3)) and g == adcompiler.grad(logistic_map)(0.3)


def test_jit_refuses_forward_mode_and_aux():
    with pytest.raises(adcompiler.UsageError, match="jit=True"):
        adcompiler.grad(logistic_map, mode="forward", jit=True)


def test_without_numba_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_numba(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError("No module named 'numba'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_numba)
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    with pytest.raises(adcompiler.AdcError, match=r"pip install 'adcompiler\[jit\]'"):
        adcompiler.grad(logistic_map, jit=True)



def _load(path):
    import importlib.util
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_adc_compile_jit_runs_under_numba(tmp_path):
    pytest.importorskip("numba")
    from adcompiler.cli.commands import main
    src = tmp_path / "loops.py"
    src.write_text("def logistic_map(x, n=10):\n    l = x\n    for i in range(n):\n"
                   "        l = 4 * l * (1 - l)\n    return l\n\n\n"
                   "def rosenbrock_loop(x):\n    s = 0.0\n    for i in range(len(x) - 1):\n"
                   "        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2\n"
                   "    return s\n")
    scalar, arrays = tmp_path / "lm_grad.py", tmp_path / "rb_grad.py"
    assert main(["compile", "--jit", "-f", "logistic_map", str(src), "-o", str(scalar)]) == 0
    assert main(["compile", "--jit", "-f", "rosenbrock_loop", "--shapes", "x=8", str(src),
                 "-o", str(arrays)]) == 0
    assert "@numba.njit" in scalar.read_text()
    lm = _load(scalar).logistic_map_grad
    assert type(lm).__module__.startswith("numba")
    assert lm(0.3) == pytest.approx(adcompiler.grad(logistic_map)(0.3), rel=1e-12)
    x = np.random.default_rng(5).uniform(-1.0, 1.5, 8)
    np.testing.assert_allclose(_load(arrays).rosenbrock_loop_grad(x),
                               adcompiler.grad(rosenbrock_loop)(x), rtol=1e-12)
    with pytest.raises(ValueError, match="compiled for x"):  # the checks stay in Python
        _load(arrays).rosenbrock_loop_grad(np.ones((2, 2)))


def test_adc_compile_without_jit_has_no_numba(tmp_path):
    from adcompiler.cli.commands import main
    src = tmp_path / "m.py"
    src.write_text("def logistic_map(x, n=10):\n    l = x\n    for i in range(n):\n"
                   "        l = 4 * l * (1 - l)\n    return l\n")
    out = tmp_path / "g.py"
    assert main(["compile", str(src), "-o", str(out)]) == 0
    assert "numba" not in out.read_text()


def sine_tower(x, n=30):
    s = x
    for _ in range(n):
        s = np.sin(s) + 0.5 * s
    return s


def counted(x, n=5):
    s = x
    k = 0
    while k < n:  # a tape appended outside a range loop: grown, not reserved
        s = s * s * 0.5 + 0.25
        k = k + 1
    return s


def test_array_tapes_give_the_list_gradients():
    """The tape as a NumPy array (runtime/jittapes.py) against the plain
    gradient and central differences, across the first capacity (64) and
    with a tape that grows (a while loop)."""
    pytest.importorskip("numba")
    plain = adcompiler.grad(sine_tower, mode="reverse")  # forward mode keeps no tape
    jitted = adcompiler.grad(sine_tower, jit=True, mode="reverse")
    for n in (0, 1, 30, 64, 65, 300):
        assert jitted(0.4, n) == pytest.approx(plain(0.4, n), rel=1e-12)
    fd = (sine_tower(0.4 + 1e-7) - sine_tower(0.4 - 1e-7)) / 2e-7
    assert jitted(0.4) == pytest.approx(fd, rel=1e-5)
    plain = adcompiler.grad(counted, mode="reverse")
    jitted = adcompiler.grad(counted, jit=True, mode="reverse")
    for n in (3, 64, 200):
        assert jitted(0.3, n) == pytest.approx(plain(0.3, n), rel=1e-12)


def test_array_tape_rewrite_only_for_plain_numbers():
    """The rewrite keeps a list where the tape is used otherwise (a pop,
    tuples of values) and turns a plain tape into an indexed array."""
    import ast

    from adcompiler.runtime import jittapes
    plain = ast.parse(str(adcompiler.grad(sine_tower, mode="reverse").source))
    assert jittapes.tapes(plain, "sine_tower_grad") == ["tape"]
    text = ast.unparse(jittapes.rewrite(plain, "sine_tower_grad", {"tape": "float64"}))
    assert "reversed" not in text and ".append" not in text and "_adc_reserve" in text
    tuples = ast.parse(adcompiler.source(rosenbrock_loop, args=(np.ones(4),)))
    assert jittapes.tapes(tuples, "rosenbrock_loop_grad") == []


def test_jit_fast_path_keeps_the_dispatch():
    """After a float call (numba's compiled wrapper called directly), ints,
    another n and arrays of another layout take their own code."""
    pytest.importorskip("numba")
    plain, jitted = adcompiler.grad(logistic_map), adcompiler.grad(logistic_map, jit=True)
    assert jitted(0.3) == jitted(0.3) == pytest.approx(plain(0.3), rel=1e-12)
    assert jitted(0, 3) == pytest.approx(plain(0.0, 3), rel=1e-12)
    assert type(jitted(0)) is float and jitted(0) == pytest.approx(plain(0.0), rel=1e-12)
    assert jitted(0.3, n=4) == pytest.approx(plain(0.3, 4), rel=1e-12)
    assert jitted(0.3) == pytest.approx(plain(0.3), rel=1e-12)
    rb = adcompiler.grad(rosenbrock_loop, jit=True)
    x = np.random.default_rng(4).uniform(-1.0, 1.5, 16)
    np.testing.assert_allclose(rb(x[::2].copy()), rb(x[::2]), rtol=1e-12)
    np.testing.assert_allclose(rb(x[::2]), adcompiler.grad(rosenbrock_loop)(x[::2]),
                               rtol=1e-12)


def quintic(x):
    return x * x * x * x * x * 1e-20


def test_a_differentiated_integer_runs_the_python_code():
    """numba computes an int argument in int64, which wraps around at 2**63
    where Python's integers grow: (10**5)**4 came out as garbage (4.08 for
    5.0).  Such calls run the emitted Python code; floats keep numba."""
    pytest.importorskip("numba")
    g = adcompiler.grad(quintic, jit=True)
    assert g(10 ** 5) == pytest.approx(5.0, rel=1e-12)
    assert g(True) == pytest.approx(5e-20, rel=1e-12)
    assert g(1e5) == pytest.approx(5.0, rel=1e-12)
    with pytest.raises(OverflowError):  # as without the JIT: Python's int too large
        adcompiler.grad(logistic_map, jit=True)(3, 12)
    with pytest.raises(OverflowError):
        adcompiler.grad(logistic_map)(3, 12)


def power(x, n=5):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def test_one_scalar_input_jit_compiles_the_forward_code():
    """grad() chose forward mode (api/mode_choice.py): numba compiles that
    code; recursion keeps the reverse code (numba runs recursive forward code
    wrongly, and refuses the reverse code by name)."""
    pytest.importorskip("numba")
    from adcompiler.api import mode_choice
    from adcompiler.runtime import jit as jitting
    for fn, x in ((logistic_map, 0.3), (sine_tower, 0.4), (counted, 0.7)):
        g = adcompiler.grad(fn, jit=True)
        assert g(x) == pytest.approx(adcompiler.grad(fn, mode="reverse")(x), rel=1e-12)
        assert g(x) == pytest.approx(central_diff(fn, (x,), 0), rel=1e-6)
        loaded = next(iter(g._loaded.values()))[1]
        assert mode_choice.WHY in g.source and jitting.is_jitted(loaded)
        assert any(name.endswith("_dot") for name in loaded.py_func.__code__.co_varnames)
    g = adcompiler.grad(power, jit=True)
    with pytest.raises(adcompiler.AdcError, match="numba cannot compile"):
        g(1.1)
    assert mode_choice.WHY not in g.source and mode_choice.WHY in adcompiler.grad(power).source
