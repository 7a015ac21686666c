"""Small functions that fill array buffers item by item, for the golden file
of tests/test_item_writes.py (kept in a module of their own so that the line
numbers the emitted header quotes stay put)."""
import numpy as np


def running(x, a):
    """A running filter filling a buffer item by item."""
    out = np.zeros(len(x))
    out[0] = x[0]
    for i in range(1, len(x)):
        out[i] = a * out[i - 1] + x[i]
    return np.sum(out * out)
