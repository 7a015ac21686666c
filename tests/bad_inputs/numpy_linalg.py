# expect: CompileError
# message: np.linalg.norm is not supported
# line: 8
import numpy as np


def f(x):
    return np.linalg.norm(x)
