# expect: CompileError
# message: returns 2 values; a gradient needs a single scalar output
# line: 4
def f(x):
    return x, x
