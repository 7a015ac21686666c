"""Checkpointed loops (docs/checkpointing.md): the gradient of a long loop
keeps at most K states of the loop instead of a tape entry per iteration.

Run it:                python examples/checkpointed.py
See the derivative:    adc compile examples/checkpointed.py -f drift
"""
import math

import numpy as np

import adcompiler


def drift(x, n=1000):
    """A scalar recurrence; its loop keeps at most 10 states."""
    l = x
    for i in range(n):  # adc: checkpoints=10
        l = l + 0.001 * math.sin(l)
    return l


def heat(u0, c, n=500):
    """An explicit heat-equation time-stepper over a state array."""
    u = u0
    for t in range(n):
        lap = np.roll(u, 1) + np.roll(u, -1) - 2.0 * u
        u = u + c * lap
    return np.sum(u * u)


if __name__ == "__main__":
    print("d drift / dx:", adcompiler.grad(drift)(0.5))
    u0 = np.sin(np.linspace(0.0, np.pi, 32))
    plain = adcompiler.grad(heat)(u0, 0.2)
    kept = adcompiler.grad(heat, checkpoints=20)(u0, 0.2)
    print("heat: same gradient bit for bit:", np.array_equal(plain, kept))
