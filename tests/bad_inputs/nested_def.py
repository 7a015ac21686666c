# expect: CompileError
# message: nested function definition is not supported
# line: 5
def f(x):
    def g(t):
        return t
    return g(x)
