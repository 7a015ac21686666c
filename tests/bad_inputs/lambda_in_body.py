# expect: CompileError
# message: lambda is not supported
# line: 5
def f(x):
    g = lambda t: t * t
    return g(x)
