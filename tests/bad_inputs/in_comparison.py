# expect: CompileError
# message: the comparison In is not supported
# line: 5
def f(x):
    if x in (1.0, 2.0):
        return 0.0
    return x
