# expect: CompileError
# message: the operator LShift is not supported
# line: 5
def f(n):
    return n << 1
