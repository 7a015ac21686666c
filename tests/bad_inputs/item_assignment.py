# expect: CompileError
# message: assignment to an item
# line: 6
def f(x):
    t = [x, x]
    t[0] = 1.0
    return x
