# expect: CompileError
# message: with statement is not supported
# line: 5
def f(x):
    with open('a') as fh:
        y = x
    return y
