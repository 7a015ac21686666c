# expect: CompileError
# message: the operator MatMult is not supported
# line: 5
def f(x):
    return x @ x
