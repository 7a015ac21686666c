"""The project's array programs on every array library the array-api backend
serves: grad() of each with NumPy, array_api_strict, Dask and PyTorch CPU
arguments equals NumPy's gradient to 1e-12 and comes back as the caller's
array type, or the program is refused with a CompileError/UsageError naming
the primitive the backend cannot spell yet (REFUSED: an explicit table of
expected refusals, never a skip).  On a machine with a GPU the same programs
run with CuPy arrays and PyTorch CUDA tensors, on the device.

The programs come from the tables they already live in (PROGRAMS): the array
entries of tests/corpus.py (with the arguments tests/test_numpy.py draws),
the programs of tests/test_numpy_examples.py and the array functions of
examples/*.py (among them the seed 003 network).  examples/gauss_newton_fit.py
is not here: its residuals are a vector (a Jacobian, not a gradient).

CI installs torch and sets ADC_REQUIRE_LIBS=torch, so that a missing torch
fails there instead of skipping (.ci/run, step 1c).
"""
from __future__ import annotations

import os
import runpy
import tempfile

import numpy as np
import pytest

import adcompiler
from adcompiler.errors import CompileError, UsageError
from corpus import ARRAY_CORPUS
from test_numpy import random_args
from test_numpy_examples import ROOT, SOURCE


def library(name: str):
    """Import ``name``; skip when it is missing, except where CI requires
    it (ADC_REQUIRE_LIBS, comma-separated): there a missing one fails."""
    if name in os.environ.get("ADC_REQUIRE_LIBS", "").split(","):
        import importlib
        return importlib.import_module(name)
    return pytest.importorskip(name)


# ------------------------------------------------------------------ the programs
def _example(name: str) -> dict:
    return runpy.run_path(os.path.join(ROOT, "examples", name + ".py"))


_SOURCE_MODULE: dict = {}


def _numpy_examples_source() -> dict:
    """tests/test_numpy_examples.py's SOURCE, written to a file once (grad
    reads a function's source from its file)."""
    if not _SOURCE_MODULE:
        path = os.path.join(tempfile.mkdtemp(prefix="adc_libraries_"), "model.py")
        with open(path, "w") as f:
            f.write(SOURCE)
        _SOURCE_MODULE.update(runpy.run_path(path))
    return _SOURCE_MODULE


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _from_corpus():
    """The array entries of tests/corpus.py at tests/test_numpy.py's points."""
    return {fn.__name__: (lambda fn=fn: fn,
                          lambda fn=fn, shapes=shapes: tuple(random_args(fn, shapes, 0)), wrt)
            for fn, shapes, wrt in ARRAY_CORPUS}


def _from_examples():
    """The array functions of examples/*.py and tests/test_numpy_examples.py."""
    def fn(module, name):
        return lambda: _example(module)[name]

    def logistic_data():
        X, y = _example("logistic_regression")["data"](40)
        return np.array([0.1, -0.2, 0.3]), X, y

    def seed003_data():
        X, y = _example("seed003_network")["data"](30)
        return _normal(2, seed=1), _normal(2, 2, seed=2), X, y

    def mlp_data():
        params, X, y = _example("mlp_dict_params")["example"](16)
        return params, X, y

    def rk4_data():
        return np.array([1.5, 0.2]), _example("rk4_trajectory")["observations"](n=6)

    return {
        "example_linear_regression": (fn("linear_regression", "mse"),
                                      lambda: (_normal(2), _normal(20, seed=1),
                                               _normal(20, seed=2)), (0,)),
        "example_logistic_regression": (fn("logistic_regression", "cross_entropy"),
                                        logistic_data, (0,)),
        "example_dask_logistic_regression": (fn("dask_logistic_regression", "cross_entropy"),
                                             logistic_data, (0,)),
        "example_seed003_network": (fn("seed003_network", "nll"), seed003_data, (0, 1)),
        "example_rosenbrock_scipy": (fn("rosenbrock_scipy", "rosenbrock"),
                                     lambda: (_normal(6),), (0,)),
        "example_trust_ncg_rosenbrock": (fn("trust_ncg_rosenbrock", "rosenbrock"),
                                         lambda: (_normal(6),), (0,)),
        "example_checkpointed_heat": (fn("checkpointed", "heat"),
                                      lambda: (np.sin(np.linspace(0.0, np.pi, 8)), 0.2, 10), (0, 1)),
        "example_mlp_dict_params": (fn("mlp_dict_params", "loss"), mlp_data, (0,)),
        "example_rk4_trajectory": (fn("rk4_trajectory", "loss"), rk4_data, (0,)),
        "numpy_examples_loss": (lambda: _numpy_examples_source()["loss"],
                                lambda: (_normal(3), _normal(5, 3, seed=1), _normal(5, seed=2)),
                                (0,)),
        "numpy_examples_mixed": (lambda: _numpy_examples_source()["mixed"],
                                 lambda: (_normal(3), 0.7), (0, 1)),
    }


