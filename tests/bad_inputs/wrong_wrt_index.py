# expect: CompileError
# message: no parameter 5
# line: 7
# wrt: 5
# api-expect: UsageError
# api-message: out of range
def f(x, y):
    return x * y
