# expect: CompileError
# message: assignment to an item of the tuple or list t is not supported
# line: 6
def f(x):
    t = [x, x]
    t[0] += 1.0
    return x
