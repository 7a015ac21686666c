# expect: CompileError
# message: constant indices
# line: 6
def f(x, i):
    t = (x, x)
    return t[i]
