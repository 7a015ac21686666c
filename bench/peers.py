"""Every way of computing a workload's gradient, behind one interface.

A backend's ``build(workload, args)`` returns ``(call, call_args)``: the timed
call is ``call(*call_args)`` and must return the gradient (one array per
``wrt`` parameter, or a scalar).  Anything a backend cannot do raises
:class:`Unavailable` with the reason, which the table prints instead of a
time.  Peers are optional (``pip install -e .[bench]``): a missing module is
reported, never a crash.

Peers run the *same source* as ``f``: :func:`rebind` re-executes the
workload's text with the peer's modules bound to ``np``, ``sin``, ``cos`` and
``log``, so no peer gets a differently written function.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import textwrap

import numpy as np


class Unavailable(Exception):
    """The backend cannot differentiate this workload (or is not installed)."""


def rebind(fn, namespace: dict):
    """``fn`` re-executed from its source with ``namespace`` as its globals."""
    src = textwrap.dedent(inspect.getsource(fn))
    scope = dict(namespace)
    scope["__builtins__"] = __builtins__
    exec(compile(src, inspect.getsourcefile(fn), "exec"), scope)
    return scope[fn.__name__]


def _module(name: str):
    try:
        return importlib.import_module(name)
    except Exception as exc:  # ImportError, or a broken install
        raise Unavailable(f"not installed ({name}: {type(exc).__name__})") from None


def _names(mod) -> dict:
    return {"np": mod, "sin": mod.sin, "cos": mod.cos, "log": mod.log}


def _argnums(wl):
    return wl.wrt if len(wl.wrt) > 1 else wl.wrt[0]


# ---------------------------------------------------------------- our own
def adcompiler_emitted(wl, args):
    """The emitted function ``grad(f)`` runs, itself: as ``adc compile -o``
    writes it (with ``--mode forward`` where grad() chooses forward mode,
    adcompiler/api/mode_choice.py)."""
    import adcompiler
    from adcompiler.api.reverse_grad import compiled
    from adcompiler.arrays.context import signature
    try:
        sig = signature(wl.f, tuple(args), {})  # array shapes, as grad() specialises
        fn = compiled(wl.f, _argnums(wl), False, sig, choose=True).load()
    except adcompiler.AdcError as exc:
        raise Unavailable(f"unsupported: {_first_line(exc)}") from None
    return fn, args


def adcompiler_grad(wl, args):
    """``adcompiler.grad(f)``: the emitted function behind the user-facing wrapper."""
    import adcompiler
    g = adcompiler.grad(wl.f, wrt=_argnums(wl))
    try:
        g(*args)  # compiles the version for these argument shapes
    except adcompiler.AdcError as exc:
        raise Unavailable(f"unsupported: {_first_line(exc)}") from None
    return g, args


def adcompiler_jit(wl, args):
    """``adcompiler.grad(f, jit=True)``: the emitted code compiled by numba."""
    import adcompiler
    if wl.kind == "numpy":
        raise Unavailable("not applicable (jit compiles scalar and loop code)")
    _module("numba")
    g = adcompiler.grad(wl.f, wrt=_argnums(wl), jit=True)
    try:
        g(*args)  # compiles (numba too) for these argument types
    except adcompiler.AdcError as exc:
        raise Unavailable(f"unsupported: {_first_line(exc)}") from None
    return g, args


def _first_line(exc) -> str:
    """The compiler's message with its line number, without the long path."""
    message = getattr(exc, "message", None)
    if message is not None:
        return f"{message} (line {exc.line})"
    return str(exc).splitlines()[0]


def hand_written(wl, args):
    return wl.hand, args


def central_differences(wl, args, h=1e-6):
    f = wl.f

    def fd(*xs):
        xs = list(xs)
        out = []
        for i in wl.wrt:
            x0 = xs[i]
            if np.ndim(x0) == 0:
                xs[i] = x0 + h
                up = f(*xs)
                xs[i] = x0 - h
                out.append((up - f(*xs)) / (2 * h))
                xs[i] = x0
                continue
            x = np.array(x0, dtype=float)
            xs[i] = x
            g = np.empty_like(x)
            flat, gflat = x.reshape(-1), g.reshape(-1)
            for k in range(flat.size):
                v = flat[k]
                flat[k] = v + h
                up = f(*xs)
                flat[k] = v - h
                gflat[k] = (up - f(*xs)) / (2 * h)
                flat[k] = v
            out.append(g)
            xs[i] = x0
        return out[0] if len(out) == 1 else tuple(out)

    return fd, args


# ---------------------------------------------------------------- peers
def autograd_peer(wl, args):
    ag = _module("autograd")
    anp = _module("autograd.numpy")
    return ag.grad(rebind(wl.f, _names(anp)), _argnums(wl)), args


def _jax():
    jax = _module("jax")
    jax.config.update("jax_enable_x64", True)
    return jax, _module("jax.numpy")


