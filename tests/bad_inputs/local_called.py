# expect: CompileError
# message: g is a local value, not a function
# line: 6
def f(x):
    g = x
    return g(x)
