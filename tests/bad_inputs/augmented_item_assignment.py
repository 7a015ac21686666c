# expect: CompileError
# message: in-place assignment to an item or attribute
# line: 6
def f(x):
    t = [x, x]
    t[0] += 1.0
    return x
