"""The built-in families of ``adc swell --family``: each is a function of a
size parameter, compiled for every member from ordinary Python source."""
from __future__ import annotations

import ast
import os
import random
from dataclasses import dataclass

from ..errors import UsageError
from ..frontend.source import find_static, load_file
from .measure import Report, fix_counts, measure, specialise
from .sympy_steps import Budget

_SOURCES = os.path.join(os.path.dirname(__file__), "family_sources.py")


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    parameter: str
    values: tuple  # the default sweep (and the one in docs/swell.md)
    test_values: tuple  # a quick sweep
    note: str = ""  # what to look for, for docs/swell.md

    def member(self, n: int) -> tuple:
        """(SourceFunction, wrt, point) of the member of size ``n``."""
        return _MEMBERS[self.name](n)


def _loop_member(name: str, parameter: str, point):
    def member(n: int):
        sf = specialise(find_static(load_file(_SOURCES), name), parameter, n)
        sf, wrt = fix_counts(sf, (0,))
        return sf, wrt, point(sf)
    return member


def _generated(name: str, n: int, body) -> tuple:
    """A function of x1 … xn returning ``body(names)``, built as an AST,
    parsed back from its printed text (so its lines exist for comments)."""
    names = [f"x{i}" for i in range(1, n + 1)]
    fn = ast.FunctionDef(name, ast.arguments([], [ast.arg(a) for a in names], None, [], [],
                                             None, []),
                         [ast.Return(body([ast.Name(a, ast.Load()) for a in names]))], [], None)
    imports = ast.ImportFrom("math", [ast.alias("sin")], 0)
    module = ast.fix_missing_locations(ast.Module([imports, fn], []))
    text = ast.unparse(module) + "\n"
    sf = find_static(load_file(f"<swell family {name} n={n}>", text), name)
    point = tuple(round(random.Random(n).uniform(0.2, 1.4), 6) for _ in names)
    return sf, tuple(range(n)), point


def _product(xs):
    acc = None
    for x in xs:
        term = ast.Call(ast.Name("sin", ast.Load()), [x], [])
        acc = term if acc is None else ast.BinOp(acc, ast.Mult(), term)
    return acc


def _squared_sum(xs):
    acc = None
    for x in xs:
        term = ast.BinOp(x, ast.Pow(), ast.Constant(2))
        acc = term if acc is None else ast.BinOp(acc, ast.Add(), term)
    return ast.BinOp(acc, ast.Pow(), ast.Constant(2))


_MEMBERS = {
    "logistic": _loop_member("logistic", "n", lambda sf: (0.3,)),
    "tower": _loop_member("tower", "h", lambda sf: (-0.5, 1.0)),
    "sines": lambda n: _generated("sines", n, _product),
    "squares": lambda n: _generated("squares", n, _squared_sum),
}

FAMILIES = {f.name: f for f in (
    Family("logistic", "logistic map iterated n times, d l_n / dx", "n",
           tuple(range(1, 13)), (1, 3, 6),
           "Each step reads l twice, so the derivative of step k contains step k-1 and\n"
           "its derivative, each written out in full: the raw tree roughly doubles or\n"
           "triples per step.  cse recovers the sharing, but what it finds grows faster than n.\n"),
    Family("tower", "tower of exponentials of height h, dJ/dw (seed 000)", "h",
           tuple(range(1, 6)), tuple(range(1, 5)),
           "The chain rule multiplies every level of the tower, and the raw derivative\n"
           "writes each level out again: quadratic in h.  Larger h overflows a float.\n"),
    Family("sines", "product of n sines, gradient of n inputs", "n",
           (1, 2, 4, 8, 16, 32), (1, 2, 4, 8),
           "Each of the n partial derivatives is a product of n-1 sines and a cosine:\n"
           "n² operations raw.  Reverse mode shares the partial products.\n"),
    Family("squares", "(x1² + … + xn²)², gradient of n inputs (seed 001 is n = 2)", "n",
           (1, 2, 4, 8, 16, 32), (1, 2, 4, 8),
           "Every partial derivative 4·xi·(x1² + … + xn²) writes the sum out again\n"
           "(seed 001: the symbolic gradient repeats x1² + x2²); adcompiler computes it once.\n"),
)}


def family(name: str) -> Family:
    if name not in FAMILIES:
        raise UsageError(f"no built-in family {name!r} (there are {', '.join(FAMILIES)})")
    return FAMILIES[name]


def sweep_family(name: str, values=None, budget: Budget | None = None) -> Report:
    fam = family(name)
    from ..cli.progress import Progress
    rows = []
    values = list(fam.values if values is None else values)
    progress = Progress(len(values), f"swell {name}")
    try:
        for n in values:
            progress.step(f"{fam.parameter}={n}")
            sf, wrt, point = fam.member(n)
            rows.append(measure(sf, wrt, point, budget, f"{fam.parameter}={n}", n))
    finally:
        progress.done()
    return Report(fam.title, fam.parameter, rows)
