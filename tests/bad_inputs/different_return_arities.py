# expect: CompileError
# message: all return statements must return the same number of values
# line: 7
def f(x):
    if x > 0:
        return x, x
    return x
