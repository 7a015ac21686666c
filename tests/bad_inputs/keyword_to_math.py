# expect: CompileError
# message: keyword arguments to math.sin are not supported
# line: 8
import math


def f(x):
    return math.sin(x=x)