#: name -> (function loader, argument maker, wrt)
PROGRAMS = {**_from_corpus(), **_from_examples()}

#: what the array-api backend refuses today: program -> the refusal's
#: message (a regular expression), for every library or per library
#: ({library: message}).  An entry that starts to work fails its test: take it
#: out of this table then.
REFUSED = {
    "np_indexing": {"torch": r"a slice with a negative step \(x\[::-1\]\) is not available for "
                             r"torch tensors"},
    "np_boolean_mask": {"dask": r"boolean indexing: Dask's chunks become unknown"},
    "example_mlp_dict_params": r"params\['W1'\] is a (Array|Tensor): a structure of parameters "
                               r"holds NumPy arrays",
}

#: where the library itself raises, documented in docs/scaling.md ("Dask's
#: reshape wants chunks that merge or split evenly"): (program, library) ->
#: (exception, message).  Not adcompiler's refusal: the emitted call fails
#: inside the library.
LIBRARY_LIMITS = {
    ("np_shapes", "dask"): (NotImplementedError, "Dask's reshape only supports operations "
                                                 "that merge or split existing dimensions"),
}

#: gradients known to be wrong, with the diagnosis (strict xfail: the test
#: fails as soon as the gradient is right, so the entry must then go)
WRONG: dict = {}  # (name, library): why; none known


def refusal(name: str, library_name: str):
    """The message ``name``'s refusal on ``library_name`` must match, or None."""
    want = REFUSED.get(name)
    return want.get(library_name) if isinstance(want, dict) else want


# ------------------------------------------------------------------ the libraries
class Library:
    """How the tests hand arrays to one library and read its results."""

    def __init__(self, name, convert, array_type, to_numpy, on_device=lambda a: True):
        self.name, self.convert, self.array_type = name, convert, array_type
        self.to_numpy, self.on_device = to_numpy, on_device


def _strict():
    xs = library("array_api_strict")
    return Library("strict", xs.asarray, type(xs.asarray(0.0)), np.asarray)


def _dask():
    da = library("dask.array")
    # chunks of 2 along every axis: the gradient is computed chunk by chunk
    return Library("dask", lambda a: da.from_array(a, chunks=2), da.Array,
                   lambda g: np.asarray(g.compute()))


def _torch():
    torch = library("torch")
    return Library("torch", torch.asarray, torch.Tensor, lambda g: g.numpy(),
                   lambda g: g.device.type == "cpu")


def _torch_cuda():
    torch = library("torch")
    return Library("torch-cuda", lambda a: torch.asarray(a, device="cuda"), torch.Tensor,
                   lambda g: g.cpu().numpy(), lambda g: g.device.type == "cuda")


def _cupy():
    cupy = library("cupy")
    return Library("cupy", cupy.asarray, cupy.ndarray, cupy.asnumpy)


def _gpus() -> dict:
    """The GPU libraries with a device here, found when the tests are
    collected: their tests exist only where they can run (none on CI)."""
    found = {}
    try:
        import torch
        if torch.cuda.is_available():
            found["torch-cuda"] = _torch_cuda
    except ImportError:
        pass
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            found["cupy"] = _cupy
    except Exception:  # noqa: BLE001 -- no CuPy, or CuPy without a CUDA driver
        pass
    return found


LIBRARIES = {"strict": _strict, "dask": _dask, "torch": _torch}
GPU_LIBRARIES = _gpus()


