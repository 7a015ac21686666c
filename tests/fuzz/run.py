"""The long fuzz run: ``python -m tests.fuzz.run --count 10000`` (half
scalar, half NumPy programs; seeds ``start .. start+count-1``).

Prints the counts (programs, passed, refused by category, wrong, internal
errors, time-outs, programs ``f`` itself cannot run, programs the oracle could
not check anywhere) and, for each failure class, the shortest program found
with its seed.  ``--jsonl FILE`` writes every failure; ``--seed N --show``
reruns one program and prints it with its findings.  Every feature is
generated (``known.KNOWN_OPEN`` only narrows the CI profile).
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time

from .check import check_program
from .choose import SeedChooser
from .oracle import Timeout, budget


def make(seed: int, exclude=()):
    from . import arrays, scalar
    mod = scalar if seed % 2 == 0 else arrays
    allowed = mod.ALL_FEATURES - set(exclude) if exclude else None
    gen = scalar.scalar_program if seed % 2 == 0 else arrays.array_program
    return gen(SeedChooser(seed), allowed)


def run_one(seed: int, hessians: bool = True, exclude=()):
    program = make(seed, exclude)
    try:
        with budget(120.0):
            return program, check_program(program, hessians)
    except Timeout:
        return program, None


def _clear_caches() -> None:
    """Compiled derivatives are cached per function object; a run of
    thousands of throwaway programs would keep them all."""
    from adcompiler.api import emitted, reverse_grad
    reverse_grad._CACHE.clear()
    emitted.cached.cache_clear()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--seed", type=int, help="rerun one program")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--jsonl", help="write each failing program here")
    ap.add_argument("--no-hessian", action="store_true")
    ap.add_argument("--kind", choices=("scalar", "array"), help="only this kind "
                    "(even seeds are scalar programs, odd ones NumPy programs)")
    ap.add_argument("--ci-features", action="store_true",
                    help="leave out known.KNOWN_OPEN, as the CI profile does")
    ap.add_argument("--exclude", default="", help="comma-separated features not to generate "
                    "(triage: look for classes beyond the known ones)")
    args = ap.parse_args(argv)
    exclude = [f for f in args.exclude.split(",") if f]
    if args.ci_features:
        from .known import KNOWN_OPEN
        exclude += sorted(KNOWN_OPEN)
    else:  # the long run checks with every checker, known open classes included
        from . import check
        check.LEFT_OUT = set()
    if args.seed is not None:
        program, result = run_one(args.seed, not args.no_hessian, exclude)
        print(program.source)
        print("point", result.point if result else None, "wrt", program.wrt,
              "features", sorted(program.features))
        print("status", result.status if result else "timeout")
        for f in (result.findings if result else []):
            if f.verdict != "ok":
                print(" ", f.checker, f.verdict, f.detail)
        return 0
    counts = collections.Counter()
    kinds = collections.Counter()
    refusals = collections.Counter()
    classes: dict = {}
    out = open(args.jsonl, "w") if args.jsonl else None
    t0 = time.time()
    for seed in range(args.start, args.start + args.count):
        if args.kind and (seed % 2 == 0) != (args.kind == "scalar"):
            continue
        program, result = run_one(seed, not args.no_hessian, exclude)
        status = result.status if result else "timeout"
        counts[status] += 1
        kinds[program.kind] += 1
        if result is None:
            classes.setdefault("timeout:program", (seed, program.source, "over 120 s"))
        else:
            for f in result.findings:
                if f.verdict == "refused":
                    refusals[f.detail] += 1
            for f in result.failures():
                key = f"{program.kind}:{f.key}"
                best = classes.get(key)
                if best is None or len(program.source) < len(best[1]):
                    classes[key] = (seed, program.source, f.detail)
                if out:
                    out.flush()
                    out.write(json.dumps({"seed": seed, "exclude": exclude, "key": key, "detail": f.detail,
                                          "features": sorted(program.features),
                                          "point": repr(result.point), "wrt": program.wrt,
                                          "source": program.source}) + "\n")
        if seed % 100 == 99:
            _clear_caches()
            print(f"[{seed + 1 - args.start} programs, {time.time() - t0:.0f} s] "
                  + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
                  file=sys.stderr, flush=True)
    total = sum(counts.values())
    print(f"programs {total} ({kinds['scalar']} scalar, {kinds['array']} NumPy) "
          f"in {time.time() - t0:.0f} s")
    for status in ("passed", "refused", "wrong", "internal", "timeout", "invalid", "unchecked"):
        print(f"  {status:10} {counts[status]}")
    print("refusals by category (checker results):")
    for cat, n in refusals.most_common():
        print(f"  {n:6}  {cat}")
    print(f"failure classes: {len(classes)}")
    for key, (seed, source, detail) in sorted(classes.items()):
        print(f"--- {key}  (seed {seed}) {detail}")
        print(source)
    return 0 if counts["wrong"] + counts["internal"] + counts["timeout"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
