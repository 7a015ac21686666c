"""Seed 002's f = ln(x1) + x1*x2 in both modes (docs/forward_or_reverse.md).

    adc compile examples/seed002_modes.py --wrt x1,x2                 # reverse
    adc compile examples/seed002_modes.py --wrt x1,x2 --mode forward  # forward
    adc compile examples/seed002_modes.py --wrt x1,x2 --order 2       # Hessian
"""
from math import log


def f(x1, x2):
    return log(x1) + x1 * x2
