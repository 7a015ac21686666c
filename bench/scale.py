"""``python -m bench.scale``: one emitted gradient past one NumPy array.

The logistic-regression gradient adcompiler emits (``grad(cross_entropy)``)
on N x D data, D = 100:

- NumPy on one core (one BLAS thread) against Dask on a ``LocalCluster`` of
  2 single-threaded workers, with the data kept in the workers' memory
  (``persist``) and with the data generated chunk by chunk inside each
  gradient (out of core: no worker ever holds more than a few chunks);
- PyTorch CPU tensors (one thread, ``torch.from_numpy``: the same memory)
  against NumPy, in one process.

Every measurement runs in a child process of its own (thread settings before
NumPy loads, peak memory of that measurement alone).  Both libraries see the
same numbers: chunk ``k`` of X and y is drawn from ``default_rng((SEED,
k))``, into one NumPy array or into one Dask chunk; the gradients are
checked against each other.

``python -m bench.scale`` runs N = 10^5 (seconds); ``--large`` runs N = 10^7
(8 GB of float64 in one NumPy array: run it once, on a quiet machine).
``--out FILE`` writes the section into FILE (docs/benchmarks.md) between its
markers; ``python -m bench`` keeps that section when it rewrites the file.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SEED = 17
D = 100
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START, END = "<!-- bench.scale: start -->", "<!-- bench.scale: end -->"
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def cross_entropy(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def x_chunk(k: int, rows: int, block_id=None):
    """Rows of chunk ``k`` of X, standard normal (the same numbers whichever
    library holds them)."""
    return np.random.default_rng((SEED, k)).standard_normal((rows, D))


def u_chunk(k: int, rows: int, block_id=None):
    """Uniform numbers of chunk ``k``: y is 1 where u < sigmoid(X @ TRUE_W)."""
    return np.random.default_rng((SEED, k, 1)).random(rows)


TRUE_W = np.linspace(-1.0, 1.0, D) / np.sqrt(D)


def labels(xp, X, u):
    """y in {0, 1} from a logistic model of X (the same code on both)."""
    return (u < 1 / (1 + xp.exp(-(X @ TRUE_W)))).astype(np.float64)


def weights(d: int = D):
    return np.random.default_rng(SEED).normal(scale=0.1, size=d)


def numpy_data(n: int, rows: int):
    X, u = np.empty((n, D)), np.empty(n)
    for k in range(n // rows):
        X[k * rows:(k + 1) * rows], u[k * rows:(k + 1) * rows] = x_chunk(k, rows), u_chunk(k, rows)
    return X, labels(np, X, u)


def best(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return min(times)


def peak_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ children
def child_numpy(n: int, rows: int, repeat: int, torch_too: bool) -> dict:
    """NumPy on one core (and PyTorch on one thread over the same memory)."""
    import adcompiler
    t = time.perf_counter()
    X, y = numpy_data(n, rows)
    out = {"generate": time.perf_counter() - t}
    w = weights()
    g = adcompiler.grad(cross_entropy)
    t = time.perf_counter()
    want = g(w, X, y)  # compiles
    out["first"] = time.perf_counter() - t
    out["gradient"] = best(lambda: g(w, X, y), repeat)
    out["peak_mb"] = peak_mb()
    out["grad"] = want.tolist()
    if torch_too:
        import torch
        torch.set_num_threads(1)
        Xt, yt, wt = torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(w)
        got = g(wt, Xt, yt)  # compiles for torch
        out["torch"] = best(lambda: g(wt, Xt, yt), repeat)
        out["torch_error"] = _relative(got.numpy(), want)
        out["torch_type"] = type(got).__module__ + "." + type(got).__name__
    return out


def dask_arrays(n: int, rows: int):
    """X and y as Dask arrays whose chunks are generated where they are
    computed (nothing is sent from here)."""
    import dask.array as da
    blocks = n // rows
    X = da.map_blocks(lambda block_id=None: x_chunk(block_id[0], rows),
                      chunks=((rows,) * blocks, (D,)), dtype=np.float64, meta=np.empty((0, 0)))
    u = da.map_blocks(lambda block_id=None: u_chunk(block_id[0], rows),
                      chunks=((rows,) * blocks,), dtype=np.float64, meta=np.empty((0,)))
    return X, labels(da, X, u)


def child_dask(n: int, rows: int, repeat: int, persist: bool) -> dict:
    """Dask on a LocalCluster of 2 single-threaded workers."""
    import dask.array as da
    from distributed import LocalCluster, wait

    import adcompiler
    out: dict = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, cluster.get_client() as client:
        X, y = dask_arrays(n, rows)
        if persist:
            t = time.perf_counter()
            X, y = client.persist([X, y])
            wait([X, y])
            out["generate"] = time.perf_counter() - t
        w = da.from_array(weights())
        g = adcompiler.grad(cross_entropy)
        t = time.perf_counter()
        got = g(w, X, y).compute()  # compiles
        out["first"] = time.perf_counter() - t
        out["gradient"] = best(lambda: g(w, X, y).compute(), repeat)
        out["grad"] = got.tolist()
        out["worker_peak_mb"] = sum(client.run(peak_mb).values())
    return out


def child(kind: str, n: int, rows: int, repeat: int) -> dict:
    if kind == "numpy":
        return child_numpy(n, rows, repeat, torch_too=_has("torch"))
    return child_dask(n, rows, repeat, persist=kind == "dask-persist")


def _has(module: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(module) is not None


def _relative(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ------------------------------------------------------------------ driver
def measure(kind: str, n: int, rows: int, repeat: int, log=sys.stderr) -> dict:
    env = dict(os.environ, **ONE_THREAD, PYTHONPATH=ROOT)
    print(f"  {kind}, N = {n:,}", file=log, flush=True)
    r = subprocess.run([sys.executable, "-m", "bench.scale", "--child", kind, "--n", str(n),
                        "--rows", str(rows), "--repeat", str(repeat)],
                       env=env, cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"bench.scale {kind} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run(n: int, rows: int, repeat: int, log=sys.stderr) -> dict:
    results = {"n": n, "rows": rows, "repeat": repeat}
    for kind in ("numpy", "dask-persist", "dask-stream"):
        results[kind] = measure(kind, n, rows, repeat, log)
    want = results["numpy"]["grad"]
    for kind in ("dask-persist", "dask-stream"):
        results[kind]["error"] = _relative(results[kind]["grad"], want)
    return results


def _s(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def _gb(mb: float) -> str:
    return f"{mb / 1024:,.2f} GB"


def markdown(runs: list, versions: str, machine: str) -> str:
    lines = [START, "## Past one NumPy array: Dask and PyTorch", "",
             "The logistic-regression gradient adcompiler emits, `grad(cross_entropy)` of "
             "`examples/logistic_regression.py`, on N x 100 float64 data "
             "(`python -m bench.scale`; `--large` for N = 10^7; bench/scale.py).  NumPy runs "
             "the plain NumPy code on one core (one BLAS thread); Dask and PyTorch run the "
             "array-api code of the same function.  Dask: a `LocalCluster` of 2 workers of one "
             "thread each, the data either kept in the workers' memory (`persist`) or "
             "generated chunk by chunk inside every gradient (out of core).  Each measurement "
             "runs in a process of its own; times are the best of the repeats, after a first "
             "call that compiles.  All see the same numbers (chunk k drawn from "
             f"`default_rng(({SEED}, k))`); \"rel. diff.\" is the largest difference from "
             "NumPy's gradient over its largest entry.", "", f"- {machine}", f"- {versions}",
             "", "| N | chunk rows | NumPy, 1 core | Dask, 2 workers, persisted | ratio | "
             "Dask, out of core | ratio | rel. diff. | NumPy peak memory | Dask workers' "
             "peak memory (persisted / out of core) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        npy, dp, ds = r["numpy"], r["dask-persist"], r["dask-stream"]
        lines.append(f"| {r['n']:,} | {r['rows']:,} | {_s(npy['gradient'])} | "
                     f"{_s(dp['gradient'])} | {dp['gradient'] / npy['gradient']:.2f}x | "
                     f"{_s(ds['gradient'])} | {ds['gradient'] / npy['gradient']:.2f}x | "
                     f"{max(dp['error'], ds['error']):.1e} | {_gb(npy['peak_mb'])} | "
                     f"{_gb(dp['worker_peak_mb'])} / {_gb(ds['worker_peak_mb'])} |")
    lines += ["", "Generating the data: NumPy " + ", ".join(
        f"{_s(r['numpy']['generate'])} (N = {r['n']:,})" for r in runs) + "; Dask into the "
        "workers' memory " + ", ".join(f"{_s(r['dask-persist']['generate'])}" for r in runs)
        + ".", "", "| N | NumPy, 1 core | PyTorch CPU, 1 thread | ratio | rel. diff. | "
        "result type |", "|---:|---:|---:|---:|---:|---|"]
    for r in runs:
        npy = r["numpy"]
        if "torch" in npy:
            lines.append(f"| {r['n']:,} | {_s(npy['gradient'])} | {_s(npy['torch'])} | "
                         f"{npy['torch'] / npy['gradient']:.2f}x | {npy['torch_error']:.1e} | "
                         f"`{npy['torch_type']}` |")
    lines += ["", reading(runs), END]
    return "\n".join(lines) + "\n"


def reading(runs: list) -> str:
    """What the tables say, from the numbers of the run."""
    parts = []
    for r in runs:
        npy, dp, ds = r["numpy"], r["dask-persist"], r["dask-stream"]
        parts.append(
            f"At N = {r['n']:,} one gradient takes {_x(dp['gradient'], npy['gradient'])} on "
            f"Dask with the data in the workers' memory and {_x(ds['gradient'], npy['gradient'])}"
            f" when every gradient generates its chunks again; generating the data into the "
            f"workers takes {_x(dp['generate'], npy['generate'])}.  NumPy "
            f"held {_gb(npy['peak_mb'])} at its peak, the persisted workers "
            f"{_gb(dp['worker_peak_mb'])} together, the workers out of core "
            f"{_gb(ds['worker_peak_mb'])}.")
        if "torch" in npy:
            parts.append(f"PyTorch (one thread, the same memory) takes "
                         f"{_x(npy['torch'], npy['gradient'])}.")
    return ("Reading (2 cores, shared with other work while measured): " + " ".join(parts)
            + "  Two single-threaded workers on two cores cannot beat one NumPy core by much, "
            "and each chunk adds scheduling and transfers; only work that splits without "
            "talking (drawing the data) gains from the second core.  What Dask gives here "
            "is memory, not speed: out of core no process holds the whole array, so the "
            "same emitted gradient runs on data larger than the machine's memory (paying "
            "to produce each chunk again, here by drawing random numbers, on a real dataset "
            "by reading it), and on a cluster (pass its address instead of a "
            "`LocalCluster`) the chunks spread over as many cores as it has.  PyTorch runs "
            "the same emitted code on its tensors; its gain would be a GPU, which this "
            "machine does not have.")


def _x(t: float, ref: float) -> str:
    """``t`` as a multiple of ``ref`` in words a reader can check."""
    return f"{t / ref:.1f}x NumPy's time"


def write_section(path: str, section: str) -> None:
    """Put ``section`` into ``path`` between the markers (replacing the old
    one, else at the end)."""
    text = _read(path)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _read(path: str) -> str:
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def kept_section(path: str) -> str:
    """The section of a previous run in ``path`` ('' if none): ``python -m
    bench`` rewrites the file and keeps it."""
    text = _read(path)
    if START not in text or END not in text:
        return ""
    return START + text.split(START, 1)[1].split(END, 1)[0] + END + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    ap.add_argument("--large", action="store_true", help="N = 10^7 (8 GB): run it once")
    ap.add_argument("--n", type=int, help="rows (default 10^5, 10^7 with --large)")
    ap.add_argument("--rows", type=int, help="rows per chunk (default N / 40)")
    ap.add_argument("--repeat", type=int, help="timed calls after the first (3; 2 with --large)")
    ap.add_argument("--out", help="write the section into this markdown file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    n = args.n or (10 ** 7 if args.large else 10 ** 5)
    repeat = args.repeat or (2 if args.large else 3)
    rows = args.rows or max(n // 40, 1)
    if n % rows:
        ap.error("--n must be a multiple of --rows")
    if args.child:
        print(json.dumps(child(args.child, n, rows, repeat)))
        return 0
    runs = [run(n, rows, repeat)]
    from .peers import versions
    import platform
    machine = f"machine: {os.cpu_count()} cores, {platform.platform()}"
    section = markdown(runs, "versions: " + ", ".join(f"{k} {v}" for k, v in
                                                      versions().items()), machine)
    if args.out:
        write_section(args.out, section)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
