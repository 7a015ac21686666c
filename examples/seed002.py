"""The worked examples of seed 002 (docs/learn_ad.md walks through them).

    adc wengert examples/seed002.py -f f
    adc trace examples/seed002.py -f f --at x1=2,x2=5 --mode forward --seed x1
    adc trace examples/seed002.py -f f --at x1=2,x2=5 --mode reverse
    adc graph examples/seed002.py -f f --partials -o f.svg
"""
from math import cos, log


def f(x1, x2):
    return log(x1) + x1 * x2


def g(x):
    return x ** 2 / cos(x)


def cube(x):
    return x ** 3


def h(x1, x2):
    return x1 * cos(x2)
