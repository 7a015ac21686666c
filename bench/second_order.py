"""Benchmark: second order on NumPy programs (issue 15).

1. The Hessian-vector product (forward over the array gradient) as a
   multiple of one gradient, both emitted functions timed directly (target:
   at most 4x), and behind the API (``hvp`` against ``grad``);
2. a dense ``hessian`` (one HVP per element) against a central-difference
   Hessian from the compiled gradient (2n gradients) and, when JAX is
   installed, ``jax.hessian``; each checked before it is timed.

Every HVP and Hessian is checked against central differences of the
reverse-mode gradient first (``problems`` lists the wrong ones).
"""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import adcompiler  # noqa: E402
from adcompiler.api.forward_arrays import _module  # noqa: E402
from adcompiler.api.reverse_grad import Derivative  # noqa: E402

from .timing import fmt_time, per_call  # noqa: E402


def rosenbrock(x):
    odd, even = x[::2], x[1::2]
    return np.sum(100.0 * (even - odd ** 2) ** 2 + (1.0 - odd) ** 2)


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.log1p(np.exp(z)) - y * z) + 0.5 * np.sum(w * w)


_RNG = np.random.default_rng(0)
DATA_X = _RNG.normal(size=(500, 20))  # module-level data: read by name, not differentiated
DATA_Y = (_RNG.random(500) > 0.5).astype(float)


def logistic_w(w):
    """The logistic loss as a function of the weights only (``hvp`` and
    ``hessian`` differentiate every primal: the data stay globals)."""
    z = DATA_X @ w
    return np.sum(np.log1p(np.exp(z)) - DATA_Y * z) + 0.5 * np.sum(w * w)


def chain_energy(x):
    e = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i]
        e = e + d * d * d * d + np.cos(x[i])
    return e


def _logistic_args(n: int, d: int):
    rng = np.random.default_rng(0)
    return (rng.normal(size=d) * 0.1, rng.normal(size=(n, d)),
            (rng.random(n) > 0.5).astype(float))


WORKLOADS = [  # (name, f, args at full size, args at --quick size)
    ("extended Rosenbrock", rosenbrock, lambda: (np.linspace(-1, 1, 1000),),
     lambda: (np.linspace(-1, 1, 10),)),
    ("logistic NLL (X 500x20)", logistic_w, lambda: (np.linspace(-0.1, 0.1, 20),),
     lambda: (np.linspace(-0.1, 0.1, 20),)),
    ("element loop (n=200)", chain_energy, lambda: (np.linspace(-1, 1, 200),),
     lambda: (np.linspace(-1, 1, 6),)),
]
DENSE = [  # dense Hessians: (name, f, args)
    ("extended Rosenbrock (n=100)", rosenbrock, lambda q: (np.linspace(-1, 1, 8 if q else 100),)),
    ("logistic NLL (X 200x10)", logistic_nll,
     lambda q: _logistic_args(20 if q else 200, 3 if q else 10)),
]


def _fd_hvp(f, args, v, h=1e-5):
    g = adcompiler.grad(f)
    return (g(args[0] + h * v, *args[1:]) - g(args[0] - h * v, *args[1:])) / (2 * h)


def _fd_hessian(g, args, h=1e-5):
    x = args[0]
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        cols.append((g(x + e, *args[1:]) - g(x - e, *args[1:])) / (2 * h))
    return np.stack(cols, axis=-1)


def _close(got, want, tol=1e-5) -> bool:
    return bool(np.allclose(got, want, rtol=tol, atol=tol * max(1.0, np.max(np.abs(want)))))


def hvp_rows(quick: bool, log) -> list:
    rows = []
    for name, f, full, small in WORKLOADS:
        args = small() if quick else full()
        v = np.random.default_rng(1).normal(size=args[0].shape)
        zeros = tuple(np.zeros(np.shape(a)) for a in args[1:])
        hv = adcompiler.hvp(f, args, (v,) + zeros)
        hv = hv[0] if isinstance(hv, tuple) else hv
        ok = _close(hv, _fd_hvp(f, args, v))
        row = {"name": name, "ok": ok, "n": args[0].size}
        if not quick and ok:
            grad_fn = Derivative(f, 0, False)
            grad_fn(*args)
            emitted_grad = grad_fn._loaded[next(iter(grad_fn._loaded))][1]
            _, emitted_hvp = _module("hvp", f, (tuple(range(len(args))),), args)
            row["grad"] = per_call(emitted_grad, args)
            row["hvp"] = per_call(emitted_hvp, args + (v,) + zeros)
            row["api_grad"] = per_call(grad_fn, args)
            row["api_hvp"] = per_call(lambda *a: adcompiler.hvp(f, a, (v,) + zeros), args)
        print(f"  hvp {name}: {'ok' if ok else 'WRONG'}", file=log)
        rows.append(row)
    return rows


