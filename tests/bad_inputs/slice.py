# expect: CompileError
# message: slice is not supported
# line: 6
def f(x):
    t = (x, x, x)
    u = t[0:2]
    return x
