# expect: CompileError
# message: the function math.frexp is not supported
# line: 8
import math


def f(x):
    return math.frexp(x)[0]
