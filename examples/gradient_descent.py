"""Seed 000: gradient descent on J(w) = x*w*sin(w) + (x*w*sin(w))**2 with x = 1.

Run it:                python examples/gradient_descent.py
See the derivative:    adc compile examples/gradient_descent.py
"""
from math import sin

from adcompiler import grad


@grad
def J(w, x=1.0):
    return x * w * sin(w) + (x * w * sin(w)) ** 2


def objective(w, x=1.0):
    return x * w * sin(w) + (x * w * sin(w)) ** 2


def descend(w=-4.9, rate=0.01, steps=50):
    for _ in range(steps):
        w = w - rate * J(w)
    return w


if __name__ == "__main__":
    w = descend()
    print(f"w = {w:.4f}, dJ/dw = {J(w):.2e}, J = {objective(w):.4f}")
