# expect: CompileError
# message: del statement is not supported
# line: 6
def f(x):
    y = x
    del y
    return x
