# expect: CompileError
# message: g is a nested function used as a value
# line: 7
def f(x):
    def g(t):
        return t
    h = g
    return h(x)
