# expect: CompileError
# message: the ~ operator is not supported
# line: 5
def f(n):
    return ~n
