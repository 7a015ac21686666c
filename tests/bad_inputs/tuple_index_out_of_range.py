# expect: CompileError
# message: tuple index out of range
# line: 6
def f(x):
    t = (x, x)
    return t[5]
