# expect: CompileError
# message: the operator BitAnd is not supported
# line: 5
def f(n):
    return (n & 1) * n