# ------------------------------------------------------------------ the checks
def _leaves(value) -> list:
    """The arrays of a gradient: a tuple of them (several wrt) or a dict (a
    pytree argument), in a fixed order."""
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in _leaves(value[k])]
    if isinstance(value, (tuple, list)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _convert(value, lib: Library):
    """The argument for ``lib``: its arrays converted, Python numbers kept."""
    if isinstance(value, dict):
        return {k: _convert(v, lib) for k, v in value.items()}
    return lib.convert(value) if isinstance(value, np.ndarray) else value


def _check(name: str, lib: Library) -> None:
    load, make_args, wrt = PROGRAMS[name]
    fn, args = load(), make_args()
    want = adcompiler.grad(fn, wrt=wrt)(*args)
    call = lambda: adcompiler.grad(fn, wrt=wrt)(*(_convert(a, lib) for a in args))  # noqa: E731
    if refusal(name, lib.name) is not None:
        with pytest.raises((CompileError, UsageError), match=refusal(name, lib.name)):
            call()
        return
    if (name, lib.name) in LIBRARY_LIMITS:
        error, message = LIBRARY_LIMITS[name, lib.name]
        with pytest.raises(error, match=message):
            call()
        return
    got = call()
    want_leaves, got_leaves = _leaves(want), _leaves(got)
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        if np.ndim(w) == 0 and not isinstance(g, lib.array_type):
            assert isinstance(g, float)  # the gradient of a Python number argument
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
            continue
        assert isinstance(g, lib.array_type), f"{type(g)} is not {lib.array_type}"
        assert lib.on_device(g)
        value = lib.to_numpy(g)
        assert value.dtype == np.float64 and value.shape == np.shape(w)
        np.testing.assert_allclose(value, w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,library_name", [
    pytest.param(n, k, marks=[pytest.mark.xfail(strict=True, reason=WRONG[n, k])]
                 if (n, k) in WRONG else [], id=f"{n}-{k}")
    for n in PROGRAMS for k in LIBRARIES])
def test_gradient_equals_numpys_or_is_refused_by_name(name, library_name):
    _check(name, LIBRARIES[library_name]())


if GPU_LIBRARIES:  # CuPy / PyTorch CUDA where a GPU is present (none on CI)
    @pytest.mark.parametrize("library_name", list(GPU_LIBRARIES))
    @pytest.mark.parametrize("name", list(PROGRAMS))
    def test_on_the_gpu_the_gradient_stays_on_the_device(name, library_name):
        _check(name, GPU_LIBRARIES[library_name]())


def test_the_tables_name_programs_and_libraries_of_the_harness():
    assert set(REFUSED) <= set(PROGRAMS)
    for name, library_name in list(LIBRARY_LIMITS) + list(WRONG):
        assert name in PROGRAMS and library_name in LIBRARIES
    assert len(PROGRAMS) - len(REFUSED) >= 30  # most programs run on every library


def test_dask_gradients_stay_lazy():
    """The gradient is a task graph until the caller computes it."""
    da = library("dask.array")
    load, make_args, wrt = PROGRAMS["example_logistic_regression"]
    args = make_args()
    got, = adcompiler.grad(load(), wrt=wrt)(*(da.from_array(a, chunks=10) for a in args))
    assert isinstance(got, da.Array)
    assert len(got.__dask_graph__()) > 3  # not a computed array wrapped once


# ------------------------------------------------------------------ a device stand-in
#: programs whose control flow reads values (if/while on an array's value):
#: PyTorch's "meta" tensors have shapes and a device but no values
READS_VALUES = {"np_loop_rows", "np_while_array", "np_branch_loop", "np_boolean_mask"}

#: programs whose emitted code makes an array on the default device (an
#: ``xp.asarray(1.0)`` without ``device=``): on a GPU it would meet the
#: caller's arrays on another device.  Found with meta tensors; none left.
NOT_ON_THE_DEVICE_YET: set = set()


@pytest.mark.parametrize("name", [n for n in PROGRAMS if refusal(n, "torch") is None
                                  and n not in READS_VALUES])
def test_arrays_stay_on_the_callers_device_meta_tensors(name):
    """Without a GPU, PyTorch's meta device stands in for one: an array the
    emitted code makes on the CPU and mixes with the caller's raises, and
    every gradient must come back on the caller's device."""
    torch = library("torch")
    load, make_args, wrt = PROGRAMS[name]
    args = [_convert_meta(a, torch) for a in make_args()]
    try:
        leaves = _leaves(adcompiler.grad(load(), wrt=wrt)(*args))
        on_device = all(isinstance(leaf, float) or leaf.device.type == "meta" for leaf in leaves)
    except RuntimeError as e:
        assert "is not on the expected device" in str(e)
        on_device = False
    assert on_device == (name not in NOT_ON_THE_DEVICE_YET)


def _convert_meta(value, torch):
    return torch.asarray(value, device="meta") if isinstance(value, np.ndarray) else value