def dense_rows(quick: bool, log) -> list:
    rows = []
    for name, f, make in DENSE:
        args = make(quick)
        g = adcompiler.grad(f)
        hess = adcompiler.hessian(f)
        H = hess(*args)
        fd = _fd_hessian(g, args)
        row = {"name": name, "n": args[0].size, "ok": _close(H, fd, 1e-4),
               "fd_error": float(np.max(np.abs(H - fd)) / max(1.0, np.max(np.abs(H))))}
        jax_hessian = _jax(f, args)
        if jax_hessian is not None:
            row["jax_ok"] = _close(np.asarray(jax_hessian(*args)), H, 1e-9)
        if not quick:
            row["adcompiler"] = per_call(hess, args, repeat=5)
            row["differences"] = per_call(lambda *a: _fd_hessian(g, a), args, repeat=5)
            if jax_hessian is not None:
                row["jax"] = per_call(jax_hessian, args, repeat=5)
        print(f"  hessian {name}: {'ok' if row['ok'] else 'WRONG'}", file=log)
        rows.append(row)
    return rows


def _jax(f, args):
    """``jax.hessian`` of the same function (numpy bound to jax.numpy), or None."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import types
    clone = types.FunctionType(f.__code__, {**f.__globals__, "np": jnp}, f.__name__)
    fn = jax.jit(jax.hessian(clone))
    fn(*args)  # compile before timing
    return fn


def run(quick: bool = False, log=sys.stderr) -> dict:
    return {"hvp": hvp_rows(quick, log), "dense": dense_rows(quick, log)}


def problems(result: dict) -> list:
    bad = [("hvp", r["name"]) for r in result["hvp"] if not r["ok"]]
    bad += [("hessian", r["name"]) for r in result["dense"] if not r["ok"]]
    bad += [("jax.hessian", r["name"]) for r in result["dense"] if r.get("jax_ok") is False]
    return bad


def markdown(result: dict) -> list:
    lines = ["", "## Second order (NumPy code)", "",
             "Hessian-vector products by forward mode over the compiled array gradient "
             "(`bench/second_order.py`), each checked against central differences of "
             "the gradient first. Emitted functions timed directly; the API columns "
             "include `grad`/`hvp`'s argument checks and cache look-up. Target: HVP at "
             "most 4x one gradient.", "",
             "| function | n | gradient | HVP | HVP / gradient | API grad | API hvp |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["hvp"]:
        if "grad" not in r:
            lines.append(f"| {r['name']} | {r['n']} | | | {'ok' if r['ok'] else 'WRONG'} | | |")
            continue
        lines.append(f"| {r['name']} | {r['n']} | {fmt_time(r['grad'])} | {fmt_time(r['hvp'])} "
                     f"| **{r['hvp'] / r['grad']:.2f}x** | {fmt_time(r['api_grad'])} | "
                     f"{fmt_time(r['api_hvp'])} |")
    lines += ["", "Dense Hessians: `hessian` (one HVP per element) against central "
              "differences of the compiled gradient (2n gradients) and `jax.hessian` "
              "(jit-compiled, when JAX is installed).", "",
              "| function | n | hessian | differences | jax.hessian | FD error (rel.) |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in result["dense"]:
        def t(key):
            return fmt_time(r[key]) if key in r else "n/a"
        lines.append(f"| {r['name']} | {r['n']} | {t('adcompiler')} | {t('differences')} | "
                     f"{t('jax')} | {r['fd_error']:.1e} |")
    return lines


if __name__ == "__main__":
    out = run()
    print("\n".join(markdown(out)))
    sys.exit(1 if problems(out) else 0)
