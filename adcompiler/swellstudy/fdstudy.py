"""Finite differences against the exact gradient (seed 002's "four ways").

Forward differences ``(f(x + h·d) − f(x)) / h`` have truncation error O(h),
central differences ``(f(x + h·d) − f(x − h·d)) / 2h`` O(h²); both suffer
round-off error O(ε/h).  Measured against adcompiler's exact directional
derivative ``∇f·d`` for h = 1e-1 … 1e-15, the error first falls with h and
then rises.  ``f`` is evaluated by the emitted value-and-gradient code, so the
user's file is never run.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from ..compiler import compile_grad
from ..frontend.source import SourceFunction

STEPS = tuple(10.0 ** -k for k in range(1, 16))


@dataclass
class FDStudy:
    title: str
    point: tuple
    direction: tuple  # unit vector over the differentiated parameters
    exact: float  # ∇f·d from adcompiler's gradient
    rows: list  # (h, forward relative error, central relative error)

    def table(self) -> str:
        lines = ["| h | forward difference error | central difference error |",
                 "|---|---|---|"]
        lines += [f"| {h:.0e} | {fwd:.2e} | {cen:.2e} |" for h, fwd, cen in self.rows]
        return "\n".join(lines) + "\n"

    def plot(self, path: str) -> None:
        from .report import plot_fd
        plot_fd(self, path)


def _direction(n: int, seed: int = 1) -> tuple:
    if n == 1:
        return (1.0,)
    rng = random.Random(seed)
    v = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    norm = sum(x * x for x in v) ** 0.5
    return tuple(x / norm for x in v)


def fd_study(sf: SourceFunction, wrt: tuple, point: tuple, steps=STEPS,
             title: str = "") -> FDStudy:
    """Relative errors of forward and central differences along a fixed unit
    direction over the ``wrt`` parameters (the parameter itself if just one)."""
    value_and_grad = compile_grad(sf, wrt, with_value=True).load()

    def f(*args) -> float:
        return value_and_grad(*args)[0]

    value, *grads = value_and_grad(*point)
    d = _direction(len(wrt))
    exact = sum(g * di for g, di in zip(grads, d))

    def moved(h: float) -> tuple:
        p = list(point)
        for i, di in zip(wrt, d):
            p[i] += h * di
        return tuple(p)

    scale = max(abs(exact), 1e-300)
    rows = []
    for h in steps:
        forward = (f(*moved(h)) - value) / h
        central = (f(*moved(h)) - f(*moved(-h))) / (2 * h)
        rows.append((h, abs(forward - exact) / scale, abs(central - exact) / scale))
    return FDStudy(title or f"{sf.name} at {tuple(point)}", tuple(point), d, exact, rows)
