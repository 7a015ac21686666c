"""``python -m bench``: measure everything, write docs/benchmarks.md and plots.

``python -m bench --quick`` checks every available backend's gradient on tiny
inputs, runs the compile and tape measurements at tiny sizes, prints the
table and writes nothing; it exits 1 if any gradient is wrong or crashes.
"""
from __future__ import annotations

import argparse
import io
import os
import sys

from . import checkpoints, floors, gradients, growth, report, scale, second_order
from .peers import versions

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, correctness only")
    ap.add_argument("--only", help="run the workloads whose name contains this text")
    ap.add_argument("--out", help="markdown file to write (default docs/benchmarks.md; "
                    "--quick writes none unless given)")
    ap.add_argument("--no-growth", action="store_true", help="skip compile growth")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="log each measurement on stderr even when it is not a terminal")
    args = ap.parse_args(argv)
    # progress on a terminal only (a CI log or a pipe gets the results alone)
    log = sys.stderr if args.verbose or sys.stderr.isatty() else io.StringIO()
    print("gradients:", file=log)
    rows = gradients.run(quick=args.quick, only=args.only, log=log)
    floor = floors.measure(rows)  # timed with their rows
    print("seed compile times, tape memory, compile growth:", file=log)
    seeds = growth.seed_compile_times(repeat=1 if args.quick else 5)
    tape = growth.tape_memory(1000 if args.quick else 100_000)
    grow = {} if args.no_growth else growth.compile_growth(quick=args.quick)
    print("second order (NumPy code):", file=log)
    second = second_order.run(quick=args.quick, log=log)
    print("checkpointed loops:", file=log)
    ckpt = checkpoints.run(quick=args.quick)
    out = args.out or (None if args.quick else os.path.join(DOCS, "benchmarks.md"))
    plots = {}
    if out and not args.quick:
        where = os.path.dirname(os.path.abspath(out))
        plots = {"gradients": "benchmarks.png", "growth": "compile_growth.png"}
        report.plot_gradients(rows, os.path.join(where, plots["gradients"]))
        if grow:
            report.plot_growth(grow, os.path.join(where, plots["growth"]))
    text = report.markdown(rows, seeds, grow, tape, versions(), plots, floor)
    text = text.rstrip("\n") + "\n" + "\n".join(second_order.markdown(second)) + "\n"
    text += "\n" + checkpoints.markdown(ckpt)
    if out:  # the Dask / PyTorch section of `python -m bench.scale --large` stays
        kept = scale.kept_section(out)
        text += ("\n" + kept) if kept else ""
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        print(text)
    bad = gradients.problems(rows) + [(n, what, "WRONG") for what, n in
                                      second_order.problems(second)]
    for name, label, status in bad:
        print(f"FAILED: {name}: {label}: {status}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
