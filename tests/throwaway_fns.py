"""A module of functions the compiler does not know: tests register them as
primitives through the registry alone (tests/test_registry_throwaway.py)."""
import math


def softplus(x):
    """log(1 + e**x), computed without overflow for large x."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))
