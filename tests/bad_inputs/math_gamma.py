# expect: CompileError
# message: the function math.gamma is not supported
# line: 8
import math


def f(x):
    return math.gamma(x)
