# expect: CompileError
# message: the operator BitXor is not supported
# line: 5
def f(n):
    return n ^ 3
