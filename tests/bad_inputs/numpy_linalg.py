# expect: CompileError
# message: np.linalg.inv is not supported
# line: 8
import numpy as np


def f(x):
    return np.sum(np.linalg.inv(x))