def _jax_args(jnp, args):
    return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


def jax_eager(wl, args):
    jax, jnp = _jax()
    g = jax.grad(rebind(wl.f, _names(jnp)), _argnums(wl))
    return (lambda *a: jax.block_until_ready(g(*a))), _jax_args(jnp, args)


def jax_jit(wl, args):
    jax, jnp = _jax()
    g = jax.jit(jax.grad(rebind(wl.f, _names(jnp)), _argnums(wl)))
    return (lambda *a: jax.block_until_ready(g(*a))), _jax_args(jnp, args)


def torch_peer(wl, args):
    torch = _module("torch")
    torch.set_num_threads(1)  # its pool and JAX's, on 2 cores, slowed it 100x
    ns = {"np": _TorchNumpy(torch), "sin": torch.sin, "cos": torch.cos, "log": torch.log}
    f = rebind(wl.f, ns)
    tensors = [torch.as_tensor(a, dtype=torch.float64) if i in wl.wrt or isinstance(a, np.ndarray)
               else a for i, a in enumerate(args)]
    leaves = [tensors[i].detach().requires_grad_() for i in wl.wrt]
    for i, leaf in zip(wl.wrt, leaves):
        tensors[i] = leaf
    scalar = [np.ndim(args[i]) == 0 for i in wl.wrt]
    grad = torch.autograd.grad

    def call(*xs):
        gs = grad(f(*xs), leaves)
        out = [g.item() if s else g for g, s in zip(gs, scalar)]
        return out[0] if len(out) == 1 else tuple(out)

    return call, tuple(tensors)


class _TorchNumpy:
    """The few NumPy names the workloads use, spelled with torch."""

    def __init__(self, torch) -> None:
        self.sum, self.exp, self.log = torch.sum, torch.exp, torch.log
        self.sin, self.cos, self.outer = torch.sin, torch.cos, torch.outer


def sympy_lambdify(wl, args):
    if not wl.sympy:
        raise Unavailable("not applicable (matrix workload)")
    sp = _module("sympy")
    f = rebind(wl.f, _names(sp))
    symbols, flat = [], []
    for k, a in enumerate(args):
        if np.ndim(a) == 0:
            s = sp.Symbol(f"a{k}")
            symbols.append(s)
            flat.append([s] if k in wl.wrt else [])
        else:
            v = [sp.Symbol(f"a{k}_{j}") for j in range(len(a))]
            symbols.append(v)
            flat.append(v)
    expr = f(*symbols)
    size = _tree_size(expr)
    if size > SYMPY_MAX_TREE:
        raise Unavailable(f"expression swell: f's expression tree has {size:.1e} nodes")
    grads = []
    for i in wl.wrt:
        parts = [sp.diff(expr, s) for s in flat[i]]
        grads.append(parts[0] if np.ndim(args[i]) == 0 else parts)
    out = grads[0] if len(grads) == 1 else tuple(grads)
    fn = sp.lambdify(symbols, out, modules="math", cse=True)
    arrays = [np.ndim(args[i]) > 0 for i in wl.wrt]
    if not any(arrays):
        return fn, args
    return (lambda *a: np.asarray(fn(*a))), args


SYMPY_MAX_TREE = 20_000  # beyond this, sympy's diff runs for minutes


def _tree_size(expr) -> int:
    """Nodes of ``expr`` as a tree (shared subexpressions counted each time
    they occur), computed over the DAG in linear time."""
    memo: dict = {}

    def size(e) -> int:
        if e not in memo:
            memo[e] = 1 + sum(size(a) for a in e.args)
        return memo[e]

    return size(expr)


#: (column name, builder); the order of the table's columns
BACKENDS = [
    ("hand-written", hand_written),
    ("adcompiler", adcompiler_emitted),
    ("adcompiler grad()", adcompiler_grad),
    ("adcompiler jit=True", adcompiler_jit),
    ("jax.jit(grad)", jax_jit),
    ("jax grad (eager)", jax_eager),
    ("autograd", autograd_peer),
    ("torch", torch_peer),
    ("sympy lambdify(cse)", sympy_lambdify),
    ("central differences", central_differences),
]
#: backends compared with a finite-difference tolerance, not to rounding
APPROXIMATE = {"central differences"}


def versions() -> dict:
    """Installed versions of every package the table depends on."""
    import platform
    out = {"python": platform.python_version()}
    for name in ["adcompiler", "numpy", "sympy", "jax", "jaxlib", "autograd", "torch"]:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def to_arrays(g) -> list:
    """A gradient as a list of float64 arrays (one per wrt parameter)."""
    out = []
    for item in (g if isinstance(g, tuple) else (g,)):
        if hasattr(item, "detach"):
            item = item.detach().numpy()
        out.append(np.asarray(item, dtype=float))
    return out
