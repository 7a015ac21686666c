# expect: CompileError
# message: starred expression is not supported
# line: 9
import math


def f(x):
    t = (x, 1.0)
    return math.atan2(*t)
