"""One named test per core bug found by the program fuzzer (tests/test_fuzz.py)
or while building the reliability checks.  Each says what was wrong."""
import pytest

from adcompiler import grad
from oracles import dual_grad


def check(fn, point, wrt=(0,)):
    got = grad(fn, wrt=wrt)(*point)
    got = got if isinstance(got, tuple) else (got,)
    assert got == pytest.approx(tuple(dual_grad(fn, point, wrt)), rel=1e-10, abs=1e-12)


def test_helper_called_only_in_while_condition_is_emitted(module_from_source):
    # The emitted module called h1 but did not define it (NameError): primal
    # callees were collected only from statements the reverse transform
    # visited, never from a while loop's condition block.
    mod = module_from_source(
        "def h1(u, v):\n"
        "    return u * v\n"
        "\n"
        "def f(x):\n"
        "    a = x\n"
        "    n = 0\n"
        "    while n < 2 and 1.0 < h1(1.0, 2.0):\n"
        "        a = a * x\n"
        "        n += 1\n"
        "    return a\n")
    check(mod.f, (1.5,))
    assert "def h1(" in grad(mod.f).source


def test_helper_with_loop_keeps_its_tape_across_fwd_and_bwd(module_from_source):
    # A helper with a loop is split into h_fwd (pushes on a tape, returns it
    # in its residuals) and h_bwd (pops it).  prune_tapes, run on h_fwd alone,
    # saw no pop there and deleted the tape and its pushes while the packed
    # residuals still named it: IR read out of scope / NameError.
    mod = module_from_source(
        "def h1(u, v):\n"
        "    n = 0\n"
        "    while n < 1 and u < v:\n"
        "        n += 1\n"
        "        c, v = 2.0, u * v\n"
        "    u += v\n"
        "    return u * v\n"
        "\n"
        "def f(x, y):\n"
        "    return h1(y, x) + h1(x, y)\n")
    check(mod.f, (-0.376, -0.433), wrt=(0, 1))
    check(mod.f, (0.5, 0.9), wrt=(0, 1))


def test_cli_refuses_async_def(tmp_path, capsys):
    # The command line compiled `async def f` as if it were a plain def (the
    # static reader collected AsyncFunctionDef nodes and lowering never
    # checked), emitting a gradient for a coroutine function.
    from adcompiler.cli.commands import main
    path = tmp_path / "coro.py"
    path.write_text("async def f(x):\n    return x * x\n")
    assert main(["compile", str(path)]) == 1
    assert "async def is not supported" in capsys.readouterr().err


def test_class_is_refused_as_a_class_not_by_wrt():
    # grad(SomeClass) said "wrt=0 is out of range: SomeClass has 0 parameter(s)":
    # wrt was checked before the kind of object.
    from adcompiler import UsageError

    class Model:
        pass

    with pytest.raises(UsageError, match="is a class"):
        grad(Model)


def test_cli_names_varargs_not_missing_parameters(tmp_path, capsys):
    # `adc compile` on `def f(*xs)` said "f has no parameters to differentiate"
    # instead of naming the unsupported *args.
    from adcompiler.cli.commands import main
    path = tmp_path / "va.py"
    path.write_text("def f(*xs):\n    return xs[0]\n")
    assert main(["compile", str(path)]) == 1
    err = capsys.readouterr().err  # (now: how to give the number of *xs values)
    assert "*xs" in err and "--star-args" in err and "no parameters" not in err


def test_mod_has_slope_one_in_its_left_operand(module_from_source):
    # `%` was marked non-differentiable, so d/dx (x % 1.5) came out 0 instead
    # of 1 (a silently wrong gradient); a % b == a - b * floor(a / b).
    mod = module_from_source(
        "def f(x, y):\n"
        "    return x % 1.5 + 2.0 % (1 + y * y) + (x * y) % y\n")
    # by hand at (2.0, 0.7): d/dx = 1 + y; d/dy = -floor(2 / 1.49) * 2y + x - floor(xy / y)
    assert grad(mod.f, wrt=(0, 1))(2.0, 0.7) == pytest.approx((1.7, -1.4 + 2.0 - 2.0))
    check(mod.f, (2.0, 0.7), wrt=(0, 1))
    check(mod.f, (-1.3, 1.9), wrt=(0, 1))


def test_unused_seed_parameters_of_a_bwd_function_get_distinct_names(module_from_source):
    # h1 returns two values, the first a constant: h1_bwd's two seed parameters
    # were both named out_bar (the unread one counted as dead at once, so its
    # name was free for the next), a SyntaxError in the emitted module.
    mod = module_from_source(
        "import numpy as np\n"
        "def h1(u, v):\n"
        "    return 1.0, np.maximum(1.0, v)\n"
        "\n"
        "def f(x, y):\n"
        "    return h1(h1(y, x)[1], x)[0] + h1(x, y)[1] * x\n")
    check(mod.f, (0.552, 1.074), wrt=(0, 1))
    check(mod.f, (0.552, 0.074), wrt=(0, 1))


def test_gradient_at_a_domain_edge_does_not_raise(module_from_source):
    # The emitted gradient of sqrt(x) computed 0.5 * g / sqrt(x) and raised
    # ZeroDivisionError at x = 0 although sqrt(0) itself is fine; likewise
    # x ** 0.5 (0.0 ** -0.5 raises) and asin at 1.  Now inf (conventions.md).
    import math
    mod = module_from_source(
        "from math import sqrt, asin\n"
        "def f(x):\n"
        "    return sqrt(x) + x ** 0.5 + asin(x + 1.0)\n")
    assert grad(mod.f)(0.0) == math.inf
