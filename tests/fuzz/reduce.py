"""Shrink a failing program to a few lines for triage: drop statements
(a line with its indented block) and terms of ``return a + b + c`` while the
same failure class persists.  ``python -m tests.fuzz.reduce FILE.jsonl``
reduces the failures a long run wrote (one per class and feature set)."""
from __future__ import annotations

import ast
import json
import sys

from .check import check_program
from .program import Program


def _blocks(lines: list) -> list:
    """(start, end) of every line with the lines indented under it."""
    out = []
    for i, line in enumerate(lines):
        if not line.strip() or line.startswith(("import", "from")):
            continue
        depth = len(line) - len(line.lstrip())
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or
                                  len(lines[j]) - len(lines[j].lstrip()) > depth):
            j += 1
        out.append((i, j))
    return out


def _return_terms(line: str) -> list:
    """Shorter ``return`` lines: each top-level ``+`` term alone."""
    head, _, expr = line.partition("return ")
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        return []
    terms = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        terms.append(node.right)
        node = node.left
    terms.append(node)
    return [head + "return " + ast.unparse(t) for t in terms] if len(terms) > 1 else []


def fails(program, key: str) -> bool:
    try:
        ast.parse(program.source)
    except SyntaxError:
        return False
    result = check_program(program, hessians="hessian" in key)
    return any(f"{program.kind}:{f.key}" == key for f in result.failures())


def reduce(program, key: str):
    lines = program.source.splitlines()
    changed = True
    while changed:
        changed = False
        for start, end in reversed(_blocks(lines)):
            trial = lines[:start] + lines[end:]
            candidates = [trial]
            if "return " in lines[start]:
                candidates = [lines[:start] + [t] + lines[start + 1:]
                              for t in _return_terms(lines[start])] + [trial]
            for cand in candidates:
                p = Program("\n".join(cand) + "\n", program.kind, program.points, program.wrt,
                            program.features, program.rebind)
                if fails(p, key):
                    lines, changed = cand, True
                    break
            if changed:
                break
    return "\n".join(lines) + "\n"


def _point(text: str) -> tuple:
    import numpy as np
    return eval(text, {"array": np.array, "nan": float("nan"), "np": np})  # noqa: S307 -- our own log


def main(path: str) -> None:
    """One reduction per failing program whose (first failure, features) is new."""
    from .run import make
    seen, done = set(), set()
    for row in map(json.loads, open(path)):
        tag = (row["key"].split(":")[1], row["detail"].split(" ")[0], tuple(row["features"]))
        if tag in seen or row["seed"] in done:
            continue
        seen.add(tag)
        done.add(row["seed"])
        program = make(row["seed"], row.get("exclude", ()))
        if program.source != row["source"]:  # written by another grammar version
            program = Program(row["source"], program.kind, [_point(row["point"])],
                              tuple(row.get("wrt") or range(len(_point(row["point"])))),
                              set(row["features"]), {"K": 2.5} if "\nK = " in row["source"] else {})
        small = reduce(program, row["key"])
        p = Program(small, program.kind, program.points, program.wrt, program.features,
                    program.rebind)
        result = check_program(p)
        bad = sorted({f"{f.checker} {f.verdict} {f.detail[:60]}" for f in result.failures()})
        print(f"=== seed {row['seed']} {row['key']} point {result.point} wrt {program.wrt}")
        print("\n".join(line for line in small.splitlines()
                        if not line.startswith(("import", "from")) and line.strip()))
        print("\n".join("  # " + b for b in bad), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
