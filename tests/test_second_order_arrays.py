"""Second order on NumPy programs: ``hvp`` (forward over the array gradient),
``hessian``, ``derivative(order=k)`` of array code and ``grad(grad(f))``,
each against central differences of reverse-mode gradients (an independent
first-order path) and, for the Hessian, its symmetry."""
import time

import numpy as np
import pytest

import adcompiler
from adcompiler.errors import AdcError

H = 1e-5
RNG = np.random.default_rng(1515)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _softplus(z):
    return np.log1p(np.exp(z))


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(_softplus(z) - y * z) + 0.5 * np.sum(w * w)


def loop_energy(x, k):
    e = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i]
        e = e + k * d * d * d * d + np.cos(x[i])
    return e + np.max(x) ** 2


def chain(x):
    """The adjoint of x is built only inside the loop: its tangent is
    carried from zeros (an array, not the number 0.0)."""
    e = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i]
        e = e + d * d * d * d + np.cos(x[i])
    return e


def running_writes(x):
    """Item writes (``out[i] = v``, the setitem primitive) in a loop."""
    out = np.zeros(len(x))
    acc = 0.0
    for i in range(len(x)):
        acc = acc + x[i] * x[i]
        out[i] = acc
    return np.sum(out * x)


def quadratic_form(x, A):
    return 0.5 * x @ (A @ x) + np.sum(np.exp(x) * x[0])


def scaled_sum(a, x):
    return np.sum(np.sin(a * x) * x) + a ** 3 * np.mean(x)


def trajectory(t, v0):
    ts = np.array([t, 2.0 * t, t * t])
    return v0 * np.exp(-ts) * np.sin(3.0 * ts)


def _data():
    X = RNG.normal(size=(20, 3))
    y = (RNG.random(20) > 0.5).astype(float)
    return X, y


def _fd_hvp(f, args, v, wrt=0):
    g = adcompiler.grad(f, wrt=wrt)
    plus, minus = list(args), list(args)
    plus[wrt] = args[wrt] + H * v
    minus[wrt] = args[wrt] - H * v
    return (g(*plus) - g(*minus)) / (2 * H)


