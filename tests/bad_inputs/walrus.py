# expect: CompileError
# message: assignment expression (:=) is not supported
# line: 5
def f(x):
    if (y := x * 2) > 1:
        return y
    return x
