# expect: CompileError
# message: the comparison Is is not supported
# line: 5
def f(x):
    if x is None:
        return 0.0
    return x
