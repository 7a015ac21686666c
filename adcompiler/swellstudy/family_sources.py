"""Functions of the built-in swell families, as ordinary Python that
adcompiler compiles (``adc swell --family``).  The loop counts ``n`` and ``h``
are swept: each member is compiled with them fixed.  The products of sines and
the squared sums take ``n`` inputs, so their members are generated
(see :mod:`adcompiler.swellstudy.families`)."""
from math import exp


def logistic(x, n=4):
    """The logistic map l <- 4 l (1 - l) iterated n times from x (Baydin et
    al., "Automatic differentiation in machine learning: a survey", 2018)."""
    l = x
    for i in range(n):
        l = 4 * l * (1 - l)
    return l


def tower(w, x=1.0, h=3):
    """The tower of exponentials exp(exp(...exp(x w))) of height h (seed 000)."""
    t = x * w
    for i in range(h):
        t = exp(t)
    return t