CASES = {
    "rosenbrock": (rosenbrock, lambda: (RNG.normal(size=6),)),
    "logistic_nll": (logistic_nll, lambda: (RNG.normal(size=3), *_data())),
    "loop_energy": (loop_energy, lambda: (RNG.normal(size=5), 0.3)),
    "chain": (chain, lambda: (RNG.normal(size=5),)),
    "running_writes": (running_writes, lambda: (RNG.normal(size=4),)),
    "quadratic_form": (quadratic_form, lambda: (RNG.normal(size=4), RNG.normal(size=(4, 4)))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hvp_matches_differences_of_the_reverse_gradient(name):
    f, make = CASES[name]
    args = make()
    v = RNG.normal(size=args[0].shape)
    tangents = (v,) + tuple(np.zeros(np.shape(a)) if np.ndim(a) else 0.0 for a in args[1:])
    hv = adcompiler.hvp(f, args, tangents)
    hv0 = hv[0] if isinstance(hv, tuple) else hv
    assert hv0.shape == args[0].shape
    assert np.allclose(hv0, _fd_hvp(f, args, v), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hessian_is_symmetric_and_matches_differences(name):
    f, make = CASES[name]
    args = make()
    Hm = adcompiler.hessian(f)(*args)
    n = args[0].size
    assert Hm.shape == args[0].shape + args[0].shape
    assert np.allclose(Hm, Hm.T, rtol=1e-12, atol=1e-12)
    fd = np.stack([_fd_hvp(f, args, e) for e in np.eye(n)], axis=-1)
    assert np.allclose(Hm, fd, rtol=1e-5, atol=1e-5)
    v = RNG.normal(size=n)
    zeros = tuple(np.zeros(np.shape(a)) if np.ndim(a) else 0.0 for a in args[1:])
    hv = adcompiler.hvp(f, args, (v,) + zeros)
    assert np.allclose(Hm @ v, hv[0] if zeros else hv, rtol=1e-10, atol=1e-10)


def test_hessian_of_a_matrix_argument_has_shape_arg_plus_arg():
    x, A = RNG.normal(size=3), RNG.normal(size=(3, 3))
    Hxx, HxA = adcompiler.hessian(quadratic_form, wrt=(0, 1))(x, A)[0]
    assert Hxx.shape == (3, 3) and HxA.shape == (3, 3, 3)
    E = np.zeros((3, 3))
    E[1, 2] = 1.0  # d/dA[1,2] of the x-gradient
    g = adcompiler.grad(quadratic_form, wrt=0)
    fd = (g(x, A + H * E) - g(x, A - H * E)) / (2 * H)
    assert np.allclose(HxA[:, 1, 2], fd, rtol=1e-5, atol=1e-6)


def test_hessian_of_the_rosenbrock_function_is_the_known_tridiagonal_matrix():
    x = np.array([1.2, 0.8, -0.5])
    Hm = adcompiler.hessian(rosenbrock)(x)
    want = np.array([[1200 * 1.44 - 400 * 0.8 + 2, -480.0, 0.0],
                     [-480.0, 200 + 1200 * 0.64 - 400 * -0.5 + 2, -320.0],
                     [0.0, -320.0, 200.0]])
    assert np.allclose(Hm, want)


def test_hvp_costs_a_small_multiple_of_one_gradient():
    x = RNG.normal(size=2000)
    g = adcompiler.grad(rosenbrock)
    v = RNG.normal(size=2000)
    g(x), adcompiler.hvp(rosenbrock, (x,), (v,))  # compile both

    def best(run):
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)
    ratio = best(lambda: adcompiler.hvp(rosenbrock, (x,), (v,))) / best(lambda: g(x))
    assert ratio < 8  # the target is 4x (bench/); generous here against noisy machines


def test_hvp_source_reads_no_hessian():
    """The emitted HVP is one forward pass over the gradient: no n x n array."""
    x = RNG.normal(size=5)
    from adcompiler.api.forward_arrays import _module
    code, _ = _module("hvp", rosenbrock, ((0,),), (x,))
    assert "def rosenbrock_hvp(x, x_dot)" in code.source
    assert "for " not in code.source and "eye" not in code.source


def test_derivative_of_a_scalar_to_array_function_to_order_three():
    t, v0 = 0.4, 1.5
    for order in (1, 2, 3):
        d = adcompiler.derivative(trajectory, order=order)(t, v0)
        lower = adcompiler.derivative(trajectory, order=order - 1)
        fd = (np.asarray(lower(t + H, v0)) - np.asarray(lower(t - H, v0))) / (2 * H)
        assert np.shape(d) == (3,)
        assert np.allclose(d, fd, rtol=1e-5, atol=1e-5)


def test_derivative_of_array_code_against_the_forward_jacobian():
    d1 = adcompiler.derivative(trajectory)(0.7, 2.0)
    J = adcompiler.jacobian(trajectory, mode="forward")(0.7, 2.0)
    assert np.allclose(d1, J)


def test_derivative_needs_a_scalar_variable():
    with pytest.raises(Exception, match="scalar"):
        adcompiler.derivative(rosenbrock, order=2)(np.ones(3))


def test_grad_of_grad_with_respect_to_a_scalar_parameter_of_array_code():
    a, x = 0.8, RNG.normal(size=4)
    inner = adcompiler.grad(scaled_sum, wrt=0)
    second = adcompiler.grad(inner, wrt=0)(a, x)
    fd = (inner(a + H, x) - inner(a - H, x)) / (2 * H)
    assert np.isclose(second, fd, rtol=1e-6)
    mixed = adcompiler.grad(inner, wrt=1)(a, x)  # d/dx of df/da: an array like x
    gx = adcompiler.grad(scaled_sum, wrt=1)
    fd_mixed = (gx(a + H, x) - gx(a - H, x)) / (2 * H)
    assert mixed.shape == x.shape and np.allclose(mixed, fd_mixed, rtol=1e-5, atol=1e-6)


def test_jacobian_of_the_array_gradient_is_the_hessian():
    x = RNG.normal(size=4)
    J = adcompiler.jacobian(adcompiler.grad(rosenbrock), mode="forward")(x)
    assert np.allclose(J, adcompiler.hessian(rosenbrock)(x))


def test_hessian_of_an_array_output_is_refused():
    def vec(x):
        return x * x
    with pytest.raises(AdcError, match="scalar output|returns an array"):
        adcompiler.hessian(vec)(np.ones(3))


def test_cli_order_two_with_shapes_emits_the_hvp_the_api_runs():
    from adcompiler.api.forward_arrays import _module
    from adcompiler.cli.commands import build_parser, compile_file
    args = build_parser().parse_args(["compile", __file__, "-f", "rosenbrock", "--order", "2",
                                      "--shapes", "x=4"])
    text = compile_file(args.file, args.function, args.wrt, args.mode, args.order,
                        args.shapes, args.arrays)
    code, _ = _module("hvp", rosenbrock, ((0,),), (np.ones(4),))
    assert text == code.source


def test_cli_forward_order_three_of_a_scalar_to_array_function():
    from adcompiler.cli.commands import build_parser, compile_file
    args = build_parser().parse_args(["compile", __file__, "-f", "trajectory", "--order", "3",
                                      "--mode", "forward", "--shapes", "t=scalar,v0=scalar"])
    text = compile_file(args.file, args.function, args.wrt, args.mode, args.order,
                        args.shapes, args.arrays)
    d3 = adcompiler.derivative(trajectory, order=3)
    d3(0.3, 1.0)
    assert text == d3.source


def test_bench_second_order_quick_checks_every_hvp_and_hessian():
    import io
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from bench import second_order
    result = second_order.run(quick=True, log=io.StringIO())
    assert second_order.problems(result) == []
    assert len(result["hvp"]) == 3 and len(result["dense"]) == 2
    assert "## Second order (NumPy code)" in "\n".join(second_order.markdown(result))


def test_trust_ncg_example_converges_with_hvp():
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))), "examples"))
    try:
        import trust_ncg_rosenbrock as ex
    finally:
        sys.path.pop(0)
    result, _ = ex.solve(n=10, method="trust-ncg", repeat=1)
    assert result.success and np.allclose(result.x, 1.0, atol=1e-6)
    assert result.nhev > 0
    text = ex.report(n=6)
    assert "trust-ncg" in text and "L-BFGS-B" in text


def test_jvp_of_the_array_gradient_is_the_hvp():
    x, v = RNG.normal(size=5), RNG.normal(size=5)
    g, hv = adcompiler.jvp(adcompiler.grad(rosenbrock), (x,), (v,))
    assert np.allclose(g, adcompiler.grad(rosenbrock)(x))
    assert np.allclose(hv, adcompiler.hvp(rosenbrock, (x,), (v,)))


def test_forward_over_forward_code_of_arrays_is_refused():
    x = RNG.normal(size=3)
    with pytest.raises(AdcError, match="emitted forward-mode code"):
        adcompiler.jvp(adcompiler.grad(rosenbrock, mode="forward"), (x,), (x,))
    # def f(x, *args) runs in forward mode since: tests/test_forward_gaps.py
